import argparse
import errno
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from lenet_course import cli, data
from lenet_course.checkpoints import save_weights
from lenet_course.cli import main
from lenet_course.data import MNIST_FILES
from lenet_course.models import CaffeLeNet, LeNet5

REPO = Path(__file__).resolve().parent.parent
#: A run that trains two iterations of the small TutLeNet, writes no snapshot and skips tests.
TINY = [
    "--model",
    "tut",
    "--max-iter",
    "2",
    "--test-interval",
    "0",
    "--snapshot",
    "0",
    "--batch-size",
    "16",
    "--display",
    "0",
    "--cpu",
    "--no-progress",
]


def test_train_writes_weights_and_snapshots(tmp_path, capsys, mnist_root):
    out = tmp_path / "model.pt"
    code = main(
        [
            "train",
            "--model",
            "tut",
            "--max-iter",
            "20",
            "--test-interval",
            "0",
            "--display",
            "10",
            "--snapshot",
            "10",
            "--snapshot-prefix",
            str(tmp_path / "snaps" / "tut"),
            "--out",
            str(out),
            "--batch-size",
            "32",
            "--cpu",
            "--no-progress",
            "--lr-policy",
            "step",
            "--gamma",
            "0.5",
            "--stepsize",
            "10",
            "--data-dir",
            str(mnist_root),
        ]
    )
    captured = capsys.readouterr()
    text = captured.out
    assert code == 0, captured.err
    assert "model tut: TutLeNet, 44,426 parameters" in text
    assert "lr_policy=step" in text and "stepsize=10" in text and "power=" not in text
    assert "Iteration 10 " in text and "lr = 0.005" in text
    assert "trained 20 iterations" in text and "test accuracy:" in text
    assert list(torch.load(out, weights_only=True))[0] == "conv1.weight"
    snapshots = sorted(p.name for p in (tmp_path / "snaps").iterdir() if p.name.endswith(".pt"))
    assert snapshots == ["tut_iter_10.pt", "tut_iter_10.solverstate.pt", "tut_iter_20.pt", "tut_iter_20.solverstate.pt"]

    resumed = tmp_path / "resumed.pt"
    code = main(
        [
            "train",
            "--model",
            "tut",
            "--max-iter",
            "25",
            "--test-interval",
            "0",
            "--snapshot",
            "0",
            "--batch-size",
            "32",
            "--cpu",
            "--no-progress",
            "--out",
            str(resumed),
            "--lr-policy",
            "step",
            "--gamma",
            "0.5",
            "--stepsize",
            "10",
            "--display",
            "10",
            "--snapshot-prefix",
            str(tmp_path / "snaps" / "tut"),
            "--resume",
            str(tmp_path / "snaps" / "tut_iter_20.solverstate.pt"),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "resumed from" in text and "at iteration 20" in text
    assert "with changed fields:" in text and "max_iter 20 -> 25" in text and "snapshot 10 -> 0" in text
    assert (tmp_path / "snaps" / "tut_iter_25.solverstate.pt").is_file()  # snapshot_after_train
    assert "trained 5 iterations" in text and "(now at iteration 25)" in text


def test_train_reads_a_solver_prototxt(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the file names no snapshot_prefix: the final snapshot goes to the cwd
    solver = tmp_path / "solver.prototxt"
    solver.write_text('base_lr: 0.02\nlr_policy: "fixed"\nmax_iter: 4\ntest_interval: 0\nsnapshot: 0\ndisplay: 2\n')
    code = main(
        [
            "train",
            "--solver",
            str(solver),
            "--model",
            "caffe",
            "--cpu",
            "--no-progress",
            "--out",
            str(tmp_path / "c.pt"),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0 and "base_lr=0.02" in text and "lr = 0.02" in text and "trained 4 iterations" in text


def test_outputs_go_to_the_current_folder(tmp_path, monkeypatch, capsys):
    """The default --out and snapshot_prefix are relative to where the command runs, not the checkout."""
    monkeypatch.chdir(tmp_path)
    in_checkout = [
        REPO / "tut2-model.pt",
        REPO / "snapshots" / "lenet_iter_4.pt",
        REPO / "lenet_course" / "tut2-model.pt",
        REPO / "lenet_course" / "snapshots",
    ]
    before = [(p.exists(), p.exists() and p.stat().st_mtime_ns) for p in in_checkout]
    code = main(
        [
            "train",
            "--model",
            "tut",
            "--max-iter",
            "4",
            "--snapshot",
            "4",
            "--test-interval",
            "0",
            "--batch-size",
            "16",
            "--display",
            "0",
            "--cpu",
            "--no-progress",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "tut2-model.pt").is_file()
    assert (tmp_path / "snapshots" / "lenet_iter_4.pt").is_file()
    assert (tmp_path / "snapshots" / "lenet_iter_4.solverstate.pt").is_file()
    assert [(p.exists(), p.exists() and p.stat().st_mtime_ns) for p in in_checkout] == before


def test_warnings_are_one_line_without_source_location(tmp_path, capsys):
    code = main(
        [
            "train",
            *TINY,
            "--lr-policy",
            "fixed",
            "--gamma",
            "0.1",
            "--out",
            str(tmp_path / "m.pt"),
            "--snapshot-prefix",
            str(tmp_path / "s" / "x"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.startswith("lenet-course: warning: ") and "gamma" in err
    assert "warnings.warn" not in err and ".py:" not in err


def test_a_diverged_run_writes_nothing_over_out(tmp_path, capsys):
    out = tmp_path / "model.pt"
    out.write_bytes(b"earlier weights")
    code = main(
        [
            "train",
            *TINY,
            "--max-iter",
            "30",
            "--display",
            "1",
            "--lr-policy",
            "fixed",
            "--base-lr",
            "1e6",
            "--out",
            str(out),
            "--force",
            "--snapshot-prefix",
            str(tmp_path / "snaps" / "x"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert out.read_bytes() == b"earlier weights"  # even with --force
    kept = tmp_path / "model-diverged.pt"
    assert kept.is_file() and list(torch.load(kept, weights_only=True))[0] == "conv1.weight"
    assert "diverged" in captured.err and f"the diverged weights are in {kept}" in captured.err
    assert f"Nothing was written to {out}" in captured.err
    assert "Traceback" not in captured.out + captured.err


def test_diverged_and_free_names_never_reuse_a_file(tmp_path):
    out = tmp_path / "m.pt"
    assert cli.diverged_path(out) == tmp_path / "m-diverged.pt"
    (tmp_path / "m-diverged.pt").write_bytes(b"")
    assert cli.diverged_path(out) == tmp_path / "m-diverged-2.pt"
    out.write_bytes(b"")
    assert cli.next_free_name(out) == tmp_path / "m-2.pt"


def test_resume_command_replaces_resume_and_quotes():
    argv = ["train", "--out", "my model.pt", "--resume", "old.solverstate.pt", "--max-iter", "9"]
    assert cli.resume_command("lenet-course", argv, Path("s/x_iter_5.solverstate.pt")) == (
        "lenet-course train --out 'my model.pt' --max-iter 9 --resume s/x_iter_5.solverstate.pt"
    )
    assert cli.resume_command("p", ["train", "--resume=a"], "b") == "p train --resume b"


class _FakeSolver:
    def __init__(self):
        self.stops, self.snapshots = [], 0

    def request_stop(self, reason="requested"):
        self.stops.append(reason)

    def request_snapshot(self):
        self.snapshots += 1


@pytest.fixture
def terminal_signals():
    """SIGINT and SIGHUP as a terminal hands them to a program, whatever this suite inherited (a
    script's background job starts with SIGINT ignored, nohup with SIGHUP ignored); put back after."""
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGINT, previous[0])
    signal.signal(signal.SIGHUP, previous[1])


def test_signal_handlers_act_like_caffe_and_are_put_back(terminal_signals):
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGHUP)
    solver = _FakeSolver()
    with cli.CaffeSignals(solver) as signals:
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGINT)
        assert (solver.snapshots, solver.stops, signals.interrupted) == (1, ["interrupted"], True)
        with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C aborts at once
            os.kill(os.getpid(), signal.SIGINT)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGHUP)) == previous


def test_an_ignored_signal_stays_ignored(terminal_signals):
    """nohup ignores SIGHUP, a script's background job SIGINT: the run must not start reacting to them."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        solver = _FakeSolver()
        with cli.CaffeSignals(solver):
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
            assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # SIGINT is still handled
        assert solver.snapshots == 0
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


def _iteration_of(snapshot: Path) -> int:
    """5 for ``tut_iter_5.solverstate.pt``."""
    return int(snapshot.name.split("_iter_")[1].split(".")[0])


def _default_signals() -> None:
    """In the child: SIGINT/SIGHUP as in a terminal, even if this suite runs as a script's background job
    (which would hand the child an inherited SIG_IGN that the CLI rightly keeps)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _wait_for(proc, phrase: str, seen: list[str]) -> None:
    for line in proc.stdout:
        seen.append(line)
        if phrase in line:
            return
    proc.wait(timeout=60)
    raise AssertionError(f"the run ended before printing {phrase!r}:\n{''.join(seen)}{proc.stderr.read()}")


def test_ctrl_c_snapshots_and_prints_the_resume_command(tmp_path, capsys):
    """A real process: SIGHUP snapshots and continues; SIGINT snapshots, says how to resume, exits 130."""
    out, prefix = tmp_path / "model.pt", tmp_path / "snaps" / "tut"
    argv = [
        "train",
        "--model",
        "tut",
        "--max-iter",
        "2000",
        "--batch-size",
        "8",
        "--display",
        "10",
        "--test-interval",
        "0",
        "--snapshot",
        "0",
        "--cpu",
        "--no-progress",
        "--out",
        str(out),
        "--snapshot-prefix",
        str(prefix),
    ]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lenet_course", *argv],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    seen: list[str] = []
    try:
        _wait_for(proc, "Iteration 10 ", seen)
        proc.send_signal(signal.SIGHUP)
        _wait_for(proc, "Snapshotting to", seen)
        _wait_for(proc, ", loss =", seen)  # training carried on after the SIGHUP snapshot
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    text = "".join(seen) + rest + err
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    assert not out.exists()
    states = sorted(prefix.parent.glob("tut_iter_*.solverstate.pt"), key=_iteration_of)
    assert len(states) == 2, text  # one from SIGHUP, one from SIGINT
    last = states[-1]
    assert "snapshot written to" in err and str(last) in err
    command = f"python -m lenet_course {' '.join(argv)} --resume {last}"
    assert command in err

    iteration = _iteration_of(last)
    resumed_argv = [*argv, "--max-iter", str(iteration + 3), "--resume", str(last)]
    assert main(resumed_argv) == 0
    resumed = capsys.readouterr().out
    assert f"at iteration {iteration}" in resumed and "trained 3 iterations" in resumed
    assert out.is_file()


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


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "lenet_course", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "train" in result.stdout and "evaluate" in result.stdout and "info" in result.stdout


# ---- every bad input: one paragraph naming the problem and the fix, exit 2, nothing lost -----------
@pytest.fixture(scope="module")
def sgd_snapshot(tmp_path_factory) -> Path:
    """A solver-state snapshot of a 2-iteration SGD run (and its weights file beside it)."""
    folder = tmp_path_factory.mktemp("sgd")
    assert (
        main(
            [
                "train",
                *TINY,
                "--snapshot",
                "2",
                "--snapshot-prefix",
                str(folder / "sgd"),
                "--out",
                str(folder / "final.pt"),
            ]
        )
        == 0
    )
    return folder / "sgd_iter_2.solverstate.pt"


def _write(name: str, content: bytes) -> Callable:
    def setup(tmp: Path, monkeypatch) -> None:
        (tmp / name).write_bytes(content)

    return setup


def _unreadable_mnist(tmp: Path, monkeypatch) -> None:
    """A copy of MNIST whose training labels cannot be read (chmod 000; as root, open() refuses it)."""
    source = data.data_root() / "MNIST" / "raw"
    raw = tmp / "mnist" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        (raw / name).symlink_to(source / name)
    labels = raw / "train-labels-idx1-ubyte"
    labels.unlink()
    labels.write_bytes((source / labels.name).read_bytes())
    labels.chmod(0)
    if os.geteuid() == 0:  # root reads any file: make open() refuse it as the kernel would
        real_open = open

        def refusing_open(file, *args, **kwargs):
            if os.fspath(file) == str(labels):
                raise PermissionError(13, "Permission denied", os.fspath(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(data, "open", refusing_open, raising=False)


def _read_only_snapshot_folder(tmp: Path, monkeypatch) -> None:
    """A folder of earlier snapshots that cannot be written (chmod 555; as root, the probe is refused)."""
    folder = tmp / "snaps"
    folder.mkdir()
    (folder / "old_iter_5.pt").write_bytes(b"earlier snapshot")
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: refuse temp files in this folder as a read-only mount would
        real_mkstemp = tempfile.mkstemp

        def refusing_mkstemp(*args, dir=None, **kwargs):
            if dir is not None and Path(dir) == folder:
                raise PermissionError(13, "Permission denied", str(dir))
            return real_mkstemp(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refusing_mkstemp)


def _disk_full_at_the_snapshot(tmp: Path, monkeypatch) -> None:
    """Earlier snapshots in the folder; every torch.save fails as on a full disk."""
    (tmp / "run").mkdir()
    (tmp / "run" / "x_iter_1.pt").write_bytes(b"earlier snapshot")

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", full_disk)


def _caffe_weights(tmp: Path, monkeypatch) -> None:
    save_weights(CaffeLeNet(), tmp / "caffe.pt")


def _pickle_needing_code(tmp: Path, monkeypatch) -> None:
    torch.save(argparse.Namespace(weights=torch.zeros(1)), tmp / "code.pt")


@dataclass(frozen=True)
class BadInput:
    name: str
    argv: list[str]  # "{tmp}" and "{state}" are filled in
    phrase: str  # must appear in stderr
    setup: Callable | None = None
    absent: str | None = None  # must not appear in stderr
    code: int = 2
    stdout: str = ""  # must appear in stdout


BAD_INPUTS = [
    BadInput(
        "solver is a binary file",
        ["train", "--solver", "{tmp}/bin.prototxt"],
        "bin.prototxt",
        _write("bin.prototxt", bytes(range(256)) * 16),
    ),
    BadInput(
        "solver is latin-1",
        ["train", "--solver", "{tmp}/latin.prototxt"],
        "latin.prototxt",
        _write("latin.prototxt", "base_lr: 0.01\n# r\u00e9glage\nmomentum: 0.9\n".encode("latin-1")),
    ),
    BadInput(
        "solver is NUL-filled",
        ["train", "--solver", "{tmp}/nul.prototxt"],
        "nul.prototxt",
        _write("nul.prototxt", b"\0" * 1_000_000),
    ),
    BadInput(
        "solver is empty",
        ["train", "--solver", "{tmp}/empty.prototxt"],
        "empty.prototxt",
        _write("empty.prototxt", b""),
    ),
    BadInput("solver is a folder", ["train", "--solver", "{tmp}"], "folder"),
    BadInput("solver is missing", ["train", "--solver", "{tmp}/missing.prototxt"], "missing.prototxt"),
    BadInput(
        "solver with a bad value",
        ["train", "--solver", "{tmp}/bad.prototxt"],
        "momentum",
        _write("bad.prototxt", b"base_lr: 0.01\nmomentum: lots\n"),
    ),
    BadInput(
        "batch larger than the split",
        ["train", *TINY, "--batch-size", "100000"],
        "batch size 100000 exceeds the 60000 samples of the MNIST train split",
    ),
    BadInput("batch size 0", ["train", *TINY, "--batch-size", "0"], "train_batch_size"),
    BadInput(
        "sigmoid policy overflowing exp()",
        ["train", *TINY, "--lr-policy", "sigmoid", "--gamma", "0.2", "--stepsize", "5000"],
        "",
        code=0,
        stdout="trained 2 iterations",
    ),
    BadInput("seed beyond int64", ["train", *TINY, "--seed", "99999999999999999999"], "random_seed"),
    BadInput("resume with another solver type", ["train", *TINY, "--type", "Adam", "--resume", "{state}"], "Adam"),
    BadInput("resume from a weights file", ["train", *TINY, "--resume", "{weights}"], "not a solver-state snapshot"),
    BadInput(
        "resume from a missing file", ["train", *TINY, "--resume", "{tmp}/gone.solverstate.pt"], "gone.solverstate.pt"
    ),
    BadInput(
        "unreadable MNIST file",
        ["train", *TINY, "--data-dir", "{tmp}/mnist"],
        "train-labels-idx1-ubyte: permission denied",
        _unreadable_mnist,
    ),
    BadInput("--out is a folder", ["train", *TINY, "--out", "{tmp}"], "is a folder, not a file"),
    BadInput("--out is empty", ["train", *TINY, "--out", ""], "empty path"),
    BadInput(
        "--out exists", ["train", *TINY, "--out", "{tmp}/exists.pt"], "already exists", _write("exists.pt", b"keep me")
    ),
    BadInput(
        "snapshot prefix under a file",
        ["train", *TINY, "--snapshot-prefix", "{tmp}/somefile/x"],
        "is a file, not a folder",
        _write("somefile", b"not a folder"),
    ),
    BadInput(
        "read-only snapshot folder",
        ["train", *TINY, "--snapshot-prefix", "{tmp}/snaps/x"],
        "cannot write in",
        _read_only_snapshot_folder,
    ),
    BadInput("disk full when snapshotting", ["train", *TINY], "the disk is full", _disk_full_at_the_snapshot),
    BadInput("weight_decay inf", ["train", *TINY, "--weight-decay", "inf"], "weight_decay", absent="base_lr"),
    BadInput("momentum nan", ["train", *TINY, "--momentum", "nan"], "momentum"),
    BadInput("max_iter -5", ["train", *TINY, "--max-iter", "-5"], "max_iter"),
    BadInput("unknown model", ["train", "--model", "alexnet"], "invalid choice: 'alexnet'"),
    BadInput("info of a missing file", ["info", "{tmp}/none.pt"], "no checkpoint file at"),
    BadInput(
        "evaluate with an --arch that does not fit",
        ["evaluate", "{tmp}/caffe.pt", "--arch", "tut"],
        "looks like the 'caffe' LeNet",
        _caffe_weights,
    ),
    BadInput("evaluate a missing file", ["evaluate", "{tmp}/none.pt"], "no checkpoint file at"),
    BadInput("an unknown --device", ["evaluate", "{tmp}/none.pt", "--device", "tpu9"], "unknown device 'tpu9'"),
    BadInput(
        "evaluate a non-torch file",
        ["evaluate", "{tmp}/text.pt"],
        "not a torch checkpoint",
        _write("text.pt", b"just some text\n" * 100),
    ),
    BadInput(
        "evaluate a pickle that needs code", ["evaluate", "{tmp}/code.pt"], "nothing was executed", _pickle_needing_code
    ),
]


BAD_INPUTS += [
    BadInput("reproduce with no passes", ["reproduce", "lenet5-1998", "--passes", "0"], "--passes must be at least 1"),
    BadInput("reproduce an unknown network", ["reproduce", "lenet7"], "invalid choice: 'lenet7'"),
    BadInput(
        "reproduce the 1989 run with several seeds", ["reproduce", "zipcode-1989", "--seeds", "3"], "reproduces one run"
    ),
    BadInput(
        "reproduce over an existing file",
        ["reproduce", "lenet5-1998", "--out", "{tmp}/exists.json"],
        "already exists",
        _write("exists.json", b"{}"),
    ),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.name for case in BAD_INPUTS])
def test_bad_input_ends_in_one_short_message(case, tmp_path, monkeypatch, capsys, sgd_snapshot):
    monkeypatch.chdir(tmp_path)  # anything written by mistake lands here, and is checked below
    if case.setup:
        case.setup(tmp_path, monkeypatch)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and os.access(p, os.R_OK)}
    weights = sgd_snapshot.with_name("sgd_iter_2.pt")
    argv = [a.format(tmp=tmp_path, state=sgd_snapshot, weights=weights) for a in case.argv]
    if "--out" not in argv and argv[0] == "train":
        argv += ["--out", str(tmp_path / "out.pt")]
    if "--snapshot-prefix" not in argv and argv[0] == "train":
        argv += ["--snapshot-prefix", str(tmp_path / "run" / "x")]
    try:
        code = main(argv)
    finally:
        for path in tmp_path.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)  # let pytest clean up
    captured = capsys.readouterr()
    print(f"{case.name}: {captured.err.strip()[:700]}", file=sys.__stderr__)  # the table for the closing note
    assert code == case.code, captured.err
    assert "Traceback" not in captured.out + captured.err
    assert case.phrase in captured.err
    assert case.stdout in captured.out
    if case.absent:
        assert case.absent not in captured.err
    if code == 2:
        assert captured.err.startswith("lenet-course: error: ") and len(captured.err) < 600
        assert "\n\n" not in captured.err.strip()  # one short paragraph (never file content)
        assert not (tmp_path / "out.pt").exists()  # nothing written ...
        for path, content in before.items():  # ... and nothing lost
            assert path.read_bytes() == content, path


def test_device_is_checked_against_this_machine(monkeypatch):
    import argparse

    import torch

    from lenet_course.cli import UsageError, requested_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert requested_device(argparse.Namespace(device=None, cpu=False)) is None  # the library picks
    assert requested_device(argparse.Namespace(device=None, cpu=True)) == torch.device("cpu")
    assert requested_device(argparse.Namespace(device="cpu", cpu=False)) == torch.device("cpu")
    with pytest.raises(UsageError, match="no CUDA device"):
        requested_device(argparse.Namespace(device="cuda", cpu=False))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert requested_device(argparse.Namespace(device="cuda:0", cpu=False)) == torch.device("cuda", 0)
    with pytest.raises(UsageError, match="only 1 CUDA devices"):
        requested_device(argparse.Namespace(device="cuda:3", cpu=False))
