"""Lesson 06's exercises: broken training loops and SGD steps are refused with the reason, right ones pass."""

from __future__ import annotations

import pytest
import torch.nn.functional as F

from lenet_course.exercises import check


def loop(train=True, zero_grad="before", step=True, give="mean"):
    """A train_one_epoch with one of the usual slips."""

    def train_one_epoch(model, batches, optimizer, device):
        if train:
            model.train()
        losses = []
        for x, y in batches:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            if zero_grad == "before":
                optimizer.zero_grad()
            loss.backward()
            if zero_grad == "between":
                optimizer.zero_grad()
            if step:
                optimizer.step()
            losses.append(loss.item())
        return {"mean": sum(losses) / len(losses), "last": losses[-1], "none": None}[give]

    return train_one_epoch


def test_the_lessons_loop_passes_and_says_the_loss_fell():
    feedback = check("06.train_one_epoch", loop())
    assert feedback.correct and "the loss fell" in feedback.message


@pytest.mark.parametrize(
    "broken,expected",
    [
        (loop(zero_grad="never"), "optimizer.zero_grad() before each"),
        (loop(zero_grad="between"), "did not change"),
        (loop(train=False), "model.train()"),
        (loop(step=False), "stepped 0 times"),
        (loop(give="last"), "last batch's loss"),
        (loop(give="none"), "returns None"),
        (lambda model, batches, optimizer, device: 0.5, "never ran the model"),
    ],
    ids=["no zero_grad", "zero_grad before step", "no train()", "no step", "last loss", "no return", "no loop"],
)
def test_broken_loops_are_refused_with_the_reason(broken, expected):
    feedback = check("06.train_one_epoch", broken)
    assert not feedback.correct and expected in feedback.message, feedback.message


def caffe(w, grad, v, lr, momentum, weight_decay):
    g = grad + weight_decay * w
    v = momentum * v + lr * g
    return w - v, v


def test_caffes_step_passes():
    assert check("06.caffe_sgd_step", caffe)


@pytest.mark.parametrize(
    "broken,expected",
    [
        (lambda w, g, v, lr, m, d: ((w - lr * (m * v + g + d * w)), m * v + g + d * w), "torch.optim.SGD's update"),
        (lambda w, g, v, lr, m, d: (w - (m * v + lr * g), m * v + lr * g), "weight decay is missing"),
        (lambda w, g, v, lr, m, d: (w - (m * v + 0.1 * (g + d * w)), m * v + 0.1 * (g + d * w)), "once it changes"),
        (lambda w, g, v, lr, m, d: caffe(w, g, v, lr, m, d)[0], "pair"),
        (lambda w, g, v, lr, m, d: (caffe(w, g, v, lr, m, d)[0], v), "history"),
    ],
    ids=["torch's update", "no decay", "fixed rate", "returns w only", "history not returned"],
)
def test_caffe_step_slips(broken, expected):
    feedback = check("06.caffe_sgd_step", broken)
    assert not feedback.correct and expected in feedback.message, feedback.message


def test_decay_factor_and_its_slips():
    assert check("06.decay_factor", 1 - 0.01 * 0.0005)
    assert "multiplied by the rate too" in check("06.decay_factor", 1 - 0.0005).message
    assert "weight decay itself" in check("06.decay_factor", 0.0005).message


def test_epochs_and_its_slips():
    assert check("06.epochs", 10_000 * 64 / 60_000) and check("06.epochs", 10_000 / 937)
    assert "batch size" in check("06.epochs", 10_000 / 64).message
    assert "number of iterations" in check("06.epochs", 10_000).message
