import copy
import errno
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from lenet_course.checkpoints import (
    CheckpointError,
    CheckpointWarning,
    RunLockedError,
    SnapshotError,
    safe_load,
    sha256_of,
)
from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches
from lenet_course.models import CaffeLeNet, TutLeNet
from lenet_course.optim import optimizer_type_name
from lenet_course.schedules import lr_at
from lenet_course.solver import (
    CaffeLog,
    DisplayEvent,
    History,
    NoteEvent,
    SnapshotEvent,
    Solver,
    StepEvent,
    StopEvent,
    seed_everything,
)


def make_solver(small_train, small_test, tmp_path, model=None, log=None, solver_kwargs=None, **changes):
    solver_kwargs = solver_kwargs or {}
    cfg = SolverConfig(
        max_iter=30,
        test_iter=2,
        test_interval=10,
        display=5,
        snapshot=0,
        snapshot_after_train=False,
        train_batch_size=32,
        test_batch_size=100,
        snapshot_prefix=str(tmp_path / "snap" / "lenet"),
        random_seed=7,
    ).replace(**changes)
    model = model or TutLeNet()
    scale = model.input_scale
    train = TensorBatches(
        scale=scale, batch_size=cfg.train_batch_size, seed=cfg.random_seed, device="cpu", data=small_train
    )
    test = TensorBatches(
        "test", scale=scale, batch_size=cfg.test_batch_size, shuffle=False, device="cpu", data=small_test
    )
    return Solver(model, cfg, train, test, device="cpu", log=log, progress=False, **solver_kwargs)


def test_counts_iterations_like_caffe(small_train, small_test, tmp_path):
    lines = []
    seed_everything(0)
    solver = make_solver(small_train, small_test, tmp_path, log=lines.append, snapshot=20, snapshot_after_train=True)
    steps, tests = [], []
    solver.on_step.append(lambda s: steps.append((s.iteration, s.lr, s.loss)))
    solver.on_test.append(lambda t: tests.append(t.iteration))
    history = solver.solve()
    assert solver.iter == 30
    np.testing.assert_array_equal(history.iteration, np.arange(30))
    np.testing.assert_allclose(history.lr, [lr_at(i, solver.cfg) for i in range(30)])
    assert [s[0] for s in steps] == list(range(30))
    np.testing.assert_allclose(history.loss, [s[2] for s in steps])
    # test before iterations 0, 10, 20 and once more at the end (30 % 10 == 0)
    assert tests == [0, 10, 20, 30] and history.test_iteration.tolist() == [0, 10, 20, 30]
    assert history.test_accuracy.shape == history.test_loss.shape == (4,)
    assert np.all((history.test_accuracy >= 0) & (history.test_accuracy <= 1))
    display = [line for line in lines if line.startswith("Iteration") and "loss =" in line and "Testing" not in line]
    assert [int(line.split()[1].rstrip(",")) for line in display] == [0, 5, 10, 15, 20, 25]
    assert "iter/s" not in display[0] and all("iter/s)" in line for line in display[1:])
    assert "lr = 0.00992565" not in "".join(display)  # lr shown is this run's, at iteration 25:
    assert f"lr = {lr_at(25, solver.cfg):.6g}" in display[-1]
    # snapshots at 20 (a multiple of snapshot) and at the end (30), as Caffe's snapshot_after_train
    names = sorted(p.name for p in (tmp_path / "snap").iterdir())  # the run's lock file is gone too
    assert names == [
        "lenet_iter_20.pt",
        "lenet_iter_20.solverstate.pt",
        "lenet_iter_30.pt",
        "lenet_iter_30.solverstate.pt",
    ]
    assert lines[-1] == "Optimization Done."


