"""The capstone's rules, and the checker that applies them.

The task (lesson 13): design a LeNet variant with fewer than :data:`PARAMETER_LIMIT` parameters
that reaches :data:`TARGET_TEST_ACCURACY` on MNIST's test split within :data:`CPU_BUDGET_S`
CPU-seconds of training (10 minutes on 2 cores), and justify it with validation curves.

An entry is two functions the learner writes:

- ``build_model() -> nn.Module``: a fresh, untrained model taking ``[N, 1, 28, 28]`` batches
  (scaled as its ``input_scale`` attribute says, like the course's models);
- ``recipe(model, data, budget) -> history``: trains ``model`` in place on :class:`CapstoneData`
  (the ``"fit"`` and ``"val"`` splits, nothing else) while ``budget`` (a :class:`CPUBudget`) is
  not spent, and returns its validation curve: a list of ``(images_seen, val_accuracy)`` pairs.

:func:`run_capstone` is the checker's side: it builds the model under a seed, counts its
parameters, hands the recipe the data and the budget, refuses any read of the test files while
the recipe runs (:func:`guard_test_split`), and only then scores the model on the test split
itself, once. The test split never reaches the recipe, so no choice in it can have been made on
test digits. The budget is CPU time (``time.process_time``: every thread of this process), so a
machine that other programs keep busy does not eat into it the way wall-clock time would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from torch import Tensor, nn

from .checkpoints import save_weights
from .data import MNIST_FILES, ensure_mnist, load_mnist
from .evaluate import evaluate
from .models import count_parameters
from .runtime import seeded

#: A capstone model holds fewer trainable parameters than this.
PARAMETER_LIMIT = 50_000
#: The accuracy on the 10,000 test digits a full-budget entry must reach.
TARGET_TEST_ACCURACY = 0.993
#: The full training budget: 10 minutes on 2 cores, in CPU-seconds.
CPU_BUDGET_S = 600.0 * 2
#: The short check's budget (what the exercise checker gives an entry): enough to learn, not to finish.
SHORT_BUDGET_S = 20.0
#: After the short check a model that learns scores at least this on the test split (chance is 0.1).
LEARNS_ACCURACY = 0.8
#: How far past its budget a recipe may run (the end of the batch it was in, a last validation).
BUDGET_GRACE = 1.25

#: A recipe's validation curve: (training images seen so far, validation accuracy) pairs.
ValidationCurve = list[tuple[int, float]]
BuildModel = Callable[[], nn.Module]
Recipe = Callable[[nn.Module, "CapstoneData", "CPUBudget"], Sequence[tuple[int, float]]]


class CapstoneError(ValueError):
    """An entry that breaks a rule of the capstone (too many parameters, no curve, a test-split read)."""


class ForbiddenSplitError(CapstoneError):
    """The recipe tried to read MNIST's test files; choices must be made on the validation split."""


@dataclass(frozen=True)
class CapstoneData:
    """What a recipe may train and choose on: the ``"fit"`` split and the ``"val"`` split (uint8, labels)."""

    fit_images: Tensor
    fit_labels: Tensor
    val_images: Tensor
    val_labels: Tensor

    @classmethod
    def load(cls, root: str | os.PathLike | None = None, fit_limit: int | None = None) -> CapstoneData:
        """Both splits from MNIST; ``fit_limit`` keeps the first images of ``"fit"`` only (for a short run)."""
        fit_images, fit_labels = load_mnist("fit", root)
        val_images, val_labels = load_mnist("val", root)
        if fit_limit is not None:
            fit_images, fit_labels = fit_images[:fit_limit], fit_labels[:fit_limit]
        return cls(fit_images, fit_labels, val_images, val_labels)


class CPUBudget:
    """CPU-seconds a recipe may spend, counted from its creation with ``time.process_time``."""

    def __init__(self, seconds: float) -> None:
        if not seconds > 0:
            raise CapstoneError(f"a budget must be a positive number of CPU-seconds, got {seconds!r}")
        self.seconds = float(seconds)
        self._start = time.process_time()

    def spent(self) -> float:
        """CPU-seconds used since the budget started."""
        return time.process_time() - self._start

    def fraction(self) -> float:
        """Share of the budget used, from 0 (capped at 1): what a time-based schedule reads."""
        return min(1.0, self.spent() / self.seconds)

    def exhausted(self) -> bool:
        """True once every CPU-second is used: the recipe stops training."""
        return self.spent() >= self.seconds


class _TestFileGuard:
    """Refuses ``open`` of MNIST's test files while :attr:`active` (a ``sys.addaudithook`` hook).

    Audit hooks cannot be removed, so one is installed, once, the first time a guard is entered;
    outside a ``with guard_test_split():`` block it does nothing.
    """

    def __init__(self) -> None:
        self.active = 0
        self.installed = False
        self.names = tuple(name for name in MNIST_FILES if name.startswith("t10k"))

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active or event != "open" or not args:
            return
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            name = os.fsdecode(target)
            if any(test_name in name for test_name in self.names):
                raise ForbiddenSplitError(
                    "the recipe read MNIST's test files: a recipe trains and chooses on data.fit_* and "
                    "data.val_* only; the checker scores the test split itself, after training."
                )


