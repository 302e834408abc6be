"""Lesson 02 (convolution and pooling): a convolution and a pooling written by the learner, an edge
kernel, and one output size.

The behaviour checkers run the learner's function on inputs of their own (square and not, with
stride, padding and a bias) and compare it with ``F.conv2d`` / ``F.avg_pool2d``; the first case
that differs decides the message, which names the usual slip behind it. Numbers are checked against
values the library computes, never against numbers typed in here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..lessons.convolution import conv_output_size, pool_output_size
from .core import Verdict, exercise, numeric, say


@exercise(
    "02.output_size",
    "A 28x28 digit goes through a 5x5 convolution with stride 1 and zero padding 2, then through "
    "Caffe's 3x3 max pooling with stride 2 (Caffe rounds the pooled size up). What is the side "
    "length of the result?",
    (
        "Two steps: first the size after the convolution, then the size after the pooling.",
        "Padding 2 on each side makes the input 4 pixels wider before the 5x5 kernel slides over it.",
        "Use out = (n + 2p - k) / s + 1 for both steps; round down for the convolution, and up for "
        "Caffe's pooling (pool_output_size(..., ceil_mode=True) does it).",
    ),
)
def _output_size(answer: Any) -> Verdict:
    conv = conv_output_size(28, 5, 1, 2)
    right = pool_output_size(conv, 3, 2, ceil_mode=True)
    no_padding = conv_output_size(28, 5)
    return numeric(
        answer,
        right,
        {
            pool_output_size(conv, 3, 2): "that is PyTorch's rounding down; Caffe's pooling rounds up.",
            conv: "that is the size after the convolution; the pooling still shrinks it.",
            pool_output_size(no_padding, 3, 2, ceil_mode=True): "the padding is missing: 2 zeros on each side.",
        },
    )


# --- 02.conv2d_loops -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvCase:
    """One input the convolution checker feeds the learner's function."""

    image_shape: tuple[int, int]
    kernel_shape: tuple[int, int]
    bias: float = 0.0
    stride: int = 1
    padding: int = 0

    def describe(self) -> str:
        (h, w), (kh, kw) = self.image_shape, self.kernel_shape
        return say(
            "a {h}x{w} image, a {kh}x{kw} kernel, bias {bias:g}, stride {stride}, padding {padding}",
            h=h,
            w=w,
            kh=kh,
            kw=kw,
            bias=self.bias,
            stride=self.stride,
            padding=self.padding,
        )


#: From the simplest case to the hardest: the first one that fails names what is missing.
CONV_CASES: tuple[ConvCase, ...] = (
    ConvCase((6, 6), (3, 3)),
    ConvCase((7, 9), (3, 2)),
    ConvCase((6, 7), (3, 3), bias=0.5),
    ConvCase((5, 6), (3, 3), padding=1),
    ConvCase((9, 8), (3, 3), stride=2),
    ConvCase((11, 8), (4, 3), bias=-1.25, stride=3, padding=2),
)


