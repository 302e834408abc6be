"""Lesson 03 (the LeNet architecture): a parameter count, softmax and cross-entropy written by the
learner, and TutLeNet changed to average pooling.

The behaviour checkers run the learner's code on inputs of their own: logits as large as 1000
(where a textbook softmax overflows) compared with ``F.softmax`` / ``F.cross_entropy``, and the
learner's ``nn.Module`` built, counted, and run with the library's ``TutLeNet`` weights loaded into
it. Numbers are checked against values the library computes, never against numbers typed in here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..models import TutLeNet, build_model, count_parameters
from .core import Verdict, exercise, numeric, say

# --- 03.conv_parameters ----------------------------------------------------------------------------


@exercise(
    "03.conv_parameters",
    "A new convolution reads CaffeLeNet's 50 conv2 maps and makes 64 maps with 3x3 kernels "
    "(nn.Conv2d(50, 64, kernel_size=3)). How many learnable parameters has it?",
    (
        "Count what one output map needs, then multiply by the number of output maps.",
        "One output map has a 3x3 kernel for every input map it reads, and one bias.",
        "out_channels x (in_channels x k x k + 1); nn.Conv2d(50, 64, 3) and count_parameters check it.",
    ),
)
def _conv_parameters(answer: Any) -> Verdict:
    right = count_parameters(nn.Conv2d(50, 64, kernel_size=3))
    return numeric(
        answer,
        right,
        {
            64 * 50 * 3 * 3: "the 64 biases are missing.",
            64 * (3 * 3 + 1): "each output map has a kernel for every one of the 50 input maps.",
            50 * (64 * 3 * 3 + 1): "one bias per output map (64), not per input map.",
        },
    )


# --- 03.stable_softmax and 03.cross_entropy ----------------------------------------------------------


def logit_cases() -> list[tuple[str, Tensor]]:
    """The logits the softmax and cross-entropy checkers try, ordinary first, extreme last."""
    g = torch.Generator().manual_seed(4)
    return [
        (say("ordinary logits (a batch of 8 x 10)"), torch.randn(8, 10, generator=g, dtype=torch.float64) * 3),
        (say("one image (a batch of 1 x 10)"), torch.randn(1, 10, generator=g, dtype=torch.float64)),
        (say("all ten logits equal"), torch.full((2, 10), 7.0, dtype=torch.float64)),
        (
            say("logits of 1000 and -1000"),
            torch.tensor([[1000.0, 0.0, -1000.0, 999.0] + [0.0] * 6, [-1000.0] * 9 + [-998.0]], dtype=torch.float64),
        ),
        (say("logits around 1000 (a batch of 4 x 10)"), torch.randn(4, 10, generator=g, dtype=torch.float64) + 1000),
    ]


def _as_tensor(result: Any) -> Tensor | None:
    if result is None:
        return None
    try:
        return torch.as_tensor(result, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def _check_softmax(softmax: Callable[[Tensor], Any]) -> Verdict:
    if not callable(softmax):
        return False, say("pass your function itself, softmax, not a value it returned.")
    for name, logits in logit_cases():
        right = F.softmax(logits, dim=1)
        result = softmax(logits.clone())
        got = _as_tensor(result)
        if got is None:
            return False, say(
                "on {case} your function returned {kind}, not a tensor: does it end with return?",
                case=name,
                kind=type(result).__name__,
            )
        if tuple(got.shape) != tuple(right.shape):
            return False, say(
                "on {case} the result should have the logits' shape {right}, yours has {got}: "
                "keep one probability per logit (keepdim=True keeps the sums broadcastable).",
                case=name,
                right=tuple(right.shape),
                got=tuple(got.shape),
            )
        if not torch.isfinite(got).all():
            return False, say(
                "on {case} it returns nan or inf: exp(1000) overflows. Subtract each row's largest logit "
                "before exp; the probabilities do not change.",
                case=name,
            )
        if torch.allclose(got, F.softmax(logits, dim=0), atol=1e-6) and logits.shape[0] > 1:
            return False, say(
                "this normalises each column (over the batch); normalise each row (dim=1), one per image."
            )
        if not torch.allclose(got.sum(1), torch.ones(got.shape[0], dtype=got.dtype), atol=1e-6):
            return False, say(
                "on {case} the probabilities of an image do not sum to 1: divide by their sum.", case=name
            )
        if not torch.allclose(got, right, atol=1e-6):
            return False, say("on {case} the probabilities differ from F.softmax.", case=name)
    return True, say("your softmax agrees with F.softmax on every batch, logits of 1000 included.")


@exercise(
    "03.stable_softmax",
    "Write softmax(logits) for a batch of logits [N, 10] (one row per image) that returns the "
    "probabilities [N, 10] and still works when a logit is 1000. The check compares it with "
    "F.softmax(logits, dim=1) on batches of its own, extreme ones included.",
    (
        "Try your first version on torch.tensor([[1000.0, 0.0]]): where does it break, and why?",
        "softmax(z) equals softmax(z - c) for any constant c in each row: choose c so that no exp can overflow.",
        "m = logits.max(dim=1, keepdim=True).values; e = (logits - m).exp(); return e / e.sum(dim=1, keepdim=True)",
    ),
)
def _stable_softmax(answer: Any) -> Verdict:
    return _check_softmax(answer)


def _labels_for(logits: Tensor) -> Tensor:
    """Labels that make each case hard: the smallest logit of each row is the right class."""
    return logits.argmin(dim=1)


def _check_cross_entropy(cross_entropy: Callable[[Tensor, Tensor], Any]) -> Verdict:
    if not callable(cross_entropy):
        return False, say("pass your function itself, cross_entropy, not a value it returned.")
    for name, logits in logit_cases():
        labels = _labels_for(logits)
        right = F.cross_entropy(logits, labels)
        result = cross_entropy(logits.clone(), labels.clone())
        got = _as_tensor(result)
        if got is None:
            return False, say(
                "on {case} your function returned {kind}, not a tensor or number: does it end with return?",
                case=name,
                kind=type(result).__name__,
            )
        if got.numel() != 1:
            return False, say(
                "on {case} it returns {count} numbers; the loss of a batch is one number, the mean over its images.",
                case=name,
                count=got.numel(),
            )
        value, n = got.reshape(()).item(), logits.shape[0]
        if not math.isfinite(value):
            return False, say(
                "on {case} it returns {value}: an exp overflows, or a probability underflows to 0 before "
                "the log. Subtract each row's largest logit before exp, and take the log of the sum, not of "
                "each probability.",
                case=name,
                value=value,
            )
        if math.isclose(value, -right.item(), rel_tol=1e-6, abs_tol=1e-6) and right.item() > 1e-6:
            return False, say("the sign is wrong: the loss is minus the log-probability of the right class.")
        if n > 1 and math.isclose(value, right.item() * n, rel_tol=1e-6, abs_tol=1e-6):
            return False, say("this is the sum over the batch; F.cross_entropy (and Caffe) take the mean.")
        if not math.isclose(value, right.item(), rel_tol=1e-6, abs_tol=1e-6):
            return False, say(
                "on {case} the loss should be {right:.6g}, yours is {got:.6g}.",
                case=name,
                right=right.item(),
                got=value,
            )
    return True, say("your cross-entropy agrees with F.cross_entropy on every batch, logits of 1000 included.")


@exercise(
    "03.cross_entropy",
    "Write cross_entropy(logits, labels): logits [N, 10], labels [N] (class numbers); return the "
    "mean over the batch of minus the log-probability of each image's right class, as one number, "
    "in a way that still works when a logit is 1000. The check compares it with F.cross_entropy.",
    (
        "You need log(softmax) of the right class only; computing softmax first and then its log "
        "loses the tiny probabilities (log 0 = -inf).",
        "log softmax(z)_k = z_k - log(sum_j exp(z_j)), and log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m)) "
        "with m the row's largest logit.",
        "compute log_probs = logits - m - log(sum(exp(logits - m))) per row, pick log_probs[range(N), labels], "
        "negate, and average.",
    ),
)
def _cross_entropy(answer: Any) -> Verdict:
    return _check_cross_entropy(answer)


# --- 03.avgpool_parameters and 03.tut_avgpool ------------------------------------------------------


@cache
def _tut_parameters() -> int:
    return count_parameters(TutLeNet())


@exercise(
    "03.avgpool_parameters",
    "Predict, before you write it: how many learnable parameters has TutLeNet when both of its max "
    "poolings are replaced by 2x2 average poolings?",
    (
        "Which layers of TutLeNet hold parameters, and does changing the pooling touch any of them?",
        "Average a 2x2 window: which numbers would that need to learn? (LeNet-5's subsampling adds "
        "some; plain average pooling does not.)",
        "Count TutLeNet's parameters (count_parameters(TutLeNet())) and add what the new pooling adds.",
    ),
)
def _avgpool_parameters(answer: Any) -> Verdict:
    right = _tut_parameters()
    return numeric(
        answer,
        right,
        {
            right + 2 * (6 + 16): "that is LeNet-5's trainable subsampling (a coefficient and a bias per map); "
            "average pooling itself learns nothing.",
            right + 4 * (6 + 16): "a 2x2 average has no weights to learn: it always takes a quarter of each value.",
        },
    )


def _tut_avg_reference(model: TutLeNet, x: Tensor) -> Tensor:
    """TutLeNet's forward with average pooling, written out with the library model's own layers."""
    x = F.relu(F.avg_pool2d(model.conv1(x), 2))
    x = F.relu(F.avg_pool2d(model.conv2(x), 2))
    x = torch.flatten(x, 1)
    x = F.relu(model.fc_1(x))
    x = F.relu(model.fc_2(x))
    return model.fc_3(x)


def _check_tut_avgpool(model_class: Any) -> Verdict:
    if isinstance(model_class, nn.Module):
        model = model_class
    elif callable(model_class):
        model = model_class()
    else:
        return False, say("pass your class itself (TutLeNetAvg), not a number or a string.")
    if not isinstance(model, nn.Module):
        return False, say("TutLeNetAvg() should build an nn.Module; it built {kind}.", kind=type(model).__name__)
    reference = build_model("tut", seed=0)
    assert isinstance(reference, TutLeNet)
    want = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    have = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    if not have:
        return False, say(
            "it has no layers yet: create conv1, conv2, fc_1, fc_2 and fc_3 in __init__, as MyTutLeNet does."
        )
    if have != want:
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        wrong = sorted(k for k in set(want) & set(have) if want[k] != have[k])
        return False, say(
            "its parameters should be TutLeNet's ({expected} values, layers named conv1, conv2, fc_1, fc_2, "
            "fc_3); missing: {missing}; extra: {extra}; wrong shape: {wrong}.",
            expected=count_parameters(reference),
            missing=", ".join(missing) or say("none"),
            extra=", ".join(extra) or say("none"),
            wrong=", ".join(say("{name} {have} instead of {want}", name=k, have=have[k], want=want[k]) for k in wrong)
            or say("none"),
        )
    model.load_state_dict(reference.state_dict())
    x = torch.randn(5, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    model.eval()
    with torch.no_grad():
        out = model(x)
        if isinstance(out, tuple):  # the tutorial's forward also returns the flattened features
            out = out[0]
        if not isinstance(out, Tensor) or tuple(out.shape) != (5, 10):
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            return False, say(
                "for a batch [5, 1, 28, 28] it should return logits [5, 10], it returned {shape}.", shape=shape
            )
        right, with_max = _tut_avg_reference(reference, x), reference(x)
    if torch.allclose(out, with_max, atol=1e-5):
        return False, say("it still computes max pooling: use nn.AvgPool2d(2) or F.avg_pool2d(x, 2).")
    if not torch.allclose(out, right, atol=1e-5):
        return False, say(
            "with TutLeNet's weights loaded it gives other logits than TutLeNet with average pooling: keep the "
            "order conv -> pool -> ReLU, and ReLU after fc_1 and fc_2 but not after fc_3."
        )
    return True, say(
        "same {count} parameters as TutLeNet, logits [N, 10], and with TutLeNet's weights it computes average pooling.",
        count=count_parameters(model),
    )


@exercise(
    "03.tut_avgpool",
    "Write TutLeNetAvg, an nn.Module: TutLeNet with both max poolings replaced by 2x2 average "
    "pooling, everything else the same (layer names conv1, conv2, fc_1, fc_2, fc_3; forward returns "
    "the logits). The check builds it, counts its parameters, loads TutLeNet's weights into it and "
    "runs it.",
    (
        "Start from MyTutLeNet above: which lines name the pooling?",
        "F.avg_pool2d(x, kernel_size=2) (or an nn.AvgPool2d(2) module) averages each 2x2 window; nothing else changes.",
        "Copy MyTutLeNet, rename it TutLeNetAvg, replace each F.max_pool2d by F.avg_pool2d and return "
        "only the logits; then compare count_parameters(TutLeNetAvg()) with your prediction.",
    ),
)
def _tut_avgpool(answer: Any) -> Verdict:
    return _check_tut_avgpool(answer)
