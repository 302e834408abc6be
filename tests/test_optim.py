import dataclasses
import io
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lenet_course import optim
from lenet_course.config import SolverConfig
from lenet_course.models import CaffeLeNet, TutLeNet
from lenet_course.optim import (
    CAFFE_OPTIMIZERS,
    CaffeAdaDelta,
    CaffeAdaGrad,
    CaffeAdam,
    CaffeNesterov,
    CaffeRMSProp,
    CaffeSGD,
    OptimizerError,
    caffe_param_groups,
    make_optimizer,
    optimizer_type_name,
    prepare_gradients_,
    set_rate,
)
from lenet_course.schedules import lr_at

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


def test_rejects_negative_hyperparameters():
    with pytest.raises(OptimizerError, match="must be a finite number >= 0"):
        CaffeSGD([nn.Parameter(torch.zeros(1))], lr=-1.0)


def _run_updates(fused: bool, grad_format=torch.channels_last, steps: int = 8, regularization_type: str = "L2"):
    """Weights and histories of a channels-last CaffeLeNet after ``steps`` updates whose rate,
    momentum and gradients change every step (the inv policy changes the rate every iteration)."""
    torch.manual_seed(0)
    model = CaffeLeNet().to(memory_format=torch.channels_last)
    opt = CaffeSGD(
        caffe_param_groups(model),
        lr=0.01,
        momentum=0.9,
        weight_decay=5e-4,
        fused=fused,
        regularization_type=regularization_type,
    )
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"], group["momentum"] = 0.01 / (1 + step), 0.9 - 0.05 * step
        for p in model.parameters():
            layout = grad_format if p.dim() == 4 else torch.contiguous_format
            p.grad = torch.randn(p.shape, generator=g).contiguous(memory_format=layout)
        opt.step()
    params = list(model.parameters())
    return [p.detach().clone() for p in params], [opt.state[p]["momentum_buffer"].clone() for p in params]


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
def test_fused_and_foreach_updates_agree_with_l1_decay():
    # L1 regularises before the kernel (which knows only L2); the result must not change
    _assert_same_updates(_run_updates(True, regularization_type="L1"), _run_updates(False, regularization_type="L1"))


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


# ---- Caffe's six update rules, worked out on plain Python floats --------------------------------
# Each function takes one element's value w, its regularised gradient g, its state s (a dict),
# local_rate r = rate * lr_mult and t = iteration + 1, and returns the new w.


def _sgd(w, g, s, r, t, momentum):
    # sgd_solver.cpp:      v = momentum * v + local_rate * g;   w = w - v
    s["v"] = momentum * s.get("v", 0.0) + r * g
    return w - s["v"]


def _nesterov(w, g, s, r, t, momentum):
    # nesterov_solver.cpp: v' = momentum * v + local_rate * g
    #                      w  = w - ((1 + momentum) * v' - momentum * v)
    v = s.get("v", 0.0)
    s["v"] = momentum * v + r * g
    return w - ((1 + momentum) * s["v"] - momentum * v)


def _adagrad(w, g, s, r, t, delta):
    # adagrad_solver.cpp:  h = h + g^2;   w = w - local_rate * g / (sqrt(h) + delta)
    s["h"] = s.get("h", 0.0) + g * g
    return w - r * g / (math.sqrt(s["h"]) + delta)


def _rmsprop(w, g, s, r, t, rms_decay, delta):
    # rmsprop_solver.cpp:  h = rms_decay * h + (1 - rms_decay) * g^2
    #                      w = w - local_rate * g / (sqrt(h) + delta)
    s["h"] = rms_decay * s.get("h", 0.0) + (1 - rms_decay) * g * g
    return w - r * g / (math.sqrt(s["h"]) + delta)


def _adadelta(w, g, s, r, t, momentum, delta):
    # adadelta_solver.cpp: h = momentum * h + (1 - momentum) * g^2
    #                      u = g * sqrt((d + delta) / (h + delta))
    #                      d = momentum * d + (1 - momentum) * u^2   (u before the rate scales it)
    #                      w = w - local_rate * u
    s["h"] = momentum * s.get("h", 0.0) + (1 - momentum) * g * g
    u = g * math.sqrt((s.get("d", 0.0) + delta) / (s["h"] + delta))
    s["d"] = momentum * s.get("d", 0.0) + (1 - momentum) * u * u
    return w - r * u


