"""Lesson 06 (training LeNet): the training loop and Caffe's SGD step written by the learner, weight
decay's shrink factor, and epochs of the recipe.

``06.train_one_epoch`` runs the learner's loop on a small model and a few MNIST batches and compares
the weights it ends with to :func:`lenet_course.training_loop.train_epoch`'s; ``06.caffe_sgd_step``
runs the learner's update against :class:`lenet_course.optim.CaffeSGD` over several steps with a
changing rate. Every answer is checked against what the library computes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..config import SolverConfig
from ..data import load_mnist, scale_images
from ..optim import CaffeSGD
from ..training_loop import evaluate_batches, train_epoch
from .core import Verdict, exercise, numeric, say

# --- the training loop, written by the learner ---------------------------------------------------


class _Probe(nn.Module):
    """A small linear classifier of MNIST digits that notes the mode of each forward pass."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.0)  # a module whose behaviour depends on train()/eval()
        self.linear = nn.Linear(784, 10)
        with torch.no_grad():
            self.linear.weight.copy_(torch.randn(10, 784, generator=generator) * 0.01)
            self.linear.bias.zero_()
        self.modes: list[bool] = []

    def forward(self, x: Tensor) -> Tensor:
        self.modes.append(self.training)
        return self.linear(self.dropout(self.flatten(x)))


