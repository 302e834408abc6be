"""Data-parallel training across processes with ``torch.distributed``, as ``torchrun`` starts it.

``torchrun --nproc_per_node N`` (or ``python -m torch.distributed.run``) starts N copies of a
command and tells each one who it is through environment variables: ``RANK`` (0 .. N-1 over all
machines), ``WORLD_SIZE`` (N in all), ``LOCAL_RANK`` (its index on this machine) and
``MASTER_ADDR`` / ``MASTER_PORT`` (where the processes meet). :func:`env_world` reads them;
:func:`init_from_env` joins the process group when there is more than one process (gloo on the
CPU, nccl on CUDA, picked from the device), so the same command runs alone or under torchrun.

The rule that makes N processes train exactly like one: ``cfg.train_batch_size`` is the
**global** batch. Every rank draws the same global batch (the same seeded order), keeps its own
contiguous slice of ``batch / N`` rows (:func:`shard`), computes the mean loss on it, and
``DistributedDataParallel`` averages the gradients over the ranks. The mean of N equal-sized means
is the mean over the whole batch, so the update is the single-process update up to float
rounding. A batch that does not split evenly is refused (:class:`BatchSplitError`) before
training, because unequal slices would weight some samples more than others.

A rank that dies must not leave the others waiting forever: the process group has a timeout
(:data:`TIMEOUT_ENV_VAR`, default :data:`DEFAULT_TIMEOUT_S` seconds), a peer that exits closes its
connections (gloo then fails at once), and ``torchrun`` stops the remaining ranks when one fails.
The solver turns such a failure into :class:`RankFailedError`, which says which rank saw it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor

from .config import ConfigError

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "TIMEOUT_ENV_VAR",
    "BatchSplitError",
    "RankFailedError",
    "World",
    "all_reduce_mean",
    "average_gradients",
    "backend_for",
    "broadcast_seed",
    "current_world",
    "env_world",
    "free_port",
    "init_from_env",
    "is_peer_failure",
    "per_rank_batch",
    "process_group",
    "shard",
]

#: Seconds a collective waits for the other ranks before it fails (a dead or stuck rank).
DEFAULT_TIMEOUT_S = 300.0
TIMEOUT_ENV_VAR = "LENET_COURSE_DIST_TIMEOUT"
_ENV_KEYS = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


class BatchSplitError(ConfigError):
    """A global batch that the ranks cannot share evenly (a configuration error, found before training)."""


class RankFailedError(RuntimeError):
    """Another rank stopped (crashed, was killed, or timed out), so this rank cannot go on."""


@dataclass(frozen=True)
class World:
    """Who this process is among the processes of one run: ``rank`` of ``size``, ``local_rank`` on its machine."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Rank 0: the one rank that prints, tests and writes files."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def __str__(self) -> str:
        return f"rank {self.rank} of {self.size}"


def env_world(environ: Mapping[str, str] | None = None) -> World:
    """The :class:`World` that ``torchrun`` describes in ``environ`` (default: this process's
    environment); a single process when the variables are absent."""
    env = os.environ if environ is None else environ
    if "WORLD_SIZE" not in env and "RANK" not in env:
        return World()
    values = {}
    for key in _ENV_KEYS:
        raw = env.get(key, "0" if key == "LOCAL_RANK" else "")
        try:
            values[key] = int(raw)
        except ValueError:
            raise ConfigError(
                f"the environment variable {key}={raw!r} is not a whole number; it is set by torchrun "
                "(RANK, WORLD_SIZE, LOCAL_RANK): start the command with torchrun, or unset them"
            ) from None
    rank, size, local = values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"]
    if size < 1 or not 0 <= rank < size or local < 0:
        raise ConfigError(
            f"RANK={rank}, WORLD_SIZE={size}, LOCAL_RANK={local} do not describe a process group "
            "(0 <= RANK < WORLD_SIZE); start the command with torchrun, or unset them"
        )
    return World(rank, size, local)


def current_world() -> World:
    """The default process group this process has joined, else a single process."""
    if dist.is_available() and dist.is_initialized():
        local = int(os.environ.get("LOCAL_RANK", "0") or 0)
        return World(dist.get_rank(), dist.get_world_size(), local)
    return World()


def backend_for(device: torch.device | str) -> str:
    """The collective backend for ``device``: nccl for CUDA, gloo for everything else."""
    return "nccl" if torch.device(device).type == "cuda" else "gloo"


