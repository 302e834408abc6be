"""Scoring on a named split, with the one constructor of evaluation batches."""

from __future__ import annotations

import numpy as np
import torch

from lenet_course.data import evaluation_batches, load_mnist
from lenet_course.evaluate import evaluate, predict_logits
from lenet_course.models import build_model


def test_evaluate_scores_the_named_split_in_file_order(mnist_root):
    model = build_model("tut", seed=0)
    result = evaluate(model, split="val", root=mnist_root)
    _, val_labels = load_mnist("val", mnist_root, download=False)
    assert result.total == 5_000
    np.testing.assert_array_equal(result.labels, val_labels.numpy())
    same = evaluate(model, evaluation_batches("meanstd", 100, split="val", device="cpu", root=mnist_root))
    np.testing.assert_array_equal(same.probabilities, result.probabilities)
    assert evaluate(model, root=mnist_root).total == 10_000  # the test split by default


def test_predict_logits_gives_the_mode_back(small_test):
    model = build_model("caffe", seed=1).train()
    x = torch.zeros(3, 1, 28, 28)
    logits = predict_logits(model, x)
    assert logits.shape == (3, 10) and model.training
    assert not any(m._forward_hooks for m in model.modules())