def test_training_lowers_the_loss(small_train, small_test, tmp_path):
    seed_everything(0)
    solver = make_solver(small_train, small_test, tmp_path, model=CaffeLeNet(), max_iter=60, test_interval=60)
    history = solver.solve()
    assert history.loss[-10:].mean() < 0.6 * history.loss[:5].mean()
    assert history.test_accuracy[-1] > 0.6


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_resume_from_snapshot_is_bit_identical(kind, small_train, small_test, tmp_path):
    seed_everything(1)
    model = TutLeNet()
    initial = _weights(model)
    straight = make_solver(small_train, small_test, tmp_path / "a", model=model, type=kind, max_iter=24)
    full = straight.solve()

    seed_everything(1)
    first = TutLeNet()
    assert all(torch.equal(initial[k], v) for k, v in first.state_dict().items())
    half = make_solver(small_train, small_test, tmp_path / "b", model=first, type=kind, max_iter=24)
    half.step(12)
    _, state_path = half.snapshot()
    torch.manual_seed(12345)  # disturb the global RNG: resume must restore it

    resumed = make_solver(small_train, small_test, tmp_path / "b", model=TutLeNet(), type=kind, max_iter=24)
    resumed.restore(state_path)
    assert resumed.iter == 12
    history = resumed.solve()
    for key, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key
    np.testing.assert_array_equal(history.loss, full.loss)
    np.testing.assert_array_equal(history.test_accuracy, full.test_accuracy)


def test_snapshot_files_are_safe_and_tut2_compatible(small_train, small_test, tmp_path):
    solver = make_solver(
        small_train, small_test, tmp_path, max_iter=3, test_interval=0, snapshot=2, snapshot_after_train=True
    )
    solver.solve()
    assert sorted(p.name for p in (tmp_path / "snap").iterdir())[0] == "lenet_iter_2.pt"
    weights, state = solver.snapshot_paths(3)
    assert list(torch.load(weights, weights_only=True)) == list(TutLeNet().state_dict())
    saved = safe_load(state)
    assert saved["iteration"] == 3 and saved["weights"] == weights.name
    assert saved["config"]["max_iter"] == 3
    histories = saved["optimizer"]["state"].values()
    assert histories and all("momentum_buffer" in s for s in histories)
    assert not [p for p in weights.parent.iterdir() if p.name.endswith(".tmp")]


