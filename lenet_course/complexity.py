"""What a model costs: its parameters, and the multiply-adds it spends on one image.

Parameters say how much a model must learn (and store); multiply-adds (MACs) say how much work
one forward pass is, which is what a 1998 DSP or a 2-core laptop pays per digit read. The two do
not go together: a convolution reuses each weight at every position of its output, so it does
many multiply-adds per parameter, while a fully connected layer uses each weight once.

Counting rule (the usual one, and the one lesson 09 asks the learner to write):

- ``nn.Conv2d``: every output value is a dot product over ``in_channels / groups x kh x kw``
  inputs, so MACs = (output values per image) x (in_channels / groups) x kh x kw;
- ``nn.Linear``: ``in_features x out_features`` per row it is applied to;
- LeNet-5's partially connected C3 (:class:`~lenet_course.models.PartialConv2d`): only its
  connected kernels count, (output positions) x (connected kernel weights);
- LeNet-5's RBF output (:class:`lenet_course.models.EuclideanRBF`, and the 1998 paper's in
  :mod:`lenet_course.lenet1998`): one squared difference per input and class, counted like a
  linear layer of the same shape.

Biases, activations and pooling (LeNet-5's trainable subsampling included) are left out: they
cost one operation per value, not one per weight, and every counting tool leaves them out too.
The counts come from forward hooks on those layers during one forward pass of a single zero
image, so they follow the shapes the model really produces (padding, strides), and the hooks are
always removed. The model is left in the mode (train/eval) it was in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .hooks import eval_mode
from .lenet1998 import EuclideanRBF as PaperRBF
from .models import EuclideanRBF, PartialConv2d, count_parameters

__all__ = [
    "Complexity",
    "ComplexityError",
    "LayerCost",
    "complexity",
    "conv2d_macs",
    "format_costs",
    "layer_costs",
    "linear_macs",
]

#: The input one MNIST digit makes: [1 image, 1 channel, 28, 28].
MNIST_INPUT = (1, 1, 28, 28)


class ComplexityError(ValueError):
    """A model or input shape the multiply-add counter cannot measure."""


@dataclass(frozen=True)
class LayerCost:
    """One counted layer: its name in the model, its type, its output shape, parameters and MACs."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    parameters: int
    macs: int


@dataclass(frozen=True)
class Complexity:
    """A whole model: trainable parameters and multiply-adds per image (the sum over its layers)."""

    parameters: int
    macs: int
    layers: tuple[LayerCost, ...]

    @property
    def macs_per_parameter(self) -> float:
        """How often, on average, each parameter is used per image (weight sharing makes it > 1)."""
        return self.macs / self.parameters if self.parameters else 0.0


def conv2d_macs(conv: nn.Conv2d, output: Tensor) -> int:
    """Multiply-adds of ``conv`` for ONE image, given its output ``[N, C_out, H, W]`` (or unbatched)."""
    per_image = output[0] if output.dim() == 4 else output
    kh, kw = conv.kernel_size
    return per_image.numel() * (conv.in_channels // conv.groups) * kh * kw


def linear_macs(layer: nn.Module, output: Tensor) -> int:
    """Multiply-adds of a linear layer (or an RBF layer) for ONE image: ``in x out`` per row."""
    rows = output[0].numel() // output.shape[-1] if output.dim() >= 2 else 1
    if isinstance(layer, (EuclideanRBF, PaperRBF)):
        classes, inputs = layer.centers.shape
        return rows * inputs * classes
    if not isinstance(layer, nn.Linear):
        raise ComplexityError(f"linear_macs counts nn.Linear and RBF layers, not {type(layer).__name__}")
    return rows * layer.in_features * layer.out_features


def _partial_conv_macs(layer: PartialConv2d, output: Tensor) -> int:
    per_image = output[0] if output.dim() == 4 else output
    positions = per_image.shape[-1] * per_image.shape[-2]
    return positions * layer.weight.numel()  # the connected kernels only


#: The layers that are counted, and how.
_COUNTERS: dict[type[nn.Module], Callable[..., int]] = {
    nn.Conv2d: conv2d_macs,
    nn.Linear: linear_macs,
    PartialConv2d: _partial_conv_macs,
    EuclideanRBF: linear_macs,
    PaperRBF: linear_macs,
}


def _counter_for(module: nn.Module) -> Callable[..., int] | None:
    for kind, counter in _COUNTERS.items():
        if isinstance(module, kind):
            return counter
    return None


def layer_costs(model: nn.Module, input_shape: tuple[int, ...] = MNIST_INPUT) -> list[LayerCost]:
    """Parameters and multiply-adds per image of every counted layer, in the order they run.

    ``input_shape`` is one batch's shape (a batch of 1 by default); the counts are per image
    whatever its batch size. Layers the model holds but never calls are not listed.
    """
    if len(input_shape) < 2 or any(not isinstance(s, int) or s <= 0 for s in input_shape):
        raise ComplexityError(
            f"input_shape must be a batch shape of positive sizes such as (1, 1, 28, 28), got {input_shape!r}"
        )
    costs: list[LayerCost] = []
    handles = []

    def hook_for(name: str, counter: Callable[..., int]):
        def record(module: nn.Module, inputs: tuple, output: Tensor) -> None:
            own = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
            if isinstance(module, PartialConv2d):
                own = module.weight.numel() + module.bias.numel()
            costs.append(LayerCost(name, type(module).__name__, tuple(output.shape[1:]), own, counter(module, output)))

        return record

    for name, module in model.named_modules():
        counter = _counter_for(module)
        if counter is not None:
            handles.append(module.register_forward_hook(hook_for(name, counter)))
    param = next(model.parameters(), None)
    if param is None:
        for handle in handles:
            handle.remove()
        raise ComplexityError(f"{type(model).__name__} has no parameters: there is nothing to count")
    x = torch.zeros(input_shape, dtype=param.dtype, device=param.device)
    try:
        with eval_mode(model), torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return costs


def complexity(model: nn.Module, input_shape: tuple[int, ...] = MNIST_INPUT) -> Complexity:
    """The model's trainable parameters and its multiply-adds per image (see the module docstring)."""
    layers = tuple(layer_costs(model, input_shape))
    return Complexity(count_parameters(model), sum(layer.macs for layer in layers), layers)


def format_costs(result: Complexity) -> str:
    """``result`` as an aligned text table, one line per counted layer and a total line.

    The total's parameters are the whole model's, so they include the parameters of layers that
    are not counted for multiply-adds (LeNet-5's subsampling coefficients and biases).
    """
    lines = [f"{'layer':<10} {'type':<14} {'output shape':<18} {'parameters':>10} {'multiply-adds':>14}"]
    for layer in result.layers:
        shape = str(list(layer.output_shape))
        lines.append(f"{layer.name:<10} {layer.kind:<14} {shape:<18} {layer.parameters:>10,} {layer.macs:>14,}")
    lines.append(f"{'total':<10} {'':<14} {'':<18} {result.parameters:>10,} {result.macs:>14,}")
    return "\n".join(lines)
