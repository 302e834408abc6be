"""The comparison lab's grid: every model, three seeds each, one training budget, one table.

Lesson 09 sets the course's models side by side as LeCun et al. (1998) set theirs: what each
costs (parameters, multiply-adds per image: :mod:`lenet_course.complexity`), how long an epoch
takes on this machine, and its error on the 10,000 test digits. To make the comparison fair every
model gets the same treatment (:class:`GridBudget`):

- the same training: the Caffe LeNet recipe (:class:`~lenet_course.config.SolverConfig`'s
  defaults: Caffe's SGD, base_lr 0.01, momentum 0.9, weight_decay 0.0005, the "inv" policy),
  batches of 64 from the "fit" split (55,000 images), the same number of iterations, run by the
  library's loop (:class:`~lenet_course.solver.Solver`, with each model's own loss:
  cross-entropy, or the 1998 paper's MAP criterion for its RBF network). One number may differ
  per model, its ``base_lr`` (:attr:`Entrant.base_lr`), and only when it was chosen on "val" by
  :func:`choose_base_lr`: the MAP criterion is a sum of squared distances, its gradients are far
  larger than cross-entropy's, and Caffe's 0.01 leaves the RBF network at chance;
- the same choice made on "val" only: every ``val_every`` iterations the model is scored on the
  5,000 validation images and the weights with the lowest validation error are kept (early
  stopping by snapshot); the test split is read once per run, at the end, for the table;
- three seeds per model (a seed fixes the initial weights and the order of the batches), so the
  table reports mean ± sd and the reader can see how much of a difference is luck.

Each finished run is written at once to a JSON cache under :func:`lenet_course.paths.runs_dir`,
keyed by the budget, the device type, each model's shape (class, parameters, multiply-adds) and
its learning rate, so running the lesson again reuses it and only trains what is missing or
changed.

:func:`standard_error` is the other half of reading the table: an error rate measured on n test
images is itself uncertain, by about sqrt(p (1 - p) / n).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checkpoints import atomic_write_text
from .complexity import complexity
from .config import SolverConfig
from .data import TensorBatches, evaluation_batches
from .evaluate import evaluate
from .lenet1998 import build_paper_lenet5, map_loss
from .models import build_model, input_scale
from .paths import runs_dir
from .runtime import cpu_and_threads, pick_device, seeded
from .solver import Solver

__all__ = [
    "FULL_BUDGET",
    "PAPER_1998",
    "PAPER_SOURCE",
    "SHORT_BUDGET",
    "ComparisonError",
    "Entrant",
    "GridBudget",
    "ModelSummary",
    "PaperResult",
    "RateChoice",
    "RateTrial",
    "RunResult",
    "choose_base_lr",
    "default_cache_path",
    "device_name",
    "fingerprint",
    "format_table",
    "grid_entrants",
    "load_results",
    "load_trials",
    "paper_figure",
    "run_grid",
    "save_results",
    "seeded_builder",
    "standard_error",
    "summarize",
    "train_one",
]

#: Images in the "fit" split (what one epoch is), in "val" and in "test".
FIT_IMAGES, VAL_IMAGES, TEST_IMAGES = 55_000, 5_000, 10_000
#: The version of the JSON written by :func:`save_results` (and read by :func:`load_results`).
FORMAT_VERSION = 1
#: The shared recipe's learning rate (Caffe's LeNet solver, :class:`~lenet_course.config.SolverConfig`).
SHARED_BASE_LR = SolverConfig().base_lr
#: The rates :func:`choose_base_lr` tries for the lesson's RBF network: Caffe's, then each about a
#: third of the one before (half a decade apart), down to 0.0003.
RBF_RATES = (0.01, 0.003, 0.001, 0.0003)
#: The seed of a rate trial: not one of the grid's seeds, so the rate is not chosen on the very
#: runs that are then reported.
TRIAL_SEED = 0

LossFn = Callable[..., Tensor]


class ComparisonError(ValueError):
    """A grid, budget or results file the comparison lab cannot use."""


# ---- what is compared --------------------------------------------------------------------------
@dataclass(frozen=True)
class Entrant:
    """One row of the grid: a short ``key``, a ``label`` for tables, ``build(seed) -> model`` (a
    fresh model whose initial weights depend on the seed alone), the training loss, and
    ``base_lr``: None for the shared recipe's rate, or a rate chosen on "val" for this model
    (:meth:`RateChoice.entrant`)."""

    key: str
    label: str
    build: Callable[[int], nn.Module]
    loss_fn: LossFn = F.cross_entropy
    loss_name: str = "cross-entropy"
    base_lr: float | None = None

    @property
    def learning_rate(self) -> float:
        """The base_lr this model trains with."""
        return SHARED_BASE_LR if self.base_lr is None else self.base_lr


def _named(name: str, **kwargs: Any) -> Callable[[int], nn.Module]:
    def build(seed: int) -> nn.Module:
        return build_model(name, seed=seed, **kwargs)

    return build


def seeded_builder(make: Callable[[], nn.Module]) -> Callable[[int], nn.Module]:
    """``build(seed)`` for any model class or factory ``make()``: it is called under
    :func:`lenet_course.runtime.seeded`, so its weights depend on the seed alone."""

    def build(seed: int) -> nn.Module:
        with seeded(seed):
            return make()

    return build


def grid_entrants(paper_rbf: bool = True) -> tuple[Entrant, ...]:
    """The lesson's six models, cheapest first: the two fully connected baselines, the three
    LeNets of :mod:`lenet_course.models` and (``paper_rbf``) the 1998 paper's LeNet-5 with its RBF
    output and MAP loss (:mod:`lenet_course.lenet1998`)."""
    entrants = [
        Entrant("logreg", "logistic regression 784-10", _named("logreg")),
        Entrant("mlp300", "MLP 784-300-10", _named("mlp300")),
        Entrant("tut", "TutLeNet", _named("tut")),
        Entrant("caffe", "CaffeLeNet", _named("caffe")),
        Entrant("lenet5", "LeNet5 (linear head)", _named("lenet5")),
    ]
    if paper_rbf:
        entrants.append(Entrant("lenet5_rbf", "LeNet-5 1998 (RBF + MAP)", build_paper_lenet5, map_loss, "MAP"))
    return tuple(entrants)


@dataclass(frozen=True)
class PaperResult:
    """One figure of the 1998 comparison: the paper's name for the classifier, its test error in
    percent, and the keys of the grid's models that are built the same way (none: context only)."""

    label: str
    test_error_percent: float
    comparable: tuple[str, ...] = ()


