"""Initialisation schemes and per-layer activation statistics."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from lenet_course.lessons.initialization import SCHEMES, activation_stats, init_std, init_weights_
from lenet_course.models import CaffeLeNet, LeNet5, TutLeNet


def _layers(model):
    return [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "constant"])
def test_random_schemes_draw_with_their_std(scheme):
    model = init_weights_(CaffeLeNet(), scheme, std=0.02, bias=0.1, seed=0)
    ip1 = model.ip1.weight  # 400,000 values: the sample std is within 1% of the scheme's
    assert ip1.std().item() == pytest.approx(init_std(ip1, scheme, std=0.02), rel=0.01)
    assert ip1.mean().abs().item() < 0.01 * init_std(ip1, scheme, std=0.02) + 1e-4
    assert all(torch.all(layer.bias == 0.1) for layer in _layers(model))


def test_init_std_formulas():
    w = torch.empty(50, 20, 5, 5)  # conv2: fan_in 500, fan_out 1250
    assert init_std(w, "xavier") == pytest.approx(math.sqrt(2 / 1750))
    assert init_std(w, "caffe_xavier") == pytest.approx(math.sqrt(1 / 500))
    assert init_std(w, "he") == pytest.approx(math.sqrt(2 / 500))
    assert init_std(w, "gaussian", std=0.05) == 0.05
    assert init_std(w, "constant") == 0.0
    with pytest.raises(ValueError, match="unknown scheme"):
        init_std(w, "orthogonal")


def test_constant_scheme_and_seed_reproducibility():
    model = init_weights_(TutLeNet(), "constant", value=0.5)
    assert all(torch.all(layer.weight == 0.5) and torch.all(layer.bias == 0) for layer in _layers(model))
    a = init_weights_(CaffeLeNet(), "he", seed=3).conv1.weight
    b = init_weights_(CaffeLeNet(), "he", seed=3).conv1.weight
    c = init_weights_(CaffeLeNet(), "he", seed=4).conv1.weight
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_init_errors():
    with pytest.raises(ValueError, match="choose one of"):
        init_weights_(CaffeLeNet(), "zeros")
    with pytest.raises(ValueError, match="std > 0"):
        init_weights_(CaffeLeNet(), "gaussian", std=0)
    with pytest.raises(ValueError, match="no Conv2d or Linear"):
        init_weights_(nn.ReLU(), "xavier")


def test_lenet5_special_layers_keep_their_own_init():
    model = LeNet5()
    c3 = model.c3.weight.detach().clone()
    init_weights_(model, "constant", value=1.0)
    assert torch.equal(model.c3.weight, c3) and torch.all(model.c1.weight == 1.0)


def test_activation_stats_values_order_and_hooks(small_test):
    from lenet_course.data import scale_images

    x = scale_images(small_test[0][:64], "caffe")
    model = CaffeLeNet()
    model.train()
    stats = activation_stats(model, x)
    assert [s.name for s in stats] == ["conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2"]
    assert stats[0].shape == (64, 20, 24, 24) and stats[-1].shape == (64, 10)
    with torch.no_grad():
        conv1 = model.conv1(x)
    assert stats[0].mean == pytest.approx(conv1.mean().item(), rel=1e-5)
    assert stats[0].std == pytest.approx(conv1.std().item(), rel=1e-5)
    assert stats[5].zero_fraction > 0.1  # ReLU zeroes part of ip1
    assert stats[0].zero_fraction == pytest.approx((conv1 == 0).float().mean().item())  # background * w + 0
    assert model.training  # mode restored
    assert all(not m._forward_hooks for m in model.modules())  # hooks removed
    only = activation_stats(model, x, layers=("ip2",))
    assert [s.name for s in only] == ["ip2"] and only[0].std == pytest.approx(stats[-1].std)


def test_activation_stats_show_what_initialisation_does(small_test):
    from lenet_course.data import scale_images

    x = scale_images(small_test[0][:128], "caffe")
    std = {s: activation_stats(init_weights_(CaffeLeNet(), s, value=0.01, seed=0), x) for s in SCHEMES}
    assert std["gaussian"][-1].std < std["xavier"][-1].std / 100  # tiny weights shrink the signal
    assert all(r.unit_spread / r.std < 1e-5 for r in std["constant"])  # identical units
    assert all(r.unit_spread / r.std > 0.1 for r in std["xavier"])


def test_activation_stats_removes_hooks_on_error():
    model = CaffeLeNet()
    with pytest.raises(RuntimeError):
        activation_stats(model, torch.zeros(2, 3, 28, 28))  # wrong channel count
    assert all(not m._forward_hooks for m in model.modules())
    with pytest.raises(KeyError, match="no layers"):
        activation_stats(model, torch.zeros(1, 1, 28, 28), layers=("conv9",))


def test_init_never_touches_the_process_generator():
    models = [CaffeLeNet() for _ in range(3)]  # building a model draws from the process generator
    state = torch.get_rng_state()
    init_weights_(models[0], "xavier", seed=5)
    init_weights_(models[1], "he", generator=torch.Generator().manual_seed(5))
    init_weights_(models[2], "caffe_xavier")
    assert torch.equal(torch.get_rng_state(), state)


def test_a_seed_is_a_local_generator_and_a_generator_is_advanced():
    by_seed = init_weights_(CaffeLeNet(), "caffe_xavier", seed=7).conv2.weight
    g = torch.Generator().manual_seed(7)
    by_generator = init_weights_(CaffeLeNet(), "caffe_xavier", generator=g).conv2.weight
    assert torch.equal(by_seed, by_generator)
    again = init_weights_(CaffeLeNet(), "caffe_xavier", generator=g).conv2.weight  # g moved on
    assert not torch.equal(again, by_generator)
    assert torch.equal(
        init_weights_(CaffeLeNet(), "he").ip1.weight, init_weights_(CaffeLeNet(), "he", seed=0).ip1.weight
    )  # no argument: seed 0
    with pytest.raises(ValueError, match="either"):
        init_weights_(CaffeLeNet(), "he", seed=1, generator=torch.Generator())


def test_caffe_xavier_draws_within_caffes_bound():
    w = init_weights_(CaffeLeNet(), "caffe_xavier", seed=0).conv2.weight  # fan_in 20*5*5 = 500
    bound = math.sqrt(3 / 500)
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.99 * bound


def test_caffe_xavier_scheme_is_the_models_filler_drawn_from_the_same_generator():
    from lenet_course.models import caffe_xavier_

    model = init_weights_(CaffeLeNet(), "caffe_xavier", seed=5)
    generator = torch.Generator().manual_seed(5)
    expected = [
        caffe_xavier_(torch.empty_like(layer.weight), generator=generator)
        for layer in (model.conv1, model.conv2, model.ip1, model.ip2)
    ]
    for layer, weight in zip((model.conv1, model.conv2, model.ip1, model.ip2), expected):
        assert torch.equal(layer.weight, weight)
