"""widgets.py driven from Python as a learner would drive it: move sliders, click buttons, draw."""

from __future__ import annotations

import time

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from lenet_course import features, widgets  # noqa: E402
from lenet_course.checkpoints import load_model, save_weights  # noqa: E402
from lenet_course.config import SolverConfig  # noqa: E402
from lenet_course.data import TensorBatches  # noqa: E402
from lenet_course.models import build_model  # noqa: E402
from lenet_course.preprocess import center_of_mass  # noqa: E402
from lenet_course.schedules import lr_at, lr_curve  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _model(arch: str):
    torch.manual_seed(0)
    return build_model(arch)


@pytest.fixture(scope="module")
def tut2_model(tmp_path_factory):
    """A TutLeNet read back from a tut2-model.pt file, as the course ships it."""
    path = save_weights(_model("tut"), tmp_path_factory.mktemp("weights") / "tut2-model.pt")
    return load_model(path, device="cpu")


@pytest.fixture(params=["caffe", "tut", "lenet5", "tut2-model.pt"])
def any_model(request, tut2_model):
    return tut2_model if request.param == "tut2-model.pt" else _model(request.param)


def _data(model, small_train, small_test, test_count: int = 100):
    """Small batches of the session's MNIST subsets: the CPU is shared, the tests must stay quick."""
    scale = model.input_scale
    train = TensorBatches(data=small_train, scale=scale, batch_size=16, seed=1, device="cpu")
    test = TensorBatches(data=(small_test[0][:test_count], small_test[1][:test_count]), scale=scale,
                         batch_size=100, shuffle=False, device="cpu")
    return train, test


# ---- pure helpers -------------------------------------------------------------------------------
def test_schedule_config_keeps_only_what_the_policy_uses():
    cfg = widgets.schedule_config(SolverConfig(), "step", base_lr=0.1, gamma=0.5, power=2.0, stepsize=100,
                                  max_iter=500)
    assert (cfg.lr_policy, cfg.base_lr, cfg.gamma, cfg.power, cfg.stepsize, cfg.max_iter) == (
        "step", 0.1, 0.5, None, 100, 500)
    assert widgets.schedule_config(SolverConfig(), "poly", gamma=0.5, power=2.0).gamma is None
    with pytest.raises(ValueError, match="valid policies are"):
        widgets.schedule_config(SolverConfig(), "cosine")


def test_parse_stepvalues():
    assert widgets.parse_stepvalues("3000, 6000 8000") == (3000, 6000, 8000)
    with pytest.raises(ValueError, match="e.g. '3000, 6000'"):
        widgets.parse_stepvalues("3000, soon")


# ---- 1. schedule explorer -----------------------------------------------------------------------
def test_schedule_line_follows_the_gamma_slider():
    panel = widgets.ScheduleExplorer()
    renders = panel.view.renders
    panel.gamma.value = 3e-3
    assert panel.view.renders == renders + 1 and panel.view.png.startswith(PNG)
    y = panel.ax.get_lines()[0].get_ydata()
    cfg = SolverConfig().replace(gamma=3e-3)
    assert len(y) == 10001
    for it in (0, 1, 500, 5000, 10000):
        assert y[it] == pytest.approx(lr_at(it, cfg), rel=1e-12)
    assert "0.003" in panel.formula.value and f"{lr_at(10000, cfg):.6g}" in panel.formula.value
    assert "application/vnd.jupyter.widget-view+json" in panel._repr_mimebundle_()


def test_schedule_policy_sliders_and_bad_input():
    panel = widgets.ScheduleExplorer()
    panel.policy.value = "step"
    assert panel.gamma.value == 0.1 and panel.power.disabled and not panel.stepsize.disabled
    panel.stepsize.value = 1000
    panel.max_iter.value = 4000
    cfg = panel.config
    np.testing.assert_allclose(panel.ax.get_lines()[0].get_ydata(), lr_curve(np.arange(4001), cfg))
    assert panel.ax.get_lines()[0].get_ydata()[1000] == pytest.approx(0.001)
    panel.policy.value = "multistep"
    panel.stepvalue.value = "100, 2000"
    y = panel.ax.get_lines()[0].get_ydata()
    assert (y[99], y[100], y[2000]) == pytest.approx((0.01, 0.001, 0.0001))
    panel.stepvalue.value = "100, later"
    assert "stepvalue must be whole iterations" in panel.message.value
    np.testing.assert_array_equal(panel.ax.get_lines()[0].get_ydata(), y)  # last good curve kept
    panel.stepvalue.value = "100"
    assert panel.message.value == ""
    panel.log_scale.value = True
    assert panel.ax.get_yscale() == "log"


# ---- 2. training panel ----------------------------------------------------------------------------
def _loss_line(panel):
    return panel.ax.get_lines()[0]


def test_training_panel_trains_and_its_curves_grow(small_train, small_test):
    model = _model("tut")
    train, test = _data(model, small_train, small_test)
    panel = widgets.TrainingPanel(model, train, test, iterations=30, chunk=10, test_interval=10,
                                  redraw_seconds=0)
    assert len(_loss_line(panel).get_xdata()) == 0
    panel.train_button.click()
    assert panel.wait(timeout=60)
    h = panel.history
    np.testing.assert_array_equal(h.iteration, np.arange(30))
    np.testing.assert_array_equal(h.test_iteration, [0, 10, 20, 30])  # a last test at the end
    np.testing.assert_allclose(_loss_line(panel).get_ydata(), h.loss)
    np.testing.assert_allclose(panel.ax.figure.axes[1].get_lines()[0].get_ydata(), h.test_accuracy)
    np.testing.assert_allclose(h.lr, lr_curve(np.arange(30), panel.solver.cfg))
    assert "done at iteration 30" in panel.status.value
    assert panel.view.renders >= 3  # at start, while training, at the end: one image updated in place
    assert not panel.train_button.disabled and panel.stop_button.disabled
    panel.iterations.value = 20
    panel.train_button.click()  # continues where it stopped
    assert panel.wait(timeout=60)
    assert len(panel.history.loss) == 50 and len(_loss_line(panel).get_xdata()) == 50
    assert panel.history.test_iteration[-1] == 50
    assert panel.history.loss[-10:].mean() < panel.history.loss[:10].mean()


