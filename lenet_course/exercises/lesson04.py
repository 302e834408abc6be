"""Lesson 04 (MNIST data): Caffe's scale, mean/std scaling written by the learner, a batch iterator
written by the learner, batches per epoch of the fit split, and Caffe's test iterations.

Every answer is checked against a value the library computes, never against a number typed in here.
``04.standardise`` and ``04.epoch_batches`` run the learner's functions on data of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ..config import SolverConfig
from ..data import CAFFE_SCALE, SPLITS
from .core import Verdict, exercise, numeric, say


def split_size(split: str) -> int:
    """How many images a split of :data:`lenet_course.data.SPLITS` holds (from its slice, no file read)."""
    part = SPLITS[split][1]
    return part.stop - part.start


@exercise(
    "04.caffe_white",
    "A white pixel (255) after Caffe's scale: 0.00390625. Which value does the network see?",
    (
        "Caffe multiplies every stored byte by the scale, nothing else.",
        "0.00390625 is 1/256, not 1/255: multiply 255 by it.",
    ),
)
def _caffe_white(answer: Any) -> Verdict:
    return numeric(answer, 255 * CAFFE_SCALE, {1.0: "that would be /255; Caffe multiplies by 1/256."}, rel=1e-9)


# --- mean/std scaling, written by the learner ---------------------------------------------------


def reference_standardise(images: Tensor, reference: Tensor) -> Tensor:
    """(x/255 - mean) / std with the mean and std of ``reference``'s pixels (x/255), as [N, 1, H, W]."""
    ref = reference.to(torch.float64) / 255
    x = images.to(torch.float64) / 255
    return ((x - ref.mean()) / ref.std()).unsqueeze(1)


def _digits(n: int, seed: int) -> Tensor:
    """Fake uint8 digits: mostly black, some bright strokes, as MNIST's pixels are."""
    g = torch.Generator().manual_seed(seed)
    ink = torch.rand(n, 28, 28, generator=g) < 0.2
    return (ink * torch.randint(50, 256, (n, 28, 28), generator=g)).to(torch.uint8)


