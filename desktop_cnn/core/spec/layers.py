"""A network as data: the input shape and an ordered list of layers with named fields.

A spec is plain JSON (dicts, lists, ints, floats, strings, booleans), never
code, so a spec file and a checkpoint that holds one load with
``torch.load(weights_only=True)``. ``parse_spec`` checks every field against its
layer kind's description (``kind.py``, ``kinds/``) and names the layer and field
of the first mistake in one line; the shapes are checked by ``arith.check``
(they need the whole chain).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from .kind import LAYER_TYPES, FieldInfo, Layer, SpecError, kind
from .kinds import (
    AvgPool,
    BatchNorm,
    Conv,
    ConvTranspose,
    Dropout,
    Flatten,
    GlobalAvgPool,
    LeakyReLU,
    Linear,
    MaxPool,
    ReLU,
    Sigmoid,
    Tanh,
    Upsample,
)

__all__ = [
    "LAYER_TYPES",
    "AvgPool",
    "BatchNorm",
    "Conv",
    "ConvTranspose",
    "Dropout",
    "FieldInfo",
    "Flatten",
    "GlobalAvgPool",
    "Layer",
    "LeakyReLU",
    "Linear",
    "MaxPool",
    "NetSpec",
    "ReLU",
    "Sigmoid",
    "SpecError",
    "Tanh",
    "Upsample",
    "layer",
    "layer_fields",
    "layer_to_dict",
    "named",
    "parse_layer",
    "parse_spec",
    "spec_of",
]

SPEC_FORMAT = "desktop-cnn-spec"
SPEC_VERSION = 1
# Names that would shadow nn.Module's own attributes when set on the model.
_RESERVED = {
    "training",
    "forward",
    "activations",
    "spec",
    "input_shape",
    "conv_units",
    "to",
    "eval",
    "train",
    "state_dict",
    "parameters",
    "modules",
    "children",
    "apply",
    "cuda",
    "cpu",
    "float",
    "double",
    "half",
    "type",
    "layers",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def layer_fields(layer_type: str) -> list[FieldInfo]:
    """The editable fields of ``layer_type`` (not ``name``), in the order a form shows them."""
    return kind(layer_type).fields()


@dataclass
class NetSpec:
    """A whole network: what it is called, its input (C, H, W) and its layers in order."""

    name: str = "custom"
    input_shape: tuple[int, int, int] = (1, 28, 28)
    layers: list[Layer] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data; every layer written with its (final) name and all its fields."""
        return {
            "format": SPEC_FORMAT,
            "version": SPEC_VERSION,
            "name": self.name,
            "input": list(self.input_shape),
            "layers": [layer_to_dict(layer) for layer in named(self.layers)],
        }


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    return {"type": layer.type, "name": layer.name, **layer.values()}


def named(layers: list[Layer]) -> list[Layer]:
    """The layers with every empty name filled in (conv1, pool1, fc1, ...), skipping used ones."""
    used = {layer.name for layer in layers if layer.name}
    count: dict[str, int] = {}
    out = []
    for layer in layers:
        if not layer.name:
            n = count.get(layer.prefix, 0) + 1
            while f"{layer.prefix}{n}" in used:
                n += 1
            count[layer.prefix] = n
            used.add(f"{layer.prefix}{n}")
            layer = type(layer)(**{**layer.values(), "name": f"{layer.prefix}{n}"})
        else:
            count[layer.prefix] = count.get(layer.prefix, 0) + 1
        out.append(layer)
    return out


def parse_layer(d: Any, index: int) -> Layer:
    """One layer from its JSON dict; ``index`` (from 1) names it in errors until it has a name."""
    where = f"layer {index}"
    if not isinstance(d, dict):
        raise SpecError(f'{where}: expected an object like {{"type": "conv", ...}}, not {d!r}')
    try:
        cls = kind(d.get("type"))
    except SpecError as exc:
        raise SpecError(f"{where}: {exc}") from None
    name = d.get("name", "")
    if name:
        if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
            raise SpecError(
                f"{where}: name {name!r} must be letters, digits and _ (not starting with a digit)"
            )
        if name in _RESERVED:
            raise SpecError(f"{where}: name {name!r} is reserved: choose another")
        where = name
    infos = {f.name: f for f in cls.fields()}
    for key in d:
        if key not in infos and key not in ("type", "name"):
            known = ", ".join(infos) or "none"
            raise SpecError(f"{where}: unknown field {key!r} for {cls.type} (its fields: {known})")
    for info in infos.values():
        if info.required and info.name not in d:
            raise SpecError(f"{where}: {cls.type} needs {info.name}")
    values = {k: infos[k].check(where, v, cls.type) for k, v in d.items() if k in infos}
    return cls(name=name or "", **values)


def _input_shape(value: Any) -> tuple[int, int, int]:
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 3
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    )
    if not ok:
        raise SpecError(f"input: must be [channels, height, width], each at least 1, not {value!r}")
    return (value[0], value[1], value[2])


def parse_spec(d: Any) -> NetSpec:
    """A NetSpec from JSON data, every field checked; raises SpecError naming layer and field."""
    if not isinstance(d, dict):
        raise SpecError(
            f"a model spec is a JSON object with input and layers, not {type(d).__name__}"
        )
    unknown = set(d) - {"format", "version", "name", "input", "layers"}
    if unknown:
        raise SpecError(
            f"unknown top-level field {sorted(unknown)[0]!r}: a spec has name, input and layers"
        )
    if d.get("format", SPEC_FORMAT) != SPEC_FORMAT:
        raise SpecError(f"format {d['format']!r} is not {SPEC_FORMAT!r}")
    if "input" not in d or "layers" not in d:
        raise SpecError("a model spec needs input ([channels, height, width]) and layers")
    if not isinstance(d["layers"], list):
        raise SpecError("layers must be a list of layer objects")
    name = d.get("name", "custom")
    if not isinstance(name, str) or not name:
        raise SpecError(f"name must be a non-empty text, not {name!r}")
    layers = [parse_layer(item, i) for i, item in enumerate(d["layers"], 1)]
    seen: set[str] = set()
    for layer in named(layers):
        if layer.name in seen:
            raise SpecError(f"{layer.name}: two layers have this name; names must be unique")
        seen.add(layer.name)
    return NetSpec(name, _input_shape(d["input"]), named(layers))


def layer(kind: str, name: str = "", **values: Any) -> Layer:
    """A checked layer from Python, e.g. ``layer("conv", out_channels=6, kernel=5)``."""
    return parse_layer({"type": kind, **({"name": name} if name else {}), **values}, 0)


def spec_of(name: str, input_shape: tuple[int, int, int], layers: list[Layer]) -> NetSpec:
    """A NetSpec from Python parts, with the same checks as a JSON file."""
    c, h, w = input_shape
    return parse_spec(NetSpec(name, (c, h, w), layers).to_dict())
