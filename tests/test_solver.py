import math

import numpy as np
import pytest
import torch

from lenet_course.checkpoints import safe_load
from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches
from lenet_course.models import CaffeLeNet, TutLeNet
from lenet_course.schedules import lr_at
from lenet_course.solver import History, Solver, seed_everything


def make_solver(small_train, small_test, tmp_path, model=None, log=None, **changes):
    cfg = SolverConfig(
        max_iter=30, test_iter=2, test_interval=10, display=5, snapshot=0, train_batch_size=32,
        test_batch_size=100, snapshot_prefix=str(tmp_path / "snap" / "lenet"), random_seed=7,
    ).replace(**changes)
    model = model or TutLeNet()
    scale = model.input_scale
    train = TensorBatches(scale=scale, batch_size=cfg.train_batch_size, seed=cfg.random_seed, device="cpu", data=small_train)
    test = TensorBatches("test", scale=scale, batch_size=cfg.test_batch_size, shuffle=False, device="cpu", data=small_test)
    return Solver(model, cfg, train, test, device="cpu", log=log, progress=False)


def test_counts_iterations_like_caffe(small_train, small_test, tmp_path):
    lines = []
    seed_everything(0)
    solver = make_solver(small_train, small_test, tmp_path, log=lines.append, snapshot=20)
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
    names = sorted(p.name for p in (tmp_path / "snap").iterdir())
    assert names == ["lenet_iter_20.pt", "lenet_iter_20.solverstate.pt", "lenet_iter_30.pt", "lenet_iter_30.solverstate.pt"]


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
    solver = make_solver(small_train, small_test, tmp_path, max_iter=3, test_interval=0, snapshot=2)
    solver.solve()
    assert sorted(p.name for p in (tmp_path / "snap").iterdir())[0] == "lenet_iter_2.pt"
    weights, state = solver.snapshot_paths(3)
    assert list(torch.load(weights, weights_only=True)) == list(TutLeNet().state_dict())
    saved = safe_load(state)
    assert saved["iteration"] == 3 and saved["weights"] == weights.name
    assert saved["config"]["max_iter"] == 3
    assert set(saved["optimizer"]["state"]) and all("momentum_buffer" in s for s in saved["optimizer"]["state"].values())
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
    h = History(np.arange(3), np.array([1.0, 0.5, 0.25]), np.full(3, 0.01), np.array([0]), np.array([2.3]), np.array([0.1]))
    back = History.from_tensors(h.to_tensors())
    for key, value in h.arrays().items():
        np.testing.assert_array_equal(getattr(back, key), value)


def test_resume_with_augmentation_is_bit_identical(mnist_root, small_test, tmp_path):
    """The DataLoader path: random transforms draw from the global RNG the snapshot restores."""
    from lenet_course.data import LoaderBatches

    def solver(folder, model):
        cfg = SolverConfig(max_iter=12, test_interval=0, display=0, snapshot=0, train_batch_size=16,
                           snapshot_prefix=str(folder / "aug"), random_seed=3)
        train = LoaderBatches(scale="meanstd", batch_size=16, seed=3, augment=True, device="cpu",
                              root=mnist_root, limit=256)
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
    from lenet_course.checkpoints import CheckpointError

    solver = make_solver(small_train, small_test, tmp_path, max_iter=2, test_interval=0, snapshot=2)
    solver.solve()
    weights, _ = solver.snapshot_paths(2)
    with pytest.raises(CheckpointError, match="not a solver-state snapshot.*solverstate.pt"):
        make_solver(small_train, small_test, tmp_path).restore(weights)


def test_test_iter_zero_turns_testing_off(small_train, small_test, tmp_path):
    solver = make_solver(small_train, small_test, tmp_path, max_iter=12, test_iter=0, test_interval=5)
    history = solver.solve()
    assert solver.iter == 12 and history.test_iteration.size == 0
