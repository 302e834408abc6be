"""Lesson 05 (learning-rate policies): multistep written by the learner, a solver file's defaults, and a
schedule that must reach a validation accuracy on a short run.

``05.multistep_policy`` runs the learner's function against :func:`lenet_course.schedules.lr_at` over
many iterations and several configurations; ``05.prototxt_defaults`` compares with what
:meth:`SolverConfig.from_prototxt` reads; ``05.schedule_for_target`` trains a CaffeLeNet for
:data:`TARGET_ITERATIONS` iterations with the learner's schedule and measures it on the validation split.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any

from ..config import SolverConfig
from ..data import TensorBatches, evaluation_batches
from ..models import build_model
from ..optim import CaffeSGD, caffe_param_groups
from ..schedules import lr_at
from ..training_loop import evaluate_batches, train_epoch
from .core import Verdict, exercise, say

# --- multistep, written by the learner ----------------------------------------------------------

#: The configurations the learner's multistep is run with: the lesson's, and others it must not assume.
MULTISTEP_CASES: tuple[SolverConfig, ...] = (
    SolverConfig().with_policy("multistep", gamma=0.1, stepvalue=(5000, 7000, 9000)),
    SolverConfig().replace(base_lr=0.05).with_policy("multistep", gamma=0.5, stepvalue=(100, 250)),
    SolverConfig().replace(base_lr=0.2, max_iter=3000).with_policy("multistep", gamma=0.3, stepvalue=(1,)),
)


def _iterations_to_try(cfg: SolverConfig) -> list[int]:
    """Every 97th iteration, plus each step value and its neighbours (where off-by-one slips show)."""
    near = {v + d for v in cfg.stepvalue for d in (-1, 0, 1) if v + d >= 0}
    return sorted(set(range(0, cfg.max_iter + 1, 97)) | near | {cfg.max_iter})


def _multistep_slip(function: Callable[[int, SolverConfig], Any], cfg: SolverConfig, it: int) -> str:
    """The message for the first iteration where ``function`` differs from Caffe's multistep."""
    drops = sum(1 for v in cfg.stepvalue if it >= v)
    got = float(function(it, cfg))
    if it in cfg.stepvalue and math.isclose(got, cfg.base_lr * cfg.gamma ** (drops - 1), rel_tol=1e-9):  # type: ignore[operator]
        return say(
            "at iteration {it}, a step value itself, your rate has not dropped yet: Caffe lowers the rate "
            "at the iteration equal to the step value (iter >= stepvalue).",
            it=it,
        )
    if math.isclose(got, cfg.base_lr * cfg.gamma**drops, rel_tol=1e-9):  # type: ignore[operator]
        return ""
    return say(
        "at iteration {it} (base_lr {base_lr:g}, gamma {gamma:g}, stepvalue {steps}) your function gives "
        "{got:.6g}; Caffe's rate is {right:.6g}.",
        it=it,
        base_lr=cfg.base_lr,
        gamma=cfg.gamma,
        steps=list(cfg.stepvalue),
        got=got,
        right=lr_at(it, cfg),
    )


