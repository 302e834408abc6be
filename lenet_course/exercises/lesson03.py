"""Lesson 03 (the LeNet architecture): parameter counts of the course's LeNets.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..models import CaffeLeNet, TutLeNet
from .core import Verdict, exercise, numeric


@cache
def reference_counts() -> dict[str, int]:
    """The numbers lesson 03 asks for, read off freshly built models once (building them is the slow part)."""
    caffe, tut = CaffeLeNet(), TutLeNet()
    return {
        "conv2_parameters": sum(p.numel() for p in caffe.conv2.parameters()),
        "ip1_inputs": caffe.ip1.in_features,
        "tut_fc1_parameters": sum(p.numel() for p in tut.fc_1.parameters()),
    }


@exercise(
    "03.conv2_parameters",
    "How many learnable parameters has CaffeLeNet's conv2 (20 -> 50 maps, 5x5)?",
    "each of the 50 filters has a 5x5 kernel for every one of the 20 input maps, plus a bias.",
)
def _conv2_parameters(answer: Any) -> Verdict:
    right = reference_counts()["conv2_parameters"]
    return numeric(
        answer,
        right,
        {
            right - 50: "you forgot the 50 biases.",
            50 * 25 + 50: "each filter sees all 20 input maps, so it has 20 kernels.",
        },
    )


@exercise(
    "03.ip1_inputs",
    "How many numbers enter CaffeLeNet's ip1 for one image?",
    "pool2 outputs 50 maps; work out their size from 28 through two 5x5 convs and two 2x2 pools.",
)
def _ip1_inputs(answer: Any) -> Verdict:
    right = reference_counts()["ip1_inputs"]
    return numeric(
        answer,
        right,
        {
            50 * 5 * 5: "those are 5x5 maps (LeNet-5's padded 32x32 input); from 28 they are 4x4.",
            500: "500 is what ip1 outputs, not what it reads.",
        },
    )


@exercise(
    "03.tut_fc1_parameters",
    "How many parameters has TutLeNet's fc_1 (256 -> 120)?",
    "a weight per (input, output) pair plus a bias per output.",
)
def _tut_fc1_parameters(answer: Any) -> Verdict:
    right = reference_counts()["tut_fc1_parameters"]
    return numeric(
        answer, right, {256 * 120: "you forgot the 120 biases.", 256 * 120 + 256: "one bias per output, not per input."}
    )
