"""Figures of lesson 11 (the 1989 ZIP-code network): its digits, its H1 kernels, a run's curves.

Every function takes ``ax=`` (or ``fig=``) and returns what it drew on, as the rest of :mod:`lenet_course.viz`.
"""

from __future__ import annotations

from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from ..zipcode1989 import PAPER, ZipcodeNet, ZipcodeRun
from .axes import new_axes, new_figure


def _readable_log_axis(ax: Axes) -> None:
    """A log y-axis labelled at 1, 2 and 5 times each power of ten, in plain numbers (0.5, 2, 10)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def plot_digit_pairs(mnist: Tensor, small: Tensor, labels: Tensor, fig: Figure | None = None) -> Figure:
    """MNIST digits (28x28, top row) above the same digits at 16x16 in [-1, 1] (bottom row)."""
    n = mnist.shape[0]
    fig = new_figure(fig, (1.1 * n, 2.6))
    axes = fig.subplots(2, n, squeeze=False)
    for i in range(n):
        axes[0, i].imshow(mnist[i], cmap="gray_r", vmin=0, vmax=255)
        axes[0, i].set_title(f"{int(labels[i])}", fontsize=10)
        axes[1, i].imshow(small[i, 0], cmap="gray_r", vmin=-1, vmax=1)
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("28x28", fontsize=9)
    axes[1, 0].set_ylabel("16x16", fontsize=9)
    return fig


def plot_h1_kernels(net: ZipcodeNet, fig: Figure | None = None) -> Figure:
    """H1's twelve 5x5 kernels, on one colour scale centred on 0 (red positive, blue negative)."""
    kernels = net.h1_weight.detach()[:, 0]
    limit = float(kernels.abs().max()) or 1.0
    fig = new_figure(fig, (9.0, 1.3))
    axes = fig.subplots(1, kernels.shape[0])
    image = None
    for i, ax in enumerate(axes):
        image = ax.imshow(kernels[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"H1.{i + 1}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.9, pad=0.01)
    return fig


def plot_run_errors(run: ZipcodeRun, ax: Axes | None = None, paper: bool = True) -> Axes:
    """Training and test error (%) after each pass, on a log scale, with the paper's final figures."""
    ax = new_axes(ax, (6.4, 3.6))
    passes = [r.pass_number for r in run.records]
    ax.plot(passes, [100 * r.train_error for r in run.records], "o-", ms=3, label="training digits (MNIST 16x16)")
    ax.plot(passes, [100 * r.test_error for r in run.records], "s-", ms=3, label="test digits (MNIST 16x16)")
    if paper:
        ax.plot([PAPER.passes], [PAPER.train_error_percent], "v", color="C0", ms=9, mfc="none", label="paper, training")
        ax.plot([PAPER.passes], [PAPER.test_error_percent], "^", color="C1", ms=9, mfc="none", label="paper, test")
    _readable_log_axis(ax)
    ax.set_xlabel("pass through the training digits")
    ax.set_ylabel("error (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_run_mse(run: ZipcodeRun, ax: Axes | None = None, paper: bool = True) -> Axes:
    """The paper's MSE on the training and test digits after each pass (log scale), with the paper's."""
    ax = new_axes(ax, (6.4, 3.6))
    passes = [r.pass_number for r in run.records]
    ax.plot(passes, [r.train_mse for r in run.records], "o-", ms=3, label="training digits")
    ax.plot(passes, [r.test_mse for r in run.records], "s-", ms=3, label="test digits")
    if paper:
        ax.plot([PAPER.passes], [PAPER.train_mse], "v", color="C0", ms=9, mfc="none", label="paper, training")
        ax.plot([PAPER.passes], [PAPER.test_mse], "^", color="C1", ms=9, mfc="none", label="paper, test")
    _readable_log_axis(ax)
    ax.set_xlabel("pass through the training digits")
    ax.set_ylabel("mean squared error")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_pass_seconds(run: ZipcodeRun, ax: Axes | None = None) -> Axes:
    """Wall seconds of each pass's training (evaluation not included)."""
    ax = new_axes(ax, (6.4, 2.8))
    ax.bar([r.pass_number for r in run.records], [r.seconds for r in run.records], color="C2")
    ax.set_xlabel("pass")
    ax.set_ylabel("seconds")
    ax.set_ylim(bottom=0)
    ax.grid(True, axis="y", alpha=0.3)
    return ax


__all__ = ["plot_digit_pairs", "plot_h1_kernels", "plot_pass_seconds", "plot_run_errors", "plot_run_mse"]
