"""Training the 1998 LeNet-5 the way the paper did, pass by pass, and keeping the results.

:func:`train_lenet5_1998` builds :class:`~lenet_course.lenet1998.PaperLeNet5` from a seed and
trains it on MNIST's 60,000 training images with the MAP loss and SDLM (:mod:`lenet_course.sdlm`):
before every pass the diagonal Gauss-Newton curvature is re-estimated on 500 training samples
(the first 500 of that pass's order), the global rate follows the paper's schedule, and after the
pass the training and test error are measured. :func:`reproduce_lenet5_1998` does that for several
seeds; :func:`save_results` / :func:`load_results` keep the result as a small JSON file
(:func:`cached_results_path`: ``notebooks/results/lenet5_1998.json``, the full run lesson 12
reads); :func:`summarize` turns it into the figures the lesson prints.

Where this departs from the paper (lesson 12 names each difference beside the results):

- **mini-batches**: the paper updates the weights after every sample; here each update uses the
  mean gradient of ``batch_size`` (32) samples, stepped by eta / (mu + h) with the paper's eta
  unchanged. Per sample, that is 1/32 of the paper's step. Multiplying eta by the batch size (the
  first-order equivalent of the per-sample steps) made training diverge within the first few
  hundred images with our curvature estimates, and per-sample updates at the paper's eta
  (``batch_size=1``, about 1.6 ms an update on a 2-core CPU) train unreliably: on the first
  10,000 images, two passes, seed 0, they reached 7.4% training error with two torch threads and
  32% with one, where mini-batches reached 6.1%. Lesson 12 tries both on short runs.
- **a warm-up**: the first pass starts with ``warmup_samples`` (3,000) samples at
  ``warmup_factor`` (1/50) times eta, then re-estimates the curvature. At the paper's small
  initial weights (+-2.4/F_i) the activations of C5 and F6 are tiny, so is the curvature, and the
  steps eta / (mu + h) are near their cap eta / mu for most weights; after the warm-up the
  curvature has grown by orders of magnitude and the steps fall into the range the paper quotes
  (about 7e-5 to 0.016).
- the curvature is the exact Gauss-Newton diagonal, estimated with one random probe per sample
  (:mod:`lenet_course.sdlm`), not the paper's back-propagated second derivatives.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from .checkpoints import atomic_write_text
from .data import load_mnist
from .lenet1998 import PaperLeNet5, build_paper_lenet5, map_loss, paper_input
from .paths import lessons_dir
from .runtime import cpu_and_threads, pick_device
from .sdlm import PAPER_HESSIAN_SAMPLES, PAPER_MU, SDLM, estimate_curvature_, paper_rate

#: The paper's test errors on MNIST (section III-C and Fig. 9): without and with distortions.
PAPER_TEST_ERROR, PAPER_TEST_ERROR_DISTORTED = 0.0095, 0.008
#: The paper's training error after 19 passes.
PAPER_TRAIN_ERROR = 0.0035
#: The paper's passes (its Fig. 5 plots 20).
PAPER_PASSES = 20
#: The mini-batch of the course's reproduction (see the module docstring).
DEFAULT_BATCH_SIZE = 32
#: Random +-1 probes per sample for the curvature estimate (see :mod:`lenet_course.sdlm`).
DEFAULT_PROBES = 1
#: Our departures from the paper's rates (see the module docstring): the first pass starts with
#: WARMUP_SAMPLES samples at WARMUP_FACTOR x eta, then re-estimates the curvature, and every pass's
#: eta is the paper's times RATE_SCALE.
WARMUP_SAMPLES, WARMUP_FACTOR, RATE_SCALE = 3000, 0.02, 1.0
RESULTS_FILE = "lenet5_1998.json"


class ReproductionError(ValueError):
    """Settings a reproduction cannot run with, or a results file that is not one."""


@dataclass(frozen=True)
class PassRecord:
    """What one pass did and what was measured after it."""

    pass_number: int  # 1 = the first pass
    rate: float  # the paper's global rate eta for the pass (before the batch scaling)
    train_error: float  # fraction of the training images misclassified after the pass
    test_error: float
    train_loss: float  # mean MAP loss over the training images after the pass
    test_loss: float
    train_mistakes: int
    test_mistakes: int
    seconds: float  # the pass's training (weight updates) alone
    curvature_seconds: float  # the curvature estimate before the pass
    eval_seconds: float  # measuring the training and test error after it
    rate_min: float  # the smallest and largest per-parameter step eta / (mu + h) of the pass
    rate_max: float


@dataclass
class LeNet5Run:
    """One seed's run: its settings, one :class:`PassRecord` per pass, timing."""

    seed: int
    passes: int
    batch_size: int
    train_images: int
    test_images: int
    hessian_samples: int
    probes: int
    mu: float
    device: str
    records: list[PassRecord] = field(default_factory=list)
    total_seconds: float = 0.0
    machine: str = ""
    torch_version: str = ""
    #: the trained network (kept in memory for the caller, never saved with the run)
    network: PaperLeNet5 | None = field(default=None, repr=False, compare=False)

    @property
    def final(self) -> PassRecord:
        if not self.records:
            raise ReproductionError("this run has no passes recorded yet")
        return self.records[-1]

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "network"}
        data["records"] = [asdict(r) for r in self.records]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeNet5Run:
        fields = {k: v for k, v in data.items() if k != "network"}
        fields["records"] = [PassRecord(**r) for r in data.get("records", [])]
        return cls(**fields)


