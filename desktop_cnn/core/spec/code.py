"""A spec as PyTorch source, in the style the chapter teaches.

Layers with weights (conv, linear, batch norm) and dropout are made in
``__init__`` under the spec's names, so the generated class loads the spec
model's ``state_dict`` unchanged; ``forward`` applies them with the
activations and pooling as functions and writes the flatten size out.
"""

from __future__ import annotations

import keyword
import re

from .arith import check
from .kind import Layer, Shape, SpecError
from .layers import NetSpec

HEADER = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


def class_name(spec_name: str) -> str:
    """ "fig3-convnet" -> "Fig3Convnet": a valid Python class name (ASCII letters and digits
    only, whatever the spec's name holds)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spec_name) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    # Not a keyword ("None", "True") nor a name the module's own code uses (F, nn, torch).
    clash = keyword.iskeyword(name) or name in ("F", "nn", "torch")
    return name if name and not name[0].isdigit() and not clash else f"Net{name}"


def _attribute(layer: Layer) -> str:
    """The layer's name as an attribute; a name that is not a plain identifier never gets
    into code (``parse_spec`` refuses such names; this guards specs made in Python)."""
    name = layer.name
    if not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name):
        raise SpecError(f"layer name {name!r} is not a Python identifier: rename it")
    return name


def _init_line(layer: Layer, shape: Shape) -> str | None:
    """``nn.X(...)`` for a layer with state (or dropout); None for the rest (the kind says)."""
    return layer.init_code(shape)


def _expr(layer: Layer, shape: Shape, x: str) -> str:
    """The expression that applies ``layer`` to the expression ``x`` in ``forward``."""
    return layer.call_code(shape, x)


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
            and layers[i + 1].activation is not None
            and layers[i].joins_activation
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
    for layer in spec.layers:
        _attribute(layer)
    c, h, w = spec.input_shape
    init = []
    shape: tuple[int, ...] = tuple(spec.input_shape)
    for layer, row in zip(spec.layers, a.rows, strict=True):
        made = _init_line(layer, shape)
        if made is not None:
            init.append(f"        self.{_attribute(layer)} = {made}")
        shape = row.out_shape
    forward = _forward(spec, [r.out_shape for r in a.rows])
    # The spec's name is text from a file: it goes in only as a string literal (repr), so no
    # quote, newline or backslash in it can end the docstring or break the module.
    about = (
        f"{spec.name}: input {c}x{h}x{w}, {a.total_params:,} parameters, "
        f"{a.total_macs:,} multiply-adds per image."
    )
    doc = f"    {about!r}"
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
