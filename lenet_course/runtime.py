"""How a model is run: which device, which random numbers, and the CPU speed settings.

- **Device** (:func:`pick_device`): CUDA, else Apple's MPS, else the CPU (through
  ``torch.accelerator`` where the installed torch has it); Caffe's ``solver_mode: CPU`` forces
  the CPU, ``solver_mode: GPU`` without an accelerator falls back to it with a warning, and
  ``device=`` overrides both.
- **Seeding**: :func:`seeded` runs a block (building a model, drawing an augmentation) from a
  seed without touching the process's own random stream, so a run is reproducible from its
  config and nothing else changes; :func:`resolve_seed` turns Caffe's "not seeded" (a negative
  ``random_seed``) into a seed from the clock that can be printed and repeated.
  :func:`seed_everything` is the one function that reseeds the whole process, for a notebook
  that asks for it explicitly; no library function calls it.
- **CPU speed settings** behind ``Solver(fast=True)`` (:func:`make_fast`) and
  ``evaluate(fast=True)`` (:func:`inference_copy`).

Each speed setting changes how the work is laid out, never what is computed: a run with them
gives the same losses as without, up to float rounding (``tests/test_speed_equivalence.py``
checks it). Measured on 2 CPU cores for CaffeLeNet at batch 64 (``benchmarks/train_speed.py``):

- channels-last weights: oneDNN's NHWC convolutions and max-pooling are much faster than NCHW
  (NCHW max-pooling alone was ~20% of a step); training ~1.4x, evaluation ~2.4x.
- the gradient of the map that ``torch.flatten`` reads kept channels-last
  (:func:`keep_gradient_channels_last`, a hook added from outside, so ``models.py`` stays plain
  PyTorch): ``torch.flatten`` copies a channels-last map into NCHW order, so its gradient came
  back NCHW and the max-pooling and convolution below converted it back; ~2% of a step on the
  machine it was tuned on, within noise (+-1%) on an AVX-512 AMD EPYC.
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

import copy
import ctypes
import functools
import os
import platform
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

from .hooks import capture_outputs, eval_mode

__all__ = [
    "inference_copy",
    "keep_freed_memory",
    "keep_gradient_channels_last",
    "make_fast",
    "pick_device",
    "resolve_seed",
    "seed_everything",
    "seeded",
    "use_channels_last",
]

_CLOCK_SEEDS = 2**31  # a seed picked from the clock is below this (fits every generator)


# ---- the device --------------------------------------------------------------------------------
def _accelerator() -> torch.device | None:
    """The machine's accelerator (CUDA, MPS, ...) if one is usable, else None."""
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None:
        return accelerator.current_accelerator(check_available=True)
    if torch.cuda.is_available():  # torch before 2.6 has no torch.accelerator
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return None


def pick_device(solver_mode: str | None = None, device: torch.device | str | None = None) -> torch.device:
    """Where to run: ``device`` if given; else the CPU for Caffe's ``solver_mode`` "CPU"; else
    the accelerator (CUDA, else Apple MPS) when there is one, else the CPU.

    ``solver_mode`` "GPU" on a machine without an accelerator warns and uses the CPU, so a
    Caffe solver file written for a GPU still runs.
    """
    if device is not None:
        return torch.device(device)
    if solver_mode == "CPU":
        return torch.device("cpu")
    found = _accelerator()
    if found is None:
        if solver_mode == "GPU":
            warnings.warn(
                "solver_mode GPU asked for, but no CUDA (or other accelerator) device is available: using the CPU",
                stacklevel=2,
            )
        return torch.device("cpu")
    return torch.device(found.type)


