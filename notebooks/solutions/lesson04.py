"""Worked solutions of lesson 04 (the MNIST data). Open on purpose, after trying and after the hints."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from lenet_course.config import SolverConfig
from lenet_course.data import CAFFE_SCALE, load_mnist

# 04.caffe_white: Caffe multiplies the byte by its scale, 1/256.
caffe_white = 255 * CAFFE_SCALE


# 04.standardise: statistics of the reference (the fit split) only, applied to any images.
def standardise(images: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    r = reference.float() / 255
    x = images.float() / 255
    return ((x - r.mean()) / r.std()).unsqueeze(1)


# 04.epoch_batches: one permutation per epoch, the same for images and labels; full batches only.
def epoch_batches(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, generator: torch.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    n = len(labels)
    order = torch.randperm(n, generator=generator)
    for start in range(0, n - batch_size + 1, batch_size):
        idx = order[start : start + batch_size]
        yield images[idx], labels[idx]


# 04.batches_per_epoch: whole batches of 64 in the fit split.
batches_per_epoch = len(load_mnist("fit")[1]) // 64

# 04.test_iter: test batches of 100 that cover the test split.
cfg = SolverConfig()
test_iter = len(load_mnist("test")[1]) // cfg.test_batch_size

SOLUTIONS: dict[str, object] = {
    "04.caffe_white": caffe_white,
    "04.standardise": standardise,
    "04.epoch_batches": epoch_batches,
    "04.batches_per_epoch": batches_per_epoch,
    "04.test_iter": test_iter,
}
