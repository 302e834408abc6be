"""Caffe's learning-rate policies, computed exactly as Caffe's ``SGDSolver::GetLearningRate`` does.

One scalar function (:func:`lr_at`) is the reference; :func:`lr_curve` evaluates the same formulas
on a whole array of iterations for plotting, and :func:`lambda_lr` lets any torch optimizer follow
a Caffe policy through ``torch.optim.lr_scheduler.LambdaLR``.
"""

from __future__ import annotations

import math
from typing import Protocol, Sequence

import numpy as np

POLICIES: tuple[str, ...] = ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid")

#: The formula of each policy, as the lessons print it.
FORMULAS: dict[str, str] = {
    "fixed": "base_lr",
    "step": "base_lr * gamma ^ floor(iter / stepsize)",
    "exp": "base_lr * gamma ^ iter",
    "inv": "base_lr * (1 + gamma * iter) ^ (-power)",
    "multistep": "base_lr * gamma ^ (number of stepvalues <= iter)",
    "poly": "base_lr * (1 - iter / max_iter) ^ power",
    "sigmoid": "base_lr * 1 / (1 + exp(-gamma * (iter - stepsize)))",
}

# Which optional parameter each policy reads; anything else it is given is ignored by Caffe.
_USES_POWER = {"inv", "poly"}
_USES_GAMMA = {"step", "exp", "inv", "multistep", "sigmoid"}


class PolicyParams(Protocol):
    """Anything carrying Caffe's schedule fields (``SolverConfig`` does)."""

    base_lr: float
    lr_policy: str
    gamma: float | None
    power: float | None
    stepsize: int | None
    stepvalue: Sequence[int]
    max_iter: int


class ScheduleError(ValueError):
    """A learning-rate policy or one of its parameters is invalid."""


def validate_policy(p: PolicyParams) -> None:
    """Raise :class:`ScheduleError` naming the problem and the fix, or return silently."""
    policy = p.lr_policy
    if policy not in POLICIES:
        raise ScheduleError(
            f"unknown lr_policy {policy!r}; valid policies are: {', '.join(POLICIES)}"
        )
    if not isinstance(p.base_lr, (int, float)) or not math.isfinite(p.base_lr) or p.base_lr < 0:
        raise ScheduleError(f"base_lr must be a finite number >= 0, got {p.base_lr!r}")
    if policy in _USES_GAMMA:
        if p.gamma is None:
            raise ScheduleError(f"lr_policy {policy!r} needs gamma; set gamma (e.g. gamma=0.1)")
        # sigmoid is the one policy where a negative gamma makes sense: it turns the rise into a decay.
        if not math.isfinite(p.gamma) or (p.gamma < 0 and policy != "sigmoid"):
            raise ScheduleError(
                f"gamma must be a finite number >= 0 for lr_policy {policy!r}, got {p.gamma!r}"
            )
    if policy in _USES_POWER:
        if p.power is None:
            raise ScheduleError(f"lr_policy {policy!r} needs power; set power (e.g. power=0.75)")
        if not math.isfinite(p.power):
            raise ScheduleError(f"power must be finite, got {p.power!r}")
    elif p.power is not None:
        raise ScheduleError(
            f"power={p.power!r} has no meaning for lr_policy {policy!r} (only 'inv' and 'poly' "
            "use it); leave power unset (None)"
        )
    if policy in ("step", "sigmoid") and (p.stepsize is None or p.stepsize <= 0):
        raise ScheduleError(
            f"lr_policy {policy!r} needs a positive stepsize, got {p.stepsize!r}; "
            "set stepsize (e.g. stepsize=1000)"
        )
    if policy == "poly" and (p.max_iter is None or p.max_iter <= 0):
        raise ScheduleError(f"lr_policy 'poly' needs a positive max_iter, got {p.max_iter!r}")
    if policy == "multistep":
        values = list(p.stepvalue)
        if not values:
            raise ScheduleError("lr_policy 'multistep' needs at least one stepvalue")
        if any(v < 0 for v in values) or any(b <= a for a, b in zip(values, values[1:])):
            raise ScheduleError(
                f"multistep stepvalues must be >= 0 and strictly increasing, got {values}"
            )


def lr_at(it: int, p: PolicyParams) -> float:
    """The learning rate Caffe uses at iteration ``it`` (before that iteration's update)."""
    validate_policy(p)
    if it < 0:
        raise ScheduleError(f"iteration must be >= 0, got {it}")
    policy, base = p.lr_policy, float(p.base_lr)
    if policy == "fixed":
        return base
    if policy == "step":
        return base * p.gamma ** (it // p.stepsize)
    if policy == "exp":
        return base * p.gamma**it
    if policy == "inv":
        return base * (1.0 + p.gamma * it) ** (-p.power)
    if policy == "multistep":
        # Caffe advances current_step while iter >= stepvalue[current_step].
        return base * p.gamma ** sum(1 for v in p.stepvalue if it >= v)
    if policy == "poly":
        # Caffe never runs past max_iter; clamp so that iterations beyond it give 0, not a
        # rising (even power) or complex (fractional power) rate.
        return base * max(0.0, 1.0 - it / p.max_iter) ** p.power
    # sigmoid
    return base * (1.0 / (1.0 + math.exp(-p.gamma * (it - p.stepsize))))


def lr_curve(iters: np.ndarray | Sequence[int], p: PolicyParams) -> np.ndarray:
    """``lr_at`` for every iteration in ``iters`` at once (float64), for plotting long schedules."""
    validate_policy(p)
    it = np.asarray(iters, dtype=np.float64)
    if it.size and it.min() < 0:
        raise ScheduleError("iterations must be >= 0")
    policy, base = p.lr_policy, float(p.base_lr)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if policy == "fixed":
            out = np.full_like(it, base)
        elif policy == "step":
            out = base * np.power(p.gamma, np.floor(it / p.stepsize))
        elif policy == "exp":
            out = base * np.power(p.gamma, it)
        elif policy == "inv":
            out = base * np.power(1.0 + p.gamma * it, -p.power)
        elif policy == "multistep":
            steps = np.searchsorted(np.asarray(p.stepvalue, dtype=np.float64), it, side="right")
            out = base * np.power(p.gamma, steps)
        elif policy == "poly":
            out = base * np.power(np.maximum(0.0, 1.0 - it / p.max_iter), p.power)
        else:
            out = base / (1.0 + np.exp(-p.gamma * (it - p.stepsize)))
    return out


def lambda_lr(optimizer, p: PolicyParams):  # -> torch.optim.lr_scheduler.LambdaLR
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
    text = FORMULAS[p.lr_policy]
    subs = {
        "base_lr": f"{p.base_lr:g}",
        # a negative gamma (a decaying sigmoid) in parentheses: "exp(-(-0.002) * ...)", not "exp(--0.002 ...)"
        "gamma": (f"({p.gamma:g})" if p.gamma < 0 else f"{p.gamma:g}") if p.gamma is not None else "gamma",
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
