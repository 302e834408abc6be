"""Lesson 10's behaviour checkers: the typical slips in FGSM, the occlusion loop and the ECE get their message."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lenet_course.exercises.lesson10  # noqa: F401  (registers the exercises)
from lenet_course.exercises import check
from lenet_course.robustness import to_model_input

SOLUTIONS_FILE = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "lesson10.py"


@pytest.fixture(scope="module")
def solutions():
    spec = importlib.util.spec_from_file_location("_lesson10_solutions", SOLUTIONS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gradient(model, pixels, labels):
    x = pixels.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(to_model_input(model, x)), labels), x)
    return g


def _not_yet(exercise_id, answer, *fragments):
    feedback = check(exercise_id, answer)
    assert not feedback.correct, feedback.message
    for fragment in fragments:
        assert fragment in feedback.message, feedback.message
    return feedback


def test_the_worked_solutions_pass(solutions):
    for exercise_id, answer in solutions.SOLUTIONS.items():
        feedback = check(exercise_id, answer)
        assert feedback.correct, feedback.message


# ---- FGSM -------------------------------------------------------------------------------------
def test_fgsm_slips_get_their_own_message():
    def unclipped(model, pixels, labels, epsilon):
        return pixels + epsilon * _gradient(model, pixels, labels).sign()

    def raw_gradient(model, pixels, labels, epsilon):
        return (pixels + epsilon * 1000 * _gradient(model, pixels, labels)).clamp(0, 1)

    def downhill(model, pixels, labels, epsilon):
        return (pixels - epsilon * _gradient(model, pixels, labels).sign()).clamp(0, 1)

    def nudge_only(model, pixels, labels, epsilon):
        return (pixels + epsilon * _gradient(model, pixels, labels).sign()).clamp(0, 1) - pixels

    def in_place(model, pixels, labels, epsilon):
        g = _gradient(model, pixels, labels)
        return pixels.add_(epsilon * g.sign()).clamp_(0, 1)

    def trains_the_model(model, pixels, labels, epsilon):
        with torch.no_grad():
            next(model.parameters()).add_(0.0 * 1 + 1e-3)
        return (pixels + epsilon * _gradient(model, pixels, labels).sign()).clamp(0, 1)

    def forgets_epsilon(model, pixels, labels, epsilon):
        return pixels.clone()

    _not_yet("10.fgsm", unclipped, "outside [0, 1]")
    _not_yet("10.fgsm", raw_gradient, "gradient's sign")
    _not_yet("10.fgsm", downhill, "down the loss")
    _not_yet("10.fgsm", nudge_only, "the nudge alone")
    _not_yet("10.fgsm", in_place, "in place")
    _not_yet("10.fgsm", forgets_epsilon, "use epsilon")
    _not_yet("10.fgsm", lambda model, pixels, labels, epsilon: None, "returns None")
    _not_yet("10.fgsm", lambda model, pixels, labels, epsilon: pixels[:3], "shape")
    _not_yet("10.fgsm", torch.zeros(3), "pass your function")


def test_fgsm_checker_notices_a_changed_model(solutions):
    from lenet_course.exercises.lesson10 import _model

    model = _model()
    saved = {k: v.clone() for k, v in model.state_dict().items()}

    def trains_the_model(model, pixels, labels, epsilon):
        with torch.no_grad():
            next(model.parameters()).add_(1e-3)
        return solutions.fgsm(model, pixels, labels, epsilon)

    try:
        _not_yet("10.fgsm", trains_the_model, "changed the model's weights")
    finally:
        model.load_state_dict(saved)  # the checker's model, restored for the other tests


def test_learner_code_that_raises_is_not_yet():
    def broken(model, pixels, labels, epsilon):
        raise IndexError("pop from empty list")

    feedback = _not_yet("10.fgsm", broken)
    assert "Traceback" not in feedback.message


# ---- occlusion --------------------------------------------------------------------------------
def _probability(model, x, label):
    return torch.softmax(model(to_model_input(model, x)), 1)[0, label].item()


def _occlusion_variant(kind):
    def occlusion(model, pixels, label, patch, stride):
        size = pixels.shape[-1]
        stop = size - patch + (0 if kind == "short_range" else 1)
        corners = range(0, stop, stride)
        base = _probability(model, pixels, label)
        out = np.zeros((len(corners), len(corners)))
        hidden = pixels.clone()
        for i, top in enumerate(corners):
            for j, left in enumerate(corners):
                if kind != "cumulative":
                    hidden = pixels.clone()
                hidden[..., top : top + patch, left : left + patch] = 0
                p = _probability(model, hidden, label)
                out[i, j] = {"occluded": p, "flipped": p - base}.get(kind, base - p)
        return out

    return occlusion


def test_occlusion_slips_get_their_own_message():
    _not_yet("10.occlusion", _occlusion_variant("occluded"), "with the square hidden")
    _not_yet("10.occlusion", _occlusion_variant("flipped"), "sign is the wrong way round")
    _not_yet("10.occlusion", _occlusion_variant("cumulative"), "fresh copy")
    _not_yet("10.occlusion", _occlusion_variant("short_range"), "shape")

    def in_place(model, pixels, label, patch, stride):
        pixels[..., 10:16, 10:16] = 0
        return _occlusion_variant("right")(model, pixels, label, patch, stride)

    _not_yet("10.occlusion", in_place, "changed the digit")
    assert check("10.occlusion", _occlusion_variant("right")).correct


# ---- ECE --------------------------------------------------------------------------------------
def _ece_variant(kind):
    def ece(confidence, correct, bins=10):
        if kind in ("left_closed", "drops_ones"):
            which = np.floor(confidence * bins).astype(int)
        else:
            which = np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], confidence, side="left")
        gaps, weights = [], []
        for b in range(bins + 1 if kind == "left_closed" else bins):
            inside = which == b
            if inside.any():
                gaps.append(correct[inside].mean() - confidence[inside].mean())
                weights.append(inside.mean())
        gaps, weights = np.array(gaps), np.array(weights)
        if kind == "unweighted":
            return np.abs(gaps).mean()
        if kind == "signed":
            return abs((weights * gaps).sum())
        return (weights * np.abs(gaps)).sum()

    return ece


def test_ece_slips_get_their_own_message():
    assert check("10.ece", _ece_variant("right")).correct
    _not_yet("10.ece", _ece_variant("unweighted"), "plain mean")
    _not_yet("10.ece", _ece_variant("signed"), "|gap|")
    _not_yet("10.ece", _ece_variant("left_closed"), "closed on the left")
    _not_yet("10.ece", _ece_variant("drops_ones"), "exactly 1.0")
    _not_yet("10.ece", lambda confidence, correct, bins=10: 0.5, "your ECE is 0.5000")
