import math

import numpy as np
import pytest
import torch

from lenet_course.config import SolverConfig
from lenet_course.schedules import (
    POLICIES, ScheduleError, formula_with_values, lambda_lr, lr_at, lr_curve, validate_policy,
)

LENET = SolverConfig()


def cfg(policy, **params):
    return LENET.with_policy(policy, **params)


CASES = [
    (cfg("fixed"), lambda it: 0.01),
    (cfg("step", gamma=0.1, stepsize=1000), lambda it: 0.01 * 0.1 ** (it // 1000)),
    (cfg("exp", gamma=0.999), lambda it: 0.01 * 0.999**it),
    (cfg("inv", gamma=1e-4, power=0.75), lambda it: 0.01 * (1 + 1e-4 * it) ** -0.75),
    (cfg("multistep", gamma=0.5, stepvalue=(100, 2500, 7000)),
     lambda it: 0.01 * 0.5 ** sum(it >= v for v in (100, 2500, 7000))),
    (cfg("poly", power=2.0), lambda it: 0.01 * (1 - it / 10000) ** 2.0),
    (cfg("sigmoid", gamma=-0.001, stepsize=5000), lambda it: 0.01 / (1 + math.exp(0.001 * (it - 5000)))),
]
ITERS = [0, 1, 99, 100, 999, 1000, 2500, 4999, 5000, 7000, 9999, 10000]


@pytest.mark.parametrize("config,formula", CASES, ids=[c.lr_policy for c, _ in CASES])
def test_every_policy_matches_caffe_formula(config, formula):
    for it in ITERS:
        assert lr_at(it, config) == pytest.approx(formula(it), rel=1e-12, abs=0)


def test_inv_at_100_with_lenet_solver():
    assert lr_at(100, LENET) == pytest.approx(0.00992565, abs=5e-9)
    assert f"{lr_at(100, LENET):.6g}" == "0.00992565"


def test_step_and_multistep_boundaries():
    step = cfg("step", gamma=0.1, stepsize=1000)
    assert lr_at(999, step) == pytest.approx(0.01)
    assert lr_at(1000, step) == pytest.approx(0.001)
    multi = cfg("multistep", gamma=0.1, stepvalue=(10, 20))
    assert [round(lr_at(i, multi), 12) for i in (9, 10, 19, 20)] == [0.01, 0.001, 0.001, 0.0001]


@pytest.mark.parametrize("config", [c for c, _ in CASES], ids=[c.lr_policy for c, _ in CASES])
def test_vectorised_curve_equals_scalar(config):
    iters = np.arange(0, 10001, 7)
    curve = lr_curve(iters, config)
    assert curve.shape == iters.shape
    np.testing.assert_allclose(curve, [lr_at(int(i), config) for i in iters], rtol=1e-12)


def test_lambda_lr_drives_a_torch_optimizer_with_multipliers():
    w = torch.nn.Parameter(torch.zeros(1))
    b = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 2 * LENET.base_lr}], lr=LENET.base_lr)
    sched = lambda_lr(opt, LENET)
    for it in range(0, 301):
        assert opt.param_groups[0]["lr"] == pytest.approx(lr_at(it, LENET), rel=1e-12)
        assert opt.param_groups[1]["lr"] == pytest.approx(2 * lr_at(it, LENET), rel=1e-12)
        opt.step()
        sched.step()


def test_formula_with_values_substitutes_numbers():
    text = formula_with_values(LENET, it=100)
    assert "0.01 * (1 + 0.0001 * iter) ^ (-0.75)" in text
    assert text.endswith("lr(100) = 0.00992565")


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(lr_policy="cosine"), "valid policies are: fixed, step, exp, inv, multistep, poly, sigmoid"),
        (dict(lr_policy="step", power=None, stepsize=None), "needs a positive stepsize"),
        (dict(lr_policy="step", power=None, stepsize=0), "needs a positive stepsize"),
        (dict(lr_policy="sigmoid", power=None, stepsize=None), "needs a positive stepsize"),
        (dict(lr_policy="poly", max_iter=0), "needs a positive max_iter"),
        (dict(lr_policy="multistep", power=None, stepvalue=(500, 200)), "strictly increasing"),
        (dict(lr_policy="multistep", power=None, stepvalue=()), "at least one stepvalue"),
        (dict(base_lr=-0.1), "base_lr must be"),
        (dict(gamma=-1.0), "gamma must be"),
        (dict(lr_policy="exp", gamma=None, power=None), "needs gamma"),
        (dict(lr_policy="inv", power=None), "needs power"),
        (dict(lr_policy="step", stepsize=100), "power=0.75 has no meaning for lr_policy 'step'"),
        (dict(lr_policy="fixed"), "has no meaning"),
    ],
)
def test_invalid_policies_raise_clear_errors(changes, message):
    from types import SimpleNamespace

    params = dict(base_lr=0.01, lr_policy="inv", gamma=1e-4, power=0.75, stepsize=None, stepvalue=(), max_iter=10000)
    params.update(changes)
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_policy(SimpleNamespace(**params))
    with pytest.raises(ScheduleError):
        lr_at(10, SimpleNamespace(**params))


def test_negative_iteration_is_rejected():
    with pytest.raises(ScheduleError, match="iteration must be >= 0"):
        lr_at(-1, LENET)
    with pytest.raises(ScheduleError, match="iterations must be >= 0"):
        lr_curve([0, -5], LENET)


def test_policies_list_is_caffes():
    assert POLICIES == ("fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid")


@pytest.mark.parametrize("power", [0.75, 2.0])
def test_poly_is_zero_past_max_iter(power):
    config = cfg("poly", power=power).replace(max_iter=100)
    assert lr_at(100, config) == 0.0
    assert lr_at(150, config) == 0.0 and isinstance(lr_at(150, config), float)
    np.testing.assert_array_equal(lr_curve([100, 150, 400], config), [0.0, 0.0, 0.0])
