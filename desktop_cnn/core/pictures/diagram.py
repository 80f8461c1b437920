"""A network drawn as the chapter draws LeNet-5: stacks of maps, the layers between, dense bars.

No Tk, no pyplot. The drawing comes from the model's spec through ``analyse``
(every layer's output shape), so it is generic over layer types: a layer that
changes the shape or learns weights (conv, pooling, flatten, linear, ...) starts
a new block; one that keeps the shape without weights of its own kind (an
activation, dropout, batch norm) joins the block before it. Each block's patches
carry ``gid = "layer:<name>"`` and a picker, so a window can select the layer clicked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from ..spec.arith import SpecArith, analyse, shape_text
from ..spec.layers import NetSpec
from .save import FigureError

MAX_SHEETS = 6  # maps drawn per stack; the label gives the real count
SHEET_STEP = 0.14  # offset between the sheets of a stack
GAP = 1.5  # between blocks, for the arrow and its label
COLOURS = {
    "maps": "#cfe3f7",
    "input": "#e8e8e8",
    "vector": "#f3ead7",
    "edge": "#4a6a8a",
    "selected": "#e0700f",
    "text": "#222222",
    "muted": "#666666",
}
JOINS = ("relu", "tanh", "sigmoid", "leakyrelu", "dropout", "batchnorm")  # keep the shape


@dataclass(frozen=True)
class Block:
    """One drawn volume: the layers that made it (first is the one a click selects)."""

    layers: tuple[str, ...]  # () for the input
    types: tuple[str, ...]
    shape: tuple[int, ...]
    op: str  # what the arrow into it says, e.g. "conv 5x5" or "max pool 2x2/2"

    @property
    def label(self) -> str:
        return " + ".join(self.layers) if self.layers else "input"


def _op_text(layer: object, kind: str) -> str:
    k = getattr(layer, "kernel", None)
    s = getattr(layer, "stride", None)
    p = getattr(layer, "padding", None)
    text = kind
    if isinstance(k, int):
        text += f" {k}x{k}"
        if isinstance(s, int) and s != 1:
            text += f"/{s}"
        if isinstance(p, int) and p:
            text += f" p{p}"
    out = getattr(layer, "out_features", None)
    if isinstance(out, int):
        text = f"{kind} {out}"
    return text


def diagram_blocks(spec: NetSpec, arith: SpecArith | None = None) -> list[Block]:
    """The blocks of ``spec``'s drawing; a FigureError when a layer cannot be built."""
    a = arith or analyse(spec)
    if a.error:
        raise FigureError(f"cannot draw {spec.name}: {a.error}")
    blocks = [Block((), (), tuple(spec.input_shape), "")]
    layers = {layer.name: layer for layer in spec.layers}
    for row in a.rows:
        last = blocks[-1]
        joins = row.type in JOINS and tuple(row.out_shape) == last.shape and last.layers
        if joins:
            blocks[-1] = Block(
                (*last.layers, row.name), (*last.types, row.type), last.shape, last.op
            )
        else:
            op = _op_text(layers.get(row.name), row.type)
            blocks.append(Block((row.name,), (row.type,), tuple(row.out_shape), op))
    return blocks


def diagram_figure(spec: NetSpec, selected: str | None = None, softmax: bool = True) -> Figure:
    """The drawing of ``spec``; ``selected`` (a layer name) is outlined in orange."""
    blocks = diagram_blocks(spec)
    sides = [b.shape[1] for b in blocks if len(b.shape) == 3] or [1]
    vectors = [b.shape[0] for b in blocks if len(b.shape) == 1] or [1]
    heights = [_height(b, max(sides), max(vectors)) for b in blocks]
    widths = [_width(b, h) for b, h in zip(blocks, heights, strict=True)]
    total = sum(widths) + GAP * (len(blocks) - 1) + (1.6 if softmax else 0.4)
    fig = Figure(figsize=(max(6.0, min(26.0, total * 0.75)), 3.4))
    ax = fig.add_axes((0.01, 0.02, 0.98, 0.96))
    ax.axis("off")
    x = 0.2
    for i, (b, w, h) in enumerate(zip(blocks, widths, heights, strict=True)):
        if i:
            ax.add_patch(
                FancyArrowPatch(
                    (x - GAP + 0.1, 0.0), (x - 0.15, 0.0), arrowstyle="-|>", mutation_scale=10
                )
            )
            ax.text(
                x - GAP / 2,
                -0.12,
                b.op,
                ha="center",
                va="top",
                fontsize=7,
                color=COLOURS["muted"],
                rotation=0 if len(b.op) < 9 else 25,
            )
        _draw_block(ax, b, x, w, h, selected is not None and selected in b.layers)
        x += w + GAP
    right = x - GAP + 0.3
    if softmax and len(blocks[-1].shape) == 1:
        # Text keeps its size in points while a view squeezes the drawing to its width:
        # upright, "softmax" ran past the right edge; on its side it needs one line's width.
        arrow = FancyArrowPatch((x - GAP + 0.1, 0.0), (x - 0.15, 0.0), arrowstyle="-|>")
        arrow.set_mutation_scale(10)
        ax.add_patch(arrow)
        ax.text(x + 0.1, 0.0, "softmax → class", rotation=90, ha="center", va="center",
                fontsize=8)  # fmt: skip
        right = x + 0.6
    ax.set_xlim(0, max(right, 6.0))
    ax.set_ylim(-2.6, 2.6)
    ax.set_aspect("equal")
    return fig


def _height(b: Block, max_side: int, max_vec: int) -> float:
    if len(b.shape) == 3:
        return 0.8 + 1.6 * math.sqrt(b.shape[1] / max_side)
    return 0.6 + 2.0 * math.log1p(b.shape[0]) / math.log1p(max_vec)


def _width(b: Block, h: float) -> float:
    if len(b.shape) == 3:
        c, hh, ww = b.shape
        return h * min(2.0, ww / hh) + (min(c, MAX_SHEETS) - 1) * SHEET_STEP
    return 0.4


def _draw_block(ax: Axes, b: Block, x: float, w: float, h: float, selected: bool) -> None:
    gid = f"layer:{b.layers[0]}" if b.layers else "layer:"
    edge = COLOURS["selected"] if selected else COLOURS["edge"]
    lw = 2.2 if selected else 0.8
    rise = 0.0
    if len(b.shape) == 3:
        sheets = min(b.shape[0], MAX_SHEETS)
        rise = (sheets - 1) * SHEET_STEP
        face = COLOURS["maps"] if b.layers else COLOURS["input"]
        for k in range(sheets):  # back to front
            d = (sheets - 1 - k) * SHEET_STEP
            rect = Rectangle((x + d, -h / 2 + d), w - rise, h, fc=face, ec=edge, lw=lw)
            rect.set_gid(gid)
            rect.set_picker(True)
            ax.add_patch(rect)
    else:
        rect = Rectangle((x, -h / 2), w, h, fc=COLOURS["vector"], ec=edge, lw=lw)
        rect.set_gid(gid)
        rect.set_picker(True)
        ax.add_patch(rect)
    label = "\n".join(b.layers) if b.layers else "input"
    ax.text(x, h / 2 + rise + 0.08, label, fontsize=7, va="bottom", color=COLOURS["text"])
    ax.text(x, -h / 2 - 0.1, shape_text(b.shape), fontsize=7, va="top", color=COLOURS["text"])