def _timeout(seconds: float | None) -> datetime.timedelta:
    if seconds is None:
        raw = os.environ.get(TIMEOUT_ENV_VAR, "")
        try:
            seconds = float(raw) if raw.strip() else DEFAULT_TIMEOUT_S
        except ValueError:
            raise ConfigError(
                f"{TIMEOUT_ENV_VAR}={raw!r} is not a number of seconds; e.g. {TIMEOUT_ENV_VAR}=120"
            ) from None
    if not seconds > 0:
        raise ConfigError(f"the process-group timeout must be > 0 seconds, got {seconds!r}")
    return datetime.timedelta(seconds=seconds)


def init_from_env(device: torch.device | str = "cpu", timeout_s: float | None = None) -> World:
    """Join the process group ``torchrun`` describes (only when ``WORLD_SIZE`` > 1); the :class:`World`.

    The backend follows ``device`` (:func:`backend_for`); on CUDA each rank takes the GPU of its
    ``LOCAL_RANK``. ``timeout_s`` (default ``$LENET_COURSE_DIST_TIMEOUT`` or 300 s) bounds how
    long a collective waits for a rank that stopped answering. Already joined: nothing to do.
    """
    if dist.is_initialized():
        return current_world()
    world = env_world()
    if not world.distributed:
        return world
    if torch.device(device).type == "cuda":
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group(backend_for(device), timeout=_timeout(timeout_s))
    return world


@contextlib.contextmanager
def process_group(device: torch.device | str = "cpu", timeout_s: float | None = None) -> Iterator[World]:
    """:func:`init_from_env` for the block, leaving the process group again at its end (if it joined it)."""
    joined = not dist.is_initialized()
    world = init_from_env(device, timeout_s)
    try:
        yield world
    finally:
        if joined and dist.is_initialized():
            dist.destroy_process_group()


def per_rank_batch(global_batch: int, world_size: int) -> int:
    """The rows each rank trains on per pass; :class:`BatchSplitError` unless they split evenly."""
    if world_size < 1:
        raise ConfigError(f"world size must be >= 1, got {world_size}")
    if global_batch % world_size:
        lower = global_batch - global_batch % world_size
        raise BatchSplitError(
            f"train_batch_size {global_batch} does not split evenly over {world_size} processes "
            f"(train_batch_size is the global batch; each process takes an equal share). Use a "
            f"multiple of {world_size}, e.g. {lower or world_size} or {lower + world_size}, or "
            f"another number of processes."
        )
    return global_batch // world_size


def shard(x: Tensor, y: Tensor, world: World) -> tuple[Tensor, Tensor]:
    """This rank's contiguous slice of one global batch (rows ``rank * b`` to ``(rank + 1) * b``)."""
    if not world.distributed:
        return x, y
    b = per_rank_batch(len(y), world.size)
    lo = world.rank * b
    return x[lo : lo + b], y[lo : lo + b]


def all_reduce_mean(tensor: Tensor) -> Tensor:
    """``tensor`` summed over the ranks and divided by their number (in place; also returned).

    SUM then divide rather than ``ReduceOp.AVG``, which gloo does not have.
    """
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.div_(dist.get_world_size())


def average_gradients(parameters: Iterable[torch.nn.Parameter]) -> None:
    """What ``DistributedDataParallel`` does after ``backward()``: every gradient becomes the mean
    of that gradient over the ranks (one all-reduce per tensor; DDP packs them in buckets)."""
    for p in parameters:
        if p.grad is not None:
            all_reduce_mean(p.grad)


def broadcast_seed(seed: int, world: World) -> int:
    """Rank 0's ``seed`` on every rank (a seed picked from the clock differs between processes)."""
    if not world.distributed:
        return seed
    box = [int(seed)]
    dist.broadcast_object_list(box, src=0)
    return int(box[0])


def is_peer_failure(err: BaseException) -> bool:
    """Whether ``err`` is a collective failing because another rank is gone or too slow."""
    if isinstance(err, dist.DistError):
        return True
    text = str(err)
    return isinstance(err, RuntimeError) and any(
        marker in text for marker in ("Connection closed by peer", "Connection reset", "Timed out", "timed out", "gloo")
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now (for ``MASTER_PORT`` on one machine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def rank_env(rank: int, size: int, port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """The variables torchrun would set for ``rank`` of ``size`` on one machine (for launching by hand)."""
    return {
        "RANK": str(rank),
        "WORLD_SIZE": str(size),
        "LOCAL_RANK": str(rank),
        "LOCAL_WORLD_SIZE": str(size),
        "MASTER_ADDR": host,
        "MASTER_PORT": str(port),
    }
