"""Lesson 01's exercises: the year of the first trained convolutional network, the sigmoid's slope,
the learner's backward pass (run against autograd), and the weight-sharing counts."""

from __future__ import annotations

import pytest
import torch

from lenet_course.exercises import check


def right_backward(params, cache, y):
    x, h, y_hat = cache["x"], cache["h"], cache["y_hat"]
    delta2 = (y_hat - y) / len(x) * y_hat * (1 - y_hat)
    delta1 = (delta2 @ params["W2"].T) * h * (1 - h)
    return {"W1": x.T @ delta1, "b1": delta1.sum(0), "W2": h.T @ delta2, "b2": delta2.sum(0)}


def _change(**edits):
    """right_backward with one slip made on purpose."""

    def backward(params, cache, y):
        x, h, y_hat = cache["x"], cache["h"], cache["y_hat"]
        n = 1 if edits.get("no_mean") else len(x)
        slope2 = 1 if edits.get("no_output_slope") else y_hat * (1 - y_hat)
        delta2 = (y_hat - y) / n * slope2
        slope1 = 1 if edits.get("no_hidden_slope") else h * (1 - h)
        delta1 = (delta2 @ params["W2"].T) * slope1
        grads = {"W1": x.T @ delta1, "b1": delta1.sum(0), "W2": h.T @ delta2, "b2": delta2.sum(0)}
        if edits.get("transposed"):
            grads["W1"] = grads["W1"].T
        if edits.get("bias_mean"):
            grads["b1"] = delta1.mean(0)
        if edits.get("forget"):
            del grads[edits["forget"]]
        return grads

    return backward


def test_the_right_backward_pass_is_checked_against_autograd_and_finite_differences():
    feedback = check("01.backward", right_backward)
    assert feedback, feedback.message
    assert "autograd" in feedback.message and "finite differences" in feedback.message


@pytest.mark.parametrize(
    "slip,expected",
    [
        ({"no_mean": True}, "times too large"),
        ({"no_output_slope": True}, "output sigmoid's slope is missing"),
        ({"no_hidden_slope": True}, "hidden sigmoid's slope"),
        ({"transposed": True}, "transposed"),
        ({"bias_mean": True}, "dL/db1 is not"),
        ({"forget": "b2"}, "no gradient for b2"),
    ],
)
def test_a_broken_backward_pass_is_refused_with_the_step_that_is_wrong(slip, expected):
    feedback = check("01.backward", _change(**slip))
    assert not feedback and expected in feedback.message, feedback.message


def test_backward_placeholders_and_wrong_kinds():
    assert "return a dict" in check("01.backward", lambda params, cache, y: None).message
    assert "pass the function itself" in check("01.backward", {"W1": 0}).message


WRONG = [
    ("01.first_trained_cnn", 1980, "not trained by back-propagation"),
    ("01.first_trained_cnn", 1986, "not convolutional"),
    ("01.first_trained_cnn", 1987, "over time"),
    ("01.first_trained_cnn", 1998, "LeNet-5 came"),
    ("01.sigmoid_derivative", torch.sigmoid, "sigmoid itself"),
    ("01.sigmoid_derivative", lambda z: z * (1 - z), "s = sigmoid(z)"),
    ("01.sigmoid_derivative", lambda z: None, "returns None"),
    ("01.sigmoid_derivative", 0.25, "pass a function"),
    ("01.sigmoid_derivative", lambda z: torch.ones(3), "one value per entry"),
    ("01.dense_parameters", 196_608, "biases"),
    ("01.dense_parameters", 312, "convolutional"),
    ("01.shared_parameters", 300, "biases"),
    ("01.shared_parameters", 1_068, "every unit its own bias"),
]


@pytest.mark.parametrize("exercise_id,answer,expected", WRONG)
def test_wrong_answers_get_their_specific_message(exercise_id, answer, expected):
    feedback = check(exercise_id, answer)
    assert not feedback and expected in feedback.message, feedback.message


def test_right_numbers_in_other_types():
    assert check("01.first_trained_cnn", 1989.0) and check("01.first_trained_cnn", torch.tensor(1989))
    assert check("01.dense_parameters", 197_376) and check("01.shared_parameters", 312)
