"""The arithmetic behind the plots, kept apart from drawing so it can be tested by value.

Pure functions on numpy arrays: smoothing a loss curve, histogram bins, grid shapes, tiling
kernels or feature maps into one mosaic image, normalising a confusion matrix. :func:`to_numpy`
is the one way the visual layer turns a tensor (on any device, with or without gradients) into
numpy, without importing torch.
"""

from __future__ import annotations

import math

import numpy as np


def to_numpy(a) -> np.ndarray:
    """numpy from numpy, a list, or a (CPU or device, gradient-tracking) tensor; arrays pass through."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def as_tiles(a) -> np.ndarray:
    """Any activation -> tiles [C, H, W] to draw as a mosaic.

    A leading batch dimension is dropped (the first image kept); a vector (or maps of 1x1) is
    wrapped into one near-square tile padded with NaN, which draws as blank.
    """
    a = to_numpy(a).astype(np.float64)
    if a.ndim == 4:
        a = a[0]
    if a.ndim == 3 and a.shape[1:] != (1, 1):
        return a
    v = a.ravel()
    width = int(np.ceil(np.sqrt(v.size)))
    padded = np.full(width * int(np.ceil(v.size / width)), np.nan)
    padded[: v.size] = v
    return padded.reshape(1, -1, width)


def smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average: ``out[i]`` is the mean of the last ``window`` finite values up to i.

    Non-finite values (a diverged loss) are skipped rather than spreading NaN over the window;
    a position with no finite value in its window is NaN.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    sums = np.concatenate([[0.0], np.cumsum(np.where(finite, v, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    hi = np.arange(1, len(v) + 1)
    lo = np.maximum(hi - window, 0)
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[hi] - sums[lo]) / np.maximum(n, 1), np.nan)


def default_window(n: int) -> int:
    """A smoothing window that shows the trend of ``n`` points: about 1/20 of them, 1 to 100."""
    return int(np.clip(n // 20, 1, 100))


def histogram(values: np.ndarray, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, edges)`` of the finite values; a constant array gets one centred bin."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(1)
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.histogram(v, bins=bins, range=(lo, hi))


def grid_shape(n: int, cols: int | None = None) -> tuple[int, int]:
    """(rows, cols) for ``n`` panels: ``cols`` if given, else a near-square grid wider than tall."""
    if n <= 0:
        raise ValueError(f"need at least one panel, got {n}")
    c = cols or math.ceil(math.sqrt(n))
    c = min(c, n)
    return math.ceil(n / c), c


def mosaic(tiles: np.ndarray, cols: int | None = None, pad: int = 1) -> np.ndarray:
    """Tiles [N, H, W] -> one image [rows*(H+pad)-pad, cols*(W+pad)-pad], NaN between tiles.

    NaN draws as the colormap's "bad" colour, so the separators never look like data.
    """
    t = np.asarray(tiles, dtype=np.float64)
    if t.ndim != 3:
        raise ValueError(f"tiles must be [N, H, W], got shape {t.shape}")
    n, h, w = t.shape
    rows, c = grid_shape(n, cols)
    out = np.full((rows * (h + pad) - pad, c * (w + pad) - pad), np.nan)
    for i in range(n):
        r, col = divmod(i, c)
        out[r * (h + pad) : r * (h + pad) + h, col * (w + pad) : col * (w + pad) + w] = t[i]
    return out


def kernel_mosaic(weights: np.ndarray, max_out: int | None = None, cols: int | None = None) -> np.ndarray:
    """Conv kernels [out, in, k, k] as one image.

    One input channel (conv1): the ``out`` kernels in a grid. Several: one row per output
    channel, one column per input channel (the first ``max_out`` rows).
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"weights must be [out, in, k, k], got shape {w.shape}")
    if max_out is not None:
        w = w[:max_out]
    if w.shape[1] == 1:
        return mosaic(w[:, 0], cols=cols)
    out, inp, kh, kw = w.shape
    return mosaic(w.reshape(out * inp, kh, kw), cols=inp)


def normalise_each(maps: np.ndarray) -> np.ndarray:
    """Maps [C, H, W] scaled to [0, 1] one by one (a flat map becomes 0), so weak maps stay visible."""
    m = np.asarray(maps, dtype=np.float64)
    lo = m.min(axis=(1, 2), keepdims=True)
    span = m.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (m - lo) / np.where(span > 0, span, 1), 0.0)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its sum (rows of zeros stay zero): a confusion matrix as rates."""
    m = np.asarray(matrix, dtype=np.float64)
    sums = m.sum(1, keepdims=True)
    return np.divide(m, sums, out=np.zeros_like(m), where=sums > 0)


def marks(interval: int, max_iter: int) -> np.ndarray:
    """Iterations 0 < it <= max_iter that are multiples of ``interval`` (none when it is 0)."""
    if interval <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.arange(interval, max_iter + 1, interval, dtype=np.int64)


def symmetric_limit(values: np.ndarray) -> float:
    """max |finite value| (1.0 when there is none), for a colour scale centred on zero."""
    v = np.asarray(values, dtype=np.float64)
    v = np.abs(v[np.isfinite(v)])
    return float(v.max()) if v.size and v.max() > 0 else 1.0


def off_diagonal(matrix: np.ndarray) -> np.ndarray:
    """A float copy of a square matrix with its diagonal set to NaN (drawn as "no data")."""
    m = np.array(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"a confusion matrix is square, got shape {m.shape}")
    np.fill_diagonal(m, np.nan)
    return m


def accuracy_floor(accuracy: np.ndarray) -> float:
    """Where an accuracy axis that ends at 1 should start: below the worst value by as much again as
    the worst is below 1 (at least 1 point), rounded down to a whole point; 0 for poor models."""
    a = np.asarray(accuracy, dtype=np.float64)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return 0.0
    worst = float(a.min())
    floor = worst - max(1.0 - worst, 0.01)
    return 0.0 if floor < 0.5 else math.floor(floor * 100) / 100
