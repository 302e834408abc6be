"""Immediate feedback on the exercises at the end of each lesson.

A lesson's exercise cell reads ``check("02.output_size", answer)``; the result says "right", or
"not yet" with a hint aimed at the usual mistake (a forgotten bias, an off-by-one, /255 instead of
/256). Answers are checked against values the library computes, never against numbers typed in
here, so the exercises stay true if a model changes.

:mod:`~lenet_course.exercises.core` holds the registry, the feedback and the shared checkers; each
``lessonNN`` module registers one lesson's exercises and imports only the core (never another
lesson), and this package imports them all, in lesson order, so that :func:`check` knows them.
"""

# importing a lesson module registers its exercises, in lesson order
from . import (  # noqa: F401
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    lesson11,
    lesson12,
    lesson13,
)

# isort: split
from . import (
    appendix_scaling,  # noqa: F401  (the appendix registers after the lessons)
    zh,  # noqa: F401  (the Chinese texts, for use_language("zh"))
)
from .core import (
    AnswerError,
    Exercise,
    Feedback,
    Hint,
    Verdict,
    all_exercises,
    check,
    current_language,
    exercise,
    exercises_for,
    get_exercise,
    hint,
    question,
    say,
    use_language,
)

__all__ = [
    "AnswerError",
    "Exercise",
    "Feedback",
    "Hint",
    "Verdict",
    "all_exercises",
    "check",
    "current_language",
    "exercise",
    "exercises_for",
    "get_exercise",
    "hint",
    "question",
    "say",
    "use_language",
]
