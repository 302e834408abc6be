"""What the four panels share: the figure view, the panel base, sliders built from the policy table.

- :class:`FigureView`: a pyplot-free matplotlib ``Figure`` rendered to PNG into one
  ``ipywidgets.Image`` that is updated in place.
- :class:`Panel`: a panel's display. Its ``_repr_mimebundle_`` carries the live widget *and* a PNG
  of the current figure with a one-line text, so a notebook read where no kernel runs (GitHub,
  nbconvert's HTML, a website) shows the panel's picture instead of ``VBox(children=(...``.
- :class:`PolicyPanel`: a panel with lr-policy sliders (the schedule explorer, the training
  panel): ``panel.gamma`` / ``power`` / ``stepsize`` are the controls shown now, ``panel.ax`` its plot.
- :func:`round_values` / :func:`choice_slider`: sliders whose every stop is a round number
  (0.01, 0.02, 0.05; 300 iterations, never 301).
- :class:`PolicyControls`: one control per parameter of every lr policy, with ranges, steps,
  start values and greyed-out state all read from :data:`lenet_course.schedules.POLICY_TABLE`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as W
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..schedules import POLICY_TABLE, SCHEDULE_PARAMS, PolicyParam
from ..viz import plots

__all__ = [
    "FigureView",
    "Panel",
    "PolicyControls",
    "PolicyPanel",
    "choice_slider",
    "observe",
    "param_control",
    "parse_stepvalues",
    "round_values",
    "show_status",
    "side_by_side",
]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The stops of a decade on a log-scale parameter slider: round numbers, about evenly spaced in log.
LOG_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)


class FigureView:
    """A Figure shown as PNG in an ``ipywidgets.Image``; ``render()`` updates it in place."""

    def __init__(self, figsize: tuple[float, float], dpi: int = 80) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.image = W.Image(format="png")
        self.png = b""
        self.renders = 0

    def render(self) -> bytes:
        """Draw the figure to PNG, show it, and return the PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.png = buffer.getvalue()
        self.image.value = self.png
        self.renders += 1
        return self.png

    def fresh_axes(self):
        """The figure cleared, with one new axes."""
        self.figure.clear()
        return self.figure.add_subplot()


class Panel:
    """Display plumbing: ``widget`` is the live box, ``view`` the figure, ``title`` the text line."""

    widget: W.Widget
    view: FigureView
    title: str = "lenet_course panel"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget for a running notebook, plus a PNG and a text line for static readers.

        A front end with the widget manager (JupyterLab, Notebook 7) shows the widget; nbconvert,
        GitHub and other static renderers have no widget state and fall back on the PNG.
        """
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        if not self.view.png:
            self.view.render()
        bundle["image/png"] = base64.b64encode(self.view.png).decode("ascii")
        bundle["text/plain"] = f"{self.title} (a live panel: run the notebook to use it)"
        return bundle


def observe(controls: Iterable[W.Widget], handler: Callable) -> None:
    """Call ``handler`` whenever one of the controls' value changes."""
    for control in controls:
        control.observe(handler, names="value")


def side_by_side(controls: W.Widget, view: W.Widget) -> W.Box:
    """Controls left of the picture, wrapping the picture below them when the page is narrow.

    Without this the flex row squeezes the controls, cutting off slider readouts and the canvas.
    """
    controls.layout.flex = "0 0 auto"
    view.layout.flex = "0 0 auto"
    return W.HBox([controls, view], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))


def show_status(target: W.HTML, text: str, error: bool = False, markup: bool = False) -> None:
    """Put one status line into an HTML widget (red for an error); ``text`` is escaped unless ``markup``."""
    color = plots.WRONG if error else "#333"
    body = text if markup else html.escape(text)
    target.value = f"<span style='color:{color}'>{body}</span>" if text else ""


def parse_stepvalues(text: str) -> tuple[int, ...]:
    """'3000, 6000 8000' -> (3000, 6000, 8000); a clear error for anything else."""
    parts = text.replace(",", " ").split()
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"stepvalue must be whole iterations separated by commas, e.g. '3000, 6000'; got {text!r}"
        ) from None


# ---- round-valued sliders ------------------------------------------------------------------------
def round_values(low: float, high: float, mantissas: Sequence[float] = (1, 2, 5)) -> list[float]:
    """Every ``m * 10**k`` (m in ``mantissas``) from ``low`` to ``high``: 1e-4, 2e-4, 5e-4, 1e-3...

    Each value is parsed from its decimal text, so 0.003 is the float ``0.003`` and not
    ``3 * 0.001`` (which differs in the last bit): a slider stop then equals the number typed.
    """
    if not 0 < low <= high:
        raise ValueError(f"round_values needs 0 < low <= high, got {low}, {high}")
    out: list[float] = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in mantissas:
            value = float(f"{m}e{exponent}")
            if low * (1 - 1e-12) <= value <= high * (1 + 1e-12):
                out.append(value)
    return out


def _label(value: float) -> str:
    return f"{value:g}" if not float(value).is_integer() else f"{int(value)}"


def choice_slider(
    description: str, values: Sequence[float], value: float, *, integer: bool = False, style: dict | None = None
) -> W.SelectionSlider:
    """A slider that stops only at ``values``; ``value`` is added as a stop if it is not one."""
    stops = sorted({*values, value})
    cast = int if integer else float
    options = [(_label(v), cast(v)) for v in stops]
    return W.SelectionSlider(
        options=options, value=cast(value), description=description, continuous_update=True, style=style or {}
    )


