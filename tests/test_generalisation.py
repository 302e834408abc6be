"""lenet_course.generalisation: the fixed subset, seeded batches, train-vs-validation runs, early stopping."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lenet_course.checkpoints import safe_load
from lenet_course.generalisation import (
    Epoch,
    GeneralisationError,
    PixelBatches,
    Run,
    balanced_subset,
    best_epoch_index,
    generalisation_gap,
    patience_rule,
    restore_best,
    should_stop,
    train_and_validate,
)
from lenet_course.runtime import seeded
from lenet_course.training_loop import evaluate_batches


def test_balanced_subset_takes_the_first_of_each_class_in_file_order():
    labels = torch.tensor([3, 1, 3, 0, 1, 3] + list(range(10)) * 2)
    images = torch.arange(len(labels)).view(-1, 1, 1).expand(-1, 28, 28).to(torch.uint8)
    sub_images, sub_labels = balanced_subset(images, labels, 2)
    assert torch.bincount(sub_labels).tolist() == [2] * 10
    assert sub_labels[:5].tolist() == [3, 1, 3, 0, 1]  # file order kept: positions 0, 1, 2, 3, 4
    assert sub_images[:, 0, 0].tolist() == sorted(sub_images[:, 0, 0].tolist())
    with pytest.raises(GeneralisationError, match="fewer than per_class"):
        balanced_subset(images, labels, 4)


@pytest.mark.parametrize(
    ("values", "patience", "stop"),
    [
        ([], 1, False),
        ([0.9], 1, False),
        ([0.9, 0.95, 0.94], 1, True),
        ([0.9, 0.95, 0.94], 2, False),
        ([0.9, 0.95, 0.94, 0.95], 2, True),  # a tie is no improvement
        ([0.9, 0.95, 0.93, 0.94], 2, True),  # compared with the best, not with the previous epoch
        ([0.9, 0.91, 0.92], 1, False),
    ],
)
def test_should_stop_counts_epochs_since_the_best(values, patience, stop):
    assert should_stop(values, patience) is stop
    assert patience_rule(patience)(values) is stop


def test_best_epoch_is_the_first_of_equals_and_patience_must_be_positive():
    assert best_epoch_index([0.5, 0.7, 0.7, 0.6]) == 1
    with pytest.raises(GeneralisationError):
        should_stop([0.5], 0)
    with pytest.raises(GeneralisationError):
        best_epoch_index([])


def test_pixel_batches_reshuffle_each_pass_from_the_seed_alone():
    images = torch.arange(10, dtype=torch.uint8).view(10, 1, 1).expand(10, 28, 28).contiguous()
    labels = torch.arange(10)
    state = torch.random.get_rng_state()
    first = PixelBatches(images, labels, "caffe", batch_size=4, seed=1)
    passes = [torch.cat([y for _, y in first]) for _ in range(2)]
    assert all(sorted(p.tolist()) == list(range(10)) for p in passes)
    assert not torch.equal(passes[0], passes[1])
    again = PixelBatches(images, labels, "caffe", batch_size=4, seed=1)
    assert torch.equal(torch.cat([y for _, y in again]), passes[0])
    assert torch.equal(torch.random.get_rng_state(), state)
    x, _ = next(iter(PixelBatches(images, labels, "caffe", batch_size=10, shuffle=False)))
    assert x.shape == (10, 1, 28, 28) and torch.allclose(x[3], torch.full((1, 28, 28), 3 / 256))


def test_pixel_batches_apply_the_augmentation_and_stop_when_told():
    images, labels = torch.zeros(8, 28, 28, dtype=torch.uint8), torch.zeros(8, dtype=torch.long)
    seen = []

    def augment(pixels, generator):
        seen.append(len(pixels))
        return pixels.float() + 256.0  # shows in the scaled batch as exactly 1.0

    x, _ = next(iter(PixelBatches(images, labels, "caffe", batch_size=4, augment=augment)))
    assert seen == [4] and torch.allclose(x, torch.ones_like(x))
    calls = iter([False, True])
    assert len(list(PixelBatches(images, labels, "caffe", batch_size=2, stop=lambda: next(calls)))) == 1


def quadrants(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A 4-class toy: which quadrant of the image is bright (labels 0-3), learnable in a few epochs."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (n,), generator=g)
    images = (torch.rand(n, 28, 28, generator=g) * 60).to(torch.uint8)
    for k, q in enumerate(labels.tolist()):
        r, c = divmod(q, 2)
        images[k, 14 * r : 14 * r + 14, 14 * c : 14 * c + 14] += 150
    return images, labels


class Tiny(nn.Module):
    input_scale = "caffe"

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(14)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(x), 1))


def test_train_and_validate_records_clean_training_accuracy_and_snapshots_the_best(tmp_path):
    with seeded(0):
        model = Tiny()
    train, val = quadrants(200, 0), quadrants(100, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    run = train_and_validate(model, train, val, opt, 6, batch_size=20, snapshot=tmp_path / "best.pt")
    assert [e.epoch for e in run.history] == [1, 2, 3, 4, 5, 6] and not run.stopped_early
    final = evaluate_batches(model, [(train[0].unsqueeze(1).float() / 256, train[1])])
    assert run.last.train_accuracy == pytest.approx(final.accuracy) and run.last.val_accuracy > 0.9
    best = run.best
    restored = restore_best(Tiny(), run)
    again = evaluate_batches(restored, [(val[0].unsqueeze(1).float() / 256, val[1])])
    assert again.accuracy == pytest.approx(best.val_accuracy)
    assert set(safe_load(tmp_path / "best.pt")) == {"fc.weight", "fc.bias"}


def test_a_stop_rule_ends_training_early():
    model = Tiny()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run = train_and_validate(model, quadrants(40, 0), quadrants(20, 1), opt, 10, stop_rule=lambda acc: len(acc) >= 3)
    assert len(run.history) == 3 and run.stopped_early
    with pytest.raises(GeneralisationError, match="no snapshot"):
        restore_best(Tiny(), run)


def test_generalisation_gap_is_train_minus_validation():
    assert generalisation_gap(Epoch(1, 0.1, 1.0, 0.4, 0.93, 0.0)) == pytest.approx(0.07)
    with pytest.raises(GeneralisationError):
        _ = Run().best
