"""Rules every exercise of every lesson keeps, whatever it asks.

- its hints are progressive (at least two, all different) and none of them gives the answer;
- its worked solution lives in ``notebooks/solutions/lessonNN.py`` (opened on purpose), passes
  its own check, and the stored lesson holds no solution cell;
- every exercise a notebook checks is registered, and every registered exercise is asked.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest
import torch

from lenet_course.exercises import all_exercises, check, exercises_for, get_exercise, hint

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
LESSONS = sorted({e.lesson for e in all_exercises()})


def solutions_of(lesson: str) -> ModuleType:
    path = SOLUTIONS / f"lesson{lesson}.py"
    assert path.is_file(), f"lesson {lesson} has exercises but no {path.relative_to(ROOT)}"
    spec = importlib.util.spec_from_file_location(f"_solutions_{lesson}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notebook_of(lesson: str) -> dict:
    (path,) = NOTEBOOKS.glob(f"{lesson}_*.ipynb")
    return json.loads(path.read_text())


def code_sources(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_exercise_has_a_solution_that_passes_its_own_check(lesson):
    solutions = solutions_of(lesson).SOLUTIONS
    assert set(solutions) == {e.id for e in exercises_for(lesson)}
    for exercise_id, answer in solutions.items():
        feedback = check(exercise_id, answer)
        assert feedback.correct, feedback.message


@pytest.mark.parametrize("exercise_id", [e.id for e in all_exercises()])
def test_hints_are_progressive_and_never_the_answer(exercise_id):
    ex = get_exercise(exercise_id)
    assert len(ex.hints) >= 2 and len(set(ex.hints)) == len(ex.hints)
    assert str(hint(exercise_id, 1)).startswith(f"[{exercise_id}] Hint 1 of {len(ex.hints)}:")
    assert str(hint(exercise_id, 99)) == str(hint(exercise_id, len(ex.hints)))  # past the last: the last
    answer = solutions_of(ex.lesson).SOLUTIONS[exercise_id]
    if isinstance(answer, (int, float, str)) and not isinstance(answer, bool):
        shown = re.escape(str(answer).strip())
        for text in (*ex.hints, ex.question):
            assert not re.search(rf"(?<![\w.]){shown}(?![\w.])", text), f"{text!r} gives the answer {answer!r}"


@pytest.mark.parametrize("exercise_id", [e.id for e in all_exercises()])
def test_an_unanswered_exercise_is_not_yet_with_the_first_hint_only(exercise_id):
    feedback = check(exercise_id, None)
    ex = get_exercise(exercise_id)
    assert not feedback.correct and "replace None" in feedback.message
    assert ex.hints[0] in feedback.message and all(h not in feedback.message for h in ex.hints[1:])


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_lesson_asks_each_registered_exercise_and_stores_no_solution(lesson):
    nb = notebook_of(lesson)
    sources = code_sources(nb)
    asked = {m for s in sources for m in re.findall(r"check\(\s*['\"]([^'\"]+)['\"]", s)}
    assert asked == {e.id for e in exercises_for(lesson)}
    for cell in nb["cells"]:
        assert "solution" not in cell.get("metadata", {}).get("tags", [])
        assert not "".join(cell["source"]).lstrip().startswith("# Solution")


def test_learner_code_that_raises_is_not_yet_without_a_traceback():
    behaviour = [e for e in all_exercises() if callable(solutions_of(e.lesson).SOLUTIONS[e.id])]
    assert behaviour, "no exercise runs the learner's code"
    for ex in behaviour:

        def broken(*args, **kwargs):
            raise IndexError("pop from empty list")

        feedback = check(ex.id, broken)
        assert not feedback.correct and "Traceback" not in feedback.message
        assert "pop from empty list" not in feedback.message  # the error's kind, not its internal text


def test_a_tensor_answer_is_a_number_only_when_it_holds_one():
    from lenet_course.exercises.core import AnswerError, as_number

    assert as_number(torch.tensor(3)) == 3.0
    with pytest.raises(AnswerError, match="shape"):
        as_number(torch.tensor([1, 2]))
    with pytest.raises(AnswerError, match="a number"):
        as_number(True)
    assert "expected a number" in check(get_any_numeric(), "twelve").message


def get_any_numeric() -> str:
    """An exercise whose solution is a number (every course has one)."""
    return next(e.id for e in all_exercises() if isinstance(solutions_of(e.lesson).SOLUTIONS[e.id], (int, float)))
