"""The playground's drawing: input grid (with padding), kernel, output grid, and the steps.

A grid is two background rectangles (padding or cropped cells, real cells),
its lines and, when the numbers fit, one text per cell. Colour is added only
where it is needed: a cell the kernel has written gets its own rectangle,
made the first time, and a finished layer is one rectangle. So a 66x66 grid
draws in a few ms, and a step touches only the few items it changes.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass, field

from ...core.conv.formulas import number
from ...core.conv.playground import ConvRun, GridSpec, LayerSettings, Step, input_grid, output_grid
from ..common.scaling import current, px

MAX_CELL = 38  # px: a 5x5 input stays compact enough to see all three grids at once
MIN_TEXT_CELL = 18  # px: below this a number no longer fits in its cell
MIN_LINE_CELL = 5  # px: below this grid lines would paint the grid grey
DRAW_LIMIT = 72  # cells a side: beyond, a cell is under 3 px and says nothing
GAP = 36  # px between the grids
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
    def show(self, st: LayerSettings, run: ConvRun, channel: int) -> None:
        self.delete("all")
        self.grids, self.markers, self.now = {}, [], []
        self.settings, self.run, self.channel = st, run, channel
        self.numbers = run.out is not None and st.in_channels == 1
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
        specs = {"in": gin, "kernel": GridSpec(st.kernel, 0, st.kernel), "out": gout}
        titles = {
            k: self.create_text(
                0, px(6), anchor="nw", text=t, fill=COLOURS["title"], font=("TkDefaultFont", 10)
            )
            for k, t in self._title_texts(st).items()
        }
        title_w = {k: self.bbox(item)[2] - self.bbox(item)[0] for k, item in titles.items()}
        # As large as fits, titles included: a title wider than its grid widens its column
        cell = min(px(MAX_CELL), (self.height - px(TOP) - 8) // max(s.size for s in specs.values()))
        while (
            cell > 2
            and sum(max(specs[k].size * cell, title_w[k]) for k in specs) + 3 * px(GAP) > self.width
        ):
            cell -= 1
        if cell <= 2:  # the titles alone are wider than the canvas: wrap each to its grid
            room = (self.width - 3 * px(GAP)) // sum(s.size for s in specs.values())
            cell = max(2, min(px(MAX_CELL), room))
            for k, item in titles.items():
                title_w[k] = max(specs[k].size * cell, px(40))
                self.itemconfigure(item, width=title_w[k])
        x = px(GAP) // 2
        values = {"in": self._input_value, "kernel": self._weight, "out": lambda r, c: None}
        for key, spec in specs.items():
            self.grids[key] = self._grid(spec, x, cell, values[key], key == "kernel")
            self.coords(titles[key], x, px(6))
            x += max(spec.size * cell, title_w[key]) + px(GAP)
        self._note()
        # One outline per kernel tap where cells are large enough to tell them apart,
        # and always one around the whole (dilated) window
        for _ in range(st.kernel**2 if cell >= 8 else 0):
            self.markers.append(
                self.create_rectangle(-10, -10, -10, -10, width=px(3), outline=COLOURS["window"])
            )
        self.window = self.create_rectangle(
            -10,
            -10,
            -10,
            -10,
            width=px(2),
            outline=COLOURS["window"],
            dash=(5, 3) if st.dilation > 1 else "",
        )
        self.refresh_output()

    def _grid(self, spec: GridSpec, x0: int, cell: int, value, kernel: bool) -> Cells:
        top = px(TOP)
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
        if self.numbers and cell >= px(MIN_TEXT_CELL):
            font = ("TkDefaultFont", max(7, min(11, round(cell / current().factor) // 3)))
            for r in range(spec.size):
                for c in range(spec.size):
                    v = value(r, c)
                    g.texts[(r, c)] = self.create_text(
                        x0 + (c + 0.5) * cell,
                        top + (r + 0.5) * cell,
                        font=font,
                        text="" if v is None else number(v),
                        fill=COLOURS["title"] if spec.real((r, c)) else COLOURS["muted"],
                    )
        return g

    def _input_value(self, r: int, c: int) -> float:
        return float(self.run.source[0, r, c])

    def _weight(self, a: int, b: int) -> float | None:
        w, k = self.run.w, self.channel
        return float(w[0, k, a, b] if self.settings.transposed else w[k, 0, a, b])

    def _title_texts(self, st: LayerSettings) -> dict[str, str]:
        c_in, n = st.in_channels, st.size
        c_out, m = st.out_channels, st.output_size
        if st.transposed:
            t_in = f"input {c_in}x{n}x{n}"
            t_out = f"output {c_out}x{m}x{m}" + (
                " (grey: cropped)" if output_grid(st).size != m else ""
            )
        else:
            t_in = f"input {c_in}x{n}x{n}" + (
                f", padding {st.padding} (grey)" if st.padding else ""
            )
            t_out = f"output {c_out}x{m}x{m}"
        kernel = f"kernel {st.kernel}x{st.kernel}"
        if st.dilation > 1:
            kernel += f", dilation {st.dilation}"
        if c_out > 1 and self.numbers:
            t_out += f", channel {self.channel}"
            kernel += f", for channel {self.channel}"
        return {"in": t_in, "kernel": kernel, "out": t_out}

    def _note(self) -> None:
        if self.numbers:
            return
        note = (
            "numbers are shown for one input channel"
            if self.run.out is not None
            else "too many weights to show numbers"
        )
        self.create_text(
            self.grids["in"].x0,
            px(21),
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
        for m in [*self.markers, self.window]:
            self.coords(m, -10, -10, -10, -10)
        if run.done:
            self.step(run.steps[run.done - 1])

    def _set_text(self, cell: Cell, written) -> None:
        item = self.grids["out"].texts.get(cell)
        if item is not None:
            v = float(self.run.out[self.channel, cell[0], cell[1]])
            self.itemconfigure(item, text=number(v) if cell in written else "")

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
        top = where.box(min(r for r, _ in cells), min(c for _, c in cells))
        bottom = where.box(max(r for r, _ in cells), max(c for _, c in cells))
        self.coords(self.window, top[0], top[1], bottom[2], bottom[3])
        if self.settings.transposed:
            if self.run.done > 1:  # the input cell of the step before is done
                prev = self.run.steps[self.run.done - 2].reads[0]
                self._paint(gin, prev, COLOURS["done"])
            self._paint(gin, step.reads[0], COLOURS["now"])
