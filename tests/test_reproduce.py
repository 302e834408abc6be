"""The 1998 reproduction (lenet_course.reproduce) and ``lenet-course reproduce``: records, files, figures."""

import json
import math

import pytest

from lenet_course.cli import main
from lenet_course.reproduce import (
    ReproductionError,
    binomial_standard_error,
    combine_results,
    load_results,
    reproduce_lenet5_1998,
    save_results,
    summarize,
    train_lenet5_1998,
)

TINY = {"train_limit": 256, "test_limit": 100, "batch_size": 32, "hessian_samples": 32, "warmup_samples": 64}


def test_a_short_run_records_every_pass(tmp_path):
    seen = []
    run = train_lenet5_1998(2, seed=0, on_pass=seen.append, **TINY)
    assert [r.pass_number for r in run.records] == [1, 2] and seen == run.records
    first = run.records[0]
    assert first.rate == 0.0005 and run.train_images == 256 and run.test_images == 100
    assert 0 <= first.test_error <= 1 and first.test_mistakes == round(first.test_error * 100)
    assert 0 < first.rate_min <= first.rate_max <= 0.0005 / 0.02 + 1e-9  # eta / (mu + h) never exceeds eta / mu
    assert first.seconds > 0 and first.curvature_seconds > 0
    path = save_results(reproduce_lenet5_1998([5], 1, command="test", **TINY), tmp_path / "r.json")
    again = load_results(path)
    assert again.runs[0].seed == 5 and again.command == "test" and again.runs[0].network is None
    assert json.loads(path.read_text())["runs"][0]["records"][0]["pass_number"] == 1


def test_the_same_seed_gives_the_same_run():
    a, b = (train_lenet5_1998(1, seed=2, **TINY) for _ in range(2))
    assert a.final.test_error == b.final.test_error and a.final.train_loss == pytest.approx(b.final.train_loss)


def test_summary_figures(tmp_path):
    rep = combine_results(*[reproduce_lenet5_1998([s], 1, **TINY) for s in (0, 1)])
    summary = summarize(rep)
    errors = [r.final.test_error for r in rep.runs]
    assert [r.seed for r in rep.runs] == [0, 1]
    assert summary.final_test_errors == errors
    assert summary.mean == pytest.approx(sum(errors) / 2)
    assert summary.sd == pytest.approx(abs(errors[0] - errors[1]) / math.sqrt(2))
    assert binomial_standard_error(0.0095) == pytest.approx(0.000970, abs=1e-6)
    with pytest.raises(ReproductionError, match="repeat a seed"):
        combine_results(rep, rep)
    with pytest.raises(ReproductionError, match="no saved results"):
        load_results(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ReproductionError, match="not a saved"):
        load_results(tmp_path / "bad.json")


def test_the_command_writes_the_results(tmp_path, capsys):
    out = tmp_path / "lenet.json"
    argv = ["reproduce", "lenet5-1998", "--passes", "1", "--seeds", "1", "--train-limit", "256"]
    assert main([*argv, "--out", str(out), "--cpu"]) == 0
    printed = capsys.readouterr().out
    assert "seed 0 pass  1" in printed and "final test error over 1 seed(s)" in printed
    assert load_results(out).runs[0].records[0].pass_number == 1
    assert main([*argv, "--out", str(out)]) == 2  # never over an existing file without --force
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, phrase",
    [
        (["lenet5-1998", "--passes", "0"], "--passes must be at least 1"),
        (["lenet5-1998", "--seeds", "0"], "--seeds must be at least 1"),
        (["lenet5-1998", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["lenet5-1998", "--first-seed", "-1"], "--first-seed must be 0 or more"),
        (["zipcode-1989", "--seeds", "2"], "reproduces one run"),
        (["alexnet-2012"], "invalid choice"),
    ],
)
def test_bad_input_is_one_message(argv, phrase, tmp_path, capsys):
    assert main(["reproduce", *argv, "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lenet-course: error: ") and phrase in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()
