"""Data-parallel training (lenet_course.distributed + the Solver + the CLI) on 2 CPU processes.

The test launches the processes itself, as torchrun would: each gets RANK / WORLD_SIZE /
LOCAL_RANK / MASTER_ADDR=127.0.0.1 / MASTER_PORT (a free port) and runs this file as a script
(``python tests/test_distributed.py <scenario> <folder>``, the worker functions at the bottom), or
the real ``python -m torch.distributed.run --standalone`` runs the CLI. gloo, no GPU, no network
beyond 127.0.0.1. What is checked:

- 2 processes reproduce 1 process of the same config (same global batch, same seeded order):
  weights within 1e-5 after 30 iterations, and the same loss curve (the loss agreed over the
  ranks is the single-process mean over the global batch);
- resuming a 2-process run from its own snapshot continues bit for bit, on every rank;
- a global batch that does not split over the processes is refused before training;
- a rank that raises ends the other rank within seconds with a message that names it;
- ``lenet-course train`` under torchrun: one log (rank 0's), one set of files;
- the appendix's gradient-averaging exercise runs an answer on two ranks and tells the sum from the mean.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from lenet_course.config import SolverConfig
from lenet_course.distributed import (
    BatchSplitError,
    World,
    env_world,
    free_port,
    per_rank_batch,
    rank_env,
    shard,
)

HERE = Path(__file__).resolve()
REPO = HERE.parent.parent
ITERATIONS, SNAPSHOT_AT, SUBSET = 30, 15, 640
PROCESS_TIMEOUT_S = 90  # far above what a run takes: reaching it means a hang


def small_config(folder: Path) -> SolverConfig:
    """30 iterations of the LeNet recipe on a small subset, a snapshot half way, no tests."""
    return SolverConfig(
        max_iter=ITERATIONS,
        test_interval=0,
        display=0,
        snapshot=SNAPSHOT_AT,
        snapshot_after_train=False,
        snapshot_prefix=str(folder / "ddp"),
        train_batch_size=64,
        random_seed=1701,
        solver_mode="CPU",
    )


def make_solver(cfg: SolverConfig, train_data=None):
    from lenet_course.data import TensorBatches, evaluation_batches
    from lenet_course.solver import Solver

    if train_data is None:
        train_data = TensorBatches("train", scale="caffe", batch_size=cfg.train_batch_size, seed=1701, limit=SUBSET)
    test_data = evaluation_batches("caffe", 100, limit=100, device="cpu")
    return Solver("caffe", cfg, train_data, test_data, log=None, progress=False, device="cpu")


def _env(rank: int, size: int, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env.update(rank_env(rank, size, port), OMP_NUM_THREADS="1", LENET_COURSE_DIST_TIMEOUT="30")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def launch(scenario: str, folder: Path, size: int = 2) -> tuple[list[subprocess.CompletedProcess], float]:
    """Run this file's ``scenario`` on ``size`` processes at once; their results and the wall time."""
    port = free_port()
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, str(HERE), scenario, str(folder)],
            env=_env(rank, size, port),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(size)
    ]
    results = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=PROCESS_TIMEOUT_S)
            results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return results, time.perf_counter() - started