def test_stop_request_leaves_a_usable_model(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=100, test_interval=0)
    solver.on_step.append(lambda s: solver.request_stop() if s.iteration == 7 else None)
    history = solver.solve()
    assert solver.iter == 8 and len(history.loss) == 8
    assert history.stop_reason == "stopped at iteration 8"
    assert solver.model(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    more = solver.step(4)  # can carry on afterwards
    assert solver.iter == 12 and len(more.loss) == 12 and more.stop_reason == ""


def test_divergence_stops_with_a_reason(small_train, small_test, tmp_path):
    seed_everything(0)
    solver = make_solver(small_train, small_test, tmp_path, base_lr=50.0, max_iter=200, test_interval=0, display=5)
    history = solver.solve()
    assert solver.iter < 200
    assert history.stop_reason.startswith("diverged: the loss became")
    assert "lower base_lr" in history.stop_reason
    bad = history.loss[~np.isfinite(history.loss) | (history.loss > 1e4)]
    assert bad.size >= 1


def test_config_changes_take_effect_at_the_next_iteration(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=10, test_interval=0, lr_policy="fixed", power=None)
    seen = []

    def change(step):
        seen.append(step.lr)
        if step.iteration == 4:
            solver.update_config(base_lr=0.001, momentum=0.5)

    solver.on_step.append(change)
    solver.solve()
    assert seen[:5] == [0.01] * 5 and seen[5:] == [0.001] * 5
    assert solver.optimizer.param_groups[0]["momentum"] == 0.5


def test_history_tensor_round_trip():
    h = History(
        np.arange(3), np.array([1.0, 0.5, 0.25]), np.full(3, 0.01), np.array([0]), np.array([2.3]), np.array([0.1])
    )
    back = History.from_tensors(h.to_tensors())
    for key, value in h.arrays().items():
        np.testing.assert_array_equal(getattr(back, key), value)


def test_resume_with_augmentation_is_bit_identical(mnist_root, small_test, tmp_path):
    """The DataLoader path: random transforms draw from the global RNG the snapshot restores."""
    from lenet_course.data import LoaderBatches

    def solver(folder, model):
        cfg = SolverConfig(
            max_iter=12,
            test_interval=0,
            display=0,
            snapshot=0,
            snapshot_after_train=False,
            train_batch_size=16,
            snapshot_prefix=str(folder / "aug"),
            random_seed=3,
        )
        train = LoaderBatches(
            scale="meanstd", batch_size=16, seed=3, augment=True, device="cpu", root=mnist_root, limit=256
        )
        test = TensorBatches("test", scale="meanstd", shuffle=False, device="cpu", data=small_test)
        return Solver(model, cfg, train, test, device="cpu", log=None, progress=False)

    seed_everything(5)
    straight = solver(tmp_path / "a", TutLeNet())
    full = straight.solve()

    seed_everything(5)
    first = solver(tmp_path / "b", TutLeNet())
    first.step(6)
    _, state_path = first.snapshot()
    torch.manual_seed(999)
    resumed = solver(tmp_path / "b", TutLeNet())
    resumed.restore(state_path)
    np.testing.assert_array_equal(resumed.solve().loss, full.loss)
    for key, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key


def test_restore_names_the_file_it_needs(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=2, test_interval=0, snapshot=2)
    solver.solve()
    weights, _ = solver.snapshot_paths(2)
    with pytest.raises(CheckpointError, match="not a solver-state snapshot.*solverstate.pt"):
        make_solver(small_train, small_test, tmp_path).restore(weights)


def test_test_iter_zero_turns_testing_off(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=12, test_iter=0, test_interval=5)
    history = solver.solve()
    assert solver.iter == 12 and history.test_iteration.size == 0


# ---- Caffe's SolverParameter fields honoured by the loop ----------------------------------------
def _events(solver, kind=None):
    seen = []
    solver.callbacks.append(lambda e: seen.append(e) if kind is None or isinstance(e, kind) else None)
    return seen


def test_iter_size_two_batches_of_32_update_as_one_batch_of_64(small_train, small_test, tmp_path):
    """Caffe's iter_size: the summed gradients of two passes, divided by 2, are one big batch's."""
    torch.manual_seed(3)
    start = TutLeNet()
    runs = {}
    for batch, iter_size in ((64, 1), (32, 2)):
        model = TutLeNet()
        model.load_state_dict(start.state_dict())
        solver = make_solver(
            small_train,
            small_test,
            tmp_path / str(batch),
            model=model,
            train_batch_size=batch,
            iter_size=iter_size,
            test_interval=0,
            display=0,
            max_iter=3,
        )
        runs[batch] = (solver, solver.solve())
    (big, big_history), (small, small_history) = runs[64], runs[32]
    assert small.train_data.position == 2 * 3 * 32 == big.train_data.position  # 2 batches per iteration
    np.testing.assert_allclose(small_history.loss, big_history.loss, rtol=1e-5)
    for key, value in big.model.state_dict().items():
        torch.testing.assert_close(small.model.state_dict()[key], value, rtol=1e-5, atol=1e-6)
    moved = sum(float((big.model.state_dict()[k] - v).abs().max()) for k, v in start.state_dict().items())
    assert moved > 1e-3  # the comparison is between real updates


def test_display_shows_the_mean_of_the_last_average_loss_losses(small_train, small_test, tmp_path):
    lines = []
    solver = make_solver(
        small_train, small_test, tmp_path, log=lines.append, average_loss=4, display=5, test_interval=0, max_iter=16
    )
    shown = _events(solver, DisplayEvent)
    history = solver.solve()
    assert [e.iteration for e in shown] == [0, 5, 10, 15]
    for event in shown:  # UpdateSmoothedLoss: the window is min(average_loss, iterations so far)
        window = history.loss[max(0, event.iteration - 3) : event.iteration + 1]
        assert event.loss == pytest.approx(window.mean(), rel=1e-12)
    assert shown[0].loss == history.loss[0] and shown[0].iters_per_second is None
    assert shown[1].loss != pytest.approx(history.loss[5])  # smoothed, not the last loss
    display = [line for line in lines if "loss =" in line and "Testing" not in line]
    assert display[2].startswith("Iteration 10 (") and f"loss = {shown[2].loss:.4f}," in display[2]


def test_test_compute_loss_prints_caffes_test_loss_line(small_train, small_test, tmp_path):
    for flag in (False, True):
        lines = []
        make_solver(
            small_train, small_test, tmp_path, log=lines.append, max_iter=2, test_interval=2, test_compute_loss=flag
        ).solve()
        tests = [line for line in lines if "Testing net" in line]
        losses = [line for line in lines if line.startswith("Test loss: ")]
        assert len(tests) == 2 and len(losses) == (2 if flag else 0)
        if flag:
            assert lines[lines.index(tests[0]) + 1] == losses[0]


@pytest.mark.parametrize(
    "snapshot,after,expected",
    [
        (0, True, [7]),
        (0, False, []),
        (3, True, [3, 6, 7]),
        (3, False, [3, 6]),
        (7, True, [7]),
    ],
)
def test_snapshot_after_train_as_in_caffes_solve(snapshot, after, expected, small_train, small_test, tmp_path):
    solver = make_solver(
        small_train,
        small_test,
        tmp_path,
        max_iter=7,
        test_interval=0,
        display=0,
        snapshot=snapshot,
        snapshot_after_train=after,
    )
    written = _events(solver, SnapshotEvent)
    solver.solve()
    assert [e.iteration for e in written] == expected
    folder = tmp_path / "snap"
    if not expected:
        assert not folder.exists()  # a run that cannot snapshot writes nothing at all, not even a lock
    else:
        states = sorted(int(p.name.split("_iter_")[1].split(".")[0]) for p in folder.glob("*.solverstate.pt"))
        assert states == expected


# ---- typed events ---------------------------------------------------------------------------------
def test_one_callback_list_gets_typed_events_in_caffes_order(small_train, small_test, tmp_path):
    seen = []
    solver = make_solver(
        small_train,
        small_test,
        tmp_path,
        max_iter=4,
        test_interval=2,
        display=2,
        snapshot=2,
        snapshot_after_train=True,
        solver_kwargs={"callbacks": [seen.append]},
    )
    solver.solve()
    kinds = [(type(e).__name__, e.iteration) for e in seen]
    assert kinds == [
        ("TestEvent", 0),
        ("StepEvent", 0),
        ("DisplayEvent", 0),
        ("StepEvent", 1),
        ("SnapshotEvent", 2),
        ("TestEvent", 2),
        ("StepEvent", 2),
        ("DisplayEvent", 2),
        ("StepEvent", 3),
        ("SnapshotEvent", 4),
        ("TestEvent", 4),
        ("StopEvent", 4),
    ]
    stop = seen[-1]
    assert stop.reason == "finished" and stop.state_path == solver.snapshot_paths(4)[1]
    snap = seen[4]
    assert snap.weights_path.is_file() and snap.state_path.is_file()
    assert all(isinstance(e.loss_tensor, torch.Tensor) for e in seen if isinstance(e, StepEvent))
    # CaffeLog is one subscriber: log=print is the same as callbacks=[CaffeLog(print)]
    assert CaffeLog.lines(seen[0]) == [
        f"Iteration 0, Testing net: accuracy = {seen[0].accuracy:.4f}, loss = {seen[0].loss:.4f}"
    ]
    assert CaffeLog.lines(snap) == [f"Snapshotting to {snap.weights_path} and {snap.state_path}"]
    assert CaffeLog.lines(stop) == ["Optimization Done."]


# ---- snapshots that never mix ---------------------------------------------------------------------
def test_a_mixed_snapshot_pair_is_refused_naming_both_files(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=4, test_interval=0, snapshot=2)
    solver.solve()
    w2, _ = solver.snapshot_paths(2)
    w4, s4 = solver.snapshot_paths(4)
    assert safe_load(s4)["weights_sha256"] == sha256_of(w4)
    w4.write_bytes(w2.read_bytes())  # e.g. another run on the same prefix wrote its iteration-4 weights
    fresh = make_solver(small_train, small_test, tmp_path)
    before = _weights(fresh.model)
    with pytest.raises(CheckpointError, match="is not the weights file") as err:
        fresh.restore(s4)
    assert str(w4) in str(err.value) and str(s4) in str(err.value) and "mixed" in str(err.value)
    assert fresh.iter == 0 and all(torch.equal(before[k], v) for k, v in fresh.model.state_dict().items())


def test_a_second_run_on_the_same_prefix_refuses_to_start(small_train, small_test, tmp_path):
    first = make_solver(small_train, small_test, tmp_path, max_iter=4, test_interval=0, snapshot=2)
    errors = []

    def start_another(step):
        if step.iteration == 1:
            second = make_solver(small_train, small_test, tmp_path, max_iter=4, test_interval=0, snapshot=2)
            with pytest.raises(RunLockedError) as err:
                second.solve()
            errors.append(str(err.value))
            assert second.iter == 0  # refused before its first iteration

    first.on_step.append(start_another)
    first.solve()
    assert first.iter == 4 and len(errors) == 1
    prefix = str(tmp_path / "snap" / "lenet")
    assert repr(prefix) in errors[0] and "snapshot_prefix" in errors[0] and f"process {os.getpid()}" in errors[0]
    again = make_solver(small_train, small_test, tmp_path, max_iter=6, test_interval=0, snapshot=2)
    again.solve()  # the lock went with the first run
    assert again.iter == 6


def test_a_killed_run_does_not_leave_its_prefix_locked(small_train, small_test, tmp_path):
    prefix = tmp_path / "snap" / "lenet"
    prefix.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"fh = open({str(prefix) + '.lock'!r}, 'a+')\n"
            "fcntl.flock(fh.fileno(), fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        solver = make_solver(small_train, small_test, tmp_path, max_iter=2, test_interval=0, snapshot=1)
        with pytest.raises(RunLockedError, match="snapshot_prefix"):
            solver.solve()
        assert solver.iter == 0
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    solver.solve()  # the kernel dropped the killed process's lock
    assert solver.iter == 2 and solver.snapshot_paths(2)[1].is_file()


def test_an_unwritable_snapshot_folder_is_found_before_training(small_train, small_test, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the snapshot folder should be")
    solver = make_solver(
        small_train,
        small_test,
        tmp_path,
        max_iter=5,
        test_interval=0,
        snapshot=2,
        snapshot_prefix=str(blocker / "lenet"),
    )
    with pytest.raises(SnapshotError, match="not-a-folder"):
        solver.solve()
    assert solver.iter == 0 and solver.trained_this_run == 0


def test_a_read_only_snapshot_folder_is_found_before_training(small_train, small_test, tmp_path, monkeypatch):
    folder = tmp_path / "snap"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes into a 0555 folder anyway: make the folder refuse files as the OS would
        real_mkstemp = tempfile.mkstemp

        def refuse_in_folder(*args, **kwargs):
            if Path(kwargs.get("dir", "")) == folder:
                raise PermissionError(errno.EACCES, "Permission denied")
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refuse_in_folder)
    try:
        solver = make_solver(small_train, small_test, tmp_path, max_iter=5, test_interval=0, snapshot=2)
        with pytest.raises(SnapshotError, match="Permission denied"):
            solver.solve()
        assert solver.iter == 0 and solver.trained_this_run == 0
    finally:
        folder.chmod(0o755)


def test_a_full_disk_raises_one_sentence_and_earlier_snapshots_stay(small_train, small_test, tmp_path, monkeypatch):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=6, test_interval=0, snapshot=2)
    real_save = torch.save

    def save_until_full(obj, f, *args, **kwargs):
        if solver.iter >= 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", save_until_full)
    with pytest.raises(SnapshotError) as err:
        solver.solve()
    monkeypatch.undo()
    message = str(err.value)
    assert "disk is full" in message and "lenet_iter_4.pt" in message and "\n" not in message
    folder = tmp_path / "snap"
    assert sorted(p.name for p in folder.iterdir()) == ["lenet_iter_2.pt", "lenet_iter_2.solverstate.pt"]
    resumed = make_solver(small_train, small_test, tmp_path, max_iter=6, test_interval=0)
    resumed.restore(solver.snapshot_paths(2)[1])  # the earlier pair is whole and matches
    assert resumed.iter == 2


