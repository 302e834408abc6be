"""Looking inside a LeNet: intermediate activations, conv kernels, penultimate embeddings.

Everything here reads a model without changing it: activations are captured with
:func:`lenet_course.hooks.capture_outputs` (hooks removed however the forward pass ends),
``forward`` is never patched, and the model's train/eval mode is restored
(:func:`lenet_course.hooks.eval_mode`). Results are CPU tensors / numpy arrays, ready for
:mod:`lenet_course.viz.plots`. :func:`look` is what an interactive panel needs for one digit: the
class probabilities and one layer's outputs from a single forward pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from .data import scale_images
from .hooks import capture_outputs, eval_mode
from .models import PartialConv2d, architecture_name, input_scale


@dataclass(frozen=True)
class LayerRoles:
    """Which layers of a model the course shows by default."""

    visual: tuple[str, ...]  # feature maps worth drawing, in forward order
    conv: tuple[str, ...]  # layers with drawable kernels
    penultimate: str  # the layer whose output feeds the classifier (the embedding)


#: Per architecture (``models.architecture_name``). Caffe's ReLU is in-place after ip1, so its
#: output *is* the rectified ip1 activation.
LAYER_ROLES: dict[str, LayerRoles] = {
    "caffe": LayerRoles(("conv1", "pool1", "conv2", "pool2"), ("conv1", "conv2"), "relu1"),
    "tut": LayerRoles(("conv1", "pool1", "conv2", "pool2"), ("conv1", "conv2"), "relu4"),
    "lenet5": LayerRoles(("c1", "s2", "c3", "s4"), ("c1", "c3", "c5"), "tanh6"),
}


def layer_roles(model: nn.Module) -> LayerRoles:
    """The default visual layers, conv layers and penultimate layer of one of the course's LeNets."""
    return LAYER_ROLES[architecture_name(model)]


def layer_names(model: nn.Module) -> tuple[str, ...]:
    """Every named sub-module that ``feature_maps`` can capture, in registration order."""
    return tuple(name for name, _ in model.named_modules() if name)


def _module(model: nn.Module, name: str, valid: Sequence[str], what: str = "layer") -> nn.Module:
    modules = dict(model.named_modules())
    if not name or name not in modules or name not in valid:
        raise ValueError(f"unknown {what} {name!r} for {type(model).__name__}; valid names are: {', '.join(valid)}")
    return modules[name]


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def model_input(model: nn.Module, images: Tensor | np.ndarray) -> Tensor:
    """uint8 digits [N, 28, 28] (or one [28, 28]) -> the float input ``model`` was trained on."""
    t = torch.as_tensor(np.asarray(images) if not isinstance(images, Tensor) else images)
    if t.dtype != torch.uint8:
        raise TypeError(f"expected uint8 pixels (0..255), got {t.dtype}; scale floats with data.scale_images")
    if t.dim() == 2:
        t = t.unsqueeze(0)
    return scale_images(t, input_scale(model)).to(_device(model))


def feature_maps(model: nn.Module, x: Tensor, layers: Sequence[str] | None = None) -> dict[str, Tensor]:
    """Outputs of the named layers for the input batch ``x`` (default: the model's visual layers).

    Returns ``{layer: CPU tensor}`` in the order asked. Hooks are always removed and the model's
    mode restored, so calling this never leaves a trace on the model.
    """
    if isinstance(layers, str):
        layers = [layers]
    names = tuple(layers) if layers is not None else layer_roles(model).visual
    valid = layer_names(model)
    for name in names:
        _module(model, name, valid)  # a clear error for a bad name before anything runs
    with eval_mode(model), capture_outputs(model, names, to_cpu=True) as captured, torch.no_grad():
        model(x.to(_device(model)))
    missing = [name for name in names if name not in captured]
    if missing:
        raise RuntimeError(f"layers {missing} did not run in forward; pick layers that forward calls")
    return {name: captured[name] for name in names}


def filters(model: nn.Module, layer: str) -> np.ndarray:
    """The kernels of a conv layer as a float32 array [out, in, k, k].

    LeNet-5's C3 holds only its connected kernels; they are returned densely, zero where the
    paper's table has no connection.
    """
    convs = tuple(name for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, PartialConv2d)))
    module = _module(model, layer, convs, what="conv layer")
    if isinstance(module, PartialConv2d):
        weight = module.dense_weight()
    else:
        assert isinstance(module, nn.Conv2d), "_module returns only names listed in convs"
        weight = module.weight
    return weight.detach().float().cpu().numpy()


def embeddings(model: nn.Module, x: Tensor, layer: str | None = None, batch_size: int = 500) -> np.ndarray:
    """Penultimate-layer activations [N, D] for a batch of inputs, computed in chunks."""
    name = layer or layer_roles(model).penultimate
    chunks = [feature_maps(model, x[i : i + batch_size], [name])[name].flatten(1) for i in range(0, len(x), batch_size)]
    return torch.cat(chunks).numpy()