#: Test error on MNIST's 10,000 test digits, trained without distortions, from LeCun et al. (1998).
PAPER_1998: tuple[PaperResult, ...] = (
    PaperResult("linear classifier", 12.0, ("logreg",)),
    PaperResult("2-layer net, 300 hidden units", 4.7, ("mlp300",)),
    PaperResult("LeNet-1 (16x16 input)", 1.7),
    PaperResult("LeNet-4", 1.1),
    PaperResult("LeNet-5", 0.95, ("lenet5", "lenet5_rbf")),
)
#: Where :data:`PAPER_1998` comes from.
PAPER_SOURCE = (
    "LeCun, Bottou, Bengio & Haffner (1998), Gradient-based learning applied to document recognition, "
    "Proc. IEEE 86(11), Fig. 9 (test error rates), as also listed, with the paper as reference, in the "
    "results table of the MNIST page by LeCun, Cortes & Burges"
)


def paper_figure(key: str) -> PaperResult | None:
    """The paper's figure for a grid model built the same way, or None."""
    return next((p for p in PAPER_1998 if key in p.comparable), None)


# ---- the budget ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridBudget:
    """How much training every model of the grid gets (the same for all of them).

    ``iterations`` batches of ``batch_size`` from "fit" (its first ``fit_limit`` images when
    set); validation every ``val_every`` iterations on "val" (its first ``val_limit``); the test
    error on "test" (its first ``test_limit``, all 10,000 when None); one run per seed.
    """

    iterations: int
    val_every: int
    seeds: tuple[int, ...] = (1, 2, 3)
    batch_size: int = 64
    fit_limit: int | None = None
    val_limit: int | None = None
    test_limit: int | None = None

    def __post_init__(self) -> None:
        for name in ("iterations", "val_every", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ComparisonError(f"{name} must be a positive whole number, got {value!r}")
        if not self.seeds or len(set(self.seeds)) != len(self.seeds) or any(s < 0 for s in self.seeds):
            raise ComparisonError(f"seeds must be distinct seeds >= 0, e.g. (1, 2, 3); got {self.seeds!r}")
        for name in ("fit_limit", "val_limit", "test_limit"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise ComparisonError(f"{name} must be None (the whole split) or a positive number, got {value!r}")

    @property
    def fit_images(self) -> int:
        return min(self.fit_limit or FIT_IMAGES, FIT_IMAGES)

    @property
    def val_images(self) -> int:
        return min(self.val_limit or VAL_IMAGES, VAL_IMAGES)

    @property
    def test_images(self) -> int:
        return min(self.test_limit or TEST_IMAGES, TEST_IMAGES)

    @property
    def images_seen(self) -> int:
        """Training images each run sees (with repeats once it is past one epoch)."""
        return self.iterations * self.batch_size

    @property
    def epochs(self) -> float:
        """Passes over the training images each run makes."""
        return self.images_seen / self.fit_images

    def solver_config(self, seed: int, base_lr: float | None = None) -> SolverConfig:
        """The Caffe LeNet recipe with this budget's batch size, length and seed (and ``base_lr``
        when given); the solver's own tests, displays and snapshots are off (validation is done
        between chunks of training)."""
        if base_lr is not None and (
            isinstance(base_lr, bool) or not (isinstance(base_lr, float | int) and 0 < base_lr < math.inf)
        ):
            raise ComparisonError(f"base_lr must be a positive number such as 0.001, got {base_lr!r}")
        return SolverConfig(
            base_lr=SHARED_BASE_LR if base_lr is None else float(base_lr),
            max_iter=self.iterations,
            train_batch_size=self.batch_size,
            test_batch_size=min(500, self.val_images),
            test_iter=math.ceil(self.val_images / min(500, self.val_images)),
            test_interval=0,
            test_initialization=False,
            display=0,
            snapshot=0,
            snapshot_after_train=False,
            random_seed=seed,
        )

    def signature(self) -> dict[str, Any]:
        """What a cached run must have been trained with to be reused."""
        return {
            "iterations": self.iterations,
            "val_every": self.val_every,
            "batch_size": self.batch_size,
            "fit_limit": self.fit_limit,
            "val_limit": self.val_limit,
            "test_limit": self.test_limit,
            "recipe": {k: v for k, v in dataclasses.asdict(self.solver_config(0)).items() if k != "random_seed"},
        }

    def describe(self) -> str:
        """One sentence for the lesson: how much training each model gets."""
        return (
            f"{self.iterations:,} iterations of {self.batch_size} images = {self.images_seen:,} images, "
            f"{self.epochs:.2f} passes over the {self.fit_images:,} training images; validation every "
            f"{self.val_every:,} iterations; {len(self.seeds)} seeds per model"
        )


#: The lesson's full run: a little more than one pass over "fit" per model, so that the whole
#: grid (six models x three seeds) trains in about three minutes on two CPU cores.
FULL_BUDGET = GridBudget(iterations=1_000, val_every=250)
#: A short run of the same grid on small slices of the splits (seconds, not minutes).
SHORT_BUDGET = GridBudget(iterations=40, val_every=20, fit_limit=2_000, val_limit=500, test_limit=1_000)


# ---- one run -------------------------------------------------------------------------------------
def device_name(device: torch.device | str | None = None) -> str:
    """The machine a run was timed on, in words: the GPU's name, or the CPU model and thread count."""
    dev = torch.device(device) if device is not None else pick_device()
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    if dev.type != "cpu":
        return dev.type.upper()
    return cpu_and_threads()


@dataclass(frozen=True)
class RunResult:
    """One model trained with one seed: what it costs, how fast it trained, how well it does.

    Errors are fractions (0.0123 = 1.23%). ``val_curve`` holds (iteration, validation error)
    after each chunk of training; ``best_iteration`` is where the kept weights were; the test
    error is of those weights, on ``test_images`` images. ``base_lr`` is the rate it trained with.
    """

    model: str
    label: str
    seed: int
    fingerprint: str
    parameters: int
    macs: int
    loss: str
    iterations: int
    batch_size: int
    images_seen: int
    epochs: float
    train_seconds: float
    seconds_per_epoch: float
    device: str
    device_name: str
    val_curve: tuple[tuple[int, float], ...]
    train_loss: tuple[float, ...]
    best_iteration: int
    val_error: float
    test_error: float
    test_images: int
    diverged: bool = False
    base_lr: float = SHARED_BASE_LR

    def to_dict(self) -> dict[str, Any]:
        return _as_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        return cls(**_fields_from_json(cls, data, "a run record", "run the grid again to rebuild it"))


def _as_json(record: RunResult | RateTrial) -> dict[str, Any]:
    """A run's or trial's fields as JSON values (its curves as lists)."""
    data = dataclasses.asdict(record)
    data["val_curve"] = [list(p) for p in record.val_curve]
    data["train_loss"] = list(record.train_loss)
    return data


def _fields_from_json(cls: type, data: dict[str, Any], what: str, remedy: str) -> dict[str, Any]:
    """The fields of dataclass ``cls`` read back from ``data``: those without a default must be
    there (else one sentence naming ``what`` lacks them, and the ``remedy``); curves as tuples."""
    fields = dataclasses.fields(cls)
    missing = {f.name for f in fields if f.default is dataclasses.MISSING} - set(data)
    if missing:
        raise ComparisonError(f"{what} lacks {', '.join(sorted(missing))}; {remedy}")
    values = {k: v for k, v in data.items() if k in {f.name for f in fields}}
    values["val_curve"] = tuple((int(i), float(e)) for i, e in data["val_curve"])
    values["train_loss"] = tuple(float(v) for v in data["train_loss"])
    return values


def fingerprint(model: nn.Module) -> str:
    """What identifies a model's shape in the cache: its class, parameters and multiply-adds."""
    cost = complexity(model)
    return _fingerprint_of(model, cost.parameters, cost.macs)


def _fingerprint_of(model: nn.Module, parameters: int, macs: int) -> str:
    return f"{type(model).__name__}:{parameters}:{macs}"


def _error(solver: Solver) -> float:
    return 1.0 - solver.test().accuracy


@dataclass
class _Trained:
    """A model trained under a budget with the best-validation weights loaded (before any test)."""

    model: nn.Module
    parameters: int
    macs: int
    fingerprint: str
    scale: str
    device: torch.device
    iterations: int
    seconds: float
    curve: list[tuple[int, float]]
    losses: list[float]
    best_iteration: int
    best_error: float
    diverged: bool


def _train_keep_best(
    entrant: Entrant,
    seed: int,
    budget: GridBudget,
    base_lr: float,
    device: torch.device | str | None,
    root: str | os.PathLike | None,
) -> _Trained:
    """Train under ``budget`` with ``base_lr``, scoring "val" after each chunk; the weights with the
    lowest validation error are loaded at the end. The test split is not touched here."""
    model = entrant.build(seed)
    cost = complexity(model)
    cfg = budget.solver_config(seed, base_lr)
    dev = pick_device(cfg.solver_mode, device)
    scale = input_scale(model)
    train = TensorBatches(
        "fit", scale=scale, batch_size=budget.batch_size, seed=seed, device=dev, root=root, limit=budget.fit_limit
    )
    val = evaluation_batches(scale, cfg.test_batch_size, split="val", device=dev, root=root, limit=budget.val_limit)
    solver = Solver(model, cfg, train, val, device=dev, log=None, progress=False, loss_fn=entrant.loss_fn)
    best_error, best_iteration, best_state = math.inf, 0, copy.deepcopy(solver.model.state_dict())
    curve: list[tuple[int, float]] = []
    losses: list[float] = []
    seconds = 0.0
    diverged = False
    while solver.iter < budget.iterations:
        chunk = min(budget.val_every, budget.iterations - solver.iter)
        _synchronize(dev)
        start = time.perf_counter()
        history = solver.step(chunk)
        _synchronize(dev)
        seconds += time.perf_counter() - start
        losses.append(float(np.mean(history.loss[-chunk:])) if len(history.loss) else math.nan)
        if "diverged" in solver.stop_reason:
            diverged = True
            break
        error = _error(solver)
        curve.append((solver.iter, error))
        if error < best_error:
            best_error, best_iteration = error, solver.iter
            best_state = copy.deepcopy(solver.model.state_dict())
    solver.model.load_state_dict(best_state)
    return _Trained(
        model=solver.model,
        parameters=cost.parameters,
        macs=cost.macs,
        fingerprint=_fingerprint_of(model, cost.parameters, cost.macs),
        scale=scale,
        device=dev,
        iterations=solver.iter,
        seconds=seconds,
        curve=curve,
        losses=losses,
        best_iteration=best_iteration,
        best_error=best_error if math.isfinite(best_error) else 1.0,
        diverged=diverged,
    )


def train_one(
    entrant: Entrant,
    seed: int,
    budget: GridBudget,
    *,
    device: torch.device | str | None = None,
    root: str | os.PathLike | None = None,
) -> RunResult:
    """Train ``entrant`` with ``seed`` under ``budget``; keep the best-validation weights; test them.

    Training time counts the solver's iterations only (validation and testing are timed out), on
    the device the solver runs on; the result says which one.
    """
    done = _train_keep_best(entrant, seed, budget, entrant.learning_rate, device, root)
    test_batch = min(500, budget.test_images)
    test_data = evaluation_batches(
        done.scale, test_batch, split="test", device=done.device, root=root, limit=budget.test_limit
    )
    result = evaluate(done.model, test_data, batch_size=test_batch)
    images = done.iterations * budget.batch_size
    return RunResult(
        model=entrant.key,
        label=entrant.label,
        seed=seed,
        fingerprint=done.fingerprint,
        parameters=done.parameters,
        macs=done.macs,
        loss=entrant.loss_name,
        iterations=done.iterations,
        batch_size=budget.batch_size,
        images_seen=images,
        epochs=images / budget.fit_images,
        train_seconds=done.seconds,
        seconds_per_epoch=done.seconds / max(images, 1) * budget.fit_images,
        device=done.device.type,
        device_name=device_name(done.device),
        val_curve=tuple(done.curve),
        train_loss=tuple(done.losses),
        best_iteration=done.best_iteration,
        val_error=done.best_error,
        test_error=1.0 - result.accuracy,
        test_images=result.total,
        diverged=done.diverged,
        base_lr=entrant.learning_rate,
    )


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ---- the grid and its cache ----------------------------------------------------------------------
def _budget_key(budget: GridBudget) -> str:
    text = json.dumps(budget.signature(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def default_cache_path(budget: GridBudget) -> Path:
    """Where :func:`run_grid` keeps the runs of ``budget``: ``runs/comparison_lab/grid-<key>.json``."""
    return runs_dir("comparison_lab", f"grid-{_budget_key(budget)}.json")


@dataclass(frozen=True)
class RateTrial:
    """One model trained with one candidate ``base_lr`` (seed :data:`TRIAL_SEED`), scored on "val"
    only: the best validation error of the run, its curve, and whether the loss diverged."""

    model: str
    fingerprint: str
    base_lr: float
    seed: int
    device: str
    val_curve: tuple[tuple[int, float], ...]
    val_error: float
    train_loss: tuple[float, ...]
    train_seconds: float
    diverged: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _as_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RateTrial:
        return cls(**_fields_from_json(cls, data, "a rate trial", "run the trials again"))


def save_results(
    results: Iterable[RunResult],
    path: str | os.PathLike,
    budget: GridBudget,
    trials: Iterable[RateTrial] = (),
) -> Path:
    """Write ``results`` and rate ``trials`` (and the budget they were trained with) as JSON, in one
    atomic write (a reader never sees half a file); returns the path."""
    payload = {
        "format": FORMAT_VERSION,
        "budget": budget.signature(),
        "seeds": list(budget.seeds),
        "runs": [r.to_dict() for r in results],
        "trials": [t.to_dict() for t in trials],
    }
    return atomic_write_text(json.dumps(payload, indent=1) + "\n", path)


def _read_payload(path: str | os.PathLike, budget: GridBudget | None) -> dict[str, Any] | None:
    """The file's contents, None when there is no file or it was trained under another budget."""
    source = Path(path)
    try:
        payload = json.loads(source.read_text())
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ComparisonError(
            f"{source} is not a comparison-lab results file ({type(err).__name__}); delete it and run the grid again"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION or "runs" not in payload:
        raise ComparisonError(f"{source} is not a comparison-lab results file of format {FORMAT_VERSION}")
    if budget is not None and payload.get("budget") != json.loads(json.dumps(budget.signature())):
        return None
    return payload


def load_results(path: str | os.PathLike, budget: GridBudget | None = None) -> list[RunResult]:
    """The runs stored in ``path``; with ``budget``, only if they were trained under it (else [])."""
    payload = _read_payload(path, budget)
    return [] if payload is None else [RunResult.from_dict(r) for r in payload["runs"]]


def load_trials(path: str | os.PathLike, budget: GridBudget | None = None) -> list[RateTrial]:
    """The rate trials stored in ``path``; with ``budget``, only if they were made under it."""
    payload = _read_payload(path, budget)
    return [] if payload is None else [RateTrial.from_dict(t) for t in payload.get("trials", [])]


def run_grid(
    entrants: Sequence[Entrant],
    budget: GridBudget,
    *,
    cache: str | os.PathLike | None = "default",
    device: torch.device | str | None = None,
    root: str | os.PathLike | None = None,
    report: Callable[[str], None] | None = print,
) -> list[RunResult]:
    """Every entrant with every seed of ``budget``, in order; cached runs are reused.

    ``cache`` is a JSON file (default :func:`default_cache_path`; None: no cache). A cached run is
    reused when it was trained under the same budget, on the same kind of device, for a model of
    the same shape (:func:`fingerprint`) with the same learning rate; every new run is written to
    the cache as soon as it ends, so an interrupted grid resumes where it stopped. ``report``
    gets one line per run trained.
    """
    keys = [e.key for e in entrants]
    if len(set(keys)) != len(keys):
        raise ComparisonError(f"each model of the grid needs its own key; got {keys}")
    dev = pick_device(None, device)
    path = default_cache_path(budget) if cache == "default" else (Path(cache) if cache is not None else None)
    cached = {(r.model, r.seed): r for r in (load_results(path, budget) if path is not None else [])}
    trials = load_trials(path, budget) if path is not None else []
    results: list[RunResult] = []
    for entrant in entrants:
        shape = fingerprint(entrant.build(budget.seeds[0]))
        for seed in budget.seeds:
            old = cached.get((entrant.key, seed))
            if (
                old is not None
                and old.fingerprint == shape
                and old.device == dev.type
                and old.base_lr == entrant.learning_rate
            ):
                results.append(dataclasses.replace(old, label=entrant.label))
                continue
            run = train_one(entrant, seed, budget, device=dev, root=root)
            results.append(run)
            cached[(entrant.key, seed)] = run
            if path is not None:
                save_results(cached.values(), path, budget, trials)
            if report is not None:
                report(
                    f"{entrant.label:<28} seed {seed}: val error {100 * run.val_error:5.2f}%, "
                    f"test error {100 * run.test_error:5.2f}% ({run.train_seconds:.1f} s)"
                )
    return results


@dataclass(frozen=True)
class RateChoice:
    """The rate trials of one model and the rate they choose: the lowest validation error (ties
    go to the rate tried first); a diverged trial is never chosen."""

    key: str
    trials: tuple[RateTrial, ...]

    @property
    def chosen(self) -> float:
        usable = [t for t in self.trials if not t.diverged]
        if not usable:
            raise ComparisonError(f"every rate tried for {self.key} diverged; try smaller rates")
        return min(usable, key=lambda t: t.val_error).base_lr

    def entrant(self, entrant: Entrant) -> Entrant:
        """``entrant`` with the chosen rate (its key and label unchanged: the table shows the rate)."""
        if entrant.key != self.key:
            raise ComparisonError(f"these trials chose a rate for {self.key}, not for {entrant.key}")
        return dataclasses.replace(entrant, base_lr=self.chosen)


def choose_base_lr(
    entrant: Entrant,
    rates: Sequence[float],
    budget: GridBudget,
    *,
    seed: int = TRIAL_SEED,
    cache: str | os.PathLike | None = "default",
    device: torch.device | str | None = None,
    root: str | os.PathLike | None = None,
    report: Callable[[str], None] | None = print,
) -> RateChoice:
    """Train ``entrant`` once per rate in ``rates`` (the shared recipe otherwise, the budget's
    length, seed ``seed``) and score each run on "val" only; the test split is never read.

    Trials are kept in the grid's cache file beside its runs and reused the way runs are (same
    budget, device type, model shape, rate and seed). ``report`` gets one line per trial trained.
    """
    if not rates or len(set(rates)) != len(rates):
        raise ComparisonError(f"give distinct rates to try, e.g. (0.01, 0.001); got {tuple(rates)!r}")
    for rate in rates:
        budget.solver_config(seed, rate)  # refuses a rate that is not a positive number
    dev = pick_device(None, device)
    path = default_cache_path(budget) if cache == "default" else (Path(cache) if cache is not None else None)
    runs = load_results(path, budget) if path is not None else []
    stored = load_trials(path, budget) if path is not None else []
    shape = fingerprint(entrant.build(seed))
    done: list[RateTrial] = []
    for rate in rates:
        old = next(
            (
                t
                for t in stored
                if (t.model, t.fingerprint, t.base_lr, t.seed, t.device) == (entrant.key, shape, rate, seed, dev.type)
            ),
            None,
        )
        if old is not None:
            done.append(old)
            continue
        trained = _train_keep_best(entrant, seed, budget, rate, dev, root)
        trial = RateTrial(
            model=entrant.key,
            fingerprint=trained.fingerprint,
            base_lr=float(rate),
            seed=seed,
            device=dev.type,
            val_curve=tuple(trained.curve),
            val_error=trained.best_error,
            train_loss=tuple(trained.losses),
            train_seconds=trained.seconds,
            diverged=trained.diverged,
        )
        done.append(trial)
        stored.append(trial)
        if path is not None:
            save_results(runs, path, budget, stored)
        if report is not None:
            state = "diverged" if trial.diverged else f"best val error {100 * trial.val_error:5.2f}%"
            report(f"{entrant.label:<28} base_lr {rate:<7g}: {state} ({trial.train_seconds:.1f} s)")
    return RateChoice(entrant.key, tuple(done))


# ---- reading the results ---------------------------------------------------------------------------
def standard_error(error: float, n: int = 10_000) -> float:
    """The standard error of an error rate ``error`` (a fraction) measured on ``n`` independent
    test images: sqrt(p (1 - p) / n), the spread of a binomial count divided by n."""
    if not 0.0 <= error <= 1.0:
        raise ComparisonError(f"error must be a fraction between 0 and 1 (0.0095 for 0.95%), got {error!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ComparisonError(f"n must be the number of test images (a positive whole number), got {n!r}")
    return math.sqrt(error * (1.0 - error) / n)


@dataclass(frozen=True)
class ModelSummary:
    """One model's row: its costs, its training speed and its errors over the seeds (fractions).

    ``test_error_sd`` is the sample standard deviation over the seeds (n - 1 in the denominator);
    ``standard_error`` is that of the mean test error as a measurement on ``test_images`` images.
    """

    key: str
    label: str
    parameters: int
    macs: int
    seeds: tuple[int, ...]
    test_errors: tuple[float, ...]
    val_errors: tuple[float, ...]
    seconds_per_epoch: float
    device_name: str
    epochs: float
    test_images: int
    paper: PaperResult | None = field(default=None)
    base_lr: float = SHARED_BASE_LR

    @property
    def test_error_mean(self) -> float:
        return float(np.mean(self.test_errors))

    @property
    def test_error_sd(self) -> float:
        return float(np.std(self.test_errors, ddof=1)) if len(self.test_errors) > 1 else 0.0

    @property
    def val_error_mean(self) -> float:
        return float(np.mean(self.val_errors))

    @property
    def standard_error(self) -> float:
        return standard_error(self.test_error_mean, self.test_images)


def summarize(results: Sequence[RunResult]) -> list[ModelSummary]:
    """One :class:`ModelSummary` per model, in the order the models first appear in ``results``."""
    by_model: dict[str, list[RunResult]] = {}
    for run in results:
        by_model.setdefault(run.model, []).append(run)
    rows = []
    for key, runs in by_model.items():
        first = runs[0]
        rows.append(
            ModelSummary(
                key=key,
                label=first.label,
                parameters=first.parameters,
                macs=first.macs,
                seeds=tuple(r.seed for r in runs),
                test_errors=tuple(r.test_error for r in runs),
                val_errors=tuple(r.val_error for r in runs),
                seconds_per_epoch=float(np.mean([r.seconds_per_epoch for r in runs])),
                device_name=first.device_name,
                epochs=first.epochs,
                test_images=min(r.test_images for r in runs),
                paper=paper_figure(key),
                base_lr=first.base_lr,
            )
        )
    return rows


def _paper_percent(value: float) -> str:
    """A paper figure as the paper prints it: 12.0%, 4.7%, 0.95%."""
    return f"{value:.1f}%" if round(value, 1) == value else f"{value:.2f}%"


def _percent(value: float, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f}%"


def format_table(rows: Sequence[ModelSummary], paper: Sequence[PaperResult] = PAPER_1998) -> str:
    """The lesson's table as aligned text: one line per model (its costs, its base_lr, seconds per
    epoch, test error mean ± sd over the seeds, and the 1998 paper's figure where a row is
    comparable), then the paper's figures that have no model of ours beside them."""
    header = (
        f"{'model':<28} {'parameters':>10} {'mult-adds':>10} {'base_lr':>7} {'s/epoch':>8} "
        f"{'test error (mean ± sd)':>22} {'1998 paper':>10}"
    )
    lines = [header, "-" * len(header)]
    shown_keys = {r.key for r in rows}
    for r in rows:
        error = f"{_percent(r.test_error_mean)} ± {_percent(r.test_error_sd)}"
        theirs = _paper_percent(r.paper.test_error_percent) if r.paper else "-"
        lines.append(
            f"{r.label:<28} {r.parameters:>10,} {r.macs:>10,} {r.base_lr:>7g} {r.seconds_per_epoch:>8.1f} "
            f"{error:>22} {theirs:>10}"
        )
    for p in paper:
        if not any(k in shown_keys for k in p.comparable):
            blank = f"{'':>10} {'':>10} {'':>7} {'':>8} {'':>22}"
            lines.append(f"{'(1998) ' + p.label:<28} {blank} {_paper_percent(p.test_error_percent):>10}")
    return "\n".join(lines)