def _as_map(result: Any) -> Tensor | None:
    """The learner's result as a float tensor, or None when it is not array-like."""
    if result is None:
        return None
    try:
        return torch.as_tensor(result, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def _conv_reference(image: Tensor, kernel: Tensor, case: ConvCase) -> Tensor:
    bias = torch.tensor([case.bias], dtype=image.dtype)
    return F.conv2d(image[None, None], kernel[None, None], bias, stride=case.stride, padding=case.padding)[0, 0]


def _conv_slip(image: Tensor, kernel: Tensor, case: ConvCase, got: Tensor) -> str:
    """The usual mistake behind a wrong output of the right shape, if it is one of them."""
    right = _conv_reference(image, kernel, case)

    def close(other: Tensor) -> bool:
        return other.shape == got.shape and torch.allclose(got, other, atol=1e-4)

    if case.bias and close(right - case.bias):
        return say("the bias is missing: add it to every output value.")
    if case.bias and close(right + case.bias * (kernel.numel() - 1)):
        return say("the bias is added once per product; add it once per output value, after the sum.")
    if close(_conv_reference(image, kernel.flip(0, 1), case)):
        return say(
            "this is the kernel flipped (a textbook convolution); F.conv2d, like Caffe, does not flip: "
            "multiply image[i + u, j + v] by kernel[u, v]."
        )
    if close(_conv_reference(image, kernel.T.contiguous(), case)) and kernel.shape[0] == kernel.shape[1]:
        return say("rows and columns of the kernel are swapped: kernel[u, v] has u along the image's rows.")
    return ""


def _check_conv(conv2d: Callable[..., Any]) -> Verdict:
    if not callable(conv2d):
        return False, say("pass your function itself, conv2d, not a value it returned.")
    g = torch.Generator().manual_seed(2)
    for case in CONV_CASES:
        image = torch.randn(case.image_shape, generator=g, dtype=torch.float64)
        kernel = torch.randn(case.kernel_shape, generator=g, dtype=torch.float64)
        right = _conv_reference(image, kernel, case)
        result = conv2d(image.clone(), kernel.clone(), bias=case.bias, stride=case.stride, padding=case.padding)
        got = _as_map(result)
        if got is None:
            return False, say(
                "for {case} your function returned {kind}, not a tensor: does it end with return out?",
                case=case.describe(),
                kind=type(result).__name__,
            )
        if tuple(got.shape) != tuple(right.shape):
            return False, say(
                "for {case} the output should be {right}, yours is {got}: work the size out with "
                "(n + 2 * padding - k) // stride + 1 along each axis.",
                case=case.describe(),
                right="x".join(map(str, right.shape)),
                got="x".join(map(str, got.shape)) or say("a single number"),
            )
        if not torch.allclose(got, right, atol=1e-4):
            i, j = divmod(int((got - right).abs().argmax()), right.shape[1])
            slip = _conv_slip(image, kernel, case, got)
            return False, say(
                "for {case}, output[{i}, {j}] should be {right:.4f}, yours is {got:.4f}. {slip}",
                case=case.describe(),
                i=i,
                j=j,
                right=right[i, j].item(),
                got=got[i, j].item(),
                slip=slip,
            ).strip()
    return True, say(
        "your loops agree with F.conv2d on all {n} inputs: square and not, with a bias, padding and strides.",
        n=len(CONV_CASES),
    )


@exercise(
    "02.conv2d_loops",
    "Write conv2d(image, kernel, bias=0.0, stride=1, padding=0) with two loops, for a 2-D image "
    "[H, W] and a 2-D kernel [kh, kw] (they need not be square): pad the image with zeros, then at "
    "each output position multiply the patch under the kernel by the kernel, sum, and add the bias. "
    "The check runs it on its own inputs and compares with F.conv2d.",
    (
        "Start from conv2d_loops above: what changes when the kernel moves by stride pixels at a time, "
        "and when the image has padding zeros around it?",
        "Pad first (F.pad(image, (padding,) * 4) adds padding zeros on all four sides), then the top "
        "left corner of the patch for output [i, j] is at row i * stride and column j * stride.",
        "out_h = (H + 2 * padding - kh) // stride + 1 (the same for the width); in the loops, "
        "out[i, j] = (padded[i*stride : i*stride + kh, j*stride : j*stride + kw] * kernel).sum() + bias.",
    ),
)
def _conv2d_loops(answer: Any) -> Verdict:
    return _check_conv(answer)


# --- 02.avg_pool ---------------------------------------------------------------------------------


#: (image shape, window size, stride) for the pooling checker, simplest first.
POOL_CASES: tuple[tuple[tuple[int, int], int, int], ...] = (
    ((4, 4), 2, 2),
    ((6, 8), 2, 2),
    ((7, 9), 2, 2),
    ((9, 7), 3, 2),
    ((8, 10), 3, 3),
)


def _check_avg_pool(avg_pool: Callable[..., Any]) -> Verdict:
    if not callable(avg_pool):
        return False, say("pass your function itself, avg_pool, not a value it returned.")
    g = torch.Generator().manual_seed(3)
    for shape, size, stride in POOL_CASES:
        image = torch.rand(shape, generator=g, dtype=torch.float64)
        right = F.avg_pool2d(image[None], size, stride)[0]
        result = avg_pool(image.clone(), size, stride)
        got = _as_map(result)
        case = say(
            "a {h}x{w} map, {size}x{size} windows, stride {stride}", h=shape[0], w=shape[1], size=size, stride=stride
        )
        if got is None:
            return False, say(
                "for {case} your function returned {kind}, not a tensor: does it end with return out?",
                case=case,
                kind=type(result).__name__,
            )
        if tuple(got.shape) != tuple(right.shape):
            return False, say(
                "for {case} the output should be {right}, yours is {got}: windows that do not fit "
                "completely are dropped, (n - size) // stride + 1 along each axis.",
                case=case,
                right="x".join(map(str, right.shape)),
                got="x".join(map(str, got.shape)) or say("a single number"),
            )
        if torch.allclose(got, right, atol=1e-6):
            continue
        if torch.allclose(got, F.max_pool2d(image[None], size, stride)[0], atol=1e-6):
            return False, say("this is max pooling: take the mean of each window instead of its largest value.")
        if torch.allclose(got, right * size * size, atol=1e-6):
            return False, say("this is the sum of each window: divide it by the number of pixels in the window.")
        return False, say("for {case} the values differ from F.avg_pool2d.", case=case)
    return True, say("your pooling agrees with F.avg_pool2d on all {n} inputs.", n=len(POOL_CASES))


@exercise(
    "02.avg_pool",
    "Write avg_pool(image, size, stride) for a 2-D map [H, W]: the mean of each size x size window, "
    "the windows stride pixels apart, as F.avg_pool2d does (windows that would cross the edge are "
    "left out). The check runs it on maps of its own, square and not, with windows that overlap.",
    (
        "Start from max_pool above: which one line changes?",
        "The output has (H - size) // stride + 1 rows (and likewise columns); window [i, j] starts at "
        "row i * stride, column j * stride.",
        "out[i, j] = image[i*stride : i*stride + size, j*stride : j*stride + size].mean()",
    ),
)
def _avg_pool(answer: Any) -> Verdict:
    return _check_avg_pool(answer)


# --- 02.horizontal_kernel ------------------------------------------------------------------------


def _edge_probe() -> tuple[Tensor, Tensor]:
    """Two 8x8 test images: a horizontal edge (dark top, bright bottom) and a vertical one."""
    horizontal = torch.zeros(8, 8)
    horizontal[4:, :] = 1.0
    return horizontal, horizontal.T.contiguous()


@exercise(
    "02.horizontal_kernel",
    "Make a 3x3 kernel (a tensor) that responds to horizontal edges but gives 0 on vertical edges and on flat areas.",
    (
        "A horizontal edge is a change of brightness from one row to the next: what must the kernel compare?",
        "Flat areas give the sum of the weights; a vertical edge gives 0 only if each row is the same "
        "from left to right.",
        "Give each row one constant value, with the top and bottom rows of opposite sign, so that all "
        "nine weights sum to 0.",
    ),
)
def _horizontal_kernel(answer: Any) -> Verdict:
    k = torch.as_tensor(answer, dtype=torch.float32)
    if k.shape != (3, 3):
        return False, say("the kernel must be 3x3, got shape {shape}.", shape=tuple(k.shape))
    horizontal, vertical = _edge_probe()
    on_h = F.conv2d(horizontal[None, None], k[None, None])[0, 0].abs().max().item()
    on_v = F.conv2d(vertical[None, None], k[None, None])[0, 0].abs().max().item()
    flat = abs(k.sum().item())
    if on_h < 1e-6:
        return False, say("it gives 0 on the horizontal edge too.")
    if flat > 1e-6 * max(1.0, on_h):
        return False, say(
            "on a flat area it gives {total:g} (the sum of its weights); make them sum to 0.", total=k.sum().item()
        )
    if on_v > 1e-6 * max(1.0, on_h):
        return False, say("it also responds to vertical edges: keep each row constant from left to right.")
    return True, say(
        "it fires on the horizontal edge (|response| up to {peak:g}) and is 0 on the vertical one and on flat areas.",
        peak=on_h,
    )
