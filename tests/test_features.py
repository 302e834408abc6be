"""features.py: feature maps, hooks, kernels, embeddings and PCA, for each of the three LeNets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lenet_course import features
from lenet_course.checkpoints import load_model, save_weights
from lenet_course.data import scale_images
from lenet_course.models import C3_TABLE, build_model

ARCHS = ("caffe", "tut", "lenet5")
EXPECTED_MAPS = {
    "caffe": {"conv1": (2, 20, 24, 24), "pool1": (2, 20, 12, 12), "conv2": (2, 50, 8, 8), "pool2": (2, 50, 4, 4)},
    "tut": {"conv1": (2, 6, 24, 24), "pool1": (2, 6, 12, 12), "conv2": (2, 16, 8, 8), "pool2": (2, 16, 4, 4)},
    "lenet5": {"c1": (2, 6, 28, 28), "s2": (2, 6, 14, 14), "c3": (2, 16, 10, 10), "s4": (2, 16, 5, 5)},
}
PENULTIMATE_WIDTH = {"caffe": 500, "tut": 84, "lenet5": 84}


def _model(arch: str):
    torch.manual_seed(0)
    return build_model(arch)


def _hooks(model) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


@pytest.fixture(scope="module")
def digits(small_test):
    images, labels = small_test
    return images[:40], labels[:40]


@pytest.mark.parametrize("arch", ARCHS)
def test_default_feature_maps_have_each_layers_shape(arch, digits):
    model = _model(arch)
    x = features.model_input(model, digits[0][:2])
    maps = features.feature_maps(model, x)
    assert {k: tuple(v.shape) for k, v in maps.items()} == EXPECTED_MAPS[arch]
    assert list(maps) == list(features.layer_roles(model).visual)
    assert _hooks(model) == 0


@pytest.mark.parametrize("arch", ARCHS)
def test_layer_roles_name_real_layers(arch):
    model = _model(arch)
    roles = features.layer_roles(model)
    names = features.layer_names(model)
    assert set(roles.visual) | set(roles.conv) | {roles.penultimate} <= set(names)


def test_first_conv_maps_equal_the_layer_applied_by_hand(digits):
    model = _model("caffe")
    x = features.model_input(model, digits[0][:3])
    maps = features.feature_maps(model, x, ["conv1", "ip1", "relu1"])
    torch.testing.assert_close(maps["conv1"], model.conv1(x).detach())
    # relu1 is in place: what ip1 produced must be captured before it is rectified
    assert (maps["ip1"] < 0).any()
    torch.testing.assert_close(maps["relu1"], maps["ip1"].clamp(min=0))


def test_model_input_uses_the_models_scale(digits):
    images = digits[0][:4]
    for arch in ARCHS:
        model = _model(arch)
        torch.testing.assert_close(features.model_input(model, images), scale_images(images, model.input_scale))
    assert features.model_input(_model("tut"), images[0].numpy()).shape == (1, 1, 28, 28)
    with pytest.raises(TypeError, match="uint8"):
        features.model_input(_model("tut"), images.float())


def test_hooks_removed_and_mode_restored_when_forward_raises():
    model = _model("tut")
    model.train()
    with pytest.raises(RuntimeError):
        features.feature_maps(model, torch.zeros(1, 3, 28, 28), ["conv1", "conv2"])  # wrong channels
    assert _hooks(model) == 0
    assert model.training


def test_unknown_layer_lists_valid_names():
    model = _model("lenet5")
    with pytest.raises(ValueError, match=r"unknown layer 'conv1'.*valid names are: c1, s2, c3"):
        features.feature_maps(model, torch.zeros(1, 1, 28, 28), ["conv1"])
    assert _hooks(model) == 0


@pytest.mark.parametrize(
    "arch,layer,shape",
    [
        ("caffe", "conv1", (20, 1, 5, 5)),
        ("caffe", "conv2", (50, 20, 5, 5)),
        ("tut", "conv1", (6, 1, 5, 5)),
        ("tut", "conv2", (16, 6, 5, 5)),
        ("lenet5", "c1", (6, 1, 5, 5)),
        ("lenet5", "c5", (120, 16, 5, 5)),
    ],
)
def test_filters_are_the_conv_weights(arch, layer, shape):
    model = _model(arch)
    w = features.filters(model, layer)
    assert w.shape == shape and w.dtype == np.float32
    np.testing.assert_array_equal(w, getattr(model, layer).weight.detach().numpy())


def test_c3_filters_are_dense_with_zeros_where_table_has_no_connection():
    model = _model("lenet5")
    w = features.filters(model, "c3")
    assert w.shape == (16, 6, 5, 5)
    connected = np.abs(w).sum((2, 3)) > 0
    expected = np.zeros((16, 6), dtype=bool)
    for out, inputs in enumerate(C3_TABLE):
        expected[out, list(inputs)] = True
    np.testing.assert_array_equal(connected, expected)
    assert connected.sum() == 60


def test_filters_of_a_non_conv_layer_is_refused_with_the_conv_names():
    with pytest.raises(ValueError, match="valid names are: conv1, conv2"):
        features.filters(_model("caffe"), "ip1")


@pytest.mark.parametrize("arch", ARCHS)
def test_embeddings_are_the_penultimate_activations(arch, digits):
    model = _model(arch)
    x = features.model_input(model, digits[0][:10])
    emb = features.embeddings(model, x)
    assert emb.shape == (10, PENULTIMATE_WIDTH[arch])
    np.testing.assert_allclose(features.embeddings(model, x, batch_size=3), emb, rtol=1e-5, atol=1e-6)
    if arch == "caffe":
        assert emb.min() >= 0  # after the ReLU
    if arch == "lenet5":
        assert np.abs(emb).max() <= 1.7159 + 1e-6  # after the scaled tanh


def test_pca_finds_the_direction_of_largest_variance():
    g = np.random.default_rng(0)
    t = g.normal(size=400) * 5
    data = np.stack([t, t, g.normal(size=400) * 0.1, np.full(400, 3.0)], 1)
    proj = features.pca_2d(data)
    np.testing.assert_allclose(proj.components[0], [2**-0.5, 2**-0.5, 0, 0], atol=1e-2)
    assert proj.explained_variance_ratio[0] > 0.999
    np.testing.assert_allclose(proj.points[:, 0], (t - t.mean()) * 2**0.5, atol=0.05)
    np.testing.assert_allclose(proj.mean, data.mean(0))
    # the same as numpy's SVD up to sign
    _, s, vh = np.linalg.svd(data - data.mean(0), full_matrices=False)
    np.testing.assert_allclose(np.abs(proj.components), np.abs(vh[:2]), atol=1e-8)
    with pytest.raises(ValueError, match="N>=2, D>=2"):
        features.pca_2d(np.zeros((1, 5)))


def test_parameter_values_for_weights_and_gradients(digits):
    model = _model("tut")
    weights = features.parameter_values(model)
    assert list(weights) == ["conv1", "conv2", "fc_1", "fc_2", "fc_3"]
    assert weights["conv1"].size == 150
    with pytest.raises(ValueError, match="no gradients yet"):
        features.parameter_values(model, "grad")
    x = features.model_input(model, digits[0][:8])
    F.cross_entropy(model(x), digits[1][:8]).backward()
    grads = features.parameter_values(model, "grad")
    np.testing.assert_array_equal(grads["fc_3"], model.fc_3.weight.grad.numpy().ravel())


def test_probabilities_sum_to_one_and_mode_is_restored(digits):
    model = _model("lenet5").train()
    p = features.probabilities(model, features.model_input(model, digits[0][:5]))
    assert p.shape == (5, 10)
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-5)
    assert model.training


def test_a_model_loaded_from_a_tut2_file_works(tmp_path, digits):
    path = save_weights(_model("tut"), tmp_path / "tut2-model.pt")
    model = load_model(path, device="cpu")
    maps = features.feature_maps(model, features.model_input(model, digits[0][:2]))
    assert tuple(maps["pool2"].shape) == (2, 16, 4, 4)
    assert features.filters(model, "conv1").shape == (6, 1, 5, 5)


def test_first_image_maps_drops_the_batch_and_wraps_flat_layers(digits):
    model = _model("caffe")
    maps = features.feature_maps(model, features.model_input(model, digits[0][:2]), ["conv1", "ip2"])
    one = features.first_image_maps(maps)
    assert one["conv1"].shape == (20, 24, 24)
    assert one["ip2"].shape == (10, 1, 1)


# ---- look: what a panel needs for one digit, from one forward pass ---------------------------------
@pytest.mark.parametrize("arch", ARCHS)
def test_look_gives_prediction_and_maps_from_one_forward_pass(arch, digits):
    model = _model(arch).train()
    layer = features.layer_roles(model).visual[1]
    calls = []
    handle = model.register_forward_pre_hook(lambda _m, _i: calls.append(1))
    try:
        seen = features.look(model, digits[0][3], layer)
    finally:
        handle.remove()
    assert len(calls) == 1
    x = features.model_input(model, digits[0][3])
    np.testing.assert_allclose(seen.probabilities, features.probabilities(model, x)[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(seen.maps, features.feature_maps(model, x, [layer])[layer][0].numpy())
    assert seen.probabilities.sum() == pytest.approx(1.0, abs=1e-5) and not seen.is_flat
    assert model.training and _hooks(model) == 0


def test_look_at_the_logits_is_flat_with_one_value_per_class(digits):
    model = _model("tut")
    seen = features.look(model, digits[0][0], "fc_3")
    assert seen.maps.shape == (10, 1, 1) and seen.is_flat
    np.testing.assert_allclose(
        np.exp(seen.maps.ravel()) / np.exp(seen.maps.ravel()).sum(), seen.probabilities, rtol=1e-5
    )
    with pytest.raises(ValueError, match="valid names"):
        features.look(model, digits[0][0], "fc_9")


def test_layers_in_forward_order_follow_the_data_not_registration():
    order = features.layers_in_forward_order(_model("lenet5"))
    assert order[:4] == ("c1", "tanh1", "s2", "tanh2")
    assert order[-1] == "output" and set(order) == set(features.layer_names(_model("lenet5")))
    assert features.layers_in_forward_order(_model("tut"))[:3] == ("conv1", "pool1", "relu1")
