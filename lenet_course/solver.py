"""The training loop, counted in iterations as Caffe's solver counts them.

Per iteration ``it`` (from 0): test first when ``it % test_interval == 0`` (at 0 only with
``test_initialization``), then one forward/backward/update at ``lr_at(it)``, display the loss when
``it % display == 0``, and snapshot when ``it + 1`` is a multiple of ``snapshot``. At the end: a
last test and a last snapshot, as Caffe does (``snapshot: 0`` turns snapshots off altogether). Losses stay on the device and are read in bulk at
display and test time, so an iteration never waits on the host.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checkpoints import CheckpointError, atomic_save, load_weights, safe_load, save_weights
from .config import SolverConfig
from .data import BatchSource, LoaderBatches, TensorBatches, pick_device
from .optim import make_optimizer, set_rate
from .schedules import lr_at
from .speed import make_fast

#: A loss above this (or NaN/inf) counts as a diverged run and stops training.
DIVERGENCE_LOSS = 1e4


def seed_everything(seed: int) -> None:
    """Seed torch's CPU and CUDA generators (model initialisation, augmentation, dropout)."""
    torch.manual_seed(seed)


@dataclass(frozen=True)
class StepInfo:
    """What ``on_step`` callbacks receive after each iteration."""

    iteration: int  # the iteration just done (0-based, as Caffe prints it)
    lr: float
    loss_tensor: Tensor

    @property
    def loss(self) -> float:
        """The loss as a float (this waits for the device)."""
        return float(self.loss_tensor)


@dataclass(frozen=True)
class TestInfo:
    iteration: int
    loss: float
    accuracy: float


@dataclass
class History:
    """Everything a run measured, as numpy arrays (train per iteration, test per test)."""

    iteration: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    test_iteration: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    test_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    test_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stop_reason: str = ""

    def to_tensors(self) -> dict:
        """As tensors, so a solver-state file stays loadable with ``weights_only=True``."""
        return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in self.arrays().items()}

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "stop_reason"}

    @classmethod
    def from_tensors(cls, state: dict) -> "History":
        return cls(**{k: v.numpy() for k, v in state.items()})


class _Recorder:
    """Collects per-iteration losses as device tensors; turns them into floats in one sync."""

    def __init__(self, history: History | None = None) -> None:
        h = history or History()
        self.iteration, self.loss, self.lr = list(h.iteration), list(h.loss), list(h.lr)
        self.test = [list(h.test_iteration), list(h.test_loss), list(h.test_accuracy)]
        self.pending: list[Tensor] = []
        self.pending_meta: list[tuple[int, float]] = []

    def add(self, it: int, lr: float, loss: Tensor) -> None:
        self.pending.append(loss)
        self.pending_meta.append((it, lr))

    def flush(self) -> list[float]:
        if not self.pending:
            return []
        values = torch.stack(self.pending).tolist()
        for (it, lr), value in zip(self.pending_meta, values):
            self.iteration.append(it)
            self.lr.append(lr)
            self.loss.append(value)
        self.pending, self.pending_meta = [], []
        return values

    def add_test(self, info: TestInfo) -> None:
        for column, value in zip(self.test, (info.iteration, info.loss, info.accuracy)):
            column.append(value)

    def history(self, stop_reason: str = "") -> History:
        self.flush()
        return History(
            np.asarray(self.iteration, dtype=np.int64), np.asarray(self.loss, dtype=np.float64),
            np.asarray(self.lr, dtype=np.float64), np.asarray(self.test[0], dtype=np.int64),
            np.asarray(self.test[1], dtype=np.float64), np.asarray(self.test[2], dtype=np.float64),
            stop_reason,
        )


def train_source(model: nn.Module, cfg: SolverConfig, device: torch.device, root=None,
                 augment: bool = False, limit: int | None = None) -> BatchSource:
    """The Caffe recipe's training batches, scaled the way ``model`` expects."""
    scale = getattr(model, "input_scale", "caffe")
    cls = LoaderBatches if augment else TensorBatches
    extra = {"augment": True} if augment else {}
    return cls("train", scale=scale, batch_size=cfg.train_batch_size, seed=cfg.random_seed,
               device=device, root=root, limit=limit, **extra)


def test_source(model: nn.Module, cfg: SolverConfig, device: torch.device, root=None,
                limit: int | None = None) -> BatchSource:
    """The test split in file order, scaled the way ``model`` expects."""
    return TensorBatches("test", scale=getattr(model, "input_scale", "caffe"),
                         batch_size=cfg.test_batch_size, shuffle=False, device=device, root=root,
                         limit=limit)


