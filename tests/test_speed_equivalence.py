"""The speed settings (``lenet_course.runtime``) change how fast, never what: same gradients, same updates.

Float32 results depend on the order of each sum, and that order differs between CPUs (AVX2,
AVX-512, NEON kernels) and between layouts (NCHW vs channels-last), so no bound here is tuned
on one machine. Three kinds of check, each with its bound derived in place:

- one step, deterministic: every path's gradients against float64 and against the plain path,
  within the rounding of the longest sum (``sqrt(n) * eps``); the optimizer's update given the
  same gradients, element by element within a few roundings of each element;
- a 40-iteration trajectory against a float64 reference, within a multiple of the spread that
  float32 rounding alone produces (measured in the same test by float32 runs that differ only by
  rounding-sized nudges), so training's amplification of rounding cannot fail the test while a
  layout bug (a wrongly ordered flatten, a wrong stride in the optimizer) still does;
- the settings' side effects: which module is hooked, what ``evaluate()`` leaves alone.
"""

from __future__ import annotations

import copy
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches, scale_images
from lenet_course.evaluate import evaluate
from lenet_course.models import CaffeLeNet, LeNet5, TutLeNet, summary
from lenet_course.optim import make_optimizer, set_rate
from lenet_course.runtime import flatten_input_module, inference_copy, make_fast, use_channels_last
from lenet_course.schedules import lr_at
from lenet_course.solver import Solver

EPS = torch.finfo(torch.float32).eps  # 1.19e-7: the spacing of float32 numbers just above 1
MODELS = (CaffeLeNet, TutLeNet, LeNet5)
BATCH = 64
CFG = SolverConfig(
    max_iter=40, test_iter=1, test_interval=0, display=0, snapshot=0, train_batch_size=BATCH, random_seed=3
)


def _fresh(model_cls, seed: int = 0):
    torch.manual_seed(seed)
    return model_cls()


def _first_batch(model, small_train) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = small_train
    return scale_images(images[:BATCH].unsqueeze(1), model.input_scale), labels[:BATCH]


def _longest_sum(model) -> int:
    """The most terms any one gradient element sums: batch x the largest map's positions.

    (A conv weight's or bias's gradient adds one term per image and output position; the
    forward sums and the linear layers' gradients are shorter: 800 and 64 terms at most.)
    """
    positions = max(math.prod(r.output_shape[2:]) for r in summary(model) if len(r.output_shape) == 4)
    return BATCH * positions


# ---- one step: gradients ------------------------------------------------------------------------
PATHS = {
    "plain": lambda m: m,
    "channels-last": use_channels_last,
    "fast": make_fast,  # channels-last + the gradient-layout hook on the flatten's input
}


def _gradients(model, x, y, dtype=torch.float32) -> dict[str, torch.Tensor]:
    model = model.to(dtype)
    F.cross_entropy(model(x.to(dtype)), y).backward()
    return {name: p.grad.double() for name, p in model.named_parameters()}


def _relative_error(value: torch.Tensor, exact: torch.Tensor) -> float:
    return float((value - exact).norm() / exact.norm())


@pytest.mark.parametrize("model_cls", MODELS)
def test_one_step_gradients_are_the_plain_gradients_up_to_rounding(model_cls, small_train):
    """Every path's gradients are within the rounding of an n-term float32 sum of the truth.

    Rounding errors in a sum of n float32 terms grow like a random walk: typically
    sqrt(n) * eps relative (Higham, Accuracy and Stability of Numerical Algorithms, 2.8; the
    worst case n * eps is never approached). n is the longest sum here (CaffeLeNet: 64 images x
    576 positions of conv1, bound 2.3e-5); the bound also absorbs the shorter sums chained before
    it. Seen on AVX-512 and AVX2: at most 65 eps (LeNet-5's c1.bias, bound 224 eps). Two paths
    each within the bound of the truth are within twice the bound of each other. A layout bug
    (a flatten reading NHWC order, a gradient handed back permuted) moves a gradient by its own
    size: a relative error near 1, four orders above the bound.
    """
    model = _fresh(model_cls)
    x, y = _first_batch(model, small_train)
    bound = math.sqrt(_longest_sum(model)) * EPS
    exact = _gradients(copy.deepcopy(model), x, y, torch.float64)
    plain = _gradients(copy.deepcopy(model), x, y)
    for path, prepare in PATHS.items():
        grads = _gradients(prepare(copy.deepcopy(model)), x, y)
        for name, g in grads.items():
            err = _relative_error(g, exact[name])
            assert err <= bound, f"{path} {name}: {err / EPS:.0f} eps from float64 (bound {bound / EPS:.0f})"
            diff = _relative_error(g, plain[name]) if plain[name].norm() else 0.0
            assert diff <= 2 * bound, f"{path} {name}: {diff / EPS:.0f} eps from plain (bound {2 * bound / EPS:.0f})"


