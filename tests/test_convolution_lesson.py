"""The batched references of lesson 02 (the learner's loops plus batching) and Caffe's ceil-mode
pooling, against PyTorch on inputs where a slip would show."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lenet_course.lessons.convolution import conv2d_naive, conv2d_reference, pool2d_naive, pool2d_reference


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_conv2d_reference_is_f_conv2d_on_batches_and_many_maps(stride, padding):
    g = torch.Generator().manual_seed(stride + 10 * padding)
    x, w, b = torch.randn(2, 3, 9, 11, generator=g), torch.randn(4, 3, 3, 2, generator=g), torch.randn(4, generator=g)
    ours = conv2d_reference(x, w, b, stride=stride, padding=padding)
    theirs = F.conv2d(x, w, b, stride=stride, padding=padding)
    assert ours.shape == theirs.shape and torch.allclose(ours, theirs, atol=1e-5)
    # without a bias, and each output map is conv2d_naive of its own kernel
    assert torch.allclose(conv2d_reference(x, w), F.conv2d(x, w), atol=1e-5)
    assert torch.allclose(ours[1, 2], conv2d_naive(x[1], w[2], bias=b[2], stride=stride, padding=padding))


def test_conv2d_reference_refuses_unbatched_inputs_and_a_wrong_bias():
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        conv2d_reference(torch.zeros(1, 5, 5), torch.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match="one value per output map"):
        conv2d_reference(torch.zeros(1, 1, 5, 5), torch.zeros(2, 1, 3, 3), torch.zeros(3))


@pytest.mark.parametrize("mode,fn", [("max", F.max_pool2d), ("avg", F.avg_pool2d)])
def test_pool2d_reference_is_torch_pooling_with_and_without_ceil_mode(mode, fn):
    x = torch.randn(2, 3, 7, 9, generator=torch.Generator().manual_seed(7))
    for size, stride in ((2, 2), (3, 2)):
        for ceil_mode in (False, True):
            ours = pool2d_reference(x, size, stride, mode, ceil_mode=ceil_mode)
            theirs = fn(x, size, stride, ceil_mode=ceil_mode)
            assert ours.shape == theirs.shape and torch.allclose(ours, theirs, atol=1e-6), (size, stride, ceil_mode)
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        pool2d_reference(x[0], 2)


def test_ceil_mode_cuts_the_last_window_to_the_map():
    image = torch.arange(25.0).view(5, 5)
    pooled = pool2d_naive(image, 2, mode="avg", ceil_mode=True)
    assert pooled.shape == (3, 3)
    assert pooled[2, 2].item() == 24.0  # the corner window holds one pixel: its mean is that pixel
    assert pooled[0, 2].item() == pytest.approx((4.0 + 9.0) / 2)  # two pixels, divided by two
    assert pool2d_naive(image, 2, ceil_mode=True)[2, 0].item() == 21.0
    assert pool2d_naive(image, 2).shape == (2, 2)
