"""The exercises of lessons 05-07 accept their right answers and refuse wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lenet_course.exercises import all_exercises, check, exercises_for, get_exercise

RIGHT = {
    "05.inv_at_5000": 0.01 * 1.5**-0.75,
    "05.step_at_7000": 1e-4,
    "05.zero_at_max_iter": "poly",
    "06.caffe_step": 0.35,
    "06.epochs": 10_000 * 64 / 60_000,
    "06.snapshots": [5000, 10_000],
    "07.conv1_filters": 6,
    "07.accuracy_from_confusion": lambda cm: cm.trace() / cm.sum(),
    "07.top_confusion": None,  # depends on the shipped weights: see _top_confusion_of_shipped_model
}


def _top_confusion_of_shipped_model() -> tuple[int, int]:
    """The most frequent (true, predicted) mistake of assets/tut2-model.pt, counted here directly."""
    from lenet_course.checkpoints import load_model
    from lenet_course.data import load_mnist, scale_images
    from lenet_course.paths import shipped_model_path

    model = load_model(shipped_model_path(), device="cpu")
    images, labels = load_mnist("test")
    with torch.inference_mode():
        predicted = model(scale_images(images, "meanstd")).argmax(1)
    counts = np.zeros((10, 10), dtype=np.int64)
    np.add.at(counts, (labels.numpy(), predicted.numpy()), 1)
    np.fill_diagonal(counts, 0)
    return tuple(int(v) for v in np.unravel_index(counts.argmax(), counts.shape))


def _right(exercise_id):
    return _top_confusion_of_shipped_model() if exercise_id == "07.top_confusion" else RIGHT[exercise_id]


WRONG = [
    ("05.inv_at_5000", 0.01, "starting rate"),
    ("05.inv_at_5000", 0.01 * 1.5**0.75, "negative"),
    ("05.inv_at_5000", 0.0074, "too large"),
    ("05.step_at_7000", 1e-3, "two drops"),
    ("05.step_at_7000", 0.01 * 0.1 ** (7000 / 3000), "floor"),
    ("05.step_at_7000", 1e-5, "third"),
    ("05.zero_at_max_iter", "exp", "never reaches 0"),
    ("05.zero_at_max_iter", "inv", "never reaches 0"),
    ("06.caffe_step", 0.755, "torch's update"),
    ("06.caffe_step", 0.8, "without momentum"),
    ("06.caffe_step", 0.3, "momentum first"),
    ("06.epochs", 156.25, "batch size"),
    ("06.epochs", 10_000, "iterations"),
    ("06.snapshots", [5000], "missing"),
    ("06.snapshots", [0, 5000, 10_000], "untrained"),
    ("06.snapshots", 5000, "list"),
    ("07.conv1_filters", 20, "CaffeLeNet"),
    ("07.accuracy_from_confusion", lambda cm: (cm.diagonal() / cm.sum(1)).mean(), "per-class"),
    ("07.accuracy_from_confusion", lambda cm: 1 - cm.trace() / cm.sum(), "error rate"),
    ("07.accuracy_from_confusion", lambda cm: None, "returns None"),
    ("07.accuracy_from_confusion", 0.99, "pass a function"),
    ("07.top_confusion", (3, 3), "diagonal"),
    ("07.top_confusion", (4, 4, 9), "two digits"),
]


def test_the_reversed_top_confusion_is_called_the_other_way_round():
    true, predicted = _top_confusion_of_shipped_model()
    feedback = check("07.top_confusion", (predicted, true))
    assert not feedback.correct
    assert "the other way round" in feedback.message or "another pair" in feedback.message


LESSONS = ("05", "06", "07")


def test_every_exercise_of_lessons_05_to_07_has_a_right_answer_here():
    assert set(RIGHT) == {e.id for e in all_exercises() if e.lesson in LESSONS}
    assert all(2 <= len(exercises_for(lesson)) <= 4 for lesson in LESSONS)


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_right_answers_are_accepted(exercise_id):
    feedback = check(exercise_id, _right(exercise_id))
    assert feedback.correct, feedback.message
    assert str(feedback).startswith(f"[{exercise_id}] right")


@pytest.mark.parametrize("exercise_id,answer,expected", WRONG)
def test_wrong_answers_get_a_specific_hint(exercise_id, answer, expected):
    feedback = check(exercise_id, answer)
    assert not feedback.correct
    assert expected in feedback.message, feedback.message
    assert "Hint:" in feedback.message


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_unanswered_placeholder_is_not_yet(exercise_id):
    feedback = check(exercise_id, None)
    assert not feedback.correct and get_exercise(exercise_id).hint in feedback.message


def test_rates_are_compared_relatively():
    # a learning rate of 1e-4 must not pass for 5e-5 just because both are small
    assert check("05.step_at_7000", 1e-4 * (1 + 1e-6))
    assert not check("05.step_at_7000", 5e-5)


def test_the_shipped_models_confusion_is_computed_once_and_not_changed_by_checking():
    from lenet_course.exercises import lesson07

    lesson07.shipped_confusion_matrix.cache_clear()
    right = _top_confusion_of_shipped_model()
    assert check("07.top_confusion", right) and check("07.top_confusion", right)
    info = lesson07.shipped_confusion_matrix.cache_info()
    assert info.misses == 1 and info.hits >= 1
    cm = lesson07.shipped_confusion_matrix()
    assert cm.trace() > 9900  # the diagonal (right answers) is still there after the checks
