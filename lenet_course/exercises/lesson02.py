"""Lesson 02 (convolution and pooling): output sizes, padding, an edge kernel, max vs average.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..lessons.convolution import conv_output_size, pool_output_size
from .core import Verdict, exercise, numeric, word


@exercise(
    "02.output_size",
    "A 28x28 digit goes through a 5x5 convolution (stride 1, no padding), then 2x2 max pooling "
    "with stride 2. What is the side length of the result?",
    "conv: 28 - 5 + 1; then pooling halves it.",
)
def _output_size(answer: Any) -> Verdict:
    conv = conv_output_size(28, 5)
    return numeric(
        answer,
        pool_output_size(conv, 2, 2),
        {
            conv: "that is after the convolution; the pooling still halves it.",
            23: "off by one: a 5-wide kernel fits 28 - 5 + 1 = 24 times.",
            14: "the convolution shrinks 28 first, before the pooling halves it.",
        },
    )


@exercise(
    "02.same_padding",
    "How much zero padding keeps a 28x28 input at 28x28 through a 5x5 convolution (stride 1)?",
    "the output is 28 + 2p - 5 + 1; solve for p.",
)
def _same_padding(answer: Any) -> Verdict:
    right = next(p for p in range(10) if conv_output_size(28, 5, 1, p) == 28)
    return numeric(
        answer,
        right,
        {
            4: "4 in total, but padding is added on each side: half of it.",
            5: "padding by the kernel size grows the map; it is (k - 1) / 2.",
        },
    )


def _edge_probe() -> tuple[torch.Tensor, torch.Tensor]:
    """Two 8x8 test images: a horizontal edge (dark top, bright bottom) and a vertical one."""
    horizontal = torch.zeros(8, 8)
    horizontal[4:, :] = 1.0
    return horizontal, horizontal.T.contiguous()


@exercise(
    "02.horizontal_kernel",
    "Make a 3x3 kernel (a tensor) that responds to horizontal edges but gives 0 on vertical edges and on flat areas.",
    "rows of different sign: e.g. negative on top, zero in the middle, positive at the bottom.",
)
def _horizontal_kernel(answer: Any) -> Verdict:
    k = torch.as_tensor(answer, dtype=torch.float32)
    if k.shape != (3, 3):
        return False, f"the kernel must be 3x3, got shape {tuple(k.shape)}."
    horizontal, vertical = _edge_probe()
    on_h = F.conv2d(horizontal[None, None], k[None, None])[0, 0].abs().max().item()
    on_v = F.conv2d(vertical[None, None], k[None, None])[0, 0].abs().max().item()
    flat = abs(k.sum().item())
    if on_h < 1e-6:
        return False, "it gives 0 on the horizontal edge too."
    if flat > 1e-6 * max(1.0, on_h):
        return False, f"on a flat area it gives {k.sum().item():g} (the sum of its weights); make them sum to 0."
    if on_v > 1e-6 * max(1.0, on_h):
        return False, "it also responds to vertical edges: keep each row constant from left to right."
    return True, (
        f"it fires on the horizontal edge (|response| up to {on_h:g}) and is 0 on the vertical one and on flat areas."
    )


@exercise(
    "02.pool_mode",
    "Which pooling, 'max' or 'avg', keeps a single bright pixel at full strength?",
    "a 2x2 window holding one pixel of 1.0 and three of 0.0: what does each pooling return?",
)
def _pool_mode(answer: Any) -> Verdict:
    return word(
        answer,
        {"max"},
        {
            "avg": "the average of 1, 0, 0, 0 is 0.25: it dims the pixel.",
            "average": "the average of 1, 0, 0, 0 is 0.25: it dims the pixel.",
        },
    )
