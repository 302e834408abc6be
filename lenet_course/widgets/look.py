"""What the feature-map explorer and draw-a-digit share: the layer list and the one figure.

The figure shows the input digit, the class probabilities (or why there are none), and one
layer's outputs: tiled maps for a conv/pool layer, a labelled bar chart for a flat layer (an fc
layer, the ten logits), where tiles of 1x1 "maps" would say nothing.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import nn

from .. import features
from ..viz import plots


def layer_options(model: nn.Module) -> tuple[str, ...]:
    """Every layer of ``model`` in the order the data passes through them."""
    return features.layers_in_forward_order(model)


def default_layer(model: nn.Module) -> str:
    """The first layer worth drawing (the first conv layer of the course's LeNets)."""
    return features.layer_roles(model).visual[0]


def _note(ax: Axes, text: str) -> Axes:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, color="#555", wrap=True, transform=ax.transAxes)
    return ax


def plot_flat_outputs(values: np.ndarray, ax: Axes, layer: str, is_output: bool) -> Axes:
    """One bar per unit of a flat layer; the model's last layer labels its bars with the digits."""
    v = np.asarray(values, dtype=np.float64).ravel()
    ax.bar(np.arange(len(v)), v, color=np.where(v >= 0, plots.LOSS, plots.WRONG), width=0.8)
    ax.axhline(0, color="#333", lw=0.8)
    if len(v) <= 20:
        ax.set_xticks(np.arange(len(v)))
    ax.set_xlabel("digit (the network's output for each class)" if is_output else "unit", fontsize=9)
    ax.set_ylabel("logit" if is_output else "activation", fontsize=9)
    ax.set_title(f"{layer}: {len(v)} outputs, one number each", fontsize=9, loc="left")
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    return ax


def draw_look(
    fig: Figure,
    digit: np.ndarray,
    seen: features.Look | None,
    layer: str,
    *,
    is_output: bool = False,
    label: int | None = None,
    empty_reason: str = "",
) -> None:
    """Redraw ``fig``: the digit, its probabilities, the layer's outputs (or ``empty_reason``)."""
    fig.clear()
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1.3, 3])
    title = "input (28x28, as the model sees it)" if label is None else f"input (label {label})"
    plots.show_digit(digit, fig.add_subplot(grid[0, 0]), title)
    prob_ax = fig.add_subplot(grid[1, 0:2])
    layer_ax = fig.add_subplot(grid[:, 2])
    if seen is None:
        _note(prob_ax, f"no prediction:\n{empty_reason}")
        _note(layer_ax, f"{layer}: nothing to show yet")
        return
    plots.plot_probabilities(seen.probabilities, prob_ax, label)
    if seen.is_flat:
        plot_flat_outputs(seen.maps, layer_ax, layer, is_output)
    else:
        c, h, w = seen.maps.shape
        plots.plot_layer_maps(seen.maps, layer_ax, f"{layer}: {c} maps {h}x{w}")
