"""One Playground layer as a figure: every input slice, the filter's slices, bias, output.

No Tk, no pyplot. The figure shows the numbers the Playground shows (the same
``ConvRun``): the padded input slices with the current window outlined, the
chosen filter's slices beside them, its bias, the output map so far and, under
it all, the current step as products, per-channel partial sums and their total.
A max-pooling figure marks each window's winner.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

from ..conv.formulas import number
from ..conv.playground import (
    ConvRun,
    LayerSettings,
    Step,
    describe_step,
    input_grid,
    layer_formula,
    output_grid,
    pool_winner,
    torch_line,
)

MAX_SLICES = 4  # input slices drawn side by side; more: the caption says which are shown
NUMBER_LIMIT = 16  # cells a side up to which every cell carries its number
CELL_IN = 0.32  # inches per cell in an exported figure
COLOURS = {
    "pad": "#e2e2e2",
    "cell": "white",
    "kernel": "#f3ead7",
    "done": "#cfe3f7",
    "now": "#ffd27f",
    "window": "#e0700f",
    "winner": "#c0392b",
    "text": "#222222",
    "muted": "#777777",
}


@dataclass(frozen=True)
class Grid:
    """A square of numbers to draw at (x, y) (top-left, in cell units, y down)."""

    values: Tensor | None  # (side, side); None: shapes only
    x: float
    y: float
    start: int  # real cells: [start, stop); the others are padding or cropped
    stop: int
    title: str
    fill: str = COLOURS["cell"]
    written: frozenset[tuple[int, int]] | None = None  # cells with a number yet; None: all


def shown_slices(st: LayerSettings, first: int = 0) -> range:
    """The input channels drawn: up to MAX_SLICES from ``first``."""
    first = max(0, min(first, st.in_channels - 1))
    return range(first, min(st.in_channels, first + MAX_SLICES))


def layer_figure(run: ConvRun, channel: int = 0, first_slice: int = 0, title: str = "") -> Figure:
    """The layer and its numbers as they stand in ``run`` (stepped, finished or reset)."""
    step = run.steps[run.done - 1] if run.done else None
    grids, marks = _layout(run, channel, first_slice, step)
    width = max(g.x + _side(g) for g in grids) + 1
    height = max(g.y + _side(g) for g in grids) + 1
    caption = _caption(run, channel, first_slice, step)
    lines = caption.count("\n") + 1
    fig = Figure(figsize=(max(6.0, width * CELL_IN), height * CELL_IN + 0.22 * lines + 0.5))
    ax = fig.add_axes((0.02, 0.0, 0.96, 1.0))
    ax.set_xlim(-0.5, width)
    ax.set_ylim(height + 0.6 * lines + 1, -1.2)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.text(-0.4, -1.0, title, fontsize=11, va="bottom", color=COLOURS["text"])
    for g in grids:
        _draw_grid(ax, g)
    for x, y, side, colour, lw in marks:
        ax.add_patch(Rectangle((x, y), side[0], side[1], fill=False, ec=colour, lw=lw))
    ax.text(
        -0.4,
        height + 0.4,
        caption,
        family="monospace",
        fontsize=8,
        va="top",
        color=COLOURS["text"],
    )
    return fig


def _side(g: Grid) -> int:
    return 0 if g.values is None else int(g.values.shape[-1])


def _layout(
    run: ConvRun, channel: int, first: int, step: Step | None
) -> tuple[list[Grid], list[tuple[float, float, tuple[float, float], str, float]]]:
    st = run.settings
    gin, gout = input_grid(st), output_grid(st)
    grids: list[Grid] = []
    marks: list[tuple[float, float, tuple[float, float], str, float]] = []
    slices = [channel] if st.pool else list(shown_slices(st, first))
    if st.transposed:
        slices = slices[:1]
    k = st.kernel
    x_kernel = gin.size + 2.0
    x_out = x_kernel + (0 if st.pool else k + 3.0)
    y = 0.0
    for c in slices:
        src = None if run.source is None else run.source[c]
        grids.append(Grid(src, 0, y, gin.start, gin.stop, f"input slice {c}"))
        if not st.pool and run.w is not None:
            w = run.w[c, channel] if st.transposed else run.w[channel, c]
            grids.append(Grid(w, x_kernel, y, 0, k, f"W{channel} slice {c}", COLOURS["kernel"]))
        if step is not None and not st.transposed:
            top, left = step.reads[0]
            span = st.dilation * (k - 1) + 1
            marks.append((left, y + top, (span, span), COLOURS["window"], 2.0))
        y += max(gin.size, k) + 1.5
    if run.b is not None:
        grids.append(
            Grid(run.b[channel].reshape(1, 1), x_kernel, y - 0.5, 0, 1, f"bias b{channel}")
        )
        y += 2
    out = None if run.out is None else run.out[channel]
    what = "pooled map" if st.pool else "output map"
    written = frozenset(cell for s in run.steps[: run.done] for cell in s.writes)
    grids.append(
        Grid(out, x_out, 0, gout.start, gout.stop, f"{what} {channel}", COLOURS["done"], written)
    )
    if step is not None:
        for r, c in dict.fromkeys(step.writes):
            marks.append((x_out + c, r, (1, 1), COLOURS["window"], 2.0))
    if st.pool == "max" and run.source is not None:
        done = run.steps[: run.done]
        for s in done:
            winner = pool_winner(run, s, channel)
            if winner is not None:
                box = (winner[1] + 0.12, winner[0] + 0.12, (0.76, 0.76))
                marks.append((*box, COLOURS["winner"], 1.2))
    return grids, marks


def _draw_grid(ax: Axes, g: Grid) -> None:
    if g.values is None:
        return
    side = _side(g)
    ax.text(g.x, g.y - 0.25, g.title, fontsize=8, va="bottom", color=COLOURS["text"])
    ax.add_patch(Rectangle((g.x, g.y), side, side, fc=COLOURS["pad"], ec="none"))
    span = g.stop - g.start
    ax.add_patch(Rectangle((g.x + g.start, g.y + g.start), span, span, fc=g.fill, ec="none"))
    values = g.values.tolist()
    if side <= NUMBER_LIMIT:
        for r in range(side):
            for c in range(side):
                real = g.start <= r < g.stop and g.start <= c < g.stop
                if g.written is not None and (r, c) not in g.written:
                    continue
                ax.text(
                    g.x + c + 0.5,
                    g.y + r + 0.5,
                    _cell_text(values[r][c]),
                    ha="center",
                    va="center",
                    fontsize=7 if len(_cell_text(values[r][c])) > 3 else 8,
                    color=COLOURS["text"] if real else COLOURS["muted"],
                )
    else:  # too many cells for numbers: their values as shades
        ax.imshow(
            g.values.numpy(),
            cmap="Greys",
            extent=(g.x, g.x + side, g.y + side, g.y),
            interpolation="nearest",
        )
    lines = min(side, 40)
    for i in range(0, side + 1, max(1, side // lines)):
        ax.plot([g.x, g.x + side], [g.y + i, g.y + i], color="#9a9a9a", lw=0.5)
        ax.plot([g.x + i, g.x + i], [g.y, g.y + side], color="#9a9a9a", lw=0.5)


def _cell_text(v: float) -> str:
    return "−∞" if v == float("-inf") else number(v)


def _caption(run: ConvRun, channel: int, first: int, step: Step | None) -> str:
    st = run.settings
    f = layer_formula(st)
    c, n, _ = st.input_shape
    oc, m, _ = st.output_shape
    lines = [f"{torch_line(st)}:  {c}x{n}x{n} -> {oc}x{m}x{m}", f.general, f.substituted]
    if f.note:
        lines.append(f.note)
    slices = shown_slices(st, first)
    if not st.pool and not st.transposed and len(slices) < st.in_channels:
        lines.append(
            f"input slices {slices.start}..{slices.stop - 1} of {st.in_channels} are shown"
        )
    if run.out is None:
        lines.append("(too many numbers to show: shapes only)")
    elif step is not None:
        lines.append("step " + str(run.done) + ": " + describe_step(run, step, channel))
    return "\n".join(lines)
