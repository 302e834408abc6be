"""Lesson 11 (the 1989 ZIP-code network): H2's free parameters, the paper's cost, H2's partial layer.

The numeric answer is computed by counting a network the library builds; the two code exercises
run the learner's function on inputs of the checker's own (random maps, other connection tables)
and compare it with :mod:`lenet_course.zipcode1989`, naming the usual slips.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from ..zipcode1989 import (
    H1_MAPS,
    H2_MAPS,
    H2_TABLE,
    OUTPUTS,
    STRIDE,
    ZipcodeNet,
    count_network,
    paper_mse,
    paper_targets,
    partial_connection,
    scaled_tanh,
)
from .core import Verdict, exercise, numeric, say

# ---- 11.h2_all_maps -----------------------------------------------------------------------------


def _h2_count(maps_read: int) -> tuple[int, int]:
    """(connections, free parameters) of H2 when each of its maps reads ``maps_read`` H1 maps."""
    table = [[(j + k) % H1_MAPS for k in range(maps_read)] for j in range(H2_MAPS)]
    h2 = count_network(ZipcodeNet(table=table)).layers[1]
    return h2.connections, h2.free_parameters


@exercise(
    "11.h2_all_maps",
    "Suppose every H2 map read all 12 of H1's maps instead of 8 (same 5x5 fields, same stride, "
    "one bias per unit as in 1989). How many free parameters would H2 have?",
    (
        "Free parameters are the numbers a layer learns: a shared kernel counts once, and so does each bias.",
        "Each H2 map holds one 5x5 kernel per H1 map it reads; H2 has 12 maps of 4x4 units, each unit with "
        "its own bias.",
        "Method: (H2 maps) x (H1 maps read) x 25 + (H2 units); or build ZipcodeNet(table=...) with rows of "
        "12 maps and read count_network(...).layers[1].",
    ),
)
def _h2_all_maps(answer: Any) -> Verdict:
    connections, free = _h2_count(H1_MAPS)
    _, paper_free = _h2_count(8)
    kernels = H2_MAPS * H1_MAPS * 25
    return numeric(
        answer,
        free,
        {
            paper_free: "that is the paper's H2, whose maps read 8 H1 maps each; here they read all 12.",
            kernels + H2_MAPS: "one bias per map is today's convolution; in 1989 each of H2's 192 units had its own.",
            kernels: "the kernels are right, but the biases are free parameters too.",
            connections: "that counts connections (every unit's input lines and bias); shared weights count once.",
        },
    )


# ---- 11.paper_mse -------------------------------------------------------------------------------


def _as_scalar(value: Any) -> torch.Tensor:
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        raise TypeError(say("the function must return a one-number tensor (so that backward() works)."))
    return value.reshape(())


@exercise(
    "11.paper_mse",
    "Write mse(outputs, labels): the paper's cost for a batch of outputs [N, 10] and integer labels [N], "
    "with the targets of this lesson, averaged as the paper averages it. Return a tensor.",
    (
        "Two choices make it the paper's: which target each of the 10 units gets, and what the sum is divided by.",
        "Build a target tensor [N, 10] the shape of the outputs: the label's unit gets TARGET_ON, every other "
        "unit TARGET_OFF.",
        "Method: targets = full of TARGET_OFF, targets[arange(N), labels] = TARGET_ON; then the mean of "
        "(outputs - targets) squared over all N x 10 entries.",
    ),
)
def _paper_mse(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("expected a function mse(outputs, labels), got {kind}.", kind=type(answer).__name__)
    g = torch.Generator().manual_seed(11)
    for n in (5, 1, 64):
        outputs = (torch.rand(n, OUTPUTS, generator=g) * 3.4 - 1.7).requires_grad_()
        labels = torch.randint(0, OUTPUTS, (n,), generator=g)
        got = _as_scalar(answer(outputs, labels))
        want = paper_mse(outputs.detach(), labels)
        if not math.isclose(float(got.detach()), float(want), rel_tol=1e-5, abs_tol=1e-7):
            return False, _mse_slip(float(got.detach()), outputs.detach(), labels)
        if not got.requires_grad:
            return False, say("the value is right, but it is cut off from the outputs: backward() could not train.")
        (grad,) = torch.autograd.grad(got, outputs)
        expected = 2 * (outputs.detach() - paper_targets(labels)) / outputs.numel()
        if not torch.allclose(grad, expected, atol=1e-6):
            return False, say("the value is right but its gradient is not: compute it from the outputs directly.")
    return True, say("it matches the library's paper_mse on batches of 5, 1 and 64, value and gradient.")


def _mse_slip(got: float, outputs: torch.Tensor, labels: torch.Tensor) -> str:
    """The specific message for a wrong MSE: one-hot 0/1 targets, sums instead of means, a factor 1/2."""
    one_hot = F.one_hot(labels, OUTPUTS).float()
    squared = (outputs - paper_targets(labels)).pow(2)
    slips = {
        float((outputs - one_hot).pow(2).mean()): say(
            "targets of 0 and 1 (one-hot): the wrong classes' target here "
            "is TARGET_OFF, on the negative side, where the tanh is symmetric."
        ),
        float(squared.sum(1).mean()): say("summed over the 10 outputs: the paper averages over the output units too."),
        float(squared.sum()): say("that is the sum over everything: the paper reports a mean."),
        float(squared.mean() / 2): say("half the mean squared error: the paper's figure is the plain mean."),
        float(squared.sum(0).mean()): say("summed over the patterns: the paper averages over the patterns too."),
    }
    for value, why in slips.items():
        if math.isclose(got, value, rel_tol=1e-5, abs_tol=1e-7):
            return why
    return say("it gives {got:.6g}, the paper's MSE is {want:.6g}.", got=got, want=float(squared.mean()))


# ---- 11.h2_layer --------------------------------------------------------------------------------

#: Connection tables the checker tries besides the lesson's: Karpathy's blocks, and rows of 4 maps.
_OTHER_TABLES = (
    tuple(tuple(r) for r in ([*range(8)],) * 4 + ([*range(4, 12)],) * 4 + ([*range(4), *range(8, 12)],) * 4),
    tuple(tuple((3 * j + k) % H1_MAPS for k in range(4)) for j in range(H2_MAPS)),
)


def _variants(maps: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, table: Any) -> dict[str, torch.Tensor]:
    """The usual wrong versions of the H2 layer, by what they did (in the learner's language)."""
    zero_padded = torch.stack(
        [
            F.conv2d(F.pad(maps[:, list(row)], (2, 2, 2, 2)), weight[j : j + 1], stride=STRIDE)[:, 0]
            for j, row in enumerate(table)
        ],
        1,
    )
    right = partial_connection(maps, weight, bias, table)
    return {
        say(
            "the border reads zeros: the paper's fields that fall off the border read the background plane, "
            "whose state is BACKGROUND, not 0."
        ): zero_padded + bias,
        say("no bias added: each H2 unit has its own bias, bias[j, y, x]."): right - bias,
        say("one bias per map: in 1989 every unit had its own bias, bias[j, y, x], not bias[j, 0, 0]."): (
            right - bias + bias[:, :1, :1]
        ),
        say("every map reads the same H1 maps: map j must read the maps listed in table[j]."): partial_connection(
            maps, weight, bias, [table[0]] * len(table)
        ),
        say("that is after the squashing: return the weighted sums plus biases, before scaled_tanh."): (
            scaled_tanh(right)
        ),
    }


@exercise(
    "11.h2_layer",
    "Write h2_layer(h1, weight, bias, table): H2's weighted sums (before the squashing) for H1 states "
    "h1 [N, 12, 8, 8], kernels weight [12, k, 5, 5], one bias per unit bias [12, 4, 4] and a connection "
    "table (12 rows of k H1 map indices). Map j reads only the maps table[j].",
    (
        "Treat one H2 map at a time: it is an ordinary convolution over the few H1 maps its row names.",
        "For map j: pick h1[:, list(table[j])], put the background plane around it as for H1 (2 before, 1 "
        "after), convolve with weight[j] at stride 2, add bias[j].",
        "Method: pad = F.pad(h1, (2, 1, 2, 1), value=BACKGROUND); for each j, "
        "F.conv2d(pad[:, list(table[j])], weight[j:j+1], stride=2)[:, 0] + bias[j]; stack the 12 maps on dim 1.",
    ),
)
def _h2_layer(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say(
            "expected a function h2_layer(h1, weight, bias, table), got {kind}.", kind=type(answer).__name__
        )
    g = torch.Generator().manual_seed(89)
    for table in (H2_TABLE, *_OTHER_TABLES):
        k = len(table[0])
        maps = torch.rand(3, H1_MAPS, 8, 8, generator=g) * 3.4 - 1.7
        weight = torch.randn(H2_MAPS, k, 5, 5, generator=g) * 0.2
        bias = torch.randn(H2_MAPS, 4, 4, generator=g)
        got = answer(maps.clone(), weight.clone(), bias.clone(), table)
        if not isinstance(got, torch.Tensor):
            return False, say("h2_layer must return a tensor, got {kind}.", kind=type(got).__name__)
        if tuple(got.shape) != (3, H2_MAPS, 4, 4):
            return False, say(
                "for 3 images it returned shape {shape}, expected (3, 12, 4, 4): check the stride and the "
                "border (2 background pixels before, 1 after).",
                shape=tuple(got.shape),
            )
        want = partial_connection(maps, weight, bias, table)
        if torch.allclose(got, want, atol=1e-5):
            continue
        for why, wrong in _variants(maps, weight, bias, table).items():
            if torch.allclose(got, wrong, atol=1e-5):
                return False, why
        worst = float((got - want).abs().max())
        return False, say(
            "with a table whose rows read {k} maps it is off by up to {worst:.3g}; compare it map by map with "
            "partial_connection.",
            k=k,
            worst=worst,
        )
    return True, say(
        "it matches the library's partial_connection for the lesson's table and two others (blocks of 8, rows of "
        "4), background border and per-unit biases included."
    )
