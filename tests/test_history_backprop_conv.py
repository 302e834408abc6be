"""History events, hand-written back-propagation, and hand-written convolution/pooling."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lenet_course.lessons import backprop as bp
from lenet_course.lessons.convolution import (
    EDGE_FILTERS,
    conv2d_naive,
    conv_output_size,
    edge_filter,
    pool2d_naive,
    pool_output_size,
    weight_sharing_counts,
)
from lenet_course.lessons.history import EVENTS, FIRST_TRAINED_CONVNET, Event, event_titled, timeline
from lenet_course.models import CaffeLeNet

# --- history ---------------------------------------------------------------------------------------


def test_events_are_the_milestones_in_year_order():
    years = [e.year for e in EVENTS]
    assert years == sorted(years) == [1970, 1974, 1980, 1986, 1987, 1989, 1990, 1998, 1998, 2012, 2014]
    titles = " ".join(e.title for e in EVENTS)
    for word in ("Neocognitron", "Back-propagation", "ZIP-code", "LeNet-1", "LeNet-5", "AlexNet", "Caffe"):
        assert word in titles
    assert "Rumelhart" in EVENTS[3].detail and "Hinton" in EVENTS[3].detail and "Williams" in EVENTS[3].detail
    assert all(isinstance(e, tuple) and len(e) == 3 for e in EVENTS)


def test_history_says_what_was_first_and_quotes_the_sources_figures():
    by_title = {e.title: e for e in EVENTS}
    assert "not trained by back-propagation" in by_title["Neocognitron"].detail
    assert "first" not in by_title["Neocognitron"].detail
    assert "first convolutional network trained by back-propagation on a real task" in " ".join(
        by_title["ZIP-code network"].detail.split()
    )
    nature = by_title["Back-propagation"].detail
    assert "symmetry" in nature and "family trees" in nature and "PDP chapter" in nature
    assert "0.9897" in by_title["Caffe's LeNet"].detail and "99.1" not in by_title["Caffe's LeNet"].detail
    assert "540,000" in by_title["LeNet-5 and MNIST"].detail
    assert event_titled(FIRST_TRAINED_CONVNET).year == 1989
    with pytest.raises(ValueError, match="no event titled"):
        event_titled("Perceptron")


def test_timeline_sorts_plain_tuples_and_rejects_bad_entries():
    events = timeline([(2000, "b", "x"), (1990, "a", "y")])
    assert events == [Event(1990, "a", "y"), Event(2000, "b", "x")]
    with pytest.raises(ValueError, match="year must be an int"):
        timeline([("1990", "a", "y")])
    with pytest.raises(ValueError, match=r"\(year, title, detail\)"):
        timeline([(1990, "a")])
    with pytest.raises(ValueError, match="title"):
        timeline([(1990, "", "y")])


# --- back-propagation ----------------------------------------------------------------------------


def test_manual_gradients_match_autograd_and_finite_differences():
    x, y = bp.xor_data()
    for seed in range(3):
        params = bp.init_params(2, 4, 1, seed=seed)
        manual = bp.manual_gradients(params, x, y)
        assert set(manual) == set(bp.PARAM_NAMES)
        assert bp.max_abs_difference(manual, bp.autograd_gradients(params, x, y)) < 1e-12
        assert bp.max_abs_difference(manual, bp.numerical_gradients(params, x, y)) < 1e-8


def test_gradients_are_not_trivially_zero_and_params_untouched():
    x, y = bp.xor_data()
    params = bp.init_params(seed=0)
    before = {k: v.clone() for k, v in params.items()}
    grads = bp.autograd_gradients(params, x, y)
    assert max(g.abs().max().item() for g in grads.values()) > 1e-3
    assert all(torch.equal(before[k], params[k]) for k in params)
    assert all(not v.requires_grad for v in params.values())


def test_loss_value_for_known_weights():
    x, y = bp.xor_data()
    params = {k: torch.zeros_like(v) for k, v in bp.init_params().items()}
    # zero weights: every output is sigmoid(0) = 0.5, so the loss is 0.5 * 4 * 0.25 / 4 = 0.125
    assert bp.loss(params, x, y).item() == pytest.approx(0.125)


def test_training_with_manual_gradients_learns_xor():
    x, y = bp.xor_data()
    trained, losses = bp.train(bp.init_params(seed=0), x, y, lr=2.0, steps=3000)
    assert len(losses) == 3001
    assert losses[-1] < 0.01 < losses[0]
    assert torch.equal(bp.forward(trained, x)["y_hat"].round(), y)


def test_backprop_errors_are_clear():
    x, y = bp.xor_data()
    with pytest.raises(KeyError, match="W2"):
        bp.forward({"W1": torch.zeros(2, 3), "b1": torch.zeros(3)}, x)
    with pytest.raises(ValueError, match="shape"):
        bp.loss(bp.init_params(), x, y.view(-1))
    with pytest.raises(ValueError, match="eps"):
        bp.numerical_gradients(bp.init_params(), x, y, eps=0)
    with pytest.raises(ValueError, match="layer sizes"):
        bp.init_params(0, 3, 1)
    with pytest.raises(KeyError, match="different parameters"):
        bp.max_abs_difference({"a": torch.zeros(1)}, {"b": torch.zeros(1)})


# --- convolution ---------------------------------------------------------------------------------


def test_conv2d_naive_hand_computed_values():
    image = torch.arange(25.0).view(5, 5)
    kernel = torch.tensor([[1.0, 0.0, -1.0]] * 3)
    out = conv2d_naive(image, kernel)
    assert out.shape == (3, 3) and torch.all(out == -6)
    assert conv2d_naive(torch.ones(3, 3), torch.ones(3, 3), bias=1.0).item() == 10.0


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 0), (1, 2), (2, 1), (3, 2)])
def test_conv2d_naive_equals_f_conv2d(stride, padding):
    g = torch.Generator().manual_seed(stride * 10 + padding)
    x, k = torch.randn(3, 11, 13, generator=g), torch.randn(3, 5, 4, generator=g)
    ours = conv2d_naive(x, k, bias=0.25, stride=stride, padding=padding)
    theirs = F.conv2d(x[None], k[None], torch.tensor([0.25]), stride=stride, padding=padding)[0, 0]
    assert ours.shape == theirs.shape
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_conv2d_naive_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="channels"):
        conv2d_naive(torch.zeros(2, 5, 5), torch.zeros(3, 3, 3))
    with pytest.raises(ValueError, match=r"\[H, W\] or \[C, H, W\]"):
        conv2d_naive(torch.zeros(1, 1, 5, 5), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="does not fit"):
        conv2d_naive(torch.zeros(2, 2), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="stride"):
        conv2d_naive(torch.zeros(5, 5), torch.zeros(3, 3), stride=0)


@pytest.mark.parametrize("mode,fn", [("max", F.max_pool2d), ("avg", F.avg_pool2d)])
def test_pool2d_naive_equals_torch(mode, fn):
    x = torch.randn(9, 8, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(pool2d_naive(x, 2, mode=mode), fn(x[None], 2)[0], atol=1e-6)
    assert torch.allclose(pool2d_naive(x, 3, 2, mode=mode), fn(x[None], 3, 2)[0], atol=1e-6)
    demo = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    assert pool2d_naive(demo, 2, mode=mode).item() == (1.0 if mode == "max" else 0.25)
    with pytest.raises(ValueError, match="mode"):
        pool2d_naive(x, 2, mode="min")


def test_edge_filters_behave_as_named():
    horizontal_edge = torch.zeros(8, 8)
    horizontal_edge[4:] = 1.0
    vertical_edge = horizontal_edge.T.contiguous()
    v, h = edge_filter("vertical edges"), edge_filter("horizontal edges")
    assert conv2d_naive(vertical_edge, v).abs().max() == 4 and conv2d_naive(horizontal_edge, v).abs().max() == 0
    assert conv2d_naive(horizontal_edge, h).abs().max() == 4 and conv2d_naive(vertical_edge, h).abs().max() == 0
    for name, k in EDGE_FILTERS.items():
        assert k.shape == (3, 3)
        assert k.sum().item() == pytest.approx(1.0 if name == "blur" else 0.0, abs=1e-6)
    edge_filter("blur")[0, 0] = 99.0  # a copy: the shared table is not changed
    assert EDGE_FILTERS["blur"][0, 0].item() == pytest.approx(1 / 9)
    with pytest.raises(KeyError, match="choose one of"):
        edge_filter("sharpen")


def test_output_size_arithmetic_matches_torch_and_lenet():
    for n, k, s, p in [(28, 5, 1, 0), (28, 5, 1, 2), (24, 2, 2, 0), (16, 5, 2, 2), (7, 3, 2, 1), (10, 3, 3, 0)]:
        actual = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]
        assert conv_output_size(n, k, s, p) == actual
    assert conv_output_size(10, 3, dilation=2) == 6
    assert [pool_output_size(n, 2, 2) for n in (24, 8, 5)] == [12, 4, 2]
    for n in (5, 7, 24, 9):
        ceil = F.max_pool2d(torch.zeros(1, 1, n, n), 2, 2, ceil_mode=True).shape[-1]
        assert pool_output_size(n, 2, 2, ceil_mode=True) == ceil
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(4, 5)
    with pytest.raises(ValueError, match="positive"):
        conv_output_size(28, 5, stride=0)


def test_weight_sharing_counts_reproduce_the_1989_paper_and_caffe_conv1():
    zip_layer = weight_sharing_counts((1, 16, 16), 12, 5, stride=2, padding=2)
    assert zip_layer.output_shape == (12, 8, 8)
    assert zip_layer.connections == 19_968 and zip_layer.shared_unit_bias == 1_068
    assert zip_layer.dense == 256 * 768 + 768 == 197_376
    assert zip_layer.local == 768 * 26 == 19_968
    assert zip_layer.shared == 12 * 26 == 312
    conv1 = weight_sharing_counts((1, 28, 28), 20, 5)
    assert conv1.shared == sum(p.numel() for p in CaffeLeNet().conv1.parameters()) == 520
