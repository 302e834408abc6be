"""Lesson 09 (the comparison lab): counting a convolution's multiply-adds, adding a model to the
grid, and reading an error rate with its standard error.

``09.conv_macs`` runs the learner's counter on convolutions of several shapes (strides, padding,
non-square kernels and inputs, a batch of several images) and compares it with
:func:`lenet_course.complexity.conv2d_macs`. ``09.deeper_mlp`` builds the learner's network,
checks its shape, parameters and multiply-adds against :mod:`lenet_course.complexity`, that it
is not linear, and trains it briefly with the grid's own loop (:func:`lenet_course.comparison.train_one`)
to see that it learns. The two questions on standard errors are computed with
:func:`lenet_course.comparison.standard_error`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..comparison import Entrant, GridBudget, seeded_builder, standard_error, train_one
from ..complexity import complexity, conv2d_macs
from ..models import INPUT_SCALES, count_parameters
from ..runtime import seeded
from .core import AnswerError, Verdict, as_number, exercise, numeric, say

# --- 09.conv_macs: the learner's multiply-add counter for one convolution --------------------------

#: (layer arguments, input shape) pairs the counter is tried on.
_CONV_CASES: tuple[tuple[dict[str, Any], tuple[int, ...]], ...] = (
    ({"in_channels": 1, "out_channels": 20, "kernel_size": 5}, (1, 1, 28, 28)),
    ({"in_channels": 20, "out_channels": 50, "kernel_size": 5}, (1, 20, 12, 12)),
    ({"in_channels": 3, "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1}, (1, 3, 28, 20)),
    ({"in_channels": 4, "out_channels": 6, "kernel_size": (3, 5)}, (1, 4, 16, 16)),
    ({"in_channels": 6, "out_channels": 16, "kernel_size": 5}, (4, 6, 14, 14)),
)


def _describe(conv: nn.Conv2d, shape: tuple[int, ...]) -> str:
    return (
        f"Conv2d({conv.in_channels}, {conv.out_channels}, kernel_size={conv.kernel_size}, "
        f"stride={conv.stride}, padding={conv.padding}) on input {list(shape)}"
    )


def _conv_slip(value: int, conv: nn.Conv2d, x: torch.Tensor, expected: int) -> str:
    """The message for a count that is wrong in a recognisable way."""
    out = conv(x)[0]
    kh, kw = conv.kernel_size
    positions = out.shape[-1] * out.shape[-2]
    if value == conv.weight.numel():
        return say("that is the number of weights: each one is used once per output position, so multiply.")
    if conv.bias is not None and value == expected + out.numel():
        return say("that includes one add per output for the bias; the course counts the weights' multiply-adds only.")
    if x.shape[0] > 1 and value == expected * x.shape[0]:
        return say("that is for the whole batch; count ONE image (the batch has {n}).", n=x.shape[0])
    if value == out.numel() * kh * kw:
        return say("each output reads every input channel: multiply by in_channels too.")
    if value == x[0, 0].numel() * conv.out_channels * conv.in_channels * kh * kw:
        return say("that uses the input's size; count the OUTPUT positions (stride and padding change them).")
    if value == positions * conv.in_channels * kh * kw:
        return say("that is one output map; there are out_channels of them.")
    return say("{value} is not it.", value=value)


@exercise(
    "09.conv_macs",
    "Write conv_macs(conv, x): the multiply-adds an nn.Conv2d layer `conv` spends on ONE image of "
    "the batch `x` (biases, like activations and pooling, are not counted).",
    (
        "Each output value is one dot product between the kernel and a patch of the input. How many "
        "output values does one image give, and how long is each dot product?",
        "Run the layer on x to get the output's shape; one image's outputs are out_channels x H_out x W_out.",
        "macs = (out_channels x H_out x W_out) x (in_channels x kh x kw), with kh, kw = conv.kernel_size; "
        "use conv(x)[0].numel() for the first factor.",
    ),
)
def _conv_macs(answer: Any) -> Verdict:
    if not callable(answer):
        raise AnswerError(say("give the function itself (conv_macs), not a number."))
    generator = torch.Generator().manual_seed(9)
    for kwargs, shape in _CONV_CASES:
        with seeded(9):  # the same layer every time, and the process's random stream untouched
            conv = nn.Conv2d(**kwargs)
        x = torch.randn(shape, generator=generator)
        with torch.no_grad():
            expected = conv2d_macs(conv, conv(x))
            got = answer(conv, x)
        if got is None:
            return False, say("conv_macs returned None: end it with return and the count.")
        value = as_number(got)
        if value != expected:
            return False, say(
                "for {layer}: {why}", layer=_describe(conv, shape), why=_conv_slip(int(value), conv, x, expected)
            )
    return True, say("right on all {n} layers tried, strides, padding and batches included.", n=len(_CONV_CASES))


# --- 09.deeper_mlp: a model of the learner's, added to the grid ------------------------------------

#: The sizes the learner's network must have: 784 -> 300 -> 100 -> 10.
DEEPER_SIZES = (28 * 28, 300, 100, 10)
#: The short training the checker gives it: enough for a working net to pass 85% on validation.
CHECK_BUDGET = GridBudget(iterations=150, val_every=75, seeds=(0,), fit_limit=5_000, val_limit=1_000, test_limit=500)
#: The largest validation error a net that learns reaches after CHECK_BUDGET.
CHECK_MAX_VAL_ERROR = 0.15


def _reference_deeper_mlp() -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(DEEPER_SIZES, DEEPER_SIZES[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(DEEPER_SIZES) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _count(sizes: tuple[int, ...], bias: bool = True) -> int:
    return sum(a * b + (b if bias else 0) for a, b in zip(sizes, sizes[1:]))


def _builder(answer: Any) -> Callable[[int], nn.Module]:
    """``build(seed)`` from a class, a factory, or a model (a model is copied, never trained)."""
    if isinstance(answer, nn.Module):
        return lambda seed: copy.deepcopy(answer)
    if callable(answer):
        return seeded_builder(answer)
    raise AnswerError(say("give the class itself (DeeperMLP), not {kind}.", kind=type(answer).__name__))


def _is_linear(model: nn.Module) -> bool:
    """True when model(a + b) = model(a) + model(b) - model(0): no non-linearity anywhere."""
    g = torch.Generator().manual_seed(3)
    a, b = torch.randn(2, 1, 28, 28, generator=g), torch.randn(2, 1, 28, 28, generator=g)
    with torch.no_grad():
        zero = model(torch.zeros_like(a))
        gap = model(a + b) - model(a) - model(b) + zero
        scale = model(a).abs().max().clamp_min(1e-6)
    return bool(gap.abs().max() <= 1e-4 * scale)


@exercise(
    "09.deeper_mlp",
    "Write DeeperMLP, an nn.Module with two hidden layers, 784 -> 300 -> 100 -> 10, ReLU after "
    "each hidden layer, logits out, and the class attribute input_scale = 'meanstd'. The checker "
    "counts it and trains it briefly.",
    (
        "Start from the MLP of lenet_course.baselines: one more nn.Linear and one more activation.",
        "In __init__: nn.Linear(784, 300), nn.Linear(300, 100), nn.Linear(100, 10); in forward: "
        "flatten first, then linear, ReLU, linear, ReLU, linear.",
        "forward(x): x = torch.flatten(x, 1); x = torch.relu(self.fc1(x)); x = torch.relu(self.fc2(x)); "
        "return self.fc3(x)",
    ),
)
def _deeper_mlp(answer: Any) -> Verdict:
    build = _builder(answer)
    model = build(0)
    if not isinstance(model, nn.Module):
        raise AnswerError(say("DeeperMLP() should make an nn.Module, got {kind}.", kind=type(model).__name__))
    expected_parameters = count_parameters(_reference_deeper_mlp())
    parameters = count_parameters(model)
    if parameters == 0:
        return False, say("it has no layers yet: create the three nn.Linear layers in __init__.")
    x = torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    try:
        with torch.no_grad():
            out = model(x)
    except Exception:  # the learner's forward fails on an MNIST batch: say what to look at, not torch's words
        return False, say("forward fails on a batch of shape [8, 1, 28, 28]: does it flatten the images first?")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (8, 10):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        return False, say("for a batch [8, 1, 28, 28] forward should return [8, 10] logits, got {shape}.", shape=shape)
    if parameters != expected_parameters:
        slips = {
            _count(DEEPER_SIZES, bias=False): say("the biases are missing: keep nn.Linear's bias=True."),
            _count((784, 300, 10)): say("that is the 784-300-10 net: add the 100-unit layer between."),
            _count((784, 100, 300, 10)): say("the hidden layers are in the other order: 300 first, then 100."),
        }
        why = slips.get(parameters, say("the sizes are 784 -> 300 -> 100 -> 10."))
        return False, say(
            "it has {got:,} parameters, the net asked for has {want:,}: {why}",
            got=parameters,
            want=expected_parameters,
            why=why,
        )
    macs, expected_macs = complexity(model).macs, complexity(_reference_deeper_mlp()).macs
    if macs != expected_macs:
        return False, say(
            "it spends {got:,} multiply-adds per image, the net asked for {want:,}: is every layer nn.Linear, "
            "used once?",
            got=macs,
            want=expected_macs,
        )
    if _is_linear(model):
        return False, say("it is a linear function of the pixels: put a ReLU after each hidden layer.")
    scale = getattr(model, "input_scale", None)
    if scale not in INPUT_SCALES:
        return False, say("give the class the attribute input_scale = 'meanstd' (how its pixels are scaled).")
    run = train_one(Entrant("yours", "DeeperMLP", build), 0, CHECK_BUDGET, device="cpu")
    if run.val_error > CHECK_MAX_VAL_ERROR:
        return False, say(
            "after {n} iterations its validation error is {err:.1%} (a working net is below {bar:.0%}): does "
            "forward use every layer?",
            n=CHECK_BUDGET.iterations,
            err=run.val_error,
            bar=CHECK_MAX_VAL_ERROR,
        )
    return True, say(
        "{params:,} parameters, {macs:,} multiply-adds per image, and {err:.1%} validation error after a short run.",
        params=parameters,
        macs=macs,
        err=run.val_error,
    )


# --- 09.standard_error and 09.gap_within_noise: reading a measured error rate ----------------------

VAL_IMAGES = 5_000
VAL_ERROR = 0.012


@exercise(
    "09.standard_error",
    "A model makes 1.2% errors on the 5,000 validation images. What is the standard error of that "
    "figure, in percentage points (e.g. 0.5 for half a percentage point)?",
    (
        "Each image is right or wrong: the number of errors is a binomial count. How spread is a "
        "binomial count, and what happens when you divide it by n?",
        "The standard error of a measured rate p on n images is sqrt(p (1 - p) / n); p as a fraction.",
        "sqrt(0.012 * 0.988 / n) with n the number of validation images, then times 100 for percentage points.",
    ),
)
def _standard_error(answer: Any) -> Verdict:
    expected = 100 * standard_error(VAL_ERROR, VAL_IMAGES)
    return numeric(
        answer,
        expected,
        {
            expected / 100: "that is a fraction; in percentage points multiply it by 100.",
            100
            * standard_error(VAL_ERROR, 10_000): "that is for the 10,000 test images; this is the validation split.",
            100 * VAL_ERROR * (1 - VAL_ERROR) / VAL_IMAGES: "that is the variance: take its square root.",
        },
        rel=2e-3,
        absolute=1e-7,
    )


PAPER_LENET5, RERUN = 0.0095, 0.0088


@exercise(
    "09.gap_within_noise",
    "The paper's LeNet-5 made 0.95% test errors; suppose a rerun makes 0.88% on the same 10,000 test "
    "images. Is the gap smaller than two standard errors of the 0.95% figure? Answer True or False.",
    (
        "Compute the standard error of 0.95% measured on 10,000 images first.",
        "Compare the gap, 0.95% - 0.88%, with twice sqrt(0.0095 * 0.9905 / 10000).",
    ),
)
def _gap_within_noise(answer: Any) -> Verdict:
    if not isinstance(answer, bool):
        raise AnswerError(say("answer True or False (a bool), got {kind}.", kind=type(answer).__name__))
    gap = abs(PAPER_LENET5 - RERUN)
    two = 2 * standard_error(PAPER_LENET5)
    if answer == (gap < two):
        return True, say(
            "the gap is {gap:.2f} percentage points and two standard errors are {two:.2f}: {verdict}",
            gap=100 * gap,
            two=100 * two,
            verdict=say("a test set of 10,000 cannot tell these two apart.")
            if gap < two
            else say("the gap is larger than the test set's noise."),
        )
    return False, say("work out both numbers before you compare them.")
