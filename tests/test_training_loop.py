"""The plain training loop (lenet_course.training_loop): what each step does, measured on tiny problems."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches
from lenet_course.optim import CaffeSGD, caffe_param_groups
from lenet_course.schedules import lr_at
from lenet_course.training_loop import (
    EpochRecord,
    Evaluation,
    TrainingLoopError,
    evaluate_batches,
    fit,
    set_learning_rate,
    train_epoch,
)


def separable(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian blobs in 4-d, labels 0/1: a linear model learns them in a few steps."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 4, generator=g) + 3.0 * (2 * y[:, None] - 1).float()
    return x, y


def batches_of(x, y, size=32):
    return [(x[i : i + size], y[i : i + size]) for i in range(0, len(y), size)]


def linear(seed: int = 0) -> nn.Linear:
    g = torch.Generator().manual_seed(seed)
    model = nn.Linear(4, 2)
    with torch.no_grad():
        model.weight.copy_(torch.randn(2, 4, generator=g) * 0.01)
        model.bias.zero_()
    return model


def test_an_epoch_takes_one_step_per_batch_and_lowers_the_loss():
    x, y = separable()
    model = linear()
    before = evaluate_batches(model, batches_of(x, y))
    stats = train_epoch(model, batches_of(x, y), torch.optim.SGD(model.parameters(), lr=0.1))
    after = evaluate_batches(model, batches_of(x, y))
    assert stats.batches == 8 and stats.samples == 256 and not stats.diverged
    assert after.loss < before.loss / 5 and after.accuracy > 0.95
    assert stats.batch_losses[-1] < stats.batch_losses[0]
    assert math.isclose(stats.loss, sum(stats.batch_losses) / 8, rel_tol=1e-6)  # equal batches: plain mean


def test_each_step_is_one_sgd_update_from_fresh_gradients():
    """Two steps by hand (zero_grad between them) equal train_epoch's two steps: no accumulation."""
    x, y = separable(64)
    batches = batches_of(x, y, 32)
    model, reference = linear(), linear()
    train_epoch(model, batches, torch.optim.SGD(model.parameters(), lr=0.5))
    for xb, yb in batches:
        reference.zero_grad()
        F.cross_entropy(reference(xb), yb).backward()
        with torch.no_grad():
            for p in reference.parameters():
                p -= 0.5 * p.grad
    for p, q in zip(model.parameters(), reference.parameters()):
        torch.testing.assert_close(p, q)


def test_a_schedule_sets_the_rate_of_every_step_and_continues_across_epochs():
    x, y = separable(96)
    model = linear()
    cfg = SolverConfig().with_policy("step", gamma=0.5, stepsize=2)
    optimizer = CaffeSGD(caffe_param_groups(model), lr=cfg.base_lr, momentum=0.9)
    stats = train_epoch(model, batches_of(x, y), optimizer, schedule=cfg, first_iteration=3)
    assert stats.rates == tuple(lr_at(it, cfg) for it in (3, 4, 5))
    assert all(g["lr"] == lr_at(5, cfg) for g in optimizer.param_groups)  # Caffe groups apply lr_mult themselves
    records = fit(model, batches_of(x, y), batches_of(x, y), optimizer, 2, schedule=lambda it: 0.01 * (it + 1))
    assert records[1].train.rates == pytest.approx((0.04, 0.05, 0.06))


def test_a_torch_optimizer_gets_the_rate_times_each_groups_lr_mult():
    model = linear()
    optimizer = torch.optim.SGD(caffe_param_groups(model), lr=0.1)
    set_learning_rate(optimizer, 0.01)
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.01, 0.02])


class Probe(nn.Module):
    """A linear model that records whether it was in training mode and whether autograd was on."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = linear()
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.layer(x)


def test_training_runs_in_train_mode_and_measuring_in_eval_mode_without_gradients_and_modes_come_back():
    x, y = separable(64)
    model = Probe().eval()
    train_epoch(model, batches_of(x, y), torch.optim.SGD(model.parameters(), lr=0.1))
    assert model.seen == [(True, True)] * 2 and not model.training
    model.seen.clear()
    model.train()
    result = evaluate_batches(model, batches_of(x, y))
    assert model.seen == [(False, False)] * 2 and model.training
    assert isinstance(result, Evaluation) and 0.0 <= result.accuracy <= 1.0


def test_evaluation_weights_batches_by_their_size():
    x, y = separable(40)
    model = linear()
    whole = evaluate_batches(model, [(x, y)])
    uneven = evaluate_batches(model, [(x[:32], y[:32]), (x[32:], y[32:])])
    assert uneven.loss == pytest.approx(whole.loss, rel=1e-5) and uneven.accuracy == whole.accuracy
    direct = F.cross_entropy(model(x), y).item()
    assert whole.loss == pytest.approx(direct, rel=1e-6)


def test_fit_records_every_epoch_and_the_callback_can_stop_it():
    x, y = separable()
    model = linear()
    seen: list[EpochRecord] = []
    records = fit(model, batches_of(x, y), batches_of(x, y), torch.optim.SGD(model.parameters(), lr=0.1), 5,
                  on_epoch=lambda r: seen.append(r) or r.epoch == 2)  # fmt: skip
    assert [r.epoch for r in records] == [1, 2] and seen == records
    assert records[1].val.loss < records[0].val.loss and records[1].seconds >= 0
    with pytest.raises(TrainingLoopError, match="epoch"):
        fit(model, batches_of(x, y), batches_of(x, y), torch.optim.SGD(model.parameters(), lr=0.1), 0)


def test_a_diverging_loss_ends_the_epoch_and_the_run():
    x, y = separable()
    model = linear()
    records = fit(model, batches_of(x * 1e20, y), batches_of(x, y), torch.optim.SGD(model.parameters(), lr=1e10), 3)
    assert len(records) == 1 and records[0].train.diverged
    assert not math.isfinite(records[0].train.batch_losses[-1])


def test_a_course_batch_source_gives_one_shuffled_epoch_to_train_on_and_file_order_to_measure():
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (100, 28, 28), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (100,), generator=g)
    source = TensorBatches(scale="caffe", batch_size=20, data=(images, labels), device="cpu")
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    stats = train_epoch(model, source, torch.optim.SGD(model.parameters(), lr=0.01))
    assert stats.batches == 5 and stats.samples == 100
    assert evaluate_batches(model, source).accuracy == evaluate_batches(model, source).accuracy  # file order


def test_no_batches_is_an_error_that_says_so():
    model = linear()
    with pytest.raises(TrainingLoopError, match="no batches"):
        train_epoch(model, [], torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TrainingLoopError, match="no batches"):
        evaluate_batches(model, [])
