"""lenet_course.capstone: the parameter limit, the CPU budget, the guard on the test split, the cached reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.capstone import (
    CPU_BUDGET_S,
    PARAMETER_LIMIT,
    TARGET_TEST_ACCURACY,
    CapstoneError,
    CapstoneResult,
    CPUBudget,
    ForbiddenSplitError,
    guard_test_split,
    load_result,
    run_capstone,
)
from lenet_course.data import load_mnist, raw_folder, scale_images

REFERENCE = Path(__file__).resolve().parent.parent / "notebooks" / "results" / "capstone_reference.json"


class Linear(nn.Module):
    input_scale = "caffe"

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


def quick_recipe(model, data, budget):
    """A few hundred steps of logistic regression on the first fit digits: learns in about a second."""
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = scale_images(data.fit_images, "caffe"), data.fit_labels
    for start in range(0, len(y), 100):
        loss = F.cross_entropy(model(x[start : start + 100]), y[start : start + 100])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        val = (model(scale_images(data.val_images, "caffe")).argmax(1) == data.val_labels).float().mean()
    return [(len(y), float(val))]


def test_an_entry_is_trained_on_fit_and_val_and_scored_on_test_by_the_checker():
    result = run_capstone(Linear, quick_recipe, budget_s=60, fit_limit=5000)
    assert result.parameters == 7850 and result.fit_images == 5000 and result.images_seen == 5000
    assert 0.8 < result.test_accuracy < 0.95 and result.within_parameters and result.within_budget
    assert not result.meets_target


def test_too_many_parameters_is_refused_before_any_training():
    called = []

    def recipe(model, data, budget):
        called.append(1)
        return [(1, 0.5)]

    wide = lambda: nn.Linear(784, PARAMETER_LIMIT // 784 + 1)  # noqa: E731
    with pytest.raises(CapstoneError, match="fewer than 50,000"):
        run_capstone(wide, recipe, budget_s=1)
    assert not called


def test_reading_the_test_files_during_the_recipe_is_refused():
    def peeks(model, data, budget):
        load_mnist("test")
        return [(1, 0.5)]

    def opens(model, data, budget):
        open(raw_folder() / "t10k-labels-idx1-ubyte", "rb").close()
        return [(1, 0.5)]

    for recipe in (peeks, opens):
        with pytest.raises(ForbiddenSplitError):
            run_capstone(Linear, recipe, budget_s=5, fit_limit=100)
    assert len(load_mnist("test")[1]) == 10_000  # outside the guard the test split reads as usual
    with guard_test_split(), pytest.raises(ForbiddenSplitError):
        load_mnist("test")


def test_a_recipe_must_return_a_validation_curve():
    for bad in ([], None, [(100, 99.0)]):
        with pytest.raises(CapstoneError):
            run_capstone(Linear, lambda m, d, b, bad=bad: bad, budget_s=5, fit_limit=100)


def test_the_cpu_budget_counts_process_time():
    budget = CPUBudget(0.05)
    assert budget.fraction() < 1 and not budget.exhausted()
    total = 0
    while not budget.exhausted():
        total += sum(range(1000))
    assert budget.fraction() == 1.0 and budget.spent() >= 0.05
    with pytest.raises(CapstoneError):
        CPUBudget(0)


def test_a_result_round_trips_through_json_and_judges_its_budget():
    result = CapstoneResult(40_000, 100.0, 131.0, 300.0, 1000, [(500, 0.9), (1000, 0.95)], 0.994, 55_000)
    assert CapstoneResult.from_json(json.loads(json.dumps(result.to_json()))) == result
    assert result.meets_target and result.within_parameters and not result.within_budget  # 131 > 1.25 * 100 + 5


@pytest.mark.skipif(not REFERENCE.is_file(), reason="the reference run has not been cached yet")
def test_the_cached_reference_entry_meets_the_bar_within_the_full_budget():
    result, raw = load_result(REFERENCE)
    assert result.budget_s == CPU_BUDGET_S and result.within_budget
    assert result.parameters < PARAMETER_LIMIT and result.test_accuracy >= TARGET_TEST_ACCURACY
    assert result.fit_images == 55_000 and raw["machine"]["cpu"]
    seen = [n for n, _ in result.val_curve]
    assert seen == sorted(seen) and len(seen) >= 2
