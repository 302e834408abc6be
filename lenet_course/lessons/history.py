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
        1970,
        "Reverse-mode differentiation",
        "Linnainmaa's master's thesis (Helsinki) computes the derivatives of a long chain of operations "
        "backwards, from the result to the inputs: the arithmetic that back-propagation is.",
    ),
    Event(
        1974,
        "Werbos",
        "Werbos' PhD thesis (Harvard, 1974) proposes adjusting a multi-layer model by propagating "
        "derivatives backwards; his 1982 paper applies it to neural networks.",
    ),
    Event(
        1980,
        "Neocognitron",
        "Fukushima's neocognitron (Biological Cybernetics): layers of local receptive fields with shared "
        "weights, alternating feature and pooling-like layers, but not trained by back-propagation.",
    ),
    Event(
        1986,
        "Back-propagation",
        "Rumelhart, Hinton & Williams, 'Learning representations by back-propagating errors' (Nature): "
        "hidden units learn useful features (symmetry detection, family trees); it makes training "
        "multi-layer networks practical. Their PDP chapter works XOR too.",
    ),
    Event(
        1987,
        "Time-delay networks",
        "Waibel et al.'s time-delay neural networks (1987-89) share weights over time to recognise "
        "phonemes in speech: the same detector applied at every time step.",
    ),
    Event(
        1989,
        "ZIP-code network",
        "LeCun et al. train a network end to end by back-propagation to read US Postal Service ZIP-code "
        "digits (16x16 inputs, 5x5 receptive fields with shared weights): usually called the first "
        "convolutional network trained by back-propagation on a real task.",
    ),
    Event(
        1990,
        "LeNet-1",
        "A small network of the same line (LeCun et al., NIPS 2); the 1998 paper scores it at 1.7% "
        "test error on MNIST.",
    ),
    Event(
        1998,
        "LeNet-5 and MNIST",
        "LeCun, Bottou, Bengio & Haffner, 'Gradient-based learning applied to document recognition': "
        "LeNet-5 reaches 0.95% test error on MNIST (0.8% with 540,000 extra distorted training images). The "
        "paper describes MNIST, built from NIST Special Databases 3 and 1.",
    ),
    Event(
        1998,
        "Reading cheques",
        "The same paper describes the deployed LeNet-based cheque-reading system; in the late 1990s "
        "such systems read millions of bank cheques a day.",
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
        "The Caffe framework (Jia et al.) ships LeNet as its MNIST example; its recipe reaches about 99% "
        "test accuracy (the log in its readme ends at 0.9897). This course reproduces it in PyTorch.",
    ),
)

#: The title of the event that was the first convolutional network trained end to end by
#: back-propagation on a real task (lesson 01's exercise asks for its year).
FIRST_TRAINED_CONVNET = "ZIP-code network"


def event_titled(title: str, events: Iterable[Event] = EVENTS) -> Event:
    """The event with this title; a ``ValueError`` naming the titles there are otherwise."""
    for event in events:
        if event.title == title:
            return event
    raise ValueError(f"no event titled {title!r}; the titles are {[e.title for e in EVENTS]}")


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
