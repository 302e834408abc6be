"""The drawing and feature-map panels driven from Python as a learner would: pick images and layers, draw."""

from __future__ import annotations

import matplotlib
import numpy as np

matplotlib.use("Agg")

from widget_support import seeded_model, static_png  # noqa: E402

from lenet_course import features, widgets  # noqa: E402
from lenet_course.preprocess import center_of_mass  # noqa: E402


def test_feature_map_explorer_follows_image_and_layer(any_model, small_test):
    images, labels = small_test[0][:20], small_test[1][:20]
    panel = widgets.FeatureMapExplorer(any_model, images, labels)
    first_layer = features.layer_roles(any_model).visual[0]
    assert panel.layer.value == first_layer
    assert list(panel.layer.options) == list(features.layers_in_forward_order(any_model))
    assert panel.index.step == 1
    panel.next_button.click()
    panel.next_button.click()
    assert panel.index.value == 2
    panel.index.value = 7
    x = features.model_input(any_model, images[7])
    np.testing.assert_allclose(panel.maps, features.feature_maps(any_model, x, [first_layer])[first_layer][0].numpy())
    np.testing.assert_allclose(panel.probabilities, features.probabilities(any_model, x)[0], rtol=1e-5, atol=1e-7)
    image_ax = panel.view.figure.axes[0]
    np.testing.assert_array_equal(image_ax.images[0].get_array(), images[7].numpy())
    assert f"label {int(labels[7])}" in image_ax.get_title()
    panel.previous_button.click()
    assert panel.index.value == 6
    static_png(panel)


def test_flat_layers_are_labelled_bar_charts(small_test):
    panel = widgets.FeatureMapExplorer(seeded_model("tut"), small_test[0][:5], small_test[1][:5])
    panel.layer.value = "fc_3"
    layer_ax = panel.view.figure.axes[-1]
    bars = layer_ax.patches
    assert len(bars) == 10 and [int(t) for t in layer_ax.get_xticks()] == list(range(10))
    np.testing.assert_allclose([b.get_height() for b in bars], panel.maps.ravel(), rtol=1e-6)
    assert "10 outputs" in layer_ax.get_title(loc="left") and "digit" in layer_ax.get_xlabel()
    assert "maps 1x1" not in layer_ax.get_title(loc="left")
    panel.layer.value = "fc_1"
    assert len(panel.view.figure.axes[-1].patches) == 120 and "unit" in panel.view.figure.axes[-1].get_xlabel()


def test_blank_canvas_and_a_lone_dot_predict_nothing():
    panel = widgets.DrawDigit(seeded_model("tut"))
    assert panel.probabilities is None and "draw a digit" in panel.prediction.value
    assert "prediction" not in panel.prediction.value
    assert "no prediction" in panel.view.figure.axes[1].texts[0].get_text()
    static_png(panel)
    panel.draw([(140, 140)])  # one click
    assert panel.probabilities is None and "too little ink to be a digit" in panel.prediction.value
    assert len(panel.view.figure.axes[1].patches) == 0  # no bars of a made-up prediction


def test_a_drawn_one_is_preprocessed_and_classified(any_model):
    panel = widgets.DrawDigit(any_model)
    calls = []
    handle = any_model.register_forward_pre_hook(lambda _m, _i: calls.append(1))
    try:
        panel.draw([(140, 40), (140, 240)])  # a "1"
    finally:
        handle.remove()
    assert len(calls) == 1  # one forward pass gives prediction and maps
    assert panel.digit.dtype == np.uint8 and panel.digit.max() > 200  # a thin 1 is anti-aliased
    rows, cols = np.nonzero(panel.digit)
    assert rows.max() - rows.min() + 1 == 20
    cy, cx = center_of_mass(panel.digit.astype(float))
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    x = features.model_input(any_model, panel.digit)
    np.testing.assert_allclose(panel.probabilities, features.probabilities(any_model, x)[0], rtol=1e-5, atol=1e-7)
    best = int(panel.probabilities.argmax())
    assert f"prediction: <b>{best}</b> ({panel.probabilities[best]:.1%} sure)" in panel.prediction.value
    np.testing.assert_array_equal(panel.view.figure.axes[0].images[0].get_array(), panel.digit)
    panel.layer.value = features.layer_roles(any_model).visual[1]
    layer = panel.layer.value
    assert panel.maps.shape == tuple(features.feature_maps(any_model, x, [layer])[layer].shape[1:])
    panel.clear_button.click()
    assert panel.ink.sum() == 0 and panel.digit.sum() == 0 and panel.probabilities is None
    assert "draw a digit" in panel.prediction.value


