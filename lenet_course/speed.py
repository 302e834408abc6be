"""CPU speed settings behind ``Solver(fast=True)`` and ``evaluate(fast=True)``.

Each one changes how the work is laid out, never what is computed: a run with them gives the
same losses as without, up to float rounding (``tests/test_speed_equivalence.py`` checks it).
Measured on 2 CPU cores for CaffeLeNet at batch 64 (``benchmarks/train_speed.py``):

- channels-last weights: oneDNN's NHWC convolutions and max-pooling are much faster than NCHW
  (NCHW max-pooling alone was ~20% of a step); training ~1.4x, evaluation ~2.4x.
- a flatten whose gradient stays channels-last (:func:`flatten`): ``torch.flatten`` copies a
  channels-last map into NCHW order, so its gradient came back NCHW and the max-pooling and
  convolution below converted it back; ~2% of a step.
- Caffe's SGD update in one pass (``CaffeSGD(fused=None)``, in :mod:`lenet_course.optim`): ~2%.
- keeping freed memory in the heap (glibc only): a step allocates a few MB of activations and
  gradients; by default glibc returns such blocks to the OS and page-faults them back every step
  (hundreds of faults per step); ~1.2x more training throughput.

Measured and dropped (slower, or under 1%): conv1 as unfold + matmul; conv1 + pool1 as four
stride-2 convolutions, or as one 3x3 convolution on 2x2 space-to-depth input (80 maps, then a max
over the four phases); ip1 as a 4x4 convolution; each batch split over two single-threaded
workers; a flattened or in-place optimizer step; a channels-last gradient after every layer (the
extra autograd nodes cost more than the one conversion they save); OpenMP spin and thread-pinning
settings; ``torch.compile`` (~23 s to compile, no faster).
"""

from __future__ import annotations

import ctypes
import functools
import sys

import torch
from torch import Tensor, nn

#: glibc's ``mallopt`` parameters (malloc.h) and the values set: blocks up to 64 MiB come from
#: the heap, and up to 256 MiB of free heap is kept instead of being trimmed back to the OS.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20


@functools.lru_cache(maxsize=None)
def keep_freed_memory() -> bool:
    """Let glibc reuse freed tensor memory instead of unmapping it; True where it applied.

    Process-wide and idempotent; a no-op (False) off glibc (macOS, Windows, musl).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def use_channels_last(model: nn.Module) -> nn.Module:
    """Lay out ``model``'s 4-d weights as NHWC, in place (values unchanged; state_dict the same)."""
    return model.to(memory_format=torch.channels_last)


class _ChannelsLastFlatten(torch.autograd.Function):
    """``torch.flatten(x, 1)`` of a channels-last ``x``, handing its gradient back channels-last."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        ctx.shape = x.shape
        return x.contiguous().view(x.shape[0], -1)  # NCHW order: what the linear layer was trained on

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        return grad.reshape(ctx.shape).contiguous(memory_format=torch.channels_last)


def flatten(x: Tensor) -> Tensor:
    """``torch.flatten(x, 1)``: same values; a channels-last ``x`` gets a channels-last gradient.

    The layers below a flatten (pooling, convolution) run fastest when their gradient has the
    layout of their output; plain ``torch.flatten`` returns it in NCHW order instead.
    """
    if (x.dim() == 4 and x.requires_grad and torch.is_grad_enabled() and not x.is_contiguous()
            and x.is_contiguous(memory_format=torch.channels_last)):
        return _ChannelsLastFlatten.apply(x)
    return torch.flatten(x, 1)


def make_fast(model: nn.Module, device: torch.device | str | None = None) -> nn.Module:
    """Apply the CPU settings above to ``model`` (in place); on other devices leave it alone.

    On a GPU the fp32 NCHW path is cuDNN's well-tuned default, so nothing changes there.
    """
    if device is None:
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
    if torch.device(device).type != "cpu":
        return model
    keep_freed_memory()
    return use_channels_last(model)