def test_fast_path_hands_the_flattened_map_a_channels_last_gradient():
    model = make_fast(_fresh(CaffeLeNet))
    seen = {}

    def capture(module, inputs, output) -> None:
        output.register_hook(lambda grad: seen.setdefault("g", grad))

    model.pool2.register_forward_hook(capture)
    model(torch.rand(2, 1, 28, 28)).sum().backward()
    # pool2's own hook (make_fast's) runs first, so the gradient reaching pool2 is channels-last.
    assert seen["g"].is_contiguous(memory_format=torch.channels_last) and not seen["g"].is_contiguous()


# ---- one step: the optimizer's update -----------------------------------------------------------
def _optimizer_or_skip(model, fused: bool | None):
    try:
        return make_optimizer(model, CFG, fused=fused)
    except RuntimeError as exc:  # this torch has no fused SGD kernel
        pytest.skip(str(exc))


def _updates(params_layout, grads_like_weights: bool, fused: bool | None, grads: list[dict]) -> list[dict]:
    """Weights after each of ``len(grads)`` CaffeSGD steps fed exactly ``grads`` (float32).

    ``grads_like_weights``: each gradient gets its weight's strides, as backward() gives them;
    otherwise NCHW (contiguous) whatever the weights' layout, as a hand-set gradient may be.
    """
    model = _fresh(CaffeLeNet).to(memory_format=params_layout)
    optimizer = _optimizer_or_skip(model, fused)
    out = []
    for it, step_grads in enumerate(grads):
        set_rate(optimizer, lr_at(it, CFG), CFG)
        for name, p in model.named_parameters():
            g = step_grads[name].float()
            p.grad = torch.empty_strided(p.shape, p.stride()).copy_(g) if grads_like_weights else g.contiguous()
        optimizer.step()
        out.append({name: p.detach().clone() for name, p in model.named_parameters()})
    return out


UPDATE_PATHS = {  # (weights' layout, gradients laid out like the weights, fused)
    "fused": (torch.contiguous_format, True, True),
    "channels-last foreach": (torch.channels_last, True, False),
    "channels-last fused (the fast path)": (torch.channels_last, True, True),
    "channels-last weights, NCHW gradients": (torch.channels_last, False, None),
}


@pytest.mark.parametrize("path", list(UPDATE_PATHS))
def test_update_is_the_plain_update_element_by_element(path, small_train):
    """Given the same gradients, every layout and kernel gives each weight the same new value.

    The update is elementwise: v = momentum * v + rate * (g + decay * w), w = w - v, a handful of
    roundings per element, so no sum to amplify them. Each path lands within eps * |w| (the last
    subtraction) plus 3 eps * |v| (the three operations making v) of the exact value, so two
    paths within twice that of each other; that is one or two ulp of the weight, while a wrong
    stride pairs a weight with another element's gradient and is off by the whole update (of the
    order of 1e-3 |w|). Two steps, so the momentum history is read back as well as written.
    """
    model = _fresh(CaffeLeNet)
    x, y = _first_batch(model, small_train)
    first = _gradients(copy.deepcopy(model), x, y)
    generator = torch.Generator().manual_seed(1)
    second = {
        name: torch.randn(g.shape, generator=generator, dtype=torch.float64) * g.std() for name, g in first.items()
    }
    reference = _updates(torch.contiguous_format, True, False, [first, second])
    params_layout, grads_like_weights, fused = UPDATE_PATHS[path]
    result = _updates(params_layout, grads_like_weights, fused, [first, second])
    start = {name: p.detach() for name, p in _fresh(CaffeLeNet).named_parameters()}
    for step, (ours, ref) in enumerate(zip(result, reference)):
        previous = start if step == 0 else reference[step - 1]
        for name, w in ours.items():
            history = (ref[name] - previous[name]).abs()  # |v| of this step
            slack = 2 * (EPS * ref[name].abs() + 3 * EPS * history) + torch.finfo(torch.float32).tiny
            worst = float(((w - ref[name]).abs() / slack).max())
            assert worst <= 1.0, f"step {step + 1}, {name}: {worst:.1f}x the rounding slack"


