"""Figures specific to single lessons: the lesson map, the history timeline, kernel/image pairs,
gradient checks, parameter counts, activation statistics, class balance and pixel-value histograms.

Generic plots (schedules, training curves, digit grids, filters and feature maps of a trained
model, confusion matrices) live in :mod:`lenet_course.viz.plots`. Every function here takes
finished data and an optional ``ax`` (or ``axes``), draws, and returns what it drew; none calls
``plt.show()``, so the same code works inline in a notebook, in a test with the Agg backend, and
inside a widget.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..viz.axes import new_axes
from ..viz.plotdata import to_numpy
from ..viz.plots import LOSS, RATE
from .history import EVENTS, Event, timeline


def plot_lesson_map(
    lessons: Sequence[tuple[str, str, str]], ax: Axes | None = None, current: str | None = None
) -> Axes:
    """The lessons as numbered boxes in two rows, in reading order; ``current`` is highlighted."""
    if not lessons:
        raise ValueError("no lessons to draw")
    ax = new_axes(ax, (12, 3.6))
    per_row = math.ceil(len(lessons) / 2)
    for i, lesson in enumerate(lessons):
        name, title = lesson[0], lesson[1]
        row, col = divmod(i, per_row)
        x, y = col * 3.0, -row * 2.0
        highlight = current is not None and name.startswith(current)
        ax.add_patch(
            plt.Rectangle(
                (x, y), 2.6, 1.3, facecolor="#ffd36b" if highlight else "#dbe9f6", edgecolor="#1f4e79", linewidth=1.5
            )
        )
        ax.text(x + 1.3, y + 0.9, name.split("_", 1)[0], ha="center", va="center", fontsize=13, weight="bold")
        ax.text(x + 1.3, y + 0.42, textwrap.fill(title, 20), ha="center", va="center", fontsize=8.5)
        if col < per_row - 1 and i < len(lessons) - 1:
            ax.annotate(
                "",
                xy=(x + 3.0, y + 0.65),
                xytext=(x + 2.6, y + 0.65),
                arrowprops={"arrowstyle": "->", "color": "#1f4e79"},
            )
    if len(lessons) > per_row:  # the turn: down from the row's last box, back left in the gap, down
        end_x = (per_row - 1) * 3.0 + 1.3
        ax.plot([end_x, end_x, 1.3], [0.0, -0.35, -0.35], color="#1f4e79", linewidth=1)
        ax.annotate("", xy=(1.3, -0.7), xytext=(1.3, -0.35), arrowprops={"arrowstyle": "->", "color": "#1f4e79"})
    ax.set_xlim(-0.2, per_row * 3.0 - 0.2)
    ax.set_ylim(-2.2 if len(lessons) > per_row else -0.2, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("The course, lesson by lesson")
    return ax


def draw_timeline(events: Sequence[tuple[int, str, str]], ax: Axes | None = None, wrap: int = 26) -> Axes:
    """(year, title, detail) events on a horizontal time line, labels alternating above/below."""
    if not events:
        raise ValueError("draw_timeline needs at least one (year, title, detail) event")
    ordered = sorted(events, key=lambda e: e[0])
    years = [int(e[0]) for e in ordered]
    ax = new_axes(ax, (max(8, 2.4 * len(ordered)), 4))
    span = max(years[-1] - years[0], 1)
    ax.axhline(0, color="black", lw=1.5, zorder=1)
    for i, (year, title, detail) in enumerate(ordered):
        side = 1 if i % 2 == 0 else -1
        ax.plot([year, year], [0, 0.55 * side], color=RATE, lw=1, zorder=1)
        ax.scatter([year], [0], s=60, color=LOSS, zorder=2)
        text = f"{year}\n{textwrap.fill(title, wrap)}"
        if detail:
            text += "\n" + textwrap.fill(detail, wrap + 4)
        ax.text(
            year,
            0.6 * side,
            text,
            ha="center",
            va="bottom" if side > 0 else "top",
            fontsize=8,
            bbox={"boxstyle": "round", "fc": "white", "ec": RATE, "alpha": 0.9},
        )
    ax.set_xlim(years[0] - 0.12 * span - 1, years[-1] + 0.12 * span + 1)
    ax.set_ylim(-2.2, 2.2)
    ax.set_yticks([])
    for edge in ("left", "right", "top"):
        ax.spines[edge].set_visible(False)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    return ax


def plot_timeline(events: Iterable[Event | tuple[int, str, str]] = EVENTS, ax: Axes | None = None) -> Axes:
    """The history events on a year axis, drawn by :func:`draw_timeline`.

    Only years and titles go into the figure (the lesson prints the details beside it, where long
    sentences read better); events are validated and ordered by :func:`~lenet_course.lessons.history.timeline`.
    """
    items = timeline(events)
    if not items:
        raise ValueError("no events to draw")
    ax = draw_timeline([(e.year, e.title, "") for e in items], ax=ax)
    ax.set_title("From back-propagation to LeNet and beyond")
    return ax


def plot_images(
    images: Sequence,
    titles: Sequence[str] | None = None,
    *,
    ncols: int | None = None,
    axes=None,
    cmap: str = "gray",
    signed: bool = False,
    shared: bool = False,
    values: bool = False,
    colorbar: bool = False,
    size: float = 1.6,
) -> np.ndarray:
    """A row/grid of 2-D arrays (digits, kernels, feature maps) with optional titles.

    ``signed=True`` uses a diverging colour map centred on 0, so negative kernel weights and
    responses show in blue and positive in red. Each image gets its own colour scale unless
    ``shared=True``: then one scale spans all of them, so that the same colour means the same value
    in every panel (needed to compare, e.g., max and average pooling). ``values=True`` writes each
    entry into its cell (for small arrays such as kernels), in black or white, whichever reads on
    that cell's colour. ``colorbar=True`` adds one colour bar for the shared scale (or one per image).
    Returns the array of axes used.
    """
    arrays = [to_numpy(im).squeeze() for im in images]
    if not arrays:
        raise ValueError("no images to draw")
    bad = [i for i, a in enumerate(arrays) if a.ndim != 2]
    if bad:
        raise ValueError(f"images must be 2-D after squeezing; image {bad[0]} has shape {arrays[bad[0]].shape}")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"{len(titles)} titles for {len(arrays)} images")
    ncols = ncols or len(arrays)
    nrows = math.ceil(len(arrays) / ncols)
    if axes is None:
        _, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(size * ncols + 0.6 * colorbar, size * nrows + 0.3 * (titles is not None)),
            squeeze=False,
            layout="constrained",
        )
    axes = np.asarray(axes).reshape(-1)
    if len(axes) < len(arrays):
        raise ValueError(f"{len(axes)} axes for {len(arrays)} images")
    limits = [_colour_limits([a], signed) for a in arrays]
    if shared:
        limits = [_colour_limits(arrays, signed)] * len(arrays)
    drawn = []
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(arrays):
            ax.axis("off")
            continue
        a, (lo, hi) = arrays[i], limits[i]
        drawn.append(ax.imshow(a, cmap="RdBu_r" if signed else cmap, vmin=lo, vmax=hi))
        if values:
            write_values(ax, a, lo, hi, signed=signed)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
        if colorbar and not shared:
            ax.figure.colorbar(drawn[-1], ax=ax, shrink=0.8)
    if colorbar and shared:
        axes[0].figure.colorbar(drawn[0], ax=list(axes[: len(arrays)]), shrink=0.8)
    return axes[: len(arrays)]


def _colour_limits(arrays: Sequence[np.ndarray], signed: bool) -> tuple[float, float]:
    """The (vmin, vmax) that spans ``arrays``: symmetric about 0 when ``signed``."""
    lo = min(float(a.min()) for a in arrays)
    hi = max(float(a.max()) for a in arrays)
    if signed:
        m = max(abs(lo), abs(hi)) or 1.0
        return -m, m
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def write_values(ax: Axes, array, vmin: float, vmax: float, *, signed: bool = False, max_cells: int = 49) -> Axes:
    """Write each entry of a small 2-D ``array`` into its cell of an ``imshow`` on ``ax``.

    The text is white on the dark end(s) of the colour map and black elsewhere, so every number
    reads; arrays of more than ``max_cells`` entries are left unwritten (the numbers would not fit).
    """
    a = to_numpy(array).squeeze()
    if a.ndim != 2:
        raise ValueError(f"write_values needs a 2-D array, got shape {a.shape}")
    if a.size > max_cells:
        return ax
    span = (vmax - vmin) or 1.0
    fontsize = 11 if max(a.shape) <= 3 else 9 if max(a.shape) <= 5 else 7
    for (r, c), v in np.ndenumerate(a):
        level = (v - vmin) / span  # 0 at the low end of the colour map, 1 at the high end
        dark = abs(level - 0.5) > 0.3 if signed else level < 0.45
        ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=fontsize, color="white" if dark else "black")
    return ax


def plot_kernel_and_image(image, kernel, output, *, axes=None, kernel_name: str = "kernel") -> np.ndarray:
    """Three panels: the input, the kernel with its weights written in, and the output map."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
    axes = np.asarray(axes).reshape(-1)
    if len(axes) != 3:
        raise ValueError(f"need 3 axes, got {len(axes)}")
    plot_images([image], ["input"], axes=axes[:1])
    plot_images([output], ["output (red > 0, blue < 0)"], axes=axes[2:], signed=True)
    plot_images([kernel], [kernel_name], axes=axes[1:2], signed=True, values=True)
    return axes


