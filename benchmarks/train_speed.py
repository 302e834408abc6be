"""Training speed side by side: the DataLoader loop everyone copies vs. the course's own Solver.

Same model (CaffeLeNet), batch 64, SGD momentum 0.9, weight decay 5e-4, same machine and threads:

- (a) torchvision ``MNIST`` + ``ToTensor()`` + ``Normalize`` through a ``DataLoader`` (num_workers
  0), a plain loop calling ``loss.item()`` every step;
- (b) ``lenet_course.solver.Solver`` as the lessons use it (``Solver(model, cfg).step(n)``).

Windows of (a) and (b) alternate, so both see the same background load; each figure is the
median over windows after a warm-up. The compute limit is the measured fp32 ``torch.mm``
throughput divided by the model's FLOPs per image (forward + backward, counted by
``FlopCounterMode`` and cross-checked against a per-layer formula).

    python benchmarks/train_speed.py            # ~1 minute on 2 cores
    python benchmarks/train_speed.py --full     # also the whole Caffe recipe (10,000 iterations)

It first prints the CPU (model, vector extensions, the kernels torch picked, threads), and after
the two loops, three A/B comparisons, each in interleaved windows within this one run (other
work on the machine then slows both sides alike; compare the ratios, not the absolute times):

- the flatten's gradient layout: the hook ``make_fast`` adds from outside (today) against the
  custom autograd flatten that ``models.py`` used to call (before) and against no trick at all;
- evaluation of the 10,000 test images: ``evaluate()`` (a channels-last copy) against the
  model's own NCHW layout, per batch size, and per layer (wall time between forward hooks);
- cold start, split into ``import torch``, the course's imports and building the Solver.

The last two lines are machine-readable: ``speedup_vs_dataloader: X.XX`` and
``fraction_of_compute_limit: Y.YY``.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from lenet_course.config import SolverConfig  # noqa: E402
from lenet_course.data import MEAN, STD, ensure_mnist  # noqa: E402
from lenet_course.evaluate import evaluate  # noqa: E402
from lenet_course.models import CaffeLeNet  # noqa: E402
from lenet_course.runtime import cpu_description, pick_device, use_channels_last  # noqa: E402
from lenet_course.solver import Solver  # noqa: E402

BATCH = 64
#: The library side's configuration: the Caffe recipe without tests or snapshots inside the timed
#: windows (evaluation is timed on its own below).
TIMED_CFG = SolverConfig(test_interval=0, snapshot=0, train_batch_size=BATCH)

#: Run in a fresh interpreter: what a lesson's first cell costs before training can start.
#: Prints the wall clock after each stage: torch imported, the course imported, Solver ready.
COLD_START = """
import time
import torch
t_torch = time.time()
from lenet_course.models import CaffeLeNet
from lenet_course.solver import Solver
t_course = time.time()
solver = Solver(CaffeLeNet(), log=None, progress=False)
print(t_torch, t_course, time.time())
"""


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ---- FLOPs -------------------------------------------------------------------------------------
def counted_flops_per_image(device: torch.device) -> float:
    """Forward + backward FLOPs of one training step, by ``FlopCounterMode``, per image."""
    from torch.utils.flop_counter import FlopCounterMode

    model = CaffeLeNet().to(device)
    x = torch.rand(BATCH, 1, 28, 28, device=device)  # the input needs no gradient, as in training
    y = torch.randint(0, 10, (BATCH,), device=device)
    with FlopCounterMode(display=False) as counter:
        F.cross_entropy(model(x), y).backward()
    return counter.get_total_flops() / BATCH


def analytic_flops_per_image(model: nn.Module | None = None) -> float:
    """2 * multiply-adds per layer: forward, weight gradient, and input gradient except the first."""
    model = model or CaffeLeNet()
    size, total, first = 28, 0.0, True
    for layer in model.modules():
        if isinstance(layer, nn.Conv2d):
            size = size - layer.kernel_size[0] + 1
            macs = layer.out_channels * size * size * layer.in_channels * layer.kernel_size[0] ** 2
        elif isinstance(layer, nn.MaxPool2d):
            size //= 2
            continue
        elif isinstance(layer, nn.Linear):
            macs = layer.in_features * layer.out_features
        else:
            continue
        total += 2 * macs * (2 if first else 3)  # forward + weight grad (+ input grad)
        first = False
    return total


# ---- the machine's limit -----------------------------------------------------------------------
def matmul_gflops(device: torch.device, sizes: tuple[int, ...] = (512, 1024, 2048)) -> float:
    """Best fp32 ``torch.mm`` throughput over a few square sizes, on the current threads."""
    best = 0.0
    for n in sizes:
        a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
        reps = max(2, int(4e9 / (2 * n**3)))
        torch.mm(a, b)
        for _ in range(3):
            sync(device)
            t = time.perf_counter()
            for _ in range(reps):
                torch.mm(a, b)
            sync(device)
            best = max(best, 2 * n**3 * reps / (time.perf_counter() - t) / 1e9)
    return best


# ---- (a) the DataLoader baseline ---------------------------------------------------------------
def dataloader_stepper(root: Path, device: torch.device) -> Callable[[int], None]:
    """``steps(n)`` runs n iterations of the textbook loop, cycling over the DataLoader."""
    from torchvision import datasets, transforms

    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    dataset = datasets.MNIST(str(root), train=True, download=False, transform=tf)
    loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH, shuffle=True, num_workers=0, drop_last=True)
    model = CaffeLeNet().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def batches() -> Iterator:
        while True:
            yield from loader

    it = batches()

    def steps(n: int) -> None:
        model.train()
        for _ in range(n):
            x, y = next(it)
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            loss.item()

    return steps


# ---- (b) the library's loop --------------------------------------------------------------------
def solver_stepper(device: torch.device) -> Callable[[int], None]:
    solver = Solver(CaffeLeNet(), TIMED_CFG, device=device, log=None, progress=False)

    def steps(n: int) -> None:
        solver.step(n)
        sync(device)

    return steps


def worker(loop: str, device: torch.device) -> None:
    """Serve timing requests for one loop: read a count per line, run it, answer the seconds.

    Each loop lives in its own process, so neither inherits the other's process-wide settings
    (the Solver's allocator setting, in particular) or its warm caches.
    """
    torch.manual_seed(0)
    run = dataloader_stepper(ensure_mnist(download=False), device) if loop == "a" else solver_stepper(device)
    print("ready", flush=True)
    for line in sys.stdin:
        t = time.perf_counter()
        run(int(line))
        print(time.perf_counter() - t, flush=True)


class Worker:
    """The parent's handle on a :func:`worker` process."""

    def __init__(self, loop: str, device: torch.device, threads: int) -> None:
        cmd = [sys.executable, __file__, "--worker", loop, "--device", str(device), "--threads", str(threads)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"benchmark worker {loop!r} failed to start")

    def run(self, iters: int) -> float:
        self.proc.stdin.write(f"{iters}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def paired_windows(workers: dict[str, Worker], iters: int, windows: int, warmup: int) -> dict[str, list[float]]:
    """Images/s per window for each loop, windows interleaved so load drifts hit both alike."""
    for w in workers.values():
        w.run(warmup)
    rates: dict[str, list[float]] = {name: [] for name in workers}
    for _ in range(windows):
        for name, w in workers.items():
            rates[name].append(iters * BATCH / w.run(iters))
    return rates


def time_eval(fn: Callable[[], object], repeats: int, device: torch.device) -> float:
    """Median seconds of ``fn()`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        sync(device)
        t = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cold_start_seconds(repeats: int) -> dict[str, float]:
    """Median seconds from launching a fresh interpreter to its Solver being ready (both splits
    loaded and checked), and of its stages; the interpreter's exit is not counted."""
    stages: dict[str, list[float]] = {
        "python + import torch": [],
        "import lenet_course": [],
        "Solver (data, model, optimizer)": [],
        "total": [],
    }
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(repeats):
        t = time.time()
        out = subprocess.run(
            [sys.executable, "-c", COLD_START], check=True, env=env, cwd=REPO, capture_output=True, text=True
        )
        t_torch, t_course, t_ready = (float(v) for v in out.stdout.split()[-3:])
        for name, value in zip(stages, (t_torch - t, t_course - t_torch, t_ready - t_course, t_ready - t)):
            stages[name].append(value)
    return {name: statistics.median(values) for name, values in stages.items()}


# ---- A/B: where the flatten's gradient-layout trick lives --------------------------------------
class _OldChannelsLastFlatten(torch.autograd.Function):
    """What ``models.py`` called before: ``torch.flatten(x, 1)`` handing back a channels-last grad."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.contiguous().view(x.shape[0], -1)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape).contiguous(memory_format=torch.channels_last)


class _OldCaffeLeNet(CaffeLeNet):
    """CaffeLeNet with the flatten trick inside ``forward``, as it was (same weights, same maths)."""

    def forward(self, x):
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        if x.requires_grad and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
            x = _OldChannelsLastFlatten.apply(x)
        else:
            x = torch.flatten(x, 1)
        return self.ip2(self.relu1(self.ip1(x)))


def flatten_ab(device: torch.device, iters: int, windows: int) -> dict[str, list[float]]:
    """Images/s per window of three Solvers in this process, windows interleaved."""

    def solver(model: nn.Module, keep_hook: bool) -> Solver:
        torch.manual_seed(0)
        state = CaffeLeNet().state_dict()
        model.load_state_dict(state)
        s = Solver(model, TIMED_CFG, device=device, log=None, progress=False)
        if not keep_hook:
            for m in model.modules():
                m._forward_hooks.clear()
        return s

    solvers = {
        "hook from make_fast (now)": solver(CaffeLeNet(), True),
        "flatten in forward (before)": solver(_OldCaffeLeNet(), False),
        "no trick": solver(CaffeLeNet(), False),
    }
    for s in solvers.values():
        s.step(20)
    rates: dict[str, list[float]] = {name: [] for name in solvers}
    for _ in range(windows):
        for name, s in solvers.items():
            sync(device)
            t = time.perf_counter()
            s.step(iters)
            sync(device)
            rates[name].append(iters * BATCH / (time.perf_counter() - t))
    return rates


# ---- A/B: evaluation ---------------------------------------------------------------------------
def per_layer_seconds(model: nn.Module, test, batch_size: int, channels_last_input: bool) -> dict[str, float]:
    """Wall seconds per layer over one pass of ``test`` (perf_counter between forward hooks)."""
    times: dict[str, float] = {}
    marks: list[float] = []
    names = {m: n for n, m in model.named_modules() if n}

    def start(module, _inputs):
        marks.append(time.perf_counter())

    def stop(module, _inputs, _output):
        times[names[module]] = times.get(names[module], 0.0) + time.perf_counter() - marks.pop()

    handles = [h for m in names for h in (m.register_forward_pre_hook(start), m.register_forward_hook(stop))]
    try:
        with torch.inference_mode():
            model.eval()
            t = time.perf_counter()
            for x, _ in test.iter_epoch(batch_size):
                if channels_last_input:
                    x = x.contiguous(memory_format=torch.channels_last)
                model(x)
            sync(x.device)
            times["total"] = time.perf_counter() - t
    finally:
        for h in handles:
            h.remove()
    times["other (scaling, flatten, glue)"] = times["total"] - sum(v for k, v in times.items() if k != "total")
    return times


def evaluation_ab(model: nn.Module, test, device: torch.device, repeats: int) -> None:
    """``evaluate()`` variants and a per-layer split, interleaved; medians over ``repeats``."""
    nchw = copy.deepcopy(model).to(memory_format=torch.contiguous_format)
    variants = {
        "evaluate(), batch 100 (channels-last copy)": lambda: evaluate(nchw, test, batch_size=100),
        "evaluate(), batch 50": lambda: evaluate(nchw, test, batch_size=50),
        "evaluate(), batch 200": lambda: evaluate(nchw, test, batch_size=200),
        "evaluate(fast=False), NCHW model": lambda: evaluate(nchw, test, batch_size=100, fast=False),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for fn in variants.values():
        fn()
    for _ in range(repeats):
        for name, fn in variants.items():
            sync(device)
            t = time.perf_counter()
            fn()
            sync(device)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times["evaluate(fast=False), NCHW model"])
    print(f"\nevaluation of {len(test.labels):,} test images (median of {repeats} interleaved repeats):")
    for name, values in times.items():
        print(f"  {name:<44} {statistics.median(values):.3f} s  ({base / statistics.median(values):.2f}x NCHW)")
    layouts = {"NCHW": (nchw, False), "channels-last": (use_channels_last(copy.deepcopy(nchw)), True)}
    split: dict[str, list[dict[str, float]]] = {name: [] for name in layouts}
    for _ in range(repeats):
        for name, (m, cl_input) in layouts.items():
            split[name].append(per_layer_seconds(m, test, 100, cl_input))
    print("  per layer, batch 100, ms (wall time between forward hooks):")
    keys = list(split["NCHW"][0])
    print(f"    {'':<14}" + "".join(f"{k[:12]:>13}" for k in keys))
    for name, runs in split.items():
        print(f"    {name:<14}" + "".join(f"{1000 * statistics.median(r[k] for r in runs):13.1f}" for k in keys))


def full_recipe(device: torch.device) -> None:
    """The whole Caffe recipe (SolverConfig() defaults), timed end to end including its tests."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = SolverConfig(snapshot_prefix=str(Path(tmp) / "lenet"))
        torch.manual_seed(0)
        t = time.perf_counter()
        solver = Solver(CaffeLeNet(), cfg, device=device, log=None, progress=False)
        history = solver.solve()
        sync(device)
        wall = time.perf_counter() - t
    print(
        f"\nfull Caffe recipe: {cfg.max_iter} iterations, {len(history.test_iteration)} tests, "
        f"{wall:.1f} s wall, final test accuracy {history.test_accuracy[-1]:.4f}"
    )
    print(f"full_recipe_seconds: {wall:.1f}")
    print(f"full_recipe_accuracy: {history.test_accuracy[-1]:.4f}")


def load_note() -> str:
    try:
        return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also run the whole Caffe recipe")
    parser.add_argument("--windows", type=int, default=5, help="timed windows per loop")
    parser.add_argument("--iters", type=int, default=120, help="iterations per timed window")
    parser.add_argument("--warmup", type=int, default=40, help="untimed iterations first")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--worker", choices=("a", "b"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(device=args.device or None)
    if args.worker:
        worker(args.worker, device)
        return 0
    ensure_mnist(download=False)
    print(
        f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs, {load_note()}"
    )
    print(cpu_description())

    counted = counted_flops_per_image(device)
    analytic = analytic_flops_per_image()
    if abs(counted - analytic) > 0.01 * analytic:
        raise SystemExit(f"FLOP counts disagree: counted {counted:,.0f}, analytic {analytic:,.0f}")
    print(
        f"FLOPs per image, forward + backward: {counted / 1e6:.2f} M "
        f"(FlopCounterMode; per-layer formula {analytic / 1e6:.2f} M)"
    )

    before = matmul_gflops(device)
    workers = {loop: Worker(loop, device, torch.get_num_threads()) for loop in ("a", "b")}
    try:
        rates = paired_windows(workers, args.iters, args.windows, args.warmup)
    finally:
        for w in workers.values():
            w.close()
    after = matmul_gflops(device)
    gflops = max(before, after)  # the machine's limit: background load only ever lowers it
    a, b = statistics.median(rates["a"]), statistics.median(rates["b"])
    paired = statistics.median(y / x for x, y in zip(rates["a"], rates["b"]))
    limit = gflops * 1e9 / counted
    print(
        f"(a) DataLoader + ToTensor + Normalize, .item() per step: {a:8.0f} img/s  "
        f"(windows {min(rates['a']):.0f}..{max(rates['a']):.0f})"
    )
    print(
        f"(b) lenet_course Solver:                                {b:8.0f} img/s  "
        f"(windows {min(rates['b']):.0f}..{max(rates['b']):.0f})"
    )
    print(f"b/a: {b / a:.2f} (median of per-window ratios {paired:.2f})")
    print(
        f"fp32 torch.mm: {gflops:.0f} GFLOP/s on {torch.get_num_threads()} threads (best of "
        f"{before:.0f} before and {after:.0f} after the windows) -> compute limit {limit:,.0f} img/s"
    )

    solver = Solver(CaffeLeNet(), TIMED_CFG, device=device, log=None, progress=False)
    test = solver.test_data
    n_test = len(test.labels)
    t_eval = time_eval(lambda: evaluate(solver.model, test), 5, device)
    t_test = time_eval(lambda: solver.test(), 5, device)
    print(
        f"evaluate() on {n_test:,} test images: {t_eval:.3f} s ({n_test / t_eval:,.0f} img/s); "
        f"Solver.test(): {t_test:.3f} s ({n_test / t_test:,.0f} img/s)"
    )
    if device.type == "cpu":
        evaluation_ab(solver.model, test, device, 5)
    ab = flatten_ab(device, args.iters, args.windows)
    now = ab["hook from make_fast (now)"]
    print(f"\nflatten gradient layout, {args.windows} interleaved windows of {args.iters} iterations:")
    for name, values in ab.items():
        ratio = statistics.median(x / y for x, y in zip(values, now))
        print(f"  {name:<30} {statistics.median(values):8.0f} img/s  ({ratio:.3f}x the hook's, per-window median)")
    cold = cold_start_seconds(3)
    print("\ncold start (fresh interpreter until its Solver has both splits ready), median of 3:")
    for name, value in cold.items():
        print(f"  {name:<34} {value:.2f} s")
    print(f"({load_note()} at the end)")

    if args.full:
        full_recipe(device)

    print(f"speedup_vs_dataloader: {b / a:.2f}")
    print(f"fraction_of_compute_limit: {b / limit:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