# ---- a trajectory against float64 --------------------------------------------------------------
ITERS = CFG.max_iter
NUDGED_RUNS = 3  # float32 runs that differ from the plain run only by rounding-sized nudges
NUDGE_ULPS = 4  # each initial weight moved by up to this many ulp: more than one step's rounding
SPREAD_FACTOR = 10.0


def _batches(model, small_train) -> TensorBatches:
    return TensorBatches(
        scale=model.input_scale, batch_size=BATCH, seed=CFG.random_seed, device="cpu", data=small_train
    )


def _float64_run(model, small_train) -> tuple[np.ndarray, dict]:
    """The Solver's iteration (rate, batch, forward, backward, update) in float64, by hand."""
    model = copy.deepcopy(model).double()
    optimizer = make_optimizer(model, CFG, fused=False)
    batches, losses = _batches(model, small_train), []
    for it in range(ITERS):
        set_rate(optimizer, lr_at(it, CFG), CFG)
        x, y = batches.next_batch()
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x.double()), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses), {k: v.detach() for k, v in model.state_dict().items()}


def _solver_run(model, small_train, small_test, *, fast: bool, prepare=None) -> tuple[np.ndarray, dict]:
    model = copy.deepcopy(model)
    if prepare is not None:
        prepare(model)
    test = TensorBatches("test", scale=model.input_scale, batch_size=100, shuffle=False, device="cpu", data=small_test)
    solver = Solver(model, CFG, _batches(model, small_train), test, device="cpu", log=None, progress=False, fast=fast)
    losses = np.asarray(solver.step(ITERS).loss, dtype=np.float64)
    return losses, {k: v.detach().double() for k, v in model.state_dict().items()}


def _nudged(model, seed: int):
    """``model`` with every weight moved by a random 0..NUDGE_ULPS ulp: rounding-sized noise."""
    model = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            ulp = torch.finfo(p.dtype).eps * p.abs().clamp_min(torch.finfo(p.dtype).tiny)
            p.add_(torch.randint(-NUDGE_ULPS, NUDGE_ULPS + 1, p.shape, generator=generator) * ulp)
    return model


def _deviation(run, exact) -> tuple[np.ndarray, float]:
    """Per-iteration relative loss deviation, and the final weights' relative deviation (norm)."""
    (losses, weights), (exact_losses, exact_weights) = run, exact
    loss_dev = np.abs(losses - exact_losses) / np.abs(exact_losses)
    diff = math.sqrt(sum(float((weights[k] - exact_weights[k]).square().sum()) for k in exact_weights))
    size = math.sqrt(sum(float(exact_weights[k].square().sum()) for k in exact_weights))
    return loss_dev, diff / size


@pytest.fixture(scope="module")
def trajectories(small_train, small_test):
    """Per model: the float64 reference, and the spread of float32 rounding on this CPU.

    The spread is the largest deviation from float64, over all iterations and for the final
    weights, of the plain float32 run and of NUDGED_RUNS plain runs from nudged initial weights.
    Training amplifies rounding: a near-tie in a max-pool window, decided one way in one run and
    the other way in another, routes a gradient elsewhere, and from then on the runs part. When
    that happens depends on the CPU's kernels, so the spread is measured here, not written down.
    """
    out = {}
    for model_cls in (CaffeLeNet, TutLeNet):
        model = _fresh(model_cls)
        exact = _float64_run(model, small_train)
        plain = _solver_run(model, small_train, small_test, fast=False)
        runs = [plain] + [
            _solver_run(_nudged(model, s), small_train, small_test, fast=False) for s in range(NUDGED_RUNS)
        ]
        deviations = [_deviation(r, exact) for r in runs]
        out[model_cls] = model, exact, plain, max(float(d[0].max()) for d in deviations), max(d[1] for d in deviations)
    return out


