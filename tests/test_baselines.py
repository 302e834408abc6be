"""The 1998 comparison's fully connected baselines: sizes, what they compute, and their registry names."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lenet_course.baselines import MLP, BaselineConfigError, LogisticRegression
from lenet_course.models import architecture_name, build_model, count_parameters, input_scale


def test_logistic_regression_has_the_papers_7850_parameters_and_is_one_weighted_sum_per_class():
    model = LogisticRegression()
    assert count_parameters(model) == 784 * 10 + 10 == 7_850  # the paper's linear classifier
    x = torch.randn(3, 1, 28, 28)
    expected = x.flatten(1) @ model.linear.weight.T + model.linear.bias
    torch.testing.assert_close(model(x), expected)


def test_mlp_is_784_300_10_with_a_relu_by_default():
    model = MLP()
    assert count_parameters(model) == 784 * 300 + 300 + 300 * 10 + 10 == 238_510
    x = torch.randn(4, 1, 28, 28)
    hidden = torch.relu(x.flatten(1) @ model.fc1.weight.T + model.fc1.bias)
    torch.testing.assert_close(model(x), hidden @ model.fc2.weight.T + model.fc2.bias)
    assert isinstance(MLP(activation="tanh").act, nn.Tanh)
    assert count_parameters(MLP(hidden=1000)) == 784 * 1000 + 1000 + 1000 * 10 + 10


def test_the_mlp_is_not_linear_but_logistic_regression_is():
    a, b = torch.randn(2, 1, 28, 28), torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        for model, linear in ((LogisticRegression(), True), (MLP(), False)):
            gap = model(a + b) - model(a) - model(b) + model(torch.zeros_like(a))
            assert bool(gap.abs().max() < 1e-4) == linear


@pytest.mark.parametrize("bad", [{"hidden": 0}, {"hidden": 2.5}, {"activation": "sigmoidal"}, {"classes": -1}])
def test_bad_sizes_or_activations_are_refused_with_a_value_error(bad):
    with pytest.raises(BaselineConfigError) as info:
        MLP(**bad)
    assert isinstance(info.value, ValueError) and "e.g." in str(info.value)


def test_build_model_knows_the_baselines_by_name_and_seed():
    for name, cls in (("logreg", LogisticRegression), ("mlp300", MLP)):
        model = build_model(name, seed=4)
        assert isinstance(model, cls) and architecture_name(model) == name
        assert input_scale(model) == "meanstd"
        again = build_model(name, seed=4)
        assert all(torch.equal(p, q) for p, q in zip(model.parameters(), again.parameters()))
    assert not torch.equal(build_model("mlp300", seed=4).fc1.weight, build_model("mlp300", seed=5).fc1.weight)