class _CountingSGD(torch.optim.SGD):
    """torch's SGD, counting its steps."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params, lr=lr)
        self.steps = 0

    def step(self, closure: Any = None) -> Any:
        self.steps += 1
        return super().step(closure)


@functools.cache
def _loop_batches() -> tuple[tuple[Tensor, Tensor], ...]:
    """Eight batches of 32 digits of the fit split, scaled as Caffe scales them."""
    images, labels = load_mnist("fit")
    x = scale_images(images[:256], "caffe")
    return tuple((x[i : i + 32], labels[i : i + 32]) for i in range(0, 256, 32))


def _run_loop(loop: Callable[..., Any], lr: float = 0.5) -> tuple[_Probe, _CountingSGD, Any]:
    model = _Probe().eval()  # handed over in eval mode: the loop must switch it to training
    optimizer = _CountingSGD(model.parameters(), lr=lr)
    returned = loop(model, list(_loop_batches()), optimizer, "cpu")
    return model, optimizer, returned


def _accumulating_reference(lr: float = 0.5) -> _Probe:
    """What a loop that never calls zero_grad ends with: each step uses the sum of all gradients so far."""
    model = _Probe()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for x, y in _loop_batches():
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return model


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.allclose(p, q, rtol=1e-4, atol=1e-6) for p, q in zip(a.parameters(), b.parameters()))


@exercise(
    "06.train_one_epoch",
    "Write train_one_epoch(model, batches, optimizer, device): one pass over batches (pairs of images and "
    "labels) that trains model with cross-entropy, and returns the mean of the batch losses.",
    (
        "The loop of section 1: the model in training mode, then for every batch the five lines from the "
        "batch to the optimizer's step.",
        "Per batch: move x and y to device, logits = model(x), loss = F.cross_entropy(logits, y), clear the "
        "old gradients, backward, step. Collect loss.item() to average at the end.",
        "model.train(); for x, y in batches: ... optimizer.zero_grad(); loss.backward(); optimizer.step(); "
        "losses.append(loss.item()); then return sum(losses) / len(losses).",
    ),
)
def _train_one_epoch(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass your function itself (train_one_epoch, without brackets).")
    model, optimizer, returned = _run_loop(answer)
    batches = len(_loop_batches())
    if not model.modes:
        return False, say("your loop never ran the model on a batch.")
    if not all(model.modes):
        return False, say("the model ran in eval mode: call model.train() before the loop.")
    if optimizer.steps != batches:
        return False, say(
            "the optimizer stepped {steps} times for {batches} batches: one step per batch.",
            steps=optimizer.steps,
            batches=batches,
        )
    reference = _Probe()
    stats = train_epoch(reference, list(_loop_batches()), torch.optim.SGD(reference.parameters(), lr=0.5))
    if not _same_weights(model, reference):
        if _same_weights(model, _accumulating_reference()):
            return False, say(
                "the gradients piled up from batch to batch: call optimizer.zero_grad() before each loss.backward()."
            )
        if _same_weights(model, _Probe()):
            return False, say("the weights did not change: are the gradients cleared between backward() and step()?")
        return False, say("the weights after your epoch differ from those of the loop in the lesson.")
    if returned is None:
        return False, say("the weights are right, but the function returns None: return the mean batch loss.")
    value = float(returned)
    if not math.isclose(value, stats.loss, rel_tol=1e-4):
        if math.isclose(value, stats.batch_losses[-1], rel_tol=1e-4):
            return False, say("that is the last batch's loss; return the mean over all batches.")
        return False, say(
            "the weights are right, but the returned {got:.4g} is not the mean batch loss ({right:.4g}).",
            got=value,
            right=stats.loss,
        )
    before = evaluate_batches(_Probe(), list(_loop_batches())).loss
    after = evaluate_batches(model, list(_loop_batches())).loss
    return True, say(
        "one step per batch, fresh gradients each time, in training mode: the loss fell from {before:.3f} "
        "to {after:.3f}.",
        before=before,
        after=after,
    )


# --- one step of Caffe's SGD, written by the learner -----------------------------------------------

#: (lr, momentum, weight_decay) of the steps the checker takes: the rate changes between steps.
CAFFE_STEPS: tuple[tuple[float, float, float], ...] = (
    (0.1, 0.9, 0.0005),
    (0.1, 0.9, 0.0005),
    (0.01, 0.9, 0.0005),
    (0.05, 0.5, 0.01),
)


def _library_steps(w: Tensor, grads: list[Tensor]) -> list[tuple[Tensor, Tensor]]:
    """(w, v) after each step of CaffeSGD with :data:`CAFFE_STEPS` and the given gradients."""
    p = nn.Parameter(w.clone())
    optimizer = CaffeSGD([p], lr=0.1, momentum=0.9, weight_decay=0.0, fused=False)
    out = []
    for (lr, momentum, decay), g in zip(CAFFE_STEPS, grads):
        for group in optimizer.param_groups:
            group.update(lr=lr, momentum=momentum, weight_decay=decay)
        p.grad = g.clone()
        optimizer.step()
        out.append((p.detach().clone(), optimizer.state[p]["momentum_buffer"].clone()))
    return out


def _learner_steps(step: Callable[..., Any], w: Tensor, grads: list[Tensor]) -> list[tuple[Tensor, Tensor]]:
    v = torch.zeros_like(w)
    out = []
    for (lr, momentum, decay), g in zip(CAFFE_STEPS, grads):
        result = step(w.clone(), g.clone(), v.clone(), lr, momentum, decay)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(say("caffe_sgd_step must return a pair (new w, new v)"))
        w, v = (torch.as_tensor(t, dtype=torch.float64) for t in result)
        out.append((w, v))
    return out


def _torch_style(w: Tensor, g: Tensor, v: Tensor, lr: float, momentum: float, decay: float) -> tuple[Tensor, Tensor]:
    v = momentum * v + (g + decay * w)
    return w - lr * v, v


def _no_decay(w: Tensor, g: Tensor, v: Tensor, lr: float, momentum: float, decay: float) -> tuple[Tensor, Tensor]:
    v = momentum * v + lr * g
    return w - v, v


def _close(a: list[tuple[Tensor, Tensor]], b: list[tuple[Tensor, Tensor]], k: int = 0) -> bool:
    """Whether the weights after step ``k`` (or later, by default all) agree."""
    return all(torch.allclose(x[0], y[0], rtol=1e-9, atol=1e-12) for x, y in zip(a[k:], b[k:]))


@exercise(
    "06.caffe_sgd_step",
    "Write caffe_sgd_step(w, grad, v, lr, momentum, weight_decay) -> (new_w, new_v): one update of "
    "Caffe's SGD on tensors, where v is the momentum history.",
    (
        "Three lines, in the order of the lesson's table: the regularised gradient, the new history, the new weight.",
        "Caffe adds the L2 term to the gradient first, and multiplies by the rate before the gradient "
        "enters the history (torch.optim.SGD multiplies the whole history by the rate instead).",
        "g = grad + weight_decay * w; v = momentum * v + lr * g; return w - v, v.",
    ),
)
def _caffe_sgd_step(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass your function itself (caffe_sgd_step, without brackets).")
    generator = torch.Generator().manual_seed(6)
    w = torch.randn(3, 4, dtype=torch.float64, generator=generator)
    grads = [torch.randn(3, 4, dtype=torch.float64, generator=generator) for _ in CAFFE_STEPS]
    right = _library_steps(w, grads)
    got = _learner_steps(answer, w, grads)
    if _close(got, right):
        if not all(torch.allclose(g[1], r[1], rtol=1e-9, atol=1e-12) for g, r in zip(got, right)):
            return False, say("the weights are right, but the v you return is not Caffe's history: return (w, v).")
        return True, say(
            "your update matches CaffeSGD over {steps} steps, the rate changing between them.",
            steps=len(CAFFE_STEPS),
        )
    zeros = torch.zeros_like(w)

    def slip(step: Callable[..., tuple[Tensor, Tensor]]) -> list[tuple[Tensor, Tensor]]:
        out, wk, vk = [], w, zeros
        for (lr, momentum, decay), g in zip(CAFFE_STEPS, grads):
            wk, vk = step(wk, g, vk, lr, momentum, decay)
            out.append((wk, vk))
        return out

    if _close(got, slip(_torch_style)):
        return False, say(
            "that is torch.optim.SGD's update (v = momentum * v + g, w = w - lr * v); Caffe puts lr inside the history."
        )
    if _close(got, slip(_no_decay)):
        return False, say("the weight decay is missing: add weight_decay * w to the gradient first.")
    if _close(got[:2], right[:2]) and not _close(got, right, 2):
        return False, say("right while the rate is constant, wrong once it changes: use the lr passed in at each step.")
    return False, say("after the first step your w differs from CaffeSGD's.")


# --- weight decay and epochs --------------------------------------------------------------------


@exercise(
    "06.decay_factor",
    "With Caffe's SGD at lr 0.01, weight_decay 0.0005, no momentum, and a loss whose gradient is 0 for this "
    "weight, each step multiplies the weight by a factor. Which factor?",
    (
        "With no loss gradient the regularised gradient is only the L2 term.",
        "g = weight_decay * w, and the step takes lr * g away from w: factor out w.",
    ),
)
def _decay_factor(answer: Any) -> Verdict:
    p = nn.Parameter(torch.ones(1, dtype=torch.float64))
    optimizer = CaffeSGD([p], lr=0.01, momentum=0.0, weight_decay=0.0005, fused=False)
    p.grad = torch.zeros_like(p)
    optimizer.step()
    right = float(p.item())
    return numeric(
        answer,
        right,
        {
            1 - 0.0005: "the decay is multiplied by the rate too: w -= lr * weight_decay * w.",
            0.0005: "that is the weight decay itself; the question asks what the weight is multiplied by.",
            0.01 * 0.0005: "that is how much is taken away (as a fraction); the weight keeps the rest.",
        },
        rel=1e-12,
    )


@exercise(
    "06.epochs",
    "The Caffe recipe runs 10,000 iterations with batches of 64. About how many passes (epochs) over "
    "the 60,000 training images is that?",
    (
        "How many images does the solver see in total?",
        "images seen = iterations x batch size; divide by the size of the training set.",
    ),
)
def _epochs(answer: Any) -> Verdict:
    cfg = SolverConfig()
    right = cfg.max_iter * cfg.train_batch_size / 60_000
    return numeric(
        answer,
        right,
        {  # 10,000 / 937 full batches is as right as 640,000 / 60,000
            cfg.max_iter / cfg.train_batch_size: "that divides the iterations by the batch size; multiply instead.",
            float(cfg.max_iter): "that is the number of iterations, not of passes over the data.",
        },
        rel=1e-3,
    )
