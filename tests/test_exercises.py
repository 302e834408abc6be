"""Every exercise accepts its right answer, and refuses wrong ones with a hint."""

from __future__ import annotations

import pytest
import torch

from lenet_course.exercises import Feedback, all_exercises, check, exercise, exercises_for, get_exercise, question

#: One right answer per exercise, and wrong ones with a word the feedback must contain.
RIGHT = {
    "00.data_variable": "LENET_COURSE_DATA",
    "00.training_lesson": "06",
    "01.sigmoid_derivative": lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z)),
    "01.dense_parameters": 197_376,
    "01.shared_parameters": 312,
    "02.output_size": 12,
    "02.same_padding": 2,
    "02.horizontal_kernel": torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "02.pool_mode": "max",
    "03.conv2_parameters": 25_050,
    "03.ip1_inputs": 800,
    "03.tut_fc1_parameters": 30_840,
    "04.caffe_white": 0.99609375,
    "04.meanstd_black": -0.1307 / 0.3081,
    "04.batches_per_epoch": 937,
    "04.test_iter": 100,
}

WRONG = [
    ("00.data_variable", "LENET_COURSE_BUDGET", "budget"),
    ("00.data_variable", "MNIST_PATH", "not it"),
    ("00.training_lesson", "07", "trained already"),
    ("01.sigmoid_derivative", torch.sigmoid, "sigmoid itself"),
    ("01.sigmoid_derivative", lambda z: z * (1 - z), "s = sigmoid(z)"),
    ("01.sigmoid_derivative", lambda z: None, "returns None"),
    ("01.sigmoid_derivative", 0.25, "pass a function"),
    ("01.sigmoid_derivative", lambda z: torch.ones(3), "one value per entry"),
    ("01.dense_parameters", 196_608, "biases"),
    ("01.dense_parameters", 312, "convolutional"),
    ("01.shared_parameters", 300, "biases"),
    ("01.shared_parameters", 1_068, "every unit its own bias"),
    ("02.output_size", 24, "pooling"),
    ("02.output_size", 23, "off by one"),
    ("02.output_size", 14, "shrinks"),
    ("02.output_size", 3, "too small"),
    ("02.same_padding", 4, "each side"),
    ("02.horizontal_kernel", torch.ones(3, 3), "sum to 0"),
    ("02.horizontal_kernel", torch.tensor([[-1.0, 0.0, 1.0]] * 3), "horizontal edge too"),
    ("02.horizontal_kernel", torch.tensor([[-2.0, -1.0, 0.0], [-1.0, 0.0, 1.0], [0.0, 1.0, 2.0]]), "vertical"),
    ("02.horizontal_kernel", torch.zeros(2, 2), "3x3"),
    ("02.pool_mode", "avg", "0.25"),
    ("03.conv2_parameters", 25_000, "50 biases"),
    ("03.conv2_parameters", 1_300, "20 input maps"),
    ("03.ip1_inputs", 1_250, "4x4"),
    ("03.tut_fc1_parameters", 30_720, "120 biases"),
    ("04.caffe_white", 1.0, "/255"),
    ("04.meanstd_black", 0.0, "below zero"),
    ("04.batches_per_epoch", 938, "partial batch"),
    ("04.batches_per_epoch", 937.5, "round down"),
    ("04.test_iter", 10_000, "not batches"),
    ("04.test_iter", "a hundred", "expected a number"),
]


def test_every_exercise_of_lessons_00_to_04_has_a_right_answer_here():
    # lessons 05-07 are tested in test_exercises_training.py
    assert set(RIGHT) == {e.id for e in all_exercises() if e.lesson in ("00", "01", "02", "03", "04")}


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_right_answers_are_accepted(exercise_id):
    feedback = check(exercise_id, RIGHT[exercise_id])
    assert feedback.correct, feedback.message
    assert bool(feedback) and str(feedback).startswith(f"[{exercise_id}] right")


@pytest.mark.parametrize("exercise_id,answer,expected", WRONG)
def test_wrong_answers_get_a_specific_hint(exercise_id, answer, expected):
    feedback = check(exercise_id, answer)
    assert not feedback.correct and not bool(feedback)
    assert expected in feedback.message
    assert "Hint:" in feedback.message
    assert str(feedback).startswith(f"[{exercise_id}] not yet")


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_unanswered_placeholder_is_not_yet(exercise_id):
    feedback = check(exercise_id, None)
    assert not feedback.correct and "replace None" in feedback.message
    assert get_exercise(exercise_id).hint in feedback.message


def test_numbers_in_other_types_and_words_in_other_cases_are_accepted():
    assert check("02.output_size", 12.0) and check("02.output_size", torch.tensor(12))
    assert check("00.data_variable", "  $lenet_course_data ") and check("00.training_lesson", " 06 ")
    assert check("02.horizontal_kernel", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
    assert not check("02.output_size", True)  # a bool is not a number here
    assert not check("02.output_size", torch.tensor([12, 12]))


def test_lookup_and_lesson_listing():
    assert [e.id for e in exercises_for("02_convolution_and_pooling")] == [
        "02.output_size",
        "02.same_padding",
        "02.horizontal_kernel",
        "02.pool_mode",
    ]
    assert all(2 <= len(exercises_for(f"0{n}")) <= 4 for n in range(5))
    assert "28x28" in question("02.output_size")
    with pytest.raises(KeyError, match="no exercise"):
        check("09.nothing", 1)


def test_registration_rules():
    with pytest.raises(ValueError, match="registered twice"):
        exercise("02.output_size", "q", "h")(lambda a: (True, ""))
    with pytest.raises(ValueError, match="look like"):
        exercise("nodot", "q", "h")
    feedback = Feedback("x.y", True, "fine")
    assert repr(feedback) == str(feedback) == "[x.y] right: fine"


def test_each_lesson_registers_its_exercises_from_its_own_module():
    import importlib

    for n in range(8):
        module = importlib.import_module(f"lenet_course.exercises.lesson0{n}")
        ids = {e.id for e in exercises_for(f"0{n}")}
        assert ids and all(get_exercise(i).checker.__module__ == module.__name__ for i in ids)


def test_checker_tolerances_are_public_in_the_core():
    from lenet_course.exercises import core

    assert core.numeric(12.0000001, 12, {})[0] and not core.numeric(12.1, 12, {})[0]
    assert core.rate(1e-4 * (1 + 1e-6), 1e-4, {})[0] and not core.rate(5e-5, 1e-4, {})[0]
    assert core.word(" $MAX ", {"max"}, {})[0]
    assert core.as_number(torch.tensor(3)) == 3.0
