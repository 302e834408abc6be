"""The schedule explorer: a Caffe lr policy, its parameters on sliders, its curve and formula.

Every slider's range, step, start value and greyed-out state comes from
:data:`lenet_course.schedules.POLICY_TABLE`; each policy has its own gamma slider, so exp's fine
gamma (0.99977 = a tenth after 10,000 iterations) and sigmoid's negative one are both reachable.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np

from ..config import SolverConfig
from ..schedules import POLICIES, POLICY_TABLE, formula_with_values, get_policy, lr_curve
from ..viz import plots
from .view import (
    FigureView,
    PolicyControls,
    PolicyPanel,
    choice_slider,
    observe,
    round_values,
    show_status,
    side_by_side,
)

#: max_iter stops: round numbers in half steps of each decade (100, 150, ... 950, 1000, 1500, ... 50,000):
#: 46 stops, so a drag moves by a few hundred iterations around a thousand, not by thousands.
MAX_ITER_STOPS = tuple(int(v) for v in round_values(100, 50000, tuple(i / 2 for i in range(2, 20))))
#: base_lr stops: 1-2-5 per decade, 1e-5 to 1.
BASE_LR_STOPS = tuple(round_values(1e-5, 1.0, (1, 2, 5)))


def schedule_config(base: SolverConfig, policy: str, **values: Any) -> SolverConfig:
    """``base`` switched to ``policy`` with the given values; values the policy ignores are dropped.

    ``values`` may hold base_lr, momentum, max_iter (always applied) and gamma, power, stepsize,
    stepvalue (applied only where the policy uses them, as POLICY_TABLE says).
    """
    uses = get_policy(policy).uses
    general = {k: values[k] for k in ("base_lr", "momentum", "max_iter") if k in values}
    params = {k: values[k] for k in uses if k in values}
    return base.replace(**general).with_policy(policy, **params)


def _start_values(cfg: SolverConfig) -> dict[tuple[str, str], Any]:
    """The config's own values for its policy's sliders (the other policies start from the table)."""
    spec = POLICY_TABLE[cfg.lr_policy]
    return {(cfg.lr_policy, name): getattr(cfg, name) for name in spec.uses if getattr(cfg, name) not in (None, ())}


class ScheduleExplorer(PolicyPanel):
    """Move a policy's parameters and watch the lr curve and its formula follow."""

    title = "Schedule explorer: a Caffe lr policy and its curve"

    def __init__(self, cfg: SolverConfig | None = None, figsize: tuple[float, float] = (7.5, 3.6)) -> None:
        cfg = cfg or SolverConfig()
        self.base = cfg
        style = {"description_width": "70px"}
        self.policy = W.Dropdown(options=POLICIES, value=cfg.lr_policy, description="lr_policy", style=style)
        self.base_lr = choice_slider("base_lr", BASE_LR_STOPS, cfg.base_lr, style=style)
        self.max_iter = choice_slider("max_iter", MAX_ITER_STOPS, cfg.max_iter, integer=True, style=style)
        self.params = PolicyControls(POLICIES, cfg.lr_policy, _start_values(cfg), style=style)
        self.log_scale = W.Checkbox(value=False, description="log scale")
        self.formula = W.HTML()
        self.message = W.HTML()
        self.view = FigureView(figsize)
        self._quiet = False
        self.policy.observe(self._policy_changed, names="value")
        observe([self.base_lr, self.max_iter, self.log_scale, *self.params.all_controls()], self.update)
        slots = [self.params.slots[name] for name in ("gamma", "power", "stepsize", "stepvalue")]
        controls = W.VBox([self.policy, self.base_lr, *slots, self.max_iter, self.log_scale])
        self.widget = W.VBox([side_by_side(controls, self.view.image), self.formula, self.message])
        self.widget.add_class("lenet-schedule-explorer")  # a stable hook for the browser tests
        self.update()

    @property
    def stepvalue(self) -> W.Widget:
        """multistep's stepvalue box (gamma, power and stepsize: see :class:`~.view.PolicyPanel`)."""
        return self.params.current("stepvalue")

    @property
    def config(self) -> SolverConfig:
        """The configuration the controls describe (raises a ValueError naming a bad value)."""
        return schedule_config(
            self.base,
            self.policy.value,
            base_lr=self.base_lr.value,
            max_iter=self.max_iter.value,
            **self.params.values(),
        )

    def _policy_changed(self, change: dict) -> None:
        self.params.show(change["new"])
        self.update()

    def update(self, change: dict | None = None) -> None:
        """Redraw the curve and the formula from the controls; a bad value is reported, never raised."""
        if self._quiet:
            return
        try:
            cfg = self.config
            curve = lr_curve(np.arange(cfg.max_iter + 1), cfg)
            formula = (
                f"<code>lr = {formula_with_values(cfg)}</code><br>"
                f"<code>lr(0) = {formula_with_values(cfg, 0).split('= ')[-1]}, "
                f"lr({cfg.max_iter}) = {formula_with_values(cfg, cfg.max_iter).split('= ')[-1]}</code>"
            )
            plots.plot_lr_schedules(cfg, ax=self.view.fresh_axes(), log_scale=self.log_scale.value)
        except (ValueError, OverflowError, FloatingPointError) as err:
            show_status(self.message, str(err), error=True)
            return
        self.formula.value = formula
        show_status(self.message, _overflow_note(curve))
        self.view.render()


def _overflow_note(curve: np.ndarray) -> str:
    """A line for a curve that leaves the float range (drawn only where it is finite)."""
    bad = np.flatnonzero(~np.isfinite(curve))
    if not len(bad):
        return ""
    return (
        f"the rate is too large for a float (inf) from iteration {int(bad[0])} on; "
        "the curve stops there: use a smaller gamma or fewer iterations"
    )