@dataclass
class Reproduction:
    """Several seeds' runs and how they were made (the JSON file holds exactly this)."""

    runs: list[LeNet5Run]
    command: str = ""
    wall_seconds: float = 0.0
    finished: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": "LeNet-5 (LeCun et al. 1998) with RBF output, MAP loss and SDLM, on MNIST",
            "command": self.command,
            "wall_seconds": self.wall_seconds,
            "finished": self.finished,
            "runs": [r.to_dict() for r in self.runs],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reproduction:
        return cls(
            [LeNet5Run.from_dict(r) for r in data["runs"]],
            data.get("command", ""),
            data.get("wall_seconds", 0.0),
            data.get("finished", ""),
        )


def _generator(seed: int, pass_number: int, stream: int) -> torch.Generator:
    """A generator for one pass's order (stream 0) or curvature probes (streams 1, 2), from the seed."""
    return torch.Generator().manual_seed((seed * 1_000_003 + pass_number) * 3 + stream)


@torch.no_grad()
def evaluate_paper_net(
    model: PaperLeNet5, images: Tensor, labels: Tensor, batch: int = 1000
) -> tuple[float, float, int]:
    """(error rate, mean MAP loss, mistakes) on uint8 ``images`` [N, 28, 28]; the model is not changed."""
    was_training = model.training
    model.eval()
    total, mistakes = 0.0, 0
    for start in range(0, len(labels), batch):
        scores = model(paper_input(images[start : start + batch]))
        target = labels[start : start + batch]
        total += float(map_loss(scores, target, reduction="sum"))
        mistakes += int((scores.argmax(1) != target).sum())
    model.train(was_training)
    return mistakes / len(labels), total / len(labels), mistakes


