"""Lesson 09's checkers: the typical slips get their own message, and broken learner code is refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from torch import nn

import lenet_course.exercises.lesson09  # noqa: F401  (registers the exercises)
from lenet_course.exercises import check

SOLUTIONS_FILE = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "lesson09.py"


def solutions():
    spec = importlib.util.spec_from_file_location("_solutions_09", SOLUTIONS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- 09.conv_macs -----------------------------------------------------------------------------------
def weights_only(conv, x):
    return conv.weight.numel()


def with_bias(conv, x):
    return solutions().conv_macs(conv, x) + conv(x)[0].numel()


def whole_batch(conv, x):
    kh, kw = conv.kernel_size
    return conv(x).numel() * conv.in_channels * kh * kw


def no_channels(conv, x):
    kh, kw = conv.kernel_size
    return conv(x)[0].numel() * kh * kw


def input_positions(conv, x):
    kh, kw = conv.kernel_size
    return x[0, 0].numel() * conv.out_channels * conv.in_channels * kh * kw


@pytest.mark.parametrize(
    "answer,message",
    [
        (weights_only, "that is the number of weights"),
        (with_bias, "one add per output for the bias"),
        (whole_batch, "that is for the whole batch"),
        (no_channels, "multiply by in_channels too"),
        (input_positions, "count the OUTPUT positions"),
        (lambda conv, x: None, "returned None"),
    ],
)
def test_conv_macs_slips_get_their_message(answer, message):
    feedback = check("09.conv_macs", answer)
    assert not feedback.correct and message in feedback.message, feedback.message


def test_conv_macs_needs_a_function_and_accepts_the_solution():
    assert "the function itself" in check("09.conv_macs", 288_000).message
    assert check("09.conv_macs", solutions().conv_macs).correct


# --- 09.deeper_mlp ----------------------------------------------------------------------------------
class NoReLU(nn.Module):
    input_scale = "meanstd"

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 300), nn.Linear(300, 100), nn.Linear(100, 10)

    def forward(self, x):
        return self.fc3(self.fc2(self.fc1(torch.flatten(x, 1))))


class NoFlatten(NoReLU):
    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class Shallow(nn.Module):
    input_scale = "meanstd"

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 300), nn.Linear(300, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


class NoScale(NoReLU):
    input_scale = None

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))))


class Empty(nn.Module):
    def forward(self, x): ...


class NeverLearns(NoScale):
    input_scale = "meanstd"

    def forward(self, x):
        with torch.no_grad():  # nothing reaches the weights: backward() has no graph
            return super().forward(x)


@pytest.mark.parametrize(
    "answer,message",
    [
        (NoReLU, "linear function of the pixels"),
        (NoFlatten, "flatten the images first"),
        (Shallow, "that is the 784-300-10 net"),
        (NoScale, "input_scale = 'meanstd'"),
        (Empty, "it has no layers yet"),
    ],
)
def test_deeper_mlp_slips_get_their_message(answer, message):
    feedback = check("09.deeper_mlp", answer)
    assert not feedback.correct and message in feedback.message, feedback.message


def test_a_model_whose_training_cannot_run_is_not_yet_without_a_traceback():
    feedback = check("09.deeper_mlp", NeverLearns)
    assert not feedback.correct and "Traceback" not in feedback.message


def test_deeper_mlp_accepts_the_solution_after_training_it():
    feedback = check("09.deeper_mlp", solutions().DeeperMLP)
    assert feedback.correct and "266,610 parameters" in feedback.message


# --- 09.standard_error and 09.gap_within_noise --------------------------------------------------------
@pytest.mark.parametrize(
    "answer,message",
    [
        (0.0015399, "that is a fraction"),
        (0.108887, "for the 10,000 test images"),
        (0.00023712, "that is the variance"),
    ],
)
def test_standard_error_slips(answer, message):
    feedback = check("09.standard_error", answer)
    assert not feedback.correct and message in feedback.message, feedback.message


def test_gap_within_noise_wants_a_bool_and_the_right_one():
    assert check("09.gap_within_noise", True).correct
    assert not check("09.gap_within_noise", False).correct
    assert "True or False" in check("09.gap_within_noise", "yes").message
