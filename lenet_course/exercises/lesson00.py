"""Lesson 00 (start here): where the data is, and the compute budgets.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from typing import Any

from ..paths import DATA_ENV_VAR as ENV_VAR
from .core import Verdict, exercise, word


@exercise(
    "00.data_variable",
    "Which environment variable tells the course where MNIST is?",
    "lesson 00's environment check names it; it starts with LENET_COURSE_.",
)
def _data_variable(answer: Any) -> Verdict:
    return word(answer, {ENV_VAR}, {"lenet_course_budget": "that one chooses the compute budget, not the data."})


@exercise(
    "00.ci_budget",
    "Which value of LENET_COURSE_BUDGET gives the short runs CI uses?",
    "lenet_course.lessons.budget.BUDGETS lists the two budgets.",
)
def _ci_budget(answer: Any) -> Verdict:
    return word(answer, {"ci"}, {"full": "'full' is the default a learner gets; CI uses the short one."})
