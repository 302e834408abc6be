import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lenet_course.config import SolverConfig
from lenet_course.schedules import (
    FORMULAS,
    POLICIES,
    POLICY_TABLE,
    SCHEDULE_PARAMS,
    ScheduleError,
    formula_with_values,
    get_policy,
    ignored_params,
    lambda_lr,
    lr_at,
    lr_curve,
    validate_policy,
)

LENET = SolverConfig()


def cfg(policy, **params):
    return LENET.with_policy(policy, **params)


CASES = [
    (cfg("fixed"), lambda it: 0.01),
    (cfg("step", gamma=0.1, stepsize=1000), lambda it: 0.01 * 0.1 ** (it // 1000)),
    (cfg("exp", gamma=0.999), lambda it: 0.01 * 0.999**it),
    (cfg("inv", gamma=1e-4, power=0.75), lambda it: 0.01 * (1 + 1e-4 * it) ** -0.75),
    (
        cfg("multistep", gamma=0.5, stepvalue=(100, 2500, 7000)),
        lambda it: 0.01 * 0.5 ** sum(it >= v for v in (100, 2500, 7000)),
    ),
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


def params(**changes):
    """A bare object with Caffe's schedule fields (lr_at accepts anything shaped like SolverConfig)."""
    fields = dict(base_lr=0.01, lr_policy="inv", gamma=1e-4, power=0.75, stepsize=None, stepvalue=(), max_iter=10000)
    fields.update(changes)
    return SimpleNamespace(**fields)


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(lr_policy="cosine"), "valid policies are: fixed, step, exp, inv, multistep, poly, sigmoid"),
        (dict(lr_policy="step", stepsize=None), "'step' needs stepsize"),
        (dict(lr_policy="step", stepsize=0), "needs stepsize to be a whole number > 0, got 0"),
        (dict(lr_policy="step", stepsize=2.5), "needs stepsize to be a whole number > 0, got 2.5"),
        (dict(lr_policy="sigmoid", stepsize=None), "'sigmoid' needs stepsize"),
        (dict(lr_policy="poly", max_iter=0), "needs a positive max_iter"),
        (dict(lr_policy="multistep", stepvalue=(500, 200)), "strictly increasing"),
        (dict(lr_policy="multistep", stepvalue=()), "'multistep' needs stepvalue"),
        (dict(base_lr=-0.1), "base_lr must be"),
        (dict(gamma=-1.0), "'inv' needs gamma to be a finite number >= 0, got -1.0"),
        (dict(gamma=math.nan), "needs gamma to be a finite number"),
        (dict(gamma="0.1"), "needs gamma to be a finite number"),
        (dict(lr_policy="exp", gamma=None), "'exp' needs gamma"),
        (dict(lr_policy="inv", power=None), "'inv' needs power"),
    ],
)
def test_invalid_policies_raise_clear_errors(changes, message):
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_policy(params(**changes))
    with pytest.raises(ScheduleError):
        lr_at(10, params(**changes))


def test_a_missing_parameter_names_its_typical_value():
    with pytest.raises(ScheduleError, match=r"set gamma \(typical: gamma=0.99977\)"):
        validate_policy(params(lr_policy="exp", gamma=None))


def test_parameters_a_policy_does_not_read_are_ignored_as_caffe_does():
    # power means nothing to step; Caffe ignores it, and so does the schedule
    step = params(lr_policy="step", gamma=0.1, stepsize=1000, power=0.75, stepvalue=(5,))
    validate_policy(step)
    assert lr_at(2500, step) == pytest.approx(0.01 * 0.1**2, rel=1e-12)
    assert ignored_params("step", vars(step)) == ("power", "stepvalue")
    assert ignored_params("inv", vars(step)) == ("stepsize", "stepvalue")
    assert ignored_params("fixed", {"gamma": None, "stepvalue": ()}) == ()


def test_negative_iteration_is_rejected():
    with pytest.raises(ScheduleError, match="iteration must be a number >= 0, got -1"):
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


# ---- the policy table ---------------------------------------------------------------------------
def test_the_table_is_the_one_source_of_names_formulas_and_parameters():
    assert tuple(POLICY_TABLE) == POLICIES
    assert "step" in POLICY_TABLE and list(POLICY_TABLE) == list(POLICIES)
    assert dict(FORMULAS) == {name: p.formula for name, p in POLICY_TABLE.items()}
    assert FORMULAS["inv"] == "base_lr * (1 + gamma * iter) ^ (-power)"
    uses = {name: p.uses for name, p in POLICY_TABLE.items()}
    assert uses == {
        "fixed": (),
        "step": ("gamma", "stepsize"),
        "exp": ("gamma",),
        "inv": ("gamma", "power"),
        "multistep": ("gamma", "stepvalue"),
        "poly": ("power",),
        "sigmoid": ("gamma", "stepsize"),
    }
    assert all(set(u) <= set(SCHEDULE_PARAMS) for u in uses.values())
    assert [n for n, p in POLICY_TABLE.items() if p.uses_max_iter] == ["poly"]
    with pytest.raises(TypeError):
        POLICY_TABLE["cosine"] = POLICY_TABLE["fixed"]  # read-only
    with pytest.raises(ScheduleError, match="unknown lr_policy 'cosine'"):
        get_policy("cosine")


