"""The two model-reading helpers: eval_mode restores the mode, capture_outputs leaves no hooks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lenet_course.hooks import capture_outputs, eval_mode


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Dropout(0.5), nn.Linear(4, 2))


@pytest.mark.parametrize("start_training", [True, False])
def test_eval_mode_switches_and_restores_the_flag(start_training):
    net = _net().train(start_training)
    with eval_mode(net) as same:
        assert same is net
        assert not net.training and not any(m.training for m in net.modules())
    assert net.training is start_training
    assert all(m.training is start_training for m in net.modules())


def test_eval_mode_restores_after_an_exception():
    net = _net().train()
    with pytest.raises(RuntimeError, match="boom"), eval_mode(net):
        raise RuntimeError("boom")
    assert net.training


def test_capture_outputs_gives_outputs_in_run_order_and_copies_before_inplace_relu():
    net = _net().eval()
    x = torch.tensor([[1.0, -2.0, 0.5]])
    with capture_outputs(net, ["3", "0"]) as out, torch.no_grad():
        y = net(x)
    assert list(out) == ["0", "3"]  # the order the modules ran, not the order asked
    expected_linear = net[0](x)
    torch.testing.assert_close(out["0"], expected_linear)  # not the in-place ReLU's result
    assert (expected_linear < 0).any(), "the check above needs a negative pre-activation"
    torch.testing.assert_close(out["3"], y)
    assert not out["0"].requires_grad


def test_capture_outputs_removes_hooks_even_when_forward_raises():
    net = _net()
    with pytest.raises(RuntimeError), capture_outputs(net, ["0", "1"]):
        net(torch.zeros(1, 5))  # wrong width: Linear raises
    assert all(not m._forward_hooks for m in net.modules())


def test_capture_outputs_leaves_out_modules_that_did_not_run_and_rejects_unknown_names():
    net = _net()
    with capture_outputs(net, ["3"]) as out:
        pass
    assert out == {}
    with pytest.raises(ValueError, match=r"'conv9'.*pick from: 0, 1, 2, 3"):
        with capture_outputs(net, ["conv9"]):
            pass
    assert all(not m._forward_hooks for m in net.modules())


def test_capture_outputs_without_clone_sees_the_later_inplace_change():
    net = _net().eval()
    x = torch.tensor([[1.0, -2.0, 0.5]])
    with capture_outputs(net, ["0"], clone=False, to_cpu=True) as out, torch.no_grad():
        net(x)
    assert out["0"].device.type == "cpu"
    torch.testing.assert_close(out["0"], torch.relu(net[0](x)))  # the ReLU wrote into it
