"""The convolution playground's engine: one layer's settings, its arithmetic, its steps.

No Tk here. Every size this module states comes from ``arithmetic.py`` (the
formulas PyTorch uses), and ``tests/test_playground.py`` compares each one
with a real ``nn.Conv2d`` / ``nn.ConvTranspose2d``. The step list drives the
animation: a convolution visits one output cell per step and reads a kernel's
worth of (padded) input; a transposed convolution visits one input cell per
step and scatters it, times the kernel, onto the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import DesktopCnnError
from .arithmetic import conv_output_size, conv_params, conv_transpose_output_size, pool_output_size
from .formulas import Formula, conv_formula, number, pool_formula, transpose_formula

Cell = tuple[int, int]  # (row, column)

# Limits a person can see through; beyond them the grids are unreadable or the
# layer is a typo (a 500-channel playground draws exactly like a 4-channel one).
LIMITS = {
    "size": (1, 64),
    "kernel": (1, 11),
    "stride": (1, 8),
    "padding": (0, 8),
    "dilation": (1, 4),
    "in_channels": (1, 1024),
    "out_channels": (1, 1024),
    "output_padding": (0, 7),
}
LABELS = {
    "size": "input size",
    "kernel": "kernel size",
    "stride": "stride",
    "padding": "padding",
    "dilation": "dilation",
    "in_channels": "channels in",
    "out_channels": "channels out",
    "output_padding": "output padding",
}
VALUE_LIMIT = 200_000  # numbers in x and w together: above this only shapes are shown


class SettingsError(DesktopCnnError, ValueError):
    """Settings no layer can have; the message names the setting and says why."""


@dataclass(frozen=True)
class LayerSettings:
    """One square 2-D (transposed) convolution; the defaults are the book's first example."""

    size: int = 5  # n: input height = width; 5x5 is small enough to follow by hand
    kernel: int = 3  # f
    stride: int = 1  # s
    padding: int = 0  # p: zeros around the input (transposed: rows cropped off the output)
    dilation: int = 1  # d: gaps between kernel taps; 1 is an ordinary kernel
    in_channels: int = 1
    out_channels: int = 1
    transposed: bool = False
    output_padding: int = 0  # transposed only: picks one of the sizes a stride folds together
    bias: bool = True  # changes the parameter count and the PyTorch line, not the shapes
    pool: str = ""  # "max" or "avg": a pooling window instead of a kernel of weights

    def validate(self) -> None:
        """Raise ``SettingsError`` with a readable message for impossible settings."""
        for name, (lo, hi) in LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or not lo <= value <= hi:
                raise SettingsError(
                    f"{LABELS[name]} must be a whole number from {lo} to {hi}, not {value!r}"
                )
        if self.output_padding and not self.transposed:
            raise SettingsError("output padding exists only for a transposed convolution")
        if self.pool:
            if self.pool not in POOLS:
                raise SettingsError(f"pooling is max or avg, not {self.pool!r}")
            if self.transposed or self.dilation != 1:
                raise SettingsError("pooling here has no dilation and is never transposed")
            if self.padding > self.kernel // 2:
                raise SettingsError(
                    f"pool padding must be at most half the window ({self.kernel // 2} for "
                    f"f={self.kernel}), as in PyTorch: a window would see only padding"
                )
        try:
            _ = self.output_size  # the arithmetic names the culprit of an empty output
        except ValueError as exc:
            raise SettingsError(str(exc)) from None

    @property
    def output_size(self) -> int:
        if self.pool:
            return pool_output_size(self.size, self.kernel, self.stride, self.padding)
        if self.transposed:
            return conv_transpose_output_size(
                self.size,
                self.kernel,
                self.stride,
                self.padding,
                self.output_padding,
                self.dilation,
            )
        return conv_output_size(self.size, self.kernel, self.stride, self.padding, self.dilation)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.in_channels, self.size, self.size)

    @property
    def output_shape(self) -> tuple[int, int, int]:
        return (self.channels_out, self.output_size, self.output_size)

    @property
    def channels_out(self) -> int:
        """Pooling keeps the depth: one output map per input map."""
        return self.in_channels if self.pool else self.out_channels

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        """As torch stores it: a transposed layer keeps input channels first."""
        f = self.kernel
        if self.pool:  # no weights: the window's shape, one per map
            return (self.in_channels, 1, f, f)
        if self.transposed:
            return (self.in_channels, self.out_channels, f, f)
        return (self.out_channels, self.in_channels, f, f)

    @property
    def params(self) -> int:
        if self.pool:
            return 0
        return conv_params(self.in_channels, self.out_channels, self.kernel, self.bias)


POOLS = {"max": "MaxPool2d", "avg": "AvgPool2d"}