def test_a_diverged_run_writes_no_snapshot(small_train, small_test, tmp_path):
    solver = make_solver(
        small_train,
        small_test,
        tmp_path,
        base_lr=50.0,
        max_iter=200,
        test_interval=0,
        display=0,
        snapshot=1,
        snapshot_after_train=True,
    )
    stops = _events(solver, StopEvent)
    history = solver.solve()
    bad = np.flatnonzero(~np.isfinite(history.loss) | (history.loss > 1e4))
    assert bad.size and stops[-1].reason == "diverged" and stops[-1].state_path is None
    assert "No snapshot was written after it" in history.stop_reason
    for state_path in (tmp_path / "snap").glob("*.solverstate.pt"):
        state = safe_load(state_path)
        assert state["iteration"] <= bad[0]  # snapshots only of iterations before the loss went bad
        weights = safe_load(state_path.parent / state["weights"])
        assert all(torch.isfinite(v).all() for v in weights.values())
    with pytest.raises(SnapshotError, match="no snapshot written"):
        solver.snapshot()


# ---- stop and snapshot requests (Caffe's SIGINT and SIGHUP) ----------------------------------------
def test_an_interrupted_run_snapshots_and_resumes_bit_identically(small_train, small_test, tmp_path):
    torch.manual_seed(4)
    start = TutLeNet()
    straight_model = TutLeNet()
    straight_model.load_state_dict(start.state_dict())
    straight = make_solver(small_train, small_test, tmp_path / "a", model=straight_model, max_iter=16, test_interval=4)
    full = straight.solve()

    model = TutLeNet()
    model.load_state_dict(start.state_dict())
    run = make_solver(
        small_train, small_test, tmp_path / "b", model=model, max_iter=16, test_interval=4, snapshot_after_train=True
    )
    stops = _events(run, StopEvent)
    run.on_step.append(lambda s: run.request_stop("interrupted") if s.iteration == 7 else None)
    run.solve()
    weights_path, state_path = run.snapshot_paths(8)
    assert run.iter == 8 and state_path.is_file() and weights_path.is_file()
    stop = stops[-1]
    assert stop.reason == "interrupted" and stop.state_path == state_path and str(state_path) in stop.message
    assert run.history().test_iteration.tolist() == [0, 4]  # no last test after a stop, as Caffe

    resumed = make_solver(small_train, small_test, tmp_path / "b", model=TutLeNet(), max_iter=16, test_interval=4)
    resumed.restore(state_path)
    history = resumed.solve()
    assert resumed.trained_this_run == 8 and resumed.iter == 16
    np.testing.assert_array_equal(history.loss, full.loss)
    np.testing.assert_array_equal(history.test_accuracy, full.test_accuracy)
    for key, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key


