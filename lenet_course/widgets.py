"""Four ipywidgets panels that wire controls to the library's computations and plots.

1. :class:`ScheduleExplorer`: a Caffe lr policy, its parameters on sliders, its curve and formula.
2. :class:`TrainingPanel`: train a model live; sliders act at the next iteration; Stop and Reset.
3. :class:`FeatureMapExplorer`: pick a test digit and a layer; see its maps and probabilities.
4. :class:`DrawDigit`: draw a digit with the mouse; it is made MNIST-like and classified.

Each panel is an object: its controls are attributes (``panel.gamma.value = 0.5``,
``panel.train_button.click()``), ``panel.widget`` is the box to display, and a panel left as the
last expression of a cell displays itself. Figures are plain ``matplotlib.figure.Figure`` objects
(no pyplot, no ipympl) rendered to PNG into one ``ipywidgets.Image`` that is updated in place.

Training runs in a background thread, ``chunk`` iterations per ``Solver.step`` call, so the kernel
stays free: in JupyterLab slider moves and Stop clicks are handled while it trains; in a script or
test, ``panel.wait()`` joins the thread (or pass ``background=False`` to train in the caller).
"""

from __future__ import annotations

import copy
import io
import math
import threading
import time
from typing import Any, Callable, Sequence

import ipywidgets as W
import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import nn

from . import features, plots
from .config import SolverConfig
from .data import TensorBatches, load_mnist
from .preprocess import mnist_style, stamp_segment
from .schedules import POLICIES, formula_with_values
from .solver import History, Solver

#: Which optional schedule fields each policy reads (the others are left unset).
POLICY_PARAMS: dict[str, tuple[str, ...]] = {
    "fixed": (),
    "step": ("gamma", "stepsize"),
    "exp": ("gamma",),
    "inv": ("gamma", "power"),
    "multistep": ("gamma", "stepvalue"),
    "poly": ("power",),
    "sigmoid": ("gamma", "stepsize"),
}
#: A gamma that gives a sensible curve over a few thousand iterations, per policy.
TYPICAL_GAMMA: dict[str, float] = {
    "step": 0.1, "exp": 0.999, "inv": 1e-4, "multistep": 0.1, "sigmoid": 1e-3,
}


def schedule_config(base: SolverConfig, policy: str, **values: Any) -> SolverConfig:
    """``base`` switched to ``policy`` with the given values; values the policy ignores are dropped.

    ``values`` may hold base_lr, momentum, max_iter (always applied) and gamma, power, stepsize,
    stepvalue (applied only where the policy uses them).
    """
    if policy not in POLICY_PARAMS:
        raise ValueError(f"unknown lr_policy {policy!r}; valid policies are: {', '.join(POLICIES)}")
    general = {k: values[k] for k in ("base_lr", "momentum", "max_iter") if k in values}
    params = {k: values[k] for k in POLICY_PARAMS[policy] if k in values}
    return base.replace(**general).with_policy(policy, **params)


def parse_stepvalues(text: str) -> tuple[int, ...]:
    """'3000, 6000 8000' -> (3000, 6000, 8000); a clear error for anything else."""
    parts = text.replace(",", " ").split()
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"stepvalue must be whole iterations separated by commas, e.g. '3000, 6000'; got {text!r}"
        ) from None


class FigureView:
    """A pyplot-free Figure shown as PNG in an ``ipywidgets.Image``; ``render()`` updates it in place."""

    def __init__(self, figsize: tuple[float, float], dpi: int = 80) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.image = W.Image(format="png")
        self.png = b""
        self.renders = 0

    def render(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.png = buffer.getvalue()
        self.image.value = self.png
        self.renders += 1
        return self.png

    def fresh_axes(self):
        """The figure cleared, with one new axes."""
        self.figure.clear()
        return self.figure.add_subplot()


class Panel:
    """Common display plumbing: ``widget`` is shown when the panel is displayed."""

    widget: W.Widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _observe(controls: Sequence[W.Widget], handler: Callable) -> None:
    for control in controls:
        control.observe(handler, names="value")


def _side_by_side(controls: W.Widget, view: W.Widget) -> W.Box:
    """Controls left of the picture, wrapping the picture below them when the page is narrow.

    Without this the flex row squeezes the controls, cutting off slider readouts and the canvas.
    """
    controls.layout.flex = "0 0 auto"
    view.layout.flex = "0 0 auto"
    return W.HBox([controls, view], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))


def _show(html: W.HTML, text: str, error: bool = False) -> None:
    color = plots.WRONG if error else "#333"
    html.value = f"<span style='color:{color}'>{text}</span>" if text else ""


