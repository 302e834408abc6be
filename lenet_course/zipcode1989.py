"""The 1989 ZIP-code network (LeCun et al., "Backpropagation applied to handwritten zip code
recognition", Neural Computation 1(4), 541-551), rebuilt as published, and its training run.

Stable entry points (``lenet-course reproduce zipcode-1989`` calls these; keep them stable):

- ``train_zipcode_net(passes, seed, device=None, train_limit=None, on_pass=None) -> ZipcodeRun``:
  builds the network from ``seed``, trains it by per-sample SGD on :func:`zipcode_digits` and
  measures the training and test error and MSE after every pass; ``on_pass(record)`` is called
  with each :class:`PassRecord`. :data:`FULL_RUN` holds the paper's run (23 passes). Keyword
  options: ``learning_rate``, ``batch_size`` (1, the paper's), ``test_split``, ``root`` and
  ``threads`` (``threads=1`` for the full run on a CPU: per-pattern steps are too small to share
  between cores; the previous setting is restored afterwards).
- ``save_run(run, path)`` / ``load_run(path)``: the run as a small JSON file;
  :func:`cached_run_path` is where the course keeps the full run's (``notebooks/results/``).

What the paper states, and is implemented as stated (:data:`PAPER` has its figures):

- input 16x16, grey levels scaled to [-1, 1]; H1: 12 maps of 8x8 units, each unit seeing a 5x5
  neighbourhood of the input, neighbouring units' fields two pixels apart (stride 2); H2: 12
  maps of 4x4, each unit seeing 5x5 neighbourhoods in 8 of H1's 12 maps, also stride 2; H3: 30
  units fully connected to H2; 10 output units fully connected to H3 ("place coding");
- weights shared within a map, but **every unit of H1 and H2 has its own bias** ("units do not
  share their biases"): 768 + 192 biases, not 12 + 12 as ``nn.Conv2d`` would have;
- connections past the border of the input "take their input from a virtual background plane
  whose state is equal to a constant, predetermined background level, in our case -1"; H2
  treats H1's borders the same way;
- a scaled hyperbolic tangent at every unit (outputs included); mean-squared error; weights
  drawn uniformly in +-2.4 / F_i (F_i the unit's fan-in); per-pattern ("on-line") updates with
  the patterns in a constant order; 23 passes; 7,291 training and 2,007 test digits;
- the counts: 1,256 units, 64,660 connections, 9,760 free parameters (:func:`count_network`
  recomputes them from the module).

What the paper does not state, and what this module guesses (each named where it is used):

- **H2's connection table** ("chosen according to a scheme that will not be described here"):
  :data:`H2_TABLE`, map j sees the 8 contiguous H1 maps j, j+1, ..., j+7 (mod 12), so every H1
  map feeds exactly 8 H2 maps, in the style of LeNet-5's C3 table (1998). Karpathy's 2022
  reproduction used three blocks instead ({0-7}, {4-11}, {0-3, 8-11}); the counts are the same.
- **the border geometry**: 16 is even, so a 5x5 field cannot be centred symmetrically with stride
  2; unit i of H1 is centred on input pixel 2i (rows 2i-2 ... 2i+2), i.e. two background pixels
  before the image and one after it is ever read; the same for H2 on H1.
- **the scaled tanh's constants** (the paper says only "a scaled hyperbolic tangent"):
  1.7159 tanh(2a/3), LeCun's choice in the 1998 LeNet-5 paper (appendix A);
- **the targets** ("chosen within the quasilinear range of the sigmoid"): +1 for the correct
  class, -1 for the others, where that tanh has its largest curvature (:data:`TARGET_ON`);
- **the biases' initial values**: drawn like the weights (the paper counts a bias as one more
  connection of the unit, from a unit that is always on), and F_i counts input lines only (25,
  200, 192, 30: "25 input lines plus a bias");
- **the optimiser**: the paper used "a special version of Newton's algorithm that uses a positive,
  diagonal approximation of the Hessian"; here it is **plain SGD** with one global rate
  (:data:`LEARNING_RATE` = 0.03, chosen on a short sweep on MNIST's validation split, never on the
  test digits: 0.003, 0.01, 0.03 and 0.1 for 2 passes over 3,000 digits, then 0.02 against 0.03
  for 4 passes over the 7,291, where 0.03 led at every pass), one pattern per update as in the
  paper (``batch_size=1``; a larger batch averages the gradient of that many patterns before each
  update, which is not what the paper did);
- **the data** (the US Postal Service digits are not public): MNIST, each digit cropped to its
  ink, scaled into 16x16 keeping its aspect ratio, and a fixed random sample of 7,291 training
  (from the "fit" split) and 2,007 test digits (:func:`zipcode_digits`). MNIST digits are cleaner
  than the paper's, so its 5.0% test error is a reference point, not a target.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checkpoints import atomic_write_text
from .data import load_mnist
from .paths import lessons_dir
from .runtime import cpu_and_threads, pick_device


class ZipcodeError(ValueError):
    """An argument of the 1989 network or its run that cannot be used (a bad table, split, count)."""


# ---- what the paper reports ----------------------------------------------------------------------


@dataclass(frozen=True)
class PaperFigures:
    """The figures LeCun et al. (1989) report, to compare a reproduction with."""

    units: int = 1256
    connections: int = 64_660
    free_parameters: int = 9760
    #: per layer: (units, connections, free parameters)
    layers: tuple[tuple[str, int, int, int], ...] = (
        ("H1", 768, 19_968, 1068),
        ("H2", 192, 38_592, 2592),
        ("H3", 30, 5790, 5790),
        ("output", 10, 310, 310),
    )
    train_digits: int = 7291
    test_digits: int = 2007
    passes: int = 23
    presentations: int = 167_693
    train_mse: float = 2.5e-3
    test_mse: float = 1.8e-2
    train_error_percent: float = 0.14
    train_mistakes: int = 10
    test_error_percent: float = 5.0
    test_mistakes: int = 102
    #: percentage of test digits rejected to reach 1% error on the rest
    rejection_percent_for_1_percent_error: float = 12.1
    training_time: str = "3 days on a SUN-4/260"


PAPER = PaperFigures()

# ---- the network ---------------------------------------------------------------------------------

#: The state of the "virtual background plane" that fields falling off a border read (the paper's -1).
BACKGROUND = -1.0
#: The scaled tanh f(a) = A tanh(S a): the 1998 paper's constants (a guess for 1989, see the docstring).
TANH_AMPLITUDE, TANH_SLOPE = 1.7159, 2.0 / 3.0
#: Targets of the output units: the correct class and the nine others (a guess, see the docstring).
TARGET_ON, TARGET_OFF = 1.0, -1.0
#: The paper's initialisation: uniform in +-INIT_SCALE / F_i.
INIT_SCALE = 2.4
#: Input side, kernel side, stride and the padding (before, after) each side of H1 and H2 uses.
INPUT_SIDE, KERNEL, STRIDE, PAD = 16, 5, 2, (2, 1)
H1_MAPS, H2_MAPS, H3_UNITS, OUTPUTS = 12, 12, 30, 10
#: H2's connection table: H2 map j reads the H1 maps H2_TABLE[j] (a guess: the paper does not list it).
H2_TABLE: tuple[tuple[int, ...], ...] = tuple(tuple((j + k) % H1_MAPS for k in range(8)) for j in range(H2_MAPS))


def scaled_tanh(a: Tensor) -> Tensor:
    """The squashing function of every unit: 1.7159 tanh(2a/3) (f(+-1) = +-1, the targets)."""
    return TANH_AMPLITUDE * torch.tanh(TANH_SLOPE * a)


def pad_with_background(maps: Tensor) -> Tensor:
    """Maps ``[N, C, H, W]`` with the background plane around them: 2 pixels before, 1 after.

    Unit i of a stride-2 5x5 layer then reads rows 2i-2 ... 2i+2 of the maps (centred on 2i); the
    second background row after the image would never be read, so it is not added.
    """
    before, after = PAD
    return F.pad(maps, (before, after, before, after), mode="constant", value=BACKGROUND)


def check_table(table: Sequence[Sequence[int]], in_maps: int = H1_MAPS) -> tuple[tuple[int, ...], ...]:
    """``table`` as a tuple of tuples after checking it: one entry per H2 map, each the same number
    of distinct H1 map indices in ``0 .. in_maps - 1``."""
    rows = tuple(tuple(int(i) for i in row) for row in table)
    sizes = {len(row) for row in rows}
    if not rows or len(sizes) != 1 or 0 in sizes:
        raise ZipcodeError(
            f"an H2 connection table needs one non-empty row per H2 map, all of the same length (each H2 map "
            f"reads the same number of H1 maps); got rows of lengths {sorted(len(r) for r in rows)}."
        )
    for j, row in enumerate(rows):
        if len(set(row)) != len(row) or not all(0 <= i < in_maps for i in row):
            raise ZipcodeError(
                f"row {j} of the H2 connection table is {row}: it must list distinct H1 maps between 0 and "
                f"{in_maps - 1}."
            )
    return rows


def partial_connection(maps: Tensor, weight: Tensor, bias: Tensor, table: Sequence[Sequence[int]]) -> Tensor:
    """H2's pre-activations: output map j convolves (5x5, stride 2) only the input maps ``table[j]``.

    ``maps`` [N, 12, 8, 8] are H1's states, ``weight`` [12, k, 5, 5] (k maps per row of the table),
    ``bias`` [12, 4, 4] one per unit. The input maps each row reads are gathered side by side and
    one grouped convolution (a group per output map) does the rest; the background plane is added
    first.
    """
    rows = check_table(table, maps.shape[1])
    index = torch.tensor([i for row in rows for i in row], device=maps.device)
    gathered = pad_with_background(maps).index_select(1, index)
    return F.conv2d(gathered, weight, stride=STRIDE, groups=len(rows)) + bias


def _uniform(shape: Sequence[int], fan_in: int, generator: torch.Generator) -> nn.Parameter:
    """A parameter drawn uniformly in +-2.4 / fan_in (the paper's rule), from ``generator``."""
    bound = INIT_SCALE / fan_in
    return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound, generator=generator))


