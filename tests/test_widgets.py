"""The panels driven from Python as a learner would drive them: move sliders, click buttons, draw."""

from __future__ import annotations

import time

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from widget_support import PNG, first_line, seeded_model, small_batches, static_png  # noqa: E402

from lenet_course import widgets  # noqa: E402
from lenet_course.config import SolverConfig  # noqa: E402
from lenet_course.data import load_mnist  # noqa: E402
from lenet_course.schedules import POLICIES, POLICY_TABLE, lr_at, lr_curve  # noqa: E402
from lenet_course.widgets.view import round_values  # noqa: E402


# ---- pure helpers -------------------------------------------------------------------------------
def test_schedule_config_keeps_only_what_the_policy_uses():
    cfg = widgets.schedule_config(SolverConfig(), "step", base_lr=0.1, gamma=0.5, power=2.0, stepsize=100, max_iter=500)
    assert (cfg.lr_policy, cfg.base_lr, cfg.gamma, cfg.power, cfg.stepsize, cfg.max_iter) == (
        "step",
        0.1,
        0.5,
        None,
        100,
        500,
    )
    assert widgets.schedule_config(SolverConfig(), "poly", gamma=0.5, power=2.0).gamma is None
    with pytest.raises(ValueError, match="valid policies are"):
        widgets.schedule_config(SolverConfig(), "cosine")


def test_parse_stepvalues():
    assert widgets.parse_stepvalues("3000, 6000 8000") == (3000, 6000, 8000)
    with pytest.raises(ValueError, match="e.g. '3000, 6000'"):
        widgets.parse_stepvalues("3000, soon")


def test_round_values_are_exact_decimals():
    assert round_values(1e-3, 1e-1) == [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1]
    assert 0.003 in round_values(1e-3, 1e-2, (1, 3))  # parsed, not 3 * 0.001 (= 0.0030000000000000001)


# ---- 1. schedule explorer -----------------------------------------------------------------------
def test_schedule_line_follows_the_gamma_slider_and_equals_lr_at():
    panel = widgets.ScheduleExplorer()
    renders = panel.view.renders
    panel.gamma.value = 3e-3
    assert panel.view.renders == renders + 1 and panel.view.png.startswith(PNG)
    cfg = panel.config
    assert cfg.gamma == 3e-3 and panel.gamma.label == "0.003"  # a round stop, shown as typed
    y = first_line(panel)
    assert len(y) == 10001
    for it in (0, 1, 500, 5000, 10000):
        assert y[it] == pytest.approx(lr_at(it, cfg), rel=1e-12)
    assert f"{lr_at(10000, cfg):.6g}" in panel.formula.value
    static_png(panel)


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_greys_out_what_it_does_not_read_and_starts_typical(policy):
    panel = widgets.ScheduleExplorer()
    panel.policy.value = policy
    spec = POLICY_TABLE[policy]
    for name in ("gamma", "power", "stepsize", "stepvalue"):
        assert getattr(panel, name).disabled == (name not in spec.uses), name
    typical = spec.typical()
    for name, value in typical.items():
        shown = getattr(panel, name).value
        assert (widgets.parse_stepvalues(shown) if name == "stepvalue" else shown) == pytest.approx(value)
    cfg = panel.config
    np.testing.assert_allclose(first_line(panel), [lr_at(it, cfg) for it in range(cfg.max_iter + 1)], rtol=1e-12)
    assert panel.message.value == ""


@pytest.mark.parametrize("policy", [p for p in POLICIES if POLICY_TABLE[p].params])
def test_sliders_reach_each_typical_value_and_their_ends(policy):
    panel = widgets.ScheduleExplorer()
    panel.policy.value = policy
    for spec in POLICY_TABLE[policy].params:
        control = getattr(panel, spec.name)
        if spec.kind == "steps":
            continue
        if spec.slider.log:
            stops = [v for _, v in control.options]
            assert (stops[0], stops[-1]) == pytest.approx((spec.slider.min, spec.slider.max))
            assert spec.typical in stops and all(len(f"{v:.6e}".split("e")[0].rstrip("0")) <= 4 for v in stops)
            for value in (stops[0], stops[-1]):
                control.value = value
                assert panel.message.value == "" and np.isfinite(first_line(panel)).all()
            continue
        assert spec.slider.reaches(spec.typical)
        assert (control.min, control.max, control.step) == pytest.approx(
            (spec.slider.min, spec.slider.max, spec.slider.step)
        )
        for value in (control.min, control.max):  # every corner draws, none raises
            control.value = value
            assert panel.message.value == "" or "inf" in panel.message.value
            assert np.isfinite(first_line(panel)).any()