# ---- 1. schedule explorer -----------------------------------------------------------------------
class ScheduleExplorer(Panel):
    """Move a policy's parameters and watch the lr curve and its formula follow."""

    def __init__(self, cfg: SolverConfig | None = None, figsize: tuple[float, float] = (7.5, 3.6)) -> None:
        cfg = cfg or SolverConfig()
        self.base = cfg
        style = {"description_width": "70px"}
        self.policy = W.Dropdown(options=POLICIES, value=cfg.lr_policy, description="lr_policy", style=style)
        self.base_lr = W.FloatLogSlider(value=cfg.base_lr, base=10, min=-5, max=0, step=0.05,
                                        description="base_lr", readout_format=".2g", style=style)
        self.gamma = W.FloatLogSlider(value=cfg.gamma or TYPICAL_GAMMA.get(cfg.lr_policy, 0.1), base=10,
                                      min=-6, max=0, step=0.05, description="gamma", readout_format=".3g",
                                      style=style)
        self.power = W.FloatSlider(value=cfg.power or 0.75, min=0.05, max=4, step=0.05, description="power",
                                   style=style)
        self.stepsize = W.IntSlider(value=cfg.stepsize or 2000, min=1, max=20000, step=100,
                                    description="stepsize", style=style)
        self.max_iter = W.IntSlider(value=cfg.max_iter, min=100, max=50000, step=100, description="max_iter",
                                    style=style)
        self.stepvalue = W.Text(value=", ".join(map(str, cfg.stepvalue)) or "3000, 6000, 8000",
                                description="stepvalue", continuous_update=False, style=style)
        self.log_scale = W.Checkbox(value=False, description="log scale")
        self.formula = W.HTML()
        self.message = W.HTML()
        self.view = FigureView(figsize)
        self._quiet = False
        self.policy.observe(self._policy_changed, names="value")
        _observe([self.base_lr, self.gamma, self.power, self.stepsize, self.max_iter, self.stepvalue,
                  self.log_scale], self.update)
        controls = W.VBox([self.policy, self.base_lr, self.gamma, self.power, self.stepsize, self.max_iter,
                           self.stepvalue, self.log_scale])
        self.widget = W.VBox([_side_by_side(controls, self.view.image), self.formula, self.message])
        self.widget.add_class("lenet-schedule-explorer")  # a stable hook for the browser tests
        self._enable_controls()
        self.update()

    @property
    def config(self) -> SolverConfig:
        """The configuration the controls describe (raises a ValueError naming a bad value)."""
        return schedule_config(
            self.base, self.policy.value, base_lr=self.base_lr.value, gamma=self.gamma.value,
            power=self.power.value, stepsize=self.stepsize.value, max_iter=self.max_iter.value,
            stepvalue=parse_stepvalues(self.stepvalue.value),
        )

    @property
    def ax(self):
        return self.view.figure.axes[0]

    def _enable_controls(self) -> None:
        used = POLICY_PARAMS[self.policy.value]
        for name in ("gamma", "power", "stepsize", "stepvalue"):
            getattr(self, name).disabled = name not in used

    def _policy_changed(self, change) -> None:
        self._quiet = True
        try:
            if change["new"] in TYPICAL_GAMMA:
                self.gamma.value = TYPICAL_GAMMA[change["new"]]
            if change["new"] == "sigmoid":
                self.stepsize.value = self.max_iter.value // 2
            self._enable_controls()
        finally:
            self._quiet = False
        self.update()

    def update(self, change: dict | None = None) -> None:
        """Redraw the curve and the formula from the controls (a bad value is reported, not raised)."""
        if self._quiet:
            return
        try:
            cfg = self.config
        except ValueError as err:
            _show(self.message, str(err), error=True)
            return
        _show(self.message, "")
        plots.plot_lr_schedules(cfg, ax=self.view.fresh_axes(), log_scale=self.log_scale.value)
        self.formula.value = (
            f"<code>lr = {formula_with_values(cfg)}</code><br>"
            f"<code>lr(0) = {formula_with_values(cfg, 0).split('= ')[-1]}, "
            f"lr({cfg.max_iter}) = {formula_with_values(cfg, cfg.max_iter).split('= ')[-1]}</code>"
        )
        self.view.render()