def _adam(w, g, s, r, t, momentum, momentum2, delta):
    # adam_solver.cpp:     m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
    #                      w = w - local_rate * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + delta)
    s["m"] = momentum * s.get("m", 0.0) + (1 - momentum) * g
    s["v"] = momentum2 * s.get("v", 0.0) + (1 - momentum2) * g * g
    correction = math.sqrt(1 - momentum2**t) / (1 - momentum**t)
    return w - r * correction * s["m"] / (math.sqrt(s["v"]) + delta)


#: type -> (class, rule on floats, hyperparameters; deltas large enough that misplacing one shows)
RULES = {
    "SGD": (CaffeSGD, _sgd, dict(momentum=0.9)),
    "Nesterov": (CaffeNesterov, _nesterov, dict(momentum=0.95)),
    "AdaGrad": (CaffeAdaGrad, _adagrad, dict(delta=0.1)),
    "RMSProp": (CaffeRMSProp, _rmsprop, dict(rms_decay=0.9, delta=0.05)),
    "AdaDelta": (CaffeAdaDelta, _adadelta, dict(momentum=0.9, delta=0.01)),
    "Adam": (CaffeAdam, _adam, dict(momentum=0.9, momentum2=0.999, delta=0.01)),
}

# Two parameters as Caffe's layers have them: weights (lr_mult 1, decay_mult 1) and a bias with
# lr_mult 2 and decay_mult 3; two iterations whose rate changes from 0.1 to 0.05.
W0, B0 = [1.0, -2.0, 0.0], [0.5]
GRADS = [([0.5, -0.25, 0.125], [0.1]), ([-0.3, 0.2, 0.6], [0.4])]
RATES = (0.1, 0.05)
WEIGHT_DECAY = 0.01
MULTS = ((1.0, 1.0), (2.0, 3.0))  # (lr_mult, decay_mult) of the weights, of the bias


def _sign(x: float) -> float:
    return (x > 0) - (x < 0)  # caffe_cpu_sign: 0 at 0


def _expected_after_two_steps(kind: str, regularization_type: str) -> list[list[float]]:
    _, rule, hyper = RULES[kind]
    result = []
    for index, (start, (lr_mult, decay_mult)) in enumerate(zip((W0, B0), MULTS)):
        values = []
        for k, w in enumerate(start):
            state = {}
            for step, rate in enumerate(RATES):
                local_decay = WEIGHT_DECAY * decay_mult
                # Regularize: L2 adds local_decay * w, L1 adds local_decay * sign(w)
                g = GRADS[step][index][k] + local_decay * (w if regularization_type == "L2" else _sign(w))
                w = rule(w, g, state, rate * lr_mult, step + 1, **hyper)
            values.append(w)
        result.append(values)
    return result


def _two_steps(kind: str, regularization_type: str, **extra):
    cls, _, hyper = RULES[kind]
    w = nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    b = nn.Parameter(torch.tensor(B0, dtype=torch.float64))
    groups = [{"params": [p], "lr_mult": lr, "decay_mult": dm} for p, (lr, dm) in zip((w, b), MULTS)]
    opt = cls(groups, lr=RATES[0], weight_decay=WEIGHT_DECAY, regularization_type=regularization_type, **hyper, **extra)
    for rate, (gw, gb) in zip(RATES, GRADS):
        for group in opt.param_groups:
            group["lr"] = rate
        w.grad = torch.tensor(gw, dtype=torch.float64)
        b.grad = torch.tensor(gb, dtype=torch.float64)
        opt.step()
        # Regularize works on a copy: the gradients the caller set are left as they were
        assert w.grad.tolist() == gw and b.grad.tolist() == gb
    return opt, [w.tolist(), b.tolist()]


TWO_STEP_CASES = [
    pytest.param(
        kind,
        reg,
        extra,
        id=f"{kind}-{reg}" + ("-fused" if extra.get("fused") else ""),
        marks=[needs_fused] if extra.get("fused") else [],
    )
    for kind in RULES
    for reg in ("L2", "L1")
    for extra in (({"fused": False}, {"fused": True}) if kind == "SGD" else ({},))
]


@pytest.mark.parametrize("kind,regularization_type,extra", TWO_STEP_CASES)
def test_each_caffe_rule_matches_a_two_step_hand_computation(kind, regularization_type, extra):
    _, got = _two_steps(kind, regularization_type, **extra)
    expected = _expected_after_two_steps(kind, regularization_type)
    for got_values, expected_values in zip(got, expected):
        assert got_values == pytest.approx(expected_values, rel=1e-12, abs=1e-15)


