"""The checker core: the registry, the feedback a learner sees, progressive hints, and the checkers.

Each lesson module (:mod:`~lenet_course.exercises.lesson00` ...) registers its exercises with
:func:`exercise`; :func:`check` runs one, :func:`hint` gives its hints one level at a time, and
:func:`exercises_for` lists a lesson's. The checkers :func:`numeric`, :func:`rate`, :func:`word`
(and :func:`as_number`) hold the tolerances and the "common slip" hints every lesson shares.

Hints are progressive: the first nudges, the later ones say more, the last shows the method; none
gives the answer. The worked solutions are not in the lessons: each lesson has a file
``notebooks/solutions/lessonNN.py`` the learner opens on purpose.

Language. Every sentence a learner reads (questions, hints, feedback) is written in English through
:func:`say`, which looks the English text up in the catalogue of the language in force and fills in
the values. A lesson chooses its language in its first cell with :func:`use_language`; English is the
default, and text with no translation yet stays English.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

#: The exercises package: an error raised from a file in here is a checker's message for the learner.
_PACKAGE = Path(__file__).resolve().parent

#: Returned by a checker: (correct?, message).
Verdict = tuple[bool, str]
#: A checker: answer -> verdict.
Checker = Callable[[Any], Verdict]

#: The languages the lessons come in.
LANGUAGES: tuple[str, ...] = ("en", "zh")

#: English text -> its translation, per language other than English. Filled by the translation
#: modules (e.g. ``exercises/zh.py``); :func:`say` reads it.
CATALOGUES: dict[str, dict[str, str]] = {"zh": {}}


@dataclass
class _Setting:
    """The one setting the checkers read: the learner's language, chosen by :func:`use_language`."""

    language: str = "en"


_SETTING = _Setting()


def use_language(language: str) -> None:
    """Answer in ``language`` ("en" or "zh") from now on; a lesson calls this in its first cell."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    _SETTING.language = language


def current_language() -> str:
    """The language the checkers answer in."""
    return _SETTING.language


def say(text: str, /, **values: Any) -> str:
    """``text`` in the learner's language, with ``{name}`` fields filled from ``values``.

    ``text`` is the English original and the key of the translation; a text without a translation
    is shown in English rather than not at all.
    """
    template = CATALOGUES.get(_SETTING.language, {}).get(text, text)
    return template.format(**values) if values else template


class AnswerError(TypeError):
    """An answer of the wrong kind (a string where a number is asked...); its message is for the learner.

    Checkers raise it (through :func:`as_number`, :func:`word` or directly, with a :func:`say` text);
    :func:`check` shows its message. Any other exception is the learner's code failing.
    """


def joined(*parts: str) -> str:
    """Sentences of feedback put together: with a space in English, none in Chinese (。 ends a sentence)."""
    return ("" if _SETTING.language == "zh" else " ").join(part for part in parts if part)


@dataclass(frozen=True)
class Feedback:
    """The outcome of :func:`check`. Truthy when right; shows as one line of text in a notebook."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = say("right") if self.correct else say("not yet")
        return say("[{exercise}] {mark}: {message}", exercise=self.exercise, mark=mark, message=self.message)

    __repr__ = __str__


@dataclass(frozen=True)
class Hint:
    """One level of an exercise's hints; shows as one line of text in a notebook."""

    exercise: str
    level: int
    of: int
    text: str

    def body(self) -> str:
        """The hint without the exercise id: "Hint 1 of 3: ... (hint('02.x', 2) says more)"."""
        head = say("Hint {level} of {of}:", level=self.level, of=self.of)
        more = say("(hint({exercise!r}, {next}) says more)", exercise=self.exercise, next=self.level + 1)
        return joined(head, say(self.text), more if self.level < self.of else "")

    def __str__(self) -> str:
        return f"[{self.exercise}] {self.body()}"

    __repr__ = __str__


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"<lesson>.<name>"``), the question, its hints (first to last) and checker."""

    id: str
    question: str
    hints: tuple[str, ...]
    checker: Checker

    @property
    def lesson(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The part after the lesson: the name of its solution in ``notebooks/solutions/lessonNN.py``."""
        return self.id.split(".", 1)[1]


