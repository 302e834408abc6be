"""Draw a digit with the mouse; it is made MNIST-like (28x28, centred) and classified.

Nothing is classified until there is something to classify: a blank canvas asks for a digit, and
ink too small to be a digit (a lone dot; see :data:`lenet_course.preprocess.MIN_DIGIT_EXTENT`)
says so rather than blowing the dot up and reporting a confident "0". Otherwise one
:func:`lenet_course.features.look` call gives the prediction and the layer's outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import numpy as np
from torch import nn

from .. import features
from ..preprocess import FIELD, MIN_DIGIT_EXTENT, ink_extent, mnist_style, stamp_segment
from .look import default_layer, draw_look, layer_options
from .view import FigureView, Panel, show_status, side_by_side

BLANK = "draw a digit on the black square"


class DrawDigit(Panel):
    """Draw with the mouse; on release the drawing is made MNIST-like and classified.

    The ink is kept as a numpy raster updated by the same mouse handlers the canvas calls, so the
    panel also works without a browser: ``panel.draw([(x0, y0), (x1, y1), ...])`` draws a stroke.
    """

    title = "Draw a digit: the model classifies your drawing"

    def __init__(
        self, model: nn.Module, size: int = 280, brush: float | None = None, figsize: tuple[float, float] = (9, 4)
    ) -> None:
        from ipycanvas import Canvas  # only this panel needs it

        self.model = model
        self.size = size
        self.radius = (brush or size / 12) / 2
        self.canvas = Canvas(width=size, height=size)
        self.canvas.layout.border = "1px solid #999"
        self.canvas.layout.width = self.canvas.layout.height = f"{size}px"  # 1:1, not stretched to the row
        self.ink = np.zeros((size, size), dtype=np.float32)
        self.digit = np.zeros((FIELD, FIELD), dtype=np.uint8)
        self.look: features.Look | None = None
        options = layer_options(model)
        self.layer = W.Dropdown(options=options, value=default_layer(model), description="layer")
        self._output_layer = options[-1]
        self.clear_button = W.Button(description="Clear", icon="eraser")
        self.view = FigureView(figsize)
        self._last: tuple[float, float] | None = None
        self.canvas.on_mouse_down(self.on_mouse_down)
        self.canvas.on_mouse_move(self.on_mouse_move)
        self.canvas.on_mouse_up(self.on_mouse_up)
        self.canvas.on_mouse_out(self.on_mouse_up)
        self.clear_button.on_click(lambda _b: self.clear())
        self.layer.observe(self.update, names="value")
        self.prediction = W.HTML()  # the verdict as text, readable without looking at the figure
        left = W.VBox([self.canvas, W.HBox([self.clear_button, self.layer]), self.prediction])
        self.widget = side_by_side(left, self.view.image)
        self.widget.add_class("lenet-draw-digit")
        self.clear()

    @property
    def probabilities(self) -> np.ndarray | None:
        """The class probabilities of the drawing, or None when it is blank or not a digit."""
        return None if self.look is None else self.look.probabilities

    @property
    def maps(self) -> np.ndarray | None:
        return None if self.look is None else self.look.maps

    def _segment(self, p0: tuple[float, float], p1: tuple[float, float]) -> None:
        stamp_segment(self.ink, p0, p1, self.radius)
        self.canvas.stroke_line(p0[0], p0[1], p1[0], p1[1])

    def on_mouse_down(self, x: float, y: float) -> None:
        self._last = (x, y)
        self._segment((x, y), (x, y))

    def on_mouse_move(self, x: float, y: float) -> None:
        if self._last is not None:
            self._segment(self._last, (x, y))
            self._last = (x, y)

    def on_mouse_up(self, x: float, y: float) -> None:
        if self._last is not None:
            self._last = None
            self.update()

    def draw(self, points: Sequence[tuple[float, float]]) -> None:
        """One stroke through ``points`` (canvas pixels), as if drawn with the mouse."""
        (x, y), rest = points[0], points[1:]
        self.on_mouse_down(x, y)
        for px, py in rest:
            self.on_mouse_move(px, py)
        self.on_mouse_up(*points[-1])

    def clear(self) -> None:
        self.ink[:] = 0
        self.canvas.fill_style = "black"
        self.canvas.fill_rect(0, 0, self.size, self.size)
        self.canvas.stroke_style = "white"
        self.canvas.line_width = 2 * self.radius
        self.canvas.line_cap = "round"
        self.update()

    def _why_not_a_digit(self) -> str:
        """'' for a drawing worth classifying, else what to do instead."""
        extent = ink_extent(self.ink)
        if extent == 0:
            return BLANK
        if extent < MIN_DIGIT_EXTENT:
            return (
                f"too little ink to be a digit (it spans {extent * FIELD:.1f} of 28 pixels; a digit needs "
                f"at least {MIN_DIGIT_EXTENT * FIELD:.0f}): draw a whole digit"
            )
        return ""

    def update(self, change: dict | None = None) -> None:
        """Preprocess the ink as MNIST was, classify it if it can be a digit, draw what the model sees."""
        self.digit = mnist_style(self.ink)
        reason = self._why_not_a_digit()
        self.look = None if reason else features.look(self.model, self.digit, self.layer.value)
        draw_look(
            self.view.figure,
            self.digit,
            self.look,
            self.layer.value,
            empty_reason=reason,
            is_output=self.layer.value == self._output_layer,
        )
        if self.look is None:
            show_status(self.prediction, reason)
        else:
            best = int(self.look.probabilities.argmax())
            show_status(
                self.prediction, f"prediction: <b>{best}</b> ({self.look.probabilities[best]:.1%} sure)", markup=True
            )
        self.view.render()
