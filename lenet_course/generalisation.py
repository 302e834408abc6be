"""Generalisation experiments: a small fixed training subset, curves on train and validation, early stopping.

A model generalises when what it learned from its training digits holds on digits it never saw.
Lesson 08 makes a LeNet overfit on purpose and measures each remedy on the validation split:

- :func:`balanced_subset` / :func:`fit_subset`: the first ``per_class`` digits of each class of
  the ``"fit"`` split, in file order (100 per class = the 1,000-digit subset). Fixed, the same for
  everyone, no random draw; small enough that a LeNet learns it by heart in a minute on a CPU;
- :class:`PixelBatches`: batches from uint8 images, reshuffled each pass from a seed, with an
  optional augmentation (:mod:`lenet_course.augment`) applied before scaling;
- :func:`train_and_validate`: :func:`lenet_course.training_loop.fit` plus what this lesson needs
  after each epoch: the accuracy on the (clean, unaugmented) training digits, a best-validation
  snapshot written with :func:`lenet_course.checkpoints.save_weights`, and a stopping rule;
- :func:`should_stop`: early stopping with patience (Prechelt 1998): stop once the best
  validation accuracy is ``patience`` epochs old.

Nothing here seeds the process: shuffles and augmentations draw from generators seeded by the
caller's ``seed``; models are built by the caller (``build_model(..., seed=)``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from .augment import Augmentation
from .checkpoints import load_weights, save_weights
from .data import load_mnist, scale_images
from .models import input_scale
from .training_loop import EpochRecord, evaluate_batches, fit

#: Digits per class in lesson 08's subset: 100 x 10 = 1,000 training images.
SUBSET_PER_CLASS = 100

#: ``stop_rule(val_accuracies so far) -> stop now?``
StopRule = Callable[[Sequence[float]], bool]


class GeneralisationError(ValueError):
    """An experiment was set up in a way that cannot run (an empty subset, a class with too few digits)."""


def balanced_subset(images: Tensor, labels: Tensor, per_class: int) -> tuple[Tensor, Tensor]:
    """The first ``per_class`` images of each class (0-9), kept in file order."""
    if per_class < 1:
        raise GeneralisationError(f"per_class must be at least 1, got {per_class!r}")
    chosen = []
    for digit in range(10):
        where = torch.nonzero(labels == digit).flatten()
        if len(where) < per_class:
            raise GeneralisationError(
                f"digit {digit} has only {len(where)} images here, fewer than per_class={per_class}; ask for fewer."
            )
        chosen.append(where[:per_class])
    index = torch.sort(torch.cat(chosen)).values
    return images[index], labels[index]


def fit_subset(per_class: int = SUBSET_PER_CLASS, root: str | os.PathLike | None = None) -> tuple[Tensor, Tensor]:
    """Lesson 08's training set: :func:`balanced_subset` of the ``"fit"`` split (uint8 images, labels)."""
    return balanced_subset(*load_mnist("fit", root), per_class)


