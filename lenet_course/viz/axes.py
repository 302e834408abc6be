"""Where a figure is drawn: on the caller's axes or figure, or on a new pyplot one.

Every plotting function of the course takes an optional ``ax`` (or ``fig`` for multi-panel figures)
and goes through these two helpers, so the same function draws inline in a notebook (a new pyplot
figure, which Jupyter shows by itself), into a widget's figure, or onto an Agg figure in a test.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself when given, else the axes of a new constrained-layout figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, made = plt.subplots(figsize=figsize, layout="constrained")
    return made


def new_figure(fig: Figure | None, figsize: tuple[float, float]) -> Figure:
    """``fig`` cleared for redrawing when given, else a new constrained-layout figure of ``figsize``."""
    if fig is None:
        return plt.figure(figsize=figsize, layout="constrained")
    fig.clear()
    return fig
