"""FGSM with a slider: a test digit, the epsilon-sized nudge, the nudged digit and what the model says.

The panel only wires its two sliders to :func:`lenet_course.robustness.fgsm` and
:func:`lenet_course.robustness.predict_probabilities`; :func:`draw_nudge` is the figure it shares
with the draw-a-digit panel's explanation row.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from .. import robustness
from ..viz.plots import RIGHT, WRONG, show_digit
from ..viz.robustness import plot_before_after, plot_perturbation
from .view import FigureView, Panel, observe, show_status

#: The epsilon slider: 0 to 0.3 of full ink in steps of 0.01 (Goodfellow et al. used 0.1-0.25 on MNIST).
EPSILON_RANGE = {"min": 0.0, "max": 0.3, "step": 0.01}


def epsilon_slider(value: float = 0.1) -> W.FloatSlider:
    """The epsilon control both panels use, its readout showing each stop exactly."""
    return W.FloatSlider(
        value=value, description="epsilon", readout_format=".2f", continuous_update=True, **EPSILON_RANGE
    )


def epsilon_stops() -> np.ndarray:
    """Every value the epsilon slider can take (0, 0.01, ..., 0.3)."""
    r = EPSILON_RANGE
    return np.round(np.arange(r["min"], r["max"] + r["step"] / 2, r["step"]), 2)


def draw_nudge(
    axes: Sequence[Axes],
    pixels: np.ndarray,
    nudged: np.ndarray,
    epsilon: float,
    before: np.ndarray,
    after: np.ndarray,
    label: int | None = None,
) -> None:
    """Three axes: the nudge (nudged - original), the nudged digit, probabilities before and after."""
    nudge_ax, nudged_ax, prob_ax = axes
    plot_perturbation(nudged - pixels, epsilon, nudge_ax, f"the nudge\n(each pixel +-{epsilon:.2f})")
    truth = int(before.argmax()) if label is None else label
    changed = int(after.argmax()) != truth
    show_digit(
        nudged,
        nudged_ax,
        f"nudged digit\nread as {int(after.argmax())}",
        color=WRONG if changed else RIGHT,
    )
    plot_before_after(before, after, prob_ax, label)


class AdversarialExplorer(Panel):
    """Pick a test digit and an epsilon; see the FGSM nudge and whether it changes the prediction."""

    title = "FGSM explorer: a test digit, an epsilon-sized nudge, the model's answer"

    def __init__(
        self,
        model: nn.Module,
        images: np.ndarray | torch.Tensor,
        labels: np.ndarray | torch.Tensor,
        *,
        epsilon: float = 0.1,
        figsize: tuple[float, float] = (10, 2.8),
    ) -> None:
        self.model = model
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = np.asarray(labels).astype(np.int64)
        if len(self.images) != len(self.labels) or not len(self.images):
            raise ValueError(
                f"pass as many labels as images (at least one), got {len(self.images)} and {len(self.labels)}"
            )
        self.index = W.IntSlider(value=0, min=0, max=len(self.images) - 1, step=1, description="test image")
        self.epsilon = epsilon_slider(epsilon)
        self.status = W.HTML()
        self.view = FigureView(figsize)
        self.before: np.ndarray = np.zeros(10)
        self.after: np.ndarray = np.zeros(10)
        observe([self.index, self.epsilon], self.update)
        self.widget = W.VBox([W.HBox([self.index, self.epsilon]), self.status, self.view.image])
        self.widget.add_class("lenet-fgsm-explorer")
        self.update()

    def update(self, change: dict | None = None) -> None:
        i, eps = self.index.value, float(self.epsilon.value)
        label = int(self.labels[i])
        pixels = robustness.as_pixels(self.images[i])
        nudged = robustness.fgsm(self.model, pixels, [label], eps)
        self.before, self.after = robustness.predict_probabilities(self.model, torch.cat([pixels, nudged]))
        fig = self.view.figure
        fig.clear()
        axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1, 2.2]})
        show_digit(pixels[0, 0].numpy(), axes[0], f"test digit {i}: a {label}\nread as {int(self.before.argmax())}")
        draw_nudge(axes[1:], pixels[0, 0].numpy(), nudged[0, 0].numpy(), eps, self.before, self.after, label)
        verdict = int(self.after.argmax())
        show_status(
            self.status,
            f"epsilon {eps:.2f}: the model now reads <b>{verdict}</b> ({self.after[verdict]:.1%} sure)"
            + (" - fooled" if verdict != label else " - still right"),
            markup=True,
        )
        self.view.render()
