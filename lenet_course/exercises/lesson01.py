"""Lesson 01 (back-propagation and history): what 1989 was first at, the sigmoid's slope, the backward
pass of a tiny network written by the learner, and what weight sharing saves.

Every answer is checked against a value the library computes, never against a number typed in here:
``01.backward`` runs the learner's backward pass on networks of its own and compares it with
PyTorch's autograd and with finite differences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import torch
from torch import Tensor

from ..lessons import backprop as bp
from ..lessons.convolution import WeightSharingCounts, weight_sharing_counts
from ..lessons.history import FIRST_TRAINED_CONVNET, event_titled
from .core import Verdict, exercise, numeric, say


@exercise(
    "01.first_trained_cnn",
    "In which year was a convolutional network (local receptive fields, shared weights) first trained end "
    "to end by back-propagation on a real task?",
    (
        "Shared weights alone are older than that: look for the first network that had them AND learned "
        "them all by back-propagation.",
        "The timeline's detail lines say which networks were not trained by back-propagation, and which one "
        "read real postal digits.",
    ),
)
def _first_trained_cnn(answer: Any) -> Verdict:
    year = event_titled(FIRST_TRAINED_CONVNET).year
    return numeric(
        answer,
        year,
        {
            event_titled("Neocognitron").year: "the neocognitron already had local receptive fields with shared "
            "weights, but it was not trained by back-propagation.",
            event_titled("Back-propagation").year: "that is when back-propagation was popularised; its networks "
            "were not convolutional.",
            event_titled("Time-delay networks").year: "time-delay networks shared weights over time, for speech; "
            "the question asks for images read by a trained convolutional network.",
            event_titled("LeNet-5 and MNIST").year: "LeNet-5 came almost ten years after the first one.",
        },
    )


@exercise(
    "01.sigmoid_derivative",
    "Write d(z) returning the derivative of the sigmoid at z (a tensor).",
    (
        "The sigmoid's slope can be written with the sigmoid itself, which the forward pass already computed.",
        "with s = torch.sigmoid(z), the derivative is s * (1 - s).",
    ),
)
def _sigmoid_derivative(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass a function, e.g. def d(z): return ..., not its value.")
    z = torch.linspace(-6, 6, 25, dtype=torch.float64)
    s = torch.sigmoid(z)
    result = answer(z.clone())
    if result is None:
        return False, say("your function returns None: write the formula in its return line.")
    got = torch.as_tensor(result, dtype=torch.float64)
    if got.shape != z.shape:
        return False, say(
            "d(z) should return one value per entry of z ({want}), got {got}.",
            want=tuple(z.shape),
            got=tuple(got.shape),
        )
    if torch.allclose(got, s * (1 - s), atol=1e-9):
        return True, say("d(z) matches s * (1 - s) everywhere: the local factor back-propagation multiplies by.")
    if torch.allclose(got, s, atol=1e-9):
        return False, say("that is the sigmoid itself, not its slope.")
    if torch.allclose(got, z * (1 - z), atol=1e-9):
        return False, say("apply the formula to s = sigmoid(z), not to z itself.")
    worst = int((got - s * (1 - s)).abs().argmax().item())
    return False, say(
        "at z = {z:.2f} you return {got:.4f}, the slope is {slope:.4f}.",
        z=z[worst].item(),
        got=got[worst].item(),
        slope=(s * (1 - s))[worst].item(),
    )


# --- the backward pass, written by the learner ----------------------------------------------------

#: Networks the checker tries: (inputs, hidden units, outputs, patterns, seed). None is square, so a
#: transposed gradient shows as a wrong shape.
BACKWARD_TRIALS: tuple[tuple[int, int, int, int, int], ...] = ((2, 3, 1, 4, 0), (3, 4, 2, 5, 1), (5, 2, 3, 7, 2))


def _trial(n_in: int, n_hidden: int, n_out: int, n: int, seed: int) -> tuple[bp.Params, Tensor, Tensor]:
    g = torch.Generator().manual_seed(100 + seed)
    params = bp.init_params(n_in, n_hidden, n_out, seed=seed)
    params["b1"] = torch.randn(n_hidden, generator=g, dtype=torch.float64) * 0.5  # biases that matter
    params["b2"] = torch.randn(n_out, generator=g, dtype=torch.float64) * 0.5
    x = torch.randn(n, n_in, generator=g, dtype=torch.float64)
    y = torch.rand(n, n_out, generator=g, dtype=torch.float64)
    return params, x, y


def _variant(
    params: bp.Params, c: Mapping[str, Tensor], y: Tensor, *, out_slope: bool, hidden_slope: bool
) -> bp.Params:
    """The backward pass with a sigmoid's slope left out on purpose: the two slips worth naming."""
    d_z2 = (c["y_hat"] - y) / len(y) * (c["y_hat"] * (1 - c["y_hat"]) if out_slope else 1)
    d_h = d_z2 @ params["W2"].T
    d_z1 = d_h * (c["h"] * (1 - c["h"]) if hidden_slope else 1)
    return {"W1": c["x"].T @ d_z1, "b1": d_z1.sum(0), "W2": c["h"].T @ d_z2, "b2": d_z2.sum(0)}


def _close(a: Tensor, b: Tensor, tol: float = 1e-9) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, atol=tol, rtol=0)


