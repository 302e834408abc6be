"""Lesson 02's exercises: right answers pass, the usual slips get their own message, and the
behaviour checkers refuse broken convolutions and poolings (a forgotten bias, a flipped kernel,
no padding, max instead of average)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from lenet_course.exercises import check, exercises_for

SOLUTIONS_FILE = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "lesson02.py"


def _solutions() -> dict:
    spec = importlib.util.spec_from_file_location("_lesson02_solutions", SOLUTIONS_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SOLUTIONS


SOLUTIONS = _solutions()


def conv_with(*, bias_used=True, flip=False, pad=True, stride_used=True, bias_per_product=False):
    """A two-loop conv2d with one chosen slip (the default has none)."""

    def conv2d(image, kernel, bias=0.0, stride=1, padding=0):
        k = kernel.flip(0, 1) if flip else kernel
        p = padding if pad else 0
        s = stride if stride_used else 1
        x = F.pad(image, (p,) * 4)
        kh, kw = k.shape
        out = torch.zeros((x.shape[0] - kh) // s + 1, (x.shape[1] - kw) // s + 1, dtype=image.dtype)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                products = x[i * s : i * s + kh, j * s : j * s + kw] * k
                if bias_per_product:
                    out[i, j] = (products + bias).sum()
                else:
                    out[i, j] = products.sum() + (bias if bias_used else 0.0)
        return out

    return conv2d


def test_the_lesson_has_these_exercises_in_order():
    assert [e.id for e in exercises_for("02")] == [
        "02.output_size",
        "02.conv2d_loops",
        "02.avg_pool",
        "02.horizontal_kernel",
    ]


def test_a_correct_loop_convolution_is_accepted_and_the_library_agrees():
    assert check("02.conv2d_loops", SOLUTIONS["02.conv2d_loops"])
    assert check("02.conv2d_loops", conv_with())
    # the library's reference passes too (with its [H, W] signature adapted)
    from lenet_course.lessons.convolution import conv2d_naive

    assert check(
        "02.conv2d_loops",
        lambda im, k, bias=0.0, stride=1, padding=0: conv2d_naive(im, k, bias=bias, stride=stride, padding=padding),
    )


@pytest.mark.parametrize(
    "slip,message",
    [
        ({"bias_used": False}, "bias is missing"),
        ({"bias_per_product": True}, "once per product"),
        ({"flip": True}, "flipped"),
        ({"pad": False}, "output should be"),
        ({"stride_used": False}, "output should be"),
    ],
)
def test_broken_convolutions_are_refused_with_their_slip(slip, message):
    feedback = check("02.conv2d_loops", conv_with(**slip))
    assert not feedback.correct
    assert message in feedback.message


def test_conv_that_returns_nothing_or_calls_with_wrong_signature_is_not_yet():
    def forgot_return(image, kernel, bias=0.0, stride=1, padding=0):
        torch.zeros(2, 2)

    feedback = check("02.conv2d_loops", forgot_return)
    assert not feedback.correct and "return out" in feedback.message
    feedback = check("02.conv2d_loops", lambda image, kernel: image)  # no bias/stride/padding arguments
    assert not feedback.correct and "Traceback" not in feedback.message
    assert not check("02.conv2d_loops", torch.zeros(3, 3))  # a value, not the function


def test_average_pooling_checker():
    assert check("02.avg_pool", SOLUTIONS["02.avg_pool"])
    assert check("02.avg_pool", lambda image, size, stride: F.avg_pool2d(image[None], size, stride)[0])
    maxed = check("02.avg_pool", lambda image, size, stride: F.max_pool2d(image[None], size, stride)[0])
    assert not maxed and "max pooling" in maxed.message
    summed = check("02.avg_pool", lambda image, size, stride: F.avg_pool2d(image[None], size, stride)[0] * size**2)
    assert not summed and "sum of each window" in summed.message
    ceil = check("02.avg_pool", lambda im, size, stride: F.avg_pool2d(im[None], size, stride, ceil_mode=True)[0])
    assert not ceil and "output should be" in ceil.message


def test_output_size_slips():
    assert check("02.output_size", SOLUTIONS["02.output_size"])
    assert check("02.output_size", 14) and check("02.output_size", torch.tensor(14.0))
    for wrong, word in ((13, "rounds up"), (28, "after the convolution"), (12, "padding is missing"), (3, "small")):
        feedback = check("02.output_size", wrong)
        assert not feedback.correct and word in feedback.message, (wrong, feedback.message)
    assert not check("02.output_size", True)  # a bool is not a number here


@pytest.mark.parametrize(
    "kernel,word",
    [
        (torch.ones(3, 3), "sum to 0"),
        (torch.tensor([[-1.0, 0.0, 1.0]] * 3), "horizontal edge too"),
        (torch.tensor([[-2.0, -1.0, 0.0], [-1.0, 0.0, 1.0], [0.0, 1.0, 2.0]]), "vertical"),
        (torch.zeros(2, 2), "3x3"),
    ],
)
def test_horizontal_kernel_slips(kernel, word):
    feedback = check("02.horizontal_kernel", kernel)
    assert not feedback.correct and word in feedback.message


def test_horizontal_kernel_accepts_any_kernel_of_the_right_kind():
    assert check("02.horizontal_kernel", SOLUTIONS["02.horizontal_kernel"])
    assert check("02.horizontal_kernel", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
    assert check("02.horizontal_kernel", [[-1, -1, -1], [2, 2, 2], [-1, -1, -1]])  # a line detector fires too
