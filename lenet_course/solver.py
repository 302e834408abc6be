"""The training loop, counted in iterations as Caffe's solver counts them (``solver.cpp``).

Per iteration ``it`` (from 0), in the order of Caffe's ``Solver::Step``: test first when
``it % test_interval == 0`` (at 0 only with ``test_initialization``); then ``iter_size``
forward/backward passes of the un-divided loss, :func:`~lenet_course.optim.prepare_gradients_`
(clip, then divide by ``iter_size``) and one update at ``lr_at(it)``; the display line when
``it % display == 0`` (the mean of the last ``average_loss`` losses, as ``UpdateSmoothedLoss``);
then the counter moves to ``it + 1``, and a snapshot is written when that is a multiple of
``snapshot`` or one was requested (:meth:`Solver.request_snapshot`, Caffe's SIGHUP); a stop
request (:meth:`Solver.request_stop`, Caffe's SIGINT) ends the loop there. ``solve()`` then
writes the last snapshot if ``snapshot_after_train`` and the last iteration was not a snapshot
already (also after a stop request), and, unless stopped early, runs the last test.
Caffe's extra forward pass that displays the final loss is left out: it would consume a
training batch that a run resumed from the last snapshot never sees.

Everything the loop does is reported as typed events to one callback list
(:class:`StepEvent`, :class:`DisplayEvent`, :class:`TestEvent`, :class:`SnapshotEvent`,
:class:`StopEvent`, and :class:`NoteEvent` for the odd informational line); Caffe's log lines
are one subscriber (:class:`CaffeLog`). Losses stay on the device and are read in bulk at
display, test and snapshot time, so an iteration never waits on the host.

Snapshots never mix or half-appear: the weights and the solver state are staged as temp files
and renamed together, the state records the SHA-256 of its weights file and :meth:`Solver.restore`
checks it, and a run holds a lock on its ``snapshot_prefix`` (:class:`~lenet_course.checkpoints.PrefixLock`)
so a second run on the same prefix refuses to start. A diverged run writes no snapshot at all.

Under ``torchrun`` (:mod:`lenet_course.distributed`) the same loop runs in every process: the
model is wrapped in ``DistributedDataParallel``, each rank trains on its share of the same global
batch, the loss and the stop/snapshot requests are agreed over the ranks each iteration, and rank 0
alone reports, tests and writes.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checkpoints import (
    CheckpointError,
    CheckpointWarning,
    PrefixLock,
    RunLockedError,
    SnapshotError,
    commit,
    discard,
    read_weights,
    safe_load,
    sha256_of,
    stage_save,
    weights_of,
)
from .config import SolverConfig
from .data import BatchSource, LoaderBatches, TensorBatches, evaluation_batches
from .distributed import RankFailedError, World, broadcast_seed, current_world, is_peer_failure, per_rank_batch, shard
from .events import (
    STOP_REASONS,
    CaffeLog,
    DisplayEvent,
    Event,
    NoteEvent,
    SnapshotEvent,
    StepEvent,
    StepInfo,
    StopEvent,
    TestEvent,
    TestInfo,
)
from .hooks import eval_mode
from .models import build_model, input_scale
from .optim import make_optimizer, optimizer_type_name, prepare_gradients_, set_rate
from .runtime import make_fast, pick_device, resolve_seed, seed_everything
from .schedules import lr_at

__all__ = [
    "DIVERGENCE_LOSS",
    "STOP_REASONS",
    "CaffeLog",
    "CheckpointError",
    "DisplayEvent",
    "Event",
    "History",
    "NoteEvent",
    "RankFailedError",
    "RunLockedError",
    "SnapshotError",
    "SnapshotEvent",
    "Solver",
    "StepEvent",
    "StepInfo",
    "StopEvent",
    "TestEvent",
    "TestInfo",
    "resolve_seed",
    "seed_everything",
    "test_source",
    "train_source",
]

#: A loss above this (or NaN/inf) counts as a diverged run and stops training.
DIVERGENCE_LOSS = 1e4
# resolve_seed and seed_everything live in lenet_course.runtime; imported here so that
# ``from lenet_course.solver import Solver, seed_everything`` keeps working in notebooks.


# ---- the record of a run ---------------------------------------------------------------------
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
    def from_tensors(cls, state: dict) -> History:
        return cls(**{k: v.numpy() for k, v in state.items()})


class _Recorder:
    """Collects per-iteration losses as device tensors; turns them into floats in one sync."""

    def __init__(self, history: History | None = None) -> None:
        h = history or History()
        self.iteration, self.loss, self.lr = list(h.iteration), list(h.loss), list(h.lr)
        self.test = [list(h.test_iteration), list(h.test_loss), list(h.test_accuracy)]
        self.pending: list[Tensor] = []
        self.pending_meta: list[tuple[int, float]] = []

    def __len__(self) -> int:
        """Iterations recorded, read or not."""
        return len(self.loss) + len(self.pending)

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

    def add_test(self, event: TestEvent) -> None:
        for column, value in zip(self.test, (event.iteration, event.loss, event.accuracy)):
            column.append(value)

    def history(self, stop_reason: str = "") -> History:
        self.flush()
        return History(
            np.asarray(self.iteration, dtype=np.int64),
            np.asarray(self.loss, dtype=np.float64),
            np.asarray(self.lr, dtype=np.float64),
            np.asarray(self.test[0], dtype=np.int64),
            np.asarray(self.test[1], dtype=np.float64),
            np.asarray(self.test[2], dtype=np.float64),
            stop_reason,
        )


# ---- data sources ------------------------------------------------------------------------------
def train_source(
    model: nn.Module,
    cfg: SolverConfig,
    device: torch.device,
    root=None,
    augment: bool = False,
    limit: int | None = None,
    seed: int | None = None,
    split: str = "train",
) -> BatchSource:
    """The Caffe recipe's training batches (of ``split``: all 60,000 by default, "fit" for the
    55,000 that leave "val" out), scaled the way ``model`` expects.

    ``seed`` orders the epochs and draws the augmentation (default ``cfg.random_seed``, which
    must then be >= 0).
    """
    scale = input_scale(model)
    order_seed = cfg.random_seed if seed is None else seed
    if augment:
        return LoaderBatches(
            split,
            scale=scale,
            batch_size=cfg.train_batch_size,
            seed=order_seed,
            augment=True,
            device=device,
            root=root,
            limit=limit,
        )
    return TensorBatches(
        split, scale=scale, batch_size=cfg.train_batch_size, seed=order_seed, device=device, root=root, limit=limit
    )


def test_source(
    model: nn.Module, cfg: SolverConfig, device: torch.device, root=None, limit: int | None = None, split: str = "test"
) -> BatchSource:
    """The test split (or ``split``, e.g. "val") in file order, scaled the way ``model`` expects."""
    return evaluation_batches(
        input_scale(model), cfg.test_batch_size, split=split, device=device, root=root, limit=limit
    )


_STATE_KEYS = ("iteration", "weights", "optimizer", "train_data", "rng_cpu", "history", "config")


class Solver:
    """Trains ``model`` with ``cfg`` on ``train_data``, testing on ``test_data``.

    ``model`` is a model, or a short name ('caffe', 'tut', 'lenet5') that the solver builds with
    ``cfg.random_seed`` (:func:`lenet_course.models.build_model`), so the whole run -- initial
    weights, batch order, augmentation -- follows from the config, as in Caffe.

    ``callbacks`` each receive every :data:`Event`; ``log=print`` adds a :class:`CaffeLog`;
    ``on_step`` / ``on_test`` (lists kept as attributes) receive only step / test events.
    ``request_stop()`` ends the run after the current iteration, leaving the model usable;
    ``request_snapshot()`` writes a snapshot after it and carries on (both safe to call from a
    signal handler or another thread). ``cfg`` may be replaced between iterations
    (``update_config``): the next iteration uses it. ``fast`` (default) applies
    :func:`lenet_course.runtime.make_fast` to the model on the CPU and lets
    :class:`~lenet_course.optim.CaffeSGD` use torch's fused kernel.

    ``cfg.random_seed`` initialises a model given by name and orders (and augments) the
    training batches of the default data source; a negative seed is replaced by one from the
    clock, announced in a :class:`NoteEvent` and kept as ``solver.seed`` (and in every
    snapshot). The solver never seeds torch's global generator.

    Under ``torchrun`` (``world``, default: the process group this process has joined, see
    :mod:`lenet_course.distributed`) the model is wrapped in ``DistributedDataParallel`` and
    every rank trains on its slice of the same global batch of ``cfg.train_batch_size`` rows
    (which must split evenly: :class:`~lenet_course.distributed.BatchSplitError`), so N ranks
    follow the single-process run up to float rounding. The losses, stop and snapshot requests
    are agreed over the ranks every iteration (one small all-reduce), so all ranks stop at the
    same iteration. Rank 0 alone emits events (prints), tests, holds the prefix lock and writes
    snapshots; every rank restores from the same snapshot. A rank that loses its peers raises
    :class:`~lenet_course.distributed.RankFailedError`.

    ``loss_fn`` (default ``F.cross_entropy``) is the training loss and the test loss: any
    ``loss_fn(outputs, labels, reduction="mean" | "sum")``, e.g.
    :func:`lenet_course.lenet1998.map_loss` for the 1998 paper's RBF network. Accuracy is always
    the largest output's class.
    """

    def __init__(
        self,
        model: nn.Module | str,
        cfg: SolverConfig | None = None,
        train_data: BatchSource | None = None,
        test_data: BatchSource | None = None,
        *,
        device: torch.device | str | None = None,
        root: str | os.PathLike | None = None,
        augment: bool = False,
        callbacks: Iterable[Callable[[Event], Any]] = (),
        on_step: Callable[[StepEvent], None] | Iterable[Callable[[StepEvent], None]] = (),
        on_test: Callable[[TestEvent], None] | Iterable[Callable[[TestEvent], None]] = (),
        log: Callable[[str], None] | None = print,
        progress: bool = True,
        fast: bool = True,
        world: World | None = None,
        loss_fn: Callable[..., Tensor] = F.cross_entropy,
    ) -> None:
        self.cfg = cfg or SolverConfig()
        #: ``loss_fn(outputs, labels, reduction="mean" | "sum")``, as ``F.cross_entropy`` (default)
        self.loss_fn = loss_fn
        self.world = current_world() if world is None else world
        if self.world.distributed:  # refused before anything is built or loaded
            per_rank_batch(self.cfg.train_batch_size, self.world.size)
        self.seed, from_clock = resolve_seed(self.cfg.random_seed)
        if from_clock:  # each process read its own clock: all take rank 0's seed
            self.seed = broadcast_seed(self.seed, self.world)
        self.device = pick_device(self.cfg.solver_mode, device)
        if self.world.distributed and self.device.type == "cuda" and self.device.index is None:
            self.device = torch.device("cuda", self.world.local_rank)  # one GPU per rank
        if isinstance(model, str):
            model = build_model(model, seed=self.seed)
        self.model = model.to(self.device)
        if fast:  # CPU layout/allocator settings; same results up to rounding (lenet_course.runtime)
            make_fast(self.model, self.device)
        #: what the training passes run through: the model, or DistributedDataParallel around it
        self.net = self._parallel(self.model)
        if train_data is None:
            train_data = train_source(self.model, self.cfg, self.device, root, augment, seed=self.seed)
        if test_data is None:
            test_data = test_source(self.model, self.cfg, self.device, root)
        self.train_data, self.test_data = train_data, test_data
        self._fused = None if fast else False
        self.optimizer = make_optimizer(self.model, self.cfg, fused=self._fused)
        self.iter = 0
        #: iterations trained by this process (a resumed run starts counting at 0 again)
        self.trained_this_run = 0
        self.callbacks: list[Callable[[Event], Any]] = ([CaffeLog(log)] if log else []) + list(callbacks)
        self.on_step = [on_step] if callable(on_step) else list(on_step)
        self.on_test = [on_test] if callable(on_test) else list(on_test)
        self.progress = progress and self.world.is_main
        self._recorder = _Recorder()
        self.stop_reason = ""  # the last run's StopEvent message ("" when it finished)
        self.last_snapshot: SnapshotEvent | None = None
        self.last_stop: StopEvent | None = None  # the last run's end (on every rank; events only on rank 0)
        self._lock: PrefixLock | None = None
        # Set by request_stop / request_snapshot (possibly from a signal handler), read by the loop:
        # plain attribute writes, never a lock, so a handler can never deadlock against the loop.
        self._stop_request: str | None = None
        self._snapshot_requests = 0
        self._snapshots_served = 0
        self._divergence = ""  # why the current run diverged ("" while it has not)
        self._display_mark = (time.perf_counter(), 0)  # (time, iteration) of the last display line
        if from_clock:
            self._emit(
                NoteEvent(
                    0,
                    f"random_seed {self.cfg.random_seed}: seeded from the clock with "
                    f"{self.seed} (set random_seed: {self.seed} to repeat this run)",
                )
            )

    # ---- configuration and requests -----------------------------------------------------
    def update_config(self, **changes) -> SolverConfig:
        """Change solver fields (validated); the next iteration uses them."""
        self.cfg = self.cfg.replace(**changes)
        return self.cfg

    def request_stop(self, reason: str = "requested") -> None:
        """End the run after the current iteration (Caffe's SIGINT: ``solve()`` then snapshots
        if ``snapshot_after_train``). ``reason`` "interrupted" marks a Ctrl-C in the StopEvent.

        Only sets a flag, so it is safe from a signal handler or another thread. A request made
        while no run is going stops the next one at its first chance (as a SIGINT does in Caffe);
        :meth:`cancel_requests` forgets it.
        """
        if reason not in ("requested", "interrupted"):
            raise ValueError(f"request_stop reason must be 'requested' or 'interrupted', got {reason!r}")
        self._stop_request = reason

    def request_snapshot(self) -> None:
        """Write a snapshot after the current iteration and carry on (Caffe's SIGHUP).

        Only bumps a counter, so it is safe from a signal handler or another thread.
        """
        self._snapshot_requests += 1

    def cancel_requests(self) -> None:
        """Forget stop and snapshot requests not yet acted on (e.g. a Stop pressed between runs)."""
        self._stop_request = None
        self._snapshots_served = self._snapshot_requests

    def _emit(self, event: Event) -> None:
        if not self.world.is_main:
            return  # rank 0 reports for the whole run
        for callback in self.callbacks:
            callback(event)
        if isinstance(event, StepEvent):
            for on_step in self.on_step:
                on_step(event)
        elif isinstance(event, TestEvent):
            for on_test in self.on_test:
                on_test(event)

    # ---- one iteration -------------------------------------------------------------------
    def _parallel(self, model: nn.Module) -> nn.Module:
        """``model`` itself, or (several ranks) DistributedDataParallel around it, which averages
        the gradients over the ranks during ``backward()`` and starts every rank from rank 0's weights."""
        if not self.world.distributed:
            return model
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=device_ids)

    def _train_step(self, rate: float, cfg: SolverConfig) -> Tensor:
        """``iter_size`` forward/backward passes, then Caffe's ApplyUpdate; the mean loss.

        With several ranks each pass is this rank's slice of the global batch; the gradients are
        averaged over the ranks in the last pass's ``backward()`` only (``no_sync`` before it:
        the sum of averages is the average of the sums, with one all-reduce instead of
        ``iter_size``). The loss returned is this rank's; :meth:`_agree` makes it the global one.
        """
        set_rate(self.optimizer, rate, cfg)
        self.optimizer.zero_grad(set_to_none=True)
        total: Tensor | None = None
        for i in range(cfg.iter_size):
            x, y = shard(*self.train_data.next_batch(), self.world)
            defer = self.world.distributed and i < cfg.iter_size - 1
            with self.net.no_sync() if defer else contextlib.nullcontext():  # type: ignore[operator]
                loss = self.loss_fn(self.net(x), y)
                loss.backward()  # gradients add up over the passes; prepare_gradients_ divides them
            total = loss.detach() if total is None else total + loss.detach()
        norm = prepare_gradients_(self._parameters(), cfg)
        if norm is not None and norm > cfg.clip_gradients:
            self._emit(
                NoteEvent(
                    self.iter,
                    f"Gradient clipping: scaling down gradients (L2 norm {norm:g} > "
                    f"{cfg.clip_gradients:g}) by scale factor {cfg.clip_gradients / norm:g}",
                )
            )
        self.optimizer.step()
        assert total is not None  # iter_size >= 1 (config)
        return total if cfg.iter_size == 1 else total / cfg.iter_size

    def _agree(self, loss: Tensor) -> tuple[Tensor, tuple[str | None, int | None] | None]:
        """Several ranks: (the loss averaged over the ranks, (the stop request, the snapshot
        request count to mark served)); one process: (the loss, None: read the flags as they are).

        A stop or snapshot asked for on any rank (a Ctrl-C reaches each rank at its own moment)
        is acted on by all, agreed in the same all-reduce as the loss, so every rank stops and
        snapshots at the same iteration. A request arriving after the flags were read counts at
        the next iteration.
        """
        if not self.world.distributed:
            return loss, None
        stop, asked = self._stop_request, self._snapshot_requests
        wants_snapshot = asked != self._snapshots_served
        flags = [stop == "requested", stop == "interrupted", wants_snapshot]
        packed = torch.cat([loss.reshape(1), torch.tensor(flags, dtype=loss.dtype, device=loss.device)])
        torch.distributed.all_reduce(packed)
        requested, interrupted, snapshot = (bool(v) for v in packed[1:].tolist())
        agreed_stop = "interrupted" if interrupted else "requested" if requested else None
        return packed[0] / self.world.size, (agreed_stop, asked if snapshot else None)

    def _parameters(self) -> list[Tensor]:
        return [p for group in self.optimizer.param_groups for p in group["params"]]

    def test(self) -> TestEvent:
        """Mean loss and accuracy over ``test_iter`` batches of ``test_batch_size`` (all 10,000)."""
        event = self._test(interruptible=False)
        assert event is not None
        return event

    def _test(self, interruptible: bool) -> TestEvent | None:
        """One test; None when a stop request came in between two test batches (as Caffe's Test)."""
        cfg = self.cfg
        measured = self._measure_test(cfg, interruptible)
        if measured is None:
            self._emit(NoteEvent(self.iter, "Test interrupted."))
            return None
        accuracy, loss = measured
        event = TestEvent(self.iter, accuracy, loss, bool(cfg.test_compute_loss))
        self._recorder.add_test(event)
        self._emit(event)  # outside inference mode: a callback may do anything
        return event

    @torch.inference_mode()
    def _measure_test(self, cfg: SolverConfig, interruptible: bool) -> tuple[float, float] | None:
        """(accuracy, mean loss) over ``test_iter`` batches, or None if a stop request came first."""
        wide = torch.float32 if self.device.type == "mps" else torch.float64  # MPS has no float64
        total_loss = torch.zeros((), device=self.device, dtype=wide)
        correct = torch.zeros((), device=self.device, dtype=torch.int64)
        seen = 0
        with eval_mode(self.model):
            for i, (x, y) in enumerate(self.test_data.iter_epoch(cfg.test_batch_size)):
                if i >= cfg.test_iter:
                    break
                if interruptible and self._stop_request is not None:
                    return None
                logits = self.model(x)
                total_loss += self.loss_fn(logits, y, reduction="sum").to(wide)
                correct += (logits.argmax(1) == y).sum()
                seen += len(y)
        if seen == 0:
            raise ValueError("the test set is empty (test_iter is 0 or the test source has no data)")
        return int(correct) / seen, float(total_loss) / seen

    def _tests_now(self, cfg: SolverConfig) -> bool:
        """Whether this iteration is a test point (test_interval or test_iter 0 turns tests off)."""
        return bool(cfg.test_interval and cfg.test_iter and self.iter % cfg.test_interval == 0)

    # ---- divergence ----------------------------------------------------------------------
    def _flush(self) -> list[float]:
        """Read the losses still on the device (one sync) and note it if any diverged."""
        first = self._recorder.pending_meta[0][0] if self._recorder.pending_meta else self.iter
        values = self._recorder.flush()
        if not self._divergence:
            for offset, value in enumerate(values):
                if not math.isfinite(value) or value > DIVERGENCE_LOSS:
                    self._divergence = (
                        f"diverged: the loss became {value:g} at iteration {first + offset}; "
                        "lower base_lr (or momentum) and train again"
                    )
                    break
        return values

    def _healthy(self) -> bool:
        """No diverged loss, and every weight finite (checked before anything is written)."""
        self._flush()
        if not self._divergence:
            finite = torch.stack([torch.isfinite(p).all() for p in self._parameters()]).all()
            if not bool(finite):
                self._divergence = (
                    f"diverged: the weights became NaN or inf by iteration {self.iter}; "
                    "lower base_lr (or momentum) and train again"
                )
        return not self._divergence

    # ---- the loop ------------------------------------------------------------------------
    def step(self, iters: int) -> History:
        """Run ``iters`` iterations (fewer if stopped or diverged); return the history so far.

        Snapshots every ``snapshot`` iterations (and when requested); no ``snapshot_after_train``
        snapshot, as Caffe's ``Step``. Emits a StopEvent only when the run stopped early.
        """
        with self._run_lock(self.cfg.snapshot > 0):
            reason = self._run(iters)
        if reason != "finished":
            self._finish(reason)
        else:
            self.stop_reason = ""
        return self.history()

    def solve(self, max_iter: int | None = None) -> History:
        """Train up to ``max_iter`` (default ``cfg.max_iter``), then snapshot and test as Caffe does."""
        target = self.cfg.max_iter if max_iter is None else max_iter
        cfg = self.cfg
        with self._run_lock(cfg.snapshot > 0 or cfg.snapshot_after_train):
            start = self.iter
            reason = self._run(max(0, target - self.iter))
            cfg = self.cfg
            at_snapshot = bool(cfg.snapshot) and self.iter % cfg.snapshot == 0
            if reason != "diverged" and cfg.snapshot_after_train and not at_snapshot and self.iter > start:
                if self._healthy():
                    self._write_snapshot()
                else:
                    reason = "diverged"
            if reason == "finished" and self._tests_now(cfg) and self.world.is_main:
                self._test(interruptible=False)
        self._finish(reason)
        return self.history()

    def _run(self, iters: int) -> str:
        """The iterations of one ``step``/``solve``; returns why they ended (a STOP_REASONS entry)."""
        stop_at = self.iter + iters
        self.stop_reason, self._divergence = "", ""
        smoothing_from = len(self._recorder)  # Caffe's Step starts a fresh average_loss window
        bar = self._progress_bar(iters)
        self.model.train()
        self._display_mark = (time.perf_counter(), self.iter)  # for iter/s between display lines
        reason = "finished"
        stop: str | None = None
        try:
            while self.iter < stop_at:
                cfg = self.cfg
                if self._tests_now(cfg) and (self.iter > 0 or cfg.test_initialization):
                    if self.world.distributed:  # rank 0 tests while the others wait (no early exit)
                        if self.world.is_main:
                            self._test(interruptible=False)
                    elif self._test(interruptible=True) is None:
                        break  # stop requested while testing
                rate = lr_at(self.iter, cfg)
                loss, agreed = self._agree(self._train_step(rate, cfg))
                self._recorder.add(self.iter, rate, loss)
                if self.callbacks or self.on_step:
                    self._emit(StepEvent(self.iter, rate, loss))
                if cfg.display and self.iter % cfg.display == 0:
                    self._display(rate, cfg, smoothing_from)
                self.iter += 1
                self.trained_this_run += 1
                if bar is not None:
                    bar.update(1)
                if self._divergence:
                    break
                if agreed is None:  # one process: the flags as they are now
                    asked = self._snapshot_requests
                    served = asked if asked != self._snapshots_served else None
                else:
                    stop, served = agreed
                if (cfg.snapshot and self.iter % cfg.snapshot == 0) or served is not None:
                    if served is not None:
                        self._snapshots_served = served
                    if not self._healthy():
                        break
                    with self._run_lock(True):  # the prefix may have changed (update_config)
                        self._write_snapshot()
                if agreed is None:
                    stop = self._stop_request
                if stop is not None:
                    break
            self._flush()
        except Exception as err:
            if self.world.distributed and is_peer_failure(err):
                raise self._peer_failure(err) from err
            raise
        finally:
            if bar is not None:
                bar.close()
        if self._divergence:
            return "diverged"
        if stop is None and not self.world.distributed:
            stop = self._stop_request  # a request made during the last iteration's snapshot
        if stop is not None:
            reason, self._stop_request = stop, None
        return reason

    def _peer_failure(self, err: BaseException) -> RankFailedError:
        """The error a rank raises when a collective fails: which rank, where, what to do."""
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        snap = self.last_snapshot.state_path if self.last_snapshot else None
        resume = f"; resume from {snap}" if snap else ""
        return RankFailedError(
            f"{self.world} stopped at iteration {self.iter}: another rank failed or stopped answering "
            f"({type(err).__name__}: {first}). The run is stopped on every rank; the first error "
            f"printed by the failed rank says why{resume}."
        )

    def _display(self, rate: float, cfg: SolverConfig, smoothing_from: int) -> None:
        """The display line: the mean of the last ``average_loss`` losses of this run, and the
        iterations per second since the previous line (timed after the losses are read)."""
        self._flush()
        now, (then, first) = time.perf_counter(), self._display_mark
        done = self.iter + 1 - first
        speed = done / max(now - then, 1e-9) if done > 1 else None
        self._display_mark = (now, self.iter + 1)
        losses = self._recorder.loss
        window = losses[max(smoothing_from, len(losses) - cfg.average_loss) :]
        self._emit(DisplayEvent(self.iter, float(np.mean(window)), rate, speed))

    def _finish(self, reason: str) -> None:
        """Set ``stop_reason`` and emit the StopEvent, naming the snapshot of this iteration."""
        snap = self.last_snapshot if self.last_snapshot and self.last_snapshot.iteration == self.iter else None
        wrote = f"; snapshot written to {snap.weights_path} and {snap.state_path}" if snap else ""
        if reason == "diverged":
            message = self._divergence + ". No snapshot was written after it."
        elif reason == "interrupted":
            message = (
                f"interrupted at iteration {self.iter}{wrote}; resume from {snap.state_path}"
                if snap
                else f"interrupted at iteration {self.iter}; no snapshot written (snapshot_after_train is off)"
            )
        elif reason == "requested":
            message = f"stopped at iteration {self.iter}{wrote}"
        else:
            message = f"finished at iteration {self.iter}{wrote}"
        self.stop_reason = "" if reason == "finished" else message
        self.last_stop = StopEvent(self.iter, reason, message, snap.state_path if snap else None)
        self._emit(self.last_stop)

    def history(self) -> History:
        self._flush()  # every loss that reaches the history is checked for divergence first
        return self._recorder.history(self.stop_reason)

    def _progress_bar(self, total: int):
        if not self.progress or total <= 0:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, desc="training", unit="iter", leave=False)

    # ---- snapshots -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _run_lock(self, needed: bool) -> Iterator[None]:
        """Hold the lock of ``snapshot_prefix`` (taken here unless already held for that prefix).

        Taking it also proves the snapshot folder writable, before the first iteration.
        """
        prefix = self.cfg.snapshot_prefix
        if (
            not needed
            or not self.world.is_main
            or (self._lock is not None and self._lock.held and self._lock.prefix == prefix)
        ):
            yield
            return
        outer, self._lock = self._lock, PrefixLock(prefix).acquire()
        try:
            yield
        finally:
            self._lock.release()
            self._lock = outer

    def snapshot_paths(self, iteration: int | None = None) -> tuple[Path, Path]:
        it = self.iter if iteration is None else iteration
        stem = f"{self.cfg.snapshot_prefix}_iter_{it}"
        return Path(stem + ".pt"), Path(stem + ".solverstate.pt")

    def snapshot(self) -> tuple[Path, Path]:
        """Write the weights (tut2 form) and the solver state now, as one pair.

        Refused (:class:`SnapshotError`) for a diverged run, and (:class:`RunLockedError`) while
        another run holds this snapshot prefix.
        """
        if not self._healthy():
            raise SnapshotError(f"no snapshot written: the run {self._divergence.removeprefix('diverged: ')}")
        with self._run_lock(True):
            return self._write_snapshot()

    def _write_snapshot(self) -> tuple[Path, Path]:
        """Stage both files, then rename both: a failure leaves every earlier file as it was.

        Only rank 0 writes; the other ranks get the paths rank 0 writes to.
        """
        weights_path, state_path = self.snapshot_paths()
        if not self.world.is_main:
            return weights_path, state_path
        weights_tmp = stage_save(weights_of(self.model), weights_path)
        try:
            state_tmp = stage_save(self._state(weights_path.name, sha256_of(weights_tmp)), state_path)
        except BaseException:
            discard(weights_tmp)
            raise
        try:
            commit(weights_tmp, weights_path)
        except BaseException:
            discard(state_tmp)
            raise
        commit(state_tmp, state_path)
        self.last_snapshot = SnapshotEvent(self.iter, weights_path, state_path)
        self._emit(self.last_snapshot)
        return weights_path, state_path

    def _state(self, weights_name: str, weights_sha256: str) -> dict[str, Any]:
        """What a .solverstate.pt holds (tensors and plain values only: loadable with weights_only)."""
        return {
            "iteration": self.iter,
            "weights": weights_name,
            "weights_sha256": weights_sha256,
            "optimizer_type": optimizer_type_name(self.optimizer),
            "optimizer": self.optimizer.state_dict(),
            "train_data": self.train_data.state_dict(),
            "rng_cpu": torch.get_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "history": self.history().to_tensors(),
            "config": dataclasses.asdict(self.cfg),
            "random_seed": self.seed,
        }

    # ---- resume ----------------------------------------------------------------------------
    def restore(self, state_path: str | os.PathLike, cfg: SolverConfig | None = None) -> dict[str, tuple[Any, Any]]:
        """Continue from a snapshot: weights, optimizer history, data position, RNG, history.

        ``cfg`` (default: this solver's) may differ from the snapshot's, as a new solver file
        may continue a Caffe run: it is applied, and the changed fields come back as
        ``{field: (snapshot's value, new value)}`` (also announced in a NoteEvent). Everything
        is checked before anything changes: a weights file that is not the one the state was
        written with (SHA-256), another solver type, or a state that does not fit raise
        :class:`CheckpointError` and leave model, optimizer and data position as they were.
        """
        state_path = Path(state_path)
        state = safe_load(state_path, map_location="cpu")
        new_cfg = cfg or self.cfg
        weights_path = self._check_state(state, state_path, new_cfg)
        weights = read_weights(self.model, weights_path, map_location=self.device)
        optimizer = self.optimizer
        if optimizer_type_name(optimizer) != new_cfg.type:
            optimizer = make_optimizer(self.model, new_cfg, fused=self._fused)
        _check_optimizer_state(optimizer, state["optimizer"], state_path)
        changes = _config_changes(state["config"], new_cfg)
        self._apply_state(state, state_path, weights, optimizer)
        self.optimizer, self.cfg = optimizer, new_cfg
        if changes:
            listed = ", ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in changes.items())
            self._emit(
                NoteEvent(
                    self.iter, f"resumed from {state_path} at iteration {self.iter} with changed fields: {listed}"
                )
            )
        return changes

    def _check_state(self, state: Any, state_path: Path, cfg: SolverConfig) -> Path:
        """The weights file of a valid solver state; raises CheckpointError for anything wrong."""
        if not isinstance(state, dict) or "weights" not in state or "optimizer" not in state:
            raise CheckpointError(
                f"{state_path} is not a solver-state snapshot (it looks like a weights file); pass "
                "the matching .solverstate.pt written beside it, e.g. lenet_iter_5000.solverstate.pt"
            )
        missing = [key for key in _STATE_KEYS if key not in state]
        if missing:
            raise CheckpointError(
                f"{state_path} is an incomplete solver state (no {', '.join(missing)}); "
                "resume from another snapshot, or start a new run"
            )
        weights_path = state_path.parent / state["weights"]
        if not weights_path.is_file():
            raise CheckpointError(
                f"{state_path} needs its weights file {weights_path}, which is missing; "
                "put it back beside the state, or resume from another snapshot"
            )
        expected = state.get("weights_sha256")
        if expected is None:
            warnings.warn(
                f"{state_path} records no SHA-256 of {weights_path.name} (written by an older "
                "version): the pair cannot be checked",
                CheckpointWarning,
                stacklevel=3,
            )
        else:
            actual = sha256_of(weights_path)
            if actual != expected:
                raise CheckpointError(
                    f"{weights_path} is not the weights file {state_path} was written with (its SHA-256 "
                    f"is {actual[:16]}..., the state records {expected[:16]}...): the pair is mixed, e.g. "
                    "by another run on the same snapshot_prefix. Resume from a pair written together."
                )
        saved_type = state.get("optimizer_type") or state["config"].get("type", "SGD")
        if saved_type != cfg.type:
            raise CheckpointError(
                f"{state_path} was written by the {saved_type} solver and this solver is {cfg.type}: "
                f"{cfg.type} cannot continue {saved_type}'s history. Resume with type "
                f"{saved_type!r}, or start a new run (without resuming) to train with {cfg.type}."
            )
        return weights_path

    def _apply_state(self, state: dict, state_path: Path, weights: dict, optimizer: torch.optim.Optimizer) -> None:
        """Load everything; if any part fails, put back what was loaded before and raise."""
        target = getattr(self.model, "_orig_mod", self.model)
        before_model = {k: v.detach().clone() for k, v in target.state_dict().items()}
        before_optimizer = copy.deepcopy(optimizer.state_dict())
        before_data = copy.deepcopy(self.train_data.state_dict())
        try:
            target.load_state_dict(weights)
            optimizer.load_state_dict(state["optimizer"])
            self.train_data.load_state_dict(state["train_data"])
            torch.set_rng_state(state["rng_cpu"])
        except Exception as err:
            target.load_state_dict(before_model)
            optimizer.load_state_dict(before_optimizer)
            self.train_data.load_state_dict(before_data)
            raise CheckpointError(
                f"{state_path} does not fit this solver ({type(err).__name__}: {err}); nothing was changed"
            ) from None
        if state.get("rng_cuda") and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        self.iter = int(state["iteration"])
        self._recorder = _Recorder(History.from_tensors(state["history"]))
        self.seed = int(state.get("random_seed", self.seed))
        self.last_snapshot = None