def test_a_snapshot_request_writes_one_and_training_goes_on(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=10, test_interval=0, display=0)
    written = _events(solver, SnapshotEvent)
    solver.on_step.append(lambda s: solver.request_snapshot() if s.iteration == 3 else None)
    solver.solve()
    assert solver.iter == 10 and [e.iteration for e in written] == [4]
    assert safe_load(solver.snapshot_paths(4)[1])["iteration"] == 4


def test_a_stop_requested_before_the_run_interrupts_its_first_test(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=10, test_interval=5)
    seen = _events(solver)
    solver.request_stop()
    solver.solve()
    assert solver.iter == 0 and solver.history().test_iteration.size == 0
    assert [type(e).__name__ for e in seen] == ["NoteEvent", "StopEvent"] and seen[0].message == "Test interrupted."
    assert seen[1].reason == "requested"
    solver.solve()  # the request was used up
    assert solver.iter == 10
    solver.request_stop()
    solver.request_snapshot()
    solver.cancel_requests()  # e.g. a Stop pressed between two runs of a panel
    solver.step(3)
    assert solver.iter == 13 and solver.stop_reason == "" and not (tmp_path / "snap").exists()


def test_requests_from_another_thread_and_a_signal_handler(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=20, test_interval=0, display=0)
    written, stops = _events(solver, SnapshotEvent), _events(solver, StopEvent)

    def requests(step):
        if step.iteration == 2:
            os.kill(os.getpid(), signal.SIGUSR1)  # its handler runs in this thread, mid-iteration
        if step.iteration == 5:
            other = threading.Thread(target=solver.request_stop, args=("interrupted",))
            other.start()
            other.join()

    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: solver.request_snapshot())
    try:
        solver.on_step.append(requests)
        solver.solve()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert solver.iter == 6 and [e.iteration for e in written] == [3]
    assert stops[-1].reason == "interrupted" and "no snapshot written" in stops[-1].message