def test_mouse_handlers_draw_only_while_pressed():
    panel = widgets.DrawDigit(seeded_model("tut"), size=100, brush=8)
    panel.on_mouse_move(50, 50)  # hovering does not draw
    assert panel.ink.sum() == 0
    panel.on_mouse_down(20, 20)
    panel.on_mouse_move(80, 20)
    panel.on_mouse_up(80, 20)
    assert panel.ink[20, 20:81].min() == 1.0 and panel.ink[60:, :].sum() == 0
    assert panel.digit.any() and panel.probabilities is not None


SEVEN = [(70, 56), (140, 56), (210, 56), (168, 126), (140, 182), (112, 238)]


def test_the_explaining_panel_shows_saliency_and_a_nudge_of_the_slider_size(tut2_model):
    from lenet_course import robustness
    from lenet_course.widgets.draw_digit import DrawDigit

    panel = DrawDigit(tut2_model, explain=True, epsilon=0.1)
    assert panel.saliency is None and panel.nudged_probabilities is None  # blank: nothing to explain
    assert panel.nudge_status.value == "" and "draw a digit" in panel.prediction.value
    static_png(panel)
    panel.draw([(140, 140)])  # a lone dot is still not a digit
    assert panel.saliency is None and "too little ink" in panel.prediction.value
    panel.draw(SEVEN)
    answer = int(panel.probabilities.argmax())
    np.testing.assert_allclose(panel.saliency, robustness.saliency(tut2_model, panel.digit, answer)[0], rtol=1e-5)
    nudged = robustness.fgsm(tut2_model, panel.digit, [answer], 0.1)
    np.testing.assert_allclose(
        panel.nudged_probabilities, robustness.predict_probabilities(tut2_model, nudged)[0], rtol=1e-5, atol=1e-7
    )
    before_png, before_text = panel.view.png, panel.nudge_status.value
    assert "epsilon 0.10" in before_text
    panel.epsilon.value = 0.3
    assert panel.view.png != before_png and "epsilon 0.30" in panel.nudge_status.value
    flip = panel.flip_epsilon
    if flip is not None:  # the smallest stop that flips the answer, and the text says so
        assert f"{flip:.2f}" in panel.nudge_status.value
        assert (
            robustness.predict_probabilities(tut2_model, robustness.fgsm(tut2_model, panel.digit, [answer], flip))[
                0
            ].argmax()
            != answer
        )
    # the first row is unchanged: digit, probabilities, the layer in forward order, fc as bars
    assert list(panel.layer.options) == list(features.layers_in_forward_order(tut2_model))
    panel.layer.value = "fc_3"
    bars = [ax for ax in panel.view.figure.axes if "10 outputs" in ax.get_title(loc="left")]
    assert len(bars) == 1 and len(bars[0].patches) == 10
    assert static_png(panel) == panel.view.png
    panel.clear_button.click()
    assert panel.saliency is None and panel.probabilities is None


def test_the_plain_panel_has_no_explanation_row(tut2_model):
    from lenet_course.widgets.draw_digit import DrawDigit

    panel = DrawDigit(tut2_model)  # lesson 07's call, unchanged
    panel.draw(SEVEN)
    assert panel.epsilon not in panel.widget.children[0].children and panel.saliency is None
    assert len(panel.view.figure.axes) == 3


def test_the_fgsm_explorer_follows_its_sliders(tut2_model, small_test):
    from lenet_course import robustness
    from lenet_course.widgets.adversarial import AdversarialExplorer

    images, labels = small_test[0][:10], small_test[1][:10]
    panel = AdversarialExplorer(tut2_model, images, labels, epsilon=0.0)
    np.testing.assert_allclose(panel.before, panel.after, atol=1e-6)  # epsilon 0 changes nothing
    panel.index.value = 3
    panel.epsilon.value = 0.25
    nudged = robustness.fgsm(tut2_model, images[3], [int(labels[3])], 0.25)
    np.testing.assert_allclose(panel.after, robustness.predict_probabilities(tut2_model, nudged)[0], atol=1e-6)
    assert "epsilon 0.25" in panel.status.value and panel.epsilon.step == 0.01
    static_png(panel)
