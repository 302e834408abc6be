"""The pictures of lessons 08 and 13: training vs validation curves, fixes compared, augmented digits.

Each function draws finished numbers (a :class:`~lenet_course.generalisation.Run`'s history, a
capstone validation curve, image batches) on ``ax`` (or ``fig`` for the multi-panel figures; a new
pyplot figure when None) and returns it; nothing here trains or runs a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from ..generalisation import Epoch
from .axes import new_axes, new_figure
from .plots import ACCURACY, LOSS, RATE

__all__ = [
    "plot_accuracy_curves",
    "plot_capstone_curve",
    "plot_digit_rows",
    "plot_loss_curves",
    "plot_train_and_val",
    "plot_val_comparison",
]

TRAIN, VAL = LOSS, ACCURACY
#: One colour per compared run, after the baseline (drawn black).
RUN_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _accuracy_floor(values: Sequence[float], skip: int = 2) -> float:
    """A bottom for an accuracy axis (percent) just under the values after the first ``skip`` epochs."""
    tail = values[skip:] if len(values) > skip else values
    return max(0.0, 100 * float(min(tail)) - 2.0)


def _mark_best(ax: Axes, best_epoch: int | None) -> None:
    if best_epoch is not None:
        ax.axvline(best_epoch, color=RATE, lw=1.0, ls=":", label=f"best validation (epoch {best_epoch})")


def plot_loss_curves(history: Sequence[Epoch], ax: Axes | None = None, best_epoch: int | None = None) -> Axes:
    """Training and validation loss per epoch, on a log scale (the training loss falls by decades)."""
    ax = new_axes(ax, (5.5, 3.5))
    epochs = [e.epoch for e in history]
    ax.plot(epochs, [e.train_loss for e in history], "-", color=TRAIN, lw=1.8, label="training digits")
    ax.plot(epochs, [e.val_loss for e in history], "-", color=VAL, lw=1.8, label="validation digits")
    _mark_best(ax, best_epoch)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss (log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def plot_accuracy_curves(history: Sequence[Epoch], ax: Axes | None = None, best_epoch: int | None = None) -> Axes:
    """Training and validation accuracy (percent) per epoch, the gap between them shaded."""
    ax = new_axes(ax, (5.5, 3.5))
    epochs = np.array([e.epoch for e in history])
    train = 100 * np.array([e.train_accuracy for e in history])
    val = 100 * np.array([e.val_accuracy for e in history])
    ax.plot(epochs, train, "-", color=TRAIN, lw=1.8, label="training digits")
    ax.plot(epochs, val, "-", color=VAL, lw=1.8, label="validation digits")
    ax.fill_between(epochs, val, train, where=train >= val, color=RATE, alpha=0.15, label="gap")
    _mark_best(ax, best_epoch)
    floor = _accuracy_floor([min(e.train_accuracy, e.val_accuracy) for e in history])
    ax.set_ylim(floor, 100.3)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_train_and_val(
    history: Sequence[Epoch], fig: Figure | None = None, title: str = "", best_epoch: int | None = None
) -> Figure:
    """Loss (left) and accuracy (right), training digits vs validation digits, side by side."""
    fig = new_figure(fig, (11, 3.6))
    left, right = fig.subplots(1, 2)
    plot_loss_curves(history, left, best_epoch)
    plot_accuracy_curves(history, right, best_epoch)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_val_comparison(
    runs: Mapping[str, Sequence[Epoch]], ax: Axes | None = None, baseline: str | None = None, title: str = ""
) -> Axes:
    """Validation accuracy per epoch of several runs on one axis; ``baseline`` (a key) drawn black, dashed."""
    ax = new_axes(ax, (7, 3.8))
    colours = iter(RUN_COLOURS)
    lows, highs = [], []
    for name, history in runs.items():
        epochs = [e.epoch for e in history]
        val = [100 * e.val_accuracy for e in history]
        lows.append(_accuracy_floor([e.val_accuracy for e in history], skip=4))
        highs.append(max(val, default=0.0))
        if name == baseline:
            ax.plot(epochs, val, "--", color="black", lw=1.6, label=name)
        else:
            ax.plot(epochs, val, "-", color=next(colours, RATE), lw=1.6, label=name)
    if lows:
        ax.set_ylim(min(lows), min(100.3, max(highs) + 1.0))
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_digit_rows(rows: Mapping[str, Tensor], fig: Figure | None = None, size: float = 1.0) -> Figure:
    """One row of digits per entry (name -> ``[K, 1, H, W]`` or ``[K, H, W]`` pixels), the name at the left."""
    if not rows:
        raise ValueError("plot_digit_rows needs at least one row of images")
    count = max(len(images) for images in rows.values())
    fig = new_figure(fig, (size * count + 1.6, size * len(rows) + 0.2))
    axes = np.atleast_2d(fig.subplots(len(rows), count, squeeze=False))
    for r, (name, images) in enumerate(rows.items()):
        pixels = images.detach().float().cpu().reshape(len(images), *images.shape[-2:]).numpy()
        top = float(pixels.max()) or 1.0
        for c in range(count):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(pixels):
                ax.imshow(pixels[c], cmap="gray_r", vmin=0.0, vmax=top)
            else:
                ax.axis("off")
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    return fig


def plot_capstone_curve(
    curve: Sequence[tuple[int, float]],
    ax: Axes | None = None,
    label: str = "validation",
    target: float | None = None,
    images_per_epoch: int | None = None,
) -> Axes:
    """Validation accuracy (percent) against training images seen (in epochs when ``images_per_epoch``)."""
    ax = new_axes(ax, (6.5, 3.5))
    seen = np.array([n for n, _ in curve], dtype=float)
    acc = 100 * np.array([a for _, a in curve])
    x = seen / images_per_epoch if images_per_epoch else seen
    ax.plot(x, acc, "o-", color=VAL, lw=1.8, ms=4, label=label)
    if target is not None:
        ax.axhline(100 * target, color=RATE, ls="--", lw=1.0, label=f"target {100 * target:.1f}% (on test)")
    low = min([*acc[1:], *([100 * target] if target is not None else [])]) if len(acc) > 1 else acc.min()
    ax.set_ylim(max(0.0, float(low) - 0.6), 100.0)
    ax.set_xlabel("passes over the fit split (epochs)" if images_per_epoch else "training images seen")
    ax.set_ylabel("accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax
