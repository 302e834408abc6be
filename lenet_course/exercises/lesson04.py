"""Lesson 04 (MNIST data): the two input scalings, batches per epoch, test iterations.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from typing import Any

from ..config import SolverConfig
from ..data import CAFFE_SCALE, MEAN, STD
from .core import Verdict, exercise, numeric


@exercise(
    "04.caffe_white",
    "A white pixel (255) after Caffe's scale: 0.00390625. Which value does the network see?",
    "0.00390625 is 1/256, not 1/255.",
)
def _caffe_white(answer: Any) -> Verdict:
    return numeric(answer, 255 * CAFFE_SCALE, {1.0: "that would be /255; Caffe multiplies by 1/256."}, rel=1e-9)


@exercise(
    "04.meanstd_black",
    "A black pixel (0) after mean/std normalisation ((x/255 - 0.1307) / 0.3081): which value?",
    "x/255 is 0, so it is -mean/std.",
)
def _meanstd_black(answer: Any) -> Verdict:
    return numeric(
        answer,
        -MEAN / STD,
        {0.0: "normalisation shifts black below zero: (0 - mean) / std.", -MEAN: "divide by the std as well."},
        rel=1e-3,
    )


@exercise(
    "04.batches_per_epoch",
    "How many full batches of 64 does one epoch of the 60,000 training images give?",
    "60,000 // 64: the last, partial batch is dropped.",
)
def _batches_per_epoch(answer: Any) -> Verdict:
    return numeric(
        answer,
        60_000 // 64,
        {
            -(-60_000 // 64): "that counts the last partial batch; training drops it.",
            60_000 / 64: "only whole batches count: round down.",
        },
    )


@exercise(
    "04.test_iter",
    "With a test batch of 100, how many test iterations (Caffe's test_iter) cover the 10,000 test images?",
    "test_iter x batch size should be the whole test set.",
)
def _test_iter(answer: Any) -> Verdict:
    cfg = SolverConfig()
    return numeric(answer, 10_000 // cfg.test_batch_size, {10_000: "that is the number of images, not batches."})
