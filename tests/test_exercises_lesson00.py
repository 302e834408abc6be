"""Lesson 00's exercises: the tuning split, the training lesson, and the learner's shares(labels)."""

from __future__ import annotations

import pytest
import torch

from lenet_course.exercises import check

WRONG = [
    ("00.tuning_split", "test", "final figures only"),
    ("00.tuning_split", "fit", "fitted to those images"),
    ("00.tuning_split", "train", "fitted to those images"),
    ("00.tuning_split", "validation set", "not it"),
    ("00.training_lesson", "07", "trained already"),
    ("00.training_lesson", "05", "one lesson later"),
]


@pytest.mark.parametrize("exercise_id,answer,expected", WRONG)
def test_wrong_answers_get_their_specific_message(exercise_id, answer, expected):
    feedback = check(exercise_id, answer)
    assert not feedback and expected in feedback.message and "Hint 1 of" in feedback.message


def test_words_are_accepted_in_any_case_and_spacing():
    assert check("00.tuning_split", "  VAL ")
    assert check("00.training_lesson", " 06 ")


def test_digit_shares_runs_the_learners_function_and_names_the_slip():
    def right(labels):
        return torch.bincount(labels, minlength=10) / len(labels)

    assert check("00.digit_shares", right)
    as_list = check("00.digit_shares", lambda labels: (torch.bincount(labels, minlength=10) / len(labels)).tolist())
    assert as_list, "a list of 10 fractions is a fine answer too"
    no_minlength = check("00.digit_shares", lambda labels: torch.bincount(labels) / len(labels))
    assert not no_minlength and "must return 10" in no_minlength.message
    counts = check("00.digit_shares", lambda labels: torch.bincount(labels, minlength=10))
    assert not counts and "those are the counts" in counts.message
    uniform = check("00.digit_shares", lambda labels: torch.full((10,), 0.1))
    assert not uniform and "should be" in uniform.message
    assert "returns None" in check("00.digit_shares", lambda labels: None).message
    assert "pass a function" in check("00.digit_shares", [0.1] * 10).message
