"""The comparison lab's pictures (lesson 09), drawn from the grid's finished results.

Every function takes the records of :mod:`lenet_course.comparison` (:class:`RunResult` or
:class:`ModelSummary`) and an optional ``ax``, draws on it and returns it. Errors are drawn in
percent on a logarithmic axis: the models span 0.8% to 15%, and on a linear axis the LeNets would
sit in one indistinguishable heap at the bottom.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..comparison import ModelSummary, RunResult, standard_error
from .axes import new_axes

PAPER = "#444444"


def model_colors(keys: Sequence[str]) -> dict[str, tuple[float, float, float, float]]:
    """One colour per model key, the same in every figure of the lesson."""
    cmap = plt.get_cmap("tab10")
    return {key: cmap(i % 10) for i, key in enumerate(dict.fromkeys(keys))}


def _percent_axis(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    target.set_minor_formatter(NullFormatter())
    ticks = [0.5, 1, 2, 5, 10, 20, 50, 100]
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    (ax.set_yticks if axis == "y" else ax.set_xticks)([t for t in ticks if low <= t <= high])


def plot_error_vs_macs(rows: Sequence[ModelSummary], ax: Axes | None = None, show_paper: bool = True) -> Axes:
    """Test error (mean over seeds, bars: ± sd) against multiply-adds per image, both log scales;
    hollow markers: the 1998 paper's figure for the rows that have one (at our model's cost)."""
    ax = new_axes(ax, (7.5, 4.8))
    colors = model_colors([r.key for r in rows])
    for r in rows:
        ax.errorbar(
            r.macs,
            100 * r.test_error_mean,
            yerr=100 * r.test_error_sd,
            fmt="o",
            ms=7,
            capsize=4,
            color=colors[r.key],
            label=r.label,
        )
        if show_paper and r.paper is not None:
            ax.plot(r.macs, r.paper.test_error_percent, "D", ms=8, mfc="none", mec=PAPER, mew=1.5)
    if show_paper and any(r.paper for r in rows):
        ax.plot([], [], "D", ms=8, mfc="none", mec=PAPER, mew=1.5, label="1998 paper (same kind of model)")
    ax.set_xscale("log")
    ax.set_xlabel("multiply-adds per image (log scale)")
    ax.set_ylabel("test error (log scale)")
    errors = [100 * r.test_error_mean for r in rows] + [r.paper.test_error_percent for r in rows if r.paper]
    ax.set_ylim(min(errors) / 1.6, max(errors) * 1.6)
    _percent_axis(ax, "y")
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title("Error against cost: mean over seeds, bars ± 1 sd")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_validation_curves(results: Sequence[RunResult], ax: Axes | None = None) -> Axes:
    """Validation error against iteration for each model: the mean over its seeds (line) and the
    range from the best to the worst seed (band)."""
    ax = new_axes(ax, (9.5, 4.5))
    keys = list(dict.fromkeys(r.model for r in results))
    colors = model_colors(keys)
    lowest, highest = np.inf, 0.0
    for key in keys:
        runs = [r for r in results if r.model == key and r.val_curve]
        if not runs:
            continue
        length = min(len(r.val_curve) for r in runs)
        iterations = np.array([it for it, _ in runs[0].val_curve[:length]])
        errors = 100 * np.array([[e for _, e in r.val_curve[:length]] for r in runs])
        errors = np.maximum(errors, 1e-3)
        lowest, highest = min(lowest, errors.min()), max(highest, errors.max())
        ax.plot(iterations, errors.mean(0), "o-", color=colors[key], label=runs[0].label)
        ax.fill_between(iterations, errors.min(0), errors.max(0), color=colors[key], alpha=0.2)
    ax.set_xlabel("iteration (batches of training)")
    ax.set_ylabel("validation error (log scale)")
    if np.isfinite(lowest):
        ax.set_ylim(lowest / 1.4, highest * 1.4)
    _percent_axis(ax, "y")
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title("Validation error while training (line: mean of seeds; band: best to worst)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def plot_seed_spread(
    rows: Sequence[ModelSummary], results: Sequence[RunResult], ax: Axes | None = None, z: float = 2.0
) -> Axes:
    """Each seed's test error (dots) against the band a test set of that size allows around the
    mean: ± ``z`` standard errors sqrt(p (1 - p) / n). Dots inside the band differ by luck alone."""
    ax = new_axes(ax, (7.5, 0.55 * len(rows) + 1.6))
    colors = model_colors([r.key for r in rows])
    for i, r in enumerate(rows):
        mean = r.test_error_mean
        half = z * standard_error(mean, r.test_images)
        ax.barh(i, 200 * half, left=100 * (mean - half), height=0.5, color=colors[r.key], alpha=0.25)
        seeds = [100 * x.test_error for x in results if x.model == r.key]
        ax.plot(seeds, [i] * len(seeds), "o", color=colors[r.key], ms=6)
        ax.plot([100 * mean] * 2, [i - 0.3, i + 0.3], color=colors[r.key], lw=2)
        if r.paper is not None:
            ax.plot(r.paper.test_error_percent, i, "D", ms=8, mfc="none", mec=PAPER, mew=1.5)
    ax.set_yticks(range(len(rows)), [r.label for r in rows])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}%" if f"{v:g}"[0] in "25" else ""))
    ax.tick_params(axis="x", which="minor", labelsize=7)
    ax.set_xlabel(f"test error (log scale); band: mean ± {z:g} standard errors; ◇ 1998 paper")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.set_title("Each seed's test error and the uncertainty of one measurement")
    return ax
