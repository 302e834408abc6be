"""The three LeNets the course compares, all taking MNIST batches of shape [N, 1, 28, 28].

- :class:`CaffeLeNet`: Caffe's ``examples/mnist/lenet_train_test.prototxt`` (431,080 parameters).
- :class:`TutLeNet`: the tutorial network whose weights are saved as ``tut2-model.pt`` (44,426).
- :class:`LeNet5`: LeCun et al. 1998, with trainable subsampling, scaled tanh and the C3 table.

Module names follow each source (Caffe layer names, the tutorial's attribute names, the paper's
layer names), so state_dict keys are the ones those sources use. The classes are plain PyTorch:
the CPU speed settings (channels-last layouts, a gradient-layout hook) are applied from outside by
:func:`lenet_course.runtime.make_fast`, which ``Solver(fast=True)`` calls. Below the classes, the
helpers that read a model: :func:`build_model` (from a seed, without touching the process's
random stream), :func:`input_scale`, :func:`count_parameters` and :func:`summary`.
``build_model`` also builds the two fully connected baselines of the 1998 comparison
('logreg', 'mlp300': :mod:`lenet_course.baselines`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .baselines import MLP, LogisticRegression
from .hooks import capture_outputs, eval_mode
from .runtime import seeded

#: Input scaling each model is trained with: "caffe" is pixels * 1/256 (Caffe's ``scale:
#: 0.00390625``); "meanstd" is (pixels/255 - 0.1307) / 0.3081, as the PyTorch tutorials do.
INPUT_SCALES = ("caffe", "meanstd")


def caffe_xavier_(weight: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Caffe's ``xavier`` filler: uniform in +-sqrt(3 / fan_in), fan_in = inputs per output unit.

    This is not ``nn.init.xavier_uniform_``: Caffe's default ``variance_norm: FAN_IN`` uses fan_in
    alone, where Glorot & Bengio average fan_in and fan_out. The draws come from ``generator``
    (which they advance), or from torch's default stream when it is None.
    """
    fan_in = weight[0].numel()
    bound = math.sqrt(3.0 / fan_in)
    with torch.no_grad():
        return weight.uniform_(-bound, bound, generator=generator)


class CaffeLeNet(nn.Module):
    """Caffe's MNIST LeNet: no non-linearity after the convolutions, ReLU only after ip1."""

    input_scale = "caffe"

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, kernel_size=5)
        self.pool1 = nn.MaxPool2d(2, stride=2)
        self.conv2 = nn.Conv2d(20, 50, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2, stride=2)
        self.ip1 = nn.Linear(50 * 4 * 4, 500)
        self.relu1 = nn.ReLU(inplace=True)
        self.ip2 = nn.Linear(500, 10)
        for layer in (self.conv1, self.conv2, self.ip1, self.ip2):
            caffe_xavier_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)  # [N, 20, 24, 24]
        x = self.pool1(x)  # [N, 20, 12, 12]
        x = self.conv2(x)  # [N, 50, 8, 8]
        x = self.pool2(x)  # [N, 50, 4, 4]
        x = torch.flatten(x, 1)  # [N, 800]
        x = self.relu1(self.ip1(x))  # [N, 500]
        return self.ip2(x)  # [N, 10] logits (SoftmaxWithLoss applies the softmax)


class TutLeNet(nn.Module):
    """The tutorial LeNet of ``tut2-model.pt``: conv -> max pool -> ReLU twice, then three linears."""

    input_scale = "meanstd"

    def __init__(self, output_dim: int = 10) -> None:
        super().__init__()
        # Pooling and ReLU hold no parameters, so naming them as modules leaves the state_dict keys
        # exactly the tutorial's while letting hooks see every stage.
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.pool1 = nn.MaxPool2d(2)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.pool2 = nn.MaxPool2d(2)
        self.relu2 = nn.ReLU()
        self.fc_1 = nn.Linear(16 * 4 * 4, 120)
        self.relu3 = nn.ReLU()
        self.fc_2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc_3 = nn.Linear(84, output_dim)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu1(self.pool1(self.conv1(x)))  # [N, 6, 24, 24] -> [N, 6, 12, 12]
        x = self.relu2(self.pool2(self.conv2(x)))  # [N, 16, 8, 8] -> [N, 16, 4, 4]
        x = torch.flatten(x, 1)  # [N, 256]
        x = self.relu3(self.fc_1(x))  # [N, 120]
        x = self.relu4(self.fc_2(x))  # [N, 84]
        return self.fc_3(x)  # [N, 10] logits


