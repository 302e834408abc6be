"""Lesson 06 (training LeNet): one step of Caffe's SGD, epochs, snapshot iterations.

Every answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

from typing import Any

import torch

from ..config import SolverConfig
from ..optim import CaffeSGD
from .core import Verdict, exercise, numeric


def _one_step(update: str, w: float, v: float, grad: float, lr: float, momentum: float) -> float:
    """w after one step of Caffe's ('caffe') or torch's ('torch') SGD, from history ``v``."""
    p = torch.nn.Parameter(torch.tensor([w], dtype=torch.float64))
    opt: torch.optim.Optimizer
    if update == "caffe":
        opt = CaffeSGD([p], lr=lr, momentum=momentum, weight_decay=0.0)
    else:
        opt = torch.optim.SGD([p], lr=lr, momentum=momentum)
    p.grad = torch.tensor([grad], dtype=torch.float64)
    opt.step()  # creates the history (zero for Caffe, the gradient for torch) ...
    with torch.no_grad():  # ... which is then set to v, and the step done again from w
        p.fill_(w)
    opt.state[p]["momentum_buffer"].fill_(v)
    opt.step()
    return float(p.item())


@exercise(
    "06.caffe_step",
    "Caffe's SGD: w = 1.0, its history v = 0.5, gradient 2.0, lr 0.1, momentum 0.9, no weight decay. "
    "What is w after one step?",
    "Caffe: v = momentum * v + lr * grad, then w = w - v.",
)
def _caffe_step(answer: Any) -> Verdict:
    right = _one_step("caffe", 1.0, 0.5, 2.0, 0.1, 0.9)
    return numeric(
        answer,
        right,
        {
            _one_step("torch", 1.0, 0.5, 2.0, 0.1, 0.9): "that is torch's update (v = momentum * v + grad, "
            "w = w - lr * v); Caffe puts lr inside the history.",
            1.0 - 0.1 * 2.0: "that is plain SGD without momentum; the history v counts too.",
            1.0 - (0.5 + 0.1 * 2.0): "multiply the old history by the momentum first.",
        },
    )


@exercise(
    "06.epochs",
    "The Caffe recipe runs 10,000 iterations with batches of 64. About how many passes (epochs) over "
    "the 60,000 training images is that?",
    "images seen = iterations x batch size; divide by the size of the training set.",
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


@exercise(
    "06.snapshots",
    "With max_iter 10,000 and snapshot 5,000, at which iterations does the solver write snapshots? Give a list.",
    "a snapshot every `snapshot` iterations, and one at the end unless the end falls on one already.",
)
def _snapshots(answer: Any) -> Verdict:
    cfg = SolverConfig()
    right = [i for i in range(1, cfg.max_iter + 1) if i % cfg.snapshot == 0]
    if cfg.max_iter % cfg.snapshot:
        right.append(cfg.max_iter)
    if isinstance(answer, (int, float)):
        return False, "give a list of iterations, e.g. [1000, 2000]."
    got = [int(v) for v in answer]
    if got == right:
        return True, f"{got}: every 5000 iterations, and the last one is also the end of training."
    if got == right[:-1]:
        return False, "the last one is missing: iteration 10,000 is a multiple of 5000 too."
    if 0 in got:
        return False, "iteration 0 holds the untrained weights: Caffe does not snapshot them."
    return False, f"{got} is not it."