@exercise(
    "05.multistep_policy",
    "Write multistep(it, cfg): Caffe's multistep rate at iteration it, read from cfg.base_lr, cfg.gamma "
    "and cfg.stepvalue (a tuple of iterations, in increasing order).",
    (
        "multistep is step with uneven steps: the rate drops by the factor gamma each time the iteration "
        "passes one of the step values.",
        "Count how many step values the iteration has reached (it >= value counts), then raise gamma to that count.",
        "return cfg.base_lr * cfg.gamma ** (the number of v in cfg.stepvalue with it >= v); sum(...) over a "
        "generator counts them.",
    ),
)
def _multistep_policy(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass your function itself (multistep, without brackets).")
    for cfg in MULTISTEP_CASES:
        for it in _iterations_to_try(cfg):
            value = answer(it, cfg)
            if value is None:
                return False, say("your function returns None: end it with return and the rate.")
            right = lr_at(it, cfg)
            if not math.isclose(float(value), right, rel_tol=1e-9, abs_tol=0.0):
                return False, _multistep_slip(answer, cfg, it) or say(
                    "at iteration {it} your function gives {got:.6g}; Caffe's rate is {right:.6g}.",
                    it=it,
                    got=float(value),
                    right=right,
                )
    tried = sum(len(_iterations_to_try(cfg)) for cfg in MULTISTEP_CASES)
    return True, say(
        "your multistep agrees with lr_at at {tried} iterations of {configs} configurations.",
        tried=tried,
        configs=len(MULTISTEP_CASES),
    )


# --- what a solver file leaves out ---------------------------------------------------------------

#: The solver file of the exercise (the notebook prints the same text from here).
SHORT_SOLVER = """\
# a quick experiment: only the schedule and the length are given
base_lr: 0.01
lr_policy: "step"
gamma: 0.1
stepsize: 2000
max_iter: 5000
"""
#: The fields the learner gives the values of.
DEFAULT_FIELDS = ("momentum", "weight_decay", "display", "random_seed")


def read_short_solver() -> SolverConfig:
    """:data:`SHORT_SOLVER` read as Caffe reads it (missing fields at SolverParameter's defaults)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SolverConfig.from_prototxt(SHORT_SOLVER)


@exercise(
    "05.prototxt_defaults",
    "Caffe reads the short solver file printed above. Give a dict with the values it uses for momentum, "
    "weight_decay, display and random_seed.",
    (
        "None of the four is in the file: each takes a default. Whose default, the LeNet recipe's or "
        "Caffe's own SolverParameter's?",
        "SolverParameter's defaults: no momentum, no weight decay, no display lines, and a seed that "
        "means 'not seeded'.",
        "read the file with SolverConfig.from_prototxt(SHORT_SOLVER) and look at the four fields, or see "
        "caffe.proto's SolverParameter.",
    ),
)
def _prototxt_defaults(answer: Any) -> Verdict:
    if not isinstance(answer, dict):
        return False, say("give a dict, e.g. {{'momentum': ..., 'weight_decay': ..., ...}}.")
    missing = [name for name in DEFAULT_FIELDS if name not in answer]
    if missing:
        return False, say("the dict lacks {names}.", names=", ".join(missing))
    read, recipe = read_short_solver(), SolverConfig()
    for name in DEFAULT_FIELDS:
        right = getattr(read, name)
        given = answer[name]
        if isinstance(given, (int, float)) and not isinstance(given, bool) and math.isclose(given, right):
            continue
        if name == "random_seed" and given == recipe.random_seed:
            return False, say(
                "random_seed {seed} is the course's fixed seed (it is also the seed of Caffe's unit tests), "
                "not what Caffe uses when a file leaves the seed out.",
                seed=recipe.random_seed,
            )
        if isinstance(given, (int, float)) and math.isclose(given, getattr(recipe, name) or 0.0):
            return False, say(
                "{name} {value} is the LeNet recipe's value; a field missing from a file does not take it.",
                name=name,
                value=given,
            )
        return False, say("{name} {value!r} is not it.", name=name, value=given)
    return True, say("those are SolverParameter's defaults, as Caffe reads the file.")


# --- a schedule that reaches a validation accuracy -----------------------------------------------

#: The short run of ``05.schedule_for_target``: iterations (batches of 64), and the validation
#: accuracy to reach on the first VAL_IMAGES images of the "val" split. With these numbers the
#: LeNet recipe's own schedule falls short and a tuned one gets there.
TARGET_ITERATIONS = 100
TARGET_ACCURACY = 0.945
VAL_IMAGES = 2000
#: The seeds of the run: the initial weights (build_model) and the batch order.
TARGET_MODEL_SEED, TARGET_ORDER_SEED = 0, 1701


def _rate_function(answer: Any) -> Callable[[int], float]:
    if isinstance(answer, SolverConfig):
        return lambda it: lr_at(it, answer)
    if callable(answer):
        return lambda it: float(answer(it))
    raise TypeError(say("expected a SolverConfig or a function it -> lr"))


def _schedule_problem(rate: Callable[[int], float]) -> str:
    """A message for a schedule the run cannot use: a rate that is not a finite number >= 0."""
    for it in range(TARGET_ITERATIONS):
        lr = rate(it)
        if not (math.isfinite(lr) and lr >= 0):
            return say("at iteration {it} your schedule gives {lr}: a rate must be a finite number >= 0.", it=it, lr=lr)
    if rate(0) == 0:
        return say("your schedule starts at a rate of 0: the weights would not move at first.")
    return ""


@functools.cache
def _batches() -> tuple[TensorBatches, TensorBatches]:
    fit = TensorBatches(
        "fit",
        scale="caffe",
        batch_size=64,
        seed=TARGET_ORDER_SEED,
        device="cpu",
        limit=TARGET_ITERATIONS * 64,
    )
    val = evaluation_batches("caffe", 500, split="val", device="cpu", limit=VAL_IMAGES)
    return fit, val


def short_run_accuracy(schedule: SolverConfig | Callable[[int], float]) -> tuple[float, bool]:
    """(validation accuracy, diverged) of CaffeLeNet after the exercise's short run with ``schedule``.

    Caffe's SGD (momentum 0.9, weight decay 0.0005, biases at twice the rate), the first
    ``TARGET_ITERATIONS`` batches of 64 of the "fit" split, then the first ``VAL_IMAGES`` of "val".
    """
    rate = _rate_function(schedule)
    fit, val = _batches()
    fit.rewind()
    model = build_model("caffe", seed=TARGET_MODEL_SEED)
    optimizer = CaffeSGD(caffe_param_groups(model), lr=rate(0), momentum=0.9, weight_decay=0.0005, fused=False)
    stats = train_epoch(model, fit, optimizer, schedule=rate, device="cpu")
    if stats.diverged:
        return 0.0, True
    return evaluate_batches(model, val, device="cpu").accuracy, False


@exercise(
    "05.schedule_for_target",
    "Give a schedule (a SolverConfig, or a function it -> lr) with which Caffe's LeNet reaches 94.5% "
    "validation accuracy after only 100 iterations of 64 images (the LeNet recipe's own schedule does not).",
    (
        "In 100 iterations the recipe's rate hardly moves from 0.01: is 0.01 the best rate for such a short run?",
        "Try a few base_lr values with short_run_accuracy and watch for divergence; a schedule that "
        "starts high and comes down by the end helps.",
        "SolverConfig().replace(max_iter=100, base_lr=...).with_policy('poly', power=1.0) lowers a rate "
        "to 0 over the run; search base_lr between 0.01 and 0.1.",
    ),
)
def _schedule_for_target(answer: Any) -> Verdict:
    rate = _rate_function(answer)
    problem = _schedule_problem(rate)
    if problem:
        return False, problem
    accuracy, diverged = short_run_accuracy(answer)
    if diverged:
        return False, say("training diverged (the loss became NaN or inf): your rate is too large somewhere.")
    if accuracy >= TARGET_ACCURACY:
        return True, say(
            "validation accuracy {accuracy:.1%} after {iters} iterations (the target was {target:.1%}).",
            accuracy=accuracy,
            iters=TARGET_ITERATIONS,
            target=TARGET_ACCURACY,
        )
    return False, say(
        "validation accuracy {accuracy:.1%} after {iters} iterations; the target is {target:.1%}.",
        accuracy=accuracy,
        iters=TARGET_ITERATIONS,
        target=TARGET_ACCURACY,
    )