class ZipcodeNet(nn.Module):
    """The network of LeCun et al. (1989): H1 (12@8x8), H2 (12@4x4 over 8 of H1's maps), H3 (30), 10 out.

    Every parameter is a free parameter of the paper (H1 and H2 have one bias per unit), so
    ``sum(p.numel() for p in net.parameters())`` is the paper's 9,760 with its table.
    ``seed`` draws the initial weights from a local generator (the process's stream is untouched).
    """

    def __init__(self, seed: int = 0, table: Sequence[Sequence[int]] = H2_TABLE) -> None:
        super().__init__()
        self.table = check_table(table)
        per_row = len(self.table[0])
        g = torch.Generator().manual_seed(int(seed))
        side1, side2 = INPUT_SIDE // STRIDE, INPUT_SIDE // STRIDE**2
        fan1, fan2, fan3 = KERNEL * KERNEL, per_row * KERNEL * KERNEL, H2_MAPS * side2 * side2
        self.h1_weight = _uniform((H1_MAPS, 1, KERNEL, KERNEL), fan1, g)
        self.h1_bias = _uniform((H1_MAPS, side1, side1), fan1, g)
        self.h2_weight = _uniform((len(self.table), per_row, KERNEL, KERNEL), fan2, g)
        self.h2_bias = _uniform((len(self.table), side2, side2), fan2, g)
        self.h3_weight = _uniform((H3_UNITS, fan3), fan3, g)
        self.h3_bias = _uniform((H3_UNITS,), fan3, g)
        self.out_weight = _uniform((OUTPUTS, H3_UNITS), H3_UNITS, g)
        self.out_bias = _uniform((OUTPUTS,), H3_UNITS, g)

    def layers(self, x: Tensor) -> dict[str, Tensor]:
        """Every layer's states for input ``x`` [N, 1, 16, 16]: "H1", "H2", "H3", "output"."""
        h1 = scaled_tanh(F.conv2d(pad_with_background(x), self.h1_weight, stride=STRIDE) + self.h1_bias)
        h2 = scaled_tanh(partial_connection(h1, self.h2_weight, self.h2_bias, self.table))
        h3 = scaled_tanh(F.linear(h2.flatten(1), self.h3_weight, self.h3_bias))
        out = scaled_tanh(F.linear(h3, self.out_weight, self.out_bias))
        return {"H1": h1, "H2": h2, "H3": h3, "output": out}

    def forward(self, x: Tensor) -> Tensor:
        """The 10 output states, one per digit; the largest is the network's answer."""
        return self.layers(x)["output"]

    def inputs_per_unit(self) -> dict[str, int]:
        """How many input lines (not counting the bias) each unit of each layer has."""
        return {
            "H1": self.h1_weight[0].numel(),
            "H2": self.h2_weight[0].numel(),
            "H3": self.h3_weight.shape[1],
            "output": self.out_weight.shape[1],
        }

    def parameters_of(self, layer: str) -> list[nn.Parameter]:
        """The free parameters of one layer ("H1", "H2", "H3", "output")."""
        prefix = {"H1": "h1_", "H2": "h2_", "H3": "h3_", "output": "out_"}[layer]
        return [p for name, p in self.named_parameters() if name.startswith(prefix)]