class Solver:
    """Trains ``model`` with ``cfg`` on ``train_data``, testing on ``test_data``.

    Callbacks ``on_step(StepInfo)`` and ``on_test(TestInfo)`` let plots and widgets follow along;
    ``request_stop()`` ends the run after the current iteration, leaving the model usable.
    ``cfg`` may be replaced between iterations (``update_config``): the next iteration uses it.
    ``fast`` (default) applies :func:`lenet_course.speed.make_fast` to the model on the CPU and
    lets :class:`~lenet_course.optim.CaffeSGD` use torch's fused kernel.
    """

    def __init__(
        self,
        model: nn.Module,
        cfg: SolverConfig | None = None,
        train_data: BatchSource | None = None,
        test_data: BatchSource | None = None,
        *,
        device: torch.device | str | None = None,
        root: str | os.PathLike | None = None,
        augment: bool = False,
        on_step: Callable[[StepInfo], None] | Iterable[Callable[[StepInfo], None]] = (),
        on_test: Callable[[TestInfo], None] | Iterable[Callable[[TestInfo], None]] = (),
        log: Callable[[str], None] | None = print,
        progress: bool = True,
        fast: bool = True,
    ) -> None:
        self.cfg = cfg or SolverConfig()
        self.device = torch.device(device) if device is not None else pick_device(self.cfg.solver_mode)
        self.model = model.to(self.device)
        if fast:  # CPU layout/allocator settings; same results up to rounding (lenet_course.speed)
            make_fast(self.model, self.device)
        if train_data is None:
            train_data = train_source(model, self.cfg, self.device, root, augment)
        if test_data is None:
            test_data = test_source(model, self.cfg, self.device, root)
        self.train_data, self.test_data = train_data, test_data
        self.optimizer = make_optimizer(self.model, self.cfg, fused=None if fast else False)
        self.iter = 0
        self.on_step = [on_step] if callable(on_step) else list(on_step)
        self.on_test = [on_test] if callable(on_test) else list(on_test)
        self.log, self.progress = log, progress
        self._recorder = _Recorder()
        self._stop_requested = False
        self.stop_reason = ""

    # ---- configuration -------------------------------------------------------------------
    def update_config(self, **changes) -> SolverConfig:
        """Change solver fields (validated); the next iteration uses them."""
        self.cfg = self.cfg.replace(**changes)
        return self.cfg

    def request_stop(self) -> None:
        self._stop_requested = True

    # ---- one iteration -------------------------------------------------------------------
    def _train_step(self, rate: float) -> Tensor:
        set_rate(self.optimizer, rate, self.cfg)
        x, y = self.train_data.next_batch()
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    @torch.inference_mode()
    def test(self) -> TestInfo:
        """Mean loss and accuracy over ``test_iter`` batches of ``test_batch_size`` (all 10,000)."""
        was_training = self.model.training
        self.model.eval()
        total_loss = torch.zeros((), device=self.device, dtype=torch.float64)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        seen = 0
        try:
            for i, (x, y) in enumerate(self.test_data.iter_epoch(self.cfg.test_batch_size)):
                if i >= self.cfg.test_iter:
                    break
                logits = self.model(x)
                total_loss += F.cross_entropy(logits, y, reduction="sum").double()
                correct += (logits.argmax(1) == y).sum()
                seen += len(y)
        finally:
            self.model.train(was_training)
        if seen == 0:
            raise ValueError("the test set is empty (test_iter is 0 or the test source has no data)")
        info = TestInfo(self.iter, float(total_loss) / seen, int(correct) / seen)
        self._recorder.add_test(info)
        if self.log:
            self.log(f"Iteration {self.iter}, Testing net: accuracy = {info.accuracy:.4f}, loss = {info.loss:.4f}")
        for callback in self.on_test:
            callback(info)
        return info

    def _tests_now(self, cfg: SolverConfig) -> bool:
        """Whether this iteration is a test point (test_interval or test_iter 0 turns tests off)."""
        return bool(cfg.test_interval and cfg.test_iter and self.iter % cfg.test_interval == 0)

    def _flush(self) -> list[float]:
        """Read the losses still on the device (one sync) and stop the run if any diverged."""
        first = self._recorder.pending_meta[0][0] if self._recorder.pending_meta else self.iter
        values = self._recorder.flush()
        self._check_divergence(values, first)
        return values

    def _check_divergence(self, values: list[float], first_it: int) -> None:
        for offset, value in enumerate(values):
            if not math.isfinite(value) or value > DIVERGENCE_LOSS:
                self.stop_reason = (
                    f"diverged: the loss became {value:g} at iteration {first_it + offset}; "
                    "lower base_lr (or momentum) and train again"
                )
                self._stop_requested = True
                return

    # ---- the loop ------------------------------------------------------------------------
    def step(self, iters: int) -> History:
        """Run ``iters`` iterations (fewer if stopped or diverged); return the history so far."""
        stop_at = self.iter + iters
        self._stop_requested, self.stop_reason = False, ""
        bar = self._progress_bar(iters)
        self.model.train()
        mark_time, mark_iter = time.perf_counter(), self.iter  # for iter/s between display lines
        try:
            while self.iter < stop_at and not self._stop_requested:
                cfg = self.cfg
                if self._tests_now(cfg) and (self.iter > 0 or cfg.test_initialization):
                    self.test()
                rate = lr_at(self.iter, cfg)
                loss = self._train_step(rate)
                self._recorder.add(self.iter, rate, loss)
                if self.on_step:
                    info = StepInfo(self.iter, rate, loss)
                    for callback in self.on_step:
                        callback(info)
                if cfg.display and self.iter % cfg.display == 0:
                    values = self._flush()
                    if self.log and values:
                        now, done = time.perf_counter(), self.iter + 1 - mark_iter
                        speed = f" ({done / max(now - mark_time, 1e-9):.1f} iter/s)" if done > 1 else ""
                        self.log(f"Iteration {self.iter}{speed}, loss = {values[-1]:.4f}, lr = {rate:.6g}")
                        mark_time, mark_iter = now, self.iter + 1
                self.iter += 1
                if bar is not None:
                    bar.update(1)
                if cfg.snapshot and self.iter % cfg.snapshot == 0:
                    self.snapshot()
            self._flush()
        finally:
            if bar is not None:
                bar.close()
        if self.stop_reason and self.log:
            self.log(self.stop_reason)
        elif self._stop_requested and not self.stop_reason:
            self.stop_reason = f"stopped at iteration {self.iter}"
        return self.history()

    def solve(self, max_iter: int | None = None) -> History:
        """Train up to ``max_iter`` (default ``cfg.max_iter``), then test and snapshot as Caffe does."""
        target = self.cfg.max_iter if max_iter is None else max_iter
        self.step(max(0, target - self.iter))
        if not self.stop_reason:
            cfg = self.cfg
            if self._tests_now(cfg):
                self.test()
            if cfg.snapshot and self.iter % cfg.snapshot != 0:
                self.snapshot()
        return self.history()

    def history(self) -> History:
        self._flush()  # every loss that reaches the history is checked for divergence first
        return self._recorder.history(self.stop_reason)

    def _progress_bar(self, total: int):
        if not self.progress or total <= 0:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, desc="training", unit="iter", leave=False)

    # ---- snapshots -------------------------------------------------------------------------
    def snapshot_paths(self, iteration: int | None = None) -> tuple[Path, Path]:
        it = self.iter if iteration is None else iteration
        stem = f"{self.cfg.snapshot_prefix}_iter_{it}"
        return Path(stem + ".pt"), Path(stem + ".solverstate.pt")

    def snapshot(self) -> tuple[Path, Path]:
        """Write the weights (tut2 form) and the solver state, each atomically."""
        weights_path, state_path = self.snapshot_paths()
        save_weights(self.model, weights_path)
        state = {
            "iteration": self.iter,
            "weights": weights_path.name,
            "optimizer": self.optimizer.state_dict(),
            "train_data": self.train_data.state_dict(),
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "history": self.history().to_tensors(),
            "config": dataclasses.asdict(self.cfg),
        }
        atomic_save(state, state_path)
        if self.log:
            self.log(f"Snapshotting to {weights_path} and {state_path}")
        return weights_path, state_path

    def restore(self, state_path: str | os.PathLike) -> None:
        """Continue from a snapshot: weights, momentum history, data position, RNG, history."""
        state_path = Path(state_path)
        state = safe_load(state_path, map_location="cpu")
        if not isinstance(state, dict) or "weights" not in state or "optimizer" not in state:
            raise CheckpointError(
                f"{state_path} is not a solver-state snapshot (it looks like a weights file); pass "
                "the matching .solverstate.pt written beside it, e.g. lenet_iter_5000.solverstate.pt"
            )
        load_weights(self.model, state_path.parent / state["weights"], map_location=self.device)
        self.optimizer.load_state_dict(state["optimizer"])
        self.train_data.load_state_dict(state["train_data"])
        torch.set_rng_state(state["rng_cpu"])
        if state["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        self.iter = int(state["iteration"])
        self._recorder = _Recorder(History.from_tensors(state["history"]))