@dataclass(frozen=True)
class Projection:
    """A 2-D PCA of some features: ``points`` [N, 2] and what produced them."""

    points: np.ndarray
    components: np.ndarray  # [2, D] principal directions
    mean: np.ndarray  # [D]
    explained_variance_ratio: np.ndarray  # [2]


def pca_2d(features: np.ndarray | Tensor) -> Projection:
    """Project features [N, D] on their first two principal components (SVD in torch).

    Signs are fixed so the largest loading of each component is positive: the same data always
    gives the same picture.
    """
    f = torch.as_tensor(np.asarray(features), dtype=torch.float64)
    if f.dim() != 2 or f.shape[0] < 2 or f.shape[1] < 2:
        raise ValueError(f"pca_2d needs features [N>=2, D>=2], got shape {tuple(f.shape)}")
    mean = f.mean(0)
    centred = f - mean
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    comps = vh[:2]
    signs = torch.sign(comps.gather(1, comps.abs().argmax(1, keepdim=True)))
    comps = comps * signs
    variance = s**2
    total = variance.sum()
    ratio = variance[:2] / total if total > 0 else torch.zeros(2, dtype=f.dtype)
    return Projection((centred @ comps.T).numpy(), comps.numpy(), mean.numpy(), ratio.numpy())


def probabilities(model: nn.Module, x: Tensor) -> np.ndarray:
    """Softmax class probabilities [N, 10] in eval mode (mode restored afterwards)."""
    with eval_mode(model), torch.no_grad():
        return torch.softmax(model(x.to(_device(model))).float(), 1).cpu().numpy()


def layers_in_forward_order(model: nn.Module, input_shape: tuple[int, ...] = (1, 1, 28, 28)) -> tuple[str, ...]:
    """Every named sub-module in the order ``forward`` runs them (measured on a blank batch).

    Registration order can differ (LeNet-5 registers its tanh layers after the others); a
    learner's layer list should follow the data. Modules that never run are left out.
    """
    names = layer_names(model)
    param = next(model.parameters())
    blank = torch.zeros(input_shape, dtype=param.dtype, device=param.device)
    with eval_mode(model), capture_outputs(model, names, clone=False) as ran, torch.no_grad():
        model(blank)
    return tuple(ran)


@dataclass(frozen=True)
class Look:
    """What one forward pass shows about one digit: the prediction and one layer's outputs.

    ``maps`` is [C, H, W] for a conv/pool layer; a flat layer (fc, logits) is [D, 1, 1], see
    :attr:`is_flat`.
    """

    probabilities: np.ndarray  # [10], softmax of the model's output
    layer: str
    maps: np.ndarray

    @property
    def is_flat(self) -> bool:
        """True when the layer has one number per unit (no spatial extent): draw bars, not maps."""
        return self.maps.shape[1:] == (1, 1)


def look(model: nn.Module, digit: Tensor | np.ndarray, layer: str) -> Look:
    """Class probabilities and ``layer``'s outputs for ONE uint8 digit [28, 28], in one forward pass.

    The digit is scaled as the model was trained (:func:`model_input`); the model's mode is
    restored and no hook stays behind.
    """
    _module(model, layer, layer_names(model))
    x = model_input(model, digit)
    if x.shape[0] != 1:
        raise ValueError(f"look() takes one digit [28, 28], got a batch of {x.shape[0]}")
    with eval_mode(model), capture_outputs(model, [layer], to_cpu=True) as captured, torch.no_grad():
        logits = model(x)
    if layer not in captured:
        raise RuntimeError(f"layer {layer!r} did not run in forward; pick a layer that forward calls")
    probs = torch.softmax(logits.float(), 1)[0].cpu().numpy()
    return Look(probs, layer, first_image_maps({layer: captured[layer]})[layer])


def parameter_values(model: nn.Module, kind: str = "weight") -> dict[str, np.ndarray]:
    """Flattened weights (``kind='weight'``) or their gradients (``'grad'``) per layer.

    Keys are the owning module names; parameters without a gradient yet are left out for 'grad'.
    """
    if kind not in ("weight", "grad"):
        raise ValueError(f"kind must be 'weight' or 'grad', got {kind!r}")
    out: dict[str, np.ndarray] = {}
    for name, param in model.named_parameters():
        if not name.endswith("weight"):
            continue
        tensor = param if kind == "weight" else param.grad
        if tensor is not None:
            out[name.rsplit(".", 1)[0]] = tensor.detach().float().cpu().numpy().ravel()
    if kind == "grad" and not out:
        raise ValueError("no gradients yet: run a backward pass (e.g. one Solver step) first")
    return out


def first_image_maps(maps: Mapping[str, Tensor]) -> dict[str, np.ndarray]:
    """The maps of the first image of a batch, as numpy arrays [C, H, W] (flat layers -> [D, 1, 1])."""
    out = {}
    for name, t in maps.items():
        a = t[0].float().numpy()
        out[name] = a.reshape(-1, 1, 1) if a.ndim == 1 else a
    return out
