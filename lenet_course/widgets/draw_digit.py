"""Draw a digit with the mouse; it is made MNIST-like (28x28, centred) and classified.

Nothing is classified until there is something to classify: a blank canvas asks for a digit, and
ink too small to be a digit (a lone dot; see :data:`lenet_course.preprocess.MIN_DIGIT_EXTENT`)
says so rather than blowing the dot up and reporting a confident "0". Otherwise one
:func:`lenet_course.features.look` call gives the prediction and the layer's outputs.

With ``explain=True`` (lesson 10) a second row explains the answer for the learner's own drawing:
its gradient saliency (:func:`lenet_course.robustness.saliency`) and an FGSM nudge of the size on
the epsilon slider, away from the model's own answer (:func:`lenet_course.robustness.fgsm`), with
the smallest nudge on the slider that changes the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as W
import numpy as np
from torch import nn

from .. import features, robustness
from ..preprocess import FIELD, MIN_DIGIT_EXTENT, ink_extent, mnist_style, stamp_segment
from ..viz.robustness import plot_heat_over_digit
from .adversarial import draw_nudge, epsilon_slider, epsilon_stops
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
        self,
        model: nn.Module,
        size: int = 280,
        brush: float | None = None,
        figsize: tuple[float, float] | None = None,
        *,
        explain: bool = False,
        epsilon: float = 0.1,
    ) -> None:
        """``explain`` adds the saliency map and the FGSM nudge (an epsilon slider starting at ``epsilon``)."""
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
        self._reason = BLANK
        options = layer_options(model)
        self.layer = W.Dropdown(options=options, value=default_layer(model), description="layer")
        self._output_layer = options[-1]
        self.clear_button = W.Button(description="Clear", icon="eraser")
        self.explain = explain
        self.view = FigureView(figsize or ((9, 6.8) if explain else (9, 4)))
        self.epsilon = epsilon_slider(epsilon)
        self.nudge_status = W.HTML()
        self.saliency: np.ndarray | None = None  # |d score / d pixel| of the drawing, when explained
        self.nudged_probabilities: np.ndarray | None = None
        self.flip_epsilon: float | None = None  # the smallest slider stop that changes the answer
        self._last: tuple[float, float] | None = None
        self.canvas.on_mouse_down(self.on_mouse_down)
        self.canvas.on_mouse_move(self.on_mouse_move)
        self.canvas.on_mouse_up(self.on_mouse_up)
        self.canvas.on_mouse_out(self.on_mouse_up)
        self.clear_button.on_click(lambda _b: self.clear())
        self.layer.observe(self.update, names="value")
        self.prediction = W.HTML()  # the verdict as text, readable without looking at the figure
        rows = [self.canvas, W.HBox([self.clear_button, self.layer]), self.prediction]
        if explain:
            self.epsilon.observe(lambda _c: self.redraw(), names="value")
            rows += [self.epsilon, self.nudge_status]
        left = W.VBox(rows)
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
        self._reason = self._why_not_a_digit()
        self.look = None if self._reason else features.look(self.model, self.digit, self.layer.value)
        if self.look is None:
            show_status(self.prediction, self._reason)
        else:
            best = int(self.look.probabilities.argmax())
            show_status(
                self.prediction, f"prediction: <b>{best}</b> ({self.look.probabilities[best]:.1%} sure)", markup=True
            )
        if self.explain:
            self._explain_drawing()
        self.redraw()

    def _explain_drawing(self) -> None:
        """Saliency of the drawing and the smallest nudge that flips it (once per drawing, not per slider move)."""
        if self.look is None:
            self.saliency, self.flip_epsilon = None, None
            return
        answer = int(self.look.probabilities.argmax())
        self.saliency = robustness.saliency(self.model, self.digit, answer)[0]
        self.flip_epsilon = robustness.smallest_flipping_epsilon(self.model, self.digit, answer, epsilon_stops())

    def redraw(self) -> None:
        """Draw the figure (and, when explaining, the nudge of the slider's epsilon) for the current drawing."""
        fig = self.view.figure
        if not self.explain:
            self._draw_look(fig)
            self.view.render()
            return
        fig.clear()
        parts: Any = fig.subfigures(2, 1, height_ratios=[1, 0.72])
        self._draw_look(parts[0])
        self._draw_explanation(parts[1])
        self.view.render()

    def _draw_look(self, fig) -> None:
        draw_look(
            fig,
            self.digit,
            self.look,
            self.layer.value,
            empty_reason=self._reason,
            is_output=self.layer.value == self._output_layer,
        )

    def _draw_explanation(self, fig) -> None:
        axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1, 2]})
        eps = float(self.epsilon.value)
        if self.look is None or self.saliency is None:
            self.nudged_probabilities = None
            for ax in axes:
                ax.set_axis_off()
            axes[0].text(0, 0.5, "saliency and nudge: nothing to explain yet", fontsize=10, color="#555")
            show_status(self.nudge_status, "")
            return
        answer = int(self.look.probabilities.argmax())
        pixels = robustness.as_pixels(self.digit)
        nudged = robustness.fgsm(self.model, pixels, [answer], eps)
        self.nudged_probabilities = robustness.predict_probabilities(self.model, nudged)[0]
        plot_heat_over_digit(self.digit, self.saliency, axes[0], "saliency\n|d score / d pixel|")
        draw_nudge(
            axes[1:],
            pixels[0, 0].numpy(),
            nudged[0, 0].numpy(),
            eps,
            self.look.probabilities,
            self.nudged_probabilities,
        )
        now = int(self.nudged_probabilities.argmax())
        verdict = f"nudged by epsilon {eps:.2f}: read as <b>{now}</b> ({self.nudged_probabilities[now]:.1%} sure)"
        verdict += "; the answer changed" if now != answer else "; the answer held"
        if self.flip_epsilon is None:
            verdict += f". No epsilon up to {epsilon_stops()[-1]:.2f} changes it."
        else:
            verdict += f". The smallest epsilon that changes it: {self.flip_epsilon:.2f}."
        show_status(self.nudge_status, verdict, markup=True)
