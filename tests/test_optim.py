import pytest
import torch
from torch import nn

from lenet_course.config import SolverConfig
from lenet_course.models import CaffeLeNet, TutLeNet
from lenet_course import optim
from lenet_course.optim import CaffeSGD, caffe_param_groups, make_optimizer, set_rate

needs_fused = pytest.mark.skipif(not optim._HAS_FUSED_SGD, reason="this torch has no fused SGD kernel")
BOTH_PATHS = [False, pytest.param(True, marks=needs_fused)]


@pytest.mark.parametrize("fused", BOTH_PATHS)
def test_two_steps_by_hand(fused):
    # w0 = 1, grads 0.5 then -0.25; lr 0.1 then 0.05; momentum 0.9; weight_decay 0.01; lr_mult 2.
    w = nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = CaffeSGD([{"params": [w], "lr_mult": 2.0}], lr=0.1, momentum=0.9, weight_decay=0.01, fused=fused)
    w.grad = torch.tensor([0.5], dtype=torch.float64)
    opt.step()
    g1 = 0.5 + 0.01 * 1.0  # 0.51
    v1 = 0.1 * 2 * g1  # 0.102
    w1 = 1.0 - v1  # 0.898
    assert w.item() == pytest.approx(w1, abs=1e-15)
    opt.param_groups[0]["lr"] = 0.05
    w.grad = torch.tensor([-0.25], dtype=torch.float64)
    opt.step()
    g2 = -0.25 + 0.01 * w1
    v2 = 0.9 * v1 + 0.05 * 2 * g2
    assert w.item() == pytest.approx(w1 - v2, abs=1e-15)
    assert opt.state[w]["momentum_buffer"].item() == pytest.approx(v2, abs=1e-15)


def _grads_for(model, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(p.shape, generator=g) for p in model.parameters()]


