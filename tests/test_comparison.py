"""The comparison grid: one budget for every model, choices on "val", the cache, and the table's arithmetic."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch

import lenet_course.comparison as comparison
from lenet_course.comparison import (
    FULL_BUDGET,
    PAPER_1998,
    ComparisonError,
    GridBudget,
    RateChoice,
    RateTrial,
    RunResult,
    choose_base_lr,
    format_table,
    grid_entrants,
    load_results,
    load_trials,
    run_grid,
    save_results,
    standard_error,
    summarize,
    train_one,
)

TINY = GridBudget(iterations=6, val_every=3, seeds=(1, 2), fit_limit=256, val_limit=200, test_limit=300)


def cheap_entrants():
    return [e for e in grid_entrants() if e.key in ("logreg", "mlp300")]


def test_standard_error_is_the_binomial_spread_of_a_rate():
    assert standard_error(0.0095) == pytest.approx(math.sqrt(0.0095 * 0.9905 / 10_000))
    assert standard_error(0.0095) == pytest.approx(0.00097004, rel=1e-4)  # about 0.1 percentage point
    assert standard_error(0.5, 100) == pytest.approx(0.05)
    assert standard_error(0.0) == 0.0
    for bad in ({"error": 1.5}, {"error": 0.01, "n": 0}, {"error": 0.01, "n": 2.5}):
        with pytest.raises(ComparisonError):
            standard_error(**bad)


def test_the_papers_figures_are_the_checked_ones_and_say_which_rows_they_match():
    figures = {p.label: p.test_error_percent for p in PAPER_1998}
    assert figures == {
        "linear classifier": 12.0,
        "2-layer net, 300 hidden units": 4.7,
        "LeNet-1 (16x16 input)": 1.7,
        "LeNet-4": 1.1,
        "LeNet-5": 0.95,
    }
    assert comparison.paper_figure("logreg").test_error_percent == 12.0
    assert comparison.paper_figure("lenet5_rbf").test_error_percent == 0.95
    assert comparison.paper_figure("caffe") is None


def test_the_full_budget_is_one_recipe_for_every_model():
    assert [e.key for e in grid_entrants()] == ["logreg", "mlp300", "tut", "caffe", "lenet5", "lenet5_rbf"]
    assert [e.loss_name for e in grid_entrants()][-1] == "MAP"
    cfg = FULL_BUDGET.solver_config(7)
    assert (cfg.type, cfg.base_lr, cfg.momentum, cfg.weight_decay, cfg.lr_policy) == ("SGD", 0.01, 0.9, 0.0005, "inv")
    assert cfg.train_batch_size == 64 and cfg.max_iter == FULL_BUDGET.iterations and cfg.random_seed == 7
    assert FULL_BUDGET.epochs == pytest.approx(FULL_BUDGET.iterations * 64 / 55_000)
    assert "passes over the 55,000 training images" in FULL_BUDGET.describe()
    with pytest.raises(ComparisonError):
        GridBudget(iterations=0, val_every=1)
    with pytest.raises(ComparisonError):
        GridBudget(iterations=10, val_every=5, seeds=(1, 1))


def test_one_run_keeps_the_best_validation_weights_and_tests_them_once(mnist_root):
    before = torch.get_rng_state()
    run = train_one(cheap_entrants()[0], 1, TINY, device="cpu")
    assert torch.equal(torch.get_rng_state(), before)  # no reseeding of the process
    assert [it for it, _ in run.val_curve] == [3, 6]
    assert run.val_error == min(e for _, e in run.val_curve)
    assert run.best_iteration == min(run.val_curve, key=lambda p: p[1])[0]
    assert run.test_images == 300 and 0.0 <= run.test_error <= 1.0
    assert (run.parameters, run.macs, run.images_seen) == (7_850, 7_840, 6 * 64)
    assert run.seconds_per_epoch == pytest.approx(run.train_seconds / (6 * 64) * 256)
    assert run.device == "cpu" and "torch thread" in run.device_name
    again = train_one(cheap_entrants()[0], 1, TINY, device="cpu")
    assert (again.val_curve, again.test_error) == (run.val_curve, run.test_error)  # the seed decides it all
    other = train_one(cheap_entrants()[0], 2, TINY, device="cpu")
    assert other.val_curve != run.val_curve


def test_the_papers_rbf_network_trains_with_its_own_loss(mnist_root):
    rbf = grid_entrants()[-1]
    run = train_one(rbf, 1, dataclasses.replace(TINY, iterations=3, val_every=3), device="cpu")
    assert run.loss == "MAP" and run.parameters == 60_000 and run.macs == 326_520
    assert all(math.isfinite(v) for v in run.train_loss)


def test_the_grid_caches_every_run_and_trains_only_what_changed(tmp_path, monkeypatch, mnist_root):
    cache = tmp_path / "grid.json"
    lines: list[str] = []
    first = run_grid(cheap_entrants(), TINY, cache=cache, device="cpu", report=lines.append)
    assert [(r.model, r.seed) for r in first] == [("logreg", 1), ("logreg", 2), ("mlp300", 1), ("mlp300", 2)]
    assert len(lines) == 4 and json.loads(cache.read_text())["format"] == comparison.FORMAT_VERSION

    def must_not_train(*args, **kwargs):
        raise AssertionError("a cached run was trained again")

    monkeypatch.setattr(comparison, "train_one", must_not_train)
    assert run_grid(cheap_entrants(), TINY, cache=cache, device="cpu", report=None) == first
    monkeypatch.undo()

    # another hidden size is another model: only its runs are trained again
    wider = dataclasses.replace(
        cheap_entrants()[1], build=lambda seed: comparison.build_model("mlp300", seed=seed, hidden=20)
    )
    trained = []
    real = comparison.train_one
    monkeypatch.setattr(
        comparison, "train_one", lambda e, s, b, **kw: trained.append((e.key, s)) or real(e, s, b, **kw)
    )
    results = run_grid([cheap_entrants()[0], wider], TINY, cache=cache, device="cpu", report=None)
    assert trained == [("mlp300", 1), ("mlp300", 2)] and results[2].parameters == 784 * 20 + 20 + 20 * 10 + 10
    # another budget does not reuse the file's runs
    assert load_results(cache, dataclasses.replace(TINY, iterations=9)) == []
    assert len(load_results(cache, TINY)) == 4


def test_results_round_trip_through_json_and_bad_files_are_refused(tmp_path):
    run = _fake("tut", 1, 0.012)
    path = save_results([run], tmp_path / "r.json", TINY)
    assert load_results(path) == [run]
    assert load_results(tmp_path / "missing.json") == []
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ComparisonError, match="not a comparison-lab results file"):
        load_results(tmp_path / "bad.json")


def _fake(model: str, seed: int, test_error: float, val_error: float = 0.02) -> RunResult:
    return RunResult(
        model=model, label=model.upper(), seed=seed, fingerprint="X:1:1", parameters=100, macs=1_000,
        loss="cross-entropy", iterations=10, batch_size=64, images_seen=640, epochs=640 / 55_000,
        train_seconds=2.0, seconds_per_epoch=171.875, device="cpu", device_name="a CPU, 2 threads",
        val_curve=((10, val_error),), train_loss=(0.5,), best_iteration=10, val_error=val_error,
        test_error=test_error, test_images=10_000,
    )  # fmt: skip


def test_summaries_give_mean_and_sample_sd_over_seeds_and_the_table_sits_beside_the_paper():
    results = [_fake("lenet5", 1, 0.010), _fake("lenet5", 2, 0.012), _fake("lenet5", 3, 0.014), _fake("caffe", 1, 0.02)]
    rows = summarize(results)
    assert [r.key for r in rows] == ["lenet5", "caffe"]
    lenet5 = rows[0]
    assert lenet5.test_error_mean == pytest.approx(0.012)
    assert lenet5.test_error_sd == pytest.approx(0.002)  # sample sd (n - 1): sqrt((0.002^2 * 2) / 2)
    assert lenet5.standard_error == pytest.approx(math.sqrt(0.012 * 0.988 / 10_000))
    assert rows[1].test_error_sd == 0.0
    table = format_table(rows).splitlines()
    assert "1.20% ± 0.20%" in table[2] and table[2].rstrip().endswith("0.95%")
    assert table[3].rstrip().endswith("-")  # CaffeLeNet has no row of its own in the paper
    assert [line.split()[0] for line in table[4:]] == ["(1998)"] * 4  # the paper's other rows, for context


def test_a_model_may_train_with_its_own_rate_and_the_budget_refuses_a_bad_one():
    rbf = grid_entrants()[-1]
    assert rbf.base_lr is None and rbf.learning_rate == 0.01  # the shared recipe unless chosen
    assert FULL_BUDGET.solver_config(1, 0.001).base_lr == 0.001
    assert FULL_BUDGET.solver_config(1).base_lr == 0.01
    for bad in (0.0, -0.1, math.inf, "0.001", True):
        with pytest.raises(ComparisonError, match="base_lr must be a positive number"):
            FULL_BUDGET.solver_config(1, bad)


def test_a_cached_run_is_trained_again_when_its_rate_changes(tmp_path, monkeypatch, mnist_root):
    cache = tmp_path / "grid.json"
    logreg = cheap_entrants()[0]
    first = run_grid([logreg], TINY, cache=cache, device="cpu", report=None)
    assert {r.base_lr for r in first} == {0.01}
    slower = dataclasses.replace(logreg, base_lr=0.001)
    again = run_grid([slower], TINY, cache=cache, device="cpu", report=None)
    assert {r.base_lr for r in again} == {0.001}
    assert [r.val_curve for r in again] != [r.val_curve for r in first]  # the rate changed the training
    monkeypatch.setattr(comparison, "train_one", lambda *a, **k: pytest.fail("a cached run was trained again"))
    assert run_grid([slower], TINY, cache=cache, device="cpu", report=None) == again


def test_a_run_recorded_before_rates_were_kept_reads_as_the_shared_recipe(tmp_path):
    record = _fake("tut", 1, 0.012).to_dict()
    del record["base_lr"]
    assert RunResult.from_dict(record).base_lr == 0.01


def test_the_rate_is_chosen_on_validation_without_reading_the_test_split(tmp_path, monkeypatch, mnist_root):
    real = comparison.evaluation_batches

    def no_test(*args, split="test", **kwargs):
        if split == "test":
            pytest.fail("a rate trial read the test split")
        return real(*args, split=split, **kwargs)

    monkeypatch.setattr(comparison, "evaluation_batches", no_test)
    cache = tmp_path / "grid.json"
    lines: list[str] = []
    logreg = cheap_entrants()[0]
    choice = choose_base_lr(logreg, (0.1, 0.0001), TINY, cache=cache, device="cpu", report=lines.append)
    assert [t.base_lr for t in choice.trials] == [0.1, 0.0001] and len(lines) == 2
    assert all(t.seed == comparison.TRIAL_SEED not in TINY.seeds for t in choice.trials)
    best = min(choice.trials, key=lambda t: t.val_error)
    assert choice.chosen == best.base_lr
    assert all(t.val_error == min(e for _, e in t.val_curve) for t in choice.trials)
    chosen = choice.entrant(logreg)
    assert (chosen.key, chosen.label, chosen.base_lr) == (logreg.key, logreg.label, best.base_lr)
    with pytest.raises(ComparisonError, match="not for mlp300"):
        choice.entrant(cheap_entrants()[1])
    # the trials are cached, and a grid written to the same file afterwards keeps them
    monkeypatch.undo()
    run_grid([chosen], TINY, cache=cache, device="cpu", report=None)
    assert len(load_trials(cache, TINY)) == 2
    monkeypatch.setattr(comparison, "_train_keep_best", lambda *a, **k: pytest.fail("a cached trial was run again"))
    assert choose_base_lr(logreg, (0.1, 0.0001), TINY, cache=cache, device="cpu", report=None) == choice
    with pytest.raises(ComparisonError, match="distinct rates"):
        choose_base_lr(logreg, (0.1, 0.1), TINY, cache=cache, report=None)


def _trial(rate: float, val_error: float, diverged: bool = False) -> RateTrial:
    return RateTrial(
        model="m", fingerprint="X:1:1", base_lr=rate, seed=0, device="cpu", val_curve=((10, val_error),),
        val_error=val_error, train_loss=(1.0,), train_seconds=1.0, diverged=diverged,
    )  # fmt: skip


def test_the_choice_is_the_lowest_validation_error_never_a_diverged_run_and_ties_go_first():
    assert RateChoice("m", (_trial(0.01, 0.9), _trial(0.001, 0.05), _trial(0.0001, 0.2))).chosen == 0.001
    assert RateChoice("m", (_trial(0.01, 0.01, diverged=True), _trial(0.001, 0.05))).chosen == 0.001
    assert RateChoice("m", (_trial(0.01, 0.05), _trial(0.001, 0.05))).chosen == 0.01
    with pytest.raises(ComparisonError, match="every rate tried for m diverged"):
        _ = RateChoice("m", (_trial(0.01, 0.9, diverged=True),)).chosen


def test_the_table_shows_each_rows_rate():
    rows = summarize([_fake("caffe", 1, 0.02), dataclasses.replace(_fake("lenet5_rbf", 1, 0.03), base_lr=0.001)])
    table = format_table(rows).splitlines()
    assert "base_lr" in table[0]
    assert " 0.01 " in table[2] and " 0.001 " in table[3]


def test_a_record_missing_a_field_is_refused_with_the_remedy():
    record = _fake("tut", 1, 0.012).to_dict()
    del record["seed"], record["val_error"]
    with pytest.raises(ComparisonError, match=r"a run record lacks seed, val_error; run the grid again"):
        RunResult.from_dict(record)
    trial = _trial(0.01, 0.1).to_dict()
    del trial["base_lr"]
    with pytest.raises(ComparisonError, match=r"a rate trial lacks base_lr; run the trials again"):
        RateTrial.from_dict(trial)
    assert RateTrial.from_dict(_trial(0.01, 0.1).to_dict()) == _trial(0.01, 0.1)
