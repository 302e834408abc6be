"""Lesson 13 (the capstone): a parameter count, the split choices are made on, and the entry itself.

``13.capstone`` runs the learner's ``build_model`` and ``recipe`` through
:func:`lenet_course.capstone.run_capstone` on the short budget: the parameter limit, a
validation curve returned, no read of the test files during training, a model that learns (the
checker scores the test split itself, after training) and a recipe that stops when its budget is spent.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from ..capstone import (
    CPU_BUDGET_S,
    LEARNS_ACCURACY,
    PARAMETER_LIMIT,
    SHORT_BUDGET_S,
    CapstoneError,
    ForbiddenSplitError,
    run_capstone,
)
from ..models import count_parameters
from ..runtime import seeded
from .core import Verdict, exercise, numeric, say, word


def _conv_and_norm() -> nn.Module:
    return nn.Sequential(nn.Conv2d(20, 40, 5), nn.BatchNorm2d(40))


@exercise(
    "13.parameter_count",
    "How many trainable parameters do nn.Conv2d(20, 40, 5) followed by nn.BatchNorm2d(40) hold together?",
    (
        "Count the convolution's weights, its biases, and what batch normalisation learns per map.",
        "Weights: in_channels x out_channels x kernel height x kernel width; one bias per output map. "
        "BatchNorm2d learns a scale and a shift per map; its running mean and variance are buffers, not parameters.",
    ),
)
def _parameter_count(answer: Any) -> Verdict:
    right = count_parameters(_conv_and_norm())
    weights = 20 * 40 * 5 * 5
    return numeric(
        answer,
        right,
        {
            float(weights + 40): "that is the convolution alone: batch normalisation learns two numbers per map.",
            float(weights + 2 * 40): "the convolution's biases are missing (one per output map).",
            float(weights + 40 + 4 * 40): "the running mean and variance are buffers (not trained): count the "
            "scale and the shift only.",
            float(weights): "that counts the weights only: add the biases and batch normalisation's parameters.",
        },
    )


@exercise(
    "13.choose_split",
    "Your recipe must choose how long to train and which learning rate to use. On which split do you "
    "measure the candidates: the 55,000 digits it fits on, the 5,000 held out of the training file, or "
    "the 10,000 test digits? Give the split's name as load_mnist spells it.",
    (
        "A split used to choose is no longer an honest measure of what was chosen.",
        "One split trains the weights, one chooses the settings, one is kept untouched for the final figure.",
    ),
)
def _choose_split(answer: Any) -> Verdict:
    return word(
        answer,
        {"val", "validation"},
        {
            "test": "choosing on the test split makes its figure optimistic: it is kept for the final measurement "
            "only, which the checker makes itself.",
            "fit": "the fit digits are the ones the model learns from: their accuracy reaches 100% long before the "
            "model stops improving on new digits.",
            "train": "the training digits are the ones the model learns from: they cannot tell you how it does on "
            "new digits.",
        },
    )


def _entry(answer: Any) -> tuple[Any, Any]:
    if isinstance(answer, (tuple, list)) and len(answer) == 2:
        return answer[0], answer[1]
    if hasattr(answer, "build_model") and hasattr(answer, "recipe"):
        return answer.build_model, answer.recipe
    raise TypeError(say("give the pair (build_model, recipe): the two functions, not their results"))


@exercise(
    "13.capstone",
    "Your entry: the pair (build_model, recipe). build_model() returns a fresh model with fewer than 50,000 "
    "parameters; recipe(model, data, budget) trains it on data.fit_images / data.fit_labels, measures "
    "data.val_images / data.val_labels, stops once budget.exhausted() is True, and returns its validation "
    "curve as a list of (images_seen, val_accuracy) pairs. The checker trains it on a short budget and "
    "scores the test split itself.",
    (
        "Start from the lesson's TutLeNet recipe, make it run, then change one thing at a time and compare "
        "validation curves.",
        "Most parameters sit in the first fully connected layer: narrow it, and spend what you save on wider "
        "convolutions. Check the loop stops when budget.exhausted() turns True (inside the epoch too).",
        "Pattern: a while-not-exhausted loop over epochs; inside, train_epoch on PixelBatches(..., stop="
        "budget.exhausted), then append (images seen, evaluate_batches(model, val).accuracy); a learning rate "
        "read from budget.fraction() ends its schedule with the budget.",
    ),
)
def _capstone(answer: Any) -> Verdict:
    build_model, recipe = _entry(answer)
    if not callable(build_model) or not callable(recipe):
        return False, say("both parts must be functions: (build_model, recipe).")
    with seeded(0):
        probe = build_model()
    if not isinstance(probe, nn.Module):
        return False, say("build_model() should return an nn.Module, got {kind}.", kind=type(probe).__name__)
    parameters = count_parameters(probe)
    if parameters >= PARAMETER_LIMIT:
        return False, say(
            "the model has {n:,} trainable parameters; the limit is fewer than {limit:,}.",
            n=parameters,
            limit=PARAMETER_LIMIT,
        )
    try:
        result = run_capstone(build_model, recipe, budget_s=SHORT_BUDGET_S)
    except ForbiddenSplitError:
        return False, say(
            "the recipe read MNIST's test files: train and choose on data.fit_* and data.val_* only; "
            "the checker scores the test split after training."
        )
    except CapstoneError:
        return False, say(
            "the recipe must return its validation curve: a non-empty list of (images_seen, val_accuracy) "
            "pairs, accuracies as fractions (0.99, not 99)."
        )
    if not result.within_budget:
        return False, say(
            "the recipe used {spent:.0f} CPU-seconds of a {budget:.0f}-second budget: check budget.exhausted() "
            "inside the epoch too, and stop.",
            spent=result.cpu_seconds,
            budget=result.budget_s,
        )
    if result.test_accuracy < LEARNS_ACCURACY:
        return False, say(
            "after {spent:.0f} CPU-seconds the model scores {acc:.1%} on the test digits; a model that learns "
            "is past {bar:.0%} by then. Check the input scaling, the learning rate and that every step updates.",
            spent=result.cpu_seconds,
            acc=result.test_accuracy,
            bar=LEARNS_ACCURACY,
        )
    return True, say(
        "{n:,} parameters; in a short run of {spent:.0f} CPU-seconds it saw {seen:,} images, reached {val:.2%} on "
        "validation and {test:.2%} on the test digits (scored by the checker, after training). The full budget "
        "is {factor:.0f} times longer.",
        n=result.parameters,
        spent=result.cpu_seconds,
        seen=result.images_seen,
        val=result.val_curve[-1][1],
        test=result.test_accuracy,
        factor=CPU_BUDGET_S / SHORT_BUDGET_S,
    )