# ---- the tests ---------------------------------------------------------------------------------
def test_env_world_reads_torchruns_variables():
    assert env_world({}) == World(0, 1, 0)
    assert env_world({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"}) == World(1, 2, 1)
    with pytest.raises(ValueError, match="0 <= RANK < WORLD_SIZE"):
        env_world({"RANK": "2", "WORLD_SIZE": "2"})
    with pytest.raises(ValueError, match="not a whole number"):
        env_world({"RANK": "x", "WORLD_SIZE": "2"})


def test_each_rank_takes_its_contiguous_share_of_the_global_batch():
    x, y = torch.arange(8.0).reshape(8, 1), torch.arange(8)
    assert per_rank_batch(64, 2) == 32
    assert shard(x, y, World(1, 2))[1].tolist() == [4, 5, 6, 7]
    assert shard(x, y, World(0, 4))[1].tolist() == [0, 1]
    assert torch.equal(torch.cat([shard(x, y, World(r, 4))[0] for r in range(4)]), x)


def test_a_batch_that_does_not_split_is_refused_before_training(tmp_path, monkeypatch):
    from lenet_course.cli import main
    from lenet_course.solver import Solver

    with pytest.raises(BatchSplitError, match="does not split evenly over 3 processes.*e.g. 63 or 66"):
        Solver("caffe", small_config(tmp_path).replace(train_batch_size=64), world=World(0, 3), log=None)
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    out = tmp_path / "out.pt"
    assert main(["train", "--batch-size", "63", "--max-iter", "2", "--out", str(out), "--cpu"]) == 2
    assert not out.exists() and not torch.distributed.is_initialized()  # refused before joining any group


def test_two_processes_match_one_and_resume_bit_for_bit(tmp_path, capsys):
    results, wall = launch("train", tmp_path)
    for rank, r in enumerate(results):
        assert r.returncode == 0, f"rank {rank}:\n{r.stdout}\n{r.stderr}"
    assert not results[1].stdout.strip(), "only rank 0 reports"
    two = torch.load(tmp_path / "rank0.pt", weights_only=True)
    other = torch.load(tmp_path / "rank1.pt", weights_only=True)
    # every rank holds the same weights, and the resumed run is the uninterrupted one bit for bit
    for name in two["weights"]:
        assert torch.equal(two["weights"][name], other["weights"][name]), name
        assert torch.equal(two["weights"][name], two["resumed"][name]), name
        assert torch.equal(two["weights"][name], other["resumed"][name]), name
    assert torch.equal(two["loss"][SNAPSHOT_AT:], two["resumed_loss"][SNAPSHOT_AT:])
    # a stop asked on rank 1 alone stops both ranks after the same iteration; rank 0 snapshots there
    assert (two["stopped_at"], two["stop_reason"]) == (other["stopped_at"], other["stop_reason"]) == (5, "requested")
    assert (tmp_path / "stop_iter_5.solverstate.pt").is_file()
    assert sorted(p.name for p in tmp_path.glob("ddp_iter_*")) == [
        f"ddp_iter_{it}{ext}" for it in (SNAPSHOT_AT, ITERATIONS) for ext in (".pt", ".solverstate.pt")
    ]

    started = time.perf_counter()
    one = make_solver(small_config(tmp_path / "alone"))
    loss_one = torch.from_numpy(one.solve().loss)
    alone_s = time.perf_counter() - started
    weights_one = one.model.state_dict()
    diff = max((weights_one[k] - two["weights"][k]).abs().max().item() for k in weights_one)
    loss_diff = (loss_one - two["loss"]).abs().max().item()
    with capsys.disabled():
        print(
            f"\n[1 vs 2 processes, {ITERATIONS} iterations] max weight difference {diff:.2e}, max loss "
            f"difference {loss_diff:.2e}; 2 processes {wall:.1f} s wall (with start-up), 1 process {alone_s:.1f} s"
        )
    assert diff < 1e-4 and loss_diff < 1e-5


def test_a_failing_rank_ends_the_run_with_a_clear_message(tmp_path):
    results, wall = launch("fail", tmp_path)
    assert results[1].returncode != 0 and "rank 1 failed on purpose" in results[1].stderr
    assert results[0].returncode == 3, results[0].stderr
    message = (tmp_path / "rank0.txt").read_text()
    assert "rank 0 of 2 stopped at iteration 3: another rank failed or stopped answering" in message, message
    assert wall < 60


def test_cli_under_torchrun_prints_and_writes_once(tmp_path):
    out = tmp_path / "two.pt"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "lenet_course"]
    cmd += ["train", "--max-iter", "20", "--test-interval", "0", "--display", "10", "--snapshot", "10", "--cpu"]
    cmd += ["--no-progress", "--snapshot-prefix", str(tmp_path / "two"), "--out", str(out)]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env.update(OMP_NUM_THREADS="1", LENET_COURSE_DIST_TIMEOUT="30")
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("Optimization Done.") == 1 and run.stdout.count("weights written to") == 1
    assert "data parallel: 2 processes, 32 of each global batch of 64 per process" in run.stdout
    assert sorted(p.name for p in tmp_path.glob("two_iter_*")) == [
        "two_iter_10.pt",
        "two_iter_10.solverstate.pt",
        "two_iter_20.pt",
        "two_iter_20.solverstate.pt",
    ]
    assert sorted(torch.load(out, weights_only=True)) == sorted(
        torch.load(tmp_path / "two_iter_20.pt", weights_only=True)
    )


def _averaged(model):  # a right answer to A1.average_gradients
    world = torch.distributed.get_world_size()
    for p in model.parameters():
        torch.distributed.all_reduce(p.grad)
        p.grad /= world


def _summed(model):  # the usual slip: the sum, not the mean
    for p in model.parameters():
        torch.distributed.all_reduce(p.grad)


def test_the_gradient_averaging_exercise_runs_the_answer_on_two_ranks():
    from lenet_course.exercises import check

    right = check("A1.average_gradients", _averaged)
    assert right, right
    assert "both processes now hold 2" in right.message
    slip = check("A1.average_gradients", _summed)
    assert not slip and "the sum, not the mean" in slip.message
    assert check("A1.per_rank_batch", 32) and "one machine" in check("A1.per_rank_batch", 64).message
    assert check("A1.linear_scaling", 0.08) and "square-root" in check("A1.linear_scaling", 0.01 * 8**0.5).message


# ---- the workers (run as ``python tests/test_distributed.py <scenario> <folder>``) ---------------
def _worker_train(folder: Path) -> int:
    """2-process run: 30 iterations (snapshot at 15), then a fresh solver resumed from the snapshot."""
    from lenet_course.distributed import process_group

    with process_group("cpu") as world:
        cfg = small_config(folder)
        first = make_solver(cfg)
        history = first.solve()
        weights = {k: v.clone() for k, v in first.model.state_dict().items()}
        resumed = make_solver(cfg)
        resumed.restore(folder / f"ddp_iter_{SNAPSHOT_AT}.solverstate.pt")
        again = resumed.solve()
        if world.is_main:
            print(f"rank 0: trained {first.iter} iterations, then resumed from {SNAPSHOT_AT} to {resumed.iter}")
        stop_cfg = cfg.replace(snapshot=0, snapshot_after_train=True, snapshot_prefix=str(folder / "stop"))
        stopped = _stop_asked_on_rank_1(stop_cfg, world.rank)
        result = {
            "weights": weights,
            "loss": torch.from_numpy(history.loss),
            "resumed": resumed.model.state_dict(),
            "resumed_loss": torch.from_numpy(again.loss),
            "stopped_at": stopped.iter,
            "stop_reason": stopped.last_stop.reason if stopped.last_stop else "",
        }
        torch.save(result, folder / f"rank{world.rank}.pt")
    return 0


def _stop_asked_on_rank_1(cfg: SolverConfig, rank: int):
    """A run in which only rank 1 asks to stop (as a Ctrl-C reaching it first), during its 5th batch."""
    from lenet_course.data import TensorBatches

    class AsksToStop(TensorBatches):
        solver = None
        calls = 0

        def next_batch(self):
            self.calls += 1
            if rank == 1 and self.calls == 5:
                self.solver.request_stop()
            return super().next_batch()

    data = AsksToStop("train", scale="caffe", batch_size=cfg.train_batch_size, seed=1701, limit=SUBSET)
    solver = make_solver(cfg, data)
    data.solver = solver
    solver.solve()
    return solver


def _worker_fail(folder: Path) -> int:
    """Rank 1's data source raises at its 4th batch; rank 0 must end with RankFailedError, not hang."""
    from lenet_course.data import TensorBatches
    from lenet_course.distributed import RankFailedError, process_group

    class Failing(TensorBatches):
        calls = 0

        def next_batch(self):
            self.calls += 1
            if self.calls == 4:
                raise RuntimeError("rank 1 failed on purpose")
            return super().next_batch()

    with process_group("cpu") as world:
        cfg = small_config(folder).replace(snapshot=0)
        kind = Failing if world.rank == 1 else TensorBatches
        solver = make_solver(cfg, kind("train", scale="caffe", batch_size=64, seed=1701, limit=SUBSET))
        try:
            solver.solve()
        except RankFailedError as err:
            (folder / f"rank{world.rank}.txt").write_text(str(err))
            return 3
    return 0


if __name__ == "__main__":
    scenario, where = sys.argv[1], Path(sys.argv[2])
    sys.exit({"train": _worker_train, "fail": _worker_fail}[scenario](where))