@pytest.mark.parametrize("model_cls", [CaffeLeNet, TutLeNet])
def test_plain_solver_is_the_float64_iteration_in_float32(model_cls, trajectories):
    """The reference loop is the Solver's: iteration 0 is one forward pass, so the plain run's
    first loss is float64's within a forward pass's rounding (sqrt(n) eps, n = the longest sum)."""
    model, exact, plain, _, _ = trajectories[model_cls]
    bound = math.sqrt(_longest_sum(model)) * EPS
    assert abs(plain[0][0] - exact[0][0]) <= bound * exact[0][0]


@pytest.mark.parametrize("path", ["channels-last", "fast"])
@pytest.mark.parametrize("model_cls", [CaffeLeNet, TutLeNet])
def test_trajectory_stays_within_float32_rounding_spread(model_cls, path, trajectories, small_train, small_test):
    """40 iterations of each path stay as close to float64 as float32 rounding lets plain runs.

    Bound: SPREAD_FACTOR (10) times the spread of the plain and nudged float32 runs (see the
    fixture), never below 16 eps (a loss's own rounding: 10 classes, a log and an exp). The
    nudges (up to 4 ulp) are larger than the rounding a path adds per step; the factor covers a
    near-tie that goes the other way in this path alone and sooner (seen: 2.3x the spread in the
    loss, 1.8x in the weights, over six initialisations on AVX-512). A layout bug is wrong from
    the first step and grows from the size of a gradient, not of a rounding.
    """
    model, exact, _, loss_spread, weight_spread = trajectories[model_cls]
    if path == "fast":
        run = _solver_run(model, small_train, small_test, fast=True)
    else:
        run = _solver_run(model, small_train, small_test, fast=False, prepare=use_channels_last)
    loss_dev, weight_dev = _deviation(run, exact)
    loss_bound = SPREAD_FACTOR * max(loss_spread, 16 * EPS)
    worst = int(np.argmax(loss_dev))
    assert loss_dev[worst] <= loss_bound, (
        f"iteration {worst}: loss {loss_dev[worst]:.2e} from float64, bound {loss_bound:.2e}"
    )
    weight_bound = SPREAD_FACTOR * max(weight_spread, 16 * EPS)
    assert weight_dev <= weight_bound, f"final weights {weight_dev:.2e} from float64, bound {weight_bound:.2e}"


