"""``lenet-course train | evaluate | info | reproduce | lessons | lab``: training and inspection from a shell.

Every mistake a user can make ends in one paragraph naming the problem and the fix, with exit
code 2 and nothing lost: files are checked before any training starts, an existing ``--out`` is
never overwritten without ``--force``, and a run that diverged writes its weights beside it as
``<stem>-diverged.pt``. Ctrl-C and SIGHUP behave as in Caffe's solver: Ctrl-C finishes the
iteration, writes a snapshot, prints the command that resumes from it and exits with 130;
SIGHUP writes a snapshot and carries on.

``reproduce lenet5-1998`` and ``reproduce zipcode-1989`` rerun the historical networks' full
runs (lessons 12 and 11) and write their results as JSON (``--out``, default
``runs/reproduce/<network>.json``; the lessons read the copies in ``notebooks/results/``).

``train`` runs unchanged under ``torchrun --nproc_per_node N`` (or ``python -m
torch.distributed.run``): it joins the process group torchrun describes, each process trains on
its share of the global batch, and rank 0 alone prints and writes files
(:mod:`lenet_course.distributed`).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import SOLVER_TYPES, ConfigError, SolverConfig
from .lesson_folder import add_subcommands as add_lesson_commands
from .schedules import POLICIES, ScheduleError

PROG = "lenet-course"
EXIT_OK, EXIT_STOPPED, EXIT_USAGE = 0, 1, 2
#: 128 + SIGINT: what a shell reports for a command ended by Ctrl-C.
EXIT_INTERRUPTED = 128 + int(signal.SIGINT)

#: The command-line flags that map one to one onto SolverConfig fields.
_CONFIG_FLAGS = (
    "base_lr",
    "momentum",
    "weight_decay",
    "lr_policy",
    "gamma",
    "power",
    "stepsize",
    "max_iter",
    "test_interval",
    "display",
    "snapshot",
    "snapshot_prefix",
    "type",
    "random_seed",
    "train_batch_size",
)


class UsageError(ValueError):
    """A command-line choice that cannot work: an ``--out`` that exists or cannot be written, a bad flag."""


# ---- checks done before any training ---------------------------------------------------------
def _nonempty_path(text: str) -> Path:
    """argparse type for file arguments: ``Path('')`` would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no file; give a file name such as tut2-model.pt")
    return Path(text)


def next_free_name(path: Path) -> Path:
    """``path`` if nothing is there, else ``<stem>-2<suffix>``, ``<stem>-3<suffix>``... beside it."""
    candidate, n = path, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def diverged_path(out: Path) -> Path:
    """Where a diverged run's weights go: ``<stem>-diverged.pt`` beside ``out``, never over a file."""
    return next_free_name(out.with_name(f"{out.stem}-diverged{out.suffix or '.pt'}"))


def check_output_file(out: Path, force: bool) -> None:
    """Refuse, before training, an ``--out`` that is a folder, exists (without ``--force``) or cannot be written."""
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder, not a file; give a file name, e.g. --out {out / 'tut2-model.pt'}")
    if (out.exists() or out.is_symlink()) and not force:
        raise UsageError(
            f"--out {out} already exists; nothing was trained. Pass --force to overwrite it, or "
            f"choose another name, e.g. --out {next_free_name(out)}"
        )
    check_folder_writable(out.parent, f"--out {out}")


