"""What a layer kind is: its fields (typed, with ranges and help) and the questions it answers.

Every layer type of a spec is one dataclass subclass of ``Layer`` (in ``kinds/``).
It declares its fields with ``param(...)`` (type from the annotation, default,
range, help, text choices) and answers everything the rest of the app asks about
it: its arithmetic with the formula text (``compute``), its ``nn.Module``
(``module``), its PyTorch source (``init_code``/``call_code``), its one-line
settings, whether it is an activation and how views name it, and how it adapts
to a dataset (``fitted``). Defining the class registers it under ``type``, so a
new layer type is one class (plus its tests); nothing else lists the kinds.
"""

from __future__ import annotations

import functools
import math
import sys
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from dataclasses import field as _dc_field
from typing import Any, ClassVar

import torch
from torch import nn

from ..errors import DesktopCnnError

Shape = tuple[int, ...]  # (C, H, W) maps or (N,) a vector


class SpecError(DesktopCnnError):
    """A model spec that is not valid: the message names the layer and the field."""


def num(v: float) -> str:
    """A number as the formulas write it: 3, 0.5, 5.75."""
    return str(int(v)) if v == int(v) else f"{v:g}"


def shape_text(shape: Shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "-"


@dataclass(frozen=True)
class Field:
    """The receptive field of one unit: ``size`` input pixels a side, ``jump`` between units.

    ``start`` is where unit 0's field begins on the input (negative: in the padding).
    ``size`` None: every input pixel (after linear or global pooling). Upsampling and
    transposed convolutions make the jump (and so later sizes) fractional.
    """

    size: float | None = 1
    jump: float = 1
    start: float = 0

    def text(self) -> str:
        if self.size is None:
            return "whole input"
        size = num(self.size)
        return f"{size}x{size}, jump {num(self.jump)}"

    def window(self, span: float, stride: float, padding: float) -> Field:
        """After a window of ``span`` units moved by ``stride``, padded by ``padding``."""
        if self.size is None:
            return self
        return Field(
            self.size + (span - 1) * self.jump, self.jump * stride, self.start - padding * self.jump
        )


@dataclass(frozen=True)
class Out:
    """One layer's arithmetic, as a kind computes it; ``error`` set: it cannot be built."""

    out_shape: Shape = ()
    shape_formula: str = ""  # e.g. "(28 + 2*2 - 5)/1 + 1 = 28"
    params: int = 0
    params_formula: str = ""  # e.g. "6*1*5*5 + 6 = 156"
    macs: int = 0
    field: Field | None = None  # None: the field does not change
    note: str = ""
    error: str = ""


@dataclass(frozen=True)
class FieldInfo:
    """One editable field of a layer type, for a form and for checking JSON values.

    ``kind`` is int, float, bool or str; ``low``/``high`` bound it (inclusive),
    ``below`` from above (exclusive); ``choices`` are the allowed texts.
    """

    name: str
    kind: type
    default: Any
    optional: bool = False  # may be None (a pool's stride: then the kernel size)
    help: str = ""
    low: float | None = None
    high: float | None = None
    below: float | None = None
    choices: tuple[str, ...] = ()
    hint: str = ""  # a few words beside the form's field
    required: bool = False  # a spec must give it (no sensible default)

    def range_text(self) -> str:
        """The range in words, e.g. "at least 1", "from 0 up to (not including) 1"."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.low is not None and self.below is not None:
            return f"from {num(self.low)} up to (not including) {num(self.below)}"
        if self.low is not None and self.high is not None:
            return f"from {num(self.low)} to {num(self.high)}"
        if self.low is not None:
            return f"at least {num(self.low)}"
        return ""

    def check(self, where: str, value: Any, what: str = "") -> Any:
        """``value`` checked against the type and range; SpecError naming ``where`` and the field.

        ``what`` (e.g. the layer type) goes before the field's name in range errors.
        """
        if value is None and self.optional:
            return None
        name = self.name
        if self.kind is bool:
            if not isinstance(value, bool):
                raise SpecError(f"{where}: {name} must be true or false, not {value!r}")
            return value
        if self.kind is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise SpecError(f"{where}: {name} must be {self.range_text()}, not {value!r}")
            return value
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpecError(f"{where}: {name} must be a whole number, not {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"{where}: {name} must be a number, not {value!r}")
        elif not math.isfinite(value):
            raise SpecError(f"{where}: {name} must be a finite number, not {value!r}")
        low_ok = self.low is None or value >= self.low
        high_ok = (self.high is None or value <= self.high) and (
            self.below is None or value < self.below
        )
        if not (low_ok and high_ok):
            label = f"{what} {name}" if what and self.below is not None else name
            raise SpecError(f"{where}: {label} must be {self.range_text()}, not {value}")
        return value if self.kind is int else float(value)


def param(
    default: Any,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    below: float | None = None,
    choices: tuple[str, ...] = (),
    hint: str = "",
    required: bool = False,
) -> Any:
    """A layer field with its default and description (the dataclass field's metadata)."""
    meta = {
        "help": help,
        "low": low,
        "high": high,
        "below": below,
        "choices": choices,
        "hint": hint,
        "required": required,
    }
    return _dc_field(default=default, metadata={"spec": meta})


LAYER_TYPES: dict[str, type[Layer]] = {}  # filled as each kind's class is defined


@dataclass
class Layer:
    """Base of every layer kind: a unique name; ``type`` is the word used in JSON.

    Subclasses set the class variables and override what differs; the defaults
    describe a layer that keeps its input's shape and has no weights.
    """

    type: ClassVar[str] = ""
    prefix: ClassVar[str] = ""  # for automatic names: conv1, pool2, fc3, ...
    title: ClassVar[str] = ""  # what the docs' table and the form's title call it
    summary: ClassVar[str] = ""  # one line for the docs' table
    activation: ClassVar[str | None] = None  # how views name it when it is an activation
    needs_maps: ClassVar[bool] = False  # takes only C x H x W input
    conv_unit: ClassVar[bool] = False  # a Conv2d whose numbers the explanation window shows
    joins_activation: ClassVar[bool] = True  # code: relu(this(x)) when an activation follows
    # fastgraph: a max pool of this kind may run before a ``commutes_with_max`` activation.
    takes_max: ClassVar[bool] = False
    commutes_with_max: ClassVar[bool] = False
    name: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("type"):
            LAYER_TYPES[cls.type] = cls

    # --- fields -------------------------------------------------------------------------
    @classmethod
    def fields(cls) -> list[FieldInfo]:
        """The editable fields (not ``name``), in the order a form shows them."""
        return list(_fields_of(cls))  # type: ignore[arg-type]  # a class is hashable

    def values(self) -> dict[str, Any]:
        """The fields' values (not ``name``), in order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name"}

    # --- arithmetic ---------------------------------------------------------------------
    def arith(self, shape: Shape, rf: Field) -> Out:
        """This layer's numbers on an input of ``shape``, the field so far being ``rf``."""
        if self.needs_maps and len(shape) != 3:
            return Out(
                error=f"{self.name}: {self.type} needs maps (C x H x W), but it "
                f"gets a vector of {shape[0]} numbers"
            )
        return self.compute(shape, rf)

    def compute(self, shape: Shape, rf: Field) -> Out:
        return Out(shape, "unchanged")

    # --- the network --------------------------------------------------------------------
    def module(self, shape: Shape) -> nn.Module:
        """The torch module for this layer, given its input shape (C, H, W) or (N,)."""
        raise NotImplementedError

    def init_code(self, shape: Shape) -> str | None:
        """``nn.X(...)`` for ``__init__`` when the layer has state (or is dropout), else None."""
        return None

    def call_code(self, shape: Shape, x: str) -> str:
        """The expression that applies this layer to the expression ``x`` in ``forward``."""
        return f"self.{self.name}({x})"

    def function(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """What the layer does to a tensor (the module without weights, e.g. an activation)."""
        return self.module((1,))

    # --- views --------------------------------------------------------------------------
    def settings(self) -> str:
        """The fields in a few characters, e.g. "16 out, 3x3, s1, p1"."""
        return ", ".join(f"{k} {v}" for k, v in self.values().items())

    def fitted(self, num_classes: int) -> Layer | None:
        """This layer giving ``num_classes`` outputs when it is the last with a size
        (``fit_to_data``); None: it has no size to fit, look further back."""
        return None


@functools.cache
def _fields_of(cls: type[Layer]) -> tuple[FieldInfo, ...]:
    """Read once per class: the dataclass fields with their resolved types and metadata."""
    scope = vars(sys.modules[cls.__module__])
    out = []
    for f in fields(cls):
        if f.name == "name":
            continue
        # The annotation as written (a string under postponed evaluation), resolved where the
        # class was defined; only the fields' own, so class variables need not resolve.
        hint = eval(f.type, dict(scope)) if isinstance(f.type, str) else f.type  # noqa: S307
        kind, optional = _kind_of(hint)
        meta = dict(f.metadata.get("spec", {}))
        default = None if f.default is MISSING else f.default
        out.append(FieldInfo(f.name, kind, default, optional, **meta))
    return tuple(out)


def _kind_of(hint: Any) -> tuple[type, bool]:
    """(int, False) for ``int``; (int, True) for ``int | None``."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args:
        return args[0], True
    return hint, False


def kind(name: Any) -> type[Layer]:
    """The class of layer type ``name``; SpecError listing the types when there is none."""
    try:
        return LAYER_TYPES[name]
    except (KeyError, TypeError):
        raise SpecError(
            f"unknown layer type {name!r}: choose one of {', '.join(LAYER_TYPES)}"
        ) from None


def activation_kinds() -> dict[str, type[Layer]]:
    """Every activation kind by the name views show ("ReLU", "leaky ReLU", ...)."""
    return {k.activation: k for k in LAYER_TYPES.values() if k.activation is not None}