# ---- side effects -------------------------------------------------------------------------------
_ALLOCATOR_RUN = """
import hashlib, sys, torch
from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches, load_mnist
from lenet_course.models import CaffeLeNet
from lenet_course.solver import Solver
from lenet_course.runtime import keep_freed_memory
if sys.argv[1] == "on":
    assert keep_freed_memory()
images, labels = load_mnist("train")
torch.manual_seed(0)
model = CaffeLeNet()
cfg = SolverConfig(max_iter=15, test_interval=0, display=0, snapshot=0)
solver = Solver(model, cfg, TensorBatches(scale="caffe", device="cpu", data=(images[:1024], labels[:1024])),
                TensorBatches("test", scale="caffe", shuffle=False, device="cpu", data=(images[:100], labels[:100])),
                device="cpu", log=None, progress=False, fast=False)
losses = solver.solve().loss
digest = hashlib.sha256(b"".join(v.contiguous().numpy().tobytes() for v in model.state_dict().values()))
print([float(v).hex() for v in losses], digest.hexdigest())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the allocator setting is glibc-only")
def test_allocator_setting_is_bit_identical():
    # Where memory comes from cannot change a value: bit-identical, on any CPU. Each run in a
    # fresh process, as the setting is process-wide.
    runs = [
        subprocess.run([sys.executable, "-c", _ALLOCATOR_RUN, mode], capture_output=True, text=True, check=True).stdout
        for mode in ("off", "on")
    ]
    assert runs[0] == runs[1] and "0x" in runs[0]


@pytest.mark.parametrize("model_cls,hooked", [(CaffeLeNet, "pool2"), (TutLeNet, "relu2"), (LeNet5, None)])
def test_make_fast_hooks_the_map_the_flatten_reads(model_cls, hooked):
    model = _fresh(model_cls)
    keys = list(model.state_dict())
    names = {m: n for n, m in model.named_modules()}
    module = flatten_input_module(model)
    assert (names[module] if module is not None else None) == hooked  # LeNet-5's is 1x1: nothing to do
    make_fast(model)
    make_fast(model)  # idempotent: one hook, not two
    hooks = [n for m, n in names.items() if m._forward_hooks]
    assert hooks == ([hooked] if hooked else [])
    assert all(len(m._forward_hooks) == 1 for m in names if m._forward_hooks)
    assert list(model.state_dict()) == keys and list(dict(model.named_modules())) == list(names.values())


def test_fast_solver_lays_weights_out_channels_last_on_cpu(small_train, small_test):
    model = CaffeLeNet()
    Solver(
        model,
        SolverConfig(),
        TensorBatches(scale="caffe", device="cpu", data=small_train),
        TensorBatches("test", scale="caffe", shuffle=False, device="cpu", data=small_test),
        device="cpu",
        log=None,
        progress=False,
    )
    assert model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    assert not model.conv2.weight.is_contiguous()
    assert make_fast(model, "meta") is model  # other devices: left alone


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
def test_evaluate_leaves_the_model_as_it_was(layout, small_test):
    model = _fresh(CaffeLeNet).to(memory_format=layout)
    before = {name: (p.stride(), p.detach().clone()) for name, p in model.named_parameters()}
    data = TensorBatches("test", scale="caffe", batch_size=100, shuffle=False, device="cpu", data=small_test)
    plain = evaluate(model, data, fast=False)
    quick = evaluate(model, data)  # fast=True: a channels-last copy does the work
    assert model.training and not any(m._forward_hooks for m in model.modules())
    for name, p in model.named_parameters():
        assert (p.stride(), True) == (before[name][0], torch.equal(p, before[name][1])), name
    # Scores from another layout: same predictions; probabilities within a forward pass's rounding
    # (sqrt(n) eps, n = 64 x 576 at most), the loss likewise.
    np.testing.assert_array_equal(quick.labels, plain.labels)
    np.testing.assert_allclose(quick.probabilities, plain.probabilities, rtol=0, atol=math.sqrt(BATCH * 576) * EPS)
    assert quick.loss == pytest.approx(plain.loss, rel=math.sqrt(BATCH * 576) * EPS)


def test_inference_copy_is_channels_last_and_separate():
    model = _fresh(TutLeNet)
    twin = inference_copy(model)
    assert twin is not model and not twin.training and model.training
    assert twin.conv1.weight.is_contiguous(memory_format=torch.channels_last) and model.conv1.weight.is_contiguous()
    assert twin.conv1.weight.requires_grad  # an ordinary model, not inference tensors
    with torch.no_grad():
        twin.conv1.weight.zero_()
    assert model.conv1.weight.abs().sum() > 0


_EVALUATE_RUN = """
import torch
from lenet_course.data import TensorBatches, load_mnist
from lenet_course.evaluate import evaluate
from lenet_course.models import CaffeLeNet
from lenet_course import runtime
images, labels = load_mnist("test")
data = TensorBatches("test", scale="caffe", shuffle=False, device="cpu", data=(images[:200], labels[:200]))
evaluate(CaffeLeNet(), data)
print(runtime.keep_freed_memory.cache_info().misses)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the allocator setting is glibc-only")
def test_evaluate_leaves_the_process_allocator_alone():
    # keep_freed_memory is the one place that calls mallopt; in a fresh process it has not run.
    out = subprocess.run([sys.executable, "-c", _EVALUATE_RUN], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0"]


def test_building_a_solver_does_not_import_dynamo():
    """torch._dynamo costs ~1 s of import: the CaffeSGD path must not pull it in (cold start)."""
    code = (
        "import sys, torch\n"
        "from lenet_course.models import TutLeNet\n"
        "from lenet_course.optim import make_optimizer\n"
        "from lenet_course.config import SolverConfig\n"
        "m = TutLeNet(); opt = make_optimizer(m, SolverConfig())\n"
        "for p in m.parameters(): p.grad = torch.ones_like(p)\n"
        "opt.step(); opt.zero_grad(); opt.load_state_dict(opt.state_dict())\n"
        "print('torch._dynamo' in sys.modules, 'torchvision' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
