"""The checker core: the registry, the feedback a learner sees, and the answer checkers.

Each lesson module (:mod:`~lenet_course.exercises.lesson00` ...) registers its exercises with
:func:`exercise`; :func:`check` runs one, :func:`exercises_for` lists a lesson's. The checkers
:func:`numeric`, :func:`rate`, :func:`word` (and :func:`as_number`) hold the tolerances and the
"common slip" hints every lesson shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

#: Returned by a checker: (correct?, message).
Verdict = tuple[bool, str]
#: A checker: answer -> verdict.
Checker = Callable[[Any], Verdict]


@dataclass(frozen=True)
class Feedback:
    """The outcome of :func:`check`. Truthy when right; shows as one line of text in a notebook."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "right" if self.correct else "not yet"
        return f"[{self.exercise}] {mark}: {self.message}"

    __repr__ = __str__


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"<lesson>.<name>"``), the question, and its checker."""

    id: str
    question: str
    hint: str
    checker: Checker

    @property
    def lesson(self) -> str:
        return self.id.split(".", 1)[0]


#: Every registered exercise by id, in registration (= lesson) order. Read it through the functions below.
_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, question: str, hint: str) -> Callable[[Checker], Checker]:
    """Decorator registering ``checker(answer) -> (correct, message)`` under ``exercise_id``."""
    if "." not in exercise_id:
        raise ValueError(f"exercise ids look like '02.output_size', got {exercise_id!r}")

    def register(checker: Checker) -> Checker:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(exercise_id, question, hint, checker)
        return checker

    return register


def all_exercises() -> list[Exercise]:
    """Every registered exercise, lesson by lesson in the order the lessons ask them."""
    return list(_REGISTRY.values())


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise registered as ``exercise_id``; a ``KeyError`` naming the known ids otherwise."""
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def exercises_for(lesson: str) -> list[Exercise]:
    """The exercises of one lesson (``"02"`` or ``"02_convolution_and_pooling"``), in lesson order."""
    prefix = lesson.split("_", 1)[0]
    return [e for e in _REGISTRY.values() if e.lesson == prefix]  # in the order the lesson asks them


def question(exercise_id: str) -> str:
    """The question text of an exercise."""
    return get_exercise(exercise_id).question


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check ``answer``; ``None`` (the placeholder in the notebooks) means "not answered yet".

    A checker that raises (an answer of an unexpected kind) is reported as "not yet" with the
    error, so a learner never sees a traceback from the checking code itself.
    """
    ex = get_exercise(exercise_id)
    if answer is None or answer is Ellipsis:
        return Feedback(exercise_id, False, f"replace None with your answer. Hint: {ex.hint}")
    try:
        ok, message = ex.checker(answer)
    except Exception as err:  # a wrong kind of answer, e.g. a string where a function was asked
        ok, message = False, f"could not check this answer ({type(err).__name__}: {err})."
    if not ok:
        message = f"{message} Hint: {ex.hint}"
    return Feedback(exercise_id, bool(ok), message)


# --- checkers: shared tolerances and feedback -------------------------------------------------


def as_number(answer: Any) -> float:
    """A float from an int, float or one-element tensor; a ``TypeError`` for anything else (bools too)."""
    if isinstance(answer, torch.Tensor):
        if answer.numel() != 1:
            raise TypeError(f"expected one number, got a tensor of shape {tuple(answer.shape)}")
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "__float__"):
        raise TypeError(f"expected a number, got {type(answer).__name__} {answer!r}")
    return float(answer)


def numeric(
    answer: Any, expected: float, mistakes: Mapping[float, str], rel: float = 1e-6, absolute: float | None = None
) -> Verdict:
    """Right when within ``rel`` (relative) or ``absolute`` (default: ``rel``) of ``expected``.

    A value close to one of ``mistakes`` gets that mistake's hint; any other says too large/small.
    """
    tolerance = {"rel_tol": rel, "abs_tol": rel if absolute is None else absolute}
    value = as_number(answer)
    if math.isclose(value, expected, **tolerance):
        return True, f"{value:.10g} is correct."
    for wrong, why in mistakes.items():
        if math.isclose(value, wrong, **tolerance):
            return False, f"{value:.10g} is a common slip: {why}"
    direction = "too large" if value > expected else "too small"
    return False, f"{value:.10g} is {direction}."


def rate(answer: Any, expected: float, mistakes: Mapping[float, str], rel: float = 1e-4) -> Verdict:
    """:func:`numeric` for small numbers (learning rates): a relative tolerance only, so 5e-5 is not 1e-4."""
    return numeric(answer, expected, mistakes, rel=rel, absolute=0.0)


def word(answer: Any, expected: set[str], mistakes: Mapping[str, str]) -> Verdict:
    """Right when ``answer`` is one of ``expected``, ignoring case, spaces and a leading ``$``."""
    if not isinstance(answer, str):
        raise TypeError(f"expected a word (a string), got {type(answer).__name__}")
    value = answer.strip().strip("$").strip().lower()
    if value in {e.lower() for e in expected}:
        return True, f"{answer.strip()!r} is correct."
    if value in mistakes:
        return False, mistakes[value]
    return False, f"{answer!r} is not it."
