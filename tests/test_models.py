import math

import pytest
import torch

from lenet_course.models import (
    ARCHITECTURES,
    C3_TABLE,
    CaffeLeNet,
    LeNet5,
    TutLeNet,
    architecture_name,
    build_model,
    caffe_xavier_,
    count_parameters,
    format_summary,
    input_scale,
    summary,
)

TUT_KEYS = {
    "conv1.weight": [6, 1, 5, 5],
    "conv1.bias": [6],
    "conv2.weight": [16, 6, 5, 5],
    "conv2.bias": [16],
    "fc_1.weight": [120, 256],
    "fc_1.bias": [120],
    "fc_2.weight": [84, 120],
    "fc_2.bias": [84],
    "fc_3.weight": [10, 84],
    "fc_3.bias": [10],
}


@pytest.mark.parametrize("name,count", [("caffe", 431_080), ("tut", 44_426), ("lenet5", 60_850)])
def test_parameter_counts(name, count):
    assert count_parameters(build_model(name)) == count


def test_tut_state_dict_keys_and_shapes_are_the_tutorials():
    state = TutLeNet().state_dict()
    assert list(state) == list(TUT_KEYS)
    assert {k: list(v.shape) for k, v in state.items()} == TUT_KEYS


def test_caffe_state_dict_uses_caffe_layer_names():
    assert list(CaffeLeNet().state_dict()) == [
        "conv1.weight",
        "conv1.bias",
        "conv2.weight",
        "conv2.bias",
        "ip1.weight",
        "ip1.bias",
        "ip2.weight",
        "ip2.bias",
    ]


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_forward_returns_logits_for_a_batch(name):
    model = build_model(name)
    out = model(torch.randn(3, 1, 28, 28))
    assert isinstance(out, torch.Tensor) and out.shape == (3, 10)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_caffe_xavier_uses_fan_in_only():
    torch.manual_seed(0)
    model = CaffeLeNet()
    for layer, fan_in in ((model.conv1, 25), (model.conv2, 500), (model.ip1, 800), (model.ip2, 500)):
        bound = math.sqrt(3 / fan_in)
        assert layer.weight.abs().max() <= bound
        assert layer.weight.abs().max() > 0.9 * bound  # really uniform over the whole range
        assert torch.all(layer.bias == 0)


def test_c3_table_connections_and_count():
    assert len(C3_TABLE) == 16
    assert [len(t) for t in C3_TABLE] == [3] * 6 + [4] * 9 + [6]
    assert C3_TABLE[12:15] == ((0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5))
    c3 = LeNet5().c3
    assert sum(p.numel() for p in c3.parameters()) == 1516
    dense = c3.dense_weight()
    for o, inputs in enumerate(C3_TABLE):
        for i in range(6):
            connected = bool(dense[o, i].abs().sum() > 0)
            assert connected == (i in inputs), (o, i)


def test_c3_gradients_reach_only_connected_kernels():
    model = LeNet5()
    x = torch.randn(2, 6, 14, 14, requires_grad=True)
    model.c3(x).sum().backward()
    assert model.c3.weight.grad.shape == (60, 5, 5)  # 60 connections x 25 = 1,500 weights
    assert torch.all(model.c3.weight.grad.flatten(1).abs().sum(1) > 0)
    # Each S2 map feeds 10 of the 16 C3 maps.
    assert [sum(i in t for t in C3_TABLE) for i in range(6)] == [10] * 6
    # An unconnected input map has no influence on the output map that does not read it.
    x2 = x.detach().clone()
    x2[:, 5] += 1.0  # map 5 does not feed C3 map 0 (it reads 0, 1, 2)
    with torch.no_grad():
        torch.testing.assert_close(model.c3(x)[:, 0], model.c3(x2)[:, 0])
        assert not torch.allclose(model.c3(x)[:, 3], model.c3(x2)[:, 3])


def test_lenet5_pieces():
    model = LeNet5()
    x = torch.linspace(-1, 1, 5)
    torch.testing.assert_close(model.tanh1(x), 1.7159 * torch.tanh(2 * x / 3))
    assert model.tanh1(torch.tensor(1.0)).item() == pytest.approx(1.0, abs=2e-4)
    s2 = model.s2
    with torch.no_grad():
        s2.weight.fill_(2.0)
        s2.bias.fill_(0.5)
    maps = torch.arange(16.0).view(1, 1, 4, 4).repeat(1, 6, 1, 1)
    out = s2(maps)
    assert out.shape == (1, 6, 2, 2)
    assert out[0, 0, 0, 0].item() == pytest.approx(2 * (0 + 1 + 4 + 5) / 4 + 0.5)
    assert sum(p.numel() for p in s2.parameters()) == 12


def test_lenet5_rbf_head():
    model = LeNet5(head="rbf")
    assert model.output.centers.shape == (10, 84)
    assert set(model.output.centers.unique().tolist()) == {-1.0, 1.0}
    assert count_parameters(model) == 60_000  # the fixed RBF codes are not trained
    out = model(torch.randn(4, 1, 28, 28))
    assert out.shape == (4, 10) and torch.all(out <= 0)
    with pytest.raises(ValueError, match="head must be 'linear' or 'rbf'"):
        LeNet5(head="softmax")