class ScaledTanh(nn.Module):
    """LeCun's squashing function f(a) = 1.7159 * tanh(2a / 3), so that f(+-1) = +-1."""

    def forward(self, x: Tensor) -> Tensor:
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class Subsampling(nn.Module):
    """LeNet-5's S layers: the 2x2 average of each map times a trainable coefficient plus a bias."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        pooled = F.avg_pool2d(x, 2)  # [N, C, H/2, W/2]
        return pooled * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


#: The paper's Table I: which S2 maps each of C3's 16 maps reads.
C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2),
    (1, 2, 3),
    (2, 3, 4),
    (3, 4, 5),
    (4, 5, 0),
    (5, 0, 1),
    (0, 1, 2, 3),
    (1, 2, 3, 4),
    (2, 3, 4, 5),
    (3, 4, 5, 0),
    (4, 5, 0, 1),
    (5, 0, 1, 2),
    (0, 1, 3, 4),
    (1, 2, 4, 5),
    (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


class PartialConv2d(nn.Module):
    """A convolution where output map ``o`` sees only the input maps ``table[o]``.

    Only the connected kernels are parameters (``weight`` is [connections, k, k]), so the
    parameter count is the paper's: 1,516 for C3. They are scattered into a dense kernel per call.
    """

    index: Tensor  # a buffer: where each connected kernel goes in the dense [out * in] stack

    def __init__(self, in_channels: int, table: tuple[tuple[int, ...], ...], kernel_size: int) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.kernel_size = in_channels, len(table), kernel_size
        rows = [o * in_channels + i for o, inputs in enumerate(table) for i in sorted(inputs)]
        self.register_buffer("index", torch.tensor(rows, dtype=torch.long), persistent=False)
        self.weight = nn.Parameter(torch.empty(len(rows), kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(len(table)))
        fan_in = torch.tensor([len(t) * kernel_size**2 for t in table for _ in t], dtype=torch.float)
        bound = (2.4 / fan_in).view(-1, 1, 1)  # the paper's +-2.4 / F_i uniform initialisation
        with torch.no_grad():
            self.weight.uniform_(-1.0, 1.0).mul_(bound)

    def dense_weight(self) -> Tensor:
        """The full [out, in, k, k] kernel with zeros where the table has no connection."""
        k = self.kernel_size
        dense = self.weight.new_zeros(self.out_channels * self.in_channels, k, k)
        dense = dense.index_copy(0, self.index, self.weight)
        return dense.view(self.out_channels, self.in_channels, k, k)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.dense_weight(), self.bias)


class EuclideanRBF(nn.Module):
    """The paper's output layer: y_i = sum_j (x_j - w_ij)^2, with fixed +-1 target codes.

    The paper drew its 10 codes as stylised 7x12 bitmaps; here they are seeded random +-1 codes
    (a buffer, not trained). ``forward`` returns ``-y`` so that the largest score wins and
    cross-entropy applies, as for the other models.
    """

    centers: Tensor  # a buffer: the fixed +-1 code of each class

    def __init__(self, in_features: int = 84, classes: int = 10, seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        codes = torch.randint(0, 2, (classes, in_features), generator=g).float() * 2 - 1
        self.register_buffer("centers", codes)

    def forward(self, x: Tensor) -> Tensor:
        return -torch.cdist(x, self.centers).pow(2)  # [N, classes]


class LeNet5(nn.Module):
    """LeNet-5 as in LeCun, Bottou, Bengio & Haffner (1998), for 28x28 MNIST padded to 32x32."""

    input_scale = "meanstd"

    def __init__(self, head: str = "linear") -> None:
        super().__init__()
        if head not in ("linear", "rbf"):
            raise ValueError(f"head must be 'linear' or 'rbf', got {head!r}")
        self.head = head
        self.c1 = nn.Conv2d(1, 6, kernel_size=5)
        self.s2 = Subsampling(6)
        self.c3 = PartialConv2d(6, C3_TABLE, kernel_size=5)
        self.s4 = Subsampling(16)
        self.c5 = nn.Conv2d(16, 120, kernel_size=5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10) if head == "linear" else EuclideanRBF(84, 10)
        self.tanh1, self.tanh2, self.tanh3 = ScaledTanh(), ScaledTanh(), ScaledTanh()
        self.tanh4, self.tanh5, self.tanh6 = ScaledTanh(), ScaledTanh(), ScaledTanh()
        layers: list[nn.Conv2d | nn.Linear] = [self.c1, self.c5, self.f6]
        if isinstance(self.output, nn.Linear):
            layers.append(self.output)
        for layer in layers:
            bound = 2.4 / layer.weight[0].numel()
            nn.init.uniform_(layer.weight, -bound, bound)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = F.pad(x, (2, 2, 2, 2))  # [N, 1, 32, 32]
        x = self.tanh1(self.c1(x))  # [N, 6, 28, 28]
        x = self.tanh2(self.s2(x))  # [N, 6, 14, 14]
        x = self.tanh3(self.c3(x))  # [N, 16, 10, 10]
        x = self.tanh4(self.s4(x))  # [N, 16, 5, 5]
        x = self.tanh5(self.c5(x))  # [N, 120, 1, 1]
        x = torch.flatten(x, 1)  # [N, 120]
        x = self.tanh6(self.f6(x))  # [N, 84]
        return self.output(x)  # [N, 10] scores


#: Every model :func:`build_model` can build, by short name: the three LeNets, then the two fully
#: connected baselines of the 1998 comparison (:mod:`lenet_course.baselines`, lesson 09).
ARCHITECTURES: dict[str, type[nn.Module]] = {
    "caffe": CaffeLeNet,
    "tut": TutLeNet,
    "lenet5": LeNet5,
    "logreg": LogisticRegression,
    "mlp300": MLP,
}


def build_model(name: str, *, seed: int | None = None, **kwargs) -> nn.Module:
    """A fresh model by its short name: 'caffe', 'tut', 'lenet5', or the baselines 'logreg' and
    'mlp300' (``kwargs`` go to its class).

    With a ``seed`` the initial weights depend on it alone (the same seed, the same weights, on
    every machine) and the process's random stream is left exactly where it was
    (:func:`lenet_course.runtime.seeded`); without one they are drawn from that stream.
    """
    try:
        cls = ARCHITECTURES[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(ARCHITECTURES)}") from None
    with seeded(seed):
        return cls(**kwargs)


def input_scale(model: nn.Module) -> str:
    """How ``model`` expects its pixels scaled (one of :data:`INPUT_SCALES`): its ``input_scale``
    attribute, or Caffe's 1/256 ("caffe") for a model that does not say."""
    return getattr(model, "input_scale", "caffe")


