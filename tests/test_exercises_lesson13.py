"""Lesson 13's exercises: a parameter count, the split for choices, and the capstone checker's refusals."""

from __future__ import annotations

import torch
from torch import nn

from lenet_course.data import load_mnist
from lenet_course.exercises import check, lesson13  # noqa: F401  (registers the exercises)
from lenet_course.models import TutLeNet


def test_parameter_count_slips():
    weights = 20 * 40 * 25
    assert check("13.parameter_count", weights + 40 + 80)
    assert "convolution alone" in check("13.parameter_count", weights + 40).message
    assert "biases are missing" in check("13.parameter_count", weights + 80).message
    assert "buffers" in check("13.parameter_count", weights + 40 + 160).message


def test_choose_split_explains_each_wrong_split():
    assert check("13.choose_split", "validation") and check("13.choose_split", " val ")
    assert "optimistic" in check("13.choose_split", "test").message
    assert "learns from" in check("13.choose_split", "fit").message


def test_capstone_refuses_a_model_over_the_limit_before_training():
    def never(model, data, budget):
        raise AssertionError("the recipe must not run")

    feedback = check("13.capstone", (lambda: nn.Linear(784, 100), never))
    assert not feedback and "limit is fewer than 50,000" in feedback.message


def test_capstone_refuses_a_recipe_that_reads_the_test_split():
    def peeks(model, data, budget):
        load_mnist("test")
        return [(1, 0.5)]

    feedback = check("13.capstone", (TutLeNet, peeks))
    assert not feedback and "read MNIST's test files" in feedback.message


def test_capstone_refuses_a_model_that_does_not_learn_and_a_missing_curve():
    untrained = check("13.capstone", (TutLeNet, lambda model, data, budget: [(0, 0.1)]))
    assert not untrained and "a model that learns" in untrained.message
    no_curve = check("13.capstone", (TutLeNet, lambda model, data, budget: None))
    assert not no_curve and "validation curve" in no_curve.message
    assert not check("13.capstone", TutLeNet)  # one function, not the pair


def test_capstone_accepts_a_short_honest_recipe():
    def recipe(model, data, budget):
        from lenet_course.generalisation import PixelBatches, evaluation_pairs
        from lenet_course.training_loop import evaluate_batches, train_epoch

        opt = torch.optim.Adam(model.parameters(), 2e-3)
        batches = PixelBatches(data.fit_images, data.fit_labels, "meanstd", batch_size=64, stop=budget.exhausted)
        train_epoch(model, batches, opt)
        return [
            (
                len(data.fit_labels),
                evaluate_batches(model, evaluation_pairs(data.val_images, data.val_labels, "meanstd")).accuracy,
            )
        ]

    feedback = check("13.capstone", (TutLeNet, recipe))
    assert feedback, feedback.message
    assert "44,426 parameters" in feedback.message
