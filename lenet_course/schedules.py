"""Caffe's learning-rate policies, computed exactly as Caffe's ``SGDSolver::GetLearningRate`` does.

:data:`POLICY_TABLE` is the one description of the seven policies: for each, the parameters it
reads, the values a lesson or a slider starts from, the slider ranges, and the formula as text.
Everything else here derives from it: :func:`validate_policy`, :func:`ignored_params` (which
``SolverConfig`` uses to drop and warn about parameters a policy does not read),
:func:`formula_with_values`, and the name tuple :data:`POLICIES` and the :data:`FORMULAS` view.

One scalar function (:func:`lr_at`) is the reference; :func:`lr_curve` evaluates the same formulas
on a whole array of iterations for plotting, and :func:`lambda_lr` lets any torch optimizer follow
a Caffe policy through ``torch.optim.lr_scheduler.LambdaLR``. Neither ever raises OverflowError:
a rate too large for a float is ``math.inf``, one too small is ``0.0``.

Reading the table (for widgets and exercises)::

    from lenet_course.schedules import POLICY_TABLE
    policy = POLICY_TABLE["exp"]
    policy.uses                   # ('gamma',)
    policy.typical()              # {'gamma': 0.99977}
    policy.param("gamma").slider  # SliderRange(min=0.999, max=0.99999, step=1e-05, log=False)
    policy.formula                # 'base_lr * gamma ^ iter'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:  # torch is imported only when lambda_lr is called
    from torch.optim import Optimizer
    from torch.optim.lr_scheduler import LambdaLR

_T = TypeVar("_T")


@dataclass(frozen=True)
class SliderRange:
    """Where a slider for one parameter should go.

    With ``log=False`` the slider runs from ``min`` to ``max`` in steps of ``step`` (value units).
    With ``log=True`` it is a base-10 log slider (ipywidgets' ``FloatLogSlider``): ``min`` and
    ``max`` are still values, and ``step`` is in powers of ten (0.05 = twenty stops a decade).
    """

    min: float
    max: float
    step: float
    log: bool = False

    def reaches(self, value: float) -> bool:
        """True if ``value`` lies in the range and on one of the slider's stops."""
        if not self.min <= value <= self.max:
            return False
        if self.log:
            stops = (math.log10(value) - math.log10(self.min)) / self.step
        else:
            stops = (value - self.min) / self.step
        return abs(stops - round(stops)) < 1e-6


@dataclass(frozen=True)
class PolicyParam:
    """One parameter a policy reads: its rule, a typical value and a slider range.

    ``kind`` is "float", "int" (stepsize) or "steps" (multistep's increasing stepvalues).
    ``minimum``/``exclusive`` state the rule: the value must be > minimum (exclusive) or
    >= minimum; ``minimum=None`` allows any finite value.
    """

    name: str
    kind: str
    typical: float | int | tuple[int, ...]
    slider: SliderRange
    minimum: float | None
    exclusive: bool
    meaning: str

    @property
    def rule(self) -> str:
        """The rule in words, for error messages: '>= 0', '> 0' or 'finite'."""
        if self.minimum is None:
            return "a finite number"
        return f"{'>' if self.exclusive else '>='} {self.minimum:g}"

    def typical_number(self) -> float:
        """``typical`` of a "float" or "int" parameter; ValueError for multistep's stepvalue list."""
        if isinstance(self.typical, tuple):
            raise ValueError(f"{self.name} is a list of iterations; use typical_steps()")
        return self.typical

    def typical_steps(self) -> tuple[int, ...]:
        """``typical`` of the "steps" parameter (stepvalue); ValueError for a single number."""
        if not isinstance(self.typical, tuple):
            raise ValueError(f"{self.name} is a single number; use typical_number()")
        return self.typical


@dataclass(frozen=True)
class Policy:
    """One of Caffe's lr policies: what it reads and how it is written down."""

    name: str
    formula: str
    params: tuple[PolicyParam, ...]
    uses_max_iter: bool
    summary: str

    @property
    def uses(self) -> tuple[str, ...]:
        """Names of the schedule fields this policy reads (besides base_lr)."""
        return tuple(p.name for p in self.params)

    def typical(self) -> dict[str, Any]:
        """The values a lesson or a slider starts from, e.g. ``{'gamma': 0.1, 'stepsize': 3000}``."""
        return {p.name: p.typical for p in self.params}

    def param(self, name: str) -> PolicyParam:
        """The description of one parameter; KeyError if this policy does not read it."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"lr_policy {self.name!r} does not use {name!r}; it uses {self.uses or 'nothing'}")


#: Every optional schedule field of SolverParameter; a policy reads some of them, Caffe ignores the rest.
SCHEDULE_PARAMS: tuple[str, ...] = ("gamma", "power", "stepsize", "stepvalue")

_STEPSIZE = SliderRange(100, 20000, 100)
_DECAY_FACTOR = SliderRange(0.01, 1.0, 0.01)


def _gamma(typical: float, slider: SliderRange, meaning: str, minimum: float | None = 0.0) -> PolicyParam:
    return PolicyParam("gamma", "float", typical, slider, minimum, False, meaning)


def _stepsize(typical: int, meaning: str) -> PolicyParam:
    return PolicyParam("stepsize", "int", typical, _STEPSIZE, 0, True, meaning)


def _power(typical: float, slider: SliderRange, meaning: str) -> PolicyParam:
    return PolicyParam("power", "float", typical, slider, None, False, meaning)


_TABLE: dict[str, Policy] = {
    "fixed": Policy("fixed", "base_lr", (), False, "the rate never changes"),
    "step": Policy(
        "step",
        "base_lr * gamma ^ floor(iter / stepsize)",
        (
            _gamma(0.1, _DECAY_FACTOR, "the factor applied at every step"),
            _stepsize(3000, "iterations between two drops"),
        ),
        False,
        "drops by a factor gamma every stepsize iterations",
    ),
    "exp": Policy(
        "exp",
        "base_lr * gamma ^ iter",
        # 0.99977 ^ 10000 = 0.100: a tenth of base_lr after the LeNet run's 10,000 iterations.
        (_gamma(0.99977, SliderRange(0.999, 0.99999, 0.00001), "the factor applied every iteration"),),
        False,
        "shrinks by a factor gamma every iteration",
    ),
    "inv": Policy(
        "inv",
        "base_lr * (1 + gamma * iter) ^ (-power)",
        (
            _gamma(1e-4, SliderRange(1e-6, 1e-1, 0.05, log=True), "how fast the decay sets in"),
            _power(0.75, SliderRange(0.05, 3.0, 0.05), "how steep the decay is"),
        ),
        False,
        "falls ever more slowly (the LeNet solver's policy)",
    ),
    "multistep": Policy(
        "multistep",
        "base_lr * gamma ^ (number of stepvalues <= iter)",
        # Caffe's examples/mnist/lenet_multistep_solver.prototxt.
        (
            _gamma(0.9, _DECAY_FACTOR, "the factor applied at every stepvalue"),
            PolicyParam(
                "stepvalue",
                "steps",
                (5000, 7000, 8000, 9000, 9500),
                SliderRange(0, 50000, 100),
                0,
                False,
                "the iterations where the rate drops, increasing",
            ),
        ),
        False,
        "drops by a factor gamma at each listed stepvalue",
    ),
    "poly": Policy(
        "poly",
        "base_lr * (1 - iter / max_iter) ^ power",
        (_power(1.0, SliderRange(0.05, 4.0, 0.05), "1 is a straight line to 0, 2 a parabola"),),
        True,
        "reaches exactly 0 at max_iter",
    ),
    "sigmoid": Policy(
        "sigmoid",
        "base_lr * 1 / (1 + exp(-gamma * (iter - stepsize)))",
        # A negative gamma turns Caffe's rising sigmoid into a decay centred on stepsize.
        (
            _gamma(
                -0.001, SliderRange(-0.01, 0.01, 0.0001), "the slope: negative decays, positive rises", minimum=None
            ),
            _stepsize(5000, "the iteration where the rate is base_lr / 2"),
        ),
        False,
        "an S-shaped change centred on stepsize",
    ),
}

#: The seven policies by name, in Caffe's order. Read-only.
POLICY_TABLE: Mapping[str, Policy] = MappingProxyType(_TABLE)
#: The policy names, in Caffe's order (what dropdowns and ``--lr-policy`` offer).
POLICIES: tuple[str, ...] = tuple(POLICY_TABLE)
#: The formula of each policy, as the lessons print it (a view of POLICY_TABLE).
FORMULAS: Mapping[str, str] = MappingProxyType({name: p.formula for name, p in POLICY_TABLE.items()})


class PolicyParams(Protocol):
    """Anything carrying Caffe's schedule fields (``SolverConfig`` does)."""

    # Read-only members, so that a frozen dataclass such as SolverConfig satisfies the protocol.
    @property
    def base_lr(self) -> float: ...
    @property
    def lr_policy(self) -> str: ...
    @property
    def gamma(self) -> float | None: ...
    @property
    def power(self) -> float | None: ...
    @property
    def stepsize(self) -> int | None: ...
    @property
    def stepvalue(self) -> Sequence[int]: ...
    @property
    def max_iter(self) -> int: ...


class ScheduleError(ValueError):
    """A learning-rate policy or one of its parameters is invalid."""


def get_policy(name: str) -> Policy:
    """The table entry for ``name``; a ScheduleError listing the valid names otherwise."""
    if not isinstance(name, str) or name not in POLICY_TABLE:
        raise ScheduleError(f"unknown lr_policy {name!r}; valid policies are: {', '.join(POLICIES)}")
    return POLICY_TABLE[name]


def is_unset(name: str, value: Any) -> bool:
    """True if a schedule field holds "not given" (None, or no stepvalues)."""
    if name == "stepvalue":
        return value is None or (not isinstance(value, str) and len(value) == 0)
    return value is None


def ignored_params(policy: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The schedule fields in ``values`` that are set but that ``policy`` does not read.

    Caffe ignores such fields; ``SolverConfig`` drops them with a warning naming them.
    """
    uses = get_policy(policy).uses
    return tuple(n for n in SCHEDULE_PARAMS if n in values and n not in uses and not is_unset(n, values[n]))


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_param(policy: Policy, spec: PolicyParam, value: Any) -> None:
    if is_unset(spec.name, value):
        example = list(spec.typical) if isinstance(spec.typical, tuple) else spec.typical
        raise ScheduleError(
            f"lr_policy {policy.name!r} needs {spec.name} ({spec.meaning}); "
            f"set {spec.name} (typical: {spec.name}={example})"
        )
    if spec.kind == "steps":
        _check_steps(list(value))
        return
    if spec.kind == "int":
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        ok = _is_number(value) and math.isfinite(value)
    if ok and spec.minimum is not None:
        ok = value > spec.minimum if spec.exclusive else value >= spec.minimum
    if not ok:
        whole = "a whole number " if spec.kind == "int" else "a finite number "
        rule = "" if spec.minimum is None else spec.rule
        raise ScheduleError(
            f"lr_policy {policy.name!r} needs {spec.name} to be {whole}{rule}".rstrip()
            + f", got {value!r}; e.g. {spec.name}={spec.typical}"
        )


def _check_steps(values: list[Any]) -> None:
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        raise ScheduleError(f"multistep stepvalues must be whole iterations, got {values}")
    if any(v < 0 for v in values) or any(b <= a for a, b in zip(values, values[1:])):
        raise ScheduleError(f"multistep stepvalues must be >= 0 and strictly increasing, got {values}")


def validate_policy(p: PolicyParams) -> None:
    """Raise :class:`ScheduleError` naming the problem and the fix, or return silently.

    Only the parameters the policy reads are checked (Caffe ignores the others).
    """
    policy = get_policy(p.lr_policy)
    if not _is_number(p.base_lr) or not math.isfinite(p.base_lr) or p.base_lr < 0:
        raise ScheduleError(f"base_lr must be a finite number >= 0, got {p.base_lr!r}")
    for spec in policy.params:
        _check_param(policy, spec, getattr(p, spec.name))
    if policy.uses_max_iter:
        max_iter = p.max_iter
        if not isinstance(max_iter, numbers.Integral) or isinstance(max_iter, bool) or max_iter <= 0:
            raise ScheduleError(f"lr_policy {policy.name!r} needs a positive max_iter, got {max_iter!r}")


def _given(value: _T | None, name: str, policy: str) -> _T:
    """``value`` once :func:`validate_policy` has checked that the policy's parameter ``name`` is set.

    The formulas below run only after validation, so this never raises there; it narrows
    ``float | None`` to ``float`` and fails loudly (not with a TypeError deep in a formula) if
    someone calls them unvalidated.
    """
    if value is None:
        raise ScheduleError(f"lr_policy {policy!r} needs {name}, which is not set; set {name}")
    return value


def _pow(x: float, y: float) -> float:
    """``x ** y`` for x >= 0 that gives inf instead of raising OverflowError/ZeroDivisionError."""
    try:
        return float(x) ** y
    except OverflowError:
        return math.inf
    except ZeroDivisionError:  # 0.0 ** negative
        return math.inf


def _scaled(base: float, factor: float) -> float:
    """base_lr times a policy factor; a zero base_lr stays 0 even when the factor is inf."""
    return 0.0 if base == 0 else base * factor


def _sigmoid(z: float) -> float:
    """1 / (1 + exp(-z)) without overflow for any finite z."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def lr_at(it: int, p: PolicyParams) -> float:
    """The learning rate Caffe uses at iteration ``it`` (before that iteration's update).

    Always a float: ``math.inf`` where the true rate exceeds the float range (exp with gamma > 1
    after many iterations), never an OverflowError.
    """
    validate_policy(p)
    if not _is_number(it) or it < 0:
        raise ScheduleError(f"iteration must be a number >= 0, got {it!r}")
    policy, base = p.lr_policy, float(p.base_lr)
    if policy == "fixed":
        return base
    if policy == "step":
        return _scaled(base, _pow(_given(p.gamma, "gamma", policy), it // _given(p.stepsize, "stepsize", policy)))
    if policy == "exp":
        return _scaled(base, _pow(_given(p.gamma, "gamma", policy), it))
    if policy == "inv":
        gamma, power = _given(p.gamma, "gamma", policy), _given(p.power, "power", policy)
        return _scaled(base, _pow(1.0 + gamma * it, -power))
    if policy == "multistep":
        # Caffe advances current_step while iter >= stepvalue[current_step].
        return _scaled(base, _pow(_given(p.gamma, "gamma", policy), sum(1 for v in p.stepvalue if it >= v)))
    if policy == "poly":
        # Caffe never runs past max_iter; clamp so that iterations beyond it give 0, not a
        # rising (even power) or complex (fractional power) rate.
        return _scaled(base, _pow(max(0.0, 1.0 - it / p.max_iter), _given(p.power, "power", policy)))
    gamma, stepsize = _given(p.gamma, "gamma", policy), _given(p.stepsize, "stepsize", policy)
    return _scaled(base, _sigmoid(gamma * (it - stepsize)))  # sigmoid


def lr_curve(iters: np.ndarray | Sequence[int], p: PolicyParams) -> np.ndarray:
    """``lr_at`` for every iteration in ``iters`` at once (float64), for plotting long schedules.

    Like lr_at it never warns or raises on overflow: such entries are inf (or 0 where they vanish).
    """
    validate_policy(p)
    it = np.asarray(iters, dtype=np.float64)
    if it.size and not np.all(it >= 0):
        raise ScheduleError("iterations must be >= 0")
    policy, base = p.lr_policy, float(p.base_lr)
    if base == 0:
        return np.zeros_like(it)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if policy == "fixed":
            factor = np.ones_like(it)
        elif policy == "step":
            factor = np.power(
                float(_given(p.gamma, "gamma", policy)), np.floor(it / _given(p.stepsize, "stepsize", policy))
            )
        elif policy == "exp":
            factor = np.power(float(_given(p.gamma, "gamma", policy)), it)
        elif policy == "inv":
            gamma, power = _given(p.gamma, "gamma", policy), _given(p.power, "power", policy)
            factor = np.power(1.0 + gamma * it, -float(power))
        elif policy == "multistep":
            steps = np.searchsorted(np.asarray(p.stepvalue, dtype=np.float64), it, side="right")
            factor = np.power(float(_given(p.gamma, "gamma", policy)), steps.astype(np.float64))
        elif policy == "poly":
            factor = np.power(np.maximum(0.0, 1.0 - it / p.max_iter), float(_given(p.power, "power", policy)))
        else:  # sigmoid, in the form that cannot overflow: exp of a value <= 0 only
            gamma, stepsize = _given(p.gamma, "gamma", policy), _given(p.stepsize, "stepsize", policy)
            z = gamma * (it - stepsize)
            e = np.exp(-np.abs(z))
            factor = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return base * factor


def lambda_lr(optimizer: Optimizer, p: PolicyParams) -> LambdaLR:
    """A ``LambdaLR`` that makes a plain torch optimizer follow the Caffe policy.

    The optimizer's own ``lr`` should be ``base_lr``: LambdaLR multiplies each group's initial lr by
    ``lr_at(it) / base_lr``, so per-group multipliers (Caffe's ``lr_mult``) survive.
    """
    from torch.optim.lr_scheduler import LambdaLR

    validate_policy(p)
    if p.base_lr == 0:
        return LambdaLR(optimizer, lambda it: 0.0)
    return LambdaLR(optimizer, lambda it: lr_at(it, p) / p.base_lr)


def formula_with_values(p: PolicyParams, it: int | None = None) -> str:
    """The policy's formula with the configured numbers substituted, for widgets and lessons."""
    validate_policy(p)
    text = POLICY_TABLE[p.lr_policy].formula
    gamma = p.gamma if "gamma" in POLICY_TABLE[p.lr_policy].uses else None
    subs = {
        "base_lr": f"{p.base_lr:g}",
        # a negative gamma (a decaying sigmoid) in parentheses: "exp(-(-0.002) * ...)", not "exp(--0.002 ...)"
        "gamma": (f"({gamma:g})" if gamma < 0 else f"{gamma:g}") if gamma is not None else "gamma",
        "power": f"{p.power:g}" if p.power is not None else "power",
        "stepsize": str(p.stepsize),
        "max_iter": str(p.max_iter),
    }
    for name in ("base_lr", "gamma", "power", "stepsize", "max_iter"):
        text = text.replace(name, subs[name])
    if p.lr_policy == "multistep":
        text += f"   stepvalues = {list(p.stepvalue)}"
    if it is not None:
        text += f"   ->   lr({it}) = {lr_at(it, p):.6g}"
    return text