class PixelBatches:
    """Training batches from uint8 images: a new seeded shuffle (and augmentation) on every pass.

    Each ``iter()`` is one epoch: the order, and the augmentation's draws, come from a generator
    seeded with ``(seed, epoch)``, so a run is the same every time and the process's random
    stream is untouched. The last partial batch is kept. ``stop`` (optional, called before each
    batch) ends the pass early when it returns True, e.g. when a time budget is spent.
    """

    def __init__(
        self,
        images: Tensor,
        labels: Tensor,
        scale: str,
        *,
        batch_size: int = 50,
        augment: Augmentation | None = None,
        seed: int = 0,
        shuffle: bool = True,
        stop: Callable[[], bool] | None = None,
    ) -> None:
        if len(images) != len(labels) or len(labels) == 0:
            raise GeneralisationError(
                f"images and labels must be non-empty and of equal length, got {len(images)} and {len(labels)}"
            )
        if batch_size < 1:
            raise GeneralisationError(f"batch_size must be at least 1, got {batch_size!r}")
        self.images, self.labels, self.scale = images, labels, scale
        self.batch_size, self.augment, self.seed, self.shuffle, self.stop = batch_size, augment, seed, shuffle, stop
        self.epoch = 0

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        generator = torch.Generator().manual_seed((self.seed * 100_003 + self.epoch) % 2**63)
        self.epoch += 1
        n = len(self.labels)
        order = torch.randperm(n, generator=generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            if self.stop is not None and self.stop():
                return
            index = order[start : start + self.batch_size]
            pixels = self.images[index]
            if self.augment is not None:
                pixels = self.augment(pixels, generator)
            yield scale_images(pixels, self.scale), self.labels[index]


def evaluation_pairs(images: Tensor, labels: Tensor, scale: str, batch_size: int = 1000) -> list[tuple[Tensor, Tensor]]:
    """A split scaled once, as a list of batches in file order (measured every epoch, so kept ready)."""
    x = scale_images(images, scale)
    return [(x[i : i + batch_size], labels[i : i + batch_size]) for i in range(0, len(labels), batch_size)]


@dataclass(frozen=True)
class Epoch:
    """One epoch of :func:`train_and_validate`: losses and accuracies on the clean training digits and on validation."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float


@dataclass
class Run:
    """What :func:`train_and_validate` returns: one :class:`Epoch` per epoch, and the best one's snapshot."""

    history: list[Epoch] = field(default_factory=list)
    snapshot: Path | None = None
    stopped_early: bool = False

    @property
    def val_accuracies(self) -> list[float]:
        return [e.val_accuracy for e in self.history]

    @property
    def best(self) -> Epoch:
        """The epoch with the highest validation accuracy (the first of equals)."""
        if not self.history:
            raise GeneralisationError("this run has no epochs yet")
        return self.history[best_epoch_index(self.val_accuracies)]

    @property
    def last(self) -> Epoch:
        return self.history[-1]


def best_epoch_index(val_accuracies: Sequence[float]) -> int:
    """Index of the highest value; ties go to the earliest (a later equal value is no improvement)."""
    if not val_accuracies:
        raise GeneralisationError("no validation accuracies yet")
    best = 0
    for i, value in enumerate(val_accuracies):
        if value > val_accuracies[best]:
            best = i
    return best


def should_stop(val_accuracies: Sequence[float], patience: int) -> bool:
    """Early stopping: True once the best validation accuracy so far is ``patience`` epochs old.

    After epochs ``[0.90, 0.95, 0.94, 0.95]`` the best (0.95, strictly higher than what came before)
    was 2 epochs ago: stop with patience 2, go on with patience 3.
    """
    if patience < 1:
        raise GeneralisationError(f"patience must be at least 1 epoch, got {patience!r}")
    if not val_accuracies:
        return False
    return len(val_accuracies) - 1 - best_epoch_index(val_accuracies) >= patience


def patience_rule(patience: int) -> StopRule:
    """:func:`should_stop` with its patience fixed, in the form :func:`train_and_validate` takes."""
    if patience < 1:
        raise GeneralisationError(f"patience must be at least 1 epoch, got {patience!r}")
    return lambda accuracies: should_stop(accuracies, patience)


def train_and_validate(
    model: nn.Module,
    train: tuple[Tensor, Tensor],
    val: tuple[Tensor, Tensor],
    optimizer: Optimizer,
    epochs: int,
    *,
    augment: Augmentation | None = None,
    batch_size: int = 50,
    seed: int = 0,
    stop_rule: StopRule | None = None,
    snapshot: str | os.PathLike | None = None,
) -> Run:
    """Train ``model`` on ``train`` (uint8 images, labels) for up to ``epochs`` epochs; measure after each.

    After every epoch: the loss and accuracy on the training digits as they are (no augmentation,
    eval mode: what the model has learned of them) and on ``val``. When ``snapshot`` is a path,
    the weights of the best validation epoch so far are written there (and only then), so the
    best model survives the epochs after it. ``stop_rule(val_accuracies)`` returning True ends
    training (early stopping). Uses :func:`lenet_course.training_loop.fit` for the epochs.
    """
    scale = input_scale(model)
    batches = PixelBatches(*train, scale, batch_size=batch_size, augment=augment, seed=seed)
    clean_train = evaluation_pairs(*train, scale)
    val_pairs = evaluation_pairs(*val, scale)
    run = Run(snapshot=Path(snapshot) if snapshot is not None else None)

    def after_epoch(record: EpochRecord) -> bool:
        seen = evaluate_batches(model, clean_train)
        run.history.append(
            Epoch(record.epoch, seen.loss, seen.accuracy, record.val.loss, record.val.accuracy, record.seconds)
        )
        accuracies = run.val_accuracies
        if run.snapshot is not None and best_epoch_index(accuracies) == len(accuracies) - 1:
            save_weights(model, run.snapshot)
        if stop_rule is not None and stop_rule(accuracies):
            run.stopped_early = True
            return True
        return False

    fit(model, batches, val_pairs, optimizer, epochs, on_epoch=after_epoch)
    return run


def restore_best(model: nn.Module, run: Run) -> nn.Module:
    """Load the run's best-validation snapshot into ``model`` (which it changes: that is the point)."""
    if run.snapshot is None or not run.snapshot.is_file():
        raise GeneralisationError("this run wrote no snapshot: pass snapshot=runs_dir(...) to train_and_validate")
    return load_weights(model, run.snapshot)


def generalisation_gap(epoch: Epoch) -> float:
    """Training accuracy minus validation accuracy: how much of what was learned does not carry over."""
    return epoch.train_accuracy - epoch.val_accuracy
