"""LeNet-5 as LeCun, Bottou, Bengio and Haffner (1998) describe it, with its RBF output and MAP loss.

"Gradient-based learning applied to document recognition" (Proc. IEEE 86(11), 1998), section II-B
and appendices A and C. The library's :class:`lenet_course.models.LeNet5` is the course's modern
cousin (softmax cross-entropy on a linear head); this module is the paper's network:

- input 32x32, background -0.1 and ink 1.175 (:func:`paper_input`; MNIST's 28x28 digits are
  padded by 2 pixels of background on every side);
- squashing f(a) = 1.7159 tanh(2a/3) after every layer up to F6;
- S2/S4: the SUM of each 2x2 block times one trainable coefficient plus one trainable bias, per map
  (:class:`SumSubsampling`);
- C3 reads the S2 maps of the paper's Table I (:data:`lenet_course.models.C3_TABLE`); C5 120
  maps of 5x5 over all 16 S4 maps; F6 84 units;
- output: 10 Euclidean RBF units y_i = sum_j (x_j - w_ij)^2 whose parameters are FIXED +1/-1
  7x12 bitmaps of the digits (:data:`DIGIT_BITMAPS`, designed for this course in the style of the
  paper's Fig. 3; they are buffers, not parameters);
- weights (and biases, see below) uniform in +-2.4/F_i, F_i the fan-in of the unit;
- loss: the paper's maximum-a-posteriori criterion (:func:`map_loss`); prediction: the class
  with the smallest penalty.

API (stable; other lessons build on it)::

    model = build_paper_lenet5(seed=0)      # PaperLeNet5, 60,000 trainable parameters
    scores = model(x)                        # [N, 10] = -penalties (largest score wins)
    loss = map_loss(scores, labels)          # the MAP criterion, a drop-in for F.cross_entropy
    model.penalties(x), model.predict(x)     # the RBF outputs y_i; argmin_i y_i
    Solver(model, cfg, loss_fn=map_loss)     # the library's loop trains it like any other model

``x`` is either a course MNIST batch [N, 1, 28, 28] scaled as ``model.input_scale`` ("caffe":
pixels / 256, so the solver's and the evaluators' data sources feed it unchanged: its first module
:class:`PaperInput` maps it to the paper's 32x32 input), or a paper input [N, 1, 32, 32] already
in the -0.1..1.175 range (from :func:`paper_input`), which is used as it is.

Why the model returns scores = -y rather than the penalties: every tool of the library (the
solver's accuracy, :mod:`lenet_course.evaluate`, the widgets) takes the largest output as the
prediction. With s = -y the MAP loss is exactly cross-entropy over the 11 scores
[s_0, ..., s_9, -j] with the correct class as target (the constant j acts as an extra "none of
these" class), which is how :func:`map_loss` computes it, stably.

Where the paper is silent and we had to choose (named in lesson 12): the grey levels between
background and ink are mapped linearly; biases are drawn like the weights (the paper speaks of
"weights" only); the subsampling coefficient's fan-in is its 4 inputs; the constant j of the MAP
loss is :data:`MAP_J` (the paper gives no value); the digit bitmaps are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .models import C3_TABLE, PartialConv2d
from .runtime import seeded

#: The paper's input levels: background (white) -0.1, foreground (ink) 1.175 ("mean roughly 0,
#: variance roughly 1").
BACKGROUND, INK = -0.1, 1.175
#: f(a) = A tanh(S a) with A = 1.7159 and S = 2/3 (the paper's appendix A).
TANH_A, TANH_S = 1.7159, 2.0 / 3.0
#: The constant j of the MAP criterion. The paper calls it "a positive constant" and gives no
#: value; 1.0 is our choice (a guess, named as such in lesson 12).
MAP_J = 1.0
#: The RBF bitmaps' size: 7 columns by 12 rows = F6's 84 units.
BITMAP_WIDTH, BITMAP_HEIGHT = 7, 12

#: One stylised 7x12 bitmap per digit ("#" = +1, "." = -1), read row by row into F6's 84 units.
#: Designed for this course after the paper's Fig. 3 (which draws the full printable ASCII set).
DIGIT_BITMAPS: tuple[tuple[str, ...], ...] = (
    ("..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#",
     "#.....#", "#.....#", "#.....#", "#.....#", ".#...#.", "..###.."),  # 0
    ("...#...", "..##...", ".#.#...", "...#...", "...#...", "...#...",
     "...#...", "...#...", "...#...", "...#...", "...#...", ".#####."),  # 1
    (".#####.", "#.....#", "......#", "......#", ".....#.", "....#..",
     "...#...", "..#....", ".#.....", "#......", "#......", "#######"),  # 2
    (".#####.", "#.....#", "......#", "......#", ".....#.", "..###..",
     ".....#.", "......#", "......#", "......#", "#.....#", ".#####."),  # 3
    ("....##.", "...#.#.", "..#..#.", ".#...#.", "#....#.", "#....#.",
     "#######", ".....#.", ".....#.", ".....#.", ".....#.", ".....#."),  # 4
    ("#######", "#......", "#......", "#......", "######.", "......#",
     "......#", "......#", "......#", "......#", "#.....#", ".#####."),  # 5
    ("..####.", ".#.....", "#......", "#......", "#.####.", "##....#",
     "#.....#", "#.....#", "#.....#", "#.....#", ".#...#.", "..###.."),  # 6
    ("#######", "......#", ".....#.", ".....#.", "....#..", "....#..",
     "...#...", "...#...", "..#....", "..#....", "..#....", "..#...."),  # 7
    (".#####.", "#.....#", "#.....#", "#.....#", ".#...#.", "..###..",
     ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#", ".#####."),  # 8
    ("..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#....##",
     ".####.#", "......#", "......#", "......#", ".....#.", ".####.."),  # 9
)  # fmt: skip


class PaperInputError(ValueError):
    """An input that is neither a 28x28 course batch nor a 32x32 paper input."""


def bitmap_codes(bitmaps: tuple[tuple[str, ...], ...] = DIGIT_BITMAPS) -> Tensor:
    """The RBF centres: ``[classes, 84]`` of +1 (ink, "#") and -1 (background, "."), row by row."""
    rows = []
    for digit, bitmap in enumerate(bitmaps):
        if len(bitmap) != BITMAP_HEIGHT or any(len(r) != BITMAP_WIDTH or set(r) - {"#", "."} for r in bitmap):
            raise ValueError(
                f"bitmap {digit} must be {BITMAP_HEIGHT} rows of {BITMAP_WIDTH} characters, each '#' or '.'"
            )
        rows.append([1.0 if c == "#" else -1.0 for r in bitmap for c in r])
    return torch.tensor(rows)


def paper_input(images: Tensor) -> Tensor:
    """MNIST pixels (uint8 0..255, [N, 28, 28] or [N, 1, 28, 28]) -> the paper's input [N, 1, 32, 32].

    Background 0 -> -0.1, ink 255 -> 1.175, linearly in between; 2 pixels of background added on
    every side (MNIST's 28x28 field inside the paper's 32x32 input).
    """
    x = images.to(torch.float32)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.shape[-2:] != (28, 28):
        raise PaperInputError(f"expected MNIST images of 28x28 pixels, got {tuple(images.shape)}")
    x = BACKGROUND + (INK - BACKGROUND) * x / 255.0
    return F.pad(x, (2, 2, 2, 2), value=BACKGROUND)


class PaperInput(nn.Module):
    """The first module: a course batch (pixels / 256, Caffe's scale) -> the paper's 32x32 input.

    Does exactly what :func:`paper_input` does to the uint8 pixels; a 32x32 batch passes unchanged.
    """

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 4 and x.shape[-2:] == (32, 32):
            return x
        if x.dim() != 4 or x.shape[-2:] != (28, 28):
            raise PaperInputError(
                f"PaperLeNet5 takes [N, 1, 28, 28] MNIST batches (pixels / 256) or [N, 1, 32, 32] paper "
                f"inputs (from paper_input); got shape {tuple(x.shape)}"
            )
        pixels = x * 256.0  # Caffe's scale is pixels / 256
        return F.pad(BACKGROUND + (INK - BACKGROUND) * pixels / 255.0, (2, 2, 2, 2), value=BACKGROUND)


class ScaledTanh(nn.Module):
    """f(a) = 1.7159 tanh(2a/3): f(+-1) = +-1, and the second derivative is largest near +-1."""

    def forward(self, a: Tensor) -> Tensor:
        return TANH_A * torch.tanh(TANH_S * a)


class SumSubsampling(nn.Module):
    """S2/S4: each 2x2 block's four inputs are added, times a trainable coefficient, plus a
    trainable bias; one coefficient and one bias per map (2 parameters a map)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(channels))
        self.bias = nn.Parameter(torch.empty(channels))

    def forward(self, x: Tensor) -> Tensor:
        summed = F.avg_pool2d(x, 2) * 4.0  # the sum of each non-overlapping 2x2 block
        return summed * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class EuclideanRBF(nn.Module):
    """The output layer: y_i = sum_j (x_j - w_ij)^2, the squared distance from F6's 84 outputs to
    class i's fixed bitmap. ``centers`` is a buffer: saved with the model, never trained."""

    centers: Tensor

    def __init__(self, codes: Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("centers", bitmap_codes() if codes is None else codes.clone().float())

    def forward(self, x: Tensor) -> Tensor:
        diff = x.unsqueeze(1) - self.centers.unsqueeze(0)  # [N, classes, 84]
        return diff.pow(2).sum(-1)  # [N, classes] penalties (exact, unlike cdist's fast path)


class PaperLeNet5(nn.Module):
    """LeNet-5 of the 1998 paper: C1-S2-C3-S4-C5-F6 with scaled tanh, then the fixed RBF output.

    ``forward`` returns the scores -y (see the module docstring); :meth:`penalties` returns y.
    """

    input_scale = "caffe"

    def __init__(self) -> None:
        super().__init__()
        self.input = PaperInput()
        self.c1 = nn.Conv2d(1, 6, kernel_size=5)  # [N, 6, 28, 28]
        self.s2 = SumSubsampling(6)  # [N, 6, 14, 14]
        self.c3 = PartialConv2d(6, C3_TABLE, kernel_size=5)  # [N, 16, 10, 10]
        self.s4 = SumSubsampling(16)  # [N, 16, 5, 5]
        self.c5 = nn.Conv2d(16, 120, kernel_size=5)  # [N, 120, 1, 1]
        self.f6 = nn.Linear(120, 84)  # [N, 84]
        self.output = EuclideanRBF()  # [N, 10]
        self.squash = ScaledTanh()
        init_paper_weights_(self)

    def features(self, x: Tensor) -> Tensor:
        """F6's 84 outputs (each in +-1.7159), the point the RBF units compare with the bitmaps."""
        f = self.squash
        x = self.input(x)
        x = f(self.s2(f(self.c1(x))))
        x = f(self.s4(f(self.c3(x))))
        x = f(self.c5(x)).flatten(1)
        return f(self.f6(x))

    def penalties(self, x: Tensor) -> Tensor:
        """The RBF outputs y_i [N, 10]: how far F6's output is from each digit's bitmap."""
        return self.output(self.features(x))

    def forward(self, x: Tensor) -> Tensor:
        return -self.penalties(x)

    def head_loss(self, features: Tensor, targets: Tensor) -> Tensor:
        """The MAP loss from F6's outputs: the RBF layer (no trainable parameters) plus
        :func:`map_loss`. SDLM's curvature estimate keeps this part's second derivatives exactly
        (``gauss_newton_diagonal(model, x, y, model.head_loss, split_at="features")``)."""
        return map_loss(-self.output(features), targets)

    @torch.no_grad()
    def predict(self, x: Tensor) -> Tensor:
        """The class whose bitmap is nearest (the smallest penalty)."""
        return self.penalties(x).argmin(1)


def _fan_in_uniform_(tensor: Tensor, fan_in: int | Tensor) -> None:
    with torch.no_grad():
        tensor.uniform_(-1.0, 1.0).mul_(2.4 / fan_in)


def init_paper_weights_(model: PaperLeNet5) -> PaperLeNet5:
    """Every trainable value uniform in +-2.4/F_i, F_i the number of inputs of its unit.

    C1: 25, S2/S4: 4 (the coefficient multiplies the sum of 4 inputs), C3: 25 x the number of S2
    maps the unit reads (75, 100 or 150), C5: 400, F6: 120. Biases use their unit's F_i as well
    (a choice: the paper speaks of the weights only). Draws from torch's current stream (build
    the model under :func:`lenet_course.runtime.seeded`, as :func:`build_paper_lenet5` does).
    """
    for conv in (model.c1, model.c5):
        fan = conv.weight[0].numel()
        _fan_in_uniform_(conv.weight, fan)
        assert conv.bias is not None
        _fan_in_uniform_(conv.bias, fan)
    for sub in (model.s2, model.s4):
        _fan_in_uniform_(sub.weight, 4)
        _fan_in_uniform_(sub.bias, 4)
    k2 = model.c3.kernel_size**2
    per_kernel = torch.tensor([len(t) * k2 for t in C3_TABLE for _ in t], dtype=torch.float)
    _fan_in_uniform_(model.c3.weight, per_kernel.view(-1, 1, 1))
    _fan_in_uniform_(model.c3.bias, torch.tensor([len(t) * k2 for t in C3_TABLE], dtype=torch.float))
    _fan_in_uniform_(model.f6.weight, 120)
    _fan_in_uniform_(model.f6.bias, 120)
    return model


def build_paper_lenet5(seed: int | None = None) -> PaperLeNet5:
    """A fresh :class:`PaperLeNet5`; with a ``seed`` its weights depend on the seed alone and the
    process's random stream is left where it was."""
    with seeded(seed):
        return PaperLeNet5()


def map_loss(scores: Tensor, targets: Tensor, j: float = MAP_J, reduction: str = "mean") -> Tensor:
    """The paper's MAP criterion on scores s = -y (the model's output):

        E = y_target + log(e^{-j} + sum_i e^{-y_i})

    per sample, averaged (``reduction="mean"``, the paper's 1/P sum over patterns) or summed. The
    first term pulls the correct class's penalty down; the second pushes the others up, but only
    while they are not already large compared with j. Computed as cross-entropy over the 11 scores
    [s_0, ..., s_9, -j], which is the same number, without overflow. Same call as
    ``F.cross_entropy(scores, targets, reduction=...)``, so the solver takes it as ``loss_fn``.
    """
    if j <= 0:
        raise ValueError(f"j must be a positive constant (the paper's MAP criterion), got {j!r}")
    rejection = scores.new_full((scores.shape[0], 1), -float(j))
    return F.cross_entropy(torch.cat([scores, rejection], dim=1), targets, reduction=reduction)


@dataclass(frozen=True)
class LayerCount:
    """One row of :func:`layer_counts`: a layer's trainable parameters and connections."""

    name: str
    output_shape: tuple[int, ...]
    parameters: int
    connections: int


def layer_counts(model: PaperLeNet5) -> list[LayerCount]:
    """Trainable parameters and connections per layer, computed from the layers' shapes.

    A connection is one multiply-add of an input (or of the bias) into a unit, counted over every
    unit of every map, as the paper counts them (C1: 122,304; S2: 5,880; C3: 151,600; S4: 2,000;
    C5: 48,120; F6: 10,164).
    """
    rows = []
    k2 = model.c1.kernel_size[0] * model.c1.kernel_size[1]
    c3_inputs = [len(t) for t in C3_TABLE]
    units = {"c1": 28 * 28, "s2": 14 * 14, "c3": 10 * 10, "s4": 5 * 5, "c5": 1, "f6": 1}
    per_unit = {
        "c1": [k2 + 1] * 6,
        "s2": [4 + 1] * 6,
        "c3": [n * k2 + 1 for n in c3_inputs],
        "s4": [4 + 1] * 16,
        "c5": [16 * k2 + 1] * 120,
        "f6": [120 + 1] * 84,
    }
    shapes = {"c1": (6, 28, 28), "s2": (6, 14, 14), "c3": (16, 10, 10), "s4": (16, 5, 5), "c5": (120,), "f6": (84,)}
    for name, inputs in per_unit.items():
        params = sum(p.numel() for p in getattr(model, name).parameters())
        rows.append(LayerCount(name.upper(), shapes[name], params, units[name] * sum(inputs)))
    return rows
