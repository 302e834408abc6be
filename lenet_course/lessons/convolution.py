"""Convolution and pooling by hand, and the arithmetic around them.

- :func:`conv2d_naive` and :func:`pool2d_naive`: explicit loops over output positions, the reference
  for the loops lesson 02 writes in the notebook, checked against ``F.conv2d`` / ``F.max_pool2d`` /
  ``F.avg_pool2d``. Like those (and like Caffe), "convolution" here is cross-correlation: the
  kernel is not flipped.
- :func:`conv2d_reference` and :func:`pool2d_reference`: the same loops plus batching, with
  ``F.conv2d``'s and ``F.max_pool2d``'s shapes (``[N, C, H, W]`` in, many output maps out).
- :data:`EDGE_FILTERS`: named 3x3 kernels a learner can apply to a digit.
- :func:`conv_output_size` / :func:`pool_output_size`: the shape arithmetic of every LeNet layer.
- :func:`weight_sharing_counts`: the 1989 argument, parameters of a dense, a locally connected and
  a convolutional (shared-weight) layer over the same input and output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor


def _as_chw(t: Tensor, what: str) -> Tensor:
    if t.dim() == 2:
        return t.unsqueeze(0)
    if t.dim() == 3:
        return t
    raise ValueError(f"{what} must be [H, W] or [C, H, W], got shape {tuple(t.shape)}")


def conv2d_naive(
    image: Tensor, kernel: Tensor, *, bias: float | Tensor = 0.0, stride: int = 1, padding: int = 0
) -> Tensor:
    """One output map: ``out[i, j] = sum_{c, u, v} image[c, i*s + u, j*s + v] * kernel[c, u, v] + bias``.

    ``image`` is ``[H, W]`` or ``[C, H, W]``; ``kernel`` the same rank with matching ``C``. Written
    as two plain loops so every multiply-add is visible; equals
    ``F.conv2d(image[None], kernel[None], bias, stride, padding)[0, 0]``.
    """
    x, k = _as_chw(image, "image"), _as_chw(kernel, "kernel")
    if x.shape[0] != k.shape[0]:
        raise ValueError(f"image has {x.shape[0]} channels but the kernel has {k.shape[0]}")
    if stride < 1 or padding < 0:
        raise ValueError(f"need stride >= 1 and padding >= 0, got stride={stride}, padding={padding}")
    if padding:
        x = torch.nn.functional.pad(x, (padding,) * 4)
    kh, kw = k.shape[1:]
    out_h = conv_output_size(image.shape[-2], kh, stride, padding)
    out_w = conv_output_size(image.shape[-1], kw, stride, padding)
    out = torch.empty(out_h, out_w, dtype=torch.result_type(x, k))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = (patch * k).sum() + bias
    return out


def pool2d_naive(
    image: Tensor, size: int = 2, stride: int | None = None, mode: str = "max", *, ceil_mode: bool = False
) -> Tensor:
    """Max or average of each ``size x size`` window of an ``[H, W]`` map (stride defaults to size).

    ``ceil_mode=True`` rounds the output size up, as Caffe's pooling does: the last window then
    hangs over the edge and is cut to the part inside the map (an average divides by the pixels it
    holds, as ``F.avg_pool2d(..., ceil_mode=True)`` and Caffe do without padding).
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    if image.dim() != 2:
        raise ValueError(f"image must be [H, W], got shape {tuple(image.shape)}")
    stride = stride or size
    out_h = pool_output_size(image.shape[0], size, stride, ceil_mode=ceil_mode)
    out_w = pool_output_size(image.shape[1], size, stride, ceil_mode=ceil_mode)
    out = torch.empty(out_h, out_w, dtype=image.dtype)
    for i in range(out_h):
        for j in range(out_w):
            window = image[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = window.max() if mode == "max" else window.mean()
    return out


def conv2d_reference(
    images: Tensor, weight: Tensor, bias: Tensor | None = None, *, stride: int = 1, padding: int = 0
) -> Tensor:
    """``F.conv2d(images, weight, bias, stride, padding)`` computed with :func:`conv2d_naive`'s loops.

    ``images`` is ``[N, C, H, W]``, ``weight`` ``[O, C, kh, kw]`` (one kernel per output map),
    ``bias`` ``[O]`` or None; the result is ``[N, O, H', W']``. Slow on purpose: it is the lesson's
    two loops, run once per image and per output map, so every number can be traced by hand.
    """
    if images.dim() != 4 or weight.dim() != 4:
        raise ValueError(
            f"images must be [N, C, H, W] and weight [O, C, kh, kw], got shapes "
            f"{tuple(images.shape)} and {tuple(weight.shape)}; add the missing dimensions with [None]"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must hold one value per output map ({weight.shape[0]}), got {tuple(bias.shape)}")
    maps = [
        torch.stack(
            [
                conv2d_naive(image, kernel, bias=0.0 if bias is None else bias[o], stride=stride, padding=padding)
                for o, kernel in enumerate(weight)
            ]
        )
        for image in images
    ]
    return torch.stack(maps)


def pool2d_reference(
    images: Tensor, size: int = 2, stride: int | None = None, mode: str = "max", *, ceil_mode: bool = False
) -> Tensor:
    """``F.max_pool2d`` / ``F.avg_pool2d`` of an ``[N, C, H, W]`` batch with :func:`pool2d_naive`'s loops."""
    if images.dim() != 4:
        raise ValueError(f"images must be [N, C, H, W], got shape {tuple(images.shape)}")
    return torch.stack(
        [torch.stack([pool2d_naive(m, size, stride, mode, ceil_mode=ceil_mode) for m in image]) for image in images]
    )


#: Hand-made 3x3 filters. Sobel kernels respond to intensity changes along one direction: a
#: "vertical edge" filter fires where brightness changes from left to right.
EDGE_FILTERS: dict[str, Tensor] = {
    "vertical edges": torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges": torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "diagonal edges": torch.tensor([[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0], [-2.0, -1.0, 0.0]]),
    "outline (Laplacian)": torch.tensor([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]),
    "blur": torch.full((3, 3), 1.0 / 9.0),
}


def edge_filter(name: str) -> Tensor:
    """A copy of one of :data:`EDGE_FILTERS` by name."""
    try:
        return EDGE_FILTERS[name].clone()
    except KeyError:
        raise KeyError(f"no filter {name!r}; choose one of: {', '.join(EDGE_FILTERS)}") from None


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution along one axis: ``floor((size + 2p - d(k-1) - 1) / s) + 1``.

    Raises ``ValueError`` when the kernel does not fit, rather than returning 0 or a negative size.
    """
    if min(size, kernel, stride, dilation) < 1 or padding < 0:
        raise ValueError(
            f"need positive size, kernel, stride, dilation and padding >= 0, got "
            f"size={size}, kernel={kernel}, stride={stride}, padding={padding}, dilation={dilation}"
        )
    span = dilation * (kernel - 1) + 1
    if size + 2 * padding < span:
        raise ValueError(f"a kernel spanning {span} does not fit in {size} (+2x{padding} padding)")
    return (size + 2 * padding - span) // stride + 1


def pool_output_size(
    size: int, kernel: int = 2, stride: int | None = None, padding: int = 0, ceil_mode: bool = False
) -> int:
    """Output length of pooling. PyTorch rounds down by default; Caffe's pooling rounds up
    (``ceil_mode=True``). For LeNet's even sizes (24 -> 12, 8 -> 4) both agree."""
    stride = stride or kernel
    if ceil_mode:
        out = math.ceil((size + 2 * padding - kernel) / stride) + 1
        if (out - 1) * stride >= size + padding:  # the last window must start inside the input
            out -= 1
        return out
    return conv_output_size(size, kernel, stride, padding)


@dataclass(frozen=True)
class WeightSharingCounts:
    """Parameters of three ways to map the same input to the same output maps.

    ``dense``: every output unit sees every input pixel. ``local``: each unit sees only its k x k
    window, with its own weights (and its own bias). ``shared``: one k x k kernel per output map
    plus one bias per map (a modern convolution). ``shared_unit_bias``: shared kernels but one bias
    per unit, as the 1989 network did. ``connections`` counts the multiply-adds of one forward
    pass through the local or shared layer (they are the same wiring).
    """

    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    dense: int
    local: int
    shared: int
    shared_unit_bias: int
    connections: int


def weight_sharing_counts(
    input_shape: tuple[int, int, int], out_channels: int, kernel: int, stride: int = 1, padding: int = 0
) -> WeightSharingCounts:
    """Count the parameters of a dense, locally connected and convolutional layer (see the class).

    ``input_shape`` is ``(C, H, W)``; the output maps' size follows from the convolution arithmetic.
    For the 1989 ZIP-code network's first layer, ``weight_sharing_counts((1, 16, 16), 12, 5,
    stride=2, padding=2)`` gives the paper's 19,968 connections and 1,068 free parameters.
    """
    c, h, w = input_shape
    oh, ow = conv_output_size(h, kernel, stride, padding), conv_output_size(w, kernel, stride, padding)
    units = out_channels * oh * ow
    fan_in = c * kernel * kernel
    return WeightSharingCounts(
        input_shape=(c, h, w),
        output_shape=(out_channels, oh, ow),
        dense=c * h * w * units + units,
        local=units * fan_in + units,
        shared=out_channels * fan_in + out_channels,
        shared_unit_bias=out_channels * fan_in + units,
        connections=units * (fan_in + 1),
    )
