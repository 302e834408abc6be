"""Worked solutions of lesson 02 (convolution and pooling). Open on purpose, after trying and after the hints."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lenet_course.lessons.convolution import conv_output_size, edge_filter, pool_output_size

# 02.output_size: padding 2 keeps the 28 through the 5x5 convolution; Caffe's 3x3/2 pooling then
# rounds (28 - 3) / 2 up before adding 1.
after_conv = conv_output_size(28, 5, stride=1, padding=2)
output_size = pool_output_size(after_conv, 3, 2, ceil_mode=True)


# 02.conv2d_loops: pad, then the two loops of conv2d_loops with the patch's corner at
# (i * stride, j * stride), and the bias added once per output value.
def conv2d(image: torch.Tensor, kernel: torch.Tensor, bias: float = 0.0, stride: int = 1, padding: int = 0):
    padded = F.pad(image, (padding, padding, padding, padding))
    kh, kw = kernel.shape
    out_h = (image.shape[0] + 2 * padding - kh) // stride + 1
    out_w = (image.shape[1] + 2 * padding - kw) // stride + 1
    out = torch.zeros(out_h, out_w, dtype=image.dtype)
    for i in range(out_h):
        for j in range(out_w):
            patch = padded[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = (patch * kernel).sum() + bias
    return out


# 02.avg_pool: max_pool with .mean() in place of .max().
def avg_pool(image: torch.Tensor, size: int, stride: int):
    out_h = (image.shape[0] - size) // stride + 1
    out_w = (image.shape[1] - size) // stride + 1
    out = torch.zeros(out_h, out_w, dtype=image.dtype)
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = image[i * stride : i * stride + size, j * stride : j * stride + size].mean()
    return out


# 02.horizontal_kernel: the Sobel kernel for horizontal edges (constant rows, top and bottom of
# opposite sign, summing to 0); any kernel of that shape passes.
horizontal_kernel = edge_filter("horizontal edges")

SOLUTIONS: dict[str, object] = {
    "02.output_size": output_size,
    "02.conv2d_loops": conv2d,
    "02.avg_pool": avg_pool,
    "02.horizontal_kernel": horizontal_kernel,
}