# ---- counting units, connections and free parameters --------------------------------------------


@dataclass(frozen=True)
class LayerCount:
    """One layer as the paper counts it: its units, the connections entering them (each unit's
    input lines plus its bias) and the free parameters those connections share."""

    layer: str
    units: int
    connections: int
    free_parameters: int


@dataclass(frozen=True)
class NetworkCount:
    """The whole network: the input's units, each layer's count, and the totals."""

    input_units: int
    layers: tuple[LayerCount, ...]

    @property
    def units(self) -> int:
        return self.input_units + sum(layer.units for layer in self.layers)

    @property
    def connections(self) -> int:
        return sum(layer.connections for layer in self.layers)

    @property
    def free_parameters(self) -> int:
        return sum(layer.free_parameters for layer in self.layers)

    def table(self) -> str:
        """The counts as an aligned text table, with the totals."""
        lines = [f"{'layer':<8}{'units':>8}{'connections':>14}{'free parameters':>18}"]
        lines += [f"{c.layer:<8}{c.units:>8,}{c.connections:>14,}{c.free_parameters:>18,}" for c in self.layers]
        lines.append(f"{'total':<8}{self.units:>8,}{self.connections:>14,}{self.free_parameters:>18,}")
        lines.append(f"(the units include the {self.input_units} input units)")
        return "\n".join(lines)


