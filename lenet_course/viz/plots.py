"""The generic pictures of the course, drawn from finished data.

Single-panel functions take arrays or library dataclasses plus an optional matplotlib ``ax``, draw
on it and return it; multi-panel figures (digit grids, feature maps by layer, histograms per layer,
the prediction panel) take an optional ``fig``, which is cleared first, and return their axes.
Without an ``ax``/``fig`` they make a new pyplot figure (:mod:`lenet_course.viz.axes`), which
Jupyter shows by itself; nothing here calls ``plt.show()``. The arithmetic (smoothing, histograms,
tiling) lives in :mod:`lenet_course.viz.plotdata`; figures of a single lesson in
:mod:`lenet_course.lessons.figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..config import SolverConfig
from ..evaluate import EvalResult
from ..schedules import lr_curve
from ..solver import History
from . import plotdata
from .axes import new_axes, new_figure
from .plotdata import as_tiles, to_numpy

WRONG = "#d62728"
RIGHT = "#2ca02c"
LOSS = "#1f77b4"
ACCURACY = "#ff7f0e"
RATE = "#7f7f7f"
KERNEL_CMAP = "RdBu_r"
MAP_CMAP = "viridis"


# ---- learning-rate schedules -------------------------------------------------------------------
def policy_label(cfg: SolverConfig) -> str:
    """'inv (gamma=0.0001, power=0.75)': a policy and the parameters it uses."""
    params = [f"base_lr={cfg.base_lr:g}"]
    for name in ("gamma", "power", "stepsize"):
        value = getattr(cfg, name)
        if value is not None:
            params.append(f"{name}={value:g}")
    if cfg.lr_policy == "multistep":
        params.append(f"stepvalue={list(cfg.stepvalue)}")
    return f"{cfg.lr_policy} ({', '.join(params)})"


def plot_lr_schedules(
    configs: SolverConfig | Sequence[SolverConfig] | Mapping[str, SolverConfig],
    max_iter: int | None = None,
    ax: Axes | None = None,
    log_scale: bool = False,
    show_marks: bool = True,
) -> Axes:
    """One line per config: the rate at every iteration 0..max_iter, with test/snapshot marks.

    ``configs`` may be a dict {label: config} to name the lines; marks come from the first config.
    """
    if isinstance(configs, SolverConfig):
        configs = [configs]
    items = list(configs.items()) if isinstance(configs, Mapping) else [(policy_label(c), c) for c in configs]
    if not items:
        raise ValueError("plot_lr_schedules needs at least one SolverConfig")
    ax = new_axes(ax, (7, 3.5))
    top = max_iter if max_iter is not None else max(c.max_iter for _, c in items)
    iters = np.arange(top + 1)
    for label, cfg in items:
        ax.plot(iters, lr_curve(iters, cfg), label=label, lw=1.8)
    first = items[0][1]
    if show_marks:
        for interval, style, name in ((first.test_interval, ":", "test"), (first.snapshot, "--", "snapshot")):
            where = plotdata.marks(interval, top)
            if 0 < len(where) <= 200:
                for x in where:
                    ax.axvline(x, color=RATE, ls=style, lw=0.8, alpha=0.6)
                ax.plot([], [], color=RATE, ls=style, lw=0.8, label=f"{name} every {interval}")
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlim(0, max(top, 1))
    ax.set_xlabel("iteration")
    ax.set_ylabel("learning rate")
    ax.set_title("learning-rate schedule" + (" (log scale)" if log_scale else ""))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return ax


# ---- training curves ---------------------------------------------------------------------------
class TrainingAxes(NamedTuple):
    """The axes of :func:`plot_training_curves`: loss (left), accuracy (right), lr (or None)."""

    loss: Axes
    accuracy: Axes
    lr: Axes | None


def plot_training_curves(
    history: History, ax: Axes | None = None, window: int | None = None, show_lr: bool = False
) -> TrainingAxes:
    """Training loss (raw, faint, and smoothed), test accuracy on a twin axis, lr on request."""
    ax = new_axes(ax, (7, 3.5))
    it, loss = history.iteration, history.loss
    w = window or plotdata.default_window(len(loss))
    ax.plot(it, loss, color=LOSS, alpha=0.25, lw=0.8, label="loss")
    ax.plot(it, plotdata.smooth(loss, w), color=LOSS, lw=1.8, label=f"loss (mean of {w})")
    ax.set_xlabel("iteration")
    ax.set_ylabel("training loss", color=LOSS)
    ax.tick_params(axis="y", colors=LOSS)
    ax.grid(alpha=0.3)
    finite = loss[np.isfinite(loss)]
    if finite.size:
        ax.set_ylim(0, min(float(finite.max()), 10 * float(np.median(finite)) + 1e-9) * 1.05)
    acc_ax = ax.twinx()
    acc_ax.plot(history.test_iteration, history.test_accuracy, "o-", color=ACCURACY, ms=4, label="test accuracy")
    acc_ax.set_ylim(0, 1.02)
    acc_ax.set_ylabel("test accuracy", color=ACCURACY)
    acc_ax.tick_params(axis="y", colors=ACCURACY)
    lr_ax = None
    if show_lr:
        lr_ax = ax.twinx()
        lr_ax.spines["right"].set_position(("axes", 1.15))
        lr_ax.plot(it, history.lr, "--", color=RATE, lw=1.2, label="lr")
        lr_ax.set_ylabel("learning rate", color=RATE)
        lr_ax.tick_params(axis="y", colors=RATE)
    if len(it):
        ax.set_xlim(0, max(int(it[-1]), 1))
    else:
        ax.text(0.5, 0.5, "no iterations yet", transform=ax.transAxes, ha="center", color=RATE)
    handles = [h for a in (ax, acc_ax, lr_ax) if a is not None for h in a.get_lines()]
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
        title += f": test accuracy {history.test_accuracy[-1]:.1%} at iteration {history.test_iteration[-1]}"
    ax.set_title(title, fontsize=10)
    return TrainingAxes(ax, acc_ax, lr_ax)


# ---- digits ------------------------------------------------------------------------------------
def show_digit(image: np.ndarray, ax: Axes, title: str = "", color: str = "black") -> Axes:
    """One digit in grey (ink dark on white, as printed), a title, and a frame in ``color``."""
    ax.imshow(to_numpy(image).squeeze(), cmap="gray_r", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, color=color, fontsize=9)
    for spine in ax.spines.values():
        spine.set_color(color)
        spine.set_linewidth(2.5 if color == WRONG else 0.8)
    return ax


def plot_digits(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    predictions: np.ndarray | None = None,
    fig: Figure | None = None,
    cols: int = 8,
    titles: Sequence[str] | None = None,
) -> np.ndarray:
    """A grid of digits titled with their labels (and predictions: wrong ones in red, framed)."""
    imgs = to_numpy(images)
    n = len(imgs)
    rows, c = plotdata.grid_shape(n, cols)
    side = min(1.2, 10.0 / c)  # at most 10 inches wide, so a strip is not shrunk to nothing in a notebook
    fig = new_figure(fig, (side * c, (side + 0.15) * rows))
    axes = np.atleast_1d(fig.subplots(rows, c, squeeze=False).ravel())
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_axis_off()
            continue
        title, color = "", "black"
        if labels is not None:
            title = f"{int(labels[i])}"
            if predictions is not None:
                wrong = int(predictions[i]) != int(labels[i])
                title = f"{int(labels[i])} -> {int(predictions[i])}" if wrong else f"{int(labels[i])}"
                color = WRONG if wrong else RIGHT
        if titles is not None:
            title = titles[i]
        show_digit(imgs[i], ax, title, color)
    return axes[:n]


def plot_confident_mistakes(
    result: EvalResult, images: np.ndarray, k: int = 16, fig: Figure | None = None, cols: int = 8
) -> np.ndarray:
    """The ``k`` wrong answers the model was surest of: 'true -> predicted (confidence)'."""
    idx = result.confident_mistakes(k)
    if len(idx) == 0:
        fig = new_figure(fig, (4, 1.5))
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        return np.array([ax])
    conf = result.probabilities[idx].max(1)
    titles = [f"{result.labels[i]}->{result.predictions[i]} {p:.0%}" for i, p in zip(idx, conf)]
    axes = plot_digits(
        to_numpy(images)[idx], result.labels[idx], result.predictions[idx], fig=fig, cols=cols, titles=titles
    )
    axes[0].figure.suptitle("most confident mistakes (true->predicted, confidence)", fontsize=10)
    return axes


# ---- kernels and feature maps ------------------------------------------------------------------
def plot_filters(
    weights: np.ndarray,
    ax: Axes | None = None,
    max_out: int | None = None,
    title: str = "",
    numbers: bool = False,
    cols: int | None = None,
) -> Axes:
    """Conv kernels [out, in, k, k] as one diverging image (red +, blue -, 0 white).

    One input channel: a grid of kernels (``cols`` per row), each numbered. Several: a row per
    output channel, a column per input. ``numbers`` writes every weight in its cell (for a few
    small kernels, e.g. conv1's), so the colours can be read as values.
    """
    w = to_numpy(weights)
    image = plotdata.kernel_mosaic(w, max_out=max_out, cols=cols)
    limit = plotdata.symmetric_limit(image)
    cmap = plt.get_cmap(KERNEL_CMAP).with_extremes(bad="#d9d9d9")
    shown_out = min(len(w), max_out or len(w))
    ratio = image.shape[0] / image.shape[1]
    grow = 1.35 if numbers else 1.0  # room for the numbers
    width, height = float(min(7.0, 3.4 + 6.0 / ratio)), float(np.clip(5.6 * ratio, 2.2, 9))
    ax = new_axes(ax, (width * grow, height * grow))
    im = ax.imshow(image, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    k = w.shape[-1]
    if numbers:
        for (r, c), v in np.ndenumerate(image):
            if np.isfinite(v):
                ax.text(
                    c,
                    r,
                    f"{v:.2f}".replace("0.", "."),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if abs(v) > 0.6 * limit else "black",
                )
    if w.shape[1] > 1:
        step = max(1, w.shape[1] // 10)
        ax.set_xticks(
            [(k + 1) * i + k / 2 - 0.5 for i in range(0, w.shape[1], step)],
            [str(i) for i in range(0, w.shape[1], step)],
            fontsize=7,
        )
        step = max(1, shown_out // 10)
        ax.set_yticks(
            [(k + 1) * i + k / 2 - 0.5 for i in range(0, shown_out, step)],
            [str(i) for i in range(0, shown_out, step)],
            fontsize=7,
        )
        ax.set_xlabel("input channel")
        ax.set_ylabel("output channel")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        per_row = plotdata.grid_shape(shown_out, cols)[1]
        for i in range(shown_out):
            r, c = divmod(i, per_row)
            ax.text(c * (k + 1) - 0.5, r * (k + 1) - 0.6, str(i), fontsize=7, va="bottom", ha="left")
    ax.set_title(title or f"{len(w)} kernels of {w.shape[1]}x{k}x{k}", fontsize=10, pad=14 if w.shape[1] == 1 else 6)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label="weight")
    return ax


def plot_layer_maps(maps, ax: Axes | None = None, title: str = "", cols: int = 10) -> Axes:
    """The maps of one layer for one image ([C, H, W]) tiled, each scaled to its own range."""
    tiles = as_tiles(maps)
    finite = np.where(np.isfinite(tiles), tiles, np.nan)
    normalised = plotdata.normalise_each(np.nan_to_num(finite, nan=np.nanmin(finite)))
    normalised[~np.isfinite(finite)] = np.nan
    image = plotdata.mosaic(normalised, cols=min(cols, len(tiles)))
    ax = new_axes(ax, (6, 3))
    ax.imshow(image, cmap=plt.get_cmap(MAP_CMAP).with_extremes(bad="white"), vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    shape = "x".join(str(s) for s in tiles.shape[1:])
    ax.set_title(title or f"{len(tiles)} maps {shape}", fontsize=9, loc="left")
    return ax


def plot_feature_maps(
    maps: Mapping[str, np.ndarray], image: np.ndarray | None = None, fig: Figure | None = None, cols: int = 10
) -> list[Axes]:
    """Feature maps of one image, layer by layer (one row per layer), the input on the left."""
    if not maps:
        raise ValueError("no feature maps given; pass e.g. features.feature_maps(model, x)")
    tiles = {name: as_tiles(m) for name, m in maps.items()}
    # each row spans the same width, so its height follows its mosaic's aspect (+ room for a title)
    heights = []
    for t in tiles.values():
        rows, c = plotdata.grid_shape(len(t), min(cols, len(t)))
        heights.append(rows * (t.shape[1] + 1) / (c * (t.shape[2] + 1)) + 0.1)
    fig = new_figure(fig, (9, min(0.6 + 7.5 * sum(heights), 14)))
    grid = fig.add_gridspec(len(tiles), 2, width_ratios=[1, 6], height_ratios=heights)
    axes: list[Axes] = []
    if image is not None:
        show_digit(image, fig.add_subplot(grid[0, 0]), "input")
    for row, (name, t) in enumerate(tiles.items()):
        spatial = to_numpy(maps[name]).ndim >= 3 and to_numpy(maps[name]).shape[-2:] != (1, 1)
        label = (
            f"{name}: {len(t)} maps {t.shape[1]}x{t.shape[2]}" if spatial else f"{name}: {np.isfinite(t).sum()} units"
        )
        axes.append(plot_layer_maps(t, fig.add_subplot(grid[row, 1]), label, cols))
    return axes


# ---- evaluation --------------------------------------------------------------------------------
def plot_confusion_matrix(
    matrix: np.ndarray, normalise: bool = False, ax: Axes | None = None, mask_diagonal: bool = False
) -> Axes:
    """counts[true, predicted] as a heat map with the numbers written in (rates if normalised).

    A good model's diagonal dwarfs every mistake, so on one colour scale the mistakes all look
    white. ``mask_diagonal`` greys the diagonal out (its numbers still written) and puts the colour
    scale on the mistakes alone, so the frequent confusions stand out.
    """
    counts = to_numpy(matrix)
    values = plotdata.normalise_rows(counts) if normalise else counts.astype(np.float64)
    n = len(values)
    shown = plotdata.off_diagonal(values) if mask_diagonal else values
    top = float(np.nanmax(shown)) if np.isfinite(shown).any() else 0.0
    ax = new_axes(ax, (5.5, 5))
    cmap = plt.get_cmap("Reds" if mask_diagonal else "Blues").with_extremes(bad="#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, vmin=0, vmax=top or 1)
    for i in range(n):
        for j in range(n):
            v = values[i, j]
            text = (f"{v:.2f}" if v else "0") if normalise else f"{int(counts[i, j])}"
            dark = np.isfinite(shown[i, j]) and shown[i, j] > 0.5 * (top or 1)
            faint = not mask_diagonal or i == j or v > 0
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else ("black" if faint else "#aaaaaa"),
            )
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if mask_diagonal:
        title = "mistakes: confusion matrix, diagonal (right answers) greyed out"
    else:
        title = "confusion matrix" + (" (each row sums to 1)" if normalise else " (counts)")
    ax.set_title(title, fontsize=10)
    label = ("share of the row" if normalise else "images") + (" (off the diagonal)" if mask_diagonal else "")
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label=label)
    return ax


def plot_per_class_accuracy(accuracy: np.ndarray, ax: Axes | None = None, overall: float | None = None) -> Axes:
    """One bar per digit, its accuracy written in it; the overall accuracy as a dashed line.

    The axis ends at 1 (no accuracy is above it) and starts just below the worst class, so that
    differences of a fraction of a percent are visible; the start is named on the axis.
    """
    acc = to_numpy(accuracy).astype(np.float64)
    ax = new_axes(ax, (6, 3))
    low = plotdata.accuracy_floor(acc)
    bars = ax.bar(range(len(acc)), acc, color=LOSS)
    for bar, value in zip(bars, acc):
        inside = value - 0.04 * (1 - low)
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            inside,
            f"{value:.1%}",
            ha="center",
            va="top",
            fontsize=7,
            color="white",
            rotation=90,
        )
    if overall is not None:
        ax.axhline(overall, color=WRONG, ls="--", lw=1, label=f"overall {overall:.1%}")
        ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    ax.set_ylim(low, 1.0)
    ax.set_xticks(range(len(acc)))
    ax.set_xlabel("digit")
    ax.set_ylabel(f"accuracy (axis from {low:.0%})" if low > 0 else "accuracy")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _pos: f"{v:.0%}" if low < 0.9 else f"{v:.1%}"))
    ax.set_title("accuracy per class", fontsize=10)
    return ax


def plot_probabilities(probs: np.ndarray, ax: Axes | None = None, label: int | None = None) -> Axes:
    """Class probabilities as bars: the prediction in green (red if it is not ``label``)."""
    p = to_numpy(probs).astype(np.float64).ravel()
    pred = int(p.argmax())
    ax = new_axes(ax, (4, 2.5))
    colors = [LOSS] * len(p)
    colors[pred] = RIGHT if label is None or label == pred else WRONG
    ax.bar(range(len(p)), p, color=colors)
    ax.set_xticks(range(len(p)))
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("digit")
    ax.set_ylabel("probability")
    verdict = f"predicted {pred} ({p[pred]:.1%})"
    if label is not None:
        verdict += f", true {label}"
    ax.set_title(verdict, fontsize=9)
    return ax


def plot_prediction(
    image: np.ndarray,
    probs: np.ndarray,
    maps: np.ndarray,
    layer: str,
    fig: Figure | None = None,
    label: int | None = None,
) -> dict[str, Axes]:
    """One digit as the model sees it: the input, its class probabilities, one layer's maps."""
    fig = new_figure(fig, (9, 4))
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1.3, 3])
    title = "input" if label is None else f"input (label {label})"
    axes = {
        "image": show_digit(image, fig.add_subplot(grid[0, 0]), title),
        "probabilities": plot_probabilities(probs, fig.add_subplot(grid[1, 0:2]), label),
    }
    tiles = as_tiles(maps)
    axes["maps"] = plot_layer_maps(
        tiles,
        fig.add_subplot(grid[:, 2]),
        f"{layer}: {len(tiles)} maps {tiles.shape[1]}x{tiles.shape[2]}",
        cols=plotdata.grid_shape(len(tiles))[1],
    )
    return axes


