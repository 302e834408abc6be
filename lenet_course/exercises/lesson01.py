"""Lesson 01 (back-propagation and history): the sigmoid's slope, and what weight sharing saves.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch

from ..lessons.convolution import WeightSharingCounts, weight_sharing_counts
from .core import Verdict, exercise, numeric


@exercise(
    "01.sigmoid_derivative",
    "Write d(z) returning the derivative of the sigmoid at z (a tensor).",
    "with s = torch.sigmoid(z), the derivative is s * (1 - s).",
)
def _sigmoid_derivative(answer: Any) -> Verdict:
    if not callable(answer):
        return False, "pass a function, e.g. def d(z): return ..., not its value."
    z = torch.linspace(-6, 6, 25, dtype=torch.float64)
    s = torch.sigmoid(z)
    result = answer(z.clone())
    if result is None:
        return False, "your function returns None: write the formula in its return line."
    got = torch.as_tensor(result, dtype=torch.float64)
    if got.shape != z.shape:
        return False, f"d(z) should return one value per entry of z ({tuple(z.shape)}), got {tuple(got.shape)}."
    if torch.allclose(got, s * (1 - s), atol=1e-9):
        return True, "d(z) matches s * (1 - s) everywhere: that is the local factor back-propagation multiplies by."
    if torch.allclose(got, s, atol=1e-9):
        return False, "that is the sigmoid itself, not its slope."
    if torch.allclose(got, z * (1 - z), atol=1e-9):
        return False, "apply the formula to s = sigmoid(z), not to z itself."
    worst = int((got - s * (1 - s)).abs().argmax().item())
    slope = (s * (1 - s))[worst].item()
    return False, f"at z = {z[worst].item():.2f} you return {got[worst].item():.4f}, the slope is {slope:.4f}."


@cache
def zip_code_layer_counts() -> WeightSharingCounts:
    """Parameter counts of the 1989 ZIP-code net's first layer, dense and shared (computed once)."""
    return weight_sharing_counts((1, 16, 16), 12, 5, stride=2, padding=2)


@exercise(
    "01.dense_parameters",
    "A fully connected layer maps a 16x16 image to 12 maps of 8x8 units, each unit with a bias. "
    "How many parameters does it have?",
    "every one of the 12*8*8 units has a weight for each of the 16*16 pixels, plus its bias.",
)
def _dense_parameters(answer: Any) -> Verdict:
    c = zip_code_layer_counts()
    units = 12 * 8 * 8
    return numeric(
        answer,
        c.dense,
        {
            c.dense - units: "you forgot the biases, one per unit.",
            c.shared: "that is the convolutional layer; this one shares nothing.",
        },
    )


@exercise(
    "01.shared_parameters",
    "The same layer as a convolution: one shared 5x5 kernel and one bias per map, 12 maps. How many parameters?",
    "12 kernels of 5*5 weights, plus 12 biases.",
)
def _shared_parameters(answer: Any) -> Verdict:
    c = zip_code_layer_counts()
    return numeric(
        answer,
        c.shared,
        {
            c.shared - 12: "you forgot the 12 biases.",
            c.shared_unit_bias: "that gives every unit its own bias, as the 1989 "
            "network did; here each map has one bias.",
        },
    )