def count_network(net: ZipcodeNet) -> NetworkCount:
    """Units, connections and free parameters of ``net``, found from one forward pass and its weights.

    Units: the states of each layer for one input image. Connections: each unit's input lines plus
    its bias, as the paper counts them (a field reaching into the background plane still counts its
    25 lines). Free parameters: the numbers the layer learns (shared weights counted once).
    """
    with torch.no_grad():
        states = net.layers(torch.full((1, 1, INPUT_SIDE, INPUT_SIDE), BACKGROUND))
    lines = net.inputs_per_unit()
    layers = tuple(
        LayerCount(
            layer=name,
            units=states[name][0].numel(),
            connections=states[name][0].numel() * (lines[name] + 1),
            free_parameters=sum(p.numel() for p in net.parameters_of(name)),
        )
        for name in ("H1", "H2", "H3", "output")
    )
    return NetworkCount(input_units=INPUT_SIDE * INPUT_SIDE, layers=layers)


# ---- the loss ------------------------------------------------------------------------------------


def paper_targets(labels: Tensor, outputs: int = OUTPUTS) -> Tensor:
    """Targets [N, 10]: TARGET_ON (+1) at the label's unit, TARGET_OFF (-1) at the nine others."""
    targets = torch.full((labels.shape[0], outputs), TARGET_OFF, device=labels.device)
    targets[torch.arange(labels.shape[0], device=labels.device), labels] = TARGET_ON
    return targets