def test_agrees_with_torch_sgd_while_lr_is_constant():
    torch.manual_seed(0)
    a, b = TutLeNet(), TutLeNet()
    b.load_state_dict(a.state_dict())
    caffe = CaffeSGD(a.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    plain = torch.optim.SGD(b.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    for step in range(5):
        for p, q, g in zip(a.parameters(), b.parameters(), _grads_for(a, step)):
            p.grad, q.grad = g.clone(), g.clone()
        caffe.step()
        plain.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_differs_from_torch_sgd_when_lr_changes():
    w1 = nn.Parameter(torch.tensor([1.0]))
    w2 = nn.Parameter(torch.tensor([1.0]))
    caffe = CaffeSGD([w1], lr=0.1, momentum=0.9, weight_decay=0.0)
    plain = torch.optim.SGD([w2], lr=0.1, momentum=0.9)
    for lr in (0.1, 0.01):
        for opt in (caffe, plain):
            opt.param_groups[0]["lr"] = lr
        w1.grad, w2.grad = torch.tensor([1.0]), torch.tensor([1.0])
        caffe.step()
        plain.step()
    # Caffe: v = 0.9*0.1 + 0.01 = 0.1 -> w = 1 - 0.1 - 0.1 = 0.8
    # torch: v = 0.9*1 + 1 = 1.9 -> w = 1 - 0.1 - 0.01*1.9 = 0.881
    assert w1.item() == pytest.approx(0.8)
    assert w2.item() == pytest.approx(0.881)


def test_caffe_groups_give_biases_twice_the_rate():
    model = CaffeLeNet()
    groups = caffe_param_groups(model)
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(names[id(p)].endswith("weight") for p in groups[0]["params"])
    assert all(names[id(p)].endswith("bias") for p in groups[1]["params"])
    assert (groups[0]["lr_mult"], groups[1]["lr_mult"]) == (1.0, 2.0)
    assert (groups[0]["decay_mult"], groups[1]["decay_mult"]) == (1.0, 1.0)
    assert len(groups[0]["params"]) + len(groups[1]["params"]) == len(list(model.parameters()))


def test_bias_update_uses_lr_mult_two():
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(0.0)
        model.bias.fill_(0.0)
    opt = CaffeSGD(caffe_param_groups(model), lr=0.1, momentum=0.0, weight_decay=0.0)
    model.weight.grad, model.bias.grad = torch.ones(1, 1), torch.ones(1)
    opt.step()
    assert model.weight.item() == pytest.approx(-0.1)
    assert model.bias.item() == pytest.approx(-0.2)


@pytest.mark.parametrize("kind,cls", [("SGD", CaffeSGD), ("TorchSGD", torch.optim.SGD), ("Adam", torch.optim.Adam)])
def test_make_optimizer_and_set_rate(kind, cls):
    cfg = SolverConfig(type=kind)
    opt = make_optimizer(TutLeNet(), cfg)
    assert type(opt) is cls
    set_rate(opt, 0.005, cfg.replace(momentum=0.8))
    weights, biases = opt.param_groups
    if kind == "SGD":
        assert weights["lr"] == biases["lr"] == 0.005 and weights["momentum"] == 0.8
    else:
        assert (weights["lr"], biases["lr"]) == (0.005, 0.01)
        assert weights["weight_decay"] == pytest.approx(5e-4)
    if kind == "Adam":
        assert weights["betas"] == (0.8, 0.999)


def test_rejects_negative_hyperparameters():
    with pytest.raises(ValueError, match="must be >= 0"):
        CaffeSGD([nn.Parameter(torch.zeros(1))], lr=-1.0)


def _run_updates(fused: bool, grad_format=torch.channels_last, steps: int = 8):
    """Weights and histories of a channels-last CaffeLeNet after ``steps`` updates whose rate,
    momentum and gradients change every step (the inv policy changes the rate every iteration)."""
    torch.manual_seed(0)
    model = CaffeLeNet().to(memory_format=torch.channels_last)
    opt = CaffeSGD(caffe_param_groups(model), lr=0.01, momentum=0.9, weight_decay=5e-4, fused=fused)
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"], group["momentum"] = 0.01 / (1 + step), 0.9 - 0.05 * step
        for p in model.parameters():
            p.grad = torch.randn(p.shape, generator=g).contiguous(memory_format=grad_format if p.dim() == 4 else torch.contiguous_format)
        opt.step()
    return [p.detach().clone() for p in model.parameters()], [opt.state[p]["momentum_buffer"].clone() for p in model.parameters()]


def _assert_same_updates(run, reference) -> None:
    """Weights and histories equal up to rounding (one kernel rounds once where four passes
    round four times), laid out alike."""
    for a, b in zip(run[0] + run[1], reference[0] + reference[1]):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-9)
        assert a.stride() == b.stride()


@needs_fused
def test_fused_and_foreach_updates_agree():
    _assert_same_updates(_run_updates(True), _run_updates(False))


@needs_fused
def test_fused_path_pairs_the_right_elements_when_layouts_differ():
    # Channels-last weights with NCHW gradients: the fused kernel would pair elements by memory
    # order; the optimizer must notice and take the per-tensor path.
    nchw_grads = torch.contiguous_format
    _assert_same_updates(_run_updates(True, grad_format=nchw_grads), _run_updates(False, grad_format=nchw_grads))


def test_fused_true_without_the_kernel_says_what_to_pass(monkeypatch):
    monkeypatch.setattr(optim, "_HAS_FUSED_SGD", False)
    with pytest.raises(RuntimeError, match="fused=None"):
        CaffeSGD([nn.Parameter(torch.zeros(1))], fused=True)
    assert CaffeSGD([nn.Parameter(torch.zeros(1))]).fused is False  # None: use it only where it exists


def test_momentum_zero_takes_caffes_plain_step():
    w = nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = CaffeSGD([w], lr=0.1, momentum=0.0, weight_decay=0.5)
    w.grad = torch.tensor([1.0, 1.0])
    opt.step()  # v = 0.1 * (g + 0.5 w); w -= v
    torch.testing.assert_close(w.detach(), torch.tensor([1.0 - 0.1 * 1.5, -2.0 - 0.1 * 0.0]))
    torch.testing.assert_close(opt.state[w]["momentum_buffer"], torch.tensor([0.15, 0.0]))