# ---- resume ---------------------------------------------------------------------------------------
def test_resume_with_a_changed_config_applies_and_lists_it(small_train, small_test, tmp_path):
    first = make_solver(small_train, small_test, tmp_path, max_iter=6, test_interval=0, snapshot=6)
    first.solve()
    _, state_path = first.snapshot_paths(6)
    resumed = make_solver(small_train, small_test, tmp_path, max_iter=6, test_interval=0)
    notes = _events(resumed, NoteEvent)
    new_cfg = resumed.cfg.replace(base_lr=0.005, max_iter=10)
    changes = resumed.restore(state_path, cfg=new_cfg)
    assert changes == {"base_lr": (0.01, 0.005), "max_iter": (6, 10), "snapshot": (6, 0)}
    assert resumed.cfg is new_cfg and resumed.iter == 6
    assert "base_lr 0.01 -> 0.005" in notes[-1].message and "max_iter 6 -> 10" in notes[-1].message
    history = resumed.solve()
    assert resumed.iter == 10 and resumed.trained_this_run == 4
    np.testing.assert_allclose(history.lr[6:], [lr_at(i, new_cfg) for i in range(6, 10)])
    np.testing.assert_array_equal(history.loss[:6], first.history().loss)


def test_resume_with_another_solver_type_changes_nothing(small_train, small_test, tmp_path):
    first = make_solver(small_train, small_test, tmp_path, max_iter=4, test_interval=0, snapshot=4)
    first.solve()
    _, state_path = first.snapshot_paths(4)
    other = make_solver(small_train, small_test, tmp_path, type="Adam", base_lr=0.001, momentum=0.9)
    other.step(2)
    weights, optimizer_state = _weights(other.model), copy.deepcopy(other.optimizer.state_dict())
    position = other.train_data.state_dict()
    with pytest.raises(CheckpointError, match="written by the SGD solver and this solver is Adam") as err:
        other.restore(state_path)
    assert "Resume with type 'SGD'" in str(err.value)
    assert other.iter == 2 and other.train_data.state_dict() == position
    assert all(torch.equal(weights[k], v) for k, v in other.model.state_dict().items())
    after = other.optimizer.state_dict()
    for pid, entry in optimizer_state["state"].items():
        assert all(torch.equal(torch.as_tensor(v), torch.as_tensor(after["state"][pid][k])) for k, v in entry.items())
    with pytest.raises(CheckpointError, match="written by the SGD solver"):  # also when asked with a cfg
        other.restore(state_path, cfg=other.cfg)
    other.restore(state_path, cfg=first.cfg)  # a cfg of the snapshot's type: the optimizer is rebuilt for it
    assert optimizer_type_name(other.optimizer) == "SGD" and other.iter == 4 and other.cfg is first.cfg
    assert all(torch.equal(v, other.model.state_dict()[k]) for k, v in first.model.state_dict().items())


