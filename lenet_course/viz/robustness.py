"""The pictures of lesson 10: accuracy sweeps, reliability diagrams, saliency, occlusion, FGSM.

Each function draws finished numbers from :mod:`lenet_course.robustness` on ``ax`` (a new pyplot
figure when None) and returns the axes; nothing here computes a gradient or runs a model.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from ..robustness import Reliability, Sweep
from .axes import new_axes
from .plotdata import to_numpy
from .plots import ACCURACY, LOSS, RATE, RIGHT, WRONG

__all__ = [
    "plot_before_after",
    "plot_heat_over_digit",
    "plot_occlusion",
    "plot_perturbation",
    "plot_reliability",
    "plot_sweep",
]

#: One colour per variant of a sweep, in the order the sweep lists them.
VARIANT_COLOURS = (LOSS, ACCURACY, RIGHT, "#9467bd", "#8c564b")
HEAT_CMAP = "inferno"
#: The digit's outline over a heat map.
OUTLINE = "#00e5ff"


def plot_sweep(
    sweep: Sweep,
    ax: Axes | None = None,
    title: str = "",
    show_confidence: bool = True,
    floor: float | None = None,
    show_mean: bool | None = None,
) -> Axes:
    """Accuracy at each setting, one line per variant and their mean in black; mean confidence dashed.

    Accuracy is drawn in percent; ``floor`` (a fraction) sets the bottom of the axis (default: a
    little under the lowest value), so small drops near 100% stay visible.
    """
    ax = new_axes(ax, (6, 3.5))
    x = sweep.values
    for colour, (name, acc) in zip(VARIANT_COLOURS, sweep.accuracy.items()):
        ax.plot(x, 100 * acc, "o-", color=colour, lw=1.5, ms=4, label=f"accuracy, {name}")
    if len(sweep.accuracy) > 1 if show_mean is None else show_mean:
        ax.plot(x, 100 * sweep.mean_accuracy, "s-", color="black", lw=2.2, ms=4, label="accuracy, mean")
    if show_confidence:
        for colour, (name, conf) in zip(VARIANT_COLOURS, sweep.confidence.items()):
            ax.plot(x, 100 * conf, "--", color=colour, lw=1.1, alpha=0.8, label=f"mean confidence, {name}")
    low = min(float(np.min(a)) for a in sweep.accuracy.values()) if floor is None else floor
    ax.set_ylim(max(0.0, 100 * low - 5), 100.5)
    ax.set_xticks(x, [f"{v:g}" for v in x], rotation=45 if len(x) > 7 else 0)
    ax.set_xlabel(sweep.quantity)
    ax.set_ylabel("% of test digits")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left", ncol=2 if len(sweep.accuracy) > 2 else 1)
    ax.set_title(title or f"{sweep.count:,} test digits", fontsize=10)
    return ax


def plot_reliability(rel: Reliability, ax: Axes | None = None, title: str = "") -> Axes:
    """A reliability diagram: accuracy per confidence bin as bars against the diagonal (perfect
    calibration); the gap to each bin's mean confidence in red; each bin's count above its bar."""
    ax = new_axes(ax, (4.5, 4.5))
    lo, hi = rel.edges[:-1], rel.edges[1:]
    width = hi - lo
    filled = rel.counts > 0
    acc = np.where(filled, rel.accuracy, 0.0)
    conf = np.where(filled, rel.confidence, 0.0)
    ax.bar(lo, acc, width=width, align="edge", color=LOSS, edgecolor="white", label="accuracy in the bin")
    gap_bottom = np.minimum(acc, conf)
    ax.bar(
        lo[filled],
        np.abs(conf - acc)[filled],
        bottom=gap_bottom[filled],
        width=width[filled],
        align="edge",
        color=WRONG,
        alpha=0.35,
        edgecolor=WRONG,
        hatch="//",
        label="gap to mean confidence",
    )
    ax.plot([0, 1], [0, 1], "--", color=RATE, lw=1.2, label="perfectly calibrated")
    for left, w, count, top in zip(lo, width, rel.counts, np.maximum(acc, conf)):
        if count:
            ax.text(left + w / 2, top + 0.015, f"{count:,}", ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.18)
    ax.set_xlabel("confidence (probability of the predicted digit)")
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title or f"ECE = {rel.ece:.4f} ({rel.total:,} digits)", fontsize=10)
    return ax


def plot_heat_over_digit(
    image: np.ndarray,
    heat: np.ndarray,
    ax: Axes | None = None,
    title: str = "",
    extent: tuple[float, float, float, float] | None = None,
    vmax: float | None = None,
) -> Axes:
    """A map (saliency, occlusion) in colour, with the digit's outline drawn over it in cyan.

    The colours run from 0 to ``vmax`` (default: the map's own maximum; its units are the
    caller's title); ``extent`` places a coarser map (occlusion positions) over the 28x28 pixels,
    the rest of the image in the colour of 0.
    """
    ax = new_axes(ax, (2.5, 2.5))
    img = to_numpy(image).squeeze().astype(np.float64)
    h = to_numpy(heat).squeeze().astype(np.float64)
    top = vmax if vmax is not None else float(np.max(h)) if h.size and np.max(h) > 0 else 1.0
    ax.set_facecolor(plt.get_cmap(HEAT_CMAP)(0.0))
    ax.imshow(
        h,
        cmap=HEAT_CMAP,
        vmin=0,
        vmax=top,
        interpolation="nearest",
        extent=extent or (-0.5, img.shape[1] - 0.5, img.shape[0] - 0.5, -0.5),
    )
    if img.max() > 0:
        ax.contour(img, levels=[0.5 * img.max()], colors=OUTLINE, linewidths=0.9)
    ax.set_xlim(-0.5, img.shape[1] - 0.5)
    ax.set_ylim(img.shape[0] - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_occlusion(
    image: np.ndarray,
    drops: np.ndarray,
    patch: int,
    stride: int,
    ax: Axes | None = None,
    title: str | None = None,
    vmax: float | None = 1.0,
) -> Axes:
    """:func:`lenet_course.robustness.occlusion_sensitivity`'s grid over the digit, each entry drawn
    at the centre of its square (a ``stride``-wide cell), negative drops shown as 0.

    The colours run from 0 to ``vmax`` probability lost (default 1, the same for every digit, so a
    dark map means no square mattered; None: the map's own maximum).
    """
    d = np.clip(to_numpy(drops).astype(np.float64), 0, None)
    rows, cols = d.shape
    first = (patch - 1) / 2 - stride / 2  # the first square's centre, less half a cell
    extent = (first, first + cols * stride, first + rows * stride, first)
    if title is None:
        title = f"occlusion: probability lost ({patch}x{patch})"
    return plot_heat_over_digit(image, d, ax, title, extent, vmax)


def plot_perturbation(delta: np.ndarray, epsilon: float, ax: Axes | None = None, title: str = "") -> Axes:
    """An FGSM step: +epsilon red, -epsilon blue, untouched white (on a fixed -epsilon..epsilon scale)."""
    ax = new_axes(ax, (2.5, 2.5))
    d = to_numpy(delta).squeeze().astype(np.float64)
    scale = epsilon if epsilon > 0 else 1.0
    ax.imshow(d, cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"the nudge (+-{epsilon:g})", fontsize=9)
    return ax


def plot_before_after(
    before: np.ndarray, after: np.ndarray, ax: Axes | None = None, label: int | None = None, title: str = ""
) -> Axes:
    """Class probabilities before (light) and after (dark) a change to the digit, side by side per digit."""
    ax = new_axes(ax, (4, 2.5))
    b, a = to_numpy(before).ravel().astype(np.float64), to_numpy(after).ravel().astype(np.float64)
    digits = np.arange(len(b))
    ax.bar(digits - 0.2, b, width=0.4, color=LOSS, alpha=0.45, label=f"before: {int(b.argmax())} ({b.max():.0%})")
    ax.bar(digits + 0.2, a, width=0.4, color=WRONG, label=f"after: {int(a.argmax())} ({a.max():.0%})")
    ax.set_xticks(digits)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("digit", fontsize=9)
    ax.set_ylabel("probability", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(title or ("probabilities" if label is None else f"probabilities (true {label})"), fontsize=9)
    return ax
