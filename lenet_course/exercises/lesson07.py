"""Lesson 07 (inspecting tut2-model.pt): the shipped model's filters and its mistakes.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from ..checkpoints import load_model
from ..evaluate import evaluate
from ..models import CaffeLeNet, TutLeNet
from ..paths import shipped_model_path
from .core import Verdict, exercise, numeric


@cache
def conv1_filters() -> dict[str, int]:
    """conv1's filter count in the tutorial's LeNet (tut2-model.pt's) and in CaffeLeNet, from models built once."""
    return {"tut": TutLeNet().conv1.out_channels, "caffe": CaffeLeNet().conv1.out_channels}


@cache
def shipped_confusion_matrix() -> np.ndarray:
    """counts[true, predicted] of the shipped tut2-model.pt on the 10,000 test images.

    Evaluated once per process (it takes seconds) and read-only, so no checker can change it.
    """
    matrix = evaluate(load_model(shipped_model_path(), device="cpu")).confusion_matrix()
    matrix.setflags(write=False)
    return matrix


@exercise(
    "07.conv1_filters",
    "How many filters has the first convolution of tut2-model.pt?",
    "print the model, or look at filters(model, 'conv1').shape: the first number.",
)
def _conv1_filters(answer: Any) -> Verdict:
    counts = conv1_filters()
    return numeric(
        answer,
        counts["tut"],
        {
            counts["caffe"]: "that is CaffeLeNet's conv1; tut2-model.pt is the tutorial's LeNet.",
            25: "25 is the number of weights in one 5x5 filter.",
        },
    )


@exercise(
    "07.accuracy_from_confusion",
    "Write acc(cm) that returns the accuracy from a confusion matrix cm (numpy, cm[true, predicted]).",
    "the correct predictions are on the diagonal: np.trace(cm) / cm.sum().",
)
def _accuracy_from_confusion(answer: Any) -> Verdict:
    if not callable(answer):
        return False, "pass a function, e.g. def acc(cm): return ..., not its value."
    rng = np.random.default_rng(0)
    cm = rng.integers(0, 30, size=(10, 10)) + np.diag(rng.integers(100, 1000, size=10))
    cm[3] *= 3  # rows of different sizes, so per-class means differ from the overall accuracy
    right = np.trace(cm) / cm.sum()
    got = answer(cm.copy())
    if got is None:
        return False, "your function returns None: write the formula in its return line."
    got = float(np.asarray(got).mean()) if np.ndim(got) else float(got)
    if math.isclose(got, right, rel_tol=1e-9):
        return True, f"acc(cm) = {right:.4f} on a test matrix: the diagonal over the total."
    if math.isclose(got, float(np.mean(np.diag(cm) / cm.sum(1))), rel_tol=1e-9):
        return False, "that is the mean of the per-class accuracies; weight each class by its size."
    if math.isclose(got, 1 - right, rel_tol=1e-9):
        return False, "that is the error rate, 1 - accuracy."
    return False, f"on a test matrix your function gives {got:.4f}; the accuracy is {right:.4f}."


@exercise(
    "07.top_confusion",
    "The shipped tut2-model.pt: which (true digit, predicted digit) pair is its most frequent mistake? "
    "Give a tuple, e.g. (4, 9).",
    "take result.confusion_matrix(), set its diagonal to 0 and find the largest entry (np.argmax, np.unravel_index).",
)
def _top_confusion(answer: Any) -> Verdict:
    pair = tuple(int(v) for v in answer)
    if len(pair) != 2:
        return False, "give two digits: (true, predicted)."
    cm = shipped_confusion_matrix().copy()
    np.fill_diagonal(cm, 0)
    best = cm.max()
    top = {tuple(int(v) for v in np.unravel_index(i, cm.shape)) for i in np.flatnonzero(cm == best)}
    if pair in top:
        return True, f"{pair}: {best} test images of a {pair[0]} were read as a {pair[1]}."
    if pair[::-1] in top:
        return False, "the other way round: rows are the true digit, columns the prediction."
    if pair[0] == pair[1]:
        return False, "the diagonal holds the correct predictions; look off the diagonal."
    return False, f"the model made that mistake {cm[pair]} times; another pair is more frequent."
