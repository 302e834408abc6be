"""Parameters and multiply-adds per image, checked against counts done by hand."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lenet_course.complexity import ComplexityError, complexity, conv2d_macs, format_costs, layer_costs
from lenet_course.lenet1998 import build_paper_lenet5
from lenet_course.models import build_model

# CaffeLeNet by hand: conv1 20 maps of 24x24, each value a 5x5 dot product over 1 channel; conv2
# 50 maps of 8x8 over 20 channels; ip1 800 -> 500; ip2 500 -> 10.
CAFFE_BY_HAND = {
    "conv1": 20 * 24 * 24 * (1 * 5 * 5),  # 288,000
    "conv2": 50 * 8 * 8 * (20 * 5 * 5),  # 1,600,000
    "ip1": 800 * 500,  # 400,000
    "ip2": 500 * 10,  # 5,000
}


def test_caffe_lenet_layer_by_layer_against_the_hand_count():
    result = complexity(build_model("caffe"))
    assert {layer.name: layer.macs for layer in result.layers} == CAFFE_BY_HAND
    assert result.macs == 2_293_000 == sum(CAFFE_BY_HAND.values())
    assert result.parameters == 431_080
    assert [layer.output_shape for layer in result.layers] == [(20, 24, 24), (50, 8, 8), (500,), (10,)]
    assert result.macs_per_parameter == pytest.approx(2_293_000 / 431_080)


def test_tut_lenet_and_the_baselines_by_hand():
    tut = 6 * 24 * 24 * 25 + 16 * 8 * 8 * (6 * 25) + 256 * 120 + 120 * 84 + 84 * 10
    assert complexity(build_model("tut")).macs == tut == 281_640
    assert complexity(build_model("logreg")).macs == 784 * 10
    assert complexity(build_model("mlp300")).macs == 784 * 300 + 300 * 10


@pytest.mark.parametrize("make", [lambda: build_model("lenet5"), lambda: build_model("lenet5", head="rbf"),
                                  lambda: build_paper_lenet5(seed=0)])  # fmt: skip
def test_lenet5_counts_only_c3s_connected_kernels_and_the_rbf_as_a_linear_layer(make):
    costs = {layer.name: layer.macs for layer in complexity(make()).layers}
    assert costs == {
        "c1": 6 * 28 * 28 * 25,  # the 32x32 padded input
        "c3": 10 * 10 * 60 * 25,  # 60 connected 5x5 kernels (the C3 table), not 16 x 6 = 96
        "c5": 120 * 16 * 25,
        "f6": 120 * 84,
        "output": 84 * 10,
    }


def test_stride_padding_and_a_batch_give_per_image_counts():
    conv = nn.Conv2d(3, 8, kernel_size=(3, 5), stride=2, padding=1)
    out = conv(torch.zeros(4, 3, 28, 20))  # 8 x 14 x 9 outputs per image
    assert conv2d_macs(conv, out) == 8 * 14 * 9 * 3 * 3 * 5
    model = nn.Sequential(conv, nn.Flatten(), nn.Linear(8 * 14 * 9, 7))
    batched = layer_costs(model, (5, 3, 28, 20))
    assert [c.macs for c in batched] == [8 * 14 * 9 * 45, 8 * 14 * 9 * 7]
    grouped = nn.Conv2d(4, 8, 3, groups=2)
    assert conv2d_macs(grouped, grouped(torch.zeros(1, 4, 5, 5))) == 8 * 3 * 3 * (2 * 9)


def test_counting_leaves_the_model_as_it_was():
    model = build_model("tut")
    model.train()
    complexity(model)
    assert model.training
    assert not any(m._forward_hooks for m in model.modules())
    model.eval()
    complexity(model)
    assert not model.training


def test_format_costs_lists_each_layer_and_the_total():
    text = format_costs(complexity(build_model("caffe")))
    lines = text.splitlines()
    assert len(lines) == 6 and lines[-1].split()[-2:] == ["431,080", "2,293,000"]
    assert "1,600,000" in lines[2]


def test_bad_input_shapes_and_parameterless_models_are_refused():
    with pytest.raises(ComplexityError, match="input_shape"):
        complexity(build_model("tut"), (28, 28, 0))
    with pytest.raises(ComplexityError, match="no parameters"):
        complexity(nn.ReLU())
