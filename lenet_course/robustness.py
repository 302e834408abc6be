"""How far to trust a trained LeNet: moved and turned digits, calibration, explanations, attacks.

Pure computation on pixel intensities in [0, 1] (float tensors [N, 1, 28, 28]; uint8 digits are
accepted and divided by 255): the model's own input scaling is applied by :func:`to_model_input`,
which is differentiable, so gradients are taken with respect to the *pixels*, and an FGSM budget
``epsilon`` is measured in pixel intensity (0.1 = a tenth of full ink).

- Invariance: :func:`shift_images` (zero-filled, not wrapped), :func:`rotate_images`, and the sweeps
  :func:`shift_sweep` / :func:`rotation_sweep` (accuracy and mean confidence per setting).
- Calibration (Guo et al. 2017): :func:`reliability` (equal-width confidence bins, accuracy and
  confidence per bin) and :func:`expected_calibration_error`; :func:`confident_mistakes`.
- Explanations: :func:`saliency` (|d class score / d pixel|, Simonyan et al. 2014) and
  :func:`occlusion_sensitivity` (the probability lost when a patch is blanked, Zeiler & Fergus 2014).
- Attacks: :func:`fgsm` (Goodfellow et al. 2015), :func:`fgsm_sweep` (accuracy vs epsilon, beside
  random +-epsilon noise of the same size), :func:`smallest_flipping_epsilon`.

Every function works in batches, draws random numbers only from a local ``torch.Generator``, and
leaves the model it is handed as it was: predictions run on :func:`lenet_course.runtime.inference_copy`,
gradients under :func:`lenet_course.hooks.eval_mode` with ``torch.autograd.grad`` (no parameter's
``.grad`` is touched).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .data import CAFFE_SCALE, MEAN, STD
from .hooks import eval_mode
from .models import input_scale
from .runtime import inference_copy

__all__ = [
    "SHIFT_DIRECTIONS",
    "Reliability",
    "Sweep",
    "as_pixels",
    "confidence_and_correct",
    "confident_mistakes",
    "expected_calibration_error",
    "fgsm",
    "fgsm_sweep",
    "input_gradient_sign",
    "occlusion_sensitivity",
    "predict_probabilities",
    "random_sign_noise",
    "reliability",
    "rotate_images",
    "rotation_sweep",
    "saliency",
    "shift_images",
    "shift_sweep",
    "smallest_flipping_epsilon",
    "to_model_input",
]

#: (dx, dy) of a one-pixel move in each direction; image rows grow downwards.
SHIFT_DIRECTIONS: dict[str, tuple[int, int]] = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}
BATCH = 1000
#: Labels (or target classes) as a tensor, an array or a list of ints.
Labels = Tensor | np.ndarray | Sequence[int]


class RobustnessInputError(ValueError):
    """Images, labels or settings these functions cannot use (the message says which and how to fix)."""


# ---- pixels and the model's input ------------------------------------------------------------
def as_pixels(images: Tensor | np.ndarray) -> Tensor:
    """Digits as float32 pixel intensities [N, 1, 28, 28] in [0, 1].

    uint8 digits (0..255, [N, 28, 28], [28, 28] or [N, 1, 28, 28]) are divided by 255; float
    input must already be in [0, 1]. Returns a new tensor (the caller's is never changed).
    """
    t = torch.as_tensor(np.asarray(images)) if not isinstance(images, Tensor) else images
    if t.dtype == torch.uint8:
        t = t.float() / 255.0
    elif t.is_floating_point():
        t = t.detach().float().clone()
        if t.numel() and (t.min() < 0 or t.max() > 1):
            raise RobustnessInputError(
                f"float pixels must lie in [0, 1], got values from {t.min().item():.3g} to {t.max().item():.3g}; "
                "pass uint8 digits (0..255) or divide by 255 first."
            )
    else:
        raise RobustnessInputError(f"expected uint8 digits or float pixels in [0, 1], got a tensor of {t.dtype}.")
    if t.dim() == 2:
        t = t[None, None]
    elif t.dim() == 3:
        t = t[:, None]
    if t.dim() != 4 or t.shape[1] != 1:
        raise RobustnessInputError(
            f"expected digits [N, 28, 28] or [N, 1, 28, 28], got shape {tuple(t.shape)}; pass one image per row."
        )
    return t


def to_model_input(model: nn.Module, pixels: Tensor) -> Tensor:
    """Pixels in [0, 1] -> the input ``model`` was trained on (Caffe's 1/256 or MNIST mean/std).

    The same numbers as :func:`lenet_course.data.scale_images` on the uint8 digits, but out of
    place and differentiable, so a gradient can flow back to the pixels.
    """
    if input_scale(model) == "caffe":
        return pixels * (255.0 * CAFFE_SCALE)
    return (pixels - MEAN) / STD


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def _labels(labels: Labels, n: int) -> Tensor:
    y = torch.as_tensor(np.asarray(labels), dtype=torch.int64).reshape(-1)
    if len(y) != n:
        raise RobustnessInputError(f"got {n} images but {len(y)} labels; pass one label per image.")
    return y


def _logits(twin: nn.Module, pixels: Tensor, batch_size: int) -> Tensor:
    device = _device(twin)
    with torch.inference_mode():
        chunks = [
            twin(to_model_input(twin, pixels[i : i + batch_size].to(device))).float().cpu()
            for i in range(0, len(pixels), batch_size)
        ]
    return torch.cat(chunks) if chunks else torch.zeros(0, 10)


def predict_probabilities(model: nn.Module, images: Tensor | np.ndarray, batch_size: int = BATCH) -> np.ndarray:
    """Softmax probabilities [N, 10] of ``model`` on the digits (pixels or uint8), in batches."""
    twin = inference_copy(model)
    return torch.softmax(_logits(twin, as_pixels(images), batch_size), 1).numpy()


# ---- moving and turning digits -----------------------------------------------------------------
def shift_images(images: Tensor | np.ndarray, dx: int, dy: int) -> Tensor:
    """The digits moved ``dx`` pixels right and ``dy`` down (negative: left/up), filled with background.

    Ink pushed over the border is lost, nothing wraps round (``torch.roll`` would wrap).
    """
    x = as_pixels(images)
    h, w = x.shape[-2:]
    out = torch.zeros_like(x)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[..., max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        ..., max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def rotate_images(images: Tensor | np.ndarray, degrees: float) -> Tensor:
    """The digits turned ``degrees`` anticlockwise (as displayed) about the image centre; bilinear,
    with background where the turned image does not reach (negative ``degrees``: clockwise)."""
    x = as_pixels(images)
    a = math.radians(degrees)
    # affine_grid maps each OUTPUT position to where it samples the input: the inverse rotation.
    # With rows growing downwards, an anticlockwise turn on screen samples at (cos, -sin; sin, cos).
    theta = torch.tensor([[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]], dtype=x.dtype)
    grid = F.affine_grid(theta.expand(len(x), 2, 3), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False).clamp_(0, 1)


@dataclass(frozen=True)
class Sweep:
    """Accuracy (and mean confidence) of one model at each setting of one change to the digits.

    ``accuracy[variant]`` and ``confidence[variant]`` are arrays over ``values``: one variant per
    direction of a shift, per sense of a rotation, or per kind of noise.
    """

    quantity: str  # what ``values`` measure, for an axis label: "shift (pixels)"
    values: np.ndarray
    accuracy: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]
    count: int  # images scored at each setting

    @property
    def mean_accuracy(self) -> np.ndarray:
        """The accuracy averaged over the variants, per setting."""
        return np.mean(np.stack(list(self.accuracy.values())), axis=0)

    def at(self, value: float, variant: str | None = None) -> float:
        """The accuracy at one setting (mean over variants unless ``variant`` is named)."""
        matches = np.flatnonzero(np.isclose(self.values, value))
        if not len(matches):
            raise RobustnessInputError(f"{value} is not one of the settings measured: {self.values.tolist()}.")
        row = self.mean_accuracy if variant is None else self.accuracy[variant]
        return float(row[matches[0]])


def _score(twin: nn.Module, pixels: Tensor, labels: Tensor, batch_size: int) -> tuple[float, float]:
    probs = torch.softmax(_logits(twin, pixels, batch_size), 1)
    confidence, predicted = probs.max(1)
    return float((predicted == labels).double().mean()), float(confidence.double().mean())


def _sweep(
    model: nn.Module,
    images: Tensor | np.ndarray,
    labels: Labels,
    quantity: str,
    values: Sequence[float],
    variants: Mapping[str, Any],
    change: Callable[[Tensor, float, Any], Tensor],
    batch_size: int,
) -> Sweep:
    x = as_pixels(images)
    y = _labels(labels, len(x))
    twin = inference_copy(model)
    accuracy: dict[str, list[float]] = {name: [] for name in variants}
    confidence: dict[str, list[float]] = {name: [] for name in variants}
    for name, how in variants.items():
        for value in values:
            acc, conf = _score(twin, change(x, value, how), y, batch_size)
            accuracy[name].append(acc)
            confidence[name].append(conf)
    return Sweep(
        quantity,
        np.asarray(values, dtype=np.float64),
        {k: np.asarray(v) for k, v in accuracy.items()},
        {k: np.asarray(v) for k, v in confidence.items()},
        len(x),
    )


def shift_sweep(
    model: nn.Module,
    images: Tensor | np.ndarray,
    labels: Labels,
    shifts: Sequence[int] = (0, 1, 2, 3, 4),
    batch_size: int = BATCH,
) -> Sweep:
    """Accuracy on the digits shifted by each of ``shifts`` pixels, in each of the four directions."""

    def change(x: Tensor, s: float, step: tuple[int, int]) -> Tensor:
        dx, dy = step
        return shift_images(x, int(dx * s), int(dy * s))

    return _sweep(model, images, labels, "shift (pixels)", shifts, dict(SHIFT_DIRECTIONS), change, batch_size)


def rotation_sweep(
    model: nn.Module,
    images: Tensor | np.ndarray,
    labels: Labels,
    angles: Sequence[float] = (0, 5, 10, 15, 20, 25, 30),
    batch_size: int = BATCH,
) -> Sweep:
    """Accuracy on the digits turned by each of ``angles`` degrees, anticlockwise and clockwise."""

    def change(x: Tensor, degrees: float, sense: float) -> Tensor:
        return rotate_images(x, sense * degrees)

    senses = {"anticlockwise": 1.0, "clockwise": -1.0}
    return _sweep(model, images, labels, "rotation (degrees)", angles, senses, change, batch_size)


# ---- calibration -------------------------------------------------------------------------------
def confidence_and_correct(probabilities: np.ndarray, labels: np.ndarray | Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Per image: the probability of the predicted class, and whether the prediction is right."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels).reshape(-1)
    if p.ndim != 2 or len(p) != len(y):
        raise RobustnessInputError(
            f"expected probabilities [N, classes] and N labels, got shapes {p.shape} and {y.shape}."
        )
    return p.max(1), p.argmax(1) == y


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram's numbers: equal-width confidence bins, per bin its count, accuracy and
    mean confidence (NaN where empty), and the expected calibration error they add up to."""

    edges: np.ndarray  # [bins + 1], 0 ... 1
    counts: np.ndarray  # [bins]
    accuracy: np.ndarray  # [bins]
    confidence: np.ndarray  # [bins]
    ece: float

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def _bin_index(confidence: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges and, per value, its bin ((lo, hi], the first bin [0, hi]), as in Guo et al. 2017."""
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise RobustnessInputError(f"bins must be a whole number >= 1, got {bins!r}.")
    edges = np.linspace(0.0, 1.0, bins + 1)
    return edges, np.searchsorted(edges[1:-1], confidence, side="left")


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> Reliability:
    """Group predictions by confidence into ``bins`` equal-width bins; compare accuracy with confidence.

    ``confidence`` [N] in [0, 1] (the predicted class's probability), ``correct`` [N] booleans.
    """
    conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
    right = np.asarray(correct, dtype=np.float64).reshape(-1)
    if len(conf) != len(right) or not len(conf):
        raise RobustnessInputError(
            f"expected as many confidences as correct flags (and at least one), got {len(conf)} and {len(right)}."
        )
    if conf.min() < 0 or conf.max() > 1:
        raise RobustnessInputError("confidences must lie in [0, 1]: pass probabilities, not logits.")
    edges, index = _bin_index(conf, bins)
    counts = np.bincount(index, minlength=bins).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(index, weights=right, minlength=bins) / counts
        mean_conf = np.bincount(index, weights=conf, minlength=bins) / counts
    filled = counts > 0
    ece = float(np.sum(counts[filled] / len(conf) * np.abs(accuracy[filled] - mean_conf[filled])))
    return Reliability(edges, counts, accuracy, mean_conf, ece)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE = sum over bins of (bin size / N) * |accuracy(bin) - mean confidence(bin)| (Guo et al. 2017)."""
    return reliability(confidence, correct, bins).ece


def confident_mistakes(
    probabilities: np.ndarray, labels: np.ndarray | Tensor, k: int | None = 16, at_least: float = 0.0
) -> np.ndarray:
    """Indices of the wrong predictions, surest first, made with confidence >= ``at_least`` (at most ``k``)."""
    conf, right = confidence_and_correct(probabilities, labels)
    wrong = np.flatnonzero(~right & (conf >= at_least))
    ordered = wrong[np.argsort(-conf[wrong], kind="stable")]
    return ordered if k is None else ordered[:k]


# ---- explanations ------------------------------------------------------------------------------
def _targets(model: nn.Module, x: Tensor, target: int | Sequence[int] | Tensor | None) -> Tensor:
    if target is None:
        return torch.as_tensor(predict_probabilities(model, x).argmax(1))
    if isinstance(target, int):
        return torch.full((len(x),), target, dtype=torch.int64)
    return _labels(target, len(x))


def saliency(
    model: nn.Module,
    images: Tensor | np.ndarray,
    target: int | Sequence[int] | Tensor | None = None,
    batch_size: int = BATCH,
) -> np.ndarray:
    """|d score / d pixel| [N, 28, 28]: how strongly each pixel moves the class score (Simonyan et al.).

    The score is the logit (before softmax) of ``target`` (one class for all, one per image, or by
    default each image's predicted class). A large value says: brightening or darkening this
    pixel a little changes the score a lot.
    """
    x = as_pixels(images)
    classes = _targets(model, x, target)
    device = _device(model)
    out = []
    with eval_mode(model):
        for i in range(0, len(x), batch_size):
            part = x[i : i + batch_size].to(device).requires_grad_(True)
            logits = model(to_model_input(model, part))
            chosen = logits.gather(1, classes[i : i + batch_size].to(device)[:, None]).sum()
            (grad,) = torch.autograd.grad(chosen, part)
            out.append(grad.abs()[:, 0].cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, *x.shape[-2:]), dtype=np.float32)


def occlusion_sensitivity(
    model: nn.Module,
    image: Tensor | np.ndarray,
    target: int | None = None,
    patch: int = 6,
    stride: int = 2,
    fill: float = 0.0,
) -> np.ndarray:
    """How much probability of ``target`` is lost when a ``patch`` x ``patch`` square is blanked.

    The square (set to ``fill``, the background by default) starts at every multiple of
    ``stride`` that keeps it inside the image: entry [i, j] is for the square whose top-left corner
    is at row ``i * stride``, column ``j * stride``; ``p(original) - p(occluded)``, so positive
    where the square hid evidence for ``target`` (default: the predicted class). All occluded copies
    of the one image are scored as one batch.
    """
    x = as_pixels(image)
    if len(x) != 1:
        raise RobustnessInputError(f"occlusion_sensitivity takes one digit, got {len(x)}; loop over the images.")
    h, w = x.shape[-2:]
    if not 1 <= patch <= min(h, w) or stride < 1:
        raise RobustnessInputError(
            f"need 1 <= patch <= {min(h, w)} and stride >= 1, got patch {patch}, stride {stride}."
        )
    rows = range(0, h - patch + 1, stride)
    cols = range(0, w - patch + 1, stride)
    copies = x.repeat(len(rows) * len(cols), 1, 1, 1)
    for n, (r, c) in enumerate((r, c) for r in rows for c in cols):
        copies[n, :, r : r + patch, c : c + patch] = fill
    twin = inference_copy(model)
    base = torch.softmax(_logits(twin, x, 1), 1)[0]
    cls = int(base.argmax()) if target is None else int(target)
    occluded = torch.softmax(_logits(twin, copies, BATCH), 1)[:, cls]
    return (base[cls] - occluded).reshape(len(rows), len(cols)).numpy()


# ---- adversarial examples ----------------------------------------------------------------------
def _check_epsilon(epsilon: float) -> float:
    if not 0 <= float(epsilon) <= 1:
        raise RobustnessInputError(f"epsilon is a pixel intensity between 0 and 1, got {epsilon!r}.")
    return float(epsilon)


def input_gradient_sign(
    model: nn.Module, images: Tensor | np.ndarray, labels: Labels, batch_size: int = BATCH
) -> Tensor:
    """sign(d loss / d pixel) [N, 1, 28, 28] for the cross-entropy of the true ``labels``."""
    x = as_pixels(images)
    y = _labels(labels, len(x))
    device = _device(model)
    signs = []
    with eval_mode(model):
        for i in range(0, len(x), batch_size):
            part = x[i : i + batch_size].to(device).requires_grad_(True)
            loss = F.cross_entropy(
                model(to_model_input(model, part)), y[i : i + batch_size].to(device), reduction="sum"
            )
            (grad,) = torch.autograd.grad(loss, part)
            signs.append(grad.sign().cpu())
    return torch.cat(signs) if signs else torch.zeros_like(x)


def fgsm(
    model: nn.Module,
    images: Tensor | np.ndarray,
    labels: Labels,
    epsilon: float,
    batch_size: int = BATCH,
) -> Tensor:
    """The fast gradient sign method: ``clip(x + epsilon * sign(d loss / d x), 0, 1)``.

    Every pixel moves by at most ``epsilon`` (exactly ``epsilon`` unless clipped or its gradient is
    0), in the direction that raises the loss of the true label to first order. Returns pixels.
    """
    eps = _check_epsilon(epsilon)
    x = as_pixels(images)
    return (x + eps * input_gradient_sign(model, x, labels, batch_size)).clamp_(0, 1)


def random_sign_noise(images: Tensor | np.ndarray, epsilon: float, seed: int = 0) -> Tensor:
    """The digits with +-``epsilon`` added to every pixel at random (clipped): FGSM's size, no aim."""
    eps = _check_epsilon(epsilon)
    x = as_pixels(images)
    generator = torch.Generator().manual_seed(seed)
    signs = torch.randint(0, 2, x.shape, generator=generator).float().mul_(2).sub_(1)
    return (x + eps * signs).clamp_(0, 1)


def fgsm_sweep(
    model: nn.Module,
    images: Tensor | np.ndarray,
    labels: Labels,
    epsilons: Sequence[float] = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
    seed: int = 0,
    batch_size: int = BATCH,
) -> Sweep:
    """Accuracy vs epsilon under FGSM, and under random +-epsilon noise of the same size.

    One gradient per image serves every epsilon (FGSM's direction does not depend on epsilon).
    """
    x = as_pixels(images)
    y = _labels(labels, len(x))
    for eps in epsilons:
        _check_epsilon(eps)
    signs = input_gradient_sign(model, x, y, batch_size)
    twin = inference_copy(model)
    accuracy: dict[str, list[float]] = {"FGSM": [], "random +-epsilon": []}
    confidence: dict[str, list[float]] = {"FGSM": [], "random +-epsilon": []}
    for eps in epsilons:
        for name, changed in (
            ("FGSM", (x + eps * signs).clamp_(0, 1)),
            ("random +-epsilon", random_sign_noise(x, eps, seed)),
        ):
            acc, conf = _score(twin, changed, y, batch_size)
            accuracy[name].append(acc)
            confidence[name].append(conf)
    return Sweep(
        "epsilon (pixel intensity)",
        np.asarray(epsilons, dtype=np.float64),
        {k: np.asarray(v) for k, v in accuracy.items()},
        {k: np.asarray(v) for k, v in confidence.items()},
        len(x),
    )


def smallest_flipping_epsilon(
    model: nn.Module, image: Tensor | np.ndarray, label: int, epsilons: Sequence[float] | np.ndarray
) -> float | None:
    """The smallest of ``epsilons`` whose FGSM nudge makes the prediction differ from ``label``.

    None when none of them does. All the nudged copies are scored as one batch.
    """
    x = as_pixels(image)
    if len(x) != 1:
        raise RobustnessInputError(f"smallest_flipping_epsilon takes one digit, got {len(x)}.")
    stops = sorted(_check_epsilon(e) for e in epsilons)
    if not stops:
        return None
    signs = input_gradient_sign(model, x, [label])
    nudged = torch.cat([(x + eps * signs).clamp_(0, 1) for eps in stops])
    predicted = _logits(inference_copy(model), nudged, BATCH).argmax(1)
    flipped = np.flatnonzero(predicted.numpy() != label)
    return float(stops[flipped[0]]) if len(flipped) else None
