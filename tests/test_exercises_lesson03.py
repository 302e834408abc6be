"""Lesson 03's exercises: right answers pass, the usual slips get their own message, and the
behaviour checkers refuse a softmax that overflows at logits of 1000, a cross-entropy that sums or
has the wrong sign, and a TutLeNet variant that still max-pools or has other layers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.exercises import check, exercises_for
from lenet_course.models import TutLeNet, count_parameters

SOLUTIONS_FILE = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "lesson03.py"


def _solutions() -> dict:
    spec = importlib.util.spec_from_file_location("_lesson03_solutions", SOLUTIONS_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SOLUTIONS


SOLUTIONS = _solutions()


def test_the_lesson_has_these_exercises_in_order():
    assert [e.id for e in exercises_for("03")] == [
        "03.conv_parameters",
        "03.stable_softmax",
        "03.cross_entropy",
        "03.avgpool_parameters",
        "03.tut_avgpool",
    ]


def test_conv_parameters_and_its_slips():
    assert check("03.conv_parameters", 64 * 50 * 9 + 64)
    for wrong, word in ((28_800, "biases"), (640, "every one of the 50"), (28_850, "per output map")):
        feedback = check("03.conv_parameters", wrong)
        assert not feedback.correct and word in feedback.message, (wrong, feedback.message)


def naive_softmax(z):
    e = z.exp()
    return e / e.sum(dim=1, keepdim=True)


@pytest.mark.parametrize(
    "softmax,word",
    [
        (naive_softmax, "overflows"),
        (lambda z: (z - z.max(1, keepdim=True).values).exp(), "sum to 1"),
        (lambda z: F.softmax(z, dim=0), "each row"),
        (lambda z: F.softmax(z, dim=1).sum(1), "shape"),
        (lambda z: None, "returned NoneType"),
    ],
)
def test_softmax_slips_are_refused(softmax, word):
    feedback = check("03.stable_softmax", softmax)
    assert not feedback.correct and word in feedback.message, feedback.message


def test_stable_softmaxes_pass():
    assert check("03.stable_softmax", SOLUTIONS["03.stable_softmax"])
    assert check("03.stable_softmax", lambda z: F.softmax(z, dim=1))
    assert check("03.stable_softmax", lambda z: F.softmax(z, dim=-1))


def naive_cross_entropy(logits, labels):
    return -naive_softmax(logits)[torch.arange(len(labels)), labels].log().mean()


def shifted_log_softmax(logits):
    m = logits.max(1, keepdim=True).values
    return logits - m - (logits - m).exp().sum(1, keepdim=True).log()


@pytest.mark.parametrize(
    "loss,word",
    [
        (naive_cross_entropy, "overflows"),
        (lambda z, y: -F.cross_entropy(z, y), "sign"),
        (lambda z, y: F.cross_entropy(z, y, reduction="sum"), "sum over the batch"),
        (lambda z, y: F.cross_entropy(z, y, reduction="none"), "one number"),
        (lambda z, y: -shifted_log_softmax(z)[:, 0].mean(), "should be"),  # the wrong class's entry
    ],
)
def test_cross_entropy_slips_are_refused(loss, word):
    feedback = check("03.cross_entropy", loss)
    assert not feedback.correct and word in feedback.message, feedback.message


def test_stable_cross_entropies_pass():
    assert check("03.cross_entropy", SOLUTIONS["03.cross_entropy"])
    assert check("03.cross_entropy", lambda z, y: F.cross_entropy(z, y))
    assert check("03.cross_entropy", lambda z, y: F.cross_entropy(z, y).item())  # a float is fine


def test_avgpool_parameters():
    right = count_parameters(TutLeNet())
    assert check("03.avgpool_parameters", right)
    feedback = check("03.avgpool_parameters", right + 2 * (6 + 16))
    assert not feedback.correct and "trainable subsampling" in feedback.message


class MaxStill(TutLeNet):
    """TutLeNet itself: max pooling, the same parameters."""


class WrongOrder(nn.Module):
    """Average pooling, but ReLU before the pooling and after fc_3 as well."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc_1, self.fc_2, self.fc_3 = nn.Linear(256, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        x = F.avg_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc_1(x.flatten(1)))
        return F.relu(self.fc_3(F.relu(self.fc_2(x))))


class Renamed(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(256, 120), nn.Linear(120, 84), nn.Linear(84, 10)


class TrainableSubsampling(nn.Module):
    """LeNet-5 style: an extra coefficient per map, so two parameters too many."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc_1, self.fc_2, self.fc_3 = nn.Linear(256, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        self.s2 = nn.Parameter(torch.ones(6))


@pytest.mark.parametrize(
    "model,word",
    [
        (MaxStill, "still computes max pooling"),
        (WrongOrder, "other logits"),
        (Renamed, "missing: fc_1"),
        (TrainableSubsampling, "extra: s2"),
        ("TutLeNetAvg", "class itself"),
    ],
)
def test_module_slips_are_refused(model, word):
    feedback = check("03.tut_avgpool", model)
    assert not feedback.correct and word in feedback.message, feedback.message


def test_module_solutions_pass_including_the_tutorials_two_outputs():
    assert check("03.tut_avgpool", SOLUTIONS["03.tut_avgpool"])

    class TwoOutputs(SOLUTIONS["03.tut_avgpool"]):
        def forward(self, x):
            return super().forward(x), None

    assert check("03.tut_avgpool", TwoOutputs)