def _decimals(step: float) -> int:
    """How many decimals show a value on a grid of ``step`` exactly (0.05 -> 2, 1e-5 -> 5)."""
    text = f"{step:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _snap(value: float, spec: PolicyParam) -> float:
    """``value`` clamped into the parameter's slider range and moved onto its nearest stop."""
    r = spec.slider
    value = min(max(value, r.min), r.max)
    if r.log:
        stops = round((math.log10(value) - math.log10(r.min)) / r.step)
        return float(f"{10 ** (math.log10(r.min) + stops * r.step):.3g}")
    return round(r.min + round((value - r.min) / r.step) * r.step, _decimals(r.step))


def param_control(spec: PolicyParam, value: Any = None, *, style: dict | None = None) -> W.Widget:
    """The control for one policy parameter, with the table's range and step (start: ``value`` or typical).

    A float parameter gets a FloatSlider whose readout shows every stop exactly (where the table
    says ``log``: a slider over round values, :data:`LOG_MANTISSAS` per decade); stepsize an
    IntSlider; multistep's stepvalues a text box.
    """
    style = style or {}
    r = spec.slider
    if spec.kind == "steps":
        steps = spec.typical_steps() if value is None else value
        return W.Text(
            value=", ".join(str(int(v)) for v in steps), description=spec.name, continuous_update=False, style=style
        )
    start = spec.typical_number() if value is None else value
    if spec.kind == "int":
        return W.IntSlider(
            value=int(_snap(start, spec)),
            min=int(r.min),
            max=int(r.max),
            step=int(r.step),
            description=spec.name,
            style=style,
        )
    if r.log:  # round stops (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 per decade), not 10^(k * step) = 0.0177828
        stops = round_values(r.min, r.max, LOG_MANTISSAS)
        nearest = min(stops, key=lambda v: abs(math.log10(v) - math.log10(max(start, r.min))))
        return choice_slider(spec.name, stops, nearest, style=style)
    return W.FloatSlider(
        value=_snap(start, spec),
        min=r.min,
        max=r.max,
        step=r.step,
        description=spec.name,
        readout_format=f".{_decimals(r.step)}f",
        style=style,
    )


class PolicyControls:
    """One control per (policy, parameter), shown one policy at a time in fixed slots.

    ``slots[name]`` is a box holding the current policy's control for ``name`` (gamma, power,
    stepsize, stepvalue) or, if the policy does not read it, the last one shown, greyed out.
    Each policy keeps its own values, so switching away and back finds them as they were; every
    control starts at ``start[(policy, name)]``, else the table's typical value.
    """

    def __init__(
        self,
        policies: Sequence[str],
        policy: str,
        start: dict[tuple[str, str], Any] | None = None,
        *,
        style: dict | None = None,
        names: Sequence[str] = SCHEDULE_PARAMS,
    ) -> None:
        start = start or {}
        self.names = tuple(names)
        self.controls: dict[str, dict[str, W.Widget]] = {
            p: {
                spec.name: param_control(spec, start.get((p, spec.name)), style=style)
                for spec in POLICY_TABLE[p].params
                if spec.name in self.names
            }
            for p in policies
        }
        self.start_values = {(p, n): c.value for p, cs in self.controls.items() for n, c in cs.items()}
        first_owner = {n: next((cs[n] for cs in self.controls.values() if n in cs), None) for n in self.names}
        self.slots: dict[str, W.Box] = {
            n: W.Box([first_owner[n]] if first_owner[n] is not None else []) for n in self.names
        }
        self.policy = policy
        self.show(policy)

    def all_controls(self) -> list[W.Widget]:
        return [c for cs in self.controls.values() for c in cs.values()]

    def show(self, policy: str) -> None:
        """Put ``policy``'s controls in the slots (enabled) and grey out the parameters it does not read."""
        self.policy = policy
        own = self.controls[policy]
        for name, slot in self.slots.items():
            if name in own:
                slot.children = (own[name],)
            for control in slot.children:
                control.disabled = name not in own
        for p, cs in self.controls.items():
            for control in cs.values():
                control.disabled = p != policy

    def current(self, name: str) -> W.Widget:
        """The control shown for ``name`` now (greyed out if the current policy does not read it)."""
        return self.slots[name].children[0]

    def values(self) -> dict[str, Any]:
        """The current policy's parameter values (stepvalue parsed into a tuple of ints)."""
        out: dict[str, Any] = {}
        for name, control in self.controls[self.policy].items():
            out[name] = parse_stepvalues(control.value) if name == "stepvalue" else control.value
        return out

    def restore(self) -> None:
        """Every control back to its start value."""
        for (p, name), value in self.start_values.items():
            self.controls[p][name].value = value


class PolicyPanel(Panel):
    """A panel whose lr policy's parameters are on :class:`PolicyControls` (``params``), over one plot.

    The controls are reached by name, ``panel.gamma.value = 0.5``; each is the one shown now,
    greyed out where the current policy does not read it.
    """

    params: PolicyControls

    @property
    def gamma(self) -> W.Widget:
        return self.params.current("gamma")

    @property
    def power(self) -> W.Widget:
        return self.params.current("power")

    @property
    def stepsize(self) -> W.Widget:
        return self.params.current("stepsize")

    @property
    def ax(self):
        """The axes the panel draws its curve on (the first of its figure)."""
        return self.view.figure.axes[0]