def train_lenet5_1998(
    passes: int = PAPER_PASSES,
    seed: int = 0,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    device: torch.device | str | None = None,
    train_limit: int | None = None,
    test_limit: int | None = None,
    hessian_samples: int = PAPER_HESSIAN_SAMPLES,
    probes: int = DEFAULT_PROBES,
    mu: float = PAPER_MU,
    schedule: Callable[[int], float] = paper_rate,
    rate_scale: float = RATE_SCALE,
    warmup_samples: int = WARMUP_SAMPLES,
    warmup_factor: float = WARMUP_FACTOR,
    on_pass: Callable[[PassRecord], None] | None = None,
    on_progress: Callable[[LeNet5Run], None] | None = None,
    root: str | None = None,
) -> LeNet5Run:
    """Train :class:`PaperLeNet5` (built from ``seed``) for ``passes`` passes with SDLM and the MAP loss.

    ``train_limit`` / ``test_limit`` keep the first images only (a short run); ``schedule(pass
    index from 0)`` is the global rate (the paper's by default), times ``rate_scale``, applied to
    each mini-batch's mean gradient; ``warmup_samples`` / ``warmup_factor``: see the module
    docstring (``warmup_samples=0`` leaves the warm-up out). After each pass the errors on the
    whole training and test sets are measured and ``on_pass`` gets the :class:`PassRecord`;
    ``on_progress`` gets the run so far (to save it, so that a stopped run keeps its passes).
    Nothing outside the new network changes (no reseeding of the process, no thread settings).
    """
    if passes < 1:
        raise ReproductionError(f"passes must be at least 1, got {passes}")
    if batch_size < 1:
        raise ReproductionError(f"batch_size must be at least 1 (1 = the paper's per-sample updates), got {batch_size}")
    if hessian_samples < 1 or probes < 1:
        raise ReproductionError(f"hessian_samples and probes must be at least 1, got {hessian_samples} and {probes}")
    started = time.perf_counter()
    where = pick_device(device=device)
    train_x, train_y = load_mnist("train", root)
    test_x, test_y = load_mnist("test", root)
    if train_limit is not None:
        train_x, train_y = train_x[:train_limit], train_y[:train_limit]
    if test_limit is not None:
        test_x, test_y = test_x[:test_limit], test_y[:test_limit]
    if batch_size > len(train_y):
        raise ReproductionError(f"batch_size {batch_size} is larger than the {len(train_y)} training images")
    train_x, train_y, test_x, test_y = (t.to(where) for t in (train_x, train_y, test_x, test_y))
    model = build_paper_lenet5(seed).to(where)
    optimizer = SDLM(model.parameters(), lr=schedule(0) * rate_scale, mu=mu)
    run = LeNet5Run(
        seed=seed,
        passes=passes,
        batch_size=batch_size,
        train_images=len(train_y),
        test_images=len(test_y),
        hessian_samples=min(hessian_samples, len(train_y)),
        probes=probes,
        mu=mu,
        device=str(where),
        machine=cpu_and_threads(),
        torch_version=torch.__version__,
    )
    for number in range(1, passes + 1):
        order = torch.randperm(len(train_y), generator=_generator(seed, number, 0)).to(where)
        rate = schedule(number - 1) * rate_scale
        # the warm-up takes at most half of a (short) training set
        warmup = min(warmup_samples, len(order) // 2) // batch_size * batch_size if number == 1 else 0

        def estimate(samples: Tensor, stream: int, number: int = number) -> float:
            tick = time.perf_counter()
            estimate_curvature_(
                optimizer,
                model,
                paper_input(train_x[samples]),
                train_y[samples],
                model.head_loss,
                split_at="features",
                probes=probes,
                generator=_generator(seed, number, stream),
            )
            return time.perf_counter() - tick

        def train(batches: Tensor, eta: float) -> float:
            tick = time.perf_counter()
            for group in optimizer.param_groups:
                group["lr"] = eta
            model.train()
            for start in range(0, len(batches) - batch_size + 1, batch_size):
                idx = batches[start : start + batch_size]
                optimizer.zero_grad(set_to_none=True)
                map_loss(model(paper_input(train_x[idx])), train_y[idx]).backward()
                optimizer.step()
            return time.perf_counter() - tick

        curvature_seconds = estimate(order[: run.hessian_samples], 1)
        seconds = 0.0
        if warmup:
            seconds += train(order[:warmup], rate * warmup_factor)
            curvature_seconds += estimate(order[warmup : warmup + run.hessian_samples], 2)
        # the per-sample steps eta / (mu + h) of this pass (the rates the paper quotes)
        steps = torch.cat([r.flatten() for r in optimizer.effective_rates()]) / optimizer.param_groups[0]["lr"] * rate
        seconds += train(order[warmup:], rate)
        tick = time.perf_counter()
        train_error, train_loss, train_mistakes = evaluate_paper_net(model, train_x, train_y)
        test_error, test_loss, test_mistakes = evaluate_paper_net(model, test_x, test_y)
        record = PassRecord(
            number,
            rate,
            train_error,
            test_error,
            train_loss,
            test_loss,
            train_mistakes,
            test_mistakes,
            seconds,
            curvature_seconds,
            time.perf_counter() - tick,
            float(steps.min()),
            float(steps.max()),
        )
        run.records.append(record)
        run.total_seconds = time.perf_counter() - started
        if on_pass is not None:
            on_pass(record)
        if on_progress is not None:
            on_progress(run)
    run.total_seconds = time.perf_counter() - started
    run.network = model
    return run


def reproduce_lenet5_1998(
    seeds: Sequence[int] = (0, 1, 2),
    passes: int = PAPER_PASSES,
    *,
    command: str = "",
    on_pass: Callable[[int, PassRecord], None] | None = None,
    on_progress: Callable[[Reproduction], object] | None = None,
    **options: Any,
) -> Reproduction:
    """:func:`train_lenet5_1998` once per seed (``options`` go to it); ``on_pass(seed, record)``
    after every pass, and ``on_progress(reproduction so far)`` (e.g. to save it as it grows)."""
    if not seeds:
        raise ReproductionError("give at least one seed")
    started = time.perf_counter()
    runs: list[LeNet5Run] = []

    def so_far(current: LeNet5Run | None = None) -> Reproduction:
        done = runs + ([current] if current is not None else [])
        now = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime())
        return Reproduction(done, command, time.perf_counter() - started, now)

    for seed in seeds:

        def report(record: PassRecord, seed: int = seed) -> None:
            if on_pass is not None:
                on_pass(seed, record)

        def progress(run: LeNet5Run) -> None:
            if on_progress is not None:
                on_progress(so_far(run))

        runs.append(train_lenet5_1998(passes, seed, on_pass=report, on_progress=progress, **options))
    return so_far()