def test_typical_values_are_the_lessons_and_caffes():
    typical = {name: p.typical() for name, p in POLICY_TABLE.items()}
    assert typical["step"] == {"gamma": 0.1, "stepsize": 3000}
    assert typical["inv"] == {"gamma": 1e-4, "power": 0.75}  # the LeNet solver
    # Caffe's examples/mnist/lenet_multistep_solver.prototxt
    assert typical["multistep"] == {"gamma": 0.9, "stepvalue": (5000, 7000, 8000, 9000, 9500)}
    assert typical["poly"] == {"power": 1.0}
    assert typical["sigmoid"] == {"gamma": -0.001, "stepsize": 5000}
    # exp's typical gamma brings the rate to a tenth of base_lr after the 10,000 LeNet iterations
    exp = cfg("exp", **typical["exp"])
    assert lr_at(10_000, exp) / exp.base_lr == pytest.approx(0.1, rel=0.01)


@pytest.mark.parametrize("name", POLICIES)
def test_typical_values_are_valid_and_on_their_sliders(name):
    policy = POLICY_TABLE[name]
    config = cfg(name, **policy.typical())
    validate_policy(config)
    for spec in policy.params:
        assert spec.slider.min < spec.slider.max and spec.slider.step > 0
        values = spec.typical if spec.kind == "steps" else (spec.typical,)
        for value in values:
            assert spec.slider.reaches(value), (name, spec.name, value, spec.slider)
    # the curve from the typical values is finite everywhere over a LeNet run
    assert np.all(np.isfinite(lr_curve(np.arange(0, 10_001, 50), config)))


def test_slider_ranges_cover_what_the_lessons_use():
    assert POLICY_TABLE["exp"].param("gamma").slider.reaches(0.9997)  # lesson 05
    assert POLICY_TABLE["exp"].param("gamma").slider.reaches(0.99999)
    assert POLICY_TABLE["exp"].param("gamma").slider.step <= 1e-5
    sigmoid = POLICY_TABLE["sigmoid"].param("gamma").slider
    assert sigmoid.reaches(-0.002) and sigmoid.reaches(0.002)  # decay and rise
    assert POLICY_TABLE["poly"].param("power").slider.reaches(2.0)
    assert POLICY_TABLE["inv"].param("gamma").slider.log
    assert not POLICY_TABLE["inv"].param("gamma").slider.reaches(2e-4 + 1e-9)
    with pytest.raises(KeyError, match="does not use 'power'"):
        POLICY_TABLE["step"].param("power")


# ---- overflow ----------------------------------------------------------------------------------
OVERFLOWING = [
    (params(lr_policy="sigmoid", gamma=0.2, stepsize=5000), [0.0, 0.0, 0.005, 0.01, 0.01]),
    (params(lr_policy="sigmoid", gamma=-0.2, stepsize=5000), [0.01, 0.01, 0.005, 0.0, 0.0]),
    (params(lr_policy="exp", gamma=1.5), [0.01, 0.015, math.inf, math.inf, math.inf]),
    (params(lr_policy="step", gamma=1e5, stepsize=1), [0.01, 1000.0, math.inf, math.inf, math.inf]),
    (params(lr_policy="inv", gamma=1.0, power=-500.0), [0.01, 0.01 * 2.0**500, math.inf, math.inf, math.inf]),
    (params(lr_policy="poly", power=-1.0), [0.01, 0.01 / 0.9999, 0.02, math.inf, math.inf]),
    (params(lr_policy="exp", gamma=1.5, base_lr=0.0), [0.0] * 5),  # 0 * inf stays 0, not nan
]
OVERFLOW_ITERS = [0, 1, 5000, 10_000, 10**6]


@pytest.mark.parametrize("config,expected", OVERFLOWING, ids=lambda v: getattr(v, "lr_policy", ""))
def test_lr_at_never_overflows(config, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = [lr_at(it, config) for it in OVERFLOW_ITERS]
        curve = lr_curve(OVERFLOW_ITERS, config)
    assert all(isinstance(v, float) for v in got)
    assert got == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(curve, expected, rtol=1e-12)
    assert not np.any(np.isnan(curve))


def test_formula_of_a_decaying_sigmoid_keeps_the_sign_readable():
    text = formula_with_values(cfg("sigmoid", gamma=-0.002, stepsize=5000))
    assert text == "0.01 * 1 / (1 + exp(-(-0.002) * (iter - 5000)))"
