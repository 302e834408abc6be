"""Lesson 10 (robustness and explanations): the learner writes FGSM, the occlusion loop and the ECE.

Each checker runs the learner's function on its own inputs (the shipped model and test digits, or
made-up confidences with awkward bin edges) and compares with :mod:`lenet_course.robustness`;
the typical slips (no clipping, the gradient instead of its sign, the wrong direction, an
unweighted mean of the gaps, half-open bins the wrong way) get their own message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .. import robustness
from ..checkpoints import load_model
from ..data import load_mnist
from ..paths import shipped_model_path
from .core import Verdict, exercise, say


@cache
def _shipped() -> nn.Module:
    return load_model(shipped_model_path(), device="cpu")


def _model() -> nn.Module:
    """The shipped model, checked afterwards for changes a learner's function must not make."""
    return _shipped()


@cache
def _test_digits(n: int = 64) -> tuple[Tensor, Tensor]:
    images, labels = load_mnist("test")
    return robustness.as_pixels(images[:n]), labels[:n].clone()


def _weights(model: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _unchanged(model: nn.Module, before: dict[str, Tensor]) -> bool:
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def _as_tensor(got: Any, shape: tuple[int, ...], what: str) -> Tensor | str:
    """The learner's result as a float tensor of ``shape``, or the message saying what is wrong with it."""
    if got is None:
        return say("your function returns None: end it with return ...")
    t = torch.as_tensor(np.asarray(got.detach().cpu() if isinstance(got, Tensor) else got), dtype=torch.float32)
    if tuple(t.shape) != shape:
        return say("{what} should have shape {shape}, got {got}.", what=what, shape=shape, got=tuple(t.shape))
    return t


def _agree(a: Tensor, b: Tensor, tol: float = 1e-4) -> float:
    return float(((a - b).abs() <= tol).float().mean())


# ---- 1. FGSM ----------------------------------------------------------------------------------
@exercise(
    "10.fgsm",
    "Write fgsm(model, pixels, labels, epsilon): the fast gradient sign method. pixels are float digits "
    "[N, 1, 28, 28] in [0, 1]; return the adversarial pixels.",
    (
        "Three steps: the gradient of the loss with respect to the pixels (not the weights), one step "
        "of size epsilon along it, then back into the range a pixel can take.",
        "x = pixels.clone().requires_grad_(True); the loss is the cross-entropy of "
        "model(to_model_input(model, x)) and the labels; torch.autograd.grad(loss, x) gives its gradient.",
        "return (x + epsilon * gradient.sign()).clamp(0, 1).detach(): the sign moves every pixel by "
        "exactly epsilon, up the loss; clamp keeps it a picture.",
    ),
)
def _fgsm(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass your function itself (fgsm, without brackets), not its result.")
    model = _model()
    pixels, labels = _test_digits()
    before = _weights(model)
    for eps in (0.1, 0.03, 0.0):
        given = pixels.clone()
        got = _as_tensor(answer(model, given, labels.clone(), eps), tuple(pixels.shape), say("the result"))
        if not _unchanged(model, before):
            return False, say("your function changed the model's weights: FGSM changes the pixels only.")
        if isinstance(got, str):
            return False, got
        if not torch.equal(given, pixels):
            return False, say("your function changed the pixels it was given in place; work on a copy (clone).")
        expected = robustness.fgsm(model, pixels, labels, eps)
        if _agree(got, expected) >= 0.999:
            continue
        step = (got - pixels).abs().max().item()
        if _agree(got, expected - pixels) >= 0.999:
            return False, say("that is the nudge alone; return the nudged pixels (the digit plus the nudge).")
        if got.min() < -1e-6 or got.max() > 1 + 1e-6:
            return False, say(
                "some pixels are outside [0, 1] (from {low:.3f} to {high:.3f}): clip after the step.",
                low=got.min().item(),
                high=got.max().item(),
            )
        downhill = (pixels - eps * robustness.input_gradient_sign(model, pixels, labels)).clamp(0, 1)
        if eps > 0 and _agree(got, downhill) >= 0.999:
            return False, say("your step goes down the loss, towards the right answer; FGSM steps up the loss.")
        if step > eps + 1e-5:
            return False, say(
                "some pixels moved by {step:.3f}, more than epsilon = {eps}: step along the gradient's sign, "
                "not the gradient itself.",
                step=step,
                eps=eps,
            )
        if eps > 0 and step < eps / 2:
            return False, say(
                "with epsilon = {eps} no pixel moved by more than {step:.4f}: use epsilon.", eps=eps, step=step
            )
        return False, say(
            "with epsilon = {eps}, {share:.1%} of the pixels differ from FGSM's; check which loss you take "
            "the gradient of (the cross-entropy of the true labels).",
            eps=eps,
            share=1 - _agree(got, expected),
        )
    adv = robustness.fgsm(model, pixels, labels, 0.1)
    acc = float((robustness.predict_probabilities(model, adv).argmax(1) == labels.numpy()).mean())
    return True, say(
        "your FGSM matches the library's at three epsilons; at 0.1 the model reads {acc:.0%} of these "
        "{n} digits right.",
        acc=acc,
        n=len(labels),
    )


# ---- 2. occlusion ------------------------------------------------------------------------------
@exercise(
    "10.occlusion",
    "Write occlusion(model, pixels, label, patch, stride): pixels is one digit [1, 1, 28, 28] in [0, 1]. "
    "For every square of patch x patch pixels whose top-left corner is at a multiple of stride (and that fits "
    "in the image), set it to 0 and measure how much the probability of label drops. Return the grid of drops.",
    (
        "Two nested loops over the corners (rows, then columns); the image is 28 pixels wide and the "
        "square must fit, so the last corner is at 28 - patch or just before it.",
        "For each corner: a fresh copy of the pixels, the square set to 0, the probability of label from "
        "torch.softmax(model(to_model_input(model, copy)), 1); store p(original) - p(copy).",
        "corners = range(0, 28 - patch + 1, stride); drops[i, j] = base - p for the square at "
        "(corners[i], corners[j]); return the array of drops, shape (len(corners), len(corners)).",
    ),
)
def _occlusion(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass your function itself (occlusion, without brackets), not its result.")
    model = _model()
    pixels, labels = _test_digits()
    before = _weights(model)
    for index, patch, stride in ((0, 6, 2), (1, 5, 3)):
        digit, label = pixels[index : index + 1].clone(), int(labels[index])
        expected = torch.as_tensor(robustness.occlusion_sensitivity(model, digit, label, patch, stride))
        with torch.no_grad():
            raw = answer(model, digit, label, patch, stride)
        if not torch.equal(digit, pixels[index : index + 1]):
            return False, say("your function changed the digit it was given; occlude a copy each time.")
        if not _unchanged(model, before):
            return False, say("your function changed the model's weights; it should only read the model.")
        got = _as_tensor(raw, tuple(expected.shape), say("with patch {p} and stride {s} the grid", p=patch, s=stride))
        if isinstance(got, str):
            return False, got
        if torch.allclose(got, expected, atol=1e-4):
            continue
        base = float(torch.as_tensor(robustness.predict_probabilities(model, digit))[0, label])
        if torch.allclose(got, base - expected, atol=1e-4):
            return False, say("those are the probabilities with the square hidden; return how much they dropped.")
        if torch.allclose(got, -expected, atol=1e-4):
            return False, say("the sign is the wrong way round: a drop is p(original) - p(occluded).")
        if math.isclose(float(got[0, 0]), float(expected[0, 0]), abs_tol=1e-4):
            return False, say(
                "the first square is right but later ones are not: does every square start again from the "
                "original digit (a fresh copy), with only that one square hidden?"
            )
        return False, say(
            "with patch {p} and stride {s} your grid differs from the library's by up to {gap:.3f}: "
            "are you measuring the probability (softmax) of the given label?",
            p=patch,
            s=stride,
            gap=float((got - expected).abs().max()),
        )
    return True, say("your occlusion loop matches the library's on two digits and two square sizes.")


# ---- 3. expected calibration error -------------------------------------------------------------
def _weighted_gap(index: np.ndarray, conf: np.ndarray, correct: np.ndarray, keep: int) -> float:
    """sum over bins 0..keep-1 of (count / N) * |accuracy - confidence|, for any binning ``index``."""
    counts = np.bincount(index, minlength=keep + 1)[:keep]
    right = np.bincount(index, weights=correct.astype(float), minlength=keep + 1)[:keep]
    sure = np.bincount(index, weights=conf, minlength=keep + 1)[:keep]
    f = counts > 0
    return float(np.sum(np.abs(right[f] - sure[f])) / len(conf))


def _ece_variants(conf: np.ndarray, correct: np.ndarray, bins: int) -> dict[str, float]:
    """The ECE and the numbers the usual slips give, for the diagnosis."""
    rel = robustness.reliability(conf, correct, bins)
    filled = rel.counts > 0
    gaps = rel.accuracy[filled] - rel.confidence[filled]
    left_closed = np.floor(conf * bins).astype(int)  # [lo, hi): a confidence of 1.0 lands in bin number `bins`
    return {
        "right": rel.ece,
        "unweighted": float(np.mean(np.abs(gaps))),
        "signed": float(abs(np.sum(rel.counts[filled] / len(conf) * gaps))),
        "left_closed": _weighted_gap(left_closed, conf, correct, bins + 1),
        "inside_only": _weighted_gap(left_closed, conf, correct, bins),
    }


def _ece_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    rng = np.random.default_rng(10)
    conf = rng.uniform(0.1, 1.0, 3000)
    overconfident = rng.uniform(size=3000) < conf**3
    edges = np.array([1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.75, 0.9, 0.6])
    edge_right = np.array([True, True, False, True, True, False, True, False, True])
    return [(conf, overconfident, 10), (edges, edge_right, 4), (conf[:500], overconfident[:500], 15)]


@exercise(
    "10.ece",
    "Write ece(confidence, correct, bins=10): the expected calibration error of predictions with these "
    "confidences (numpy floats in [0, 1]) and correct flags (numpy booleans), with bins equal-width bins.",
    (
        "Sort the predictions into bins by confidence; in each bin compare how often they were right with "
        "how sure they were; combine the bins so that a bin holding more predictions counts more.",
        "The bins are (0, 1/bins], (1/bins, 2/bins], ...: closed on the right, so a confidence of exactly 1 "
        "is in the last bin. np.searchsorted(edges[1:-1], confidence, side='left') gives each confidence's bin number.",
        "ECE = sum over non-empty bins of (count / N) * |mean(correct in bin) - mean(confidence in bin)|, "
        "with edges = np.linspace(0, 1, bins + 1).",
    ),
)
def _ece(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass your function itself (ece, without brackets), not its result.")
    fn: Callable[..., Any] = answer
    for conf, correct, bins in _ece_cases():
        variants = _ece_variants(conf, correct, bins)
        got_raw = fn(conf.copy(), correct.copy(), bins)
        if got_raw is None:
            return False, say("your function returns None: end it with return ...")
        got = float(np.asarray(got_raw))
        if math.isclose(got, variants["right"], rel_tol=1e-6, abs_tol=1e-9):
            continue
        for slip, message in (
            (
                "unweighted",
                say("that is the plain mean of the bins' gaps; weight each bin by its share of the predictions."),
            ),
            (
                "signed",
                say("the gaps are summed with their signs, so over- and under-confident bins cancel; take |gap|."),
            ),
            (
                "left_closed",
                say(
                    "your bins are closed on the left ([lo, hi)); Guo et al.'s are closed on the right, so a "
                    "confidence of exactly 0.5 belongs to the bin that ends at 0.5, and 1.0 to the last bin."
                ),
            ),
            (
                "inside_only",
                say("the predictions made with confidence exactly 1.0 are missing: they belong in the last bin."),
            ),
        ):
            if math.isclose(got, variants[slip], rel_tol=1e-6, abs_tol=1e-9) and not math.isclose(
                variants[slip], variants["right"], rel_tol=1e-9
            ):
                return False, message
        return False, say(
            "with {bins} bins and {n} predictions your ECE is {got:.4f}; the ECE is {right:.4f}.",
            bins=bins,
            n=len(conf),
            got=got,
            right=variants["right"],
        )
    return True, say("your ECE matches on made-up predictions, on bin edges (0.25, 0.5, 1.0) and with 15 bins.")