def paper_mse(outputs: Tensor, labels: Tensor) -> Tensor:
    """The paper's cost: the squared error averaged over the patterns and over the output units."""
    return (outputs - paper_targets(labels, outputs.shape[1]).to(outputs.dtype)).pow(2).mean()


# ---- the data ------------------------------------------------------------------------------------

#: The seed of the fixed random sample of MNIST digits standing in for the paper's data.
SAMPLE_SEED = 1989
#: (MNIST split the digits come from, how many) for each split of the 1989 data.
ZIPCODE_SPLITS: dict[str, tuple[str, int]] = {
    "train": ("fit", PAPER.train_digits),
    "val": ("val", PAPER.test_digits),
    "test": ("test", PAPER.test_digits),
}


def downsample_to_16(images: Tensor) -> Tensor:
    """MNIST digits uint8 [N, 28, 28] -> float [N, 1, 16, 16] in [-1, 1], prepared as the paper's were.

    The paper's digits were "linearly transformed to fit in a 16x16 pixel image", keeping their
    aspect ratio, so grey levels appear where several pixels fall into one; then "scaled and
    translated to fall within [-1, 1]". Here each digit is cropped to its ink, centred in a square
    of zeros, resized to 16x16 with area-weighted (anti-aliased) bilinear interpolation, and its
    grey levels mapped so that the background is -1 (the background plane's state) and its
    brightest pixel +1. A blank image stays all -1.
    """
    if images.dim() != 3 or images.shape[1:] != (28, 28):
        raise ZipcodeError(f"expected MNIST images of shape [N, 28, 28], got {tuple(images.shape)}.")
    out = torch.full((images.shape[0], 1, INPUT_SIDE, INPUT_SIDE), BACKGROUND)
    for n, image in enumerate(images.to(torch.float32)):
        rows, cols = image.amax(1).nonzero(), image.amax(0).nonzero()
        if rows.numel() == 0:
            continue
        ink = image[rows[0, 0] : rows[-1, 0] + 1, cols[0, 0] : cols[-1, 0] + 1]
        side = max(ink.shape)
        square = torch.zeros(side, side)
        top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
        square[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
        small = F.interpolate(
            square[None, None], size=(INPUT_SIDE, INPUT_SIDE), mode="bilinear", antialias=True, align_corners=False
        )[0].clamp_(min=0.0)
        out[n] = 2.0 * small / small.max() - 1.0
    return out


def zipcode_digits(split: str, limit: int | None = None, root: str | None = None) -> tuple[Tensor, Tensor]:
    """The stand-in for the paper's data: ``(images [N, 1, 16, 16] in [-1, 1], labels [N])``.

    ``split`` "train": 7,291 digits drawn (seed :data:`SAMPLE_SEED`) from MNIST's "fit" split;
    "test": 2,007 from MNIST's test set; "val": 2,007 from MNIST's validation split (for choosing
    settings). The draw is fixed, so every run reads the same digits in the same order (the paper
    presented its patterns in a constant order); ``limit`` keeps the first ``limit`` of them.
    """
    if split not in ZIPCODE_SPLITS:
        raise ZipcodeError(f"unknown split {split!r}; use one of {', '.join(map(repr, ZIPCODE_SPLITS))}.")
    if limit is not None and limit < 1:
        raise ZipcodeError(f"limit must be a positive number of digits (or None for all), got {limit}.")
    mnist_split, size = ZIPCODE_SPLITS[split]
    images, labels = load_mnist(mnist_split, root=root)
    pick = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(SAMPLE_SEED))[:size]
    if limit is not None:
        pick = pick[:limit]
    return downsample_to_16(images[pick]), labels[pick]


