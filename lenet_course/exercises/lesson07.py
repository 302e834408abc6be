"""Lesson 07 (inspecting tut2-model.pt): the shipped model's filters, accuracy from a confusion
matrix and top-k accuracy written by the learner, and the model's most frequent mistake.

Every answer is checked against a value the library computes, never against a number typed in here;
the two behaviour exercises run the learner's function on data of their own.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import torch

from ..checkpoints import load_model
from ..evaluate import evaluate
from ..models import CaffeLeNet, TutLeNet
from ..paths import shipped_model_path
from .core import Verdict, exercise, numeric, say


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
    (
        "The model's printout names each layer with its sizes.",
        "print the model, or look at filters(model, 'conv1').shape: the first number.",
    ),
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
    (
        "Which entries of the matrix count the images the model got right?",
        "the right answers are on the diagonal; divide their total by the number of all images.",
        "np.trace(cm) / cm.sum().",
    ),
)
def _accuracy_from_confusion(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass a function, e.g. def acc(cm): return ..., not its value.")
    rng = np.random.default_rng(0)
    cm = rng.integers(0, 30, size=(10, 10)) + np.diag(rng.integers(100, 1000, size=10))
    cm[3] *= 3  # rows of different sizes, so per-class means differ from the overall accuracy
    right = np.trace(cm) / cm.sum()
    got = answer(cm.copy())
    if got is None:
        return False, say("your function returns None: write the formula in its return line.")
    got = float(np.asarray(got).mean()) if np.ndim(got) else float(got)
    if math.isclose(got, right, rel_tol=1e-9):
        return True, say("acc(cm) = {right:.4f} on a test matrix: the diagonal over the total.", right=right)
    if math.isclose(got, float(np.mean(np.diag(cm) / cm.sum(1))), rel_tol=1e-9):
        return False, say("that is the mean of the per-class accuracies; weight each class by its size.")
    if math.isclose(got, 1 - right, rel_tol=1e-9):
        return False, say("that is the error rate, 1 - accuracy.")
    return False, say(
        "on a test matrix your function gives {got:.4f}; the accuracy is {right:.4f}.", got=got, right=right
    )


@exercise(
    "07.top_confusion",
    "The shipped tut2-model.pt: which (true digit, predicted digit) pair is its most frequent mistake? "
    "Give a tuple, e.g. (4, 9).",
    (
        "The mistakes are the entries off the diagonal; the largest of them is the pair.",
        "take result.confusion_matrix(), set its diagonal to 0 and find the largest entry "
        "(np.argmax, np.unravel_index).",
    ),
)
def _top_confusion(answer: Any) -> Verdict:
    pair = tuple(int(v) for v in answer)
    if len(pair) != 2:
        return False, say("give two digits: (true, predicted).")
    cm = shipped_confusion_matrix().copy()
    np.fill_diagonal(cm, 0)
    best = cm.max()
    top = {tuple(int(v) for v in np.unravel_index(i, cm.shape)) for i in np.flatnonzero(cm == best)}
    if pair in top:
        return True, say(
            "{pair}: {best} test images of a {true} were read as a {predicted}.",
            pair=pair,
            best=best,
            true=pair[0],
            predicted=pair[1],
        )
    if pair[::-1] in top:
        return False, say("the other way round: rows are the true digit, columns the prediction.")
    if pair[0] == pair[1]:
        return False, say("the diagonal holds the correct predictions; look off the diagonal.")
    return False, say("the model made that mistake {times} times; another pair is more frequent.", times=int(cm[pair]))


def _topk_trial() -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of 60 images over 10 classes (rows sum to 1) and labels, some right, many not."""
    g = torch.Generator().manual_seed(7)
    probs = torch.softmax(torch.randn(60, 10, generator=g, dtype=torch.float64) * 2, 1).numpy()
    labels = torch.randint(0, 10, (60,), generator=g).numpy()
    return probs, labels


def reference_top_k(probabilities: np.ndarray, labels: np.ndarray, k: int) -> float:
    """The fraction of images whose label is among the ``k`` most probable classes (torch.topk)."""
    top = torch.topk(torch.as_tensor(probabilities), k, dim=1).indices
    return float((top == torch.as_tensor(labels)[:, None]).any(1).double().mean())


@exercise(
    "07.top_k",
    "Write top_k(probabilities, labels, k): the fraction of images whose true label is among the k classes "
    "the model gives the highest probability (probabilities: numpy [N, 10], labels: numpy [N]).",
    (
        "For k = 1 it is the ordinary accuracy; for larger k, a label counts as found anywhere in the k best.",
        "np.argsort(-probabilities, axis=1)[:, :k] gives each image's k most probable classes.",
        "best = np.argsort(-probabilities, axis=1)[:, :k]; return (best == labels[:, None]).any(axis=1).mean()",
    ),
)
def _top_k(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass the function itself, e.g. def top_k(probabilities, labels, k): ..., not its value.")
    probs, labels = _topk_trial()
    results = {}
    for k in (1, 2, 3, 10):
        got = answer(probs.copy(), labels.copy(), k)
        if got is None:
            return False, say("your function returns None: return the fraction.")
        results[k] = float(np.asarray(got, dtype=np.float64).mean()) if np.ndim(got) else float(got)
    want = {k: reference_top_k(probs, labels, k) for k in results}
    if all(math.isclose(results[k], want[k], abs_tol=1e-9) for k in results):
        return True, say(
            "top_k is right: on the checker's images {one:.0%} for k = 1, {three:.0%} for k = 3, 100% for k = 10.",
            one=want[1],
            three=want[3],
        )
    if all(math.isclose(results[k], want[k] * len(labels), abs_tol=1e-9) for k in results):
        return False, say("those are counts of images; divide by the number of images for a fraction.")
    if all(math.isclose(results[k], want[1], abs_tol=1e-9) for k in results):
        return False, say("you return the top-1 accuracy whatever k is: look among the k best classes.")
    least = {k: float((np.argsort(probs, axis=1)[:, :k] == labels[:, None]).any(1).mean()) for k in results}
    if all(math.isclose(results[k], least[k], abs_tol=1e-9) for k in (1, 2, 3)):
        return False, say("you took the k LEAST probable classes: sort by -probabilities (or take the end of argsort).")
    k = next(k for k in results if not math.isclose(results[k], want[k], abs_tol=1e-9))
    return False, say("for k = {k} you return {got:.4f}; it should be {want:.4f}.", k=k, got=results[k], want=want[k])
