import subprocess
import sys

import pytest
import torch

from lenet_course.checkpoints import save_weights
from lenet_course.cli import main
from lenet_course.models import CaffeLeNet, LeNet5


def test_train_writes_weights_and_snapshots(tmp_path, capsys, mnist_root):
    out = tmp_path / "model.pt"
    code = main([
        "train", "--model", "tut", "--max-iter", "20", "--test-interval", "0", "--display", "10",
        "--snapshot", "10", "--snapshot-prefix", str(tmp_path / "snaps" / "tut"), "--out", str(out),
        "--batch-size", "32", "--cpu", "--no-progress", "--lr-policy", "step", "--gamma", "0.5",
        "--stepsize", "10", "--data-dir", str(mnist_root),
    ])
    text = capsys.readouterr().out
    assert code == 0
    assert "model tut: TutLeNet, 44,426 parameters" in text
    assert "lr_policy=step" in text and "stepsize=10" in text and "power=" not in text
    assert "Iteration 10 " in text and "lr = 0.005" in text
    assert "test accuracy:" in text
    assert list(torch.load(out, weights_only=True))[0] == "conv1.weight"
    assert sorted(p.name for p in (tmp_path / "snaps").iterdir()) == [
        "tut_iter_10.pt", "tut_iter_10.solverstate.pt", "tut_iter_20.pt", "tut_iter_20.solverstate.pt"]

    resumed = tmp_path / "resumed.pt"
    code = main(["train", "--model", "tut", "--max-iter", "25", "--test-interval", "0", "--snapshot", "0",
                 "--batch-size", "32", "--cpu", "--no-progress", "--out", str(resumed),
                 "--resume", str(tmp_path / "snaps" / "tut_iter_20.solverstate.pt")])
    assert code == 0
    assert "resumed from" in capsys.readouterr().out


def test_train_reads_a_solver_prototxt(tmp_path, capsys):
    solver = tmp_path / "solver.prototxt"
    solver.write_text('base_lr: 0.02\nlr_policy: "fixed"\nmax_iter: 4\ntest_interval: 0\nsnapshot: 0\ndisplay: 2\n')
    code = main(["train", "--solver", str(solver), "--model", "caffe", "--cpu", "--no-progress",
                 "--out", str(tmp_path / "c.pt")])
    text = capsys.readouterr().out
    assert code == 0 and "base_lr=0.02" in text and "lr = 0.02" in text and "trained 4 iterations" in text


def test_evaluate_and_info(tmp_path, capsys):
    torch.manual_seed(0)
    path = save_weights(LeNet5(), tmp_path / "lenet5.pt")
    assert main(["info", str(path)]) == 0
    text = capsys.readouterr().out
    assert "architecture 'lenet5' (LeNet5), 60,850 parameters" in text and "PartialConv2d" in text
    assert main(["evaluate", str(path), "--cpu"]) == 0
    text = capsys.readouterr().out
    assert "test accuracy:" in text and "(10000 images)" not in text
    assert text.count("\n  ") == 10  # one per-class line per digit
    assert "/ 10000)" in text


def test_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["info", str(tmp_path / "missing.pt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lenet-course: error: no checkpoint file at") and "Traceback" not in err
    bad = tmp_path / "bad.prototxt"
    bad.write_text("base_lr: 0.01\nmomentum: lots\n")
    assert main(["train", "--solver", str(bad)]) == 2
    assert "line 2: bad value for momentum" in capsys.readouterr().err
    assert main(["evaluate", str(save_weights(CaffeLeNet(), tmp_path / "c.pt")), "--arch", "tut"]) == 2
    assert "does not fit TutLeNet" in capsys.readouterr().err


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "lenet_course", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "train" in result.stdout and "evaluate" in result.stdout and "info" in result.stdout