#: Every registered exercise by id, in registration (= lesson) order. Read it through the functions below.
_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, question: str, hints: Sequence[str]) -> Callable[[Checker], Checker]:
    """Decorator registering ``checker(answer) -> (correct, message)`` under ``exercise_id``.

    ``hints`` go from a nudge to the method, at least two of them, none giving the answer.
    """
    if "." not in exercise_id:
        raise ValueError(f"exercise ids look like '02.output_size', got {exercise_id!r}")
    if isinstance(hints, str) or len(hints) < 2:
        raise ValueError(f"exercise {exercise_id!r} needs at least two progressive hints, got {hints!r}")

    def register(checker: Checker) -> Checker:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(exercise_id, question, tuple(hints), checker)
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
    """The question text of an exercise, in the learner's language."""
    return say(get_exercise(exercise_id).question)


def hint(exercise_id: str, level: int = 1) -> Hint:
    """Hint number ``level`` (1 = the first nudge) of an exercise; past the last, the last one."""
    ex = get_exercise(exercise_id)
    if level < 1:
        raise ValueError(f"hints are numbered from 1, got {level}")
    level = min(level, len(ex.hints))
    return Hint(exercise_id, level, len(ex.hints), ex.hints[level - 1])


def _raised_by_a_checker(err: BaseException) -> bool:
    """True when the innermost frame of ``err`` is in this package: a checker refusing an answer."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE)


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check ``answer``; ``None`` (the placeholder in the notebooks) means "not answered yet".

    A wrong answer gets the checker's specific message and the first hint. An answer of the wrong
    kind (:class:`AnswerError`, or any error a checker in this package raises) gets that error's
    message; learner code that fails is reported as "not yet" with the error's type only: never a
    traceback or torch's internal error text.
    """
    ex = get_exercise(exercise_id)
    if answer is None or answer is Ellipsis:
        return Feedback(exercise_id, False, joined(say("replace None with your answer."), hint(exercise_id).body()))
    try:
        ok, message = ex.checker(answer)
    except Exception as err:
        if isinstance(err, AnswerError) or _raised_by_a_checker(err):  # a wrong kind of answer
            ok, message = False, str(err)
        else:  # the learner's code failed: name the error, not torch's internal text
            kind = type(err).__name__
            ok, message = (
                False,
                say("running your answer raised {kind}; run it in a cell of its own to see where and why.", kind=kind),
            )
    if not ok:
        message = joined(message, hint(exercise_id).body())
    return Feedback(exercise_id, bool(ok), message)


# --- checkers: shared tolerances and feedback -------------------------------------------------


def as_number(answer: Any) -> float:
    """A float from an int, float or one-element tensor; an :class:`AnswerError` for anything else (bools too)."""
    if isinstance(answer, torch.Tensor):
        if answer.numel() != 1:
            raise AnswerError(say("expected one number, got a tensor of shape {shape}.", shape=tuple(answer.shape)))
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "__float__"):
        raise AnswerError(say("expected a number, got {kind} {value!r}.", kind=type(answer).__name__, value=answer))
    return float(answer)


def numeric(
    answer: Any, expected: float, mistakes: Mapping[float, str], rel: float = 1e-6, absolute: float | None = None
) -> Verdict:
    """Right when within ``rel`` (relative) or ``absolute`` (default: ``rel``) of ``expected``.

    A value close to one of ``mistakes`` gets that mistake's hint (English text, shown through
    :func:`say`); any other says too large/small.
    """
    tolerance = {"rel_tol": rel, "abs_tol": rel if absolute is None else absolute}
    value = as_number(answer)
    if math.isclose(value, expected, **tolerance):
        return True, say("{value:.10g} is correct.", value=value)
    for wrong, why in mistakes.items():
        if math.isclose(value, wrong, **tolerance):
            return False, joined(say("{value:.10g} is a common slip:", value=value), say(why))
    if value > expected:
        return False, say("{value:.10g} is too large.", value=value)
    return False, say("{value:.10g} is too small.", value=value)


def rate(answer: Any, expected: float, mistakes: Mapping[float, str], rel: float = 1e-4) -> Verdict:
    """:func:`numeric` for small numbers (learning rates): a relative tolerance only, so 5e-5 is not 1e-4."""
    return numeric(answer, expected, mistakes, rel=rel, absolute=0.0)


def word(answer: Any, expected: set[str], mistakes: Mapping[str, str]) -> Verdict:
    """Right when ``answer`` is one of ``expected``, ignoring case, spaces and a leading ``$``."""
    if not isinstance(answer, str):
        raise AnswerError(say("expected a word (a string), got {kind}.", kind=type(answer).__name__))
    value = answer.strip().strip("$").strip().lower()
    if value in {e.lower() for e in expected}:
        return True, say("{answer!r} is correct.", answer=answer.strip())
    if value in mistakes:
        return False, say(mistakes[value])
    return False, say("{answer!r} is not it.", answer=answer)