def plot_gradient_check(
    reference: Mapping[str, object], others: Mapping[str, Mapping[str, object]], ax: Axes | None = None
) -> Axes:
    """Every gradient entry of each method against the ``reference`` method: the points lie on
    the diagonal when the methods agree. ``reference`` and each of ``others`` map a parameter name
    to its gradient."""
    ax = new_axes(ax, (4.5, 4.5))
    ref = np.concatenate([to_numpy(reference[k]).ravel() for k in reference])
    for i, (label, grads) in enumerate(others.items()):
        if grads.keys() != reference.keys():
            raise KeyError(f"{label} has parameters {sorted(grads)}, the reference {sorted(reference)}")
        vals = np.concatenate([to_numpy(grads[k]).ravel() for k in reference])
        diff = np.abs(vals - ref).max()
        ax.scatter(
            ref,
            vals,
            marker="o" if i == 0 else "x",
            s=80 if i == 0 else 40,
            color=f"C{i}",
            alpha=0.6 if i == 0 else 1.0,
            label=f"{label} (max diff {diff:.1e})",
        )
    lim = float(np.abs(ref).max()) * 1.1 or 1.0
    ax.plot([-lim, lim], [-lim, lim], color="#999", linewidth=1, zorder=0)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("gradient by hand (chain rule)")
    ax.set_ylabel("gradient by the other method")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("Three ways to the same gradient")
    return ax