def check_folder_writable(folder: Path, what: str) -> None:
    """The folder exists or can be created, and a file can be created and removed in it.

    Probing with a real temporary file catches what permission bits do not: read-only mounts,
    ACLs, a full inode table. It is removed at once.
    """
    existing = folder
    while not (existing.exists() or existing == existing.parent):
        existing = existing.parent  # the nearest folder that is there: the rest would be created
    if not existing.is_dir():
        raise UsageError(
            f"{what}: {existing} is a file, not a folder, so nothing can be written under it; "
            "choose a path in a folder, or rename that file"
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".lenet-course-write-test-", suffix=".tmp", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UsageError(
            f"{what}: cannot write in {existing} ({err.strerror or err}); choose a folder you can "
            "write to, or fix its permissions"
        ) from None


# ---- configuration from the flags ------------------------------------------------------------
def config_from_args(args: argparse.Namespace) -> SolverConfig:
    """The solver file (or the LeNet recipe), with the flags given on the command line applied."""
    cfg = SolverConfig.from_prototxt(args.solver) if args.solver else SolverConfig()
    changes: dict[str, Any] = {name: getattr(args, name) for name in _CONFIG_FLAGS if getattr(args, name) is not None}
    if args.stepvalue:
        changes["stepvalue"] = tuple(args.stepvalue)
    if args.cpu:
        changes["solver_mode"] = "CPU"
    return cfg.replace(**changes)


def resume_command(prog: str, argv: Sequence[str], state_path: Path | str) -> str:
    """The command line that continues this run: the same arguments, ``--resume`` the snapshot."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--resume":
            skip = True
        elif not arg.startswith("--resume="):
            kept.append(arg)
    return " ".join([prog, *map(shlex.quote, kept), "--resume", shlex.quote(str(state_path))])


# ---- signals ---------------------------------------------------------------------------------
class CaffeSignals:
    """Ctrl-C and SIGHUP as Caffe's solver handles them, for the duration of one ``with`` block.

    SIGINT asks the solver to stop after the current iteration (it writes a snapshot then); a
    second SIGINT aborts at once (``KeyboardInterrupt``). SIGHUP asks for a snapshot and training
    continues. The previous handlers are put back on exit, so ``main()`` can be called from tests
    and notebooks. A signal the parent set to be ignored (``nohup``, a background job of a
    script) stays ignored, as Unix tools do. Outside the main thread signals cannot be caught and
    nothing is installed.
    """

    def __init__(self, solver) -> None:
        self.solver = solver
        self.interrupted = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> CaffeSignals:
        if threading.current_thread() is not threading.main_thread():
            return self
        handlers = {signal.SIGINT: self._on_sigint}
        if hasattr(signal, "SIGHUP"):  # not on Windows
            handlers[signal.SIGHUP] = self._on_sighup
        for signum, handler in handlers.items():
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, handler)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _on_sigint(self, signum, frame) -> None:
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self.solver.request_stop("interrupted")
        # os.write, not print: a handler may run in the middle of another write to the same stream.
        os.write(
            2, b"\nCtrl-C: stopping after this iteration and writing a snapshot (press Ctrl-C again to abort at once)\n"
        )

    def _on_sighup(self, signum, frame) -> None:
        self.solver.request_snapshot()


class _RunEvents:
    """The solver events the command reports on: the last snapshot written and why the run stopped."""

    def __init__(self) -> None:
        from .solver import SnapshotEvent, StopEvent

        self._kinds = (SnapshotEvent, StopEvent)
        self.snapshot: SnapshotEvent | None = None
        self.stop: StopEvent | None = None

    def __call__(self, event) -> None:
        snapshot_kind, stop_kind = self._kinds
        if isinstance(event, snapshot_kind):
            self.snapshot = event
        elif isinstance(event, stop_kind):
            self.stop = event


# ---- the commands ----------------------------------------------------------------------------
def _train(args: argparse.Namespace) -> int:
    from .distributed import env_world, per_rank_batch, process_group
    from .runtime import pick_device

    cfg = config_from_args(args)
    world = env_world()  # torchrun's RANK / WORLD_SIZE, or a single process
    if world.distributed:
        per_rank_batch(cfg.train_batch_size, world.size)  # refused before any process waits for another
    device = requested_device(args)
    with process_group(pick_device(cfg.solver_mode, device)) as world:
        _check_files_on_rank_0(args, cfg, world)
        return _train_in(args, cfg, world)


def _check_files_on_rank_0(args: argparse.Namespace, cfg: SolverConfig, world) -> None:
    """Rank 0 (the one that writes) checks ``--out`` and the snapshot folder; with several ranks
    its verdict is sent to all, so that none is left waiting for a rank 0 that refused to start."""
    problem: str | None = None
    if world.is_main:
        try:
            check_output_file(args.out, args.force)
            if cfg.snapshot > 0 or getattr(cfg, "snapshot_after_train", True):
                check_folder_writable(Path(cfg.snapshot_prefix).parent, f"snapshot_prefix {cfg.snapshot_prefix}")
        except UsageError as err:
            problem = str(err)
    if world.distributed:
        import torch.distributed as dist

        box = [problem]
        dist.broadcast_object_list(box, src=0)
        problem = box[0]
    if problem is not None:
        raise UsageError(problem if world.is_main else f"rank 0 refused to start: {problem}")


def _quiet(*args: Any, **kwargs: Any) -> None:
    """``print`` for the ranks other than 0: they train, rank 0 reports."""


def _train_in(args: argparse.Namespace, cfg: SolverConfig, world) -> int:
    """The training command in one process of the run (``world``: this rank, of how many)."""
    from .distributed import broadcast_seed
    from .models import count_parameters
    from .runtime import resolve_seed
    from .solver import Solver

    say = print if world.is_main else _quiet
    seed, from_clock = resolve_seed(cfg.random_seed)
    if from_clock:  # one seed for the model's initialisation and the solver, printed so it can be repeated
        seed = broadcast_seed(seed, world)  # every rank reads its own clock: all take rank 0's
        say(f"random_seed {cfg.random_seed}: seeded from the clock with {seed} (pass --seed {seed} to repeat this run)")
        cfg = cfg.replace(random_seed=seed)
    events = _RunEvents()
    # The solver builds the model from cfg.random_seed: weights, batch order and augmentation
    # all follow from the config, and the process's random stream is never reseeded.
    solver = Solver(
        args.model,
        cfg,
        root=args.data_dir,
        augment=args.augment,
        progress=not args.no_progress,
        callbacks=[events],
        world=world,
        device=None if world.distributed else requested_device(args),
    )
    model = solver.model
    say(f"model {args.model}: {type(model).__name__}, {count_parameters(model):,} parameters")
    say("solver: " + ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(cfg).items() if v not in (None, ())))
    if world.distributed:
        say(
            f"data parallel: {world.size} processes, {cfg.train_batch_size // world.size} of each global "
            f"batch of {cfg.train_batch_size} per process"
        )
    if args.resume:
        solver.restore(args.resume)  # every rank; the solver logs the fields that changed since the snapshot
        say(f"resumed from {args.resume} at iteration {solver.iter}")

    started = time.perf_counter()
    with CaffeSignals(solver) as signals:
        history = solver.solve()
    elapsed = time.perf_counter() - started
    say(
        f"trained {solver.trained_this_run} iterations in {elapsed:.1f} s on {solver.device} "
        f"(now at iteration {solver.iter})"
    )
    if not world.is_main:  # rank 0 writes the weights and reports; the others end with its exit code
        return _exit_code_of(solver.last_stop.reason if solver.last_stop else "finished", signals.interrupted)
    stop = events.stop
    reason = stop.reason if stop is not None else "finished"
    if stop is not None and reason == "diverged":
        return _keep_diverged(args, solver, stop.message or history.stop_reason)
    if signals.interrupted or reason != "finished":
        return _report_interrupted(args, solver, events)
    return _save_and_evaluate(args, solver)


def _exit_code_of(reason: str, interrupted: bool) -> int:
    """The exit code rank 0 gives for the same end of a run, for the other ranks."""
    if reason == "diverged":
        return EXIT_STOPPED
    if interrupted or reason != "finished":
        return EXIT_INTERRUPTED
    return EXIT_OK


def _keep_diverged(args: argparse.Namespace, solver, message: str) -> int:
    """A diverged run writes nothing over ``--out``: its weights go to ``<stem>-diverged.pt``."""
    from .checkpoints import save_weights

    kept = save_weights(solver.model, diverged_path(args.out))
    print(
        f"{PROG}: {message}\nNothing was written to {args.out}; the diverged weights are in {kept} for inspection.",
        file=sys.stderr,
    )
    return EXIT_STOPPED


def _save_and_evaluate(args: argparse.Namespace, solver) -> int:
    """Write the final weights (first, so a failing evaluation loses nothing), then test them."""
    from .checkpoints import save_weights
    from .evaluate import evaluate

    out = args.out
    if (out.exists() or out.is_symlink()) and not args.force:  # appeared while we trained
        out = next_free_name(out)
        print(f"{args.out} appeared during training; writing to {out} instead")
    out = save_weights(solver.model, out)
    result = evaluate(solver.model, root=args.data_dir)
    print(f"test accuracy: {result.accuracy:.4f}")
    print(f"weights written to {out}")
    return EXIT_OK


def _report_interrupted(args: argparse.Namespace, solver, events: _RunEvents) -> int:
    """After Ctrl-C: where the snapshot is and the exact command that continues the run."""
    snap, stop = events.snapshot, events.stop
    state_path = stop.state_path if stop is not None else None
    if state_path is not None:
        weights = f"{snap.weights_path} and " if snap is not None and snap.state_path == state_path else ""
        print(
            f"{PROG}: interrupted at iteration {solver.iter}; snapshot written to {weights}{state_path}; "
            f"nothing was written to {args.out}.\nTo continue, run:\n  "
            f"{resume_command(args.prog, args.argv, state_path)}",
            file=sys.stderr,
        )
    else:
        print(
            f"{PROG}: interrupted at iteration {solver.iter}; no snapshot was written "
            f"(snapshot_after_train is off), so this run cannot be resumed; nothing was written to "
            f"{args.out}.",
            file=sys.stderr,
        )
    return EXIT_INTERRUPTED


def _evaluate(args: argparse.Namespace) -> int:
    from .checkpoints import load_model
    from .evaluate import evaluate

    model = load_model(args.model_file, arch=args.arch, device=requested_device(args))
    result = evaluate(model, root=args.data_dir)
    print(f"{args.model_file}: {type(model).__name__}")
    print(f"test accuracy: {result.accuracy:.4f} ({result.correct} / {result.total}), test loss {result.loss:.4f}")
    print("per-class accuracy:")
    for digit, acc in enumerate(result.per_class_accuracy):
        print(f"  {digit}: {acc:.4f}")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    from .checkpoints import load_model
    from .models import architecture_name, count_parameters, format_summary, summary

    model = load_model(args.model_file, arch=args.arch, device="cpu")
    print(
        f"{args.model_file}: architecture {architecture_name(model)!r} ({type(model).__name__}), "
        f"{count_parameters(model):,} parameters"
    )
    print(format_summary(summary(model)))
    return EXIT_OK


#: The networks ``reproduce`` knows: (default passes, default seeds, results file name).
REPRODUCIBLE = {"lenet5-1998": (20, 3, "lenet5_1998.json"), "zipcode-1989": (23, 1, "zipcode_1989.json")}


def _reproduce(args: argparse.Namespace) -> int:
    from .paths import runs_dir

    default_passes, default_seeds, file_name = REPRODUCIBLE[args.network]
    passes = default_passes if args.passes is None else args.passes
    seeds = default_seeds if args.seeds is None else args.seeds
    for flag, value in (("--passes", passes), ("--seeds", seeds), ("--batch-size", args.batch_size)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be at least 1, got {value}")
    if args.train_limit is not None and args.train_limit < 1:
        raise UsageError(f"--train-limit must be at least 1 image, got {args.train_limit}")
    if args.first_seed < 0:
        raise UsageError(f"--first-seed must be 0 or more, got {args.first_seed}")
    if args.network == "zipcode-1989" and seeds != 1:
        raise UsageError("zipcode-1989 reproduces one run (the paper's); leave --seeds out or pass --seeds 1")
    out = args.out if args.out is not None else runs_dir("reproduce", file_name)
    check_output_file(out, args.force)
    if args.data_dir is not None:
        os.environ["LENET_COURSE_DATA"] = str(args.data_dir)
    device = requested_device(args)
    command = shlex.join([args.prog, *args.argv])
    started = time.perf_counter()
    if args.network == "lenet5-1998":
        _reproduce_lenet5(args, passes, seeds, device, command, out)
    else:
        _reproduce_zipcode(args, passes, device, out)
    print(f"wrote {out} ({time.perf_counter() - started:.0f} s in all)")
    return EXIT_OK


def _reproduce_lenet5(args: argparse.Namespace, passes: int, seeds: int, device, command: str, out: Path) -> None:
    from .reproduce import DEFAULT_BATCH_SIZE, ReproductionError, reproduce_lenet5_1998, save_results, summarize

    def show(seed: int, r) -> None:
        took = r.seconds + r.curvature_seconds + r.eval_seconds
        print(
            f"seed {seed} pass {r.pass_number:2d}: eta {r.rate:.5f}  train error {r.train_error:.2%}  "
            f"test error {r.test_error:.2%}  ({took:.0f} s)",
            flush=True,
        )

    try:
        result = reproduce_lenet5_1998(
            range(args.first_seed, args.first_seed + seeds),
            passes,
            command=command,
            on_pass=None if args.no_progress else show,
            on_progress=lambda so_far: save_results(so_far, out),  # a stopped run keeps its passes
            batch_size=args.batch_size or DEFAULT_BATCH_SIZE,
            train_limit=args.train_limit,
            device=device,
        )
    except ReproductionError as err:
        raise UsageError(str(err)) from None
    save_results(result, out)
    summary = summarize(result)
    print(
        f"final test error over {len(summary.seeds)} seed(s): {summary.mean:.2%} +- {summary.sd:.2%} (sd); "
        f"one 10,000-image test error has a standard error of {summary.standard_error:.2%}; the paper: 0.95%"
    )


def _reproduce_zipcode(args: argparse.Namespace, passes: int, device, out: Path) -> None:
    from .zipcode1989 import ZipcodeError, save_run, train_zipcode_net

    def show(r) -> None:
        print(
            f"pass {r.pass_number:2d}: train error {r.train_error:.2%}  test error {r.test_error:.2%}  "
            f"({r.seconds:.0f} s)",
            flush=True,
        )

    options = {"batch_size": args.batch_size} if args.batch_size else {}
    try:
        run = train_zipcode_net(
            passes,
            0,
            device=device,
            train_limit=args.train_limit,
            on_pass=None if args.no_progress else show,
            **options,
        )
    except ZipcodeError as err:
        raise UsageError(str(err)) from None
    save_run(run, out)
    print(f"final test error {run.final.test_error:.2%} ({run.total_seconds:.0f} s)")


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are a :class:`UsageError` (one line, exit 2) instead of usage + exit."""

    def error(self, message: str):
        raise UsageError(f"{message}; see '{self.prog} --help'")


def _device_name(text: str) -> str:
    """An argparse type: a device torch knows by name (whether this machine has it is checked later)."""
    import torch

    try:
        return str(torch.device(text))
    except (RuntimeError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown device {text!r}; use cpu, cuda, cuda:N or mps") from None


def requested_device(args: argparse.Namespace):  # -> torch.device | None
    """``--device`` (or ``--cpu``) as a torch device, checked against what this machine has; None
    when neither is given, so the library picks CUDA, else MPS, else the CPU."""
    import torch

    if getattr(args, "device", None) is None:
        return torch.device("cpu") if args.cpu else None
    device = torch.device(args.device)
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()),
    }
    if not available.get(device.type, False):
        raise UsageError(
            f"--device {args.device}: this machine has no {device.type.upper()} device that torch can use; "
            "leave --device out to pick one automatically, or pass --device cpu"
        )
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise UsageError(
            f"--device {args.device}: there are only {torch.cuda.device_count()} CUDA devices "
            f"(cuda:0 to cuda:{torch.cuda.device_count() - 1})"
        )
    return device


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a LeNet (defaults: the Caffe LeNet recipe)")
    train.add_argument("--solver", type=_nonempty_path, help="a Caffe solver.prototxt to read")
    train.add_argument("--model", choices=("caffe", "tut", "lenet5"), default="caffe")
    train.add_argument(
        "--out",
        type=_nonempty_path,
        default=Path("tut2-model.pt"),
        help="final weights file, relative to the current folder (default: tut2-model.pt)",
    )
    train.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    train.add_argument("--resume", type=_nonempty_path, help="a .solverstate.pt snapshot to continue from")
    train.add_argument(
        "--augment", action="store_true", help="RandomRotation(5) + RandomCrop(28, padding=2) through a DataLoader"
    )
    train.add_argument("--base-lr", dest="base_lr", type=float)
    train.add_argument("--momentum", type=float)
    train.add_argument("--weight-decay", dest="weight_decay", type=float)
    train.add_argument("--lr-policy", dest="lr_policy", choices=POLICIES)
    train.add_argument("--gamma", type=float)
    train.add_argument("--power", type=float)
    train.add_argument("--stepsize", type=int)
    train.add_argument("--stepvalue", type=int, action="append")
    train.add_argument("--max-iter", dest="max_iter", type=int)
    train.add_argument("--test-interval", dest="test_interval", type=int)
    train.add_argument("--display", type=int)
    train.add_argument("--snapshot", type=int)
    train.add_argument(
        "--snapshot-prefix",
        dest="snapshot_prefix",
        help="snapshot file prefix, relative to the current folder (default: snapshots/lenet)",
    )
    train.add_argument("--type", choices=SOLVER_TYPES, help="SGD is Caffe's update")
    train.add_argument("--seed", dest="random_seed", type=int)
    train.add_argument("--batch-size", dest="train_batch_size", type=int)
    train.set_defaults(run=_train)

    evaluate = sub.add_parser("evaluate", help="accuracy and per-class accuracy on the MNIST test set")
    evaluate.add_argument("model_file", type=_nonempty_path)
    evaluate.set_defaults(run=_evaluate)

    info = sub.add_parser("info", help="architecture, layers and parameter counts of a weight file")
    info.add_argument("model_file", type=_nonempty_path)
    info.set_defaults(run=_info)

    reproduce = sub.add_parser("reproduce", help="rerun a historical network's full run (lessons 11 and 12)")
    reproduce.add_argument("network", choices=tuple(REPRODUCIBLE), help="lenet5-1998 (lesson 12) or zipcode-1989 (11)")
    reproduce.add_argument("--passes", type=int, help="passes through the training set (default: the paper's)")
    reproduce.add_argument("--seeds", type=int, help="runs, with seeds 0, 1, ... (default: 3 for lenet5-1998)")
    reproduce.add_argument("--first-seed", dest="first_seed", type=int, default=0, help="the first seed (default 0)")
    reproduce.add_argument("--batch-size", dest="batch_size", type=int, help="samples per weight update")
    reproduce.add_argument("--train-limit", dest="train_limit", type=int, help="train on the first N images only")
    reproduce.add_argument("--out", type=_nonempty_path, help="results JSON (default: runs/reproduce/<network>.json)")
    reproduce.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    reproduce.set_defaults(run=_reproduce)

    add_lesson_commands(sub)  # lessons DIR, lab [DIR]

    for p in (train, evaluate, info, reproduce):
        p.add_argument("--data-dir", type=_nonempty_path, help="MNIST root (default: $LENET_COURSE_DATA or data/)")
        p.add_argument("--cpu", action="store_true", help="use the CPU even when CUDA is available")
        p.add_argument(
            "--device",
            type=_device_name,
            help="cpu, cuda, cuda:N or mps (default: CUDA, else MPS, else the CPU, picked automatically)",
        )
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
    for p in (evaluate, info):
        p.add_argument("--arch", choices=("caffe", "tut", "lenet5"), help="skip architecture detection")
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line for a shell user, without the library's source location."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _user_errors() -> tuple[type[BaseException], ...]:
    """The library's error types: a wrong input or an unusable file, never a bug."""
    from .checkpoints import CheckpointError
    from .data import MNISTError
    from .lesson_folder import LessonFolderError

    return (UsageError, ConfigError, ScheduleError, CheckpointError, MNISTError, LessonFolderError)