def architecture_name(model: nn.Module) -> str:
    """The short name ('caffe', 'tut', 'lenet5', 'logreg', 'mlp300') of a model instance."""
    for name, cls in ARCHITECTURES.items():
        if isinstance(model, cls):
            return name
    raise TypeError(f"{type(model).__name__} is not one of the course's LeNets")


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameter values."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


@dataclass(frozen=True)
class LayerSummary:
    """One row of :func:`summary`."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int


def summary(model: nn.Module, input_shape: tuple[int, ...] = (1, 1, 28, 28)) -> list[LayerSummary]:
    """Per-layer output shapes and parameter counts, measured by running a dummy batch.

    Leaf modules (and LeNet-5's composite S and C3 layers) are reported in the order they run.
    """
    modules = dict(model.named_modules())
    names = [
        name
        for name, module in modules.items()
        if name and (not any(True for _ in module.children()) or isinstance(module, (Subsampling, PartialConv2d)))
    ]
    param = next(model.parameters())
    x = torch.zeros(input_shape, dtype=param.dtype, device=param.device)
    with eval_mode(model), capture_outputs(model, names, clone=False) as outputs, torch.no_grad():
        model(x)
    return [
        LayerSummary(
            name,
            type(modules[name]).__name__,
            tuple(out.shape),
            sum(p.numel() for p in modules[name].parameters(recurse=False)),
        )
        for name, out in outputs.items()
    ]


def format_summary(rows: list[LayerSummary]) -> str:
    """``summary`` as an aligned text table with a total line."""
    lines = [f"{'layer':<10} {'type':<14} {'output shape':<20} {'parameters':>10}"]
    for r in rows:
        lines.append(f"{r.name:<10} {r.kind:<14} {str(list(r.output_shape)):<20} {r.parameters:>10,}")
    lines.append(f"{'total':<10} {'':<14} {'':<20} {sum(r.parameters for r in rows):>10,}")
    return "\n".join(lines)
