"""Turning a hand-drawn digit into an MNIST digit: pure array functions, no widgets.

MNIST's recipe (LeCun et al.): the ink's bounding box is scaled to fit a 20x20 box keeping its
aspect ratio (anti-aliased, hence grey levels), then placed in a 28x28 field so that its centre of
mass sits at the field's centre. Ink is bright on a dark background, as in MNIST.

That recipe blows *any* ink up to 20 pixels, so a lone dot would become a big blob the network
calls "0" with high confidence. :func:`ink_extent` and :data:`MIN_DIGIT_EXTENT` say when a
drawing is too small to be a digit, so a panel can say so instead of classifying it.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

FIELD, BOX = 28, 20
#: Where MNIST's centres of mass sit, in pixel indices (measured: about 14.0-14.4 on the test set;
#: the common recipe shifts by ``round(28 / 2 - centre)``).
CENTRE = FIELD / 2
#: Ink lighter than this (of full ink) counts as background, here and in :func:`mnist_style`.
INK_THRESHOLD = 0.05
#: The smallest drawing treated as a digit: the ink's bounding box must span at least 4 of the
#: 28 pixels of the field along its longer side (a seventh of the drawing area). A dot made by
#: one click of the DrawDigit brush (1/12 of the canvas wide) spans about 2.5; the thinnest real
#: digit, a "1", spans 20 in MNIST and well over 4 however small it is drawn.
MIN_DIGIT_EXTENT = 4 / FIELD


def stamp_segment(raster: np.ndarray, p0: tuple[float, float], p1: tuple[float, float], radius: float) -> np.ndarray:
    """Draw a round-capped line of ink (anti-aliased by one pixel) into ``raster`` [H, W] in place.

    Points are (x, y) in pixel units, as a canvas reports mouse positions. Returns ``raster``.
    """
    h, w = raster.shape
    (x0, y0), (x1, y1) = p0, p1
    pad = radius + 1.5
    left, right = max(int(min(x0, x1) - pad), 0), min(int(max(x0, x1) + pad) + 1, w)
    top, bottom = max(int(min(y0, y1) - pad), 0), min(int(max(y0, y1) + pad) + 1, h)
    if left >= right or top >= bottom:
        return raster
    ys, xs = np.mgrid[top:bottom, left:right].astype(np.float64)
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = np.zeros_like(xs) if length2 == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0, 1)
    dist = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
    ink = np.clip(radius + 0.5 - dist, 0.0, 1.0)
    patch = raster[top:bottom, left:right]
    np.maximum(patch, ink.astype(raster.dtype), out=patch)
    return raster


def ink_from_rgba(rgba: np.ndarray) -> np.ndarray:
    """A canvas's RGBA pixels [H, W, 4] (light ink on dark) -> ink intensity [H, W] in [0, 1]."""
    rgba = np.asarray(rgba, dtype=np.float64)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"expected RGBA pixels [H, W, 4], got shape {rgba.shape}")
    return rgba[..., :3].max(2) / 255.0 * (rgba[..., 3] / 255.0)


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, col) of the intensity-weighted centre; the geometric centre for a blank image."""
    total = float(image.sum())
    if total <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _ink_image(ink: np.ndarray) -> np.ndarray:
    """``ink`` as a float [H, W] image in [0, 1]: uint8-style values (above 1) are divided by 255."""
    a = np.asarray(ink, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D ink image [H, W], got shape {a.shape}")
    if a.max(initial=0.0) > 1.0:
        a = a / 255.0
    return a


def ink_extent(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> float:
    """The longer side of the ink's bounding box as a fraction of the drawing's shorter side.

    0.0 for a blank drawing; compare with :data:`MIN_DIGIT_EXTENT` to tell a digit from a dot.
    """
    a = _ink_image(ink)
    rows, cols = np.nonzero(a > threshold)
    if rows.size == 0:
        return 0.0
    longer = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1
    return float(longer) / min(a.shape)


def is_digit_sized(ink: np.ndarray) -> bool:
    """True if the drawing has enough extent to be read as a digit (see :data:`MIN_DIGIT_EXTENT`)."""
    return ink_extent(ink) >= MIN_DIGIT_EXTENT


def mnist_style(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """Ink [H, W] (any size, float in [0, 1] or uint8) -> an MNIST-like uint8 digit [28, 28].

    A blank drawing gives a blank digit rather than an error, so a cleared canvas still works.
    """
    a = _ink_image(ink)
    rows, cols = np.nonzero(a > threshold)
    out = np.zeros((FIELD, FIELD), dtype=np.float64)
    if rows.size == 0:
        return out.astype(np.uint8)
    crop = a[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    factor = BOX / max(h, w)
    new_h, new_w = max(1, round(h * factor)), max(1, round(w * factor))
    resized = (
        F.interpolate(
            torch.from_numpy(crop)[None, None],
            size=(new_h, new_w),
            mode="bilinear",
            align_corners=False,
            antialias=True,
        )[0, 0]
        .clamp(0, 1)
        .numpy()
    )
    cy, cx = center_of_mass(resized)
    top = int(np.clip(round(CENTRE - cy), 0, FIELD - new_h))
    left = int(np.clip(round(CENTRE - cx), 0, FIELD - new_w))
    out[top : top + new_h, left : left + new_w] = resized
    return np.round(out * 255).astype(np.uint8)