@exercise(
    "01.backward",
    "Write backward(params, cache, y): the gradients of the loss L = sum((y_hat - y)^2) / (2N) with respect "
    "to W1, b1, W2 and b2, as a dict with those keys, from the forward pass's cache (x, h, y_hat).",
    (
        "Start at the loss and walk back one step at a time; each step multiplies what arrives from above "
        "by a local derivative.",
        "Follow the table of section 3: the output sigmoid's slope is y_hat * (1 - y_hat), the hidden one's "
        "h * (1 - h); a weight's gradient is (its layer's input).T @ (the delta after it).",
        "delta2 = (y_hat - y) / N * y_hat * (1 - y_hat); dW2 = h.T @ delta2; db2 = delta2.sum(0); "
        "delta1 = (delta2 @ W2.T) * h * (1 - h); dW1 = x.T @ delta1; db1 = delta1.sum(0).",
    ),
)
def _backward(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass the function itself, e.g. def backward(params, cache, y): ..., not its value.")
    fn: Callable[..., Any] = answer
    for n_in, n_hidden, n_out, n, seed in BACKWARD_TRIALS:
        params, x, y = _trial(n_in, n_hidden, n_out, n, seed)
        cache_ = bp.forward(params, x)
        got = fn({k: v.clone() for k, v in params.items()}, {k: v.clone() for k, v in cache_.items()}, y.clone())
        if not isinstance(got, Mapping):
            return False, say(
                "return a dict {{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}}, got {kind}.", kind=type(got).__name__
            )
        missing = [k for k in bp.PARAM_NAMES if k not in got]
        if missing:
            return False, say("your dict has no gradient for {missing}.", missing=", ".join(missing))
        grads = {k: torch.as_tensor(got[k], dtype=torch.float64) for k in bp.PARAM_NAMES}
        for k in bp.PARAM_NAMES:
            if grads[k].shape != params[k].shape:
                if grads[k].shape == params[k].T.shape:
                    return False, say(
                        "dL/d{name} has the shape {got}, transposed: a gradient has its parameter's shape {want}.",
                        name=k,
                        got=tuple(grads[k].shape),
                        want=tuple(params[k].shape),
                    )
                return False, say(
                    "dL/d{name} has the shape {got}; it must have {name}'s shape {want} (with {n} patterns).",
                    name=k,
                    got=tuple(grads[k].shape),
                    want=tuple(params[k].shape),
                    n=n,
                )
        autograd = bp.autograd_gradients(params, x, y)
        if all(_close(grads[k], autograd[k]) for k in bp.PARAM_NAMES):
            continue
        if all(_close(grads[k], autograd[k] * n) for k in bp.PARAM_NAMES):
            return False, say("every gradient is {n} times too large: the loss averages over the N patterns.", n=n)
        no_out = _variant(params, cache_, y, out_slope=False, hidden_slope=True)
        no_hidden = _variant(params, cache_, y, out_slope=True, hidden_slope=False)
        if all(_close(grads[k], no_out[k]) for k in ("W2", "b2")):
            return False, say("the output sigmoid's slope is missing: multiply by y_hat * (1 - y_hat) first.")
        if not _close(grads["W2"], autograd["W2"]):
            return False, say("dL/dW2 is not right yet: it is h.T times the delta after the output sigmoid.")
        if not _close(grads["b2"], autograd["b2"]):
            return False, say("dL/dW2 is right, dL/db2 is not: the bias gradient sums that delta over the patterns.")
        if all(_close(grads[k], no_hidden[k]) for k in ("W1", "b1")):
            return False, say("the output layer is right; the hidden sigmoid's slope h * (1 - h) is missing.")
        if not _close(grads["W1"], autograd["W1"]):
            return False, say("W2 and b2 are right; dL/dW1 is not: go back into the hidden layer through W2.T.")
        return False, say("dL/dW1 is right, dL/db1 is not: sum the hidden delta over the patterns.")
    params, x, y = _trial(*BACKWARD_TRIALS[0])
    numerical = bp.numerical_gradients(params, x, y)
    mine = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in fn(params, bp.forward(params, x), y).items()}
    return True, say(
        "your backward pass equals autograd on {trials} networks of different sizes, and finite differences "
        "to {diff:.1e}.",
        trials=len(BACKWARD_TRIALS),
        diff=bp.max_abs_difference({k: mine[k] for k in bp.PARAM_NAMES}, numerical),
    )


# --- weight sharing ------------------------------------------------------------------------------


@cache
def zip_code_layer_counts() -> WeightSharingCounts:
    """Parameter counts of the 1989 ZIP-code net's first layer, dense and shared (computed once)."""
    return weight_sharing_counts((1, 16, 16), 12, 5, stride=2, padding=2)


@exercise(
    "01.dense_parameters",
    "A fully connected layer maps a 16x16 image to 12 maps of 8x8 units, each unit with a bias. "
    "How many parameters does it have?",
    (
        "Fully connected: every unit has its own weight for every pixel.",
        "every one of the 12*8*8 units has a weight for each of the 16*16 pixels, plus its bias.",
    ),
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
    (
        "Shared: the units of a map all use the same kernel, so count per map, not per unit.",
        "12 kernels of 5*5 weights, plus 12 biases.",
    ),
)
def _shared_parameters(answer: Any) -> Verdict:
    c = zip_code_layer_counts()
    return numeric(
        answer,
        c.shared,
        {
            c.shared - 12: "you forgot the 12 biases.",
            c.shared_unit_bias: "that gives every unit its own bias, as the 1989 network did; "
            "here each map has one bias.",
        },
    )