# ---- history -----------------------------------------------------------------------------------
def plot_milestones(events: Sequence[tuple[int, str, str]], ax: Axes | None = None) -> Axes:
    """(year, title, detail) events as a staircase: one row each, a dot at its year, its title beside.

    One row per event keeps every title readable even where the years crowd (1986-1990); the
    horizontal axis still shows how far apart in time they are. The details are for the text.
    """
    items = sorted(events, key=lambda e: e[0])
    if not items:
        raise ValueError("no events to draw; pass (year, title, detail) tuples")
    years = [int(e[0]) for e in items]
    ax = new_axes(ax, (9, 0.38 * len(items) + 1.0))
    lo, hi = min(years), max(years)
    span = max(hi - lo, 1)
    rows = np.arange(len(items))
    ax.hlines(rows, lo - 0.04 * span, years, color="#dddddd", lw=1)
    ax.plot(years, rows, "o", color=LOSS, ms=6)
    for row, (year, title, _detail) in zip(rows, items):
        right = year < lo + 0.7 * span
        ax.text(
            year + (0.012 if right else -0.012) * span,
            float(row),
            f"{year}  {title}" if right else f"{title}  {year}",
            va="center",
            ha="left" if right else "right",
            fontsize=9,
        )
    ax.set_ylim(len(items) - 0.5, -0.7)
    ax.set_xlim(lo - 0.04 * span, hi + 0.04 * span)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("year")
    ax.set_title("from reverse-mode differentiation to Caffe's LeNet", fontsize=10)
    return ax