def test_a_state_without_a_checksum_restores_with_a_warning(small_train, small_test, tmp_path):
    first = make_solver(small_train, small_test, tmp_path, max_iter=2, test_interval=0, snapshot=2)
    first.solve()
    _, state_path = first.snapshot_paths(2)
    state = safe_load(state_path)
    del state["weights_sha256"]  # as written before snapshots carried one
    torch.save(state, state_path)
    resumed = make_solver(small_train, small_test, tmp_path)
    with pytest.warns(CheckpointWarning, match="records no SHA-256"):
        resumed.restore(state_path)
    assert resumed.iter == 2


# ---- randomness -----------------------------------------------------------------------------------
def test_a_negative_seed_is_picked_from_the_clock_logged_and_recorded(small_train, small_test, tmp_path, mnist_root):
    lines = []
    model = TutLeNet()
    cfg = SolverConfig(
        max_iter=2,
        test_interval=0,
        display=0,
        snapshot=2,
        random_seed=-1,
        train_batch_size=32,
        snapshot_prefix=str(tmp_path / "snap" / "lenet"),
    )
    test = TensorBatches("test", scale=model.input_scale, shuffle=False, device="cpu", data=small_test)
    rng_before = torch.get_rng_state()
    solver = Solver(model, cfg, None, test, device="cpu", root=mnist_root, log=lines.append, progress=False)
    assert torch.equal(torch.get_rng_state(), rng_before)  # the solver does not reseed the process
    assert 0 <= solver.seed < 2**31 and solver.train_data.seed == solver.seed
    assert lines[0] == (
        f"random_seed -1: seeded from the clock with {solver.seed} (set random_seed: {solver.seed} to repeat this run)"
    )
    solver.solve()
    assert safe_load(solver.snapshot_paths(2)[1])["random_seed"] == solver.seed