def plot_parameter_counts(
    counts: Mapping[str, int], ax: Axes | None = None, log: bool = True, title: str = "Parameters"
) -> Axes:
    """Horizontal bars, one per entry, each labelled with its exact count (log scale by default,
    because the counts being compared differ by orders of magnitude)."""
    if not counts:
        raise ValueError("no counts to draw")
    ax = new_axes(ax, (8, 0.55 * len(counts) + 1.0))
    names = list(counts)[::-1]
    values = [counts[n] for n in names]
    bars = ax.barh(names, values, color="#4c8bc5")
    for bar, v in zip(bars, values):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {v:,}", va="center", fontsize=9)
    if log:
        ax.set_xscale("log")
    ax.set_xlim(right=max(values) * (4 if log else 1.25))
    ax.set_xlabel("parameters" + (" (log scale)" if log else ""))
    ax.set_title(title)
    return ax


def plot_activation_stats(
    stats: Mapping[str, Sequence], ax: Axes | None = None, field: str = "std", log: bool = True
) -> Axes:
    """One line per initialisation scheme: a statistic (``std``, ``mean``, ``zero_fraction``,
    ``unit_spread``) of each layer's output, layers in the order they run."""
    if not stats:
        raise ValueError("no statistics to draw")
    ax = new_axes(ax, (8, 4))
    layer_names = [r.name for r in next(iter(stats.values()))]  # every scheme must report these
    for scheme, rows in stats.items():
        names = [r.name for r in rows]
        if names != layer_names:
            raise ValueError(f"{scheme} reports layers {names}, expected {layer_names}")
        values = [getattr(r, field) for r in rows]
        ax.plot(range(len(values)), values, marker="o", label=scheme)
    ax.set_xticks(range(len(layer_names)), layer_names)
    if log:
        everything = [getattr(r, field) for rows in stats.values() for r in rows]
        if min(everything) > 0:
            ax.set_yscale("log")
        else:  # zeros (a constant fill has no spread) cannot sit on a log axis: linear near 0
            ax.set_yscale("symlog", linthresh=1e-4)
            ax.set_ylim(bottom=0)
    ax.set_xlabel("layer (in the order the forward pass runs)")
    ax.set_ylabel(f"activation {field}")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    ax.set_title(f"{field} of each layer's output, by initialisation")
    return ax


