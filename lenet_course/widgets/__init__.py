"""Four ipywidgets panels that wire controls to the library's computations and plots.

1. :class:`ScheduleExplorer` (``schedule_explorer``): a Caffe lr policy, its parameters on
   sliders read from ``schedules.POLICY_TABLE``, its curve and formula.
2. :class:`TrainingPanel` (``training_panel``): train a model live; sliders act at the next
   iteration; Stop and Reset.
3. :class:`FeatureMapExplorer` (``feature_explorer``): pick a test digit and a layer; see its
   outputs and the predicted classes.
4. :class:`DrawDigit` (``draw_digit``): draw a digit with the mouse; it is made MNIST-like and
   classified.

What they share lives in ``view`` (the figure view, the panel base with its static PNG, sliders
from the policy table) and ``look`` (the digit/probabilities/layer figure). Each panel is an
object: its controls are attributes (``panel.gamma.value = 0.5``, ``panel.train_button.click()``),
``panel.widget`` is the box to display, and a panel left as the last expression of a cell displays
itself, with a PNG of its figure for readers without a kernel.
"""

from __future__ import annotations

from .draw_digit import DrawDigit
from .feature_explorer import FeatureMapExplorer
from .schedule_explorer import ScheduleExplorer, schedule_config
from .training_panel import TrainingPanel
from .view import parse_stepvalues

__all__ = [
    "DrawDigit",
    "FeatureMapExplorer",
    "ScheduleExplorer",
    "TrainingPanel",
    "parse_stepvalues",
    "schedule_config",
]