# ---- explicit randomness: a run follows from its config ------------------------------------------
def _named_run(small_train, small_test, tmp_path, seed: int, iters: int = 6):
    cfg = SolverConfig(
        max_iter=iters,
        test_iter=1,
        test_interval=0,
        display=0,
        snapshot=0,
        snapshot_after_train=False,
        train_batch_size=32,
        snapshot_prefix=str(tmp_path / "named"),
        random_seed=seed,
    )
    train = TensorBatches(scale="caffe", batch_size=32, seed=cfg.random_seed, device="cpu", data=small_train)
    test = TensorBatches("test", scale="caffe", shuffle=False, device="cpu", data=small_test)
    return Solver("caffe", cfg, train, test, device="cpu", log=None, progress=False)


def test_a_solver_given_a_model_name_builds_it_from_random_seed(small_train, small_test, tmp_path):
    from lenet_course.models import build_model

    solver = _named_run(small_train, small_test, tmp_path, seed=1701)
    assert isinstance(solver.model, CaffeLeNet)
    expected = build_model("caffe", seed=1701)
    assert all(torch.equal(v, expected.state_dict()[k]) for k, v in solver.model.state_dict().items())
    other = _named_run(small_train, small_test, tmp_path, seed=1702)
    assert not torch.equal(other.model.conv1.weight, solver.model.conv1.weight)


def test_a_named_run_is_reproducible_and_never_touches_the_global_stream(small_train, small_test, tmp_path):
    torch.manual_seed(0)
    before = torch.get_rng_state()
    first = _named_run(small_train, small_test, tmp_path, seed=3).solve()
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(12345)  # what the process drew before does not matter
    again = _named_run(small_train, small_test, tmp_path, seed=3).solve()
    np.testing.assert_array_equal(first.loss, again.loss)


def test_a_negative_seed_is_resolved_once_for_weights_and_data(small_train, small_test, tmp_path):
    from lenet_course.models import build_model

    cfg = SolverConfig(
        random_seed=-1,
        snapshot=0,
        snapshot_after_train=False,
        train_batch_size=32,
        snapshot_prefix=str(tmp_path / "clock"),
    )
    notes = []
    test = TensorBatches("test", scale="caffe", shuffle=False, device="cpu", data=small_test)
    train = TensorBatches(scale="caffe", batch_size=32, seed=0, device="cpu", data=small_train)
    solver = Solver("caffe", cfg, train, test, device="cpu", log=notes.append, progress=False)
    assert 0 <= solver.seed < 2**31 and any(f"seeded from the clock with {solver.seed}" in n for n in notes)
    assert torch.equal(solver.model.conv1.weight, build_model("caffe", seed=solver.seed).conv1.weight)
