"""Lesson 12's exercises: the typical slips get their own message, broken code is refused."""

import math

import torch

import lenet_course.exercises.lesson12  # noqa: F401  (registers the exercises)
from lenet_course.exercises.core import check


def right_rbf(features, centers):
    return (features.unsqueeze(1) - centers.unsqueeze(0)).pow(2).sum(-1)


def test_rbf_slips_are_named():
    assert check("12.rbf_layer", right_rbf).correct
    assert "SQUARED" in check("12.rbf_layer", lambda f, c: right_rbf(f, c).sqrt()).message
    assert "sign is flipped" in check("12.rbf_layer", lambda f, c: -right_rbf(f, c)).message
    assert "mean over the 84" in check("12.rbf_layer", lambda f, c: right_rbf(f, c) / 84).message
    wrong_shape = check("12.rbf_layer", lambda f, c: right_rbf(f, c).T)
    assert not wrong_shape.correct and "shape" in wrong_shape.message
    assert not check("12.rbf_layer", lambda f, c: torch.cdist(f, c[:10]).pow(2)[:, :10] + 1).correct


def stable_map(penalties, targets, j):
    correct = penalties.gather(1, targets[:, None])[:, 0]
    rejection = torch.full_like(penalties[:, :1], -j)
    return (correct + torch.logsumexp(torch.cat([-penalties, rejection], 1), 1)).mean()


def naive_map(penalties, targets, j):
    correct = penalties.gather(1, targets[:, None])[:, 0]
    return (correct + torch.log(math.exp(-j) + torch.exp(-penalties).sum(1))).mean()


def test_map_loss_slips_are_named():
    assert check("12.map_loss", stable_map).correct
    assert "underflows" in check("12.map_loss", naive_map).message  # right formula, not stable
    ce = check("12.map_loss", lambda y, t, j: torch.nn.functional.cross_entropy(-y, t))
    assert "without the e^(-j) term" in ce.message
    mle = check("12.map_loss", lambda y, t, j: y.gather(1, t[:, None]).mean())
    assert "only the first term" in mle.message
    summed = check("12.map_loss", lambda y, t, j: stable_map(y, t, j) * len(t))
    assert "summed over the samples" in summed.message
    assert "one-number tensor" in check("12.map_loss", lambda y, t, j: 3.0).message


def test_sdlm_step_slips_are_named():
    assert check("12.sdlm_step", lambda w, g, h, eta, mu: w - eta / (mu + h) * g).correct
    assert "without mu" in check("12.sdlm_step", lambda w, g, h, eta, mu: w - eta / h * g).message
    assert "does not multiply" in check("12.sdlm_step", lambda w, g, h, eta, mu: w - eta * (mu + h) * g).message
    assert "against the gradient" in check("12.sdlm_step", lambda w, g, h, eta, mu: w + eta / (mu + h) * g).message

    def in_place(w, g, h, eta, mu):
        return w.sub_(eta / (mu + h) * g)

    assert "in place" in check("12.sdlm_step", in_place).message

    def crashes(w, g, h, eta, mu):
        return w @ g @ h  # shapes do not fit: the learner's code raises

    verdict = check("12.sdlm_step", crashes)
    assert not verdict.correct and "raised RuntimeError" in verdict.message


def test_standard_error_slips_are_named():
    p, n = 0.0095, 10_000
    assert check("12.test_error_precision", math.sqrt(p * (1 - p) / n) * 100).correct
    assert "a fraction" in check("12.test_error_precision", math.sqrt(p * (1 - p) / n)).message
    assert "variance" in check("12.test_error_precision", p * (1 - p) / n * 100).message
    assert "TEST images" in check("12.test_error_precision", math.sqrt(p * (1 - p) / 60_000) * 100).message
    assert not check("12.test_error_precision", None).correct
