"""The exercises of lessons 05-07 (learning-rate policies, training, inspecting a model).

They register in the same registry as :mod:`lenet_course.exercises` (which imports this module at
its end), so a lesson still reads ``from lenet_course.exercises import check``. As there, every
answer is checked against a value the library computes, never against a number typed in here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .exercises import Verdict, _as_number, _numeric, _word, exercise


def _rate(answer: Any, expected: float, mistakes: dict[float, str], rel: float = 1e-4) -> Verdict:
    """Like ``_numeric`` for small numbers (learning rates): a relative tolerance only."""
    value = _as_number(answer)
    if math.isclose(value, expected, rel_tol=rel, abs_tol=0.0):
        return True, f"{value:.10g} is correct."
    for wrong, why in mistakes.items():
        if math.isclose(value, wrong, rel_tol=rel, abs_tol=0.0):
            return False, f"{value:.10g} is a common slip: {why}"
    return False, f"{value:.10g} is {'too large' if value > expected else 'too small'}."

# --- 05 learning-rate policies ------------------------------------------------------------------


def _lenet_solver():
    from .config import SolverConfig

    return SolverConfig()


@exercise("05.inv_at_5000",
          "The LeNet solver (inv, base_lr 0.01, gamma 0.0001, power 0.75): what is the learning rate at "
          "iteration 5000, where Caffe writes its first snapshot?",
          "inv is base_lr * (1 + gamma * iter) ^ (-power); mind the minus sign of the power.")
def _inv_at_5000(answer: Any) -> Verdict:
    from .schedules import lr_at

    cfg = _lenet_solver()
    right = lr_at(5000, cfg)
    return _rate(answer, right, {
        cfg.base_lr: "that is the starting rate; inv has already lowered it by iteration 5000.",
        cfg.base_lr * (1 + cfg.gamma * 5000) ** cfg.power: "the power is negative: divide, not multiply.",
        cfg.base_lr * (1 + cfg.gamma * 5000) ** -1: "the exponent is -power = -0.75, not -1.",
    })


@exercise("05.step_at_7000",
          "The step policy with base_lr 0.01, gamma 0.1 and stepsize 3000: what is the learning rate at "
          "iteration 7000?",
          "step is base_lr * gamma ^ floor(iter / stepsize): count the whole steps taken by iteration 7000.")
def _step_at_7000(answer: Any) -> Verdict:
    from .schedules import lr_at

    cfg = _lenet_solver().with_policy("step", gamma=0.1, stepsize=3000)
    right = lr_at(7000, cfg)
    return _rate(answer, right, {
        0.01 * 0.1 ** (7000 / 3000): "floor the exponent: the rate drops in whole steps, not smoothly.",
        0.01 * 0.1: "two drops have happened by 7000 (at 3000 and at 6000), not one.",
        0.01 * 0.1 ** 3: "only two drops: the third comes at iteration 9000.",
    })


@exercise("05.zero_at_max_iter", "Which of the seven policies brings the rate to exactly 0 at max_iter?",
          "look at the formulas: which one has (1 - iter / max_iter) in it?")
def _zero_at_max_iter(answer: Any) -> Verdict:
    from .schedules import POLICIES, lr_at

    cfg = _lenet_solver()
    params = {"fixed": {}, "step": {"gamma": 0.1, "stepsize": 1000}, "exp": {"gamma": 0.999},
              "inv": {"gamma": 1e-4, "power": 0.75}, "multistep": {"gamma": 0.1, "stepvalue": (5000,)},
              "poly": {"power": 1.0}, "sigmoid": {"gamma": -1e-3, "stepsize": 5000}}
    zero = {p for p in POLICIES if lr_at(cfg.max_iter, cfg.with_policy(p, **params[p])) == 0.0}
    return _word(answer, zero, {
        "exp": "exp shrinks the rate by gamma every iteration, but it never reaches 0 exactly.",
        "inv": "inv keeps falling ever more slowly; it never reaches 0.",
        "step": "step drops by a factor gamma; a factor never reaches 0.",
        "sigmoid": "a decaying sigmoid approaches 0 but does not reach it.",
    })


# --- 06 training LeNet --------------------------------------------------------------------------


def _one_step(update: str, w: float, v: float, grad: float, lr: float, momentum: float) -> float:
    """w after one step of Caffe's ('caffe') or torch's ('torch') SGD, from history ``v``."""
    from .optim import CaffeSGD

    p = torch.nn.Parameter(torch.tensor([w], dtype=torch.float64))
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


@exercise("06.caffe_step",
          "Caffe's SGD: w = 1.0, its history v = 0.5, gradient 2.0, lr 0.1, momentum 0.9, no weight decay. "
          "What is w after one step?",
          "Caffe: v = momentum * v + lr * grad, then w = w - v.")
def _caffe_step(answer: Any) -> Verdict:
    right = _one_step("caffe", 1.0, 0.5, 2.0, 0.1, 0.9)
    return _numeric(answer, right, {
        _one_step("torch", 1.0, 0.5, 2.0, 0.1, 0.9): "that is torch's update (v = momentum * v + grad, "
                                                     "w = w - lr * v); Caffe puts lr inside the history.",
        1.0 - 0.1 * 2.0: "that is plain SGD without momentum; the history v counts too.",
        1.0 - (0.5 + 0.1 * 2.0): "multiply the old history by the momentum first.",
    })


@exercise("06.epochs",
          "The Caffe recipe runs 10,000 iterations with batches of 64. About how many passes (epochs) over "
          "the 60,000 training images is that?",
          "images seen = iterations x batch size; divide by the size of the training set.")
def _epochs(answer: Any) -> Verdict:
    cfg = _lenet_solver()
    right = cfg.max_iter * cfg.train_batch_size / 60_000
    return _numeric(answer, right, {  # 10,000 / 937 full batches is as right as 640,000 / 60,000
        cfg.max_iter / cfg.train_batch_size: "that divides the iterations by the batch size; multiply instead.",
        float(cfg.max_iter): "that is the number of iterations, not of passes over the data.",
    }, rel=1e-3)


@exercise("06.snapshots",
          "With max_iter 10,000 and snapshot 5,000, at which iterations does the solver write snapshots? "
          "Give a list.",
          "a snapshot every `snapshot` iterations, and one at the end unless the end falls on one already.")
def _snapshots(answer: Any) -> Verdict:
    cfg = _lenet_solver()
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


# --- 07 inspecting tut2-model.pt ---------------------------------------------------------------


@exercise("07.conv1_filters", "How many filters has the first convolution of tut2-model.pt?",
          "print the model, or look at filters(model, 'conv1').shape: the first number.")
def _conv1_filters(answer: Any) -> Verdict:
    from .models import CaffeLeNet, TutLeNet

    right = TutLeNet().conv1.out_channels
    return _numeric(answer, right, {CaffeLeNet().conv1.out_channels: "that is CaffeLeNet's conv1; "
                                                                      "tut2-model.pt is the tutorial's LeNet.",
                                    25: "25 is the number of weights in one 5x5 filter."})


@exercise("07.accuracy_from_confusion",
          "Write acc(cm) that returns the accuracy from a confusion matrix cm (numpy, cm[true, predicted]).",
          "the correct predictions are on the diagonal: np.trace(cm) / cm.sum().")
def _accuracy_from_confusion(answer: Any) -> Verdict:
    if not callable(answer):
        return False, "pass a function, e.g. def acc(cm): return ..., not its value."
    rng = np.random.default_rng(0)
    cm = rng.integers(0, 30, size=(10, 10)) + np.diag(rng.integers(100, 1000, size=10))
    cm[3] *= 3  # rows of different sizes, so per-class means differ from the overall accuracy
    right = np.trace(cm) / cm.sum()
    got = answer(cm.copy())
    if got is None:
        return False, "your function returns None: write the formula in its return line."
    got = float(np.asarray(got).mean()) if np.ndim(got) else float(got)
    if math.isclose(got, right, rel_tol=1e-9):
        return True, f"acc(cm) = {right:.4f} on a test matrix: the diagonal over the total."
    if math.isclose(got, float(np.mean(np.diag(cm) / cm.sum(1))), rel_tol=1e-9):
        return False, "that is the mean of the per-class accuracies; weight each class by its size."
    if math.isclose(got, 1 - right, rel_tol=1e-9):
        return False, "that is the error rate, 1 - accuracy."
    return False, f"on a test matrix your function gives {got:.4f}; the accuracy is {right:.4f}."


@exercise("07.top_confusion",
          "The shipped tut2-model.pt: which (true digit, predicted digit) pair is its most frequent mistake? "
          "Give a tuple, e.g. (4, 9).",
          "take result.confusion_matrix(), set its diagonal to 0 and find the largest entry (np.argmax, "
          "np.unravel_index).")
def _top_confusion(answer: Any) -> Verdict:
    from .checkpoints import load_model, shipped_model_path
    from .evaluate import evaluate

    pair = tuple(int(v) for v in answer)
    if len(pair) != 2:
        return False, "give two digits: (true, predicted)."
    cm = evaluate(load_model(shipped_model_path(), device="cpu")).confusion_matrix()
    np.fill_diagonal(cm, 0)
    best = cm.max()
    top = {tuple(int(v) for v in np.unravel_index(i, cm.shape)) for i in np.flatnonzero(cm == best)}
    if pair in top:
        return True, f"{pair}: {best} test images of a {pair[0]} were read as a {pair[1]}."
    if pair[::-1] in top:
        return False, "the other way round: rows are the true digit, columns the prediction."
    if pair[0] == pair[1]:
        return False, "the diagonal holds the correct predictions; look off the diagonal."
    return False, f"the model made that mistake {cm[pair]} times; another pair is more frequent."
