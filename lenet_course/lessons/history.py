"""The history lesson 01 tells, as data: the events its timeline figure draws.

Events are plain ``(year, title, detail)`` tuples (a ``NamedTuple``), so a learner can add one and
redraw the timeline; :func:`timeline` validates and orders them by year.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Event(NamedTuple):
    """One milestone: the year, a short title for the figure and a sentence of detail."""

    year: int
    title: str
    detail: str


EVENTS: tuple[Event, ...] = (
    Event(
        1986,
        "Back-propagation",
        "Rumelhart, Hinton & Williams, 'Learning representations by back-propagating errors' "
        "(Nature): gradients of a multi-layer network by the chain rule make its training practical.",
    ),
    Event(
        1989,
        "ZIP-code network",
        "LeCun et al. train a network by back-propagation to read US Postal Service digits: 16x16 "
        "inputs, 5x5 receptive fields with shared weights - the first convolutional network.",
    ),
    Event(
        1998,
        "LeNet-5",
        "LeCun, Bottou, Bengio & Haffner, 'Gradient-based learning applied to document recognition': "
        "0.95% test error on MNIST (0.8% with distorted training data).",
    ),
    Event(
        2012,
        "AlexNet",
        "Krizhevsky, Sutskever & Hinton win ImageNet with a much larger convolutional network of the "
        "same pattern, trained on GPUs.",
    ),
    Event(
        2014,
        "Caffe's LeNet",
        "The Caffe framework ships LeNet as its MNIST example (about 99.1% test accuracy); the "
        "recipe this course reproduces in PyTorch.",
    ),
)


def timeline(events: Iterable[Event | tuple[int, str, str]] = EVENTS) -> list[Event]:
    """The events as :class:`Event` s sorted by year (stable for events of the same year).

    Raises ``ValueError`` for an entry that is not ``(year, title, detail)`` with an integer year,
    so a mistyped event fails here and not deep inside a plotting call.
    """
    checked = []
    for i, item in enumerate(events):
        if len(item) != 3:
            raise ValueError(f"event {i} must be (year, title, detail), got {item!r}")
        year, title, detail = item
        if not isinstance(year, int) or isinstance(year, bool):
            raise ValueError(f"event {i}: year must be an int, got {year!r}")
        if not isinstance(title, str) or not title:
            raise ValueError(f"event {i}: title must be a non-empty string, got {title!r}")
        checked.append(Event(year, title, str(detail)))
    return sorted(checked, key=lambda e: e.year)
