"""The playground's drawing: input grid (with padding), kernel, output grid, and the steps.

A grid is two background rectangles (padding or cropped cells, real cells),
its lines and, when the numbers fit, one text per cell. Colour is added only
where it is needed: a cell the kernel has written gets its own rectangle,
made the first time, and a finished layer is one rectangle. So a 66x66 grid
draws in a few ms, and a step touches only the few items it changes.
"""

from __future__ import annotations

import functools
import tkinter as tk
from dataclasses import dataclass, field

from ...core.conv.formulas import number
from ...core.conv.playground import (
    ConvRun,
    GridSpec,
    LayerSettings,
    Step,
    input_grid,
    output_grid,
    pool_winner,
)
from ...core.pictures.layer import shown_slices
from ..common.scaling import current, px

MAX_CELL = 38  # px: a 5x5 input stays compact enough to see all three grids at once
MIN_TEXT_CELL = 18  # px: below this a number no longer fits in its cell
MIN_LINE_CELL = 5  # px: below this grid lines would paint the grid grey
DRAW_LIMIT = 72  # cells a side: beyond, a cell is under 3 px and says nothing
GAP = 36  # px between the grids
MAX_WINNERS = 600  # max-pool windows whose winner stays outlined (a 24x24 map has 144)
WINNER = "#c0392b"
TOP = 34  # px for the titles
COLOURS = {
    "cell": "white",
    "pad": "#e2e2e2",
    "done": "#cfe3f7",
    "now": "#ffd27f",
    "grid": "#9a9a9a",
    "window": "#e0700f",
    "title": "#222",
    "muted": "#777",
    "kernel": "#f3ead7",
}
Cell = tuple[int, int]


def _key(kind: str, k: int) -> str:
    """Grid keys: "in", "kernel" for the first slice shown, "in1", "kernel1", ... after."""
    return kind if k == 0 else f"{kind}{k}"


def cell_text(v: float) -> str:
    return "−∞" if v == float("-inf") else number(v)


@dataclass
class Cells:
    """The canvas items of one drawn grid; ``fills`` are the coloured cells."""

    spec: GridSpec
    x0: int
    y0: int
    cell: int
    lines: int = 0  # the first line item: fills go just below it, above the background
    texts: dict[Cell, int] = field(default_factory=dict)
    fills: dict[Cell | str, int] = field(default_factory=dict)

    def box(self, r: int, c: int) -> tuple[int, int, int, int]:
        x, y = self.x0 + c * self.cell, self.y0 + r * self.cell
        return x, y, x + self.cell, y + self.cell


