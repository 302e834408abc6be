"""``lenet-course train | evaluate | info``: the library's training and inspection from a shell."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from .config import SOLVER_TYPES, ConfigError, SolverConfig
from .schedules import POLICIES


def _train(args: argparse.Namespace) -> int:
    from .checkpoints import save_weights
    from .evaluate import evaluate
    from .models import build_model, count_parameters
    from .solver import Solver, seed_everything

    cfg = SolverConfig.from_prototxt(args.solver) if args.solver else SolverConfig()
    changes = {
        name: getattr(args, name)
        for name in ("base_lr", "momentum", "weight_decay", "lr_policy", "gamma", "power",
                     "stepsize", "max_iter", "test_interval", "display", "snapshot",
                     "snapshot_prefix", "type", "random_seed", "train_batch_size")
        if getattr(args, name) is not None
    }
    if args.stepvalue:
        changes["stepvalue"] = tuple(args.stepvalue)
    if args.cpu:
        changes["solver_mode"] = "CPU"
    if "lr_policy" in changes and changes["lr_policy"] != cfg.lr_policy:
        params = {k: changes.pop(k) for k in ("gamma", "power", "stepsize", "stepvalue") if k in changes}
        cfg = cfg.with_policy(changes.pop("lr_policy"), **params)
    cfg = cfg.replace(**changes)

    seed_everything(cfg.random_seed)
    model = build_model(args.model)
    print(f"model {args.model}: {type(model).__name__}, {count_parameters(model):,} parameters")
    print("solver: " + ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(cfg).items() if v not in (None, ())))
    solver = Solver(model, cfg, root=args.data_dir, augment=args.augment, progress=not args.no_progress)
    if args.resume:
        solver.restore(args.resume)
        print(f"resumed from {args.resume} at iteration {solver.iter}")
    started = time.perf_counter()
    history = solver.solve()
    elapsed = time.perf_counter() - started
    out = save_weights(solver.model, args.out)
    result = evaluate(solver.model, root=args.data_dir)
    print(f"trained {solver.iter} iterations in {elapsed:.1f} s on {solver.device}")
    if history.stop_reason:
        print(history.stop_reason)
    print(f"test accuracy: {result.accuracy:.4f}")
    print(f"weights written to {out}")
    return 0 if not history.stop_reason else 1


def _evaluate(args: argparse.Namespace) -> int:
    from .checkpoints import load_model
    from .evaluate import evaluate

    model = load_model(args.model_file, arch=args.arch, device="cpu" if args.cpu else None)
    result = evaluate(model, root=args.data_dir)
    print(f"{args.model_file}: {type(model).__name__}")
    print(f"test accuracy: {result.accuracy:.4f} ({result.correct} / {result.total}), test loss {result.loss:.4f}")
    print("per-class accuracy:")
    for digit, acc in enumerate(result.per_class_accuracy):
        print(f"  {digit}: {acc:.4f}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .checkpoints import load_model
    from .models import architecture_name, count_parameters, format_summary, summary

    model = load_model(args.model_file, arch=args.arch, device="cpu")
    print(f"{args.model_file}: architecture {architecture_name(model)!r} ({type(model).__name__}), "
          f"{count_parameters(model):,} parameters")
    print(format_summary(summary(model)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lenet-course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a LeNet (defaults: the Caffe LeNet recipe)")
    train.add_argument("--solver", type=Path, help="a Caffe solver.prototxt to read")
    train.add_argument("--model", choices=("caffe", "tut", "lenet5"), default="caffe")
    train.add_argument("--out", type=Path, default=Path("tut2-model.pt"), help="final weights file")
    train.add_argument("--resume", type=Path, help="a .solverstate.pt snapshot to continue from")
    train.add_argument("--augment", action="store_true",
                       help="RandomRotation(5) + RandomCrop(28, padding=2) through a DataLoader")
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
    train.add_argument("--snapshot-prefix", dest="snapshot_prefix")
    train.add_argument("--type", choices=SOLVER_TYPES, help="SGD is Caffe's update")
    train.add_argument("--seed", dest="random_seed", type=int)
    train.add_argument("--batch-size", dest="train_batch_size", type=int)
    train.set_defaults(run=_train)

    evaluate = sub.add_parser("evaluate", help="accuracy and per-class accuracy on the MNIST test set")
    evaluate.add_argument("model_file", type=Path)
    evaluate.set_defaults(run=_evaluate)

    info = sub.add_parser("info", help="architecture, layers and parameter counts of a weight file")
    info.add_argument("model_file", type=Path)
    info.set_defaults(run=_info)

    for p in (train, evaluate, info):
        p.add_argument("--data-dir", type=Path, help="MNIST root (default: $LENET_COURSE_DATA or data/)")
        p.add_argument("--cpu", action="store_true", help="use the CPU even when CUDA is available")
        p.add_argument("--no-progress", action="store_true", help="no progress bar")
    for p in (evaluate, info):
        p.add_argument("--arch", choices=("caffe", "tut", "lenet5"), help="skip architecture detection")
    return parser


def main(argv: list[str] | None = None) -> int:
    from .checkpoints import CheckpointError
    from .data import MNISTCorruptError, MNISTNotFoundError

    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ConfigError, CheckpointError, MNISTNotFoundError, MNISTCorruptError) as err:
        print(f"lenet-course: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
