"""Lesson 00 (start here): where the data is, and the map of the course.

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
    "00.training_lesson",
    "Which lesson trains LeNet with Caffe's solver? Give its two-digit number, e.g. '03'.",
    "print(lesson_map()) lists every lesson with what you do there; look for the one that trains.",
)
def _training_lesson(answer: Any) -> Verdict:
    from ..lessons.course import LESSONS

    training = {lesson.name[:2] for lesson in LESSONS if "training" in lesson.name}
    return word(
        answer,
        training,
        {
            "07": "07 inspects a model that was trained already; it does not train one.",
            "05": "05 plans the learning rate; the training itself comes one lesson later.",
        },
    )
