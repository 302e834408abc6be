"""MNIST for the course: checking it, its splits, and two ways to feed it to a model.

Where MNIST lives is :func:`lenet_course.paths.data_root`. The splits, by name:

- ``"train"``: all 60,000 training images, what Caffe's LeNet example trained on and what the
  shipped ``tut2-model.pt`` and the lessons' figures use (Caffe's recipe, unchanged);
- ``"fit"`` and ``"val"``: the same 60,000 cut in two, the first 55,000 to fit a model and the
  last 5,000 (images 55,000 to 59,999) to choose settings with, so that the test split is kept
  for final figures only. A fixed slice, the same for everyone and reproducible with
  ``images[55_000:]``; ``"fit"`` starts where ``"train"`` does, so a short run on the first
  ``limit`` images reads the same digits from either. Each digit's share of ``"val"`` is within
  one percentage point of its share of the 60,000 (``tests/test_data.py`` checks it);
- ``"test"``: the 10,000 test images (``t10k``), in file order.

- :class:`TensorBatches`: the whole split as one uint8 tensor on the device; each batch is sliced
  and scaled on the fly. No per-sample Python, so it is the fast path the solver uses.
- :class:`LoaderBatches`: a torch ``DataLoader`` over torchvision's ``MNIST``, for per-sample
  augmentation (the tutorial's ``RandomRotation(5)`` + ``RandomCrop(28, padding=2)``).

Both share one interface (:class:`BatchSource`): ``next_batch()`` for training (a seeded shuffle
per epoch that restarts where a snapshot left it), ``iter_epoch()`` for evaluation in file order,
``state_dict()``, ``rewind()`` and ``size``. Their randomness (the order of each epoch and, for
``LoaderBatches``, each augmentation) comes from their ``seed`` alone, never from torch's global
stream, which they leave untouched. :func:`evaluation_batches` is the one
constructor of a split read in file order for scoring.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import Tensor

from .paths import DATA_ENV_VAR, data_root
from .runtime import pick_device, seeded

MEAN, STD = 0.1307, 0.3081
CAFFE_SCALE = 0.00390625  # 1/256, Caffe's transform_param { scale: 0.00390625 }
SCALES = ("caffe", "meanstd")

#: The four uncompressed files and their published md5 sums.
MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
_TRAIN_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
_TEST_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
#: The first training image that belongs to the validation split (see the module docstring).
VAL_START = 55_000
#: Each split: (its files, the slice of them it holds).
SPLITS: dict[str, tuple[tuple[str, str], slice]] = {
    "train": (_TRAIN_FILES, slice(0, 60_000)),
    "fit": (_TRAIN_FILES, slice(0, VAL_START)),
    "val": (_TRAIN_FILES, slice(VAL_START, 60_000)),
    "test": (_TEST_FILES, slice(0, 10_000)),
}


class MNISTError(ValueError):
    """MNIST cannot be used as asked: missing, unreadable, corrupt, or a batch that does not fit."""


class MNISTNotFoundError(MNISTError, FileNotFoundError):
    """MNIST is not where the course looked, and could not be downloaded."""


class MNISTUnreadableError(MNISTError, PermissionError):
    """An MNIST file is there but this process may not read it (permissions)."""


class MNISTCorruptError(MNISTError):
    """An MNIST file is present but truncated or altered."""


class MNISTBatchSizeError(MNISTError):
    """A batch size that a split cannot supply (zero, negative, or more samples than it holds)."""


def check_split(split: str) -> None:
    """Refuse a split name that is not one of :data:`SPLITS`, naming the valid ones."""
    if split not in SPLITS:
        raise MNISTError(
            f"unknown MNIST split {split!r}; use one of {', '.join(map(repr, SPLITS))} (train = all 60,000 "
            f"training images, fit + val = the same cut 55,000 / 5,000, test = the 10,000 test images)"
        )


def raw_folder(root: str | os.PathLike | None = None) -> Path:
    return data_root(root) / "MNIST" / "raw"


def ensure_mnist(root: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Make sure the four MNIST files are present and intact; return the data root.

    Missing files are downloaded through torchvision (with its progress bar) when ``download`` is
    true and the network allows; otherwise the error says where to put them.
    """
    base = data_root(root)
    raw = base / "MNIST" / "raw"
    missing = [name for name in MNIST_FILES if not _is_file(raw / name)]
    if missing and download:
        try:
            _download(base)
        except Exception as err:  # any network or write failure ends in the same advice
            raise MNISTNotFoundError(_missing_message(raw, missing, f"download failed: {err}")) from None
        missing = [name for name in MNIST_FILES if not _is_file(raw / name)]
    if missing:
        raise MNISTNotFoundError(_missing_message(raw, missing, "download is off"))
    for name in MNIST_FILES:
        path = raw / name
        st = path.stat()
        _verify_file(str(path), st.st_size, st.st_mtime_ns)
    return base


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a folder we may not look into counts as unreadable, not missing."""
    try:
        return path.is_file()
    except PermissionError:
        raise MNISTUnreadableError(_unreadable_message(path)) from None


def _unreadable_message(path: Path) -> str:
    return (
        f"cannot read the MNIST file {path}: permission denied. Give your user read access "
        f"(e.g. chmod a+r {path}), or point {DATA_ENV_VAR} (or --data-dir) at a copy you can read."
    )


def _open_mnist_file(path: str | os.PathLike):
    """``open(path, 'rb')`` with a permission problem turned into an error that says the fix."""
    try:
        return open(path, "rb")
    except PermissionError:
        raise MNISTUnreadableError(_unreadable_message(Path(path))) from None


def _missing_message(raw: Path, missing: list[str], why: str) -> str:
    return (
        f"MNIST not found in {raw} ({why}).\n"
        f"Missing: {', '.join(missing)}.\n"
        f"Put the four uncompressed files there ({', '.join(MNIST_FILES)}), or set the "
        f"environment variable {DATA_ENV_VAR} to a folder that holds MNIST/raw/ with them "
        f"(e.g. export {DATA_ENV_VAR}=/path/to/data), or pass root=... explicitly."
    )


def _download(base: Path) -> None:
    from torchvision.datasets import MNIST  # imported only when a download is needed

    for train in (True, False):
        MNIST(root=str(base), train=train, download=True)


@functools.cache
def _verify_file(path: str, size: int, mtime_ns: int) -> None:
    """md5 of one file, once per (path, size, mtime): a changed file is checked again."""
    name = Path(path).name
    digest = hashlib.md5()
    with _open_mnist_file(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != MNIST_FILES[name]:
        raise MNISTCorruptError(
            f"{path} is corrupt or truncated ({size} bytes, md5 {digest.hexdigest()}, expected "
            f"{MNIST_FILES[name]}). Delete it and download it again."
        )


def _read_idx(path: Path) -> np.ndarray:
    """Parse an IDX file (big-endian header: magic, dims) into a uint8 array."""
    with _open_mnist_file(path) as fh:
        data = fh.read()
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(
    split: str = "train", root: str | os.PathLike | None = None, download: bool = True
) -> tuple[Tensor, Tensor]:
    """One split (``"train"``, ``"fit"``, ``"val"`` or ``"test"``, see the module docstring) as
    ``(images uint8 [N, 28, 28], labels int64 [N])`` on the CPU."""
    check_split(split)
    raw = ensure_mnist(root, download) / "MNIST" / "raw"
    (images_file, labels_file), part = SPLITS[split]
    images = torch.from_numpy(_read_idx(raw / images_file)[part].copy())
    labels = torch.from_numpy(_read_idx(raw / labels_file)[part].astype(np.int64))
    return images, labels


def _check_scale(scale: str) -> None:
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")


def scale_images(images: Tensor, scale: str) -> Tensor:
    """uint8 pixels -> float32 [N, 1, 28, 28] model input, with the named scaling."""
    _check_scale(scale)
    x = images.to(torch.float32)
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if scale == "caffe":
        return x.mul_(CAFFE_SCALE)
    return x.mul_(1.0 / 255.0).sub_(MEAN).div_(STD)


def unscale_images(x: Tensor, scale: str) -> Tensor:
    """Model input back to [0, 1] pixel intensities, for drawing."""
    if scale == "caffe":
        return x / (255.0 * CAFFE_SCALE)
    if scale == "meanstd":
        return x * STD + MEAN
    raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")


class BatchSource(Protocol):
    """What the solver needs from a data source."""

    batch_size: int
    scale: str
    size: int  # samples held

    def next_batch(self) -> tuple[Tensor, Tensor]: ...
    def iter_epoch(self, batch_size: int | None = None) -> Iterator[tuple[Tensor, Tensor]]: ...
    def state_dict(self) -> dict: ...
    def load_state_dict(self, state: dict) -> None: ...
    def rewind(self) -> None: ...
    def __len__(self) -> int: ...


def _epoch_seed(seed: int, epoch: int) -> int:
    """The seed of one epoch's draws: a function of (seed, epoch) alone, so resuming mid-run is exact."""
    return (seed * 100_003 + epoch) % 2**64


