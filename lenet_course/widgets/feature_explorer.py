"""The feature-map explorer: pick a test digit and a layer; see its outputs and the prediction.

One :func:`lenet_course.features.look` call per update gives both (one forward pass).
"""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import torch
from torch import nn

from .. import features
from ..data import load_mnist
from .look import default_layer, draw_look, layer_options
from .view import FigureView, Panel, observe


class FeatureMapExplorer(Panel):
    """A test-image slider (one image per step, with previous/next buttons) and a layer list."""

    title = "Feature-map explorer: a test digit, one layer's outputs, the prediction"

    def __init__(
        self,
        model: nn.Module,
        images: np.ndarray | torch.Tensor | None = None,
        labels: np.ndarray | torch.Tensor | None = None,
        *,
        count: int = 500,
        root: str | None = None,
        figsize: tuple[float, float] = (9, 4),
    ) -> None:
        if images is None:
            test_images, test_labels = load_mnist("test", root)
            images, labels = test_images[:count], test_labels[:count]
        self.model = model
        self.images = np.asarray(images, dtype=np.uint8)
        self.labels = None if labels is None else np.asarray(labels)
        self.index = W.IntSlider(value=0, min=0, max=len(self.images) - 1, step=1, description="test image")
        self.previous_button = W.Button(
            description="", icon="chevron-left", tooltip="previous image", layout=W.Layout(width="36px")
        )
        self.next_button = W.Button(
            description="", icon="chevron-right", tooltip="next image", layout=W.Layout(width="36px")
        )
        options = layer_options(model)
        self.layer = W.Dropdown(options=options, value=default_layer(model), description="layer")
        self._output_layer = options[-1]
        self.view = FigureView(figsize)
        self.look: features.Look | None = None
        observe([self.index, self.layer], self.update)
        self.previous_button.on_click(lambda _b: self.step(-1))
        self.next_button.on_click(lambda _b: self.step(+1))
        row = W.HBox([self.index, self.previous_button, self.next_button, self.layer])
        self.widget = W.VBox([row, self.view.image])
        self.widget.add_class("lenet-feature-explorer")
        self.update()

    @property
    def probabilities(self) -> np.ndarray:
        assert self.look is not None
        return self.look.probabilities

    @property
    def maps(self) -> np.ndarray:
        assert self.look is not None
        return self.look.maps

    def step(self, by: int) -> None:
        """Move the image slider ``by`` images (clamped to the ends)."""
        self.index.value = int(np.clip(self.index.value + by, self.index.min, self.index.max))

    def update(self, change: dict | None = None) -> None:
        digit = self.images[self.index.value]
        self.look = features.look(self.model, digit, self.layer.value)
        label = None if self.labels is None else int(self.labels[self.index.value])
        draw_look(
            self.view.figure,
            digit,
            self.look,
            self.layer.value,
            label=label,
            is_output=self.layer.value == self._output_layer,
        )
        self.view.render()
