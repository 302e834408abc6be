"""The training panel: train a model live, move sliders mid-run, Stop, Reset.

The panel only wires controls to the library: its batches come from the solver's own
constructors (:func:`lenet_course.solver.train_source` / ``test_source``, batch size and seed from
the config), the run is followed through the solver's typed events (one callback), and Reset
uses the batch source's public ``state_dict`` / ``load_state_dict``.

Training runs in a background thread, ``chunk`` iterations per ``Solver.step`` call, so the kernel
stays free: in JupyterLab slider moves and Stop clicks are handled while it trains; in a script or
test, ``panel.wait()`` joins the thread (or pass ``background=False`` to train in the caller).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from typing import Any

import ipywidgets as W
import numpy as np
import torch
from torch import Tensor, nn

from ..config import SolverConfig, required
from ..data import BatchSource
from ..schedules import POLICY_TABLE
from ..solver import Event, History, Solver, StepEvent, StopEvent, TestEvent, test_source, train_source
from ..viz.training import plot_live_run
from .schedule_explorer import schedule_config
from .view import (
    FigureView,
    PolicyControls,
    PolicyPanel,
    choice_slider,
    observe,
    round_values,
    show_status,
    side_by_side,
)

#: Run lengths the iterations slider offers: round numbers only (300, never 301).
ITERATION_STOPS = tuple(int(v) for v in round_values(10, 5000, (1, 1.5, 2, 3, 4, 5, 6, 8)))
#: Learning rates the lr slider offers: 1-2-5 per decade, up to a rate that diverges.
LR_STOPS = tuple(round_values(1e-4, 10.0, (1, 2, 5)))
MOMENTUM_STOPS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)


class RunRecord:
    """What the panel has heard from the solver: one callback collecting step and test events.

    Losses stay device tensors until :meth:`history` reads them all in one go (no per-iteration
    sync on a GPU).
    """

    def __init__(self) -> None:
        self.steps: list[tuple[int, float, Tensor]] = []
        self.tests: list[tuple[int, float, float]] = []  # (iteration, loss, accuracy)
        self.stop: StopEvent | None = None
        self._losses: list[float] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            self.steps.append((event.iteration, event.lr, event.loss_tensor.detach()))
        elif isinstance(event, TestEvent):
            self.tests.append((event.iteration, event.loss, event.accuracy))
        elif isinstance(event, StopEvent):
            self.stop = event

    def history(self) -> History:
        """The run so far as a :class:`~lenet_course.solver.History` (for the plots)."""
        steps = list(self.steps)
        unread = steps[len(self._losses) :]
        if unread:
            self._losses.extend(torch.stack([loss.float().cpu() for _, _, loss in unread]).tolist())
        tests = list(self.tests)
        return History(
            np.array([it for it, _, _ in steps], dtype=np.int64),
            np.array(self._losses[: len(steps)]),
            np.array([lr for _, lr, _ in steps], dtype=np.float64),
            np.array([t[0] for t in tests], dtype=np.int64),
            np.array([t[1] for t in tests]),
            np.array([t[2] for t in tests]),
            self.stop.message if self.stop and self.stop.reason != "finished" else "",
        )


class TrainingPanel(PolicyPanel):
    """Train ``model`` on an MNIST subset while watching the loss and the validation accuracy.

    By default the first ``train_limit`` digits of the "fit" split, measured every ``test_interval``
    iterations on the first ``test_limit`` digits of the "val" split (``test_data`` is the solver's
    name for what it measures on).

    Slider moves go to ``Solver.update_config`` and so act at the next iteration. A diverging run
    stops itself and says why (and that Reset is the way back); Stop ends after the current
    iteration with the model intact; Reset restores the weights, the data order and every control
    the panel started with. The schedule's parameters have the ranges of
    :data:`~lenet_course.schedules.POLICY_TABLE`; stepsize starts at a third of the run, and for
    poly max_iter is the run's last iteration.
    """

    title = "Training panel: train a LeNet live"
    TRAIN_POLICIES = ("fixed", "step", "exp", "inv", "poly", "sigmoid")

    def __init__(
        self,
        model: nn.Module,
        train_data: BatchSource | None = None,
        test_data: BatchSource | None = None,
        *,
        cfg: SolverConfig | None = None,
        iterations: int = 300,
        chunk: int = 10,
        train_limit: int = 6000,
        test_limit: int = 1000,
        test_interval: int = 50,
        root: str | None = None,
        background: bool = True,
        redraw_seconds: float = 0.5,
        figsize: tuple[float, float] = (7.5, 3.6),
    ) -> None:
        self.model = model
        device = next(model.parameters()).device
        base = (cfg or SolverConfig()).replace(
            test_interval=test_interval,
            snapshot=0,
            snapshot_after_train=False,
            display=0,
            test_initialization=True,
        )
        # the first train_limit digits of the fit split, measured on the validation split: the test
        # split is kept for final figures, never for choosing settings
        self.train_data = train_data or train_source(model, base, device, root, limit=train_limit, split="fit")
        self.test_data = test_data or test_source(model, base, device, root, limit=test_limit, split="val")
        self.base = base.replace(test_iter=math.ceil(self.test_data.size / base.test_batch_size))
        self.chunk, self.background, self.redraw_seconds = chunk, background, redraw_seconds
        self._initial_weights = copy.deepcopy(model.state_dict())
        style = {"description_width": "80px"}
        policy = base.lr_policy if base.lr_policy in self.TRAIN_POLICIES else "inv"
        self.policy = W.Dropdown(options=self.TRAIN_POLICIES, value=policy, description="lr_policy", style=style)
        self.lr = choice_slider("lr", LR_STOPS, base.base_lr, style=style)
        self.momentum = choice_slider("momentum", MOMENTUM_STOPS, required(base.momentum, "momentum"), style=style)
        self.iterations = choice_slider("iterations", ITERATION_STOPS, iterations, integer=True, style=style)
        start = {(p, "stepsize"): max(100, round(iterations / 3, -2)) for p in ("step", "sigmoid")}
        if base.lr_policy == policy:
            start.update(
                {
                    (policy, n): getattr(base, n)
                    for n in ("gamma", "power", "stepsize")
                    if n in POLICY_TABLE[policy].uses and getattr(base, n) is not None
                }
            )
        self.params = PolicyControls(
            self.TRAIN_POLICIES, policy, start, style=style, names=("gamma", "power", "stepsize")
        )
        self.train_button = W.Button(description="Train", button_style="success", icon="play")
        self.stop_button = W.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.reset_button = W.Button(description="Reset", icon="undo")
        self.status = W.HTML()
        self.view = FigureView(figsize)
        self._start_controls = self._control_values()
        self.solver: Solver | None = None
        self.record = RunRecord()
        self.error: BaseException | None = None
        self.diverged = False
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._start_iter = 0
        self._quiet = False
        self.policy.observe(self._policy_changed, names="value")
        observe([self.lr, self.momentum, self.iterations, *self.params.all_controls()], self._controls_changed)
        self.train_button.on_click(lambda _b: self.train())
        self.stop_button.on_click(lambda _b: self.stop())
        self.reset_button.on_click(lambda _b: self.reset())
        slots = [self.params.slots[n] for n in ("gamma", "power", "stepsize")]
        controls = W.VBox(
            [
                self.policy,
                self.lr,
                *slots,
                self.momentum,
                self.iterations,
                W.HBox([self.train_button, self.stop_button, self.reset_button]),
            ]
        )
        self.widget = W.VBox([side_by_side(controls, self.view.image), self.status])
        self.widget.add_class("lenet-training-panel")
        self._greeting = (
            f"{type(model).__name__}: {self.train_data.size} training digits, "
            f"{self.test_data.size} validation digits. Press Train."
        )
        show_status(self.status, self._greeting)
        self.redraw()

    # ---- state (gamma, power, stepsize and ax: see PolicyPanel) ----
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def target(self) -> int:
        """The iteration the current run ends at (follows the iterations slider)."""
        return self._start_iter + self.iterations.value

    @property
    def history(self) -> History:
        """Everything the panel heard from the solver since it started (or since Reset)."""
        return self.record.history()

    def config(self) -> SolverConfig:
        """The solver configuration the controls describe."""
        return schedule_config(
            self.base,
            self.policy.value,
            base_lr=self.lr.value,
            momentum=self.momentum.value,
            max_iter=max(self.target, (self.solver.iter if self.solver else 0) + 1),
            **self.params.values(),
        )

    def _control_values(self) -> dict[str, Any]:
        return {
            "policy": self.policy.value,
            "lr": self.lr.value,
            "momentum": self.momentum.value,
            "iterations": self.iterations.value,
        }

    def _policy_changed(self, change: dict) -> None:
        self.params.show(change["new"])
        self._controls_changed()

    def _controls_changed(self, change: dict | None = None) -> None:
        """Hand the new values to the solver; the next iteration uses them."""
        if self.solver is None or self._quiet:
            return
        try:
            cfg = self.config()
        except ValueError as err:
            show_status(self.status, f"not applied: {err}", error=True)
            return
        fields = ("lr_policy", "base_lr", "momentum", "gamma", "power", "stepsize", "stepvalue", "max_iter")
        self.solver.update_config(**{name: getattr(cfg, name) for name in fields})

    # ---- actions ----
    def train(self) -> None:
        """Train ``iterations`` more iterations (in a thread unless ``background=False``)."""
        if self.running:
            return
        if self.diverged:
            show_status(
                self.status,
                "The last run diverged, so the weights are NaN and training cannot go on: "
                "press Reset (it restores the starting weights and settings), lower lr, then Train.",
                error=True,
            )
            return
        if self.solver is None:
            self.solver = Solver(
                self.model,
                self.config(),
                self.train_data,
                self.test_data,
                device=next(self.model.parameters()).device,
                callbacks=[self.record],
                log=None,
                progress=False,
            )
        self.solver.cancel_requests()  # a Stop pressed after the last run must not end this one
        self._start_iter = self.solver.iter
        self._controls_changed()
        self._stop.clear()
        self.error, self.record.stop = None, None
        self._set_buttons(running=True)
        if self.background:
            self._thread = threading.Thread(target=self._run, name="lenet-training", daemon=True)
            self._thread.start()
        else:
            self._run()

    def stop(self) -> None:
        """End the run after the current iteration; the model and the curves stay as they are."""
        self._stop.set()
        if self.solver is not None:
            self.solver.request_stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a background run ends; True if it did."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def reset(self) -> None:
        """Back to the weights, the data order and the control values the panel started with."""
        if self.running:
            self.stop()
            self.wait()
        self.model.load_state_dict(self._initial_weights)
        self.train_data.rewind()
        self.solver, self.record, self.diverged, self.error = None, RunRecord(), False, None
        self._quiet = True
        try:
            start = self._start_controls
            self.policy.value = start["policy"]
            self.params.restore()
            self.params.show(start["policy"])
            self.lr.value, self.momentum.value = start["lr"], start["momentum"]
            self.iterations.value = start["iterations"]
        finally:
            self._quiet = False
        self.redraw(
            f"Reset: weights and settings are back where the panel started (lr_policy {start['policy']}, "
            f"lr {start['lr']:g}, momentum {start['momentum']:g}). Press Train."
        )

    def _set_buttons(self, running: bool) -> None:
        self.train_button.disabled = self.reset_button.disabled = running
        self.stop_button.disabled = not running

    def _run(self) -> None:
        solver = self.solver
        assert solver is not None
        message, failed = "", False
        started = last_draw = time.monotonic()
        try:
            while not self._stop.is_set() and solver.iter < self.target:
                solver.step(min(self.chunk, self.target - solver.iter))
                stop = self.record.stop
                if stop is not None and stop.reason == "diverged":
                    self.diverged = True
                    message, failed = (
                        (f"Stopped: {stop.message} Press Reset to go back to the starting weights and settings."),
                        True,
                    )
                    break
                if stop is not None:
                    break
                if time.monotonic() - last_draw >= self.redraw_seconds:
                    self.redraw(f"training... iteration {solver.iter} of {self.target}")
                    last_draw = time.monotonic()
            if not message:
                if not self.record.tests or self.record.tests[-1][0] != solver.iter:
                    solver.test()  # so the accuracy shown is the model's as it is now
                verb = "stopped" if self._stop.is_set() or self.record.stop is not None else "done"
                message = f"{verb} at iteration {solver.iter} ({time.monotonic() - started:.1f} s)"
        except Exception as err:  # shown in the panel: a thread's exception would otherwise vanish
            self.error, message, failed = err, f"training failed: {type(err).__name__}: {err}", True
        finally:
            self.model.eval()
            self._set_buttons(running=False)
            self.redraw(message, error=failed)

    def redraw(self, message: str | None = None, error: bool = False) -> None:
        """Draw the curves heard so far into the one figure, and update the status line."""
        history = self.record.history()
        plot_live_run(history, ax=self.view.fresh_axes(), show_lr=True)
        self.view.render()
        if message is None:
            return
        if len(history.loss):
            message += f" | loss {history.loss[-1]:.3g}"
        # after a divergence the last accuracy belongs to weights that no longer exist: leave it out
        if len(history.test_accuracy) and not self.diverged:
            message += f" | validation accuracy {history.test_accuracy[-1]:.1%}"
        show_status(self.status, message, error)
