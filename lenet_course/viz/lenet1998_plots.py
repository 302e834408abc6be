"""Figures of lesson 12: the RBF bitmaps, a paper input, and a reproduction's errors and times per pass."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter
from torch import Tensor

from ..lenet1998 import BACKGROUND, BITMAP_HEIGHT, BITMAP_WIDTH, INK, bitmap_codes
from ..reproduce import PAPER_TEST_ERROR, PAPER_TEST_ERROR_DISTORTED, Reproduction
from .axes import new_axes, new_figure


def plot_bitmaps(codes: Tensor | None = None, fig: Figure | None = None) -> Figure:
    """The 10 RBF centres as 7x12 bitmaps (black = +1, white = -1), one panel per digit."""
    codes = bitmap_codes() if codes is None else codes
    fig = new_figure(fig, (8.0, 2.2))
    axes = fig.subplots(1, len(codes))
    for digit, (ax, code) in enumerate(zip(np.atleast_1d(axes), codes)):
        ax.imshow(code.view(BITMAP_HEIGHT, BITMAP_WIDTH).numpy(), cmap="gray_r", vmin=-1, vmax=1)
        ax.set_title(str(digit))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("the fixed RBF centres: one 7x12 bitmap per digit (black +1, white -1)")
    return fig


def plot_paper_input(x: Tensor, ax: Axes | None = None) -> Axes:
    """One paper input [1, 32, 32] or [32, 32] with its -0.1..1.175 scale and the 28x28 field outlined."""
    ax = new_axes(ax, (3.6, 3.2))
    image = ax.imshow(x.reshape(32, 32).numpy(), cmap="gray_r", vmin=BACKGROUND, vmax=INK)
    ax.add_patch(_field_outline())
    ax.figure.colorbar(image, ax=ax, shrink=0.8, ticks=[BACKGROUND, 0.5, INK])
    ax.set_title("the paper's 32x32 input\n(MNIST's 28x28 field in red)")
    ax.set_xticks([0, 2, 29])
    ax.set_yticks([0, 2, 29])
    return ax


def _field_outline():
    from matplotlib.patches import Rectangle

    return Rectangle((1.5, 1.5), 28, 28, fill=False, edgecolor="red", linewidth=1.2)


def plot_pass_errors(reproduction: Reproduction, ax: Axes | None = None) -> Axes:
    """Training and test error (%) after each pass, one line pair per seed, on a log scale, with the paper's."""
    ax = new_axes(ax, (7.0, 4.0))
    for i, run in enumerate(reproduction.runs):
        passes = [r.pass_number for r in run.records]
        colour = f"C{i}"
        ax.plot(passes, [100 * r.test_error for r in run.records], "o-", color=colour, label=f"test, seed {run.seed}")
        ax.plot(
            passes,
            [100 * r.train_error for r in run.records],
            "s--",
            color=colour,
            alpha=0.6,
            label=f"training, seed {run.seed}",
        )
    ax.axhline(100 * PAPER_TEST_ERROR, color="k", linestyle=":", label="paper: 0.95% test")
    ax.axhline(100 * PAPER_TEST_ERROR_DISTORTED, color="grey", linestyle=":", label="paper, distortions: 0.8%")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator([0.5, 0.8, 1, 1.5, 2, 3, 5, 10, 20, 50]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("pass through the 60,000 training images")
    ax.set_ylabel("error (%), log scale")
    ax.set_title("LeNet-5 with RBF output, MAP loss and SDLM: error after each pass")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return ax


def plot_pass_seconds(reproduction: Reproduction, ax: Axes | None = None) -> Axes:
    """Seconds per pass, split into training, curvature estimate and measuring, for the first run."""
    ax = new_axes(ax, (7.0, 3.0))
    run = reproduction.runs[0]
    passes = np.array([r.pass_number for r in run.records])
    parts = (
        ("training", [r.seconds for r in run.records]),
        ("curvature (500 samples)", [r.curvature_seconds for r in run.records]),
        ("measuring errors", [r.eval_seconds for r in run.records]),
    )
    bottom = np.zeros(len(passes))
    for label, values in parts:
        ax.bar(passes, values, bottom=bottom, label=label)
        bottom += np.asarray(values)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("pass")
    ax.set_ylabel("seconds")
    ax.set_title(f"time per pass, seed {run.seed} ({run.machine})", fontsize=9)
    ax.legend(fontsize=8)
    return ax