def test_l1_and_l2_give_different_updates():
    # the hand computation above would pass for both if regularisation were skipped
    assert _two_steps("AdaGrad", "L1")[1] != _two_steps("AdaGrad", "L2")[1]
    assert _two_steps("SGD", "L1", fused=False)[1] != _two_steps("SGD", "L2", fused=False)[1]


def test_adaptive_rules_first_step_is_the_rate_times_the_sign():
    # AdaGrad: h = g^2, w -= r * g / (|g| + delta) = r * sign(g) for a tiny delta; Adam: m = (1-b1) g,
    # v = (1-b2) g^2, correction sqrt(1-b2)/(1-b1): w -= r * g / (|g| + delta / sqrt(1-b2)).
    for cls in (CaffeAdaGrad, CaffeAdam):
        w = nn.Parameter(torch.tensor([1.0, 1.0], dtype=torch.float64))
        opt = cls([w], lr=0.1, delta=1e-10, weight_decay=0.0)
        w.grad = torch.tensor([2.0, -0.5], dtype=torch.float64)
        opt.step()
        assert w.tolist() == pytest.approx([0.9, 1.1], abs=1e-8)


def test_caffe_adam_adds_delta_before_the_bias_correction():
    # One step, g = 0.02, delta = 0.01, rate 0.1, beta1 0.9, beta2 0.999:
    # Caffe: 0.1 * sqrt(0.001)/0.1 * 0.002 / (sqrt(0.001) * 0.02 + 0.01) = 0.1 * 0.0595...
    # torch: 0.1 * (0.002 / 0.1) / (sqrt(0.0004 * 0.001 / 0.001) + 0.01)  = 0.1 * 0.6667
    caffe_w = nn.Parameter(torch.tensor([0.0], dtype=torch.float64))
    torch_w = nn.Parameter(torch.tensor([0.0], dtype=torch.float64))
    caffe = CaffeAdam([caffe_w], lr=0.1, delta=0.01)
    plain = torch.optim.Adam([torch_w], lr=0.1, eps=0.01)
    caffe_w.grad = torch.tensor([0.02], dtype=torch.float64)
    torch_w.grad = torch.tensor([0.02], dtype=torch.float64)
    caffe.step()
    plain.step()
    root = math.sqrt(0.001)
    assert caffe_w.item() == pytest.approx(-0.1 * root / 0.1 * 0.002 / (root * 0.02 + 0.01), rel=1e-12)
    assert torch_w.item() == pytest.approx(-0.1 * 0.02 / (0.02 + 0.01), rel=1e-12)


def _grad_steps(model: nn.Module, steps: int) -> list[list[torch.Tensor]]:
    g = torch.Generator().manual_seed(7)
    return [[torch.randn(p.shape, generator=g) for p in model.parameters()] for _ in range(steps)]


def _tiny_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


