"""Lesson 04's exercises: Caffe's scale, the learner's standardise and epoch_batches (run on the
checker's data), batches per epoch of the fit split, and test_iter."""

from __future__ import annotations

import pytest
import torch

from lenet_course.exercises import check


def right_standardise(images, reference):
    r = reference.float() / 255
    return ((images.float() / 255 - r.mean()) / r.std()).unsqueeze(1)


def right_batches(images, labels, batch_size, generator):
    order = torch.randperm(len(labels), generator=generator)
    for start in range(0, len(labels) - batch_size + 1, batch_size):
        idx = order[start : start + batch_size]
        yield images[idx], labels[idx]


def test_right_functions_pass():
    assert check("04.standardise", right_standardise)
    assert check("04.epoch_batches", right_batches)


@pytest.mark.parametrize(
    "fn,expected",
    [
        (lambda images, reference: right_standardise(images, images), "take them from the reference"),
        (lambda images, reference: right_standardise(images, reference)[:, 0], "channel dimension"),
        (lambda images, reference: images.unsqueeze(1), "whole numbers"),
        (
            lambda images, reference: (
                (images.float() - (reference.float() / 255).mean()) / (reference.float() / 255).std()
            ).unsqueeze(1),
            "divide the images by 255",
        ),
        (lambda images, reference: right_standardise(images, reference) + 0.5, "differ"),
        (lambda images, reference: None, "returns None"),
    ],
)
def test_a_broken_standardise_is_refused_with_its_slip(fn, expected):
    feedback = check("04.standardise", fn)
    assert not feedback and expected in feedback.message, feedback.message


def keeps_last_batch(images, labels, batch_size, generator):
    order = torch.randperm(len(labels), generator=generator)
    for start in range(0, len(labels), batch_size):
        idx = order[start : start + batch_size]
        yield images[idx], labels[idx]


def file_order(images, labels, batch_size, generator):
    for start in range(0, len(labels) - batch_size + 1, batch_size):
        yield images[start : start + batch_size], labels[start : start + batch_size]


def separate_orders(images, labels, batch_size, generator):
    a, b = torch.randperm(len(labels), generator=generator), torch.randperm(len(labels), generator=generator)
    for start in range(0, len(labels) - batch_size + 1, batch_size):
        yield images[a[start : start + batch_size]], labels[b[start : start + batch_size]]


def with_replacement(images, labels, batch_size, generator):
    for _ in range(len(labels) // batch_size):
        idx = torch.randint(0, len(labels), (batch_size,), generator=generator)
        yield images[idx], labels[idx]


def global_stream(images, labels, batch_size, generator):
    yield from right_batches(images, labels, batch_size, torch.Generator().manual_seed(torch.seed() % 2**32))


def ignores_generator(images, labels, batch_size, generator):
    yield from right_batches(images, labels, batch_size, torch.Generator().manual_seed(3))


@pytest.mark.parametrize(
    "fn,expected",
    [
        (keeps_last_batch, "drop a batch shorter"),
        (file_order, "file order"),
        (separate_orders, "different orders"),
        (with_replacement, "appears twice"),
        (global_stream, "same generator seed gives a different order"),
        (ignores_generator, "a different generator gives the same order"),
        (lambda images, labels, batch_size, generator: None, "returns None"),
        (lambda images, labels, batch_size, generator: iter(()), "no batches"),
    ],
)
def test_a_broken_batch_iterator_is_refused_with_its_slip(fn, expected):
    feedback = check("04.epoch_batches", fn)
    assert not feedback and expected in feedback.message, feedback.message


WRONG = [
    ("04.caffe_white", 1.0, "/255"),
    ("04.batches_per_epoch", 860, "partial batch"),
    ("04.batches_per_epoch", 55_000 / 64, "round down"),
    ("04.batches_per_epoch", 937, "whole training file"),
    ("04.test_iter", 10_000, "not batches"),
    ("04.test_iter", "a hundred", "expected a number"),
]


@pytest.mark.parametrize("exercise_id,answer,expected", WRONG)
def test_wrong_answers_get_their_specific_message(exercise_id, answer, expected):
    feedback = check(exercise_id, answer)
    assert not feedback and expected in feedback.message, feedback.message


def test_right_numbers():
    assert check("04.caffe_white", 0.99609375)
    assert check("04.batches_per_epoch", 859) and check("04.test_iter", 100)