# ---- 2. live training ---------------------------------------------------------------------------
class TrainingPanel(Panel):
    """Train ``model`` on an MNIST subset while watching the loss and the test accuracy.

    Slider moves go to ``Solver.update_config`` and so act at the next iteration. A diverging run
    stops itself and says why; Stop ends after the current iteration with the model intact; Reset
    restores the weights the panel started with. For step/sigmoid the stepsize is a third of the
    run; for poly, max_iter is the run's last iteration.
    """

    TRAIN_POLICIES = ("fixed", "step", "exp", "inv", "poly", "sigmoid")

    def __init__(
        self,
        model: nn.Module,
        train_data: TensorBatches | None = None,
        test_data: TensorBatches | None = None,
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
        scale = getattr(model, "input_scale", "caffe")
        self.train_data = train_data or TensorBatches("train", scale=scale, batch_size=64, seed=1701,
                                                      device=device, root=root, limit=train_limit)
        self.test_data = test_data or TensorBatches("test", scale=scale, batch_size=100, shuffle=False,
                                                    device=device, root=root, limit=test_limit)
        base = cfg or SolverConfig()
        self.base = base.replace(
            test_interval=test_interval, snapshot=0, display=0, test_initialization=True,
            test_iter=math.ceil(len(self.test_data.labels) / base.test_batch_size),
        )
        self.chunk, self.background, self.redraw_seconds = chunk, background, redraw_seconds
        self._initial_state = copy.deepcopy(model.state_dict())
        style = {"description_width": "80px"}
        self.lr = W.FloatLogSlider(value=base.base_lr, base=10, min=-4, max=1, step=0.1, description="lr",
                                   readout_format=".2g", style=style)
        policy = base.lr_policy if base.lr_policy in self.TRAIN_POLICIES else "inv"
        self.policy = W.Dropdown(options=self.TRAIN_POLICIES, value=policy, description="lr_policy", style=style)
        self.gamma = W.FloatLogSlider(value=base.gamma or TYPICAL_GAMMA.get(policy, 0.1), base=10, min=-6,
                                      max=0, step=0.1, description="gamma", readout_format=".2g", style=style)
        self.power = W.FloatSlider(value=base.power or 0.75, min=0.05, max=3, step=0.05, description="power",
                                   style=style)
        self.momentum = W.FloatSlider(value=base.momentum, min=0, max=0.99, step=0.01, description="momentum",
                                      style=style)
        self.iterations = W.IntSlider(value=iterations, min=1, max=5000, step=10, description="iterations",
                                      style=style)
        self.train_button = W.Button(description="Train", button_style="success", icon="play")
        self.stop_button = W.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.reset_button = W.Button(description="Reset", icon="undo")
        self.status = W.HTML()
        self.view = FigureView(figsize)
        self.solver: Solver | None = None
        self.history = History()
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._start_iter = 0
        self.policy.observe(self._policy_changed, names="value")
        _observe([self.lr, self.gamma, self.power, self.momentum, self.iterations], self._controls_changed)
        self.train_button.on_click(lambda _b: self.train())
        self.stop_button.on_click(lambda _b: self.stop())
        self.reset_button.on_click(lambda _b: self.reset())
        controls = W.VBox([self.policy, self.lr, self.gamma, self.power, self.momentum, self.iterations,
                           W.HBox([self.train_button, self.stop_button, self.reset_button])])
        self.widget = W.VBox([_side_by_side(controls, self.view.image), self.status])
        self.widget.add_class("lenet-training-panel")
        self._enable_controls()
        _show(self.status, f"{type(model).__name__}: {len(self.train_data.labels)} training digits, "
                           f"{len(self.test_data.labels)} test digits. Press Train.")
        self.redraw()

    # ---- state ----
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def target(self) -> int:
        """The iteration the current run ends at (follows the iterations slider)."""
        return self._start_iter + self.iterations.value

    @property
    def ax(self):
        return self.view.figure.axes[0]

    def config(self) -> SolverConfig:
        """The solver configuration the controls describe."""
        return schedule_config(
            self.base, self.policy.value, base_lr=self.lr.value, momentum=self.momentum.value,
            gamma=self.gamma.value, power=self.power.value,
            max_iter=max(self.target, (self.solver.iter if self.solver else 0) + 1),
            stepsize=max(1, self.iterations.value // 3),
        )

    def _enable_controls(self) -> None:
        used = POLICY_PARAMS[self.policy.value]
        self.gamma.disabled = "gamma" not in used
        self.power.disabled = "power" not in used

    def _policy_changed(self, change) -> None:
        self._enable_controls()
        if change["new"] in TYPICAL_GAMMA:
            self.gamma.value = TYPICAL_GAMMA[change["new"]]
        self._controls_changed()  # also when gamma already had that value (then no event fired)

    def _controls_changed(self, change: dict | None = None) -> None:
        """Hand the new values to the solver; the next iteration uses them."""
        if self.solver is None:
            return
        try:
            cfg = self.config()
        except ValueError as err:
            _show(self.status, f"not applied: {err}", error=True)
            return
        fields = ("lr_policy", "base_lr", "momentum", "gamma", "power", "stepsize", "stepvalue", "max_iter")
        self.solver.update_config(**{name: getattr(cfg, name) for name in fields})

    # ---- actions ----
    def train(self) -> None:
        """Start training ``iterations`` more iterations (in a thread unless ``background=False``)."""
        if self.running:
            return
        if self.solver is None:
            self.solver = Solver(self.model, self.config(), self.train_data, self.test_data,
                                 device=next(self.model.parameters()).device, log=None, progress=False)
        self._start_iter = self.solver.iter
        self._controls_changed()
        self._stop.clear()
        self.error = None
        self.train_button.disabled, self.stop_button.disabled, self.reset_button.disabled = True, False, True
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
        """Back to the weights the panel started with, and an empty history."""
        if self.running:
            self.stop()
            self.wait()
        self.model.load_state_dict(self._initial_state)
        self.solver, self.history = None, History()
        self.train_data.load_state_dict({"epoch": 0, "position": 0, "seed": self.train_data.seed})
        _show(self.status, "weights reset to where the panel started")
        self.redraw()

    def _run(self) -> None:
        solver = self.solver
        message, failed = "", False
        started = last_draw = time.monotonic()
        try:
            while not self._stop.is_set() and solver.iter < self.target:
                solver.step(min(self.chunk, self.target - solver.iter))
                if solver.stop_reason.startswith("diverged"):
                    message, failed = f"Stopped: {solver.stop_reason}", True
                    break
                if time.monotonic() - last_draw >= self.redraw_seconds:
                    self.redraw(f"training... iteration {solver.iter} of {self.target}")
                    last_draw = time.monotonic()
            if not message:
                tested = solver.history().test_iteration
                if not len(tested) or tested[-1] != solver.iter:
                    solver.test()  # so the last accuracy shown is the model's as it is now
                verb = "stopped" if self._stop.is_set() else "done"
                message = f"{verb} at iteration {solver.iter} ({time.monotonic() - started:.1f} s)"
        except Exception as err:  # shown in the panel: a thread's exception would otherwise vanish
            self.error, message, failed = err, f"training failed: {type(err).__name__}: {err}", True
        finally:
            self.model.eval()
            self.train_button.disabled, self.stop_button.disabled, self.reset_button.disabled = False, True, False
            self.redraw(message, error=failed)

    def redraw(self, message: str | None = None, error: bool = False) -> None:
        """Draw the curves of the history so far into the one figure, and update the status line."""
        if self.solver is not None:
            self.history = self.solver.history()
        plots.plot_training_curves(self.history, ax=self.view.fresh_axes(), show_lr=True)
        self.view.render()
        if message is not None:
            h = self.history
            if len(h.loss):
                message += f" | loss {h.loss[-1]:.3g}"
            if len(h.test_accuracy):
                message += f" | test accuracy {h.test_accuracy[-1]:.1%}"
            _show(self.status, message, error)


# ---- 3. feature-map explorer -------------------------------------------------------------------
def _load_test_digits(count: int, root: str | None) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_mnist("test", root)
    return images[:count].numpy(), labels[:count].numpy()


def _layer_options(model: nn.Module) -> list[str]:
    """The visual layers first, then every other layer, so the default is the interesting one."""
    visual = list(features.layer_roles(model).visual)
    return visual + [name for name in features.layer_names(model) if name not in visual]


def _look(model: nn.Module, digit: np.ndarray, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """(class probabilities [10], the layer's maps [C, H, W]) for one uint8 digit."""
    x = features.model_input(model, digit)
    maps = features.first_image_maps(features.feature_maps(model, x, [layer]))[layer]
    return features.probabilities(model, x)[0], maps


class FeatureMapExplorer(Panel):
    """A test-image slider and a layer dropdown: the digit, its maps and the predicted classes."""

    def __init__(self, model: nn.Module, images: np.ndarray | torch.Tensor | None = None,
                 labels: np.ndarray | torch.Tensor | None = None, *, count: int = 500, root: str | None = None,
                 figsize: tuple[float, float] = (9, 4)) -> None:
        if images is None:
            images, labels = _load_test_digits(count, root)
        self.model = model
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = None if labels is None else np.asarray(labels)
        self.index = W.IntSlider(value=0, min=0, max=len(self.images) - 1, description="test image")
        self.layer = W.Dropdown(options=_layer_options(model), description="layer")
        self.view = FigureView(figsize)
        self.probabilities = np.zeros(10)
        self.maps = np.zeros((1, 1, 1))
        _observe([self.index, self.layer], self.update)
        self.widget = W.VBox([W.HBox([self.index, self.layer]), self.view.image])
        self.widget.add_class("lenet-feature-explorer")
        self.update()

    def update(self, change: dict | None = None) -> None:
        digit = self.images[self.index.value]
        self.probabilities, self.maps = _look(self.model, digit, self.layer.value)
        label = None if self.labels is None else int(self.labels[self.index.value])
        plots.plot_prediction(digit, self.probabilities, self.maps, self.layer.value, fig=self.view.figure,
                              label=label)
        self.view.render()


# ---- 4. draw a digit ---------------------------------------------------------------------------
class DrawDigit(Panel):
    """Draw with the mouse; on release the drawing is made MNIST-like (28x28, centred) and classified.

    The ink is kept as a numpy raster updated by the same mouse handlers the canvas calls, so the
    panel also works without a browser: ``panel.draw([(x0, y0), (x1, y1), ...])`` draws a stroke.
    """

    def __init__(self, model: nn.Module, size: int = 280, brush: float | None = None,
                 figsize: tuple[float, float] = (9, 4)) -> None:
        from ipycanvas import Canvas  # only this panel needs it

        self.model = model
        self.size = size
        self.radius = (brush or size / 12) / 2
        self.canvas = Canvas(width=size, height=size)
        self.canvas.layout.border = "1px solid #999"
        self.canvas.layout.width = self.canvas.layout.height = f"{size}px"  # 1:1, not stretched to the row
        self.ink = np.zeros((size, size), dtype=np.float32)
        self.digit = np.zeros((28, 28), dtype=np.uint8)
        self.probabilities = np.full(10, 0.1)
        self.maps = np.zeros((1, 1, 1))
        self.layer = W.Dropdown(options=_layer_options(model), description="layer")
        self.clear_button = W.Button(description="Clear", icon="eraser")
        self.view = FigureView(figsize)
        self._last: tuple[float, float] | None = None
        self.canvas.on_mouse_down(self.on_mouse_down)
        self.canvas.on_mouse_move(self.on_mouse_move)
        self.canvas.on_mouse_up(self.on_mouse_up)
        self.canvas.on_mouse_out(self.on_mouse_up)
        self.clear_button.on_click(lambda _b: self.clear())
        self.layer.observe(self.update, names="value")
        self.prediction = W.HTML()  # the verdict as text, readable without looking at the figure
        left = W.VBox([self.canvas, W.HBox([self.clear_button, self.layer]), self.prediction])
        self.widget = _side_by_side(left, self.view.image)
        self.widget.add_class("lenet-draw-digit")
        self.clear()

    def _segment(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        stamp_segment(self.ink, p0, p1, self.radius)
        self.canvas.stroke_line(p0[0], p0[1], p1[0], p1[1])

    def on_mouse_down(self, x: float, y: float) -> None:
        self._last = (x, y)
        self._segment((x, y), (x, y))

    def on_mouse_move(self, x: float, y: float) -> None:
        if self._last is not None:
            self._segment(self._last, (x, y))
            self._last = (x, y)

    def on_mouse_up(self, x: float, y: float) -> None:
        if self._last is not None:
            self._last = None
            self.update()

    def draw(self, points: Sequence[tuple[float, float]]) -> None:
        """One stroke through ``points`` (canvas pixels), as if drawn with the mouse."""
        (x, y), rest = points[0], points[1:]
        self.on_mouse_down(x, y)
        for px, py in rest:
            self.on_mouse_move(px, py)
        self.on_mouse_up(*points[-1])

    def clear(self) -> None:
        self.ink[:] = 0
        self.canvas.fill_style = "black"
        self.canvas.fill_rect(0, 0, self.size, self.size)
        self.canvas.stroke_style = "white"
        self.canvas.line_width = 2 * self.radius
        self.canvas.line_cap = "round"
        self.update()

    def update(self, change: dict | None = None) -> None:
        """Preprocess the ink as MNIST was, classify it, and draw what the model sees."""
        self.digit = mnist_style(self.ink)
        self.probabilities, self.maps = _look(self.model, self.digit, self.layer.value)
        plots.plot_prediction(self.digit, self.probabilities, self.maps, self.layer.value, fig=self.view.figure)
        if not self.ink.any():
            self.view.figure.axes[0].set_title("draw a digit", fontsize=9)
            _show(self.prediction, "draw a digit on the black square")
        else:
            best = int(self.probabilities.argmax())
            _show(self.prediction, f"prediction: <b>{best}</b> ({self.probabilities[best]:.1%} sure)")
        self.view.render()