# ---- training --------------------------------------------------------------------------------

#: The global SGD rate (per pattern, on the MSE averaged over the 10 outputs); see the module docstring.
LEARNING_RATE = 0.03
#: The paper's run: 23 passes over the 7,291 digits.
FULL_RUN: dict[str, int] = {"passes": PAPER.passes, "seed": 0}


@dataclass(frozen=True)
class PassRecord:
    """What was measured after one pass through the training digits."""

    pass_number: int
    train_error: float  # fraction of the training digits misclassified
    test_error: float
    train_mse: float  # the paper's MSE (over patterns and output units)
    test_mse: float
    train_mistakes: int
    test_mistakes: int
    seconds: float  # wall time of the pass's training (the evaluation not included)


@dataclass
class ZipcodeRun:
    """A training run of the 1989 network: its settings, one :class:`PassRecord` per pass, timing."""

    seed: int
    passes: int
    learning_rate: float
    batch_size: int
    train_digits: int
    test_digits: int
    device: str
    h2_table: list[list[int]]
    records: list[PassRecord] = field(default_factory=list)
    total_seconds: float = 0.0
    machine: str = ""
    torch_version: str = ""
    #: the trained network (kept in memory for the caller; not saved with the run)
    network: ZipcodeNet | None = field(default=None, repr=False, compare=False)

    @property
    def final(self) -> PassRecord:
        """The last pass's record."""
        if not self.records:
            raise ZipcodeError("this run has no passes recorded yet.")
        return self.records[-1]

    def to_dict(self) -> dict[str, Any]:
        """Everything but the network, as JSON-ready values."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "network"}
        data["records"] = [asdict(r) for r in self.records]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZipcodeRun:
        fields = {k: v for k, v in data.items() if k != "network"}
        fields["records"] = [PassRecord(**r) for r in data.get("records", [])]
        return cls(**fields)


@torch.no_grad()
def evaluate_zipcode(net: ZipcodeNet, images: Tensor, labels: Tensor, batch: int = 1024) -> tuple[float, float, int]:
    """(error rate, paper MSE, mistakes) of ``net`` on the digits, in batches, without changing it."""
    squared, mistakes = 0.0, 0
    for start in range(0, images.shape[0], batch):
        out = net(images[start : start + batch])
        target = labels[start : start + batch]
        squared += float(paper_mse(out, target)) * out.shape[0]
        mistakes += int((out.argmax(1) != target).sum())
    n = images.shape[0]
    return mistakes / n, squared / n, mistakes


def train_pass(net: ZipcodeNet, images: Tensor, labels: Tensor, lr: float, batch_size: int = 1) -> None:
    """One pass of plain SGD over the digits in their fixed order: w <- w - lr * dE/dw after every
    ``batch_size`` patterns (1: the paper's on-line updates), E the paper's MSE of those patterns."""
    params = list(net.parameters())
    for start in range(0, images.shape[0], batch_size):
        loss = paper_mse(net(images[start : start + batch_size]), labels[start : start + batch_size])
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for param, grad in zip(params, grads, strict=True):
                param.add_(grad, alpha=-lr)


def train_zipcode_net(
    passes: int,
    seed: int,
    device: torch.device | str | None = None,
    train_limit: int | None = None,
    on_pass: Callable[[PassRecord], None] | None = None,
    *,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = 1,
    test_split: str = "test",
    root: str | None = None,
    threads: int | None = None,
) -> ZipcodeRun:
    """Train :class:`ZipcodeNet` (built from ``seed``) for ``passes`` passes and measure each.

    ``train_limit`` trains on the first digits only (a short run); the test digits are always the
    2,007 of ``test_split`` ("test", or "val" when choosing settings). After each pass the training
    and test error and MSE are measured and ``on_pass`` gets the :class:`PassRecord`. Nothing
    outside the new network changes (no reseeding; torch's thread count only if ``threads`` asks).

    ``threads``: torch's intra-op threads while this run trains, restored afterwards (None: leave
    them as they are). A per-pattern update is a few thousand multiply-adds, too little to share
    between cores: on a CPU, ``threads=1`` is several times faster than two threads, and on a busy
    machine (other processes on the cores) two threads can be tens of times slower.
    """
    if passes < 1:
        raise ZipcodeError(f"passes must be at least 1, got {passes}.")
    if batch_size < 1:
        raise ZipcodeError(f"batch_size must be at least 1 (1 = the paper's per-pattern updates), got {batch_size}.")
    if not learning_rate > 0:
        raise ZipcodeError(f"learning_rate must be positive, got {learning_rate}.")
    if threads is not None and threads < 1:
        raise ZipcodeError(f"threads must be at least 1 (or None to leave torch's setting alone), got {threads}.")
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _train(passes, seed, device, train_limit, on_pass, learning_rate, batch_size, test_split, root)
    finally:
        torch.set_num_threads(previous)


def _train(
    passes: int,
    seed: int,
    device: torch.device | str | None,
    train_limit: int | None,
    on_pass: Callable[[PassRecord], None] | None,
    learning_rate: float,
    batch_size: int,
    test_split: str,
    root: str | None,
) -> ZipcodeRun:
    """The body of :func:`train_zipcode_net`, its arguments checked."""
    started = time.perf_counter()
    where = pick_device(device=device)
    train_x, train_y = zipcode_digits("train", train_limit, root)
    test_x, test_y = zipcode_digits(test_split, None, root)
    train_x, train_y, test_x, test_y = (t.to(where) for t in (train_x, train_y, test_x, test_y))
    net = ZipcodeNet(seed).to(where)
    run = ZipcodeRun(
        seed=seed,
        passes=passes,
        learning_rate=learning_rate,
        batch_size=batch_size,
        train_digits=int(train_x.shape[0]),
        test_digits=int(test_x.shape[0]),
        device=str(where),
        h2_table=[list(row) for row in net.table],
        machine=cpu_and_threads(),
        torch_version=torch.__version__,
    )
    for number in range(1, passes + 1):
        tick = time.perf_counter()
        train_pass(net, train_x, train_y, learning_rate, batch_size)
        seconds = time.perf_counter() - tick
        train_error, train_mse, train_mistakes = evaluate_zipcode(net, train_x, train_y)
        test_error, test_mse, test_mistakes = evaluate_zipcode(net, test_x, test_y)
        record = PassRecord(
            number, train_error, test_error, train_mse, test_mse, train_mistakes, test_mistakes, seconds
        )
        run.records.append(record)
        if on_pass is not None:
            on_pass(record)
    run.total_seconds = time.perf_counter() - started
    run.network = net
    return run


# ---- the cached full run ---------------------------------------------------------------------


def cached_run_path() -> Path:
    """Where the course keeps the full run's results: ``results/zipcode_1989.json`` beside the lessons."""
    return lessons_dir() / "results" / "zipcode_1989.json"


def save_run(run: ZipcodeRun, path: str | Path) -> Path:
    """Write ``run`` (settings, records, timing; not the weights) as JSON to ``path``; returns it."""
    return atomic_write_text(json.dumps(run.to_dict(), indent=1) + "\n", path)


def load_run(path: str | Path | None = None) -> ZipcodeRun:
    """A run saved by :func:`save_run` (default: the course's cached full run)."""
    source = Path(path) if path is not None else cached_run_path()
    try:
        return ZipcodeRun.from_dict(json.loads(source.read_text()))
    except FileNotFoundError:
        raise ZipcodeError(
            f"no saved run at {source}; make one with train_zipcode_net(...) and save_run(run, path)."
        ) from None
    except (json.JSONDecodeError, TypeError, KeyError) as err:
        raise ZipcodeError(f"{source} is not a saved 1989 run ({err}); write it again with save_run.") from None