class ConvCanvas(tk.Canvas):
    """``show(settings, run, channel)`` draws a layer; ``step(...)`` shows the latest step."""

    def __init__(self, master: tk.Misc, **kw) -> None:
        kw.setdefault("background", "#fbfbfb")
        super().__init__(master, highlightthickness=0, **kw)
        self.grids: dict[str, Cells] = {}
        self.markers: list[int] = []  # orange outlines: the kernel's current cells
        self.window = 0  # an orange outline around the kernel's whole window
        self.windows: list[int] = []  # the same outline on every input slice shown
        self.winners: list[int] = []  # red outlines: the cell each max-pool window took
        self.slices: list[int] = [0]  # the input channels drawn
        self.now: list[Cell] = []  # output cells coloured "now"
        self.message = ""  # why nothing is drawn, when nothing is
        self.size_drawn = (0, 0)

    @property
    def width(self) -> int:
        w = self.winfo_width()
        return w if w > 1 else int(self.cget("width"))

    @property
    def height(self) -> int:
        h = self.winfo_height()
        return h if h > 1 else int(self.cget("height"))

    # --- building -------------------------------------------------------------------------
    def show(
        self,
        st: LayerSettings,
        run: ConvRun,
        channel: int,
        first_slice: int = 0,
        one_slice: bool = False,
    ) -> None:
        self.delete("all")
        self.grids, self.markers, self.now, self.windows, self.winners = {}, [], [], [], []
        self.settings, self.run, self.channel = st, run, channel
        # A transposed layer scatters one cell of every input slice at once: numbers only
        # for one slice. A convolution shows its slices side by side, a pooling its map.
        self.numbers = run.out is not None and (st.in_channels == 1 or not st.transposed)
        if st.pool:
            self.slices = [channel]
        elif self.numbers and not st.transposed:
            self.slices = list(shown_slices(st, first_slice))[: 1 if one_slice else None]
        else:
            self.slices = [0]
        self.size_drawn = (self.width, self.height)
        gin, gout = input_grid(st), output_grid(st)
        if max(gin.size, gout.size) > DRAW_LIMIT:
            self.message = (
                f"Grids of more than {DRAW_LIMIT} cells a side are not drawn; "
                "the shapes, formula and PyTorch line below still hold."
            )
            self.create_text(
                12,
                12,
                anchor="nw",
                text=self.message,
                fill=COLOURS["muted"],
                width=max(200, self.width - 24),
            )
            return
        self.message = ""
        specs = self._specs(st, gin, gout)
        titles = {
            k: self.create_text(
                0, 0, anchor="nw", text=t, fill=COLOURS["title"], font=("TkDefaultFont", 10)
            )
            for k, t in self._title_texts(st).items()
        }
        title_w = {k: self.bbox(item)[2] - self.bbox(item)[0] for k, item in titles.items()}
        places = self._place(specs, title_w)
        bare = self._place(specs, dict.fromkeys(title_w, 0))["cell"]
        if places["cell"] < bare // 2:  # the titles alone crowd the grids: wrap each to its grid
            for k, item in titles.items():
                self.itemconfigure(item, width=max(specs[k].size * bare, px(40)))
            title_w = {k: self.bbox(item)[2] - self.bbox(item)[0] for k, item in titles.items()}
            places = self._place(specs, title_w)
        if len(self.slices) > 1 and places["cell"] < px(MIN_TEXT_CELL):
            # side by side the numbers would not fit: one slice at a time, picked on the left
            self.show(st, run, channel, first_slice, one_slice=True)
            return
        values = {"out": lambda r, c: None, "bias": self._bias}
        for i, c in enumerate(self.slices):
            values[_key("in", i)] = functools.partial(self._input_value, c)
            values[_key("kernel", i)] = functools.partial(self._weight, c)
        cell = places["cell"]
        for key, spec in specs.items():
            x, y = places[key]
            self.grids[key] = self._grid(spec, x, y, cell, values.get(key), key.startswith("k"))
            self.coords(titles[key], x, y - px(TOP) + px(6))
        self._note()
        # One outline per kernel tap where cells are large enough to tell them apart,
        # and always one around the whole (dilated) window, on every slice shown
        for _ in range(st.kernel**2 if cell >= 8 else 0):
            self.markers.append(
                self.create_rectangle(-10, -10, -10, -10, width=px(3), outline=COLOURS["window"])
            )
        for _ in self.slices if not st.transposed else [0]:
            self.windows.append(
                self.create_rectangle(
                    -10,
                    -10,
                    -10,
                    -10,
                    width=px(2),
                    outline=COLOURS["window"],
                    dash=(5, 3) if st.dilation > 1 else "",
                )
            )
        self.window = self.windows[0]
        self.refresh_output()

    def _specs(self, st: LayerSettings, gin: GridSpec, gout: GridSpec) -> dict[str, GridSpec]:
        specs = {_key("in", k): gin for k in range(len(self.slices))}
        if not st.pool:
            specs.update(
                {
                    _key("kernel", k): GridSpec(st.kernel, 0, st.kernel)
                    for k in range(len(self.slices))
                }
            )
        if self.run.b is not None and self.numbers:
            specs["bias"] = GridSpec(1, 0, 1)
        specs["out"] = gout
        return specs

    def _place(self, specs: dict[str, GridSpec], title_w: dict[str, int]) -> dict:
        """Where each grid goes and the cell size: one row, or (several slices) two rows,
        the filter's slices under the input slices they multiply."""
        gap, top = px(GAP), px(TOP)
        n = len(self.slices)
        k = next((s.size for key, s in specs.items() if key.startswith("kernel")), 0)
        rows = 2 if n > 1 else 1

        def cols(cell: int) -> list[tuple[str, int]]:
            if rows == 1:
                return [(key, max(s.size * cell, title_w[key])) for key, s in specs.items()]
            ins = [
                (
                    _key("in", i),
                    max(
                        specs[_key("in", i)].size * cell,
                        title_w[_key("in", i)],
                        title_w[_key("kernel", i)],
                    ),
                )
                for i in range(n)
            ]
            return [*ins, ("out", max(specs["out"].size * cell, title_w["out"]))]

        tallest = max(s.size for s in specs.values())
        high = tallest if rows == 1 else specs[_key("in", 0)].size + k
        cell = min(px(MAX_CELL), (self.height - rows * top - px(12) - 8) // max(1, high))
        while cell > 2 and sum(w for _, w in cols(cell)) + (len(cols(cell)) + 1) * gap > self.width:
            cell -= 1
        places: dict = {"cell": cell}
        x = gap // 2
        first = top + (px(12) if rows == 2 else 0)  # room for the note above the titles
        for key, w in cols(cell):
            places[key] = (x, first)
            x += w + gap
        if rows == 2:
            y2 = first + specs[_key("in", 0)].size * cell + top
            for i in range(n):
                places[_key("kernel", i)] = (places[_key("in", i)][0], y2)
            if "bias" in specs:
                last = places[_key("kernel", n - 1)][0] + k * cell + gap
                places["bias"] = (max(last, places["out"][0]), y2)
        elif "bias" in specs:  # one row: the bias sits under the kernel
            kx, _ = places["kernel"]
            places["bias"] = (kx, top + k * cell + top + px(4))
            # the output keeps its column
        return places

    def _grid(self, spec: GridSpec, x0: int, top: int, cell: int, value, kernel: bool) -> Cells:
        g = Cells(spec, x0, top, cell)
        end = spec.size * cell
        real = (
            x0 + spec.start * cell,
            top + spec.start * cell,
            x0 + spec.stop * cell,
            top + spec.stop * cell,
        )
        self.create_rectangle(x0, top, x0 + end, top + end, outline="", fill=COLOURS["pad"])
        self.create_rectangle(
            *real, outline="", fill=COLOURS["kernel"] if kernel else COLOURS["cell"]
        )
        if cell >= MIN_LINE_CELL:
            for i in range(spec.size + 1):
                item = self.create_line(
                    x0, top + i * cell, x0 + end, top + i * cell, fill=COLOURS["grid"]
                )
                g.lines = g.lines or item
                self.create_line(x0 + i * cell, top, x0 + i * cell, top + end, fill=COLOURS["grid"])
        else:  # cells too small for lines: one frame around the grid
            g.lines = self.create_rectangle(
                x0 - 1, top - 1, x0 + end, top + end, outline=COLOURS["grid"]
            )
        if self.numbers and value is not None and cell >= px(MIN_TEXT_CELL):
            font = ("TkDefaultFont", max(7, min(11, round(cell / current().factor) // 3)))
            for r in range(spec.size):
                for c in range(spec.size):
                    v = value(r, c)
                    g.texts[(r, c)] = self.create_text(
                        x0 + (c + 0.5) * cell,
                        top + (r + 0.5) * cell,
                        font=font,
                        text="" if v is None else cell_text(v),
                        fill=COLOURS["title"] if spec.real((r, c)) else COLOURS["muted"],
                    )
        return g

    def _input_value(self, c: int, r: int, col: int) -> float:
        assert self.run.source is not None  # numbers are shown only for a run with an input
        return float(self.run.source[c, r, col])

    def _weight(self, c: int, a: int, b: int) -> float | None:
        w, k = self.run.w, self.channel
        assert w is not None  # numbers are shown only for a run with weights
        return float(w[c, k, a, b] if self.settings.transposed else w[k, c, a, b])

    def _bias(self, r: int, c: int) -> float | None:
        b = self.run.b
        return None if b is None else float(b[self.channel])

    def _title_texts(self, st: LayerSettings) -> dict[str, str]:
        c_in, n = st.in_channels, st.size
        c_out, m = st.channels_out, st.output_size
        pad = f", padding {st.padding} (grey)" if st.padding and not st.transposed else ""
        titles: dict[str, str] = {}
        for k, c in enumerate(self.slices):
            if len(self.slices) > 1:  # short: three of them share the width
                titles[_key("in", k)] = f"input slice {c}"
            elif c_in > 1 and self.numbers:
                titles[_key("in", k)] = f"input slice {c} of {c_in}" + pad
            else:
                titles[_key("in", k)] = f"input {c_in}x{n}x{n}" + pad
            if not st.pool:
                kernel = f"kernel {st.kernel}x{st.kernel}"
                if st.dilation > 1:
                    kernel += f", dilation {st.dilation}"
                if self.numbers and (c_out > 1 or c_in > 1):
                    kernel = (
                        f"W{self.channel} slice {c}"
                        if c_in > 1 and not st.transposed
                        else kernel + (f", for channel {self.channel}" if c_out > 1 else "")
                    )
                titles[_key("kernel", k)] = kernel
        if self.run.b is not None and self.numbers:
            titles["bias"] = f"bias b{self.channel}"
        if st.transposed:
            t_out = f"output {c_out}x{m}x{m}" + (
                " (grey: cropped)" if output_grid(st).size != m else ""
            )
        else:
            what = f"{st.pool} pool" if st.pool else "output"
            t_out = f"{what} {c_out}x{m}x{m}"
        if c_out > 1 and self.numbers:
            t_out += f", channel {self.channel}"
        titles["out"] = t_out
        return titles

    def _note(self) -> None:
        st = self.settings
        if self.numbers:
            shown = self.slices
            pad = f"padding {st.padding} in grey; " if st.padding and len(shown) > 1 else ""
            if not st.pool and len(shown) < st.in_channels:
                note = (
                    f"{pad}input slices {shown[0]}..{shown[-1]} of 0..{st.in_channels - 1} are "
                    "shown; pick others with 'First input slice'"
                )
            elif len(shown) > 1:
                note = (
                    f"{pad}all {len(shown)} input slices, each under its own slice of filter "
                    f"W{self.channel}: one output number adds their {len(shown)} partial sums"
                    + (" and the bias" if self.run.b is not None else "")
                )
            elif st.pool and st.in_channels > 1:
                note = f"map {self.channel} of {st.in_channels}: each map is pooled on its own"
            else:
                return
        elif self.run.out is not None:
            note = "a transposed layer with several input slices: shapes only, no numbers"
        else:
            note = "too many weights to show numbers"
        self.create_text(
            self.grids[_key("in", 0)].x0,
            px(23) if len(self.slices) == 1 else 2,
            anchor="nw",
            text=note,
            fill=COLOURS["muted"],
            font=("TkDefaultFont", 8),
        )

    # --- colouring cells ------------------------------------------------------------------
    def _paint(
        self,
        g: Cells,
        cell: Cell | str,
        colour: str | None,
        box: tuple[int, int, int, int] | None = None,
    ) -> None:
        """Give ``cell`` its own colour (None: back to the background)."""
        item = g.fills.get(cell)
        if colour is None:
            if item is not None:
                self.delete(item)
                del g.fills[cell]
        elif item is not None:
            self.itemconfigure(item, fill=colour)
        else:
            item = g.fills[cell] = self.create_rectangle(
                *(box or g.box(*cell)), outline="", fill=colour
            )
            self.tag_lower(item, g.lines)  # under the lines and numbers

    def _clear(self, g: Cells) -> None:
        for item in g.fills.values():
            self.delete(item)
        g.fills.clear()

    def _written(self) -> set[Cell]:
        cells: set[Cell] = set()
        for s in self.run.steps[: self.run.done]:
            cells.update(s.writes)
        return cells

    def refresh_output(self) -> None:
        """Colour and number every cell from the run (after reset, end, channel change)."""
        if "out" not in self.grids:
            return
        run, g, gin = self.run, self.grids["out"], self.grids["in"]
        self._clear(g)
        self._clear(gin)
        st = self.settings
        if run.finished:  # everything written: one rectangle, however large the grid
            spec = g.spec
            last = min(
                spec.stop,
                (st.size - 1) * st.stride + st.dilation * (st.kernel - 1) + 1
                if st.transposed
                else spec.stop,
            )
            if last > spec.start:
                top, end = g.box(spec.start, spec.start), g.box(last - 1, last - 1)
                self._paint(g, "all", COLOURS["done"], (top[0], top[1], end[2], end[3]))
            written = {(r, c) for r in range(last) for c in range(last)} if g.texts else set()
            if st.transposed:
                n = gin.spec.size
                self._paint(
                    gin, "all", COLOURS["done"], (*gin.box(0, 0)[:2], *gin.box(n - 1, n - 1)[2:])
                )
        else:
            written = self._written()
            for cell in written:
                if g.spec.real(cell):
                    self._paint(g, cell, COLOURS["done"])
            if st.transposed:
                for s in run.steps[: run.done]:
                    self._paint(gin, s.reads[0], COLOURS["done"])
        for cell in g.texts:
            self._set_text(cell, written)
        self.now = []
        for m in [*self.markers, *self.windows]:
            self.coords(m, -10, -10, -10, -10)
        for item in self.winners:
            self.delete(item)
        self.winners = []
        if st.pool == "max":  # every window done so far shows the cell it took
            for s in run.steps[: max(0, run.done - 1)][-MAX_WINNERS:]:
                self._mark_winner(s)
        if run.done:
            self.step(run.steps[run.done - 1])

    def _mark_winner(self, step: Step) -> None:
        cell = pool_winner(self.run, step, self.channel)
        gin = self.grids["in"]
        if cell is None or gin.cell < 6:
            return
        x0, y0, x1, y1 = gin.box(*cell)
        inset = max(2, gin.cell // 8)
        self.winners.append(
            self.create_rectangle(
                x0 + inset, y0 + inset, x1 - inset, y1 - inset, outline=WINNER, width=px(2)
            )
        )

    def _set_text(self, cell: Cell, written) -> None:
        item = self.grids["out"].texts.get(cell)
        if item is not None:
            assert self.run.out is not None  # texts exist only when the run has numbers
            v = float(self.run.out[self.channel, cell[0], cell[1]])
            self.itemconfigure(item, text=cell_text(v) if cell in written else "")

    def step(self, step: Step) -> None:
        """Show ``step`` (already applied to the run) as the current one."""
        if "out" not in self.grids:
            return
        g, gin = self.grids["out"], self.grids["in"]
        for cell in self.now:
            self._paint(g, cell, COLOURS["done"] if g.spec.real(cell) else None)
        self.now = list(dict.fromkeys(step.writes))
        for cell in self.now:
            self._paint(g, cell, COLOURS["now"])
            self._set_text(cell, self.now)
        # The outlines go where the kernel sits: on the input for a convolution, on
        # the output for a transposed one (it scatters one input cell there).
        where = g if self.settings.transposed else gin
        cells = step.writes if self.settings.transposed else step.reads
        for marker, cell in zip(self.markers, cells, strict=False):
            self.coords(marker, *where.box(*cell))
        spots = (
            [where]
            if self.settings.transposed
            else [self.grids[_key("in", k)] for k in range(len(self.windows))]
        )
        for window, grid in zip(self.windows, spots, strict=False):
            top = grid.box(min(r for r, _ in cells), min(c for _, c in cells))
            bottom = grid.box(max(r for r, _ in cells), max(c for _, c in cells))
            self.coords(window, top[0], top[1], bottom[2], bottom[3])
        if self.settings.pool == "max":
            self._mark_winner(step)
        if self.settings.transposed:
            if self.run.done > 1:  # the input cell of the step before is done
                prev = self.run.steps[self.run.done - 2].reads[0]
                self._paint(gin, prev, COLOURS["done"])
            self._paint(gin, step.reads[0], COLOURS["now"])
