"""A spec as PyTorch source, in the style the chapter teaches.

Layers with weights (conv, linear, batch norm) and dropout are made in
``__init__`` under the spec's names, so the generated class loads the spec
model's ``state_dict`` unchanged; ``forward`` applies them with the
activations and pooling as functions and writes the flatten size out.
"""

from __future__ import annotations

import re

from .arith import check
from .layers import (
    AvgPool,
    BatchNorm,
    Conv,
    ConvTranspose,
    Dropout,
    Flatten,
    GlobalAvgPool,
    Layer,
    LeakyReLU,
    Linear,
    MaxPool,
    NetSpec,
    ReLU,
    Sigmoid,
    Tanh,
)

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leakyrelu")
ACTIVATION_CLASSES = (ReLU, Tanh, Sigmoid, LeakyReLU)
HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


def class_name(spec_name: str) -> str:
    """ "fig3-convnet" -> "Fig3Convnet": a valid Python class name."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spec_name) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name and not name[0].isdigit() else f"Net{name}"


def _init_line(layer: Layer, shape: tuple[int, ...]) -> str | None:
    """``self.name = nn.X(...)`` for a layer with state (or dropout); None for the rest."""
    c = shape[0]
    if isinstance(layer, Conv):
        extra = "".join(
            f", {k}={v}"
            for k, v, d in (
                ("stride", layer.stride, 1),
                ("padding", layer.padding, 0),
                ("dilation", layer.dilation, 1),
            )
            if v != d
        )
        extra += "" if layer.bias else ", bias=False"
        return f"nn.Conv2d({c}, {layer.out_channels}, kernel_size={layer.kernel}{extra})"
    if isinstance(layer, ConvTranspose):
        extra = "".join(
            f", {k}={v}"
            for k, v, d in (
                ("stride", layer.stride, 1),
                ("padding", layer.padding, 0),
                ("output_padding", layer.output_padding, 0),
            )
            if v != d
        )
        extra += "" if layer.bias else ", bias=False"
        return f"nn.ConvTranspose2d({c}, {layer.out_channels}, kernel_size={layer.kernel}{extra})"
    if isinstance(layer, Linear):
        return f"nn.Linear({c}, {layer.out_features}" + ("" if layer.bias else ", bias=False") + ")"
    if isinstance(layer, BatchNorm):
        return f"nn.BatchNorm{'2' if len(shape) == 3 else '1'}d({c})"
    if isinstance(layer, Dropout):
        return f"nn.Dropout({layer.p})"
    return None


def _expr(layer: Layer, shape: tuple[int, ...], x: str) -> str:
    """The expression that applies ``layer`` to the expression ``x`` in ``forward``."""
    if _init_line(layer, shape) is not None:
        return f"self.{layer.name}({x})"
    if isinstance(layer, MaxPool):
        fn = "F.avg_pool2d" if isinstance(layer, AvgPool) else "F.max_pool2d"
        stride = layer.stride or layer.kernel
        args = f"{layer.kernel}" + (f", stride={stride}" if stride != layer.kernel else "")
        args += f", padding={layer.padding}" if layer.padding else ""
        return f"{fn}({x}, {args})"
    if isinstance(layer, Flatten):
        return f"{x}.view(-1, {' * '.join(str(d) for d in shape)})"
    if isinstance(layer, GlobalAvgPool):
        return f"{x}.mean((2, 3))"  # global average pooling
    if isinstance(layer, LeakyReLU):
        return f"F.leaky_relu({x}, {layer.slope})"
    fns = {ReLU: "torch.relu", Tanh: "torch.tanh", Sigmoid: "torch.sigmoid"}
    return f"{fns[type(layer)]}({x})"


def _shape_comment(shape: tuple[int, ...]) -> str:
    return f"# (N, {', '.join(str(d) for d in shape)})"


def _forward(spec: NetSpec, outs: list[tuple[int, ...]]) -> list[str]:
    """forward's lines: an activation right after a layer joins it, as in torch.relu(conv(x))."""
    lines, shape, i = [], tuple(spec.input_shape), 0
    layers = spec.layers
    while i < len(layers):
        expr = _expr(layers[i], shape, "x")
        if (
            i + 1 < len(layers)
            and layers[i + 1].type in ACTIVATIONS
            and not isinstance(layers[i], (Flatten, *ACTIVATION_CLASSES))
        ):
            i += 1
            expr = _expr(layers[i], outs[i], expr)
        lines.append(f"        x = {expr}  {_shape_comment(outs[i])}")
        shape = outs[i]
        i += 1
    return lines


def spec_code(spec: NetSpec) -> str:
    """A runnable module defining ``class <Name>(nn.Module)`` for ``spec``."""
    a = check(spec, force=True)
    c, h, w = spec.input_shape
    init = []
    shape: tuple[int, ...] = tuple(spec.input_shape)
    for layer, row in zip(spec.layers, a.rows, strict=True):
        made = _init_line(layer, shape)
        if made is not None:
            init.append(f"        self.{layer.name} = {made}")
        shape = row.out_shape
    forward = _forward(spec, [r.out_shape for r in a.rows])
    doc = (
        f'    """{spec.name}: input {c}x{h}x{w}, {a.total_params:,} parameters, '
        f'{a.total_macs:,} multiply-adds per image."""'
    )
    lines = [
        HEADER,
        "",
        f"class {class_name(spec.name)}(nn.Module):",
        doc,
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *init,
        "",
        "    def forward(self, x):",
        f"        # x: {_shape_comment(spec.input_shape)[2:]}",
        *forward,
        "        return x",
        "",
    ]
    return "\n".join(lines)