def test_exp_reaches_a_tenth_at_ten_thousand_and_sigmoid_decays():
    panel = widgets.ScheduleExplorer()
    panel.policy.value = "exp"
    panel.gamma.value = 0.99977
    assert panel.gamma.readout_format == ".5f"
    assert first_line(panel)[10000] == pytest.approx(0.01 * 0.99977**10000) and first_line(panel)[10000] < 0.0011
    panel.gamma.value = panel.gamma.value - panel.gamma.step  # one stop left: a tenth becomes 9%, not 0
    assert first_line(panel)[10000] == pytest.approx(0.01 * 0.99976**10000) and first_line(panel)[10000] > 0.0009
    panel.policy.value = "sigmoid"
    assert panel.gamma.value < 0 and panel.gamma.min < 0 < panel.gamma.max
    y = first_line(panel)
    assert y[0] > 0.99 * 0.01 and y[10000] < 0.01 * 0.01 and y[5000] == pytest.approx(0.005)


def test_sigmoid_steep_gamma_from_a_config_never_raises():
    cfg = SolverConfig().with_policy("sigmoid", gamma=0.15, stepsize=5000)
    panel = widgets.ScheduleExplorer(cfg)
    assert panel.gamma.value == panel.gamma.max  # clamped onto the slider
    panel.stepsize.value = panel.stepsize.min
    panel.max_iter.value = 50000
    assert np.isfinite(first_line(panel)).all()


def test_sliders_snap_to_round_values():
    panel = widgets.ScheduleExplorer()
    panel.policy.value = "step"
    stops = range(panel.stepsize.min, panel.stepsize.max + 1, panel.stepsize.step)
    assert all(s % 100 == 0 for s in stops) and 2000 in stops
    max_iters = [value for _, value in panel.max_iter.options]
    assert all(len(str(v).rstrip("0")) <= 2 for v in max_iters)  # two significant digits at most: 120, 2500
    assert {100, 300, 1000, 2000, 5000, 10000, 50000} <= set(max_iters) and len(max_iters) > 40
    lrs = [value for _, value in panel.base_lr.options]
    assert 0.01 in lrs and 0.001 in lrs and 0.02 in lrs


def test_schedule_bad_stepvalue_is_reported_and_the_last_curve_kept():
    panel = widgets.ScheduleExplorer()
    panel.policy.value = "multistep"
    panel.stepvalue.value = "100, 2000"
    y = first_line(panel)
    assert (y[99], y[100], y[2000]) == pytest.approx((0.01, 0.009, 0.0081))
    panel.stepvalue.value = "100, later"
    assert "stepvalue must be whole iterations" in panel.message.value
    np.testing.assert_array_equal(first_line(panel), y)
    panel.stepvalue.value = "100"
    assert panel.message.value == ""
    panel.log_scale.value = True
    assert panel.ax.get_yscale() == "log"


def test_each_policy_keeps_its_own_gamma():
    panel = widgets.ScheduleExplorer()
    panel.policy.value = "step"
    panel.gamma.value = 0.5
    panel.policy.value = "exp"
    assert panel.gamma.value == pytest.approx(0.99977)
    panel.policy.value = "step"
    assert panel.gamma.value == 0.5 and panel.config.gamma == 0.5


# ---- 2. training panel ----------------------------------------------------------------------------
def test_training_panel_trains_and_its_curves_grow(small_train, small_test):
    model = seeded_model("tut")
    train, test = small_batches(model, small_train, small_test)
    panel = widgets.TrainingPanel(model, train, test, iterations=30, chunk=10, test_interval=10, redraw_seconds=0)
    assert len(panel.ax.get_lines()[0].get_xdata()) == 0
    static_png(panel)
    panel.train_button.click()
    assert panel.wait(timeout=60)
    h = panel.history
    np.testing.assert_array_equal(h.iteration, np.arange(30))
    np.testing.assert_array_equal(h.test_iteration, [0, 10, 20, 30])  # a last test at the end
    np.testing.assert_allclose(first_line(panel), h.loss)
    np.testing.assert_allclose(panel.ax.figure.axes[1].get_lines()[0].get_ydata(), h.test_accuracy)
    np.testing.assert_allclose(h.lr, lr_curve(np.arange(30), panel.solver.cfg))
    np.testing.assert_allclose(h.loss, panel.solver.history().loss)  # the events said what the solver saw
    assert "done at iteration 30" in panel.status.value and "validation accuracy" in panel.status.value
    assert not panel.train_button.disabled and panel.stop_button.disabled
    panel.iterations.value = 20
    panel.train_button.click()  # continues where it stopped
    assert panel.wait(timeout=60)
    assert len(panel.history.loss) == 50 and panel.history.test_iteration[-1] == 50
    assert panel.history.loss[-10:].mean() < panel.history.loss[:10].mean()


