"""Lesson 11's exercises: the usual slips get their own message, broken learner code is refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import lenet_course.exercises.lesson11  # noqa: F401  (registers the lesson's exercises)
from lenet_course.exercises import check
from lenet_course.zipcode1989 import BACKGROUND, scaled_tanh

SOLUTIONS_FILE = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "lesson11.py"


@pytest.fixture(scope="module")
def solutions():
    spec = importlib.util.spec_from_file_location("_solutions_11", SOLUTIONS_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_solution_passes(solutions):
    assert set(solutions.SOLUTIONS) == {"11.h2_all_maps", "11.paper_mse", "11.h2_layer"}
    for exercise_id, answer in solutions.SOLUTIONS.items():
        assert check(exercise_id, answer).correct, exercise_id


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (3792, "is correct"),  # 12 maps x 12 kernels x 25 + 192 biases
        (2592, "read 8 H1 maps"),
        (3612, "one bias per map"),
        (3600, "biases are free parameters too"),
        (12 * 16 * (12 * 25 + 1), "counts connections"),
        (4000, "too large"),
    ],
)
def test_h2_all_maps_names_the_slip(answer, message):
    assert message in check("11.h2_all_maps", answer).message


def _targets(outputs, labels):
    t = torch.full_like(outputs, -1.0)
    t[torch.arange(len(labels)), labels] = 1.0
    return t


@pytest.mark.parametrize(
    ("mse", "message"),
    [
        (lambda o, y: F.mse_loss(o, F.one_hot(y, 10).float()), "one-hot"),
        (lambda o, y: (o - _targets(o, y)).pow(2).sum(1).mean(), "averages over the output units"),
        (lambda o, y: (o - _targets(o, y)).pow(2).sum(), "sum over everything"),
        (lambda o, y: 0.5 * (o - _targets(o, y)).pow(2).mean(), "half the mean"),
        (lambda o, y: (o - _targets(o, y)).pow(2).mean().detach(), "cut off from the outputs"),
        (lambda o, y: (o - _targets(o, y)).pow(2).mean().item(), "one-number tensor"),
        (lambda o, y: (o.detach() - _targets(o, y)).pow(2).mean() + 0 * o.sum(), "gradient is not"),
    ],
)
def test_paper_mse_refuses_the_usual_slips(mse, message):
    feedback = check("11.paper_mse", mse)
    assert not feedback.correct and message in feedback.message, feedback.message


def _h2(h1, weight, bias, table, pad_value=BACKGROUND, per_unit_bias=True, stride=2, own_rows=True, squash=False):
    padded = F.pad(h1, (2, 1, 2, 1), value=pad_value)
    rows = table if own_rows else [table[0]] * len(table)
    out = torch.stack(
        [F.conv2d(padded[:, list(r)], weight[j : j + 1], stride=stride)[:, 0] for j, r in enumerate(rows)], 1
    )
    if stride != 2:
        return out  # 7x7 maps: no bias of H2's shape fits them
    out = out + (bias if per_unit_bias else bias[:, :1, :1])
    return scaled_tanh(out) if squash else out


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "matches the library"),
        ({"pad_value": 0.0}, "not 0"),
        ({"per_unit_bias": False}, "one bias per map"),
        ({"stride": 1}, "check the stride"),
        ({"own_rows": False}, "table[j]"),
        ({"squash": True}, "before scaled_tanh"),
    ],
)
def test_h2_layer_runs_the_learners_code_and_names_what_is_wrong(changes, message):
    feedback = check("11.h2_layer", lambda h1, w, b, t: _h2(h1, w, b, t, **changes))
    assert feedback.correct == (not changes) and message in feedback.message, feedback.message


def test_h2_layer_catches_code_hard_wired_to_the_lessons_table():
    from lenet_course.zipcode1989 import H2_TABLE

    feedback = check("11.h2_layer", lambda h1, w, b, t: _h2(h1, w, b, H2_TABLE))
    assert not feedback.correct


def test_code_that_raises_or_is_not_a_function_is_not_yet():
    def broken(*args):
        raise IndexError("pop from empty list")

    for exercise_id in ("11.paper_mse", "11.h2_layer"):
        assert not check(exercise_id, broken).correct
        assert "expected a function" in check(exercise_id, 42).message
