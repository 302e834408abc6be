"""Lesson 00 (start here): how the course works, its map, and the fixed fit/val/test split.

Every answer is checked against what the library holds (the lesson map, the splits), never against
a value typed in here. ``00.digit_shares`` runs the learner's function on labels of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..data import SPLITS
from .core import Verdict, exercise, say, word

#: The split the course tunes on: the part of the training file set aside for choosing settings.
TUNING_SPLIT = "val"


@exercise(
    "00.tuning_split",
    "You want to choose a learning rate by comparing a few runs. On which of the course's splits do you "
    "compare them? Give its name as load_mnist takes it.",
    (
        "The split you compare on must hold images the model was not fitted to.",
        "Of the splits the model never fits to, one is kept for the final figures only; "
        "choosing with it would make its score look better than it is.",
        "Read the split list in lenet_course.data.SPLITS: the last 5,000 images of the training file "
        "are the ones set aside for choosing.",
    ),
)
def _tuning_split(answer: Any) -> Verdict:
    if TUNING_SPLIT not in SPLITS:  # the library renamed its splits: the lesson must say so
        raise LookupError(f"the library has no {TUNING_SPLIT!r} split")
    return word(
        answer,
        {TUNING_SPLIT},
        {
            "test": "the test split is for the final figures only: a setting chosen on it makes its score "
            "optimistic, and then nothing unseen is left to measure the model with.",
            "train": "the model is fitted to those images (they include the 55,000 of fit): it scores well on "
            "them whatever the learning rate.",
            "fit": "the model is fitted to those images: comparing on them rewards memorising, not learning.",
        },
    )


@exercise(
    "00.training_lesson",
    "Which lesson writes LeNet's training loop and trains it with Caffe's solver? Give its two-digit number "
    "as a string, e.g. '03'.",
    (
        "The lesson map printed in this notebook says what you do in each lesson.",
        "print(lesson_map()) lists every lesson; look for the one whose name says it trains.",
    ),
)
def _training_lesson(answer: Any) -> Verdict:
    from ..lessons.course import LESSONS

    training = {lesson.name[:2] for lesson in LESSONS if "training" in lesson.name}
    return word(
        answer,
        training,
        {
            "07": "07 inspects a model that was trained already; it does not train one.",
            "05": "05 plans the learning rate; the training itself comes one lesson later.",
        },
    )


def _reference_shares(labels: torch.Tensor) -> torch.Tensor:
    return torch.bincount(labels, minlength=10).double() / len(labels)


#: Label sets the checker tries: all ten digits, a set with no 9 (so a count without ``minlength``
#: comes out one short), and a lopsided one.
def _trial_labels() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [
        torch.randint(0, 10, (500,), generator=g),
        torch.randint(0, 9, (90,), generator=g),
        torch.tensor([1] * 30 + [7] * 10 + [0] * 5),
    ]


@exercise(
    "00.digit_shares",
    "Write shares(labels) that takes a tensor of digit labels (0-9) and returns a tensor of 10 numbers: "
    "the fraction of the labels that are each digit.",
    (
        "Count how many labels are 0, how many are 1, ... then turn the counts into fractions.",
        "torch.bincount counts each value; think about what it returns when no label is a 9.",
        "counts = torch.bincount(labels, minlength=10), then divide the counts by the number of labels.",
    ),
)
def _digit_shares(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass a function, e.g. def shares(labels): return ..., not its value.")
    fn: Callable[[torch.Tensor], Any] = answer
    for labels in _trial_labels():
        expected = _reference_shares(labels)
        result = fn(labels.clone())
        if result is None:
            return False, say("your function returns None: return the tensor of shares.")
        got = torch.as_tensor(result, dtype=torch.float64).flatten()
        if got.numel() != 10:
            return False, say(
                "for labels without any {digit}, your function returns {n} numbers; it must return 10, one per digit "
                "(a digit that never occurs has share 0).",
                digit=int(labels.max()) + 1,
                n=got.numel(),
            )
        if torch.allclose(got, expected * len(labels)):
            return False, say("those are the counts; divide them by the number of labels to get fractions.")
        if not torch.allclose(got, expected, atol=1e-9):
            worst = int((got - expected).abs().argmax())
            return False, say(
                "on {n} labels, your share of digit {digit} is {got:.4f}; it should be {want:.4f}.",
                n=len(labels),
                digit=worst,
                got=float(got[worst]),
                want=float(expected[worst]),
            )
    return True, say("shares(labels) is right, also for a digit that never occurs: apply it to the splits below.")
