"""Lesson 07's exercises: conv1's filters, the learner's acc(cm) and top_k (run on the checker's
data), and the shipped model's most frequent mistake (counted here directly)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lenet_course.exercises import check


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


def right_top_k(probabilities, labels, k):
    best = np.argsort(-probabilities, axis=1)[:, :k]
    return (best == labels[:, None]).any(axis=1).mean()


def test_right_functions_pass():
    assert check("07.accuracy_from_confusion", lambda cm: cm.trace() / cm.sum())
    feedback = check("07.top_k", right_top_k)
    assert feedback and "k = 10" in feedback.message


@pytest.mark.parametrize(
    "fn,expected",
    [
        (lambda p, y, k: (p.argmax(1) == y).mean(), "whatever k is"),
        (lambda p, y, k: right_top_k(p, y, k) * len(y), "counts"),
        (lambda p, y, k: (np.argsort(p, axis=1)[:, :k] == y[:, None]).any(1).mean(), "LEAST probable"),
        (lambda p, y, k: right_top_k(p, y, max(1, k - 1)), "for k = 2"),
        (lambda p, y, k: None, "returns None"),
        (0.9, "pass the function itself"),
    ],
)
def test_a_broken_top_k_is_refused_with_its_slip(fn, expected):
    feedback = check("07.top_k", fn)
    assert not feedback and expected in feedback.message, feedback.message


WRONG = [
    ("07.conv1_filters", 20, "CaffeLeNet"),
    ("07.conv1_filters", 25, "one 5x5 filter"),
    ("07.accuracy_from_confusion", lambda cm: (cm.diagonal() / cm.sum(1)).mean(), "per-class"),
    ("07.accuracy_from_confusion", lambda cm: 1 - cm.trace() / cm.sum(), "error rate"),
    ("07.accuracy_from_confusion", lambda cm: None, "returns None"),
    ("07.accuracy_from_confusion", 0.99, "pass a function"),
    ("07.top_confusion", (3, 3), "diagonal"),
    ("07.top_confusion", (4, 4, 9), "two digits"),
]


@pytest.mark.parametrize("exercise_id,answer,expected", WRONG)
def test_wrong_answers_get_their_specific_message(exercise_id, answer, expected):
    feedback = check(exercise_id, answer)
    assert not feedback and expected in feedback.message, feedback.message


def test_the_top_confusion_is_the_shipped_models_and_reversed_is_called_out():
    true, predicted = _top_confusion_of_shipped_model()
    assert check("07.top_confusion", (true, predicted))
    reversed_pair = check("07.top_confusion", (predicted, true))
    assert not reversed_pair
    assert "the other way round" in reversed_pair.message or "another pair" in reversed_pair.message


def test_the_shipped_models_confusion_is_computed_once_and_not_changed_by_checking():
    from lenet_course.exercises import lesson07

    lesson07.shipped_confusion_matrix.cache_clear()
    right = _top_confusion_of_shipped_model()
    assert check("07.top_confusion", right) and check("07.top_confusion", right)
    info = lesson07.shipped_confusion_matrix.cache_info()
    assert info.misses == 1 and info.hits >= 1
    assert lesson07.shipped_confusion_matrix().trace() > 9900
