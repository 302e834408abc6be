"""The speed settings (``lenet_course.speed``) change how fast, never what: same losses, same scores."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches
from lenet_course.evaluate import evaluate
from lenet_course.models import CaffeLeNet, TutLeNet
from lenet_course.solver import Solver, seed_everything
from lenet_course.speed import flatten, keep_freed_memory, make_fast, use_channels_last

ITERS = 40


def _train(small_train, small_test, model_cls, fast: bool, prepare=None) -> tuple[np.ndarray, dict]:
    """Losses of ITERS iterations from a fixed seed, and the final weights."""
    cfg = SolverConfig(max_iter=ITERS, test_iter=1, test_interval=0, display=0, snapshot=0,
                       train_batch_size=64, random_seed=3)
    seed_everything(0)
    model = model_cls()
    if prepare is not None:
        prepare(model)
    scale = model.input_scale
    train = TensorBatches(scale=scale, batch_size=64, seed=3, device="cpu", data=small_train)
    test = TensorBatches("test", scale=scale, batch_size=100, shuffle=False, device="cpu", data=small_test)
    solver = Solver(model, cfg, train, test, device="cpu", log=None, progress=False, fast=fast)
    history = solver.step(ITERS)
    return history.loss, {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.fixture(scope="module")
def reference(small_train, small_test):
    """The plain run: NCHW weights, default allocator settings untouched by this run."""
    return {cls: _train(small_train, small_test, cls, fast=False) for cls in (CaffeLeNet, TutLeNet)}


def _assert_same_run(run, ref) -> None:
    losses, weights = run
    ref_losses, ref_weights = ref
    assert len(losses) == len(ref_losses) == ITERS
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5, atol=1e-6)  # seen: up to 1.4e-6
    # Rounding differences start at 1 ulp and stay ~1e-8 for ~20 iterations; then a near-tie in a
    # max-pool window can route one gradient elsewhere, which moves some weights by ~1e-5 (seen:
    # 8.5e-6 on weights of size ~0.05). Losses above stay within 1.4e-6.
    for name, value in weights.items():
        torch.testing.assert_close(value, ref_weights[name], rtol=1e-4, atol=5e-5, msg=name)


@pytest.mark.parametrize("model_cls", [CaffeLeNet, TutLeNet])
def test_channels_last_keeps_the_loss_trajectory(model_cls, small_train, small_test, reference):
    run = _train(small_train, small_test, model_cls, fast=False, prepare=use_channels_last)
    _assert_same_run(run, reference[model_cls])


@pytest.mark.parametrize("model_cls", [CaffeLeNet, TutLeNet])
def test_fast_solver_keeps_the_loss_trajectory(model_cls, small_train, small_test, reference):
    run = _train(small_train, small_test, model_cls, fast=True)
    _assert_same_run(run, reference[model_cls])


_ALLOCATOR_RUN = """
import hashlib, sys, torch
from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches, load_mnist
from lenet_course.models import CaffeLeNet
from lenet_course.solver import Solver, seed_everything
from lenet_course.speed import keep_freed_memory
if sys.argv[1] == "on":
    assert keep_freed_memory()
images, labels = load_mnist("train")
seed_everything(0)
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
    # Each run in a fresh process: in this one the setting may already be on (it is process-wide).
    runs = [
        subprocess.run([sys.executable, "-c", _ALLOCATOR_RUN, mode], capture_output=True, text=True, check=True).stdout
        for mode in ("off", "on")
    ]
    assert runs[0] == runs[1] and "0x" in runs[0]


def test_fast_solver_lays_weights_out_channels_last_on_cpu(small_train, small_test):
    model = CaffeLeNet()
    Solver(model, SolverConfig(), TensorBatches(scale="caffe", device="cpu", data=small_train),
           TensorBatches("test", scale="caffe", shuffle=False, device="cpu", data=small_test),
           device="cpu", log=None, progress=False)
    assert model.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    assert not model.conv2.weight.is_contiguous()
    assert make_fast(model, "meta") is model  # other devices: left alone


def test_fast_evaluation_gives_the_same_scores(small_test):
    seed_everything(0)
    model = CaffeLeNet()
    data = TensorBatches("test", scale="caffe", batch_size=100, shuffle=False, device="cpu", data=small_test)
    plain = evaluate(model, data, batch_size=500, fast=False)
    assert model.conv2.weight.is_contiguous()  # fast=False leaves the model as it was
    quick = evaluate(model, data, batch_size=100, fast=True)
    np.testing.assert_array_equal(quick.labels, plain.labels)
    np.testing.assert_allclose(quick.probabilities, plain.probabilities, rtol=1e-4, atol=1e-6)
    assert quick.loss == pytest.approx(plain.loss, rel=1e-5)


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


def test_flatten_hands_a_channels_last_gradient_back_channels_last():
    torch.manual_seed(0)
    x = torch.randn(4, 5, 3, 3).contiguous(memory_format=torch.channels_last).requires_grad_()
    x_plain = x.detach().contiguous().requires_grad_()
    out, ref = flatten(x), torch.flatten(x_plain, 1)
    assert out.shape == (4, 45) and torch.equal(out, ref)  # NCHW order: what linear layers expect
    weights = torch.randn(45, 7)
    (out @ weights).square().sum().backward()
    (ref @ weights).square().sum().backward()
    assert x.grad.is_contiguous(memory_format=torch.channels_last) and not x.grad.is_contiguous()
    assert torch.equal(x.grad, x_plain.grad)


def test_flatten_is_torch_flatten_where_layout_does_not_matter():
    nchw = torch.randn(2, 3, 4, 4)
    assert flatten(nchw).data_ptr() == nchw.data_ptr()  # a view, as torch.flatten gives
    channels_last = nchw.contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        assert torch.equal(flatten(channels_last), torch.flatten(channels_last, 1))
    assert flatten(torch.randn(3, 8)).shape == (3, 8)