def layer_formula(st: LayerSettings) -> Formula:
    if st.pool:
        return pool_formula(st.size, st.kernel, st.stride, st.padding)
    if st.transposed:
        return transpose_formula(
            st.size, st.kernel, st.stride, st.padding, st.output_padding, st.dilation
        )
    return conv_formula(st.size, st.kernel, st.stride, st.padding, st.dilation)


def torch_line(st: LayerSettings) -> str:
    """The PyTorch line that builds exactly this layer."""
    if st.pool:
        pad = f", padding={st.padding}" if st.padding else ""
        return f"nn.{POOLS[st.pool]}(kernel_size={st.kernel}, stride={st.stride}{pad})"
    cls = "ConvTranspose2d" if st.transposed else "Conv2d"
    args = [
        str(st.in_channels),
        str(st.out_channels),
        f"kernel_size={st.kernel}",
        f"stride={st.stride}",
        f"padding={st.padding}",
    ]
    if st.transposed:
        args.append(f"output_padding={st.output_padding}")
    if st.dilation != 1:
        args.append(f"dilation={st.dilation}")
    if not st.bias:
        args.append("bias=False")
    return f"nn.{cls}({', '.join(args)})"


# --- the drawn grids and the kernel's steps ---------------------------------------------------


@dataclass(frozen=True)
class GridSpec:
    """A square grid as drawn: ``size`` cells a side, real cells in ``[start, stop)``.

    The others are padding (convolution input) or cropped away (transposed output).
    """

    size: int
    start: int
    stop: int

    def real(self, cell: Cell) -> bool:
        return all(self.start <= v < self.stop for v in cell)


def input_grid(st: LayerSettings) -> GridSpec:
    if st.transposed:  # its padding crops the output; the input is drawn as is
        return GridSpec(st.size, 0, st.size)
    return GridSpec(st.size + 2 * st.padding, st.padding, st.padding + st.size)


def output_grid(st: LayerSettings) -> GridSpec:
    if not st.transposed:
        return GridSpec(st.output_size, 0, st.output_size)
    # Everything the scatter writes, then the output: padding crops p cells off
    # the top/left and p - output_padding off the bottom/right (less than 0: grows).
    written = (st.size - 1) * st.stride + st.dilation * (st.kernel - 1) + 1
    p = st.padding
    return GridSpec(max(written, p + st.output_size), p, p + st.output_size)


@dataclass(frozen=True)
class Step:
    """One kernel placement: ``taps[k]`` multiplies ``reads[k]`` into ``writes[k]``.

    Cells are in the drawn grids' coordinates (``input_grid``, ``output_grid``).
    A convolution step writes one output cell from a window of reads; a
    transposed step reads one input cell and writes a window.
    """

    taps: tuple[Cell, ...]
    reads: tuple[Cell, ...]
    writes: tuple[Cell, ...]


def kernel_steps(st: LayerSettings) -> list[Step]:
    """Every placement in order (row by row), as ``F.conv2d`` / ``conv_transpose2d`` sum them."""
    f, s, d = st.kernel, st.stride, st.dilation
    taps = tuple((a, b) for a in range(f) for b in range(f))
    steps = []
    if st.transposed:
        for r in range(st.size):
            for c in range(st.size):
                writes = tuple((r * s + a * d, c * s + b * d) for a, b in taps)
                steps.append(Step(taps, ((r, c),) * len(taps), writes))
    else:
        m = st.output_size
        for i in range(m):
            for j in range(m):
                reads = tuple((i * s + a * d, j * s + b * d) for a, b in taps)
                steps.append(Step(taps, reads, ((i, j),) * len(taps)))
    return steps


# --- numbers: an input, the weights and the output growing step by step ----------------------


def has_values(st: LayerSettings) -> bool:
    """Small enough to carry numbers (shapes are always available)."""
    x = st.in_channels * st.size**2
    w = st.in_channels * st.out_channels * st.kernel**2
    return x + w <= VALUE_LIMIT