@pytest.mark.parametrize("kind", list(RULES))
def test_state_dict_resume_continues_bit_identically(kind):
    cls, _, hyper = RULES[kind]
    grads = _grad_steps(_tiny_net(), 4)

    def run(model, opt, steps):
        for step_grads in steps:
            for p, g in zip(model.parameters(), step_grads):
                p.grad = g.clone()
            opt.step()

    def make(model):
        return cls(caffe_param_groups(model), lr=0.05, weight_decay=0.01, **hyper)

    straight_model = _tiny_net()
    run(straight_model, make(straight_model), grads)

    first_model = _tiny_net()
    first = make(first_model)
    run(first_model, first, grads[:2])
    buffer = io.BytesIO()
    torch.save({"weights": first_model.state_dict(), "optimizer": first.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    resumed_model = _tiny_net()
    resumed_model.load_state_dict(saved["weights"])
    resumed = make(resumed_model)
    resumed.load_state_dict(saved["optimizer"])
    run(resumed_model, resumed, grads[2:])

    for p, q in zip(straight_model.parameters(), resumed_model.parameters()):
        assert torch.equal(p, q)
    states = [resumed.state[p] for p in resumed_model.parameters()]
    if kind == "Adam":
        assert [s["step"] for s in states] == [4] * len(states)  # t carried over, not restarted
    if kind == "AdaDelta":
        assert all({"square_avg", "delta_avg"} <= set(s) for s in states)


# ---- ClipGradients and Normalize ----------------------------------------------------------------


def _two_grads(a: list[float], b: list[float]) -> list[nn.Parameter]:
    params = [nn.Parameter(torch.zeros(len(a))), nn.Parameter(torch.zeros(len(b)))]
    params[0].grad, params[1].grad = torch.tensor(a), torch.tensor(b)
    return params


def test_clip_gradients_scales_every_gradient_when_the_global_norm_is_above_the_threshold():
    params = _two_grads([3.0, 0.0], [4.0])  # global L2 norm 5 across both parameters
    assert prepare_gradients_(params, SolverConfig(clip_gradients=2.5)) == pytest.approx(5.0)
    assert params[0].grad.tolist() == pytest.approx([1.5, 0.0]) and params[1].grad.tolist() == pytest.approx([2.0])


def test_clip_gradients_leaves_gradients_below_the_threshold_alone():
    params = _two_grads([3.0, 0.0], [4.0])
    assert prepare_gradients_(params, SolverConfig(clip_gradients=10.0)) == pytest.approx(5.0)
    assert params[0].grad.tolist() == [3.0, 0.0] and params[1].grad.tolist() == [4.0]


def test_clipping_off_returns_none_and_changes_nothing():
    params = _two_grads([3.0, 0.0], [4.0])
    assert prepare_gradients_(params, SolverConfig()) is None  # clip_gradients -1: off
    assert params[0].grad.tolist() == [3.0, 0.0] and params[1].grad.tolist() == [4.0]


def test_clipping_sees_the_summed_gradient_then_iter_size_divides():
    # Caffe's ApplyUpdate: ClipGradients on the sum of iter_size=2 backward passes (norm 5 > 4:
    # scale 0.8), then Normalize (times 1/2): [3, 0], [4] -> [1.2, 0], [1.6]. Normalising first
    # would give norm 2.5 < 4, no clipping, and [1.5, 0], [2].
    params = _two_grads([3.0, 0.0], [4.0])
    assert prepare_gradients_(params, SolverConfig(clip_gradients=4.0, iter_size=2)) == pytest.approx(5.0)
    assert params[0].grad.tolist() == pytest.approx([1.2, 0.0]) and params[1].grad.tolist() == pytest.approx([1.6])


def test_iter_size_alone_divides_the_accumulated_gradients():
    params = _two_grads([3.0, -1.0], [4.0])
    prepare_gradients_(params, SolverConfig(iter_size=4))
    assert params[0].grad.tolist() == [0.75, -0.25] and params[1].grad.tolist() == [1.0]


# ---- make_optimizer, set_rate, optimizer_type_name ----------------------------------------------

#: Caffe's example solvers for each type (examples/mnist/): lenet_solver, mnist_autoencoder_solver_nesterov,
#: mnist_autoencoder_solver_adagrad, lenet_solver_rmsprop, lenet_adadelta_solver, lenet_solver_adam.
CAFFE_EXAMPLES = {
    "SGD": dict(base_lr=0.01, momentum=0.9, weight_decay=0.0005, lr_policy="inv", gamma=0.0001, power=0.75),
    "Nesterov": dict(base_lr=0.01, momentum=0.95, weight_decay=0.0005, lr_policy="step", gamma=0.1, stepsize=10000),
    "AdaGrad": dict(base_lr=0.01, momentum=0.0, weight_decay=0.0005, lr_policy="fixed"),
    "RMSProp": dict(
        base_lr=0.01, momentum=0.0, rms_decay=0.98, weight_decay=0.0005, lr_policy="inv", gamma=0.0001, power=0.75
    ),
    "AdaDelta": dict(base_lr=1.0, momentum=0.95, delta=1e-6, weight_decay=0.0005, lr_policy="fixed"),
    "Adam": dict(base_lr=0.001, momentum=0.9, momentum2=0.999, weight_decay=0.0, lr_policy="fixed"),
    "TorchSGD": dict(base_lr=0.01, momentum=0.9, weight_decay=0.0005, lr_policy="inv", gamma=0.0001, power=0.75),
}


def _example(kind: str, **changes) -> SolverConfig:
    return SolverConfig(type=kind, **{**CAFFE_EXAMPLES[kind], **changes})


@pytest.mark.parametrize("kind", list(CAFFE_EXAMPLES))
def test_make_optimizer_builds_the_named_type(kind):
    opt = make_optimizer(TutLeNet(), _example(kind))
    expected = torch.optim.SGD if kind == "TorchSGD" else CAFFE_OPTIMIZERS[kind]
    assert type(opt) is expected
    assert optimizer_type_name(opt) == kind
    weights, biases = opt.param_groups
    assert (weights["lr_mult"], biases["lr_mult"]) == (1.0, 2.0)


def test_set_rate_applies_the_config_of_this_iteration():
    cfg = _example("Adam")
    opt = make_optimizer(TutLeNet(), cfg)
    set_rate(
        opt, 0.002, cfg.replace(momentum=0.8, momentum2=0.99, delta=1e-4, weight_decay=0.001, regularization_type="L1")
    )
    for group in opt.param_groups:  # Caffe's rate: lr_mult is applied in step
        assert (group["lr"], group["momentum"], group["momentum2"], group["delta"]) == (0.002, 0.8, 0.99, 1e-4)
        assert (group["weight_decay"], group["regularization_type"]) == (0.001, "L1")
    rms = make_optimizer(TutLeNet(), _example("RMSProp"))
    set_rate(rms, 0.005, _example("RMSProp", rms_decay=0.9))
    assert [g["rms_decay"] for g in rms.param_groups] == [0.9, 0.9]


def test_set_rate_on_torch_sgd_multiplies_the_rate_and_the_decay():
    cfg = _example("TorchSGD")
    opt = make_optimizer(TutLeNet(), cfg)
    set_rate(opt, 0.005, cfg.replace(momentum=0.8))
    weights, biases = opt.param_groups
    assert (weights["lr"], biases["lr"]) == (0.005, 0.01)
    assert weights["momentum"] == 0.8 and weights["weight_decay"] == pytest.approx(5e-4)


def test_torch_sgd_refuses_l1():
    # torch.optim.SGD has only L2 decay; the config or the optimizer says so
    with pytest.raises(ValueError, match="only L2"):
        make_optimizer(TutLeNet(), _example("TorchSGD", regularization_type="L1"))
    opt = make_optimizer(TutLeNet(), _example("TorchSGD"))
    with pytest.raises(OptimizerError, match="only L2"):  # a config changed by hand between iterations
        set_rate(opt, 0.01, _Fields(_example("TorchSGD"), regularization_type="L1"))


class _Fields:
    """A config's fields with some overridden, bypassing SolverConfig's own checks (so that the
    optimizer's are tested too)."""

    def __init__(self, cfg: SolverConfig, **changes) -> None:
        self.__dict__.update(dataclasses.asdict(cfg), **changes)


@pytest.mark.parametrize("kind", ["AdaGrad", "RMSProp"])
def test_momentum_is_refused_where_caffe_refuses_it(kind):
    # Caffe: "Momentum cannot be used with AdaGrad/RMSProp". The config or the optimizer may say so.
    with pytest.raises(ValueError, match="(?i)momentum"):
        make_optimizer(TutLeNet(), _example(kind, momentum=0.9))
    with pytest.raises(OptimizerError, match="cannot use momentum"):
        make_optimizer(TutLeNet(), _Fields(_example(kind), momentum=0.9))
    opt = make_optimizer(TutLeNet(), _example(kind))
    with pytest.raises(OptimizerError, match="cannot use momentum"):
        set_rate(opt, 0.01, _Fields(_example(kind), momentum=0.9))


def test_bad_hyperparameters_are_refused_with_the_name():
    w = [nn.Parameter(torch.zeros(1))]
    with pytest.raises(OptimizerError, match="rms_decay"):
        CaffeRMSProp(w, rms_decay=1.0)
    with pytest.raises(OptimizerError, match="momentum2"):
        CaffeAdam(w, momentum2=1.0)
    with pytest.raises(OptimizerError, match="regularization_type"):
        CaffeNesterov(w, regularization_type="L3")
    with pytest.raises(OptimizerError, match="delta"):
        CaffeAdaDelta(w, delta=float("nan"))


def test_optimizer_type_name_refuses_a_foreign_optimizer():
    with pytest.raises(OptimizerError, match="make_optimizer"):
        optimizer_type_name(torch.optim.Adam([nn.Parameter(torch.zeros(1))]))


# ---- every type trains LeNet --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(CAFFE_EXAMPLES))
def test_every_type_trains_lenet_with_caffes_example_settings(kind, mnist_train):
    images, labels = mnist_train
    x = images[:512].unsqueeze(1).float() * 0.00390625  # Caffe's scale: 1/256
    y = labels[:512]
    cfg = _example(kind)
    torch.manual_seed(0)
    model = CaffeLeNet()
    opt = make_optimizer(model, cfg)
    with torch.no_grad():
        before = F.cross_entropy(model(x), y).item()
    for it in range(30):
        set_rate(opt, lr_at(it, cfg), cfg)
        batch = slice(it * 64 % 512, it * 64 % 512 + 64)
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x[batch]), y[batch]).backward()
        prepare_gradients_(model.parameters(), cfg)
        opt.step()
    with torch.no_grad():
        after = F.cross_entropy(model(x), y).item()
    assert math.isfinite(after) and after < 0.5 * before, (before, after)