_GUARD = _TestFileGuard()


class guard_test_split:
    """``with guard_test_split(): ...``: inside, opening MNIST's test files raises :class:`ForbiddenSplitError`."""

    def __enter__(self) -> guard_test_split:
        if not _GUARD.installed:
            sys.addaudithook(_GUARD.hook)
            _GUARD.installed = True
        _GUARD.active += 1
        return self

    def __exit__(self, *exc: object) -> None:
        _GUARD.active -= 1


@dataclass(frozen=True)
class CapstoneResult:
    """The checker's verdict on one entry: the figures, then whether each rule holds."""

    parameters: int
    budget_s: float
    cpu_seconds: float
    wall_seconds: float
    images_seen: int
    val_curve: ValidationCurve
    test_accuracy: float
    fit_images: int

    @property
    def within_parameters(self) -> bool:
        return self.parameters < PARAMETER_LIMIT

    @property
    def within_budget(self) -> bool:
        return self.cpu_seconds <= self.budget_s * BUDGET_GRACE + 5.0

    @property
    def meets_target(self) -> bool:
        return self.test_accuracy >= TARGET_TEST_ACCURACY

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON values (for a cached result)."""
        data = asdict(self)
        data["val_curve"] = [[int(n), float(a)] for n, a in self.val_curve]
        data.update(
            within_parameters=self.within_parameters,
            within_budget=self.within_budget,
            meets_target=self.meets_target,
            parameter_limit=PARAMETER_LIMIT,
            target_test_accuracy=TARGET_TEST_ACCURACY,
        )
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CapstoneResult:
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in names}
        values["val_curve"] = [(int(n), float(a)) for n, a in values["val_curve"]]
        return cls(**values)


def _curve(history: Any) -> ValidationCurve:
    """The recipe's returned history as (images_seen, accuracy) pairs; an error that says the form otherwise."""
    try:
        curve = [(int(n), float(a)) for n, a in history]
    except (TypeError, ValueError):
        raise CapstoneError(
            "the recipe must return its validation curve: a list of (images_seen, val_accuracy) pairs, "
            "one per validation measurement."
        ) from None
    if not curve:
        raise CapstoneError("the recipe returned an empty validation curve: measure data.val_* at least once.")
    if any(not 0.0 <= a <= 1.0 for _, a in curve):
        raise CapstoneError("validation accuracies are fractions between 0 and 1 (0.99, not 99).")
    return curve


def run_capstone(
    build_model: BuildModel,
    recipe: Recipe,
    *,
    budget_s: float = CPU_BUDGET_S,
    seed: int = 0,
    fit_limit: int | None = None,
    root: str | os.PathLike | None = None,
    weights_path: str | os.PathLike | None = None,
) -> CapstoneResult:
    """Check one entry: build (under ``seed``), count, train with the recipe on fit/val, then score on test.

    Raises :class:`CapstoneError` when the model has too many parameters (before any training) or
    the recipe returns no curve, :class:`ForbiddenSplitError` when the recipe reads the test files.
    ``fit_limit`` gives the recipe only the first images of ``"fit"`` (a short check);
    ``weights_path`` (e.g. under :func:`lenet_course.paths.runs_dir`) receives the trained weights.
    """
    with seeded(seed):
        model = build_model()
    if not isinstance(model, nn.Module):
        raise CapstoneError(f"build_model() must return an nn.Module, got {type(model).__name__}")
    parameters = count_parameters(model)
    if parameters >= PARAMETER_LIMIT:
        raise CapstoneError(
            f"the model has {parameters:,} trainable parameters; the capstone allows fewer than "
            f"{PARAMETER_LIMIT:,}. Narrow a layer (the first fully connected layer usually holds most)."
        )
    data = CapstoneData.load(root, fit_limit)
    ensure_mnist(root)  # checks every file now (cached), so the guard sees no check of the test files
    wall = time.perf_counter()
    budget = CPUBudget(budget_s)
    with guard_test_split(), seeded(seed):
        history = recipe(model, data, budget)
    cpu_seconds, wall_seconds = budget.spent(), time.perf_counter() - wall
    curve = _curve(history)
    test = evaluate(model, split="test", root=root)
    if weights_path is not None:
        save_weights(model, weights_path)
    return CapstoneResult(
        parameters=parameters,
        budget_s=float(budget_s),
        cpu_seconds=cpu_seconds,
        wall_seconds=wall_seconds,
        images_seen=curve[-1][0],
        val_curve=curve,
        test_accuracy=test.accuracy,
        fit_images=len(data.fit_labels),
    )


def save_result(result: CapstoneResult, path: str | os.PathLike, **extra: Any) -> Path:
    """Write ``result`` (and ``extra`` fields, e.g. the machine) as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**result.to_json(), **extra}, indent=1) + "\n", encoding="utf-8")
    return path


def load_result(path: str | os.PathLike) -> tuple[CapstoneResult, dict[str, Any]]:
    """A cached result and the whole JSON it came from (with the extra fields)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return CapstoneResult.from_json(data), data
