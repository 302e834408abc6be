"""Caffe's LeNet net definition (``lenet_train_test.prototxt``), read and mapped onto CaffeLeNet.

Lesson 03 shows that :class:`lenet_course.models.CaffeLeNet` *is* the Caffe net by reading the
prototxt and checking every layer against the PyTorch module of the same name; lesson 04 reads the
data layers (LMDB source, batch size, the 1/256 scale). The reader handles the protobuf text format
as Caffe's files use it: ``key: value`` pairs and nested ``key { ... }`` blocks, repeated keys
collected in lists, ``#`` comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from torch import nn

#: Caffe's examples/mnist/lenet_train_test.prototxt (content as shipped, comments dropped).
LENET_TRAIN_TEST_PROTOTXT = """\
name: "LeNet"
layer {
  name: "mnist"  type: "Data"  top: "data"  top: "label"
  include { phase: TRAIN }
  transform_param { scale: 0.00390625 }
  data_param { source: "examples/mnist/mnist_train_lmdb"  batch_size: 64  backend: LMDB }
}
layer {
  name: "mnist"  type: "Data"  top: "data"  top: "label"
  include { phase: TEST }
  transform_param { scale: 0.00390625 }
  data_param { source: "examples/mnist/mnist_test_lmdb"  batch_size: 100  backend: LMDB }
}
layer {
  name: "conv1"  type: "Convolution"  bottom: "data"  top: "conv1"
  param { lr_mult: 1 }
  param { lr_mult: 2 }
  convolution_param {
    num_output: 20  kernel_size: 5  stride: 1
    weight_filler { type: "xavier" }
    bias_filler { type: "constant" }
  }
}
layer {
  name: "pool1"  type: "Pooling"  bottom: "conv1"  top: "pool1"
  pooling_param { pool: MAX  kernel_size: 2  stride: 2 }
}
layer {
  name: "conv2"  type: "Convolution"  bottom: "pool1"  top: "conv2"
  param { lr_mult: 1 }
  param { lr_mult: 2 }
  convolution_param {
    num_output: 50  kernel_size: 5  stride: 1
    weight_filler { type: "xavier" }
    bias_filler { type: "constant" }
  }
}
layer {
  name: "pool2"  type: "Pooling"  bottom: "conv2"  top: "pool2"
  pooling_param { pool: MAX  kernel_size: 2  stride: 2 }
}
layer {
  name: "ip1"  type: "InnerProduct"  bottom: "pool2"  top: "ip1"
  param { lr_mult: 1 }
  param { lr_mult: 2 }
  inner_product_param {
    num_output: 500
    weight_filler { type: "xavier" }
    bias_filler { type: "constant" }
  }
}
layer {
  name: "relu1"  type: "ReLU"  bottom: "ip1"  top: "ip1"
}
layer {
  name: "ip2"  type: "InnerProduct"  bottom: "ip1"  top: "ip2"
  param { lr_mult: 1 }
  param { lr_mult: 2 }
  inner_product_param {
    num_output: 10
    weight_filler { type: "xavier" }
    bias_filler { type: "constant" }
  }
}
layer {
  name: "accuracy"  type: "Accuracy"  bottom: "ip2"  bottom: "label"  top: "accuracy"
  include { phase: TEST }
}
layer {
  name: "loss"  type: "SoftmaxWithLoss"  bottom: "ip2"  bottom: "label"  top: "loss"
}
"""

_TOKEN = re.compile(r'\s*(?:(#[^\n]*)|("(?:[^"\\]|\\.)*")|([{}:])|([^\s{}:"#]+))')


class PrototxtError(ValueError):
    """The text is not protobuf text format as Caffe writes it."""


def parse_prototxt(text: str) -> dict[str, list[Any]]:
    """Parse prototxt into ``{key: [values...]}``; a block's value is itself such a dict.

    Every key maps to a list because protobuf fields may repeat (``top``, ``layer``, ``param``).
    Numbers become int or float, quoted strings lose their quotes, enum words (``MAX``, ``LMDB``)
    stay strings.
    """
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip():
                raise PrototxtError(f"cannot read prototxt near {text[pos : pos + 30]!r}")
            break
        pos = m.end()
        if m.group(1) is None and m.group(0).strip():
            tokens.append(m.group(0).strip())

    def block(i: int, closing: bool) -> tuple[dict[str, list[Any]], int]:
        out: dict[str, list[Any]] = {}
        while i < len(tokens):
            key = tokens[i]
            if key == "}":
                if not closing:
                    raise PrototxtError("unbalanced '}'")
                return out, i + 1
            if i + 1 >= len(tokens):
                raise PrototxtError(f"field {key!r} has no value")
            if tokens[i + 1] == "{":
                value, i = block(i + 2, True)
            elif tokens[i + 1] == ":":
                if i + 2 >= len(tokens) or tokens[i + 2] in "{}:":
                    raise PrototxtError(f"field {key!r} has no value")
                value, i = _scalar(tokens[i + 2]), i + 3
            else:
                raise PrototxtError(f"expected ':' or '{{' after {key!r}, got {tokens[i + 1]!r}")
            out.setdefault(key, []).append(value)
        if closing:
            raise PrototxtError("a '{' block is never closed")
        return out, i

    return block(0, False)[0]


def _scalar(token: str) -> Any:
    if token.startswith('"'):
        return token[1:-1]
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    return token


@dataclass(frozen=True)
class CaffeLayer:
    """One ``layer { ... }`` of a Caffe net, with its type-specific ``*_param`` block flattened."""

    name: str
    type: str
    bottom: tuple[str, ...]
    top: tuple[str, ...]
    phase: str | None = None
    lr_mult: tuple[float, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


def net_layers(text: str = LENET_TRAIN_TEST_PROTOTXT) -> list[CaffeLayer]:
    """The layers of a net prototxt, in file order."""
    net = parse_prototxt(text)
    if "layer" not in net:
        raise PrototxtError("no 'layer { ... }' blocks found: is this a net prototxt, not a solver?")
    layers = []
    for raw in net["layer"]:
        try:
            name, kind = raw["name"][0], raw["type"][0]
        except KeyError as err:
            raise PrototxtError(f"a layer lacks its {err.args[0]!r} field") from None
        params: dict[str, Any] = {}
        for key, values in raw.items():
            if key.endswith("_param") and key != "param":
                for inner_key, inner in values[0].items():
                    flat = inner[0]
                    if isinstance(flat, dict):  # fillers: keep their type, e.g. weight_filler: "xavier"
                        flat = flat.get("type", [flat])[0]
                    params[inner_key] = flat
        phase = raw.get("include", [{}])[0].get("phase", [None])[0]
        lr_mult = tuple(float(p.get("lr_mult", [1])[0]) for p in raw.get("param", []))
        layers.append(
            CaffeLayer(name, kind, tuple(raw.get("bottom", [])), tuple(raw.get("top", [])), phase, lr_mult, params)
        )
    return layers


@dataclass(frozen=True)
class LayerMapping:
    """A Caffe layer, what stands for it in PyTorch, and whether their settings agree."""

    caffe: str
    caffe_type: str
    torch: str
    agrees: bool
    note: str


#: What does a Caffe layer's job when it has no module of its own in the PyTorch model.
_ELSEWHERE = {
    "Data": "lenet_course.data.TensorBatches(scale='caffe')",
    "SoftmaxWithLoss": "F.cross_entropy(logits, labels)",
    "Accuracy": "lenet_course.evaluate.evaluate(model)",
}


def map_layers(model: nn.Module, layers: list[CaffeLayer] | None = None) -> list[LayerMapping]:
    """Match each Caffe layer to the module of the same name and compare their settings.

    Convolution: num_output/kernel_size/stride vs ``out_channels``/``kernel_size``/``stride``;
    Pooling: MAX vs ``MaxPool2d`` and its size; InnerProduct: num_output vs ``out_features``.
    Data, loss and accuracy layers have no module; the note says what does their job.
    """
    layers = net_layers() if layers is None else layers
    modules = dict(model.named_modules())
    rows = []
    for layer in layers:
        if layer.type in _ELSEWHERE:
            where = f" ({layer.phase})" if layer.phase else ""
            rows.append(LayerMapping(layer.name + where, layer.type, _ELSEWHERE[layer.type], True, "no module"))
            continue
        module = modules.get(layer.name)
        if module is None:
            rows.append(LayerMapping(layer.name, layer.type, "-", False, "no module of this name"))
            continue
        p = layer.params
        if layer.type == "Convolution" and isinstance(module, nn.Conv2d):
            ok = (module.out_channels, module.kernel_size[0], module.stride[0]) == (
                p["num_output"],
                p["kernel_size"],
                p.get("stride", 1),
            )
            note = f"{module.in_channels}->{module.out_channels}, {module.kernel_size[0]}x{module.kernel_size[0]}"
        elif layer.type == "Pooling" and isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            want = nn.MaxPool2d if p.get("pool", "MAX") == "MAX" else nn.AvgPool2d
            ok = isinstance(module, want) and (module.kernel_size, module.stride) == (p["kernel_size"], p["stride"])
            note = f"{p.get('pool', 'MAX').lower()} {p['kernel_size']}x{p['kernel_size']} stride {p['stride']}"
        elif layer.type == "InnerProduct" and isinstance(module, nn.Linear):
            ok = module.out_features == p["num_output"]
            note = f"{module.in_features}->{module.out_features}"
        elif layer.type == "ReLU" and isinstance(module, nn.ReLU):
            ok, note = True, "in place, as Caffe's bottom == top"
        else:
            ok, note = False, f"{type(module).__name__} does not implement a Caffe {layer.type}"
        rows.append(LayerMapping(layer.name, layer.type, f"{layer.name}: {type(module).__name__}", ok, note))
    return rows


def format_layer_mapping(rows: list[LayerMapping]) -> str:
    """The mapping as an aligned text table."""
    lines = [f"{'Caffe layer':<16} {'type':<16} {'PyTorch':<46} {'agrees':<6} note"]
    lines += [f"{r.caffe:<16} {r.caffe_type:<16} {r.torch:<46} {'yes' if r.agrees else 'NO':<6} {r.note}" for r in rows]
    return "\n".join(lines)