def combine_results(*reproductions: Reproduction) -> Reproduction:
    """Several reproductions (e.g. one per seed, run side by side) as one: their runs together, the
    longest wall time, and their commands joined."""
    if not reproductions:
        raise ReproductionError("give at least one reproduction to combine")
    runs = [run for rep in reproductions for run in rep.runs]
    if len({r.seed for r in runs}) != len(runs):
        raise ReproductionError("the reproductions to combine repeat a seed")
    return Reproduction(
        runs,
        " ; ".join(dict.fromkeys(rep.command for rep in reproductions)),
        max(rep.wall_seconds for rep in reproductions),
        max(rep.finished for rep in reproductions),
    )


def cached_results_path() -> Path:
    """Where the course keeps the full run's results: ``results/lenet5_1998.json`` beside the lessons."""
    return lessons_dir() / "results" / RESULTS_FILE


def save_results(reproduction: Reproduction, path: str | Path) -> Path:
    """Write ``reproduction`` (settings, records, timing; not the weights) as JSON, atomically (a
    stopped run never leaves half a file); returns the path."""
    return atomic_write_text(json.dumps(reproduction.to_dict(), indent=1) + "\n", path)


def load_results(path: str | Path | None = None) -> Reproduction:
    """A reproduction saved by :func:`save_results` (default: the course's cached full run)."""
    source = Path(path) if path is not None else cached_results_path()
    try:
        return Reproduction.from_dict(json.loads(source.read_text()))
    except FileNotFoundError:
        raise ReproductionError(
            f"no saved results at {source}; make them with 'lenet-course reproduce lenet5-1998 --out {source}'"
        ) from None
    except (json.JSONDecodeError, TypeError, KeyError) as err:
        raise ReproductionError(f"{source} is not a saved LeNet-5 reproduction ({err}); write it again") from None


def binomial_standard_error(error: float, n: int = 10_000) -> float:
    """sqrt(p (1 - p) / n): how much a test error measured on ``n`` images varies from test set to test set."""
    if n < 1 or not 0.0 <= error <= 1.0:
        raise ReproductionError(f"need 0 <= error <= 1 and n >= 1, got {error} and {n}")
    return math.sqrt(error * (1.0 - error) / n)


@dataclass(frozen=True)
class Summary:
    """The final test errors of a reproduction and what they can be compared with."""

    seeds: list[int]
    passes: int  # passes every run completed
    final_test_errors: list[float]
    mean: float
    sd: float  # over seeds (0 for one seed)
    standard_error: float  # of one test error measured on the test images, at the mean
    final_train_errors: list[float]
    seconds_per_pass: float  # training + curvature + measuring, the median over all passes
    paper: float = PAPER_TEST_ERROR
    paper_distorted: float = PAPER_TEST_ERROR_DISTORTED


def summarize(reproduction: Reproduction) -> Summary:
    """Mean and sd over the seeds of the last pass's test error, with the test set's standard error."""
    runs = reproduction.runs
    if not runs or any(not r.records for r in runs):
        raise ReproductionError("a reproduction to summarize needs at least one run with one pass")
    finals = [r.final.test_error for r in runs]
    mean = statistics.fmean(finals)
    per_pass = [p.seconds + p.curvature_seconds + p.eval_seconds for r in runs for p in r.records]
    return Summary(
        seeds=[r.seed for r in runs],
        passes=min(len(r.records) for r in runs),
        final_test_errors=finals,
        mean=mean,
        sd=statistics.stdev(finals) if len(finals) > 1 else 0.0,
        standard_error=binomial_standard_error(mean, runs[0].test_images),
        final_train_errors=[r.final.train_error for r in runs],
        seconds_per_pass=statistics.median(per_pass),
    )
