"""What the training loop reports, as typed events, and the subscriber that prints Caffe's log.

:class:`~lenet_course.solver.Solver` sends every event of a run to one list of callbacks: a step
(every iteration), a display line, a test, a snapshot, the stop, and notes. Anything that follows
a run subscribes: :class:`CaffeLog` turns events into Caffe's log lines, the live training panel
draws its curves from them, a lesson can keep one display line in ten. A subscriber picks the
events it wants with ``isinstance`` and ignores the rest, so new event types break nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import Tensor

#: Why a run ended: it reached its last iteration, ``request_stop()`` (or ``"interrupted"``,
#: the CLI's Ctrl-C) asked it to, or the loss / the weights stopped being finite.
STOP_REASONS = ("finished", "requested", "interrupted", "diverged")


@dataclass(frozen=True)
class StepEvent:
    """After each iteration's update (the iteration just done, 0-based, as Caffe prints it)."""

    iteration: int
    lr: float
    loss_tensor: Tensor  # this iteration's loss (mean over its iter_size passes), on the device

    @property
    def loss(self) -> float:
        """The loss as a float (this waits for the device)."""
        return float(self.loss_tensor)


@dataclass(frozen=True)
class DisplayEvent:
    """Every ``display`` iterations: the smoothed loss (mean of the last ``average_loss``)."""

    iteration: int
    loss: float
    lr: float
    iters_per_second: float | None  # None at a run's first display line (nothing to time yet)


@dataclass(frozen=True)
class TestEvent:
    """A finished test: accuracy and mean loss over ``test_iter`` batches.

    ``compute_loss`` is the config's ``test_compute_loss`` at that time (Caffe then prints an
    extra "Test loss" line); the loss is computed either way.
    """

    iteration: int
    accuracy: float
    loss: float
    compute_loss: bool = False


@dataclass(frozen=True)
class SnapshotEvent:
    """A snapshot pair written (both files complete, renamed into place)."""

    iteration: int
    weights_path: Path
    state_path: Path


@dataclass(frozen=True)
class StopEvent:
    """The end of a run: ``reason`` is one of :data:`STOP_REASONS`; ``message`` says it in words.

    ``state_path`` is the solver state written for this iteration (the file to resume from), or
    None when the run ended without one. ``solve()`` always emits one; ``step()`` only when it
    stopped early.
    """

    iteration: int
    reason: str
    message: str
    state_path: Path | None = None


@dataclass(frozen=True)
class NoteEvent:
    """An informational line: the seed picked from the clock, a resume's changed fields,
    gradient clipping, an interrupted test."""

    iteration: int
    message: str


Event = StepEvent | DisplayEvent | TestEvent | SnapshotEvent | StopEvent | NoteEvent
#: The names these events had before they were typed events (the old ``on_step`` / ``on_test`` payloads).
StepInfo = StepEvent
TestInfo = TestEvent


class CaffeLog:
    """The subscriber that turns events into Caffe-style log lines, handed to ``print_fn``.

    ``Solver(log=print)`` is a shortcut for ``Solver(callbacks=[CaffeLog(print)])``.
    """

    def __init__(self, print_fn: Callable[[str], Any] = print) -> None:
        self.print_fn = print_fn

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepEvent):
            return  # every iteration: no line (the display event summarises them)
        for line in self.lines(event):
            self.print_fn(line)

    @staticmethod
    def lines(event: Event) -> list[str]:
        """The log lines one event gives (none for a step)."""
        if isinstance(event, DisplayEvent):
            speed = "" if event.iters_per_second is None else f" ({event.iters_per_second:.1f} iter/s)"
            return [f"Iteration {event.iteration}{speed}, loss = {event.loss:.4f}, lr = {event.lr:.6g}"]
        if isinstance(event, TestEvent):
            lines = [
                f"Iteration {event.iteration}, Testing net: accuracy = {event.accuracy:.4f}, loss = {event.loss:.4f}"
            ]
            if event.compute_loss:
                lines.append(f"Test loss: {event.loss:g}")
            return lines
        if isinstance(event, SnapshotEvent):
            return [f"Snapshotting to {event.weights_path} and {event.state_path}"]
        if isinstance(event, StopEvent):
            return ["Optimization Done."] if event.reason == "finished" else [event.message]
        if isinstance(event, NoteEvent):
            return [event.message]
        return []
