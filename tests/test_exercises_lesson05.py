"""Lesson 05's exercises: the typical slips get their own message, broken learner code is refused."""

from __future__ import annotations

import pytest

from lenet_course.config import SolverConfig
from lenet_course.exercises import check, get_exercise
from lenet_course.exercises import lesson05 as L
from lenet_course.schedules import lr_at


def right_multistep(it, cfg):
    return cfg.base_lr * cfg.gamma ** sum(1 for v in cfg.stepvalue if it >= v)


def test_multistep_written_right_passes_and_lr_at_itself_passes():
    assert check("05.multistep_policy", right_multistep)
    assert check("05.multistep_policy", lr_at)


@pytest.mark.parametrize(
    "function,expected",
    [
        (lambda it, c: c.base_lr * c.gamma ** sum(1 for v in c.stepvalue if it > v), "has not dropped yet"),
        (lambda it, c: 0.01 * 0.1 ** sum(1 for v in (5000, 7000, 9000) if it >= v), "base_lr 0.05"),
        (lambda it, c: c.base_lr * c.gamma ** (it // 1000), "your function gives"),
        (lambda it, c: None, "returns None"),
    ],
    ids=["off by one at the step value", "the lesson's numbers typed in", "step, not multistep", "no return"],
)
def test_multistep_slips_are_named(function, expected):
    feedback = check("05.multistep_policy", function)
    assert not feedback.correct and expected in feedback.message, feedback.message


def test_multistep_needs_a_function():
    feedback = check("05.multistep_policy", 0.001)
    assert not feedback.correct and "pass your function" in feedback.message


def test_prototxt_defaults_are_solverparameters_not_the_recipes():
    read = L.read_short_solver()
    right = {name: getattr(read, name) for name in L.DEFAULT_FIELDS}
    assert right == {"momentum": 0.0, "weight_decay": 0.0, "display": 0, "random_seed": -1}  # caffe.proto
    assert check("05.prototxt_defaults", right)
    recipe = dict(right, momentum=0.9)
    assert "LeNet recipe's value" in check("05.prototxt_defaults", recipe).message
    seeded = dict(right, random_seed=1701)
    message = check("05.prototxt_defaults", seeded).message
    assert "unit tests" in message and "not what Caffe uses" in message
    assert "lacks display" in check("05.prototxt_defaults", {k: v for k, v in right.items() if k != "display"}).message


def test_the_question_states_the_run_the_checker_makes():
    text = get_exercise("05.schedule_for_target").question
    assert f"{L.TARGET_ACCURACY:.1%}" in text and f"{L.TARGET_ITERATIONS} iterations" in text


def test_schedules_that_cannot_train_are_refused_before_any_training():
    assert "finite number >= 0" in check("05.schedule_for_target", lambda it: -0.01).message
    assert "rate of 0" in check("05.schedule_for_target", lambda it: 0.0 if it == 0 else 0.01).message
    feedback = check("05.schedule_for_target", "fast")
    assert not feedback.correct and "Traceback" not in feedback.message


def test_the_recipe_falls_short_a_tuned_schedule_reaches_it_and_a_huge_rate_diverges():
    recipe = SolverConfig().replace(max_iter=L.TARGET_ITERATIONS)
    short = check("05.schedule_for_target", recipe)
    assert not short.correct and "the target is 94.5%" in short.message
    tuned = recipe.replace(base_lr=0.05).with_policy("poly", power=1.0)
    accuracy, diverged = L.short_run_accuracy(tuned)
    assert not diverged and accuracy >= L.TARGET_ACCURACY + 0.005  # a margin for other CPUs' rounding
    assert check("05.schedule_for_target", lambda it: 0.05 * (1 - it / L.TARGET_ITERATIONS))
    assert "diverged" in check("05.schedule_for_target", lambda it: 1.0).message