@exercise(
    "04.standardise",
    "Write standardise(images, reference): uint8 images [N, 28, 28] -> float [N, 1, 28, 28], each pixel "
    "(x/255 - mean) / std, with the mean and std of the reference images' pixels (x/255).",
    (
        "The statistics come from the reference images (the fit split), not from the images being scaled.",
        "Convert to float and divide by 255 before taking statistics; add the channel dimension at the end.",
        "r = reference.float() / 255; x = images.float() / 255; return ((x - r.mean()) / r.std()).unsqueeze(1)",
    ),
)
def _standardise(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass the function itself, e.g. def standardise(images, reference): ..., not its value.")
    fn: Callable[[Tensor, Tensor], Any] = answer
    reference, images = _digits(200, 0), _digits(7, 1)
    images[0] = 0  # an all-black image among them, as MNIST's background is
    expected = reference_standardise(images, reference)
    got = fn(images.clone(), reference.clone())
    if got is None:
        return False, say("your function returns None: return the scaled images.")
    if not isinstance(got, Tensor):
        return False, say("return a tensor, got {kind}.", kind=type(got).__name__)
    if not got.is_floating_point():
        return False, say(
            "the result is still whole numbers ({dtype}): convert to float before scaling.", dtype=got.dtype
        )
    got64 = got.to(torch.float64)
    if got.shape == expected.shape[:1] + expected.shape[2:]:
        return False, say(
            "the values may be right but the shape is {got}: add the channel dimension (unsqueeze(1)).",
            got=tuple(got.shape),
        )
    if got.shape != expected.shape:
        return False, say(
            "the result has the shape {got}; a model wants {want}.", got=tuple(got.shape), want=tuple(expected.shape)
        )
    if torch.allclose(got64, expected, atol=1e-4):
        return True, say("standardise matches: statistics from the reference only, applied to any images.")
    if torch.allclose(got64, reference_standardise(images, images), atol=1e-4):
        return False, say("you took the mean and std of the images being scaled; take them from the reference.")
    r = reference.to(torch.float64) / 255
    if torch.allclose(got64, ((images.to(torch.float64) - r.mean()) / r.std()).unsqueeze(1), atol=1e-4):
        return False, say("divide the images by 255 too: the mean and std are those of x/255.")
    worst = float((got64 - expected).abs().max())
    return False, say("your values differ from (x/255 - mean) / std by up to {worst:.4f}.", worst=worst)


# --- a batch iterator, written by the learner -------------------------------------------------------


def _batch_trial(n: int) -> tuple[Tensor, Tensor]:
    """Images whose every pixel holds its index, and labels that are the index too: pairs are traceable."""
    index = torch.arange(n)
    return index.view(n, 1, 1).expand(n, 2, 2).clone(), index.clone()


def _epoch(fn: Callable[..., Any], n: int, batch_size: int, seed: int) -> list[tuple[Tensor, Tensor]] | None:
    """One epoch of the learner's batches on traceable data; None when the function returns nothing."""
    images, labels = _batch_trial(n)
    batches = fn(images, labels, batch_size, torch.Generator().manual_seed(seed))
    if batches is None:
        return None
    return [(torch.as_tensor(x), torch.as_tensor(y)) for x, y in batches]


@exercise(
    "04.epoch_batches",
    "Write epoch_batches(images, labels, batch_size, generator): yield (image batch, label batch) pairs "
    "covering one epoch in a fresh random order drawn with generator, full batches only.",
    (
        "One random order per epoch, used for images and labels alike; then cut it into slices.",
        "torch.randperm(len(labels), generator=generator) gives the order; a last batch shorter than "
        "batch_size is dropped, as in training.",
        "order = torch.randperm(n, generator=generator); for start in range(0, n - batch_size + 1, batch_size): "
        "idx = order[start:start + batch_size]; yield images[idx], labels[idx]",
    ),
)
def _epoch_batches(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("pass the function itself, e.g. def epoch_batches(images, labels, batch_size, generator).")
    n, batch_size = 23, 5
    batches = _epoch(answer, n, batch_size, seed=0)
    if batches is None:
        return False, say("your function returns None: yield (images, labels) pairs, one per batch.")
    if not batches:
        return False, say("your function yields no batches.")
    sizes = [len(y) for _, y in batches]
    if any(len(x) != len(y) for x, y in batches):
        return False, say("an image batch and its label batch differ in length.")
    if sizes[-1] < batch_size and len(sizes) == n // batch_size + 1:
        return False, say(
            "your last batch holds {last} items: drop a batch shorter than batch_size, as training does.",
            last=sizes[-1],
        )
    if len(sizes) != n // batch_size or set(sizes) != {batch_size}:
        return False, say(
            "{n} items in batches of {bs} make {want} full batches; you yield sizes {sizes}.",
            n=n,
            bs=batch_size,
            want=n // batch_size,
            sizes=sizes,
        )
    for x, y in batches:
        if not torch.equal(x[:, 0, 0], y):
            return False, say("images and labels were put in different orders: index both with the same order.")
    seen = torch.cat([y for _, y in batches])
    if len(set(seen.tolist())) != len(seen):
        return False, say("an item appears twice in one epoch: use a permutation (each item once), not random draws.")
    if torch.equal(seen, torch.arange(len(seen))):
        return False, say("the batches come in file order: shuffle with the generator (torch.randperm).")
    again = torch.cat([y for _, y in _epoch(answer, n, batch_size, seed=0) or []])
    if not torch.equal(again, seen):
        return False, say(
            "the same generator seed gives a different order: draw from generator, not from torch's global one."
        )
    other = torch.cat([y for _, y in _epoch(answer, n, batch_size, seed=1) or []])
    if torch.equal(other, seen):
        return False, say("a different generator gives the same order: draw the order from the generator passed in.")
    return True, say(
        "epoch_batches gives {k} full batches in a fresh order per generator, images and labels together.",
        k=len(batches),
    )


@exercise(
    "04.batches_per_epoch",
    "How many full batches of 64 does one epoch of the fit split (the images the course trains on while tuning) give?",
    (
        "Look up how many images the fit split holds, then count whole batches only.",
        "len(load_mnist('fit')[1]) // 64: the last, partial batch is dropped.",
    ),
)
def _batches_per_epoch(answer: Any) -> Verdict:
    n = split_size("fit")
    return numeric(
        answer,
        n // 64,
        {
            -(-n // 64): "that counts the last partial batch; training drops it.",
            n / 64: "only whole batches count: round down.",
            split_size("train")
            // 64: "that is the whole training file; the fit split leaves out the validation images.",
        },
    )


@exercise(
    "04.test_iter",
    "With the LeNet recipe's test batch size (SolverConfig().test_batch_size), how many test iterations "
    "(Caffe's test_iter) cover the whole test split?",
    (
        "One test iteration scores one batch.",
        "test_iter x batch size should be the whole test set.",
    ),
)
def _test_iter(answer: Any) -> Verdict:
    cfg = SolverConfig()
    return numeric(
        answer, split_size("test") // cfg.test_batch_size, {10_000: "that is the number of images, not batches."}
    )
