"""Data augmentation on whole batches: the PyTorch tutorial's transforms and the 1998 paper's distortions.

Augmentation shows the model a slightly different version of each training digit every time it is
seen, so that it learns what a digit is rather than where its training pixels were. Two families:

- the tutorial's (bentrevett/pytorch-image-classification, ``2_lenet.ipynb``):
  ``RandomRotation(5)`` then ``RandomCrop(28, padding=2)``, here :func:`tutorial_augment`;
- LeCun et al. (1998), whose 0.8% test error came from training on 540,000 extra distorted
  images: random combinations of horizontal and vertical translation, scaling, squeezing
  (compressing one axis while stretching the other) and horizontal shearing; no rotations. The
  paper names the kinds of transformation; the ranges in :data:`PAPER_RANGES` are the course's.
  Here :func:`paper_distort`.

Every function takes a batch ``[N, 1, H, W]`` (or ``[N, H, W]``) of pixels whose background is 0
(uint8 counts or floats in [0, 1]; augment *before* scaling, so the fill stays background) and
returns float32 ``[N, 1, H, W]`` in the same units. All random draws come from the
``torch.Generator`` passed in, never from torch's global stream, so a run is reproducible from
its generator's seed and leaves the rest of the process's randomness untouched. The warps go
through ``F.affine_grid`` / ``F.grid_sample`` (bilinear, zero fill); torchvision's
``RandomRotation`` defaults to nearest-neighbour sampling instead, so single pixels differ slightly
from the tutorial's while the transformation is the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

#: An augmentation as the training helpers call it: (pixel batch, generator) -> augmented batch.
Augmentation = Callable[[Tensor, torch.Generator], Tensor]


class AugmentError(ValueError):
    """An augmentation was asked for something it cannot do (a wrong shape, a negative range)."""


def as_pixel_batch(images: Tensor) -> Tensor:
    """``images`` as float32 ``[N, 1, H, W]``: a ``[N, H, W]`` batch gets its channel axis."""
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4 or images.shape[1] != 1:
        raise AugmentError(
            f"expected a batch of single-channel images, [N, 1, H, W] or [N, H, W], got shape {tuple(images.shape)}; "
            "pass images[i : i + 1] for a single image."
        )
    return images.to(torch.float32)


def _uniform(n: int, low: float, high: float, generator: torch.Generator, device: torch.device) -> Tensor:
    """``n`` draws, uniform in [low, high], from ``generator`` (on the CPU, then moved)."""
    return (torch.rand(n, generator=generator) * (high - low) + low).to(device)


def _check_range(name: str, value: float) -> None:
    if value < 0 or not math.isfinite(value):
        raise AugmentError(f"{name} must be a finite number >= 0 (the largest change allowed), got {value!r}")


# ---- the warp: one affine map per image ---------------------------------------------------------


def warp(images: Tensor, matrices: Tensor, shifts: Tensor | None = None) -> Tensor:
    """Move each image's content by its own affine map: pixel ``p`` (from the centre) goes to ``A p + t``.

    ``matrices`` is ``[N, 2, 2]`` (x then y, in pixels, y pointing down), ``shifts`` ``[N, 2]`` in
    pixels (right, down). Sampling is bilinear; what comes from outside the image is 0 (background).
    A shift by whole pixels with the identity matrix moves pixels exactly.
    """
    x = as_pixel_batch(images)
    n, _, h, w = x.shape
    if matrices.shape != (n, 2, 2):
        raise AugmentError(f"matrices must be [N, 2, 2] for N = {n} images, got shape {tuple(matrices.shape)}")
    a = matrices.to(x.device, torch.float32)
    t = torch.zeros(n, 2, device=x.device) if shifts is None else shifts.to(x.device, torch.float32)
    # affine_grid wants, for each OUTPUT position, where to read in the INPUT, in [-1, 1] units:
    # the inverse map p = A^-1 (q - t), with pixels converted to those units (2 / width, 2 / height).
    inverse = torch.linalg.inv(a)
    to_unit = torch.tensor([2.0 / w, 2.0 / h], device=x.device)
    theta = torch.empty(n, 2, 3, device=x.device)
    theta[:, :, :2] = inverse * (to_unit.view(1, 2, 1) / to_unit.view(1, 1, 2))
    theta[:, :, 2] = -(inverse @ t.unsqueeze(-1)).squeeze(-1) * to_unit
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def rotation_matrices(degrees: Tensor) -> Tensor:
    """``[N, 2, 2]`` rotations by ``degrees`` (counter-clockwise on the screen, as torchvision's)."""
    rad = torch.deg2rad(degrees.to(torch.float32))
    c, s = torch.cos(rad), torch.sin(rad)
    # y points down on the screen, so a counter-clockwise turn there is [[c, s], [-s, c]].
    return torch.stack([torch.stack([c, s], -1), torch.stack([-s, c], -1)], -2)


def rotate(images: Tensor, degrees: Tensor) -> Tensor:
    """Each image turned by its own angle (degrees, counter-clockwise) about its centre."""
    return warp(images, rotation_matrices(degrees))


def shift(images: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """Each image moved by whole pixels (``dx`` right, ``dy`` down, int tensors), zero filled. Exact."""
    x = as_pixel_batch(images)
    n, _, h, w = x.shape
    pad = int(max(dx.abs().max().item(), dy.abs().max().item())) if n else 0
    padded = F.pad(x, (pad, pad, pad, pad))
    rows = (pad - dy.to(x.device).long()).view(n, 1) + torch.arange(h, device=x.device).view(1, h)
    cols = (pad - dx.to(x.device).long()).view(n, 1) + torch.arange(w, device=x.device).view(1, w)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[batch, 0, rows.view(n, h, 1), cols.view(n, 1, w)].unsqueeze(1)


# ---- the tutorial's transforms ------------------------------------------------------------------


def random_rotation(images: Tensor, degrees: float, generator: torch.Generator) -> Tensor:
    """``RandomRotation(degrees)``: each image turned by an angle uniform in [-degrees, degrees]."""
    _check_range("degrees", degrees)
    x = as_pixel_batch(images)
    return rotate(x, _uniform(len(x), -degrees, degrees, generator, x.device))


def random_crop(images: Tensor, padding: int, generator: torch.Generator) -> Tensor:
    """``RandomCrop(size, padding=padding)`` at the image's own size: pad with zeros, cut a window.

    The same as moving each image by a whole number of pixels from -padding to +padding on each
    axis (each of the ``2 * padding + 1`` positions equally likely), the border filled with 0.
    """
    _check_range("padding", padding)
    x = as_pixel_batch(images)
    n = len(x)
    dx = torch.randint(-padding, padding + 1, (n,), generator=generator)
    dy = torch.randint(-padding, padding + 1, (n,), generator=generator)
    return shift(x, dx, dy)


def tutorial_augment(images: Tensor, generator: torch.Generator) -> Tensor:
    """The tutorial's training transforms: ``RandomRotation(5)``, then ``RandomCrop(28, padding=2)``."""
    return random_crop(random_rotation(images, 5.0, generator), 2, generator)


# ---- the 1998 paper's distortions ---------------------------------------------------------------


@dataclass(frozen=True)
class DistortionRanges:
    """How far each of the paper's planar affine distortions may go (each drawn uniformly).

    ``translate``: pixels, horizontally and vertically (independently); ``scale``: the size
    changes by a factor in [1 - scale, 1 + scale]; ``squeeze``: the width is multiplied by
    ``s`` and the height divided by it, ``s`` in [1 - squeeze, 1 + squeeze] (compress one axis,
    stretch the other); ``shear``: a horizontal shear x += shear * y, the factor in
    [-shear, shear].
    """

    translate: float = 2.0
    scale: float = 0.1
    squeeze: float = 0.1
    shear: float = 0.2

    def __post_init__(self) -> None:
        for name in ("translate", "scale", "squeeze", "shear"):
            _check_range(name, getattr(self, name))
        for name in ("scale", "squeeze"):
            if getattr(self, name) >= 1:
                raise AugmentError(f"{name} must be below 1 (a factor of 1 - {name} must stay positive)")


#: The course's ranges for the paper's distortions (the paper does not give ours; they are mild,
#: so a distorted digit is still plainly the same digit).
PAPER_RANGES = DistortionRanges()


def distortion_matrices(scale: Tensor, squeeze: Tensor, shear: Tensor) -> Tensor:
    """``[N, 2, 2]``: first the horizontal shear, then the squeeze, then the scaling."""
    one, zero = torch.ones_like(scale), torch.zeros_like(scale)
    shear_m = torch.stack([torch.stack([one, shear], -1), torch.stack([zero, one], -1)], -2)
    squeeze_m = torch.stack([torch.stack([squeeze, zero], -1), torch.stack([zero, 1.0 / squeeze], -1)], -2)
    return scale.view(-1, 1, 1) * (squeeze_m @ shear_m)


def paper_distort(images: Tensor, generator: torch.Generator, ranges: DistortionRanges = PAPER_RANGES) -> Tensor:
    """A random combination of the paper's distortions for each image (see :class:`DistortionRanges`)."""
    x = as_pixel_batch(images)
    n, dev = len(x), x.device
    scale = _uniform(n, 1 - ranges.scale, 1 + ranges.scale, generator, dev)
    squeeze = _uniform(n, 1 - ranges.squeeze, 1 + ranges.squeeze, generator, dev)
    shear = _uniform(n, -ranges.shear, ranges.shear, generator, dev)
    shifts = torch.stack(
        [
            _uniform(n, -ranges.translate, ranges.translate, generator, dev),
            _uniform(n, -ranges.translate, ranges.translate, generator, dev),
        ],
        -1,
    )
    return warp(x, distortion_matrices(scale, squeeze, shear), shifts)


#: The augmentations a lesson can name, by name.
AUGMENTATIONS: dict[str, Augmentation] = {"tutorial": tutorial_augment, "paper": paper_distort}