def random_data(st: LayerSettings, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Small integers, so every product and sum can be checked in one's head.

    Returns ``x`` (C_in, n, n) in 0..4 and ``w`` (torch's weight shape) in -1..2
    (pooling: ones, its window's shape).
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 5, st.input_shape, generator=g).float()
    if st.pool:
        return x, torch.ones(st.weight_shape)
    w = torch.randint(-1, 3, st.weight_shape, generator=g).float()
    return x, w


def random_bias(st: LayerSettings, seed: int = 0) -> Tensor | None:
    """One small integer bias per filter (None: no bias, or a layer that has none here)."""
    if st.pool or st.transposed or not st.bias:
        return None
    g = torch.Generator().manual_seed(seed + 1000)
    return torch.randint(-1, 2, (st.out_channels,), generator=g).float()


class ConvRun:
    """The layer applied one step at a time; ``out`` holds the drawn output grid's sums.

    Without ``x`` and ``w`` (a layer too large for numbers) it only counts steps.
    ``b`` (a convolution's bias, optional) is added to each output cell as it is
    written, so a finished run equals ``F.conv2d(x, w, b, ...)``; a transposed
    run leaves bias out (a scattered cell gets many writes). A pooling run takes
    the max or the mean of each window, one map at a time.
    """

    def __init__(
        self,
        st: LayerSettings,
        x: Tensor | None = None,
        w: Tensor | None = None,
        b: Tensor | None = None,
    ) -> None:
        if x is not None and (
            tuple(x.shape) != st.input_shape or w is None or tuple(w.shape) != st.weight_shape
        ):
            raise ValueError(
                f"x {tuple(x.shape)} / w {None if w is None else tuple(w.shape)} do not fit {st}"
            )
        if b is not None and (st.pool or st.transposed or tuple(b.shape) != (st.out_channels,)):
            raise ValueError(f"a bias of shape {tuple(b.shape)} does not fit {st}")
        self.settings, self.x, self.w, self.b = st, x, w, b
        self.steps = kernel_steps(st)
        self.grid = output_grid(st)
        p = 0 if st.transposed else st.padding
        # The drawn input grid, (C_in, n+2p, n+2p): padding cells are real zeros here
        # (max pooling: minus infinity, which no window ever picks, as in PyTorch)
        fill = float("-inf") if st.pool == "max" else 0.0
        self.source = None if x is None else F.pad(x, (p, p, p, p), value=fill)
        self.reset()

    def reset(self) -> None:
        size, c = self.grid.size, self.settings.channels_out
        self.out = None if self.x is None else torch.zeros(c, size, size)  # (C_out, G, G)
        self.done = 0

    @property
    def finished(self) -> bool:
        return self.done >= len(self.steps)

    def _window(self, step: Step) -> Tensor:
        """The (C_in, f, f) input cells a convolution or pooling step reads."""
        assert self.source is not None
        st = self.settings
        span, dil = st.dilation * (st.kernel - 1) + 1, st.dilation
        top, left = step.reads[0]
        return self.source[:, top : top + span : dil, left : left + span : dil]

    def advance(self) -> Step | None:
        """Apply the next step; returns it, or None when all are done."""
        if self.finished:
            return None
        step = self.steps[self.done]
        self.done += 1
        if self.out is None or self.source is None or self.w is None:
            return step
        st = self.settings
        span = st.dilation * (st.kernel - 1) + 1
        dil = st.dilation
        # One product per step (not per tap): the taps are the cells of a strided slice.
        if st.transposed:
            r, c = step.reads[0]
            top, left = step.writes[0]
            patch = torch.einsum("ioab,i->oab", self.w, self.source[:, r, c])
            self.out[:, top : top + span : dil, left : left + span : dil] += patch
            return step
        i, j = step.writes[0]
        window = self._window(step)
        if st.pool == "max":
            self.out[:, i, j] = window.amax(dim=(1, 2))
        elif st.pool == "avg":
            self.out[:, i, j] = window.mean(dim=(1, 2))
        else:
            self.out[:, i, j] += torch.einsum("oiab,iab->o", self.w, window)
            if self.b is not None:
                self.out[:, i, j] += self.b
        return step

    def run_to_end(self) -> None:
        """Every remaining step at once: one torch call instead of up to thousands of steps.

        The sums are the ones stepping gives (tests/test_playground.py checks both).
        """
        self.done = len(self.steps)
        if self.out is None or self.x is None or self.w is None:
            return
        st = self.settings
        if st.pool:  # PyTorch pads itself (max: with minus infinity)
            pool = F.max_pool2d if st.pool == "max" else F.avg_pool2d
            self.out = pool(self.x[None], st.kernel, st.stride, st.padding)[0]
        elif st.transposed:  # everything the scatter writes, before padding crops it
            full = F.conv_transpose2d(self.x[None], self.w, stride=st.stride, dilation=st.dilation)[
                0
            ]
            k = full.shape[-1]
            self.out.zero_()
            self.out[:, :k, :k] = full
        else:  # ``source`` is already padded
            assert self.source is not None
            self.out = F.conv2d(
                self.source[None], self.w, self.b, stride=st.stride, dilation=st.dilation
            )[0]

    def output(self) -> Tensor | None:
        """The layer's output so far (C_out, out, out): the real cells of the grid."""
        if self.out is None:
            return None
        g = self.grid
        return self.out[:, g.start : g.stop, g.start : g.stop]


# --- one output number taken apart -----------------------------------------------------------


@dataclass(frozen=True)
class Partial:
    """One input channel's share of a convolution output: its products and their sum."""

    channel: int
    products: tuple[tuple[float, float], ...]  # (weight, input) per kernel tap, row by row
    total: float


@dataclass(frozen=True)
class Breakdown:
    """A convolution output cell as the sum of its per-channel partial sums and the bias."""

    channel: int  # the output channel (the filter)
    cell: Cell
    partials: tuple[Partial, ...]
    bias: float
    value: float  # what the run holds for that cell

    def sum_line(self) -> str:
        parts = [number(p.total) for p in self.partials]
        if self.bias:
            parts.append(f"bias {number(self.bias)}")
        return " + ".join(parts) + f" = {number(self.value)}"


def step_breakdown(run: ConvRun, step: Step, channel: int = 0) -> Breakdown | None:
    """The numbers behind one convolution step's output cell (None: no numbers, not a conv)."""
    st = run.settings
    if run.out is None or run.w is None or st.transposed or st.pool:
        return None
    window = run._window(step)  # (C_in, f, f)
    partials = []
    for c in range(st.in_channels):
        ws, xs = run.w[channel, c].flatten().tolist(), window[c].flatten().tolist()
        products = tuple(zip(ws, xs, strict=True))
        partials.append(Partial(c, products, float(sum(a * b for a, b in products))))
    bias = float(run.b[channel]) if run.b is not None else 0.0
    i, j = step.writes[0]
    return Breakdown(channel, (i, j), tuple(partials), bias, float(run.out[channel, i, j]))


def pool_winner(run: ConvRun, step: Step, channel: int = 0) -> Cell | None:
    """The input cell (drawn-grid coordinates) a max-pooling step took; the first on ties."""
    if run.source is None or run.settings.pool != "max":
        return None
    values = [float(run.source[channel, r, c]) for r, c in step.reads]
    return step.reads[values.index(max(values))]


def describe_step(run: ConvRun, step: Step, channel: int = 0) -> str:
    """What ``step`` computed, with every product when they are few (one line per channel)."""
    st = run.settings
    numbers = run.out is not None
    if st.pool:
        return _describe_pool(run, step, channel)
    if st.transposed:
        r, c = step.reads[0]
        rows = sorted({w[0] - st.padding for w in step.writes})
        cols = sorted({w[1] - st.padding for w in step.writes})
        where = f"output rows {rows[0]}..{rows[-1]}, columns {cols[0]}..{cols[-1]}"
        if min(rows + cols) < 0 or max(rows + cols) >= st.output_size:
            where += f" (outside 0..{st.output_size - 1}: cropped)"
        if not numbers or st.in_channels != 1 or run.x is None:
            return f"input cell ({r},{c}) times the kernel is added to {where}"
        v = number(float(run.x[0, r, c]))
        return f"input ({r},{c}) = {v}: {v} x kernel is added to {where}"
    i, j = step.writes[0]
    top, left = step.reads[0]
    span = st.dilation * (st.kernel - 1)
    where = f"rows {top}..{top + span}, columns {left}..{left + span} of the padded input"
    b = step_breakdown(run, step, channel)
    if b is None or st.kernel > 5:
        return f"output ({i},{j}) = sum of kernel x input over {where}"
    name = f"out[{channel}][{i},{j}]"
    if st.in_channels == 1 and not b.bias:
        terms = " + ".join(f"{number(w)}·{number(x)}" for w, x in b.partials[0].products)
        return f"{name} = {terms} = {number(b.value)}"
    shown = b.partials[:MAX_LINES]
    lines = [
        f"  channel {p.channel}: "
        + " + ".join(f"{number(w)}·{number(x)}" for w, x in p.products)
        + f" = {number(p.total)}"
        for p in shown
    ]
    if len(b.partials) > len(shown):
        lines.append(f"  ... and {len(b.partials) - len(shown)} more channels")
    return "\n".join([f"{name} over {where}:", *lines, f"{name} = {b.sum_line()}"])


MAX_LINES = 4  # per-channel lines a step's description shows before it says "and n more"


def _describe_pool(run: ConvRun, step: Step, channel: int) -> str:
    st = run.settings
    i, j = step.writes[0]
    top, left = step.reads[0]
    where = f"rows {top}..{top + st.kernel - 1}, columns {left}..{left + st.kernel - 1}"
    if run.source is None or run.out is None:
        return f"output ({i},{j}) = {st.pool} of the window at {where}"
    values = [number(float(run.source[channel, r, c])).replace("-inf", "−∞") for r, c in step.reads]
    v = number(float(run.out[channel, i, j]))
    if st.pool == "max":
        return f"out[{channel}][{i},{j}] = max({', '.join(values)}) = {v}   ({where})"
    return f"out[{channel}][{i},{j}] = ({' + '.join(values)}) / {st.kernel**2} = {v}   ({where})"