def plot_class_balance(labels, ax: Axes | None = None, classes: int = 10, title: str = "Images per class") -> Axes:
    """Bar chart of how many examples each class has, with the perfectly balanced level dashed."""
    y = to_numpy(labels).astype(np.int64).ravel()
    if y.size == 0:
        raise ValueError("no labels")
    counts = np.bincount(y, minlength=classes)
    ax = new_axes(ax, (7, 3.5))
    ax.bar(range(len(counts)), counts, color="#4c8bc5")
    ax.axhline(y.size / len(counts), color="#d62728", linestyle="--", label="equal share")
    ax.set_xticks(range(len(counts)))
    ax.set_xlabel("digit")
    ax.set_ylabel("images")
    ax.legend(loc="lower right", fontsize=9)
    ax.set_title(title)
    return ax


def plot_value_histograms(values: Mapping[str, object], ax: Axes | None = None, bins: int = 40) -> Axes:
    """Overlaid histograms of several arrays (e.g. pixel values under two scalings), log counts,
    each labelled with its mean and std."""
    if not values:
        raise ValueError("no values to draw")
    ax = new_axes(ax, (7, 3.5))
    arrays = {label: to_numpy(v).ravel().astype(np.float64) for label, v in values.items()}
    lo = min(a.min() for a in arrays.values())
    hi = max(a.max() for a in arrays.values())
    edges = np.linspace(lo, hi, bins + 1).tolist()  # shared bins, so the bars of different arrays compare
    for label, a in arrays.items():
        ax.hist(a, bins=edges, alpha=0.55, label=f"{label}: mean {a.mean():.3f}, std {a.std():.3f}")
    ax.set_yscale("log")
    ax.set_xlabel("value fed to the network")
    ax.set_ylabel("pixels (log scale)")
    ax.legend(fontsize=9)
    return ax


def plot_losses(losses: Sequence[float], ax: Axes | None = None, title: str = "Loss while training") -> Axes:
    """A loss curve over steps (log y), for the small hand-trained networks of the early lessons."""
    if len(losses) == 0:
        raise ValueError("no losses to draw")
    ax = new_axes(ax, (6, 3.2))
    ax.plot(np.arange(len(losses)), losses)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return ax


#: LeNet-5's C3 columns grouped as the paper's Table I groups them: (label, first map, last map).
C3_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("3 contiguous\ninput maps", 0, 5),
    ("4 contiguous\ninput maps", 6, 11),
    ("4 non-\ncontiguous", 12, 14),
    ("all\n6", 15, 15),
)


def plot_connection_table(
    table: Sequence[Sequence[int]],
    n_inputs: int,
    ax: Axes | None = None,
    groups: Sequence[tuple[str, int, int]] | None = None,
) -> Axes:
    """Which input map (rows) each output map (columns) reads: LeNet-5's C3 table as a picture.

    A key says what the colours mean; ``groups`` (label, first column, last column) brackets
    columns that follow one rule (:data:`C3_GROUPS` for the paper's table).
    """
    if not table:
        raise ValueError("empty connection table")
    grid = np.zeros((n_inputs, len(table)))
    for out, inputs in enumerate(table):
        for i in inputs:
            if not 0 <= i < n_inputs:
                raise ValueError(f"output map {out} reads input {i}, but there are {n_inputs} inputs")
            grid[i, out] = 1
    ax = new_axes(ax, (9, 4.2))
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=1.3)
    ax.set_xticks(range(len(table)))
    ax.set_yticks(range(n_inputs))
    ax.set_xticks(np.arange(-0.5, len(table)), minor=True)
    ax.set_yticks(np.arange(-0.5, n_inputs), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("output map (C3)")
    ax.set_ylabel("input map (S2)")
    for label, first, last in groups or ():
        if not 0 <= first <= last < len(table):
            raise ValueError(f"group {label!r} spans columns {first}-{last}, but there are {len(table)} columns")
        ax.annotate(
            "",
            xy=(first - 0.4, -0.6),
            xytext=(last + 0.4, -0.6),
            arrowprops={"arrowstyle": "-", "color": "#1f4e79", "linewidth": 1.5},
            annotation_clip=False,
        )
        ax.text((first + last) / 2, -0.7, label, ha="center", va="bottom", fontsize=8, color="#1f4e79")
    key = [
        Patch(facecolor=plt.get_cmap("Blues")(1 / 1.3), edgecolor="#999", label="connected: a 5x5 kernel"),
        Patch(facecolor=plt.get_cmap("Blues")(0.0), edgecolor="#999", label="not connected"),
    ]
    ax.legend(handles=key, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9, frameon=False)
    ax.set_ylim(n_inputs - 0.5, -0.5 - (1.5 if groups else 0.0))
    ax.set_title(f"{int(grid.sum())} of {grid.size} possible connections", pad=4)
    return ax
