"""The plain training loop, as lesson 06 writes it in the notebook: epochs of batches, no bookkeeping.

One training step is five lines, and every lesson that trains a model for a figure says them the
same way::

    logits = model(x)                # batch -> logits
    loss = loss_fn(logits, y)        # -> cross-entropy (by default)
    optimizer.zero_grad()            # forget the previous step's gradients ...
    loss.backward()                  # ... and compute this one's
    optimizer.step()                 # w -= update (CaffeSGD: v = m v + lr g; w -= v)

- :func:`train_epoch` runs that over one epoch of batches and returns an :class:`EpochStats`;
- :func:`evaluate_batches` measures a model (eval mode, no gradients) and returns an
  :class:`Evaluation` ``(loss, accuracy)``;
- :func:`fit` alternates the two for a number of epochs (train on one set of batches, measure on
  another: "fit" and "val") and returns one :class:`EpochRecord` per epoch.

:class:`~lenet_course.solver.Solver` is this loop plus Caffe's bookkeeping (iterations instead of
epochs, display lines, periodic tests, snapshots and resume, divergence stops); lessons that need
none of that use these functions. Nothing here prints, seeds or touches the process's random
stream; a model is changed only by the training asked for, and comes back in the train/eval mode
it was handed in.

``batches`` may be any iterable of ``(images, labels)`` pairs (a list, a ``DataLoader``) or one of
the course's batch sources (:class:`~lenet_course.data.TensorBatches`): a source gives one epoch of
its shuffled training batches to :func:`train_epoch` and its batches in file order to
:func:`evaluate_batches`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim import Optimizer

from .optim import CaffeOptimizer
from .schedules import PolicyParams, lr_at

__all__ = [
    "EpochRecord",
    "EpochStats",
    "Evaluation",
    "TrainingLoopError",
    "evaluate_batches",
    "fit",
    "one_epoch",
    "set_learning_rate",
    "train_epoch",
]

#: ``loss_fn(logits, labels) -> a scalar tensor`` (the batch mean), e.g. ``F.cross_entropy``.
LossFn = Callable[[Tensor, Tensor], Tensor]
#: A learning-rate schedule: a function ``iteration -> rate``, or a SolverConfig (its lr policy).
Schedule = Callable[[int], float] | PolicyParams


class TrainingLoopError(ValueError):
    """Arguments the training loop cannot use (no batches, zero epochs, a loss that is not a number)."""


@runtime_checkable
class _Source(Protocol):
    """What :func:`one_epoch` needs from a course batch source (see :class:`~lenet_course.data.BatchSource`)."""

    def next_batch(self) -> tuple[Tensor, Tensor]: ...
    def iter_epoch(self, batch_size: int | None = None) -> Iterator[tuple[Tensor, Tensor]]: ...
    def __len__(self) -> int: ...


Batches = Iterable[tuple[Tensor, Tensor]] | _Source


@dataclass(frozen=True)
class EpochStats:
    """What one call of :func:`train_epoch` saw.

    ``loss`` and ``accuracy`` are averages over the epoch's training samples, measured on each
    batch as it was trained on (in train mode, before that batch's update), so they lag a little
    behind the model at the end of the epoch. ``batch_losses`` has one entry per batch (for
    curves); ``rates`` the learning rate of each batch when a schedule set it (else empty).
    ``diverged`` is True when the loss stopped being a finite number (the epoch ends there).
    """

    loss: float
    accuracy: float
    samples: int
    batch_losses: tuple[float, ...]
    rates: tuple[float, ...] = ()
    diverged: bool = False

    @property
    def batches(self) -> int:
        """Batches (= optimizer steps) in the epoch."""
        return len(self.batch_losses)


class Evaluation(NamedTuple):
    """A model measured on a set of batches: the mean loss per sample and the fraction right."""

    loss: float
    accuracy: float


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of :func:`fit`: its number (from 1), the training stats, the measurement after it."""

    epoch: int
    train: EpochStats
    val: Evaluation
    seconds: float


def one_epoch(source: _Source) -> Iterator[tuple[Tensor, Tensor]]:
    """One epoch of a batch source's shuffled training batches (``len(source)`` of them)."""
    for _ in range(len(source)):
        yield source.next_batch()


def _training_batches(batches: Batches) -> Iterable[tuple[Tensor, Tensor]]:
    return one_epoch(batches) if isinstance(batches, _Source) else batches


def _evaluation_batches(batches: Batches) -> Iterable[tuple[Tensor, Tensor]]:
    return batches.iter_epoch() if isinstance(batches, _Source) else batches


def _device_of(model: nn.Module, device: torch.device | str | None) -> torch.device:
    if device is not None:
        return torch.device(device)
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def _rate_function(schedule: Schedule | None) -> Callable[[int], float] | None:
    if schedule is None or callable(schedule):
        return schedule
    return lambda it: lr_at(it, schedule)


def set_learning_rate(optimizer: Optimizer, rate: float) -> None:
    """Give every parameter group this iteration's rate.

    The course's Caffe optimizers multiply ``lr`` by each group's ``lr_mult`` themselves, so their
    groups get ``rate``; any other optimizer (``torch.optim.SGD``, ``Adam``) gets
    ``rate * lr_mult`` (``lr_mult`` 1 where a group has none), the rate it would step with.
    """
    for group in optimizer.param_groups:
        group["lr"] = rate if isinstance(optimizer, CaffeOptimizer) else rate * group.get("lr_mult", 1.0)


def train_epoch(
    model: nn.Module,
    batches: Batches,
    optimizer: Optimizer,
    loss_fn: LossFn = F.cross_entropy,
    device: torch.device | str | None = None,
    schedule: Schedule | None = None,
    first_iteration: int = 0,
) -> EpochStats:
    """Train ``model`` for one pass over ``batches``: forward, loss, zero_grad, backward, step.

    ``device`` (default: where the model's parameters are) is where each batch is moved.
    ``schedule`` sets the learning rate before each step from the iteration number, counted from
    ``first_iteration`` (pass the number of steps already taken so that a schedule continues
    across epochs). Stops early, with ``diverged=True``, at the first loss that is not finite.
    """
    target = _device_of(model, device)
    rate_at = _rate_function(schedule)
    was_training = model.training
    model.train()
    losses: list[float] = []
    rates: list[float] = []
    loss_sum, correct, samples, diverged = 0.0, 0, 0, False
    try:
        for step, (x, y) in enumerate(_training_batches(batches)):
            x, y = x.to(target), y.to(target)
            if rate_at is not None:
                rate = float(rate_at(first_iteration + step))
                set_learning_rate(optimizer, rate)
                rates.append(rate)
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = float(loss.detach())
            losses.append(value)
            if not math.isfinite(value):
                diverged = True
                break
            loss_sum += value * len(y)
            correct += int((logits.detach().argmax(1) == y).sum())
            samples += len(y)
    finally:
        model.train(was_training)
    if not losses:
        raise TrainingLoopError("train_epoch got no batches: pass a non-empty iterable of (images, labels) pairs")
    mean = loss_sum / samples if samples else math.nan
    return EpochStats(mean, correct / samples if samples else 0.0, samples, tuple(losses), tuple(rates), diverged)


@torch.no_grad()
def evaluate_batches(
    model: nn.Module,
    batches: Batches,
    loss_fn: LossFn = F.cross_entropy,
    device: torch.device | str | None = None,
) -> Evaluation:
    """The mean loss per sample and the accuracy of ``model`` on ``batches``, in eval mode, without gradients.

    The model comes back in the mode it was in. Batches of different sizes are weighted by their size.
    """
    target = _device_of(model, device)
    was_training = model.training
    model.eval()
    loss_sum, correct, samples = 0.0, 0, 0
    try:
        for x, y in _evaluation_batches(batches):
            x, y = x.to(target), y.to(target)
            logits = model(x)
            loss_sum += float(loss_fn(logits, y)) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            samples += len(y)
    finally:
        model.train(was_training)
    if not samples:
        raise TrainingLoopError("evaluate_batches got no batches: pass a non-empty iterable of (images, labels)")
    return Evaluation(loss_sum / samples, correct / samples)


def fit(
    model: nn.Module,
    train_batches: Batches,
    val_batches: Batches,
    optimizer: Optimizer,
    epochs: int,
    *,
    loss_fn: LossFn = F.cross_entropy,
    device: torch.device | str | None = None,
    schedule: Schedule | None = None,
    on_epoch: Callable[[EpochRecord], bool | None] | None = None,
) -> list[EpochRecord]:
    """Train for ``epochs`` epochs on ``train_batches``, measuring on ``val_batches`` after each.

    ``train_batches`` must give a fresh pass each epoch: a course batch source (a new shuffle per
    epoch), a ``DataLoader`` or a list; a generator would be used up after the first epoch.
    ``schedule`` counts iterations over the whole run. ``on_epoch(record)`` is called after each
    epoch (to print or plot); returning True stops training there. A diverged epoch ends the run.
    """
    if epochs < 1:
        raise TrainingLoopError(f"fit needs at least one epoch, got epochs={epochs!r}")
    records: list[EpochRecord] = []
    iteration = 0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        stats = train_epoch(model, train_batches, optimizer, loss_fn, device, schedule, first_iteration=iteration)
        iteration += stats.batches
        val = evaluate_batches(model, val_batches, loss_fn, device)
        record = EpochRecord(epoch, stats, val, time.perf_counter() - start)
        records.append(record)
        stop = on_epoch(record) if on_epoch is not None else None
        if stop is True or stats.diverged:
            break
    return records