# ---- parameters and embeddings ----------------------------------------------------------------
def plot_histograms(
    values: Mapping[str, np.ndarray], fig: Figure | None = None, kind: str = "weight", bins: int = 40, log: bool = False
) -> np.ndarray:
    """One histogram per layer (e.g. ``features.parameter_values(model, 'grad')``), with std."""
    if not values:
        raise ValueError("no layers to draw; pass {layer: values}")
    rows, cols = plotdata.grid_shape(len(values), 4)
    fig = new_figure(fig, (3 * cols, 2.2 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, (name, v) in zip(axes, values.items()):
        counts, edges = plotdata.histogram(v, bins)
        ax.stairs(counts, edges, fill=True, color=LOSS if kind == "weight" else ACCURACY, alpha=0.8)
        ax.set_title(f"{name}  (std {np.nanstd(v):.2g})", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 3))
        if log:
            ax.set_yscale("log")
    for ax in axes[len(values) :]:
        ax.set_axis_off()
    fig.suptitle(f"{kind} histograms per layer", fontsize=10)
    return axes[: len(values)]


def plot_embedding(
    points: np.ndarray, labels: np.ndarray, ax: Axes | None = None, explained: np.ndarray | None = None
) -> Axes:
    """2-D points coloured by class (tab10), each class's centre marked with its digit."""
    pts, lab = to_numpy(points), to_numpy(labels).astype(int)
    ax = new_axes(ax, (6, 5))
    cmap = plt.get_cmap("tab10")
    for c in np.unique(lab):
        sel = lab == c
        ax.scatter(pts[sel, 0], pts[sel, 1], s=6, alpha=0.6, color=cmap(c % 10), label=str(c))
        cx, cy = pts[sel].mean(0)
        ax.text(
            cx,
            cy,
            str(c),
            fontsize=13,
            weight="bold",
            ha="center",
            va="center",
            color=cmap(c % 10),
            bbox={"boxstyle": "circle", "fc": "white", "ec": cmap(c % 10), "alpha": 0.85},
        )
    names: tuple[str, ...] = ("PC1", "PC2")
    if explained is not None:
        names = tuple(f"PC{i + 1} ({r:.0%} of variance)" for i, r in enumerate(explained[:2]))
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.legend(title="digit", fontsize=7, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title("penultimate-layer embedding (PCA)", fontsize=10)
    return ax


__all__ = [
    "TrainingAxes",
    "plot_confident_mistakes",
    "plot_confusion_matrix",
    "plot_digits",
    "plot_embedding",
    "plot_feature_maps",
    "plot_filters",
    "plot_histograms",
    "plot_layer_maps",
    "plot_lr_schedules",
    "plot_milestones",
    "plot_per_class_accuracy",
    "plot_prediction",
    "plot_probabilities",
    "plot_training_curves",
    "policy_label",
    "show_digit",
]
