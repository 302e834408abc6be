"""Appendix A1 (scaling out): the per-rank batch, the linear scaling rule, gradient averaging.

Every answer is checked against a value the library computes, never against a number typed in
here. The gradient-averaging exercise checks behaviour: the learner's function runs in two real
processes (gloo, 127.0.0.1), each holding a different, known gradient, and must leave both
holding their mean.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from ..distributed import free_port, per_rank_batch, rank_env
from .core import Verdict, exercise, numeric, rate, say

#: The gradient each rank holds before averaging, in the gradient exercise: rank r has r + 1 everywhere.
_RANK_GRADIENTS = (1.0, 3.0)


@exercise(
    "A1.per_rank_batch",
    "torchrun --nnodes 2 --nproc_per_node 4 runs lenet-course train --batch-size 256. How many images "
    "does each process train on per iteration?",
    (
        "Which number does train_batch_size describe: one process's batch, or the batch of the whole job?",
        "Count the processes of the job: machines times processes per machine. That is WORLD_SIZE.",
        "Each process trains on an equal share of the global batch: divide it by WORLD_SIZE.",
    ),
)
def _per_rank_batch(answer: Any) -> Verdict:
    nodes, per_node, batch = 2, 4, 256
    right = per_rank_batch(batch, nodes * per_node)
    return numeric(
        answer,
        right,
        {
            float(per_rank_batch(batch, per_node)): "that shares the batch over one machine's processes only; "
            "WORLD_SIZE counts the processes of every machine.",
            float(per_rank_batch(batch, nodes)): "that shares it over the machines; every process takes a share.",
            float(batch): "that is the global batch; each process trains on its own share of it.",
            float(batch * nodes * per_node): "the batch is not multiplied: train_batch_size is already the global one.",
        },
    )


@exercise(
    "A1.linear_scaling",
    "A recipe trains with base_lr 0.01 at a global batch of 64. By the linear scaling rule, which "
    "base_lr goes with a global batch of 512?",
    (
        "By what factor k did the batch grow?",
        "Section 3: the rule multiplies the rate by the same k as the batch (not by its square root).",
        "k = 512 / 64; the new base_lr is the old one times k.",
    ),
)
def _linear_scaling(answer: Any) -> Verdict:
    base, small, large = 0.01, 64, 512
    k = large / small
    return rate(
        answer,
        base * k,
        {
            base: "that keeps the rate: with k times fewer steps per epoch, each step must go k times further.",
            base * math.sqrt(k): "that is the square-root rule, another proposal; the linear rule multiplies by k.",
            base / k: "that divides by k; a larger batch averages away noise, so it allows a larger rate.",
        },
    )


# ---- gradient averaging, run in two processes ---------------------------------------------------
_HARNESS = """
import json, os, sys
import torch
import torch.distributed as dist
from torch import nn

dist.init_process_group("gloo", timeout=__import__("datetime").timedelta(seconds=30))
rank = dist.get_rank()
namespace = {"torch": torch, "dist": dist, "nn": nn}
exec(compile(open(sys.argv[1]).read(), "your average_gradients", "exec"), namespace)
model = nn.Linear(3, 2)
for p in model.parameters():
    p.grad = torch.full_like(p, GRADIENTS[rank])
namespace[sys.argv[2]](model)
grads = [p.grad.flatten().tolist() for p in model.parameters()]
with open(sys.argv[3] + f".{rank}.json", "w") as fh:
    json.dump(grads, fh)
dist.destroy_process_group()
"""


def _function_source(fn: Any) -> tuple[str, str]:
    """(the source of the learner's function, its name); a TypeError for anything else."""
    if not callable(fn) or not hasattr(fn, "__code__"):
        raise TypeError(say("expected your function average_gradients (a def), got {kind}", kind=type(fn).__name__))
    return textwrap.dedent(inspect.getsource(fn)), fn.__name__


def _error_kind(stderr: str) -> str:
    """The exception's class from a failed process's last line ("IndexError: pop..." -> "IndexError").

    Only the kind is shown: torch's internal message would mean little to the learner, and running
    their function in a cell of its own shows the whole error.
    """
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    kind = last.split(":", 1)[0].strip()
    return kind.rsplit(".", 1)[-1] if kind.replace(".", "").replace("_", "").isalnum() else ""


def run_on_two_ranks(fn: Any, timeout_s: float = 60.0) -> tuple[list[list[list[float]]] | None, str]:
    """Run ``fn(model)`` in two gloo processes whose model holds gradients 1 and 3 respectively.

    Returns (per rank, each parameter's gradient after the call, flattened; or None) and the error text.
    """
    source, name = _function_source(fn)
    with tempfile.TemporaryDirectory(prefix="lenet-course-a1-") as folder:
        code = Path(folder) / "answer.py"
        code.write_text("import torch\nimport torch.distributed as dist\nfrom torch import nn\n\n" + source)
        out = str(Path(folder) / "grads")
        harness = _HARNESS.replace("GRADIENTS", repr(_RANK_GRADIENTS))
        port = free_port()
        env = dict(os.environ, OMP_NUM_THREADS="1")
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", harness, str(code), name, out],
                env={**env, **rank_env(rank, 2, port)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for rank in range(2)
        ]
        errors = []
        for proc in procs:
            try:
                _, err = proc.communicate(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                for p in procs:
                    p.kill()
                return None, say(
                    "your function did not return within {seconds:.0f} s (waiting for the other process?)",
                    seconds=timeout_s,
                )
            if proc.returncode:
                errors.append(_error_kind(err) or f"exit code {proc.returncode}")
        if errors:
            return None, errors[0]
        return [json.loads(Path(f"{out}.{rank}.json").read_text()) for rank in range(2)], ""


@exercise(
    "A1.average_gradients",
    "Write average_gradients(model): after it, every parameter's .grad holds the mean of that gradient "
    "over all the processes (what DistributedDataParallel does after backward()).",
    (
        "Go through model.parameters(); each parameter p has its gradient in p.grad.",
        "dist.all_reduce(t) turns t, in place, into the sum over the processes. A sum is not yet a mean.",
        "dist.get_world_size() is the number of processes; divide in place (/=) so that p.grad itself changes.",
    ),
)
def _average_gradients(answer: Any) -> Verdict:
    grads, error = run_on_two_ranks(answer)
    if grads is None:
        return False, say(
            "it stopped with {error} in one of the processes; run it in a cell of its own to see where and why.",
            error=error,
        )
    mean = sum(_RANK_GRADIENTS) / len(_RANK_GRADIENTS)
    values = [{round(v, 6) for tensor in rank for v in tensor} for rank in grads]
    if all(v == {mean} for v in values):
        return True, say(
            "both processes now hold {mean:g}, the mean of their gradients {gradients}.",
            mean=mean,
            gradients=_RANK_GRADIENTS,
        )
    if values == [{g} for g in _RANK_GRADIENTS]:
        return False, say("each process still holds its own gradient: nothing was exchanged.")
    if all(v == {sum(_RANK_GRADIENTS)} for v in values):
        return False, say("both hold the sum, not the mean: all_reduce adds; divide by the number of processes.")
    if len(set().union(*values)) > 1:
        return False, say(
            "the processes disagree ({values}): every one must end with the same value.",
            values=[sorted(v) for v in values],
        )
    return False, say(
        "both hold {held}, not the mean of {gradients}.", held=sorted(values[0]), gradients=_RANK_GRADIENTS
    )
