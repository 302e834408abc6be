"""Lesson 12 (LeNet-5 as the 1998 paper trained it): the RBF output layer, the MAP loss, SDLM's
step, and how precise a 10,000-image test error is.

The three code exercises run the learner's function on inputs of the checker's own (random
features, other bitmaps, penalties large enough to underflow a naive exp) and compare it with
:mod:`lenet_course.lenet1998` and :class:`lenet_course.sdlm.SDLM`, naming the usual slips. The
numeric answer is computed with :func:`lenet_course.reproduce.binomial_standard_error`.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from ..lenet1998 import EuclideanRBF, bitmap_codes, map_loss
from ..reproduce import PAPER_TEST_ERROR, binomial_standard_error
from ..sdlm import SDLM
from .core import Verdict, exercise, numeric, say

# ---- 12.rbf_layer -------------------------------------------------------------------------------


def _tensor_of_shape(value: Any, shape: tuple[int, ...], what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(say("{what} must return a tensor, got {kind}.", what=what, kind=type(value).__name__))
    if tuple(value.shape) != shape:
        raise TypeError(
            say(
                "{what} must return a tensor of shape {want}, got {got}.", what=what, want=shape, got=tuple(value.shape)
            )
        )
    return value


@exercise(
    "12.rbf_layer",
    "Write rbf_penalties(features, centers): the outputs y_i of the paper's Euclidean RBF layer for "
    "F6 features [N, 84] and centres [classes, 84], as a tensor [N, classes].",
    (
        "Each output unit compares the whole F6 vector with its own class's bitmap: one number per "
        "(sample, class) pair.",
        "Broadcasting lines the pairs up: features [N, 1, 84] against centers [1, classes, 84].",
        "Method: the difference of those two, squared, summed over the last axis (84 units); no square root.",
    ),
)
def _rbf_layer(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say(
            "expected a function rbf_penalties(features, centers), got {kind}.", kind=type(answer).__name__
        )
    g = torch.Generator().manual_seed(12)
    codes = bitmap_codes()
    other = torch.randint(0, 2, (3, 84), generator=g).float() * 2 - 1
    for n, centers in ((4, codes), (1, codes), (7, other)):
        features = torch.rand(n, 84, generator=g) * 3.4 - 1.7
        got = _tensor_of_shape(answer(features, centers), (n, len(centers)), "rbf_penalties")
        want = EuclideanRBF(centers)(features)
        if not torch.allclose(got.detach().float(), want, rtol=1e-5, atol=1e-4):
            return False, _rbf_slip(got.detach().float(), features, centers)
    return True, say("it matches the library's EuclideanRBF on the digit bitmaps and on other centres.")


def _rbf_slip(got: torch.Tensor, features: torch.Tensor, centers: torch.Tensor) -> str:
    squared = (features.unsqueeze(1) - centers.unsqueeze(0)).pow(2).sum(-1)
    slips = {
        "that is the distance itself; the paper's y_i is the SQUARED Euclidean distance (no root).": squared.sqrt(),
        "the sign is flipped: y_i is a penalty (>= 0, small for the nearest bitmap); scores are -y_i.": -squared,
        "that is the mean over the 84 units; the paper sums them.": squared / 84,
    }
    for why, value in slips.items():
        if value.shape == got.shape and torch.allclose(got, value, rtol=1e-5, atol=1e-4):
            return say(why)
    return say(
        "for the first sample it gives {got}, the RBF layer gives {want}.", got=_show(got[0]), want=_show(squared[0])
    )


def _show(row: torch.Tensor) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in row[:4]) + (", ...]" if len(row) > 4 else "]")


# ---- 12.map_loss --------------------------------------------------------------------------------


@exercise(
    "12.map_loss",
    "Write paper_map_loss(penalties, targets, j): the paper's MAP criterion for RBF penalties [N, 10] "
    "(y_i >= 0) and integer labels [N], averaged over the samples. It must stay finite for any "
    "penalties and any positive j. Return a tensor.",
    (
        "Two terms: one pulls the correct class's penalty down, the other pushes the competing "
        "penalties up, with the constant j as an eleventh competitor that is always there.",
        "The first term picks y at the label of each row; the second is a log of a sum of exponentials "
        "of minus the penalties and of minus j. A log of a sum of exponentials overflows or underflows "
        "when written as it reads.",
        "Method: per row, y[label] + logsumexp over the 11 values [-y_0, ..., -y_9, -j] "
        "(torch.logsumexp on a concatenated tensor); then the mean over the rows.",
    ),
)
def _map_loss(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say(
            "expected a function paper_map_loss(penalties, targets, j), got {kind}.", kind=type(answer).__name__
        )
    g = torch.Generator().manual_seed(1998)
    cases = (
        (torch.rand(6, 10, generator=g) * 5, 1.0),
        (torch.rand(1, 10, generator=g) * 84, 0.5),
        (torch.rand(5, 10, generator=g) * 20 + 900, 800.0),  # exp(-900) underflows to 0: needs logsumexp
    )
    for penalties, j in cases:
        targets = torch.randint(0, 10, (len(penalties),), generator=g)
        value = answer(penalties.clone(), targets, j)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            return False, say("paper_map_loss must return a one-number tensor.")
        got, want = float(value), float(map_loss(-penalties, targets, j=j))
        if not math.isfinite(got):
            return False, say(
                "with penalties near 900 and j = 800 it returns {got}: e^(-900) underflows to 0, so the log sees "
                "0; compute the log of the sum of exponentials stably.",
                got=got,
            )
        if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-5):
            return False, _map_slip(got, penalties, targets, j)
    return True, say("it matches the library's map_loss, including penalties in the hundreds.")


def _map_slip(got: float, penalties: torch.Tensor, targets: torch.Tensor, j: float) -> str:
    correct = penalties.gather(1, targets[:, None])[:, 0]
    with_j = torch.logsumexp(torch.cat([-penalties, torch.full_like(penalties[:, :1], -j)], 1), 1)
    slips = {
        "without the e^(-j) term: that is softmax cross-entropy on -y. The constant j is what lets the "
        "criterion stop pushing penalties that are already large.": float(F.cross_entropy(-penalties, targets)),
        "that is only the first term (the maximum-likelihood criterion): the log term is what pushes the "
        "other classes' penalties up.": float(correct.mean()),
        "summed over the samples: the paper averages (1/P times the sum over patterns).": float(
            (correct + with_j).sum()
        ),
        "the log term's sign: it is + log(e^(-j) + sum e^(-y_i)), negative when the penalties are large.": float(
            (correct - with_j).mean()
        ),
    }
    for why, value in slips.items():
        if math.isclose(got, value, rel_tol=1e-5, abs_tol=1e-5):
            return say(why)
    want = float((correct + with_j).mean())
    return say("it gives {got:.6g}; the MAP criterion is {want:.6g} here.", got=got, want=want)


# ---- 12.sdlm_step -------------------------------------------------------------------------------


@exercise(
    "12.sdlm_step",
    "Write sdlm_update(w, grad, h, eta, mu): the weights after one SDLM step, for tensors w, grad and "
    "h (the curvature estimates, same shape) and numbers eta and mu. Return a new tensor; do not change w.",
    (
        "Every weight gets its own step size, set by its own curvature: large curvature, small step.",
        "The step size of weight k is eta divided by something that is never smaller than mu.",
        "Method: w - eta / (mu + h) * grad, element by element.",
    ),
)
def _sdlm_step(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say(
            "expected a function sdlm_update(w, grad, h, eta, mu), got {kind}.", kind=type(answer).__name__
        )
    g = torch.Generator().manual_seed(5)
    for shape, eta, mu in (((3, 4), 0.0005, 0.02), ((7,), 0.1, 0.5), ((2, 2, 5), 0.0002, 0.02)):
        w, grad = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
        h = torch.rand(shape, generator=g) * 3
        h.view(-1)[0] = 0.0  # a weight with no curvature: mu alone bounds its step
        before = w.clone()
        got = _tensor_of_shape(answer(w, grad, h, eta, mu), tuple(shape), "sdlm_update")
        if not torch.equal(w, before):
            return False, say("your function changed w in place; return a new tensor and leave w as it was.")
        param = torch.nn.Parameter(before.clone())
        param.grad = grad.clone()
        opt = SDLM([param], lr=eta, mu=mu)
        opt.set_curvature({param: h})
        opt.step()
        if not torch.allclose(got.detach(), param.detach(), rtol=1e-5, atol=1e-7):
            return False, _sdlm_slip(got.detach(), before, grad, h, eta, mu)
    return True, say("it matches the library's SDLM optimizer, weights with no curvature included.")


def _sdlm_slip(got, w, grad, h, eta, mu) -> str:
    slips = {
        "the step is eta / (mu + h), not eta / h: without mu a weight with no curvature takes an infinite step.": w
        - eta / h * grad,
        "the step is eta / (mu + h): the curvature divides the rate, it does not multiply it.": w
        - eta * (mu + h) * grad,
        "the sign: a step goes against the gradient, w - step * grad.": w + eta / (mu + h) * grad,
    }
    for why, value in slips.items():
        finite = torch.isfinite(value) & torch.isfinite(got)
        if bool(finite.any()) and torch.allclose(got[finite], value[finite], rtol=1e-5, atol=1e-7):
            return say(why)
    return say("one of the weights differs from SDLM's step; check the formula element by element.")


# ---- 12.test_error_precision --------------------------------------------------------------------


@exercise(
    "12.test_error_precision",
    "A network makes 95 mistakes on MNIST's 10,000 test images: a test error of 0.95%. Treating each "
    "test image as an independent trial, what is the standard error of that test error, in percentage "
    "points (e.g. 0.5 for 0.5%)?",
    (
        "Each test image is right or wrong: the number of mistakes is a binomial count.",
        "The variance of a measured proportion p on n trials is p (1 - p) / n.",
        "Method: sqrt(p (1 - p) / n) with p = 0.0095 and n = 10,000, then times 100 for percentage points.",
    ),
)
def _test_error_precision(answer: Any) -> Verdict:
    p, n = PAPER_TEST_ERROR, 10_000
    se = binomial_standard_error(p, n) * 100
    return numeric(
        answer,
        se,
        {
            se / 100: "that is a fraction; the question asks for percentage points (times 100).",
            p * (1 - p) / n * 100: "that is the variance (times 100); the standard error is its square root.",
            binomial_standard_error(p, 60_000) * 100: "n is the number of TEST images, 10,000.",
            math.sqrt(p / n) * 100: "close, but the binomial variance is p (1 - p) / n.",
        },
        rel=0.01,
        absolute=0.0,
    )
