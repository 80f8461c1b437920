"""The chapter's arithmetic for every layer of a spec, without building anything.

For each layer, as its kind computes it (``Layer.arith``): the output shape
with eq. 1 (or the pooling or transposed formula) and the user's numbers
written in, the parameter count with its formula, the multiply-adds, the
activation memory and the receptive field of one output unit on the input.
Pure Python on ints: a 20-layer spec takes well under a millisecond, so a form
can redo it on every key press.

Multiply-adds count the products of conv and linear layers (out_numel x the
inputs each output reads); pooling, batch norm and activations count 0 (batch
norm folds into the conv before it at inference).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .kind import Field, Shape, shape_text
from .layers import Layer, NetSpec, SpecError

__all__ = [
    "BYTES_PER_NUMBER",
    "TOO_MANY_MACS",
    "TOO_MANY_PARAMS",
    "Field",
    "LayerArith",
    "Shape",
    "SpecArith",
    "analyse",
    "check",
    "layer_arith",
    "shape_text",
]

BYTES_PER_NUMBER = 4  # float32
TOO_MANY_PARAMS = 50_000_000  # a desktop trains this slowly and the file is 200 MB
TOO_MANY_MACS = 2_000_000_000  # 4 GFLOPs per image: minutes per MNIST epoch on a CPU


@dataclass(frozen=True)
class LayerArith:
    """One layer's numbers; ``error`` set: the layer cannot be built (and nothing after it)."""

    name: str
    type: str
    in_shape: Shape
    out_shape: Shape = ()
    shape_formula: str = ""  # e.g. "(28 + 2*2 - 5)/1 + 1 = 28"
    params: int = 0
    params_formula: str = ""  # e.g. "6*1*5*5 + 6 = 156"
    macs: int = 0
    memory: int = 0  # bytes of this layer's output for one image
    field: Field = Field()
    note: str = ""  # e.g. torch floored a fractional size
    error: str = ""  # one line naming the layer, e.g. "conv3: ... = -1: a 9x9 kernel ..."

    @property
    def out_text(self) -> str:
        return shape_text(self.out_shape)


@dataclass(frozen=True)
class SpecArith:
    """Every layer's row and the totals; ``error`` is the first layer's error, if any."""

    input_shape: Shape
    rows: list[LayerArith] = field(default_factory=list)
    total_params: int = 0
    total_macs: int = 0
    total_memory: int = 0  # bytes of all layers' outputs for one image
    error: str = ""
    too_big: str = ""  # why the spec is too big for a desktop; "" when it is not

    @property
    def output_shape(self) -> Shape:
        return self.rows[-1].out_shape if self.rows else self.input_shape

    @property
    def ok(self) -> bool:
        return not self.error


def layer_arith(layer: Layer, in_shape: Shape, rf: Field) -> tuple[LayerArith, Field]:
    """One layer's row from its input shape and the receptive field so far (the kind's own
    arithmetic; the memory is its output's numbers at 4 bytes)."""
    out = layer.arith(in_shape, rf)
    field = rf if out.field is None else out.field
    memory = 0
    if not out.error:
        size = 1
        for d in out.out_shape:
            size *= d
        memory = size * BYTES_PER_NUMBER
    row = LayerArith(
        layer.name,
        layer.type,
        in_shape,
        out.out_shape,
        out.shape_formula,
        out.params,
        out.params_formula,
        out.macs,
        memory,
        Field() if out.error else field,
        out.note,
        out.error,
    )
    return row, (rf if out.error else field)


def analyse(spec: NetSpec) -> SpecArith:
    """Every layer's arithmetic; stops at the first layer that cannot be built (its ``error``)."""
    shape: Shape = tuple(spec.input_shape)
    rf = Field()
    rows: list[LayerArith] = []
    error = ""
    for layer in spec.layers:
        row, rf = layer_arith(layer, shape, rf)
        rows.append(row)
        if row.error:
            error = row.error
            break
        shape = row.out_shape
    params = sum(r.params for r in rows)
    macs = sum(r.macs for r in rows)
    big = ""
    if params > TOO_MANY_PARAMS:
        big = f"{params:,} parameters is more than {TOO_MANY_PARAMS:,}"
    elif macs > TOO_MANY_MACS:
        big = f"{macs:,} multiply-adds per image is more than {TOO_MANY_MACS:,}"
    return SpecArith(
        tuple(spec.input_shape), rows, params, macs, sum(r.memory for r in rows), error, big
    )


def check(spec: NetSpec, num_classes: int | None = None, force: bool = False) -> SpecArith:
    """``analyse``, raising SpecError for a layer that cannot be built or (unless ``force``)
    a spec too big for a desktop; with ``num_classes``, the output must be that many logits."""
    a = analyse(spec)
    if a.error:
        raise SpecError(a.error)
    if a.too_big and not force:
        raise SpecError(
            f"{spec.name} is too big for a desktop ({a.too_big}): make it "
            "smaller, or pass --force where a command offers it"
        )
    if num_classes is not None and tuple(a.output_shape) != (num_classes,):
        last = spec.layers[-1].name if spec.layers else "input"
        raise SpecError(
            f"{last}: the output is {shape_text(a.output_shape)}, but the model "
            f"must give {num_classes} numbers (one per class): end with a linear "
            f"layer of out_features {num_classes} (or flatten/gap to {num_classes})"
        )
    return a
