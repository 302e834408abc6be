"""lenet_course.robustness: hand-checked shifts and turns, calibration numbers, explanations, FGSM."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F

matplotlib.use("Agg")

from lenet_course import robustness as R  # noqa: E402
from lenet_course.data import scale_images  # noqa: E402
from lenet_course.models import build_model  # noqa: E402
from lenet_course.viz import robustness as V  # noqa: E402


@pytest.fixture(scope="module")
def tut():
    return build_model("tut", seed=3)


@pytest.fixture(scope="module")
def digits(mnist_test):
    images, labels = mnist_test
    return images[:40], labels[:40]


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(model, before):
    return all(torch.equal(before[k], v) for k, v in model.state_dict().items())


# ---- pixels -----------------------------------------------------------------------------------
def test_pixels_and_model_input_agree_with_the_data_module(digits):
    images, _ = digits
    x = R.as_pixels(images)
    assert x.shape == (40, 1, 28, 28) and x.dtype == torch.float32 and float(x.max()) == 1.0
    for arch in ("tut", "caffe"):
        model = build_model(arch, seed=0)
        expected = scale_images(images, "meanstd" if arch == "tut" else "caffe")
        torch.testing.assert_close(R.to_model_input(model, x), expected, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        R.as_pixels(torch.full((2, 28, 28), 3.0))
    with pytest.raises(ValueError, match="shape"):
        R.as_pixels(torch.zeros(2, 3, 28, 28))


# ---- shifts and turns -------------------------------------------------------------------------
def test_shift_moves_ink_without_wrapping():
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 5, 26] = 1.0  # near the right edge
    right = R.shift_images(x, 1, 0)
    assert right[0, 0, 5, 27] == 1.0 and right.sum() == 1.0
    gone = R.shift_images(x, 2, 0)  # pushed over the edge: lost, not wrapped to column 0
    assert gone.sum() == 0.0
    up_left = R.shift_images(x, -3, -2)
    assert up_left[0, 0, 3, 23] == 1.0 and up_left.sum() == 1.0
    assert torch.equal(R.shift_images(x, 0, 0), x)
    assert x[0, 0, 5, 26] == 1.0  # the input is untouched


def test_rotation_turns_anticlockwise_as_displayed():
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 13:15, 20:22] = 1.0  # a blob right of the centre (between pixels 13 and 14)
    turned = R.rotate_images(x, 90)[0, 0]
    row, col = np.unravel_index(int(turned.argmax()), (28, 28))
    assert row < 10 and 12 <= col <= 15  # anticlockwise on screen: right of centre goes up
    back = R.rotate_images(x, -90)[0, 0]
    assert np.unravel_index(int(back.argmax()), (28, 28))[0] > 17
    torch.testing.assert_close(R.rotate_images(x, 0), x, atol=1e-5, rtol=0)
    assert math.isclose(float(R.rotate_images(x, 90).sum()), float(x.sum()), rel_tol=0.05)


def test_sweeps_score_each_setting_and_leave_the_model_alone(tut, digits):
    images, labels = digits
    tut.train()
    before = _weights(tut)
    sweep = R.shift_sweep(tut, images, labels, shifts=(0, 2))
    assert tut.training and _same(tut, before)
    assert set(sweep.accuracy) == set(R.SHIFT_DIRECTIONS) and sweep.count == 40
    for name, (dx, dy) in R.SHIFT_DIRECTIONS.items():
        moved = R.shift_images(images, 2 * dx, 2 * dy)
        expected = (R.predict_probabilities(tut, moved).argmax(1) == labels.numpy()).mean()
        assert math.isclose(sweep.accuracy[name][1], expected, abs_tol=1e-12)
    assert len({float(a[0]) for a in sweep.accuracy.values()}) == 1  # shift 0 is the same for all
    assert math.isclose(sweep.at(2), float(np.mean([a[1] for a in sweep.accuracy.values()])))
    with pytest.raises(ValueError, match="not one of the settings"):
        sweep.at(3)
    rotations = R.rotation_sweep(tut, images, labels, angles=(0, 20))
    assert set(rotations.accuracy) == {"anticlockwise", "clockwise"} and rotations.values.tolist() == [0, 20]
    tut.eval()


# ---- calibration ------------------------------------------------------------------------------
def test_reliability_bins_by_hand():
    conf = np.array([0.95, 0.95, 0.85, 0.5, 1.0, 0.25])
    correct = np.array([True, False, True, True, True, False])
    rel = R.reliability(conf, correct, bins=4)  # (0, .25] (.25, .5] (.5, .75] (.75, 1]
    assert rel.counts.tolist() == [1, 1, 0, 4]
    assert rel.accuracy[0] == 0.0 and rel.accuracy[1] == 1.0 and np.isnan(rel.accuracy[2])
    assert math.isclose(rel.accuracy[3], 0.75) and math.isclose(rel.confidence[3], (0.95 + 0.95 + 0.85 + 1.0) / 4)
    # |0 - .25| * 1/6 + |1 - .5| * 1/6 + |.75 - .9375| * 4/6
    assert math.isclose(rel.ece, 0.25 / 6 + 0.5 / 6 + 0.1875 * 4 / 6)
    assert R.expected_calibration_error(conf, correct, 4) == rel.ece
    assert R.expected_calibration_error(np.full(10, 0.7), np.arange(10) < 7) < 1e-12  # calibrated: 0
    with pytest.raises(ValueError, match="logits"):
        R.reliability(np.array([2.0]), np.array([True]))


def test_confident_mistakes_are_the_surest_wrong_answers():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.99, 0.01], [0.6, 0.4]])
    labels = np.array([0, 0, 1, 1])
    assert R.confident_mistakes(probs, labels, k=None).tolist() == [2, 1, 3]
    assert R.confident_mistakes(probs, labels, k=None, at_least=0.7).tolist() == [2, 1]
    assert R.confident_mistakes(probs, labels, k=1).tolist() == [2]


# ---- explanations -----------------------------------------------------------------------------
def test_saliency_is_the_input_gradient_of_the_chosen_score(tut, digits):
    images, _ = digits
    x = R.as_pixels(images[:3]).requires_grad_(True)
    tut(R.to_model_input(tut, x))[:, 4].sum().backward()
    sal = R.saliency(tut, images[:3], 4, batch_size=2)
    np.testing.assert_allclose(sal, x.grad.abs()[:, 0].numpy(), rtol=1e-5, atol=1e-7)
    tut.zero_grad(set_to_none=True)
    R.saliency(tut, images[:3])
    assert all(p.grad is None for p in tut.parameters())  # no weight gradient left behind


def test_occlusion_by_hand(tut, digits):
    images, labels = digits
    x = R.as_pixels(images[0])
    drops = R.occlusion_sensitivity(tut, x, int(labels[0]), patch=5, stride=3)
    assert drops.shape == (8, 8)  # corners 0, 3, ..., 21
    hidden = x.clone()
    hidden[..., 9:14, 21:26] = 0
    with torch.no_grad():
        p = torch.softmax(tut(R.to_model_input(tut, torch.cat([x, hidden]))), 1)[:, int(labels[0])]
    assert math.isclose(drops[3, 7], float(p[0] - p[1]), abs_tol=1e-5)
    blank = R.occlusion_sensitivity(tut, torch.zeros(1, 1, 28, 28), 3)
    assert np.abs(blank).max() < 1e-6  # hiding background in a blank image changes nothing
    with pytest.raises(ValueError, match="one digit"):
        R.occlusion_sensitivity(tut, images[:2])


# ---- FGSM -------------------------------------------------------------------------------------
def test_fgsm_is_a_clipped_sign_step_up_the_loss(tut, digits):
    images, labels = digits
    x = R.as_pixels(images)
    before = _weights(tut)
    adv = R.fgsm(tut, x, labels, 0.1, batch_size=16)
    assert _same(tut, before) and all(p.grad is None for p in tut.parameters())
    assert adv.min() >= 0 and adv.max() <= 1 and (adv - x).abs().max() <= 0.1 + 1e-6
    xg = x.clone().requires_grad_(True)
    F.cross_entropy(tut(R.to_model_input(tut, xg)), labels).backward()
    torch.testing.assert_close(adv, (x + 0.1 * xg.grad.sign()).clamp(0, 1))
    loss = [
        F.cross_entropy(tut(R.to_model_input(tut, z)), labels).item() for z in (x, adv)
    ]  # an untrained model too: FGSM raises the loss
    assert loss[1] > loss[0]
    torch.testing.assert_close(R.fgsm(tut, x, labels, 0.0), x)
    with pytest.raises(ValueError, match="epsilon"):
        R.fgsm(tut, x, labels, 2.0)


def test_fgsm_sweep_and_the_smallest_flip(tut, digits):
    images, labels = digits
    sweep = R.fgsm_sweep(tut, images, labels, epsilons=(0.0, 0.1, 0.3))
    assert set(sweep.accuracy) == {"FGSM", "random +-epsilon"}
    assert sweep.accuracy["FGSM"][0] == sweep.accuracy["random +-epsilon"][0]
    expected = (R.predict_probabilities(tut, R.fgsm(tut, images, labels, 0.3)).argmax(1) == labels.numpy()).mean()
    assert math.isclose(sweep.accuracy["FGSM"][2], expected, abs_tol=1e-12)
    noisy = R.random_sign_noise(images, 0.1, seed=5)
    assert torch.equal(noisy, R.random_sign_noise(images, 0.1, seed=5))  # its own generator, repeatable
    digit, answer = images[0], int(R.predict_probabilities(tut, images[:1]).argmax())
    stops = np.round(np.arange(0, 0.31, 0.01), 2)
    flip = R.smallest_flipping_epsilon(tut, digit, answer, stops)
    if flip is not None:
        assert R.predict_probabilities(tut, R.fgsm(tut, digit, [answer], flip)).argmax() != answer
        smaller = [e for e in stops if e < flip]
        nudged = torch.cat([R.fgsm(tut, digit, [answer], e) for e in smaller])
        assert (R.predict_probabilities(tut, nudged).argmax(1) == answer).all()
    assert R.smallest_flipping_epsilon(tut, digit, answer, [0.0]) is None


# ---- figures ----------------------------------------------------------------------------------
def test_figures_draw_on_the_given_axes(tut, digits):
    import matplotlib.pyplot as plt

    images, labels = digits
    fig, axes = plt.subplots(1, 5)
    sweep = R.shift_sweep(tut, images[:10], labels[:10], shifts=(0, 1))
    assert V.plot_sweep(sweep, ax=axes[0]) is axes[0]
    assert len(axes[0].get_lines()) == 4 + 1 + 4  # four directions, their mean, four confidences
    rel = R.reliability(np.array([0.95, 0.55]), np.array([True, False]))
    assert V.plot_reliability(rel, ax=axes[1]) is axes[1] and "ECE" in axes[1].get_title()
    assert V.plot_heat_over_digit(images[0], np.ones((28, 28)), ax=axes[2]) is axes[2]
    assert V.plot_occlusion(images[0], np.zeros((12, 12)), 6, 2, ax=axes[3]) is axes[3]
    assert V.plot_perturbation(np.zeros((28, 28)), 0.1, ax=axes[4]) is axes[4]
    plt.close(fig)