def test_training_panel_builds_its_data_from_the_config(small_test):
    cfg = SolverConfig(train_batch_size=32, random_seed=7)
    panel = widgets.TrainingPanel(seeded_model("tut"), cfg=cfg, train_limit=640, test_limit=200)
    assert (panel.train_data.batch_size, panel.train_data.seed, panel.train_data.size) == (32, 7, 640)
    assert panel.base.test_iter == 2 and "640 training digits, 200 validation digits" in panel.status.value
    # tuning by hand is choosing settings: the panel measures on the validation split, not the test split
    torch.testing.assert_close(panel.test_data.labels, load_mnist("val")[1][:200])
    torch.testing.assert_close(panel.train_data.labels, load_mnist("fit")[1][:640])


def test_iterations_and_lr_sliders_stop_at_round_values():
    panel = widgets.TrainingPanel(seeded_model("tut"), train_limit=640, test_limit=100)
    iterations = [v for _, v in panel.iterations.options]
    assert panel.iterations.value == 300 and 301 not in iterations and {10, 100, 300, 1000, 5000} <= set(iterations)
    assert {0.001, 0.01, 0.1, 10.0} <= {v for _, v in panel.lr.options}


def test_slider_moved_mid_training_acts_next_iteration_and_stop_keeps_model(small_train, small_test):
    model = seeded_model("tut")
    train, test = small_batches(model, small_train, small_test)
    panel = widgets.TrainingPanel(model, train, test, iterations=5000, chunk=5, test_interval=1000)
    panel.train_button.click()
    deadline = time.monotonic() + 30
    while len(panel.record.steps) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    panel.policy.value = "fixed"
    changed_at = panel.solver.iter  # the iteration running now may still use the old rate
    panel.lr.value = 0.002
    while panel.solver.iter < changed_at + 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    panel.stop_button.click()
    assert panel.wait(timeout=30)
    h = panel.history
    assert 5 <= len(h.loss) < 5000
    later = h.lr[h.iteration > changed_at + 1]
    assert len(later) >= 2 and np.all(later == 0.002)
    assert h.lr[0] == 0.01
    assert "stopped at iteration" in panel.status.value
    assert not panel.running and not panel.train_button.disabled
    panel.iterations.value = 10
    panel.train_button.click()  # the Stop above must not end this run at once (cancel_requests)
    assert panel.wait(timeout=30) and "done at iteration" in panel.status.value


def test_diverged_run_then_reset_then_a_working_train(small_train, small_test):
    model = seeded_model("tut")
    train, test = small_batches(model, small_train, small_test)
    panel = widgets.TrainingPanel(
        model, train, test, iterations=200, chunk=5, test_interval=100, background=False, redraw_seconds=60
    )
    first_batch = train.next_batch()[1].clone()
    train.load_state_dict({"epoch": 0, "position": 0, "seed": 1})
    panel.policy.value = "fixed"
    panel.lr.value = 10.0
    panel.train_button.click()
    status = panel.status.value
    assert "diverged" in status and "Press Reset" in status and "accuracy" not in status  # no stale 10%
    assert panel.history.stop_reason.startswith("diverged") and len(panel.history.loss) < 200
    panel.train_button.click()  # training on from NaN weights is refused, with the way out
    assert "press Reset" in panel.status.value and len(panel.history.loss) < 200
    panel.reset_button.click()
    assert "back where the panel started" in panel.status.value
    assert (panel.policy.value, panel.lr.value, panel.iterations.value) == ("inv", 0.01, 200)
    assert panel.gamma.value == pytest.approx(1e-4) and not panel.gamma.disabled
    assert len(panel.history.loss) == 0
    for name, value in seeded_model("tut").state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], value)
    torch.testing.assert_close(train.next_batch()[1], first_batch)  # the data order starts over too
    train.load_state_dict({"epoch": 0, "position": 0, "seed": 1})
    panel.iterations.value = 20
    panel.train_button.click()
    assert panel.error is None and "done at iteration 20" in panel.status.value
    assert np.isfinite(panel.history.loss).all()


@pytest.mark.parametrize("policy", widgets.TrainingPanel.TRAIN_POLICIES)
def test_training_panel_greys_out_from_the_table(policy):
    panel = widgets.TrainingPanel(seeded_model("tut"), train_limit=640, test_limit=100)
    panel.policy.value = policy
    for name in ("gamma", "power", "stepsize"):
        assert panel.params.current(name).disabled == (name not in POLICY_TABLE[policy].uses)
    assert panel.config().lr_policy == policy


def test_training_panel_runs_each_model(any_model, small_train, small_test):
    train, test = small_batches(any_model, small_train, small_test)
    panel = widgets.TrainingPanel(
        any_model, train, test, iterations=4, chunk=2, test_interval=2, background=False, redraw_seconds=60
    )
    panel.train_button.click()
    assert panel.error is None, panel.status.value
    np.testing.assert_array_equal(panel.history.test_iteration, [0, 2, 4])
    static_png(panel)


# ---- 3. feature-map explorer ------------------------------------------------------------------
# ---- 4. draw a digit ------------------------------------------------------------------------------