def _os_error_message(err: OSError) -> str:
    where = f"{err.filename}: " if err.filename else ""
    return (
        f"{where}{err.strerror or err}; check the path and its permissions, free some disk space, "
        "or choose another folder"
    )


def _who() -> str:
    """``lenet-course`` alone, or ``lenet-course (rank 1 of 2)`` for a process under torchrun."""
    rank, size = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
    return f"{PROG} (rank {rank} of {size})" if rank is not None and size not in (None, "1") else PROG


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run one command; return its exit code (0 done, 1 stopped, diverged or a rank failed, 2 bad
    input, 130 Ctrl-C)."""
    from .distributed import RankFailedError

    argv = list(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            args = build_parser(prog).parse_args(argv)
            args.argv, args.prog = argv, prog
            return args.run(args)
        except _user_errors() as err:
            print(f"{_who()}: error: {err}", file=sys.stderr)
            return EXIT_USAGE
        except RankFailedError as err:
            print(f"{_who()}: error: {err}", file=sys.stderr)
            return EXIT_STOPPED
        except OSError as err:  # writing weights or snapshots: permissions, a full disk
            print(f"{_who()}: error: {_os_error_message(err)}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print(f"\n{PROG}: aborted by Ctrl-C; the last snapshot written (if any) is intact.", file=sys.stderr)
            return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