def _check_optimizer_state(optimizer: torch.optim.Optimizer, saved: Any, state_path: Path) -> None:
    """The saved optimizer state has this optimizer's groups, and history tensors of its shapes."""
    groups = saved.get("param_groups") if isinstance(saved, dict) else None
    if (
        not isinstance(groups, list)
        or len(groups) != len(optimizer.param_groups)
        or any(len(g.get("params", ())) != len(h["params"]) for g, h in zip(groups, optimizer.param_groups))
    ):
        raise CheckpointError(
            f"{state_path}: its optimizer state was written for another model (its parameter "
            "groups differ); resume with the model the snapshot was trained with"
        )
    params = [p for g in optimizer.param_groups for p in g["params"]]
    ids = [i for g in groups for i in g["params"]]
    by_id = dict(zip(ids, params))
    for pid, entry in saved.get("state", {}).items():
        param = by_id.get(pid)
        tensors = entry.values() if isinstance(entry, dict) else ()
        if param is None or any(isinstance(t, Tensor) and t.dim() > 0 and t.shape != param.shape for t in tensors):
            raise CheckpointError(
                f"{state_path}: its optimizer history does not match this model's parameter "
                "shapes; resume with the model the snapshot was trained with"
            )


def _config_changes(saved: dict, cfg: SolverConfig) -> dict[str, tuple[Any, Any]]:
    """``{field: (snapshot's value, cfg's value)}`` for the fields both know and that differ."""
    changes = {}
    for name, new in dataclasses.asdict(cfg).items():
        if name not in saved:
            continue
        old = saved[name]
        old_cmp = tuple(old) if isinstance(old, list) else old
        if old_cmp != new:
            changes[name] = (old_cmp, new)
    return changes