@pytest.mark.parametrize(
    "name,shapes",
    [
        (
            "caffe",
            {
                "conv1": (1, 20, 24, 24),
                "pool1": (1, 20, 12, 12),
                "conv2": (1, 50, 8, 8),
                "pool2": (1, 50, 4, 4),
                "ip1": (1, 500),
                "ip2": (1, 10),
            },
        ),
        (
            "tut",
            {
                "conv1": (1, 6, 24, 24),
                "pool1": (1, 6, 12, 12),
                "conv2": (1, 16, 8, 8),
                "pool2": (1, 16, 4, 4),
                "fc_1": (1, 120),
                "fc_2": (1, 84),
                "fc_3": (1, 10),
            },
        ),
        (
            "lenet5",
            {
                "c1": (1, 6, 28, 28),
                "s2": (1, 6, 14, 14),
                "c3": (1, 16, 10, 10),
                "s4": (1, 16, 5, 5),
                "c5": (1, 120, 1, 1),
                "f6": (1, 84),
                "output": (1, 10),
            },
        ),
    ],
)
def test_summary_reports_shapes_and_counts(name, shapes):
    model = build_model(name)
    rows = summary(model)
    by_name = {r.name: r for r in rows}
    for layer, shape in shapes.items():
        assert by_name[layer].output_shape == shape
    assert sum(r.parameters for r in rows) == count_parameters(model)
    text = format_summary(rows)
    assert f"{count_parameters(model):,}" in text.splitlines()[-1]
    assert model.training  # summary leaves the mode as it was


def test_build_model_errors_and_names():
    with pytest.raises(ValueError, match="choose one of: caffe, tut, lenet5"):
        build_model("alexnet")
    assert [architecture_name(build_model(n)) for n in ARCHITECTURES] == list(ARCHITECTURES)
    with pytest.raises(TypeError):
        architecture_name(torch.nn.Linear(1, 1))


def test_caffe_xavier_on_a_raw_tensor():
    w = torch.empty(4, 2, 3, 3)
    caffe_xavier_(w)
    assert w.abs().max() <= math.sqrt(3 / 18)


def test_models_read_as_plain_pytorch():
    """A learner reads models.py to learn LeNet: the classes use only torch, ``torch.flatten`` in forward.

    Speed settings are applied from outside (``lenet_course.runtime.make_fast``), never imported
    here; the only imports from the package are the two helpers that read or seed a model.
    """
    import inspect
    import re

    import lenet_course.models as models

    source = inspect.getsource(models)
    assert re.findall(r"^from \.(\w+) import (.+)$", source, re.M) == [
        ("baselines", "MLP, LogisticRegression"),
        ("hooks", "capture_outputs, eval_mode"),
        ("runtime", "seeded"),
    ]
    assert "import lenet_course" not in source and "channels_last" not in source
    for cls in (CaffeLeNet, TutLeNet, LeNet5):
        class_source = inspect.getsource(cls)
        assert "torch.flatten(x, 1)" in inspect.getsource(cls.forward)
        assert "seeded" not in class_source and "capture_outputs" not in class_source


def test_build_model_from_a_seed_is_reproducible_and_leaves_the_global_stream_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, b = build_model("caffe", seed=1701), build_model("caffe", seed=1701)
    assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    c = build_model("caffe", seed=1702)
    assert not torch.equal(a.conv1.weight, c.conv1.weight)
    # the same weights as building under torch.manual_seed(1701), the way the course did before
    torch.manual_seed(1701)
    assert torch.equal(CaffeLeNet().conv1.weight, a.conv1.weight)
    # without a seed the process's stream is used (and advanced)
    torch.manual_seed(5)
    unseeded = build_model("tut")
    torch.manual_seed(5)
    assert torch.equal(build_model("tut").fc_1.weight, unseeded.fc_1.weight)


def test_caffe_xavier_draws_from_the_generator_given():
    w1, w2 = torch.empty(20, 1, 5, 5), torch.empty(20, 1, 5, 5)
    before = torch.get_rng_state()
    caffe_xavier_(w1, generator=torch.Generator().manual_seed(3))
    caffe_xavier_(w2, generator=torch.Generator().manual_seed(3))
    assert torch.equal(w1, w2) and torch.equal(torch.get_rng_state(), before)
    assert w1.abs().max() <= math.sqrt(3 / 25) and w1.abs().max() > 0.9 * math.sqrt(3 / 25)


def test_input_scale_of_each_model_and_of_a_model_that_does_not_say():
    assert [input_scale(build_model(n)) for n in ("caffe", "tut", "lenet5")] == ["caffe", "meanstd", "meanstd"]
    assert input_scale(torch.nn.Linear(2, 2)) == "caffe"


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_a_fresh_model_has_no_hooks(name):
    model = build_model(name)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_the_registry_also_builds_the_two_baselines_of_the_1998_comparison():
    assert list(ARCHITECTURES) == ["caffe", "tut", "lenet5", "logreg", "mlp300"]
    assert [count_parameters(build_model(n)) for n in ("logreg", "mlp300")] == [7_850, 238_510]
    with pytest.raises(ValueError, match="choose one of: caffe, tut, lenet5, logreg, mlp300"):
        build_model("resnet")
