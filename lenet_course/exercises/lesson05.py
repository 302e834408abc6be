"""Lesson 05 (learning-rate policies): Caffe's policies at given iterations.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from typing import Any

from ..config import SolverConfig, required
from ..schedules import POLICIES, POLICY_TABLE, lr_at
from .core import Verdict, exercise, rate, word


@exercise(
    "05.inv_at_5000",
    "The LeNet solver (inv, base_lr 0.01, gamma 0.0001, power 0.75): what is the learning rate at "
    "iteration 5000, where Caffe writes its first snapshot?",
    "inv is base_lr * (1 + gamma * iter) ^ (-power); mind the minus sign of the power.",
)
def _inv_at_5000(answer: Any) -> Verdict:
    cfg = SolverConfig()
    gamma, power = required(cfg.gamma, "gamma"), required(cfg.power, "power")
    right = lr_at(5000, cfg)
    return rate(
        answer,
        right,
        {
            cfg.base_lr: "that is the starting rate; inv has already lowered it by iteration 5000.",
            cfg.base_lr * (1 + gamma * 5000) ** power: "the power is negative: divide, not multiply.",
            cfg.base_lr * (1 + gamma * 5000) ** -1: "the exponent is -power = -0.75, not -1.",
        },
    )


@exercise(
    "05.step_at_7000",
    "The step policy with base_lr 0.01, gamma 0.1 and stepsize 3000: what is the learning rate at iteration 7000?",
    "step is base_lr * gamma ^ floor(iter / stepsize): count the whole steps taken by iteration 7000.",
)
def _step_at_7000(answer: Any) -> Verdict:
    cfg = SolverConfig().with_policy("step", gamma=0.1, stepsize=3000)
    right = lr_at(7000, cfg)
    return rate(
        answer,
        right,
        {
            0.01 * 0.1 ** (7000 / 3000): "floor the exponent: the rate drops in whole steps, not smoothly.",
            0.01 * 0.1: "two drops have happened by 7000 (at 3000 and at 6000), not one.",
            0.01 * 0.1**3: "only two drops: the third comes at iteration 9000.",
        },
    )


@exercise(
    "05.zero_at_max_iter",
    "Which of the seven policies brings the rate to exactly 0 at max_iter?",
    "look at the formulas: which one has (1 - iter / max_iter) in it?",
)
def _zero_at_max_iter(answer: Any) -> Verdict:
    cfg = SolverConfig()
    # every policy at the typical values of the policy table (the ones the sliders start from)
    zero = {p for p in POLICIES if lr_at(cfg.max_iter, cfg.with_policy(p, **POLICY_TABLE[p].typical())) == 0.0}
    return word(
        answer,
        zero,
        {
            "exp": "exp shrinks the rate by gamma every iteration, but it never reaches 0 exactly.",
            "inv": "inv keeps falling ever more slowly; it never reaches 0.",
            "step": "step drops by a factor gamma; a factor never reaches 0.",
            "sigmoid": "a decaying sigmoid approaches 0 but does not reach it.",
        },
    )
