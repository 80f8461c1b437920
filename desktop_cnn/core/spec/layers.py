"""A network as data: the input shape and an ordered list of layers with named fields.

A spec is plain JSON (dicts, lists, ints, floats, strings, booleans), never
code, so a spec file and a checkpoint that holds one load with
``torch.load(weights_only=True)``. ``parse_spec`` checks every field and names
the layer and field of the first mistake in one line; the shapes are checked
by ``arith.check`` (they need the whole chain).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from ..errors import DesktopCnnError

SPEC_FORMAT = "desktop-cnn-spec"
SPEC_VERSION = 1


class SpecError(DesktopCnnError):
    """A model spec that is not valid: the message names the layer and the field."""


@dataclass
class Layer:
    """Base of every layer: a unique name; ``type`` is the word used in JSON."""

    type: ClassVar[str] = ""
    prefix: ClassVar[str] = ""  # for automatic names: conv1, pool2, fc3, ...
    name: str = ""


@dataclass
class Conv(Layer):
    """nn.Conv2d with square kernels: the chapter's four hyperparameters plus dilation."""

    type: ClassVar[str] = "conv"
    prefix: ClassVar[str] = "conv"
    out_channels: int = 8  # depth: the number of filters
    kernel: int = 3  # f
    stride: int = 1  # s
    padding: int = 0  # p, zeros on every side
    dilation: int = 1  # gaps between kernel taps; 1 = none
    bias: bool = True


@dataclass
class ConvTranspose(Layer):
    """nn.ConvTranspose2d (section 11.3): each input number spreads a scaled kernel onto
    the output, so the size grows: (n - 1)s - 2p + f + output_padding."""

    type: ClassVar[str] = "convtranspose"
    prefix: ClassVar[str] = "tconv"
    out_channels: int = 8
    kernel: int = 4  # f
    stride: int = 2  # s
    padding: int = 0  # p: trimmed from every side of the output
    output_padding: int = 0  # added to one side (bottom, right) only; less than the stride
    bias: bool = True


@dataclass
class MaxPool(Layer):
    type: ClassVar[str] = "maxpool"
    prefix: ClassVar[str] = "pool"
    kernel: int = 2
    stride: int | None = None  # None: the kernel size, as torch does
    padding: int = 0


@dataclass
class AvgPool(MaxPool):
    type: ClassVar[str] = "avgpool"


@dataclass
class ReLU(Layer):
    type: ClassVar[str] = "relu"
    prefix: ClassVar[str] = "relu"


@dataclass
class Tanh(Layer):
    type: ClassVar[str] = "tanh"
    prefix: ClassVar[str] = "tanh"


@dataclass
class Sigmoid(Layer):
    type: ClassVar[str] = "sigmoid"
    prefix: ClassVar[str] = "sigmoid"


@dataclass
class LeakyReLU(Layer):
    type: ClassVar[str] = "leakyrelu"
    prefix: ClassVar[str] = "lrelu"
    slope: float = 0.01  # torch's default negative slope


@dataclass
class BatchNorm(Layer):
    """BatchNorm2d on maps, BatchNorm1d on a vector (after flatten)."""

    type: ClassVar[str] = "batchnorm"
    prefix: ClassVar[str] = "bn"


@dataclass
class Dropout(Layer):
    type: ClassVar[str] = "dropout"
    prefix: ClassVar[str] = "dropout"
    p: float = 0.5  # the share of numbers zeroed in training


@dataclass
class Flatten(Layer):
    type: ClassVar[str] = "flatten"
    prefix: ClassVar[str] = "flatten"


@dataclass
class Linear(Layer):
    type: ClassVar[str] = "linear"
    prefix: ClassVar[str] = "fc"
    out_features: int = 10
    bias: bool = True


@dataclass
class GlobalAvgPool(Layer):
    """The mean of each map: C x H x W -> C numbers (a vector, ready for linear)."""

    type: ClassVar[str] = "gap"
    prefix: ClassVar[str] = "gap"


