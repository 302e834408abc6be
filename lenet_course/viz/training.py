"""Training curves that show where the action is: training and validation side by side, error on a log scale.

Accuracy near the end of a MNIST run moves between 98% and 99%, which a 0-100% axis flattens into
one line. :func:`plot_train_val` therefore draws the error (1 - accuracy) on a log scale next to
the loss, training and validation on the same axes; :func:`plot_spread` overlays several
optimizers, each run over a few seeds, as a mean line with a band from the best to the worst seed;
:func:`plot_live_run` is the one-axes picture of the training panel (loss, validation accuracy,
rate). The data come as :class:`TrainValCurves`, made from a :class:`~lenet_course.solver.History`
or from :func:`~lenet_course.training_loop.fit`'s records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..solver import History
from ..training_loop import EpochRecord
from . import plotdata
from .axes import new_axes, new_figure

TRAIN = "#1f77b4"
VAL = "#ff7f0e"
RATE = "#7f7f7f"
#: The smallest error a log axis shows: one mistake in 10,000 images.
ERROR_FLOOR = 1e-4


def _array(values: Sequence[float] | np.ndarray, dtype: type = np.float64) -> np.ndarray:
    return np.asarray(values, dtype=dtype)


@dataclass(frozen=True)
class TrainValCurves:
    """What a run measured, for :func:`plot_train_val`; ``x`` values are iterations (optimizer steps).

    ``train_loss`` per iteration; ``val_*`` at each measurement; ``train_accuracy`` at
    ``train_accuracy_x`` when the run measured it (empty otherwise).
    """

    train_x: np.ndarray
    train_loss: np.ndarray
    val_x: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    train_accuracy_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    train_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_history(cls, history: History, train_accuracy: Mapping[int, float] | None = None) -> TrainValCurves:
        """From a solver run whose tests were on validation data; ``train_accuracy``: {iteration: accuracy}."""
        measured = dict(sorted((train_accuracy or {}).items()))
        return cls(
            _array(history.iteration),
            _array(history.loss),
            _array(history.test_iteration),
            _array(history.test_loss),
            _array(history.test_accuracy),
            _array(list(measured)),
            _array(list(measured.values())),
        )

    @classmethod
    def from_records(cls, records: Sequence[EpochRecord]) -> TrainValCurves:
        """From :func:`~lenet_course.training_loop.fit`: batch losses, and per epoch the measurements.

        The training accuracy of an epoch is the running one (measured while it trained).
        """
        losses = [loss for r in records for loss in r.train.batch_losses]
        ends = np.cumsum([r.train.batches for r in records])
        return cls(
            _array(np.arange(1, len(losses) + 1)),
            _array(losses),
            _array(ends),
            _array([r.val.loss for r in records]),
            _array([r.val.accuracy for r in records]),
            _array(ends),
            _array([r.train.accuracy for r in records]),
        )


def _error(accuracy: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - accuracy, ERROR_FLOOR, 1.0)


def plot_train_val(
    curves: TrainValCurves, fig: Figure | None = None, window: int | None = None, title: str = ""
) -> tuple[Axes, Axes]:
    """Loss (left) and error = 1 - accuracy on a log scale (right), training and validation on each.

    The training loss is drawn per iteration (faint) and smoothed over ``window`` iterations.
    Returns the two axes (loss, error).
    """
    fig = new_figure(fig, (12, 3.8))
    loss_ax, error_ax = fig.subplots(1, 2)
    w = window or plotdata.default_window(len(curves.train_loss))
    if len(curves.train_loss):
        loss_ax.plot(curves.train_x, curves.train_loss, color=TRAIN, alpha=0.2, lw=0.6)
        smooth = plotdata.smooth(curves.train_loss, w)
        loss_ax.plot(curves.train_x, smooth, color=TRAIN, lw=1.8, label=f"training (mean of {w})")
    loss_ax.plot(curves.val_x, curves.val_loss, "o-", color=VAL, ms=4, label="validation")
    finite = curves.train_loss[np.isfinite(curves.train_loss)]
    if finite.size:
        top = min(float(finite.max()), 4 * float(np.median(finite)) + 1e-9)
        loss_ax.set_ylim(0, top * 1.05)
    loss_ax.set_title("cross-entropy loss")
    loss_ax.set_ylabel("loss")
    error_ax.plot(curves.val_x, 100 * _error(curves.val_accuracy), "o-", color=VAL, ms=4, label="validation")
    if len(curves.train_accuracy):
        error_ax.plot(
            curves.train_accuracy_x,
            100 * _error(curves.train_accuracy),
            "s--",
            color=TRAIN,
            ms=4,
            label="training",
        )
    error_ax.set_yscale("log")
    error_ax.set_ylim(100 * ERROR_FLOOR * 5, 100)
    error_ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}%")
    error_ax.set_title("error = 100% - accuracy (log scale)")
    error_ax.set_ylabel("error")
    if len(curves.val_accuracy):
        last = float(curves.val_accuracy[-1])
        error_ax.annotate(
            f"{last:.2%} accuracy",
            (float(curves.val_x[-1]), 100 * float(_error(curves.val_accuracy[-1:])[0])),
            textcoords="offset points",
            xytext=(-10, 12),
            ha="right",
            fontsize=8,
            color=VAL,
        )
    for ax in (loss_ax, error_ax):
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        if len(curves.train_x):
            ax.set_xlim(0, max(float(curves.train_x[-1]), 1.0))
    if title:
        fig.suptitle(title, fontsize=11)
    return loss_ax, error_ax


def plot_spread(
    x: Sequence[float] | np.ndarray,
    runs: Mapping[str, Sequence[Sequence[float]] | np.ndarray],
    ax: Axes | None = None,
    ylabel: str = "validation error",
    log_scale: bool = True,
    percent: bool = True,
) -> Axes:
    """Several optimizers on one axes: per name, ``runs[name]`` is seeds x len(x) values.

    Each gets its mean (a line), the band from its lowest to its highest seed, and each seed faintly.
    """
    ax = new_axes(ax, (7, 3.8))
    xs = _array(x)
    scale = 100.0 if percent else 1.0
    for i, (name, values) in enumerate(runs.items()):
        table = np.asarray(values, dtype=np.float64) * scale
        if table.ndim != 2 or table.shape[1] != len(xs):
            raise ValueError(
                f"plot_spread: {name!r} must be a table of seeds x {len(xs)} values (one per x), got shape "
                f"{table.shape}"
            )
        color = f"C{i}"
        for row in table:
            ax.plot(xs, row, color=color, lw=0.6, alpha=0.35)
        ax.fill_between(xs, table.min(0), table.max(0), color=color, alpha=0.18, lw=0)
        ax.plot(xs, table.mean(0), "o-", color=color, ms=3, lw=1.8, label=f"{name} (mean of {len(table)} seeds)")
    if log_scale:
        ax.set_yscale("log")
    if percent:
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}%")
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


def plot_live_run(history: History, ax: Axes | None = None, show_lr: bool = True, window: int | None = None) -> Axes:
    """The training panel's picture: training loss, validation accuracy (twin axis), the rate (dashed)."""
    ax = new_axes(ax, (7.5, 3.6))
    it, loss = history.iteration, history.loss
    w = window or plotdata.default_window(len(loss))
    ax.plot(it, loss, color=TRAIN, alpha=0.25, lw=0.8)
    ax.plot(it, plotdata.smooth(loss, w), color=TRAIN, lw=1.8, label=f"training loss (mean of {w})")
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss", color=TRAIN)
    ax.grid(alpha=0.3)
    finite = loss[np.isfinite(loss)]
    if finite.size:
        ax.set_ylim(0, min(float(finite.max()), 10 * float(np.median(finite)) + 1e-9) * 1.05)
    acc_ax = ax.twinx()
    acc_ax.plot(history.test_iteration, history.test_accuracy, "o-", color=VAL, ms=4, label="validation accuracy")
    acc_ax.set_ylim(0, 1.02)
    acc_ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    acc_ax.set_ylabel("validation accuracy", color=VAL)
    handles = ax.get_lines()[1:] + acc_ax.get_lines()
    if show_lr:
        lr_ax = ax.twinx()
        lr_ax.spines["right"].set_position(("axes", 1.16))
        lr_ax.plot(it, history.lr, "--", color=RATE, lw=1.2, label="lr")
        lr_ax.set_ylabel("learning rate", color=RATE)
        handles += lr_ax.get_lines()
        if not len(it):
            lr_ax.set_yticks([])
    if len(it):
        ax.set_xlim(0, max(int(it[-1]), 1))
    else:  # the empty picture (a panel before Train): plain axes, not a range around 0
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 2.5)
        ax.text(0.5, 0.5, "no iterations yet: press Train", transform=ax.transAxes, ha="center", color=RATE)
    ax.legend(
        handles,
        [str(h.get_label()) for h in handles],
        fontsize=8,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=len(handles),
        frameon=False,
    )
    title = "training"
    if len(history.test_accuracy):
        title += f": validation accuracy {history.test_accuracy[-1]:.1%} at iteration {history.test_iteration[-1]}"
    ax.set_title(title, fontsize=10)
    return ax
