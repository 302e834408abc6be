"""How much computation a lesson may spend, chosen by the environment variable ``LENET_COURSE_BUDGET``.

Lessons that train (06, 07) must finish in CI within minutes on two CPU cores, while a learner
should see the full recipe. Rather than each notebook inventing its own switch, they all ask
:func:`current_budget` (or :func:`by_budget`), so one variable shortens every lesson at once:

- ``full`` (the default): what a learner gets, and what the stored notebook outputs come from;
- ``ci``: a short run for the test suite (``LENET_COURSE_BUDGET=ci make test``).
"""

from __future__ import annotations

import os
from typing import TypeVar

ENV_VAR = "LENET_COURSE_BUDGET"
BUDGETS: tuple[str, ...] = ("full", "ci")
DEFAULT_BUDGET = "full"

T = TypeVar("T")


class BudgetError(ValueError):
    """``LENET_COURSE_BUDGET`` holds a value the course does not know."""


def current_budget() -> str:
    """The budget in force: ``$LENET_COURSE_BUDGET`` (case and spaces ignored), else ``full``.

    An unknown value is an error rather than a silent fallback: a typo in CI would otherwise
    run the full (slow) lessons without anyone noticing why.
    """
    raw = os.environ.get(ENV_VAR, "")
    value = raw.strip().lower() or DEFAULT_BUDGET
    if value not in BUDGETS:
        raise BudgetError(
            f"{ENV_VAR}={raw!r} is not a known budget; use one of: {', '.join(BUDGETS)} "
            f"(or leave it unset for {DEFAULT_BUDGET!r})"
        )
    return value


def is_ci_budget() -> bool:
    """True when lessons should take their short path."""
    return current_budget() == "ci"


def by_budget(*, full: T, ci: T) -> T:
    """The value for the budget in force, e.g. ``max_iter = by_budget(full=10_000, ci=200)``."""
    return ci if is_ci_budget() else full