# ---- random numbers ----------------------------------------------------------------------------
def resolve_seed(seed: int) -> tuple[int, bool]:
    """``(seed, False)`` for a seed >= 0; for a negative one (Caffe: "not seeded") a seed picked
    from the clock and ``True``, so the run can say which one it used and be repeated."""
    if seed >= 0:
        return int(seed), False
    return time.time_ns() % _CLOCK_SEEDS, True


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Inside the block, torch's CPU random stream starts from ``seed``; afterwards it is exactly
    where it was before the block, as if the block had never drawn.

    ``build_model("caffe", seed=1701)`` uses it, so building a model from a seed gives the same
    weights every time and leaves what the rest of the process draws next unchanged (the CUDA
    streams are never touched: models are built on the CPU). ``seed=None`` draws from the
    process's stream as usual (no fork, no reseed).
    """
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(int(seed) % 2**64)
        yield


def seed_everything(seed: int) -> None:
    """Seed torch's global CPU and CUDA generators (model initialisation, augmentation, dropout).

    An explicit call for a notebook or script that wants the whole process's random stream in a
    known state; nothing in the library calls it (models are built under :func:`seeded`, batch
    order and augmentation draw from their own seeded generators, the :class:`Solver` never
    reseeds the process).
    """
    torch.manual_seed(seed)


# ---- the CPU speed settings --------------------------------------------------------------------

#: glibc's ``mallopt`` parameters (malloc.h) and the values set: blocks up to 64 MiB come from
#: the heap, and up to 256 MiB of free heap is kept instead of being trimmed back to the OS.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20


@functools.cache
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


def _to_channels_last(grad: Tensor) -> Tensor:
    """A gradient hook: the same values, laid out channels-last (a no-op if they already are)."""
    return grad.contiguous(memory_format=torch.channels_last)


def _channels_last_gradient_hook(module: nn.Module, inputs: tuple, output: object) -> None:
    """Forward hook: ask for ``output``'s gradient in ``output``'s own (channels-last) layout.

    ``torch.flatten`` copies a channels-last map into NCHW order for the linear layer (the order
    the weights were trained in), so the gradient it hands back is NCHW; the max-pooling and the
    convolution below would convert it again, slower. Values are never changed.
    """
    if (
        isinstance(output, Tensor)
        and output.dim() == 4
        and output.requires_grad
        and not output.is_contiguous()
        and output.is_contiguous(memory_format=torch.channels_last)
    ):
        output.register_hook(_to_channels_last)


def flatten_input_module(model: nn.Module, example: Tensor | None = None) -> nn.Module | None:
    """The sub-module whose output is the last 4-d map of a forward pass: what the flatten reads.

    Found by one no-grad forward pass of ``example`` (one blank MNIST image by default) with
    temporary hooks; None when that map has a single pixel (channels-last and NCHW coincide).
    """
    param = next(model.parameters())
    if example is None:
        example = torch.zeros(1, 1, 28, 28, dtype=param.dtype, device=param.device)
    modules = dict(model.named_modules())
    names = [name for name in modules if name]
    with eval_mode(model), capture_outputs(model, names, clone=False) as outputs, torch.no_grad():
        model(example)
    maps = [(name, out) for name, out in outputs.items() if out.dim() == 4]  # in the order they ran
    if not maps or maps[-1][1].shape[-2:].numel() == 1:
        return None
    return modules[maps[-1][0]]


def keep_gradient_channels_last(model: nn.Module) -> bool:
    """Hook the module that feeds the flatten so its gradient comes back channels-last (~2%).

    The model's code and state_dict are untouched; idempotent. True where a hook is in place.
    """
    module = flatten_input_module(model)
    if module is None:
        return False
    if _channels_last_gradient_hook not in module._forward_hooks.values():
        module.register_forward_hook(_channels_last_gradient_hook)
    return True


def inference_copy(model: nn.Module) -> nn.Module:
    """A channels-last copy of ``model`` in eval mode, for fast inference on the CPU.

    ``model`` itself is left exactly as it was (layout, mode, hooks); copying the course's LeNets
    takes about a millisecond. On other devices, or when the weights are channels-last already,
    the copy keeps the layout it has.
    """
    with torch.no_grad():  # a plain copy (not inference tensors): it may be trained or saved later
        twin = copy.deepcopy(model)
    param = next(twin.parameters(), None)
    if param is not None and param.device.type == "cpu":
        use_channels_last(twin)
    return twin.eval()


def make_fast(model: nn.Module, device: torch.device | str | None = None) -> nn.Module:
    """Apply the CPU settings above to ``model`` (in place); on other devices leave it alone.

    In place on purpose: the Solver trains the model it was handed. The settings are channels-last
    weights, the gradient-layout hook and the process-wide allocator setting.

    On a GPU the fp32 NCHW path is cuDNN's well-tuned default, so nothing changes there.
    """
    if device is None:
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
    if torch.device(device).type != "cpu":
        return model
    keep_freed_memory()
    use_channels_last(model)
    keep_gradient_channels_last(model)
    return model


# ---- the machine, named ---------------------------------------------------------------------
#: The vector extensions worth naming (x86 /proc/cpuinfo "flags", ARM "Features").
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx_vnni", "asimd", "neon", "sve", "sve2", "sme")
VECTOR_PREFIXES = ("avx512", "amx")


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it ("AMD EPYC"), else what the platform says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip().lower() in ("model name", "hardware", "cpu model") and value.strip():
                    return value.strip()
    except OSError:  # macOS and others: no /proc
        pass
    return platform.processor() or platform.machine()


def cpu_and_threads() -> str:
    """The CPU's model and the threads torch computes with, the short name a timing is stored with:
    "AMD EPYC, 2 torch threads"."""
    return f"{cpu_model()}, {_torch_threads()}"


def _torch_threads() -> str:
    threads = torch.get_num_threads()
    return f"{threads} torch thread{'' if threads == 1 else 's'}"


def cpu_description() -> str:
    """The CPU's model name, vector extensions and the kernels torch picked, in one line.

    Every figure of speed the course reports names the machine it was measured on with this: float
    results and timings of fast kernels differ between CPU kinds (AVX-512 or AVX2 only, say).
    """
    model, flags = cpu_model(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip().lower() in ("flags", "features"):
                    flags.update(value.split())
    except OSError:  # macOS and others: no /proc
        pass
    named = sorted(f for f in flags if f in VECTOR_FLAGS or f.startswith(VECTOR_PREFIXES))
    capability = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", lambda: "unknown")()
    return (
        f"CPU: {model} ({platform.machine()}); vector extensions: {' '.join(named) or 'none listed'}; "
        f"torch kernels: {capability}; {_torch_threads()}, {os.cpu_count()} CPUs"
    )
