"""The chapter's arithmetic for every layer of a spec, without building anything.

For each layer: the output shape with eq. 1 (or the pooling formula) and the
user's numbers written in, the parameter count with its formula, the
multiply-adds, the activation memory and the receptive field of one output
unit on the input. Pure Python on ints: a 20-layer spec takes well under a
millisecond, so a form can redo it on every key press.

Multiply-adds count the products of conv and linear layers (out_numel x the
inputs each output reads); pooling, batch norm and activations count 0 (batch
norm folds into the conv before it at inference).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .layers import (
    BatchNorm,
    Conv,
    ConvTranspose,
    Flatten,
    GlobalAvgPool,
    Layer,
    Linear,
    MaxPool,
    NetSpec,
    SpecError,
)

BYTES_PER_NUMBER = 4  # float32
TOO_MANY_PARAMS = 50_000_000  # a desktop trains this slowly and the file is 200 MB
TOO_MANY_MACS = 2_000_000_000  # 4 GFLOPs per image: minutes per MNIST epoch on a CPU

Shape = tuple[int, ...]  # (C, H, W) maps or (N,) a vector


@dataclass(frozen=True)
class Field:
    """The receptive field of one unit: ``size`` input pixels a side, ``jump`` between units.

    ``start`` is where unit 0's field begins on the input (negative: in the padding).
    ``size`` None: every input pixel (after linear or global pooling).
    """

    size: float | None = 1
    jump: float = 1  # fractional after upsampling: several units share one input pixel
    start: float = 0

    def text(self) -> str:
        if self.size is None:
            return "whole input"
        size = _num(self.size)
        return f"{size}x{size}, jump {_num(self.jump)}"


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


def shape_text(shape: Shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "-"


def _num(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"


def _side(n: int, f: int, s: int, p: int, d: int, pool: bool) -> tuple[int, str, float]:
    """eq. 1 for one side: (floored size, the formula with numbers, the exact value)."""
    span = d * (f - 1) + 1
    exact = (n + 2 * p - span) / s + 1
    if pool and p == 0:
        text = f"({n} - {f})/{s} + 1"
    elif d == 1:
        text = f"({n} + 2*{p} - {f})/{s} + 1"
    else:
        text = f"({n} + 2*{p} - {d}*({f} - 1) - 1)/{s} + 1"
    out = (n + 2 * p - span) // s + 1
    text += f" = {_num(exact)}" + ("" if exact == out or exact <= 0 else f", floored to {out}")
    return out, text, exact


def _window_layer(
    name: str, in_shape: Shape, layer: Conv | MaxPool, rf: Field
) -> tuple[dict, Field]:
    """Conv and pooling: the output size per side, the reasons it fails, the new field."""
    c, h, w = in_shape
    pool = isinstance(layer, MaxPool)
    f, p = layer.kernel, layer.padding
    s = (layer.stride or f) if pool else layer.stride
    d = 1 if pool else layer.dilation
    if pool and 2 * p > f:
        return {
            "error": f"{name}: padding {p} is more than half the {f}x{f} kernel: torch "
            "refuses it; use padding at most kernel // 2"
        }, rf
    oh, th, eh = _side(h, f, s, p, d, pool)
    ow, tw, ew = (oh, th, eh) if w == h else _side(w, f, s, p, d, pool)
    text = th if h == w else f"height {th}; width {tw}"
    span = d * (f - 1) + 1
    if min(oh, ow) < 1:
        what = f"a {f}x{f} kernel" + (
            f" with dilation {d} spans {span}x{span} and" if d > 1 else ""
        )
        pad = f" padded by {p}" if p else ""
        return {
            "shape_formula": text,
            "error": f"{name}: {th if oh < 1 else tw}: {what} does not fit a {h}x{w} input{pad}",
        }, rf
    note = ""
    if eh != oh or ew != ow:
        lost = (h + 2 * p - span) % s if eh != oh else (w + 2 * p - span) % s
        note = (
            f"not a whole number: torch floors it, so the last {lost} row(s)/column(s) "
            "of the (padded) input are never read"
        )
    oc = c if pool else layer.out_channels
    new_rf = (
        rf
        if rf.size is None
        else Field(rf.size + (span - 1) * rf.jump, rf.jump * s, rf.start - p * rf.jump)
    )
    kw = {"out_shape": (oc, oh, ow), "shape_formula": text, "note": note, "field": new_rf}
    if not pool:
        per = c * f * f
        bias = layer.out_channels if layer.bias else 0
        params = layer.out_channels * per + bias
        formula = f"{layer.out_channels}*{c}*{f}*{f}" + (f" + {bias}" if bias else "")
        kw.update(params=params, params_formula=f"{formula} = {params:,}", macs=oc * oh * ow * per)
    return kw, new_rf


def _transposed_layer(
    name: str, in_shape: Shape, layer: ConvTranspose, rf: Field
) -> tuple[dict, Field]:
    """Transposed conv: out = (n - 1)s - 2p + f + output_padding per side (eqs. 6-11)."""
    c, h, w = in_shape
    f, s, p, op = layer.kernel, layer.stride, layer.padding, layer.output_padding
    if op >= s:
        return {
            "error": f"{name}: output_padding {op} must be less than the stride {s}: "
            "it only picks one of the sizes a stride of s makes possible"
        }, rf

    def side(n: int) -> tuple[int, str]:
        out = (n - 1) * s - 2 * p + f + op
        return out, f"({n} - 1)*{s} - 2*{p} + {f}" + (f" + {op}" if op else "") + f" = {out}"

    oh, th = side(h)
    ow, tw = (oh, th) if w == h else side(w)
    text = th if h == w else f"height {th}; width {tw}"
    if min(oh, ow) < 1:
        return {
            "shape_formula": text,
            "error": f"{name}: {th if oh < 1 else tw}: padding {p} trims more than the "
            f"{f}x{f} kernel adds to a {h}x{w} input",
        }, rf
    # One output unit gathers from at most ceil(f/s) neighbouring inputs a side, the first
    # at ceil((p - f + 1)/s); the units are 1/s of an input apart, so the jump shrinks.
    reach = -(-f // s)
    new_rf = (
        rf
        if rf.size is None
        else Field(
            rf.size + (reach - 1) * rf.jump, rf.jump / s, rf.start - ((f - 1 - p) // s) * rf.jump
        )
    )
    oc = layer.out_channels
    bias = oc if layer.bias else 0
    params = c * oc * f * f + bias
    formula = f"{c}*{oc}*{f}*{f}" + (f" + {bias}" if bias else "")
    kw = {
        "out_shape": (oc, oh, ow),
        "shape_formula": text,
        "field": new_rf,
        "params": params,
        "params_formula": f"{formula} = {params:,}",
        "macs": c * h * w * oc * f * f,  # every input number times every weight it meets
    }
    return kw, new_rf


def _other_layer(name: str, shape: Shape, layer: Layer, rf: Field) -> tuple[dict, Field]:
    """Layers that are not windows: linear, flatten, global pooling, batch norm, pointwise."""
    maps = len(shape) == 3
    if isinstance(layer, Linear):
        if maps:
            return {
                "error": f"{name}: gets {shape_text(shape)} maps: put a flatten (or gap) "
                "layer before this linear layer"
            }, rf
        n, k = shape[0], layer.out_features
        params = k * n + (k if layer.bias else 0)
        formula = f"{k}*{n}" + (f" + {k}" if layer.bias else "")
        return {
            "out_shape": (k,),
            "shape_formula": f"{k} outputs",
            "params": params,
            "params_formula": f"{formula} = {params:,}",
            "macs": k * n,
            "field": Field(None),
        }, Field(None)
    if isinstance(layer, Flatten):
        n = 1
        for d in shape:
            n *= d
        text = f"{'*'.join(str(d) for d in shape)} = {n}" if maps else f"{n} (already flat)"
        return {"out_shape": (n,), "shape_formula": text, "field": rf}, rf
    if isinstance(layer, GlobalAvgPool):
        if not maps:
            return {
                "error": f"{name}: global average pooling needs maps (C x H x W), not a "
                f"vector of {shape[0]} numbers"
            }, rf
        return {
            "out_shape": (shape[0],),
            "field": Field(None),
            "shape_formula": f"the mean of each {shape[1]}x{shape[2]} map: {shape[0]} numbers",
        }, Field(None)
    kw: dict = {"out_shape": shape, "shape_formula": "unchanged", "field": rf}
    if isinstance(layer, BatchNorm):
        kw.update(params=2 * shape[0], params_formula=f"2*{shape[0]} = {2 * shape[0]}")
    return kw, rf


def layer_arith(layer: Layer, in_shape: Shape, rf: Field) -> tuple[LayerArith, Field]:
    """One layer's row from its input shape and the receptive field so far."""
    if isinstance(layer, (Conv, MaxPool, ConvTranspose)):
        if len(in_shape) != 3:
            kw: dict = {
                "error": f"{layer.name}: {layer.type} needs maps (C x H x W), but it "
                f"gets a vector of {in_shape[0]} numbers"
            }
        elif isinstance(layer, ConvTranspose):
            kw, rf = _transposed_layer(layer.name, in_shape, layer, rf)
        else:
            kw, rf = _window_layer(layer.name, in_shape, layer, rf)
    else:
        kw, rf = _other_layer(layer.name, in_shape, layer, rf)
    if not kw.get("error"):
        size = 1
        for d in kw["out_shape"]:
            size *= d
        kw["memory"] = size * BYTES_PER_NUMBER
    return LayerArith(layer.name, layer.type, in_shape, **kw), rf


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
