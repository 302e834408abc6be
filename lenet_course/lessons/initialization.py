"""Weight initialisation schemes, and the activation statistics that show why they matter.

Lesson 03 re-initialises a LeNet with each scheme and pushes one batch through it: a good scheme
keeps the spread (std) of the activations roughly constant from layer to layer; too small weights
shrink it towards zero, and a constant fill makes every unit of a layer compute the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..hooks import capture_outputs, eval_mode
from ..models import caffe_xavier_

#: "xavier" is Glorot & Bengio (uniform, fan_in + fan_out); "caffe_xavier" is Caffe's variant
#: (fan_in only, what CaffeLeNet uses); "he" is He et al. 2015 for ReLU nets (normal, fan_in);
#: "gaussian" is Caffe's gaussian filler N(0, std^2); "constant" fills one value.
SCHEMES: tuple[str, ...] = ("xavier", "caffe_xavier", "he", "gaussian", "constant")

#: The seed of the local generator when neither ``seed`` nor ``generator`` is given, so that a lesson
#: re-running a cell gets the same weights.
DEFAULT_SEED = 0


def init_weights_(
    model: nn.Module,
    scheme: str,
    *,
    std: float = 0.01,
    value: float = 0.0,
    bias: float = 0.0,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> nn.Module:
    """Re-initialise every ``nn.Conv2d`` and ``nn.Linear`` of ``model`` in place; returns ``model``.

    Biases are set to ``bias`` (Caffe's ``bias_filler { type: "constant" }``). ``std`` is used by
    "gaussian", ``value`` by "constant". The draws come from ``generator`` (which they advance), or
    from a new generator seeded with ``seed`` (:data:`DEFAULT_SEED` when neither is given); the
    process-wide generator is never reseeded, so calling this does not change what other code
    draws next. Pass ``generator=torch.default_generator`` to draw from the process's stream on
    purpose. Other layers (LeNet-5's C3 table and trainable subsampling) keep their own
    initialisation.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}")
    if scheme == "gaussian" and std <= 0:
        raise ValueError(f"gaussian needs std > 0, got {std}")
    if seed is not None and generator is not None:
        raise ValueError(
            "init_weights_ takes either a seed or a generator, not both; pass the generator "
            "alone to continue its stream, or the seed alone for a fresh reproducible draw."
        )
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    if not layers:
        raise ValueError(f"{type(model).__name__} has no Conv2d or Linear layer to initialise")
    if generator is None:
        generator = torch.Generator().manual_seed(DEFAULT_SEED if seed is None else seed)
    with torch.no_grad():
        for layer in layers:
            _fill_weight_(layer.weight, scheme, std, value, generator)
            if layer.bias is not None:
                nn.init.constant_(layer.bias, bias)
    return model


def _fill_weight_(w: Tensor, scheme: str, std: float, value: float, generator: torch.Generator) -> None:
    """One layer's weights drawn by ``scheme`` from ``generator``."""
    if scheme == "xavier":
        nn.init.xavier_uniform_(w, generator=generator)
    elif scheme == "caffe_xavier":  # uniform in +-sqrt(3 / fan_in), as CaffeLeNet is initialised
        caffe_xavier_(w, generator=generator)
    elif scheme == "he":
        nn.init.kaiming_normal_(w, nonlinearity="relu", generator=generator)
    elif scheme == "gaussian":
        nn.init.normal_(w, 0.0, std, generator=generator)
    else:
        nn.init.constant_(w, value)


def init_std(weight: Tensor, scheme: str, std: float = 0.01) -> float:
    """The standard deviation a scheme draws ``weight`` with (0 for "constant"), from its fans."""
    fan_in = weight[0].numel()
    fan_out = weight.shape[0] * weight[0][0].numel()
    if scheme == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "caffe_xavier":
        return math.sqrt(1.0 / fan_in)  # uniform +-sqrt(3/fan_in) has variance 1/fan_in
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    if scheme == "gaussian":
        return std
    if scheme == "constant":
        return 0.0
    raise ValueError(f"unknown scheme {scheme!r}; choose one of: {', '.join(SCHEMES)}")


@dataclass(frozen=True)
class ActivationStats:
    """Summary of one layer's output for one batch."""

    name: str
    kind: str
    shape: tuple[int, ...]
    mean: float
    std: float
    #: fraction of exactly-zero values (dead ReLU units show up here)
    zero_fraction: float
    #: std across the units of the layer of each unit's mean; 0 means all units compute the same
    unit_spread: float


def activation_stats(model: nn.Module, x: Tensor, layers: tuple[str, ...] | None = None) -> list[ActivationStats]:
    """Statistics of each leaf layer's output for the batch ``x``, in the order the layers run.

    Uses forward hooks (:func:`lenet_course.hooks.capture_outputs`) that are removed again even
    when the forward pass fails; the model is run in eval mode without gradients and put back in
    its previous mode. ``layers`` restricts the report to those module names (an unknown name is
    an error).
    """
    named = dict(model.named_modules())
    if layers is not None:
        unknown = [n for n in layers if n not in named]
        if unknown:
            raise KeyError(f"no layers {unknown} in {type(model).__name__}; it has: {', '.join(n for n in named if n)}")
        wanted = [n for n in named if n in set(layers)]
    else:
        wanted = [n for n, m in named.items() if n and not any(True for _ in m.children())]
    # clone (the default): Caffe's in-place ReLU would otherwise change ip1's output after capture
    with eval_mode(model), capture_outputs(model, wanted) as outputs, torch.no_grad():
        model(x)
    return [_stats(name, type(named[name]).__name__, out.float()) for name, out in outputs.items()]


def _stats(name: str, kind: str, out: Tensor) -> ActivationStats:
    """The summary figures of one layer's output."""
    per_unit = out.mean(0).reshape(out.shape[1], -1).mean(1) if out.dim() > 1 else out
    return ActivationStats(
        name,
        kind,
        tuple(out.shape),
        out.mean().item(),
        out.std().item(),
        (out == 0).float().mean().item(),
        per_unit.std().item() if per_unit.numel() > 1 else 0.0,
    )