LAYER_TYPES: dict[str, type[Layer]] = {
    cls.type: cls
    for cls in (
        Conv,
        ConvTranspose,
        MaxPool,
        AvgPool,
        ReLU,
        Tanh,
        Sigmoid,
        LeakyReLU,
        BatchNorm,
        Dropout,
        Flatten,
        Linear,
        GlobalAvgPool,
    )
}
ACTIVATION_TYPES = ("relu", "tanh", "sigmoid", "leakyrelu")
REQUIRED = {
    "conv": ("out_channels", "kernel"),
    "convtranspose": ("out_channels", "kernel"),
    "maxpool": ("kernel",),
    "avgpool": ("kernel",),
    "linear": ("out_features",),
}
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


@dataclass(frozen=True)
class FieldInfo:
    """One editable field of a layer type, for a form: its name, Python type and default."""

    name: str
    kind: type  # int, float or bool
    default: Any
    optional: bool = False  # may be None (a pool's stride: then the kernel size)


def layer_fields(layer_type: str) -> list[FieldInfo]:
    """The editable fields of ``layer_type`` (not ``name``), in the order a form shows them."""
    cls = LAYER_TYPES[layer_type]
    kinds = {"int": int, "float": float, "bool": bool, "int | None": int}
    return [
        FieldInfo(f.name, kinds[str(f.type)], f.default, str(f.type).endswith("None"))
        for f in fields(cls)
        if f.name != "name"
    ]


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
    d: dict[str, Any] = {"type": layer.type, "name": layer.name}
    d.update({f.name: getattr(layer, f.name) for f in fields(layer) if f.name != "name"})
    return d


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
            layer = type(layer)(**{**_values(layer), "name": f"{layer.prefix}{n}"})
        else:
            count[layer.prefix] = count.get(layer.prefix, 0) + 1
        out.append(layer)
    return out


def _values(layer: Layer) -> dict[str, Any]:
    return {f.name: getattr(layer, f.name) for f in fields(layer)}


def check_value(where: str, name: str, value: Any, info: FieldInfo) -> Any:
    if value is None and info.optional:
        return None
    if info.kind is bool:
        if not isinstance(value, bool):
            raise SpecError(f"{where}: {name} must be true or false, not {value!r}")
        return value
    if info.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{where}: {name} must be a whole number, not {value!r}")
        low = 0 if name in ("padding", "output_padding") else 1
        if value < low:
            raise SpecError(f"{where}: {name} must be at least {low}, not {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{where}: {name} must be a number, not {value!r}")
    if name == "p" and not 0 <= value < 1:
        raise SpecError(f"{where}: dropout p must be from 0 up to (not including) 1, not {value}")
    return float(value)


def parse_layer(d: Any, index: int) -> Layer:
    """One layer from its JSON dict; ``index`` (from 1) names it in errors until it has a name."""
    where = f"layer {index}"
    if not isinstance(d, dict):
        raise SpecError(f'{where}: expected an object like {{"type": "conv", ...}}, not {d!r}')
    kind = d.get("type")
    if kind not in LAYER_TYPES:
        raise SpecError(
            f"{where}: unknown layer type {kind!r}: choose one of {', '.join(LAYER_TYPES)}"
        )
    name = d.get("name", "")
    if name:
        if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name):
            raise SpecError(
                f"{where}: name {name!r} must be letters, digits and _ (not starting with a digit)"
            )
        if name in _RESERVED:
            raise SpecError(f"{where}: name {name!r} is reserved: choose another")
        where = name
    infos = {f.name: f for f in layer_fields(kind)}
    for key in d:
        if key not in infos and key not in ("type", "name"):
            known = ", ".join(infos) or "none"
            raise SpecError(f"{where}: unknown field {key!r} for {kind} (its fields: {known})")
    for key in REQUIRED.get(kind, ()):
        if key not in d:
            raise SpecError(f"{where}: {kind} needs {key}")
    values = {k: check_value(where, k, v, infos[k]) for k, v in d.items() if k in infos}
    return LAYER_TYPES[kind](name=name or "", **values)


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
    return parse_spec(NetSpec(name, tuple(input_shape), layers).to_dict())