def _epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A generator that depends on (seed, epoch) alone."""
    return torch.Generator().manual_seed(_epoch_seed(seed, epoch))


def _epoch_order(n: int, seed: int, epoch: int, shuffle: bool) -> Tensor:
    """The sample order of one epoch."""
    if not shuffle:
        return torch.arange(n)
    return torch.randperm(n, generator=_epoch_generator(seed, epoch))


class _EpochCursor:
    """Where a training stream stands: (seed, epoch, position in the epoch's order).

    Both batch sources keep it the same way, so a solver snapshot resumes either one exactly.
    Subclasses rebuild their per-epoch stream in ``_restart``.
    """

    size: int  # samples in the split

    def _setup(
        self, *, scale: str, batch_size: int, shuffle: bool, seed: int, device, size: int, split: str = ""
    ) -> None:
        _check_scale(scale)
        _check_batch_size(batch_size, size, split)
        self.device = torch.device(device) if device is not None else pick_device()
        self.scale, self.batch_size, self.shuffle, self.seed, self.size = scale, batch_size, shuffle, seed, size
        self.epoch, self.position = 0, 0
        self._restart()

    def _restart(self) -> None:
        raise NotImplementedError

    def __len__(self) -> int:
        """Training batches per epoch."""
        return self.size // self.batch_size

    def _next_start(self) -> int:
        """Where the next training batch starts in this epoch's order; a new epoch when no full batch is left."""
        if self.position + self.batch_size > self.size:
            self.epoch, self.position = self.epoch + 1, 0
            self._restart()
        start = self.position
        self.position += self.batch_size
        return start

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.position, self.seed = state["epoch"], state["position"], state["seed"]
        self._restart()

    def rewind(self) -> None:
        """Back to the start of epoch 0 with the same seed: the next batches are the first ones again."""
        self.epoch, self.position = 0, 0
        self._restart()


def _check_batch_size(batch_size: int, size: int, split: str) -> None:
    """A batch must hold at least one sample and no more than the split has."""
    what = f"the MNIST {split} split" if split else "the data"
    if batch_size <= 0:
        raise MNISTBatchSizeError(f"batch size must be > 0, got {batch_size!r}")
    if batch_size > size:
        raise MNISTBatchSizeError(
            f"batch size {batch_size} exceeds the {size} samples of {what}; use a batch size "
            f"of at most {size} (the LeNet recipe uses 64 for training, 100 for testing)."
        )


def evaluation_batches(
    scale: str,
    batch_size: int = 100,
    *,
    split: str = "test",
    device: torch.device | str | None = None,
    root: str | os.PathLike | None = None,
    limit: int | None = None,
) -> TensorBatches:
    """A split (the test split by default) in file order, scaled as ``scale`` says: what a model is
    scored on. ``limit`` keeps its first ``limit`` images."""
    return TensorBatches(
        split, scale=scale, batch_size=batch_size, shuffle=False, device=device, root=root, limit=limit
    )


class TensorBatches(_EpochCursor):
    """A split held as one uint8 tensor on ``device``; batches are sliced, then scaled.

    Batches never cross an epoch boundary; the last partial batch of an epoch is dropped in
    training (as ``drop_last``) but kept by ``iter_epoch``.
    """

    def __init__(
        self,
        split: str = "train",
        *,
        scale: str,
        batch_size: int = 64,
        shuffle: bool = True,
        seed: int = 0,
        device: torch.device | str | None = None,
        root: str | os.PathLike | None = None,
        limit: int | None = None,
        data: tuple[Tensor, Tensor] | None = None,
    ) -> None:
        _check_scale(scale)
        check_split(split)
        images, labels = data if data is not None else load_mnist(split, root)
        if limit is not None:
            images, labels = images[:limit], labels[:limit]
        self._setup(
            scale=scale,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            device=device,
            size=len(labels),
            split=split if data is None and limit is None else "",
        )
        self.images = images.to(self.device).unsqueeze(1).contiguous()  # [N, 1, 28, 28] uint8
        self.labels = labels.to(self.device)

    def _restart(self) -> None:
        self._order: Tensor | None = None

    def _scaled(self, idx: Tensor | slice) -> tuple[Tensor, Tensor]:
        return scale_images(self.images[idx], self.scale), self.labels[idx]

    def next_batch(self) -> tuple[Tensor, Tensor]:
        start = self._next_start()
        if self._order is None:
            self._order = _epoch_order(self.size, self.seed, self.epoch, self.shuffle).to(self.device)
        return self._scaled(self._order[start : start + self.batch_size])

    def iter_epoch(self, batch_size: int | None = None) -> Iterator[tuple[Tensor, Tensor]]:
        bs = batch_size or self.batch_size
        for start in range(0, self.size, bs):
            yield self._scaled(slice(start, start + bs))


def _to_caffe_scale(x: Tensor) -> Tensor:
    """ToTensor's [0, 1] pixels -> Caffe's pixels / 256 (a named function, so workers can pickle it)."""
    return x * (255.0 * CAFFE_SCALE)


class _SeededSamples(torch.utils.data.Dataset):
    """A dataset whose random transforms draw from a seed made of (seed, epoch, index) alone.

    Each sample's transform runs under :func:`lenet_course.runtime.seeded`, so an augmented run
    is reproducible from its seed (in worker processes too), a resume mid-epoch redraws exactly
    what the first run drew, and torch's global stream is never touched.
    """

    def __init__(self, dataset, seed: int, epoch: int = 0) -> None:
        self.dataset, self.seed, self.epoch = dataset, seed, epoch

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        with seeded((_epoch_seed(self.seed, self.epoch) * 1_000_003 + index) % 2**64):
            return self.dataset[index]


class LoaderBatches(_EpochCursor):
    """torchvision ``MNIST`` through a ``DataLoader``, for per-sample transforms (augmentation).

    Same interface as :class:`TensorBatches`. The epoch order comes from the same seeded
    permutation; each sample's random transform draws from a seed made of (``seed``, epoch,
    sample index), so the augmentation too follows from the seed and nothing else.
    """

    def __init__(
        self,
        split: str = "train",
        *,
        scale: str,
        batch_size: int = 64,
        shuffle: bool = True,
        seed: int = 0,
        augment: bool = False,
        device: torch.device | str | None = None,
        root: str | os.PathLike | None = None,
        limit: int | None = None,
        num_workers: int = 0,
    ) -> None:
        from torchvision import datasets, transforms  # imported only on this path

        _check_scale(scale)
        check_split(split)
        base = ensure_mnist(root)
        steps = []
        if augment:
            steps += [transforms.RandomRotation(5), transforms.RandomCrop(28, padding=2)]
        steps.append(transforms.ToTensor())  # [1, 28, 28] in [0, 1]
        if scale == "caffe":
            steps.append(transforms.Lambda(_to_caffe_scale))
        else:
            steps.append(transforms.Normalize((MEAN,), (STD,)))
        self.dataset = datasets.MNIST(
            str(base), train=(split != "test"), download=False, transform=transforms.Compose(steps)
        )
        part = SPLITS[split][1]
        indices = range(part.start, part.stop)
        if limit is not None:
            indices = indices[:limit]
        if len(indices) != len(self.dataset):
            self.dataset = torch.utils.data.Subset(self.dataset, indices)
        self._samples = _SeededSamples(self.dataset, seed)
        self.augment, self.num_workers = augment, num_workers
        self._setup(
            scale=scale,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            device=device,
            size=len(self.dataset),
            split=split if limit is None else "",
        )

    def _restart(self) -> None:
        self._iter: Iterator | None = None
        if hasattr(self, "_samples"):
            self._samples.seed, self._samples.epoch = self.seed, self.epoch

    def _loader(self, indices: list[int], batch_size: int, drop_last: bool):
        # The DataLoader draws a base seed for its workers when an iterator starts; from its own
        # generator, not torch's global one, so that restarting mid-epoch (a resume) leaves the
        # global stream that the random transforms use exactly where the snapshot saved it.
        seeds = _epoch_generator(self.seed, self.epoch)
        return torch.utils.data.DataLoader(
            self._samples,
            batch_size=batch_size,
            sampler=indices,
            drop_last=drop_last,
            num_workers=self.num_workers,
            pin_memory=self.device.type == "cuda",
            generator=seeds,
        )

    def next_batch(self) -> tuple[Tensor, Tensor]:
        start = self._next_start()
        if self._iter is None:
            order = _epoch_order(self.size, self.seed, self.epoch, self.shuffle)
            self._iter = iter(self._loader(order[start:].tolist(), self.batch_size, True))
        x, y = next(self._iter)
        return x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)

    def iter_epoch(self, batch_size: int | None = None) -> Iterator[tuple[Tensor, Tensor]]:
        for x, y in self._loader(list(range(self.size)), batch_size or self.batch_size, False):
            yield x.to(self.device), y.to(self.device)