def test_slider_moved_mid_training_acts_next_iteration_and_stop_keeps_model(small_train, small_test):
    model = _model("tut")
    train, test = _data(model, small_train, small_test)
    panel = widgets.TrainingPanel(model, train, test, iterations=5000, chunk=5, test_interval=1000)
    panel.train_button.click()
    deadline = time.monotonic() + 30
    while panel.solver.iter < 5 and time.monotonic() < deadline:
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
    assert len(_loss_line(panel).get_xdata()) == len(h.loss)
    x = features.model_input(model, small_test[0][:5])
    assert np.isfinite(features.probabilities(model, x)).all()
    assert not panel.running and not panel.train_button.disabled


def test_divergent_rate_stops_with_a_message(small_train, small_test):
    model = _model("tut")
    train, test = _data(model, small_train, small_test)
    panel = widgets.TrainingPanel(model, train, test, iterations=200, chunk=5, test_interval=100,
                                  background=False, redraw_seconds=60)
    panel.policy.value = "fixed"
    panel.lr.value = 10.0
    panel.train_button.click()
    assert "diverged" in panel.status.value and "lower base_lr" in panel.status.value
    assert len(panel.history.loss) < 200
    assert panel.history.stop_reason.startswith("diverged")
    panel.reset_button.click()
    assert len(panel.history.loss) == 0
    for name, value in _model("tut").state_dict().items():
        torch.testing.assert_close(model.state_dict()[name], value)


def test_training_panel_runs_each_model(any_model, small_train, small_test):
    train, test = _data(any_model, small_train, small_test)
    panel = widgets.TrainingPanel(any_model, train, test, iterations=4, chunk=2, test_interval=2,
                                  background=False, redraw_seconds=60)
    panel.train_button.click()
    assert panel.error is None, panel.status.value
    np.testing.assert_array_equal(panel.history.test_iteration, [0, 2, 4])
    assert panel.view.png.startswith(PNG)


# ---- 3. feature-map explorer ------------------------------------------------------------------
def test_feature_map_explorer_follows_image_and_layer(any_model, small_test):
    images, labels = small_test[0][:20], small_test[1][:20]
    panel = widgets.FeatureMapExplorer(any_model, images, labels)
    first_layer = features.layer_roles(any_model).visual[0]
    assert panel.layer.value == first_layer
    panel.index.value = 7
    x = features.model_input(any_model, images[7])
    expected = features.feature_maps(any_model, x, [first_layer])[first_layer][0].numpy()
    np.testing.assert_allclose(panel.maps, expected)
    np.testing.assert_allclose(panel.probabilities, features.probabilities(any_model, x)[0], rtol=1e-6)
    layer = features.layer_roles(any_model).visual[2]
    panel.layer.value = layer
    assert panel.maps.shape == tuple(features.feature_maps(any_model, x, [layer])[layer].shape[1:])
    image_ax = panel.view.figure.axes[0]
    np.testing.assert_array_equal(image_ax.images[0].get_array(), images[7].numpy())
    assert f"label {int(labels[7])}" in image_ax.get_title()
    assert panel.view.png.startswith(PNG)


# ---- 4. draw a digit ------------------------------------------------------------------------------
def test_draw_digit_preprocesses_and_classifies(any_model):
    panel = widgets.DrawDigit(any_model)
    assert panel.digit.sum() == 0
    panel.draw([(60, 50), (200, 50), (120, 250)])  # a 7, drawn off-centre
    assert panel.digit.dtype == np.uint8 and panel.digit.max() == 255
    rows, cols = np.nonzero(panel.digit)
    assert max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 == 20
    cy, cx = center_of_mass(panel.digit.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    x = features.model_input(any_model, panel.digit)
    np.testing.assert_allclose(panel.probabilities, features.probabilities(any_model, x)[0], rtol=1e-6)
    best = int(panel.probabilities.argmax())
    assert f"prediction: <b>{best}</b> ({panel.probabilities[best]:.1%} sure)" in panel.prediction.value
    np.testing.assert_array_equal(panel.view.figure.axes[0].images[0].get_array(), panel.digit)
    best = int(panel.probabilities.argmax())
    assert f"prediction: <b>{best}</b> ({panel.probabilities[best]:.1%} sure)" in panel.prediction.value
    panel.layer.value = features.layer_roles(any_model).visual[1]
    assert panel.maps.shape == tuple(features.feature_maps(any_model, x, [panel.layer.value])[panel.layer.value].shape[1:])
    panel.clear_button.click()
    assert panel.ink.sum() == 0 and panel.digit.sum() == 0
    assert "draw a digit" in panel.prediction.value


def test_mouse_handlers_draw_only_while_pressed():
    panel = widgets.DrawDigit(_model("tut"), size=100, brush=8)
    panel.on_mouse_move(50, 50)  # hovering does not draw
    assert panel.ink.sum() == 0
    panel.on_mouse_down(20, 20)
    panel.on_mouse_move(80, 20)
    panel.on_mouse_up(80, 20)
    assert panel.ink[20, 20:81].min() == 1.0 and panel.ink[60:, :].sum() == 0
    assert panel.digit.any()
