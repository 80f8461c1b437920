"""The Build tab's table of the chapter's arithmetic, one row per layer, and its message line.

Rows are updated in place (only the cells that changed are set), so redoing the
whole table on every key press stays a few milliseconds for a 20-layer spec.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Literal

from ...core.spec.arith import SpecArith
from ...core.spec.table import COLUMNS, table_rows
from ..common import present
from ..common.panel import PAD
from ..common.scaling import px

ERROR_COLOUR = "#b00020"
WARN_COLOUR = "#9a5b00"
WIDTHS = {
    "layer": 88,
    "type": 70,
    "output": 80,
    "how": 270,
    "params": 86,
    "params formula": 150,
    "mult-adds": 90,
    "memory": 70,
    "receptive field": 110,
    "note": 200,
}
RIGHT = {"params", "mult-adds", "memory"}
FIT = ("type", "output", "how", "params formula", "receptive field")  # widen to the longest text
# Presentation mode shows the chapter's two calculations (output size, parameters) only:
# the whole table is wider than a projector's screen at a size the room can read
PRESENTED = ("output", "how", "params", "params formula")


class ArithTable(ttk.Frame):
    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master)
        self.cells: list[tuple[str, ...]] = []  # what the rows show now, for tests
        self.text_widths: dict[str, int] = {}  # a cell's text -> its width in pixels
        self.fitted: dict[str, int] = {}  # column -> the width it was last given
        self.measured_at: tuple[object, ...] = ()  # the font size and scaling of text_widths
        self.heading_widths: dict[str, int] = {}  # column -> its title's width, in pixels
        self.create_widgets()

    def create_widgets(self) -> None:
        cols = COLUMNS[1:]
        self.tree = ttk.Treeview(self, columns=cols, selectmode="none", name="arith")
        for i, col in enumerate(COLUMNS):
            cid = "#0" if i == 0 else col
            anchor: Literal["e", "w"] = "e" if col in RIGHT else "w"
            self.tree.heading(cid, text=col, anchor=anchor)
            self.tree.column(
                cid, width=px(WIDTHS[col]), anchor=anchor, stretch=col == "note", minwidth=px(40)
            )
        self.tree.tag_configure("error", foreground=ERROR_COLOUR)
        self.tree.tag_configure("total", font="TkHeadingFont")
        yscroll = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview)
        xscroll = ttk.Scrollbar(self, orient="horizontal", command=self.tree.xview)
        self.tree.configure(yscrollcommand=yscroll.set, xscrollcommand=xscroll.set)
        self.tree.grid(row=0, column=0, sticky="nsew")
        yscroll.grid(row=0, column=1, sticky="ns")
        xscroll.grid(row=1, column=0, sticky="ew")
        # A fixed box of four lines: a message that changes length on every key press
        # must not make Tk lay the whole tab out again (that cost more than the rest).
        lines = tkfont.nametofont("TkDefaultFont").metrics("linespace")  # grows with the dpi
        box = ttk.Frame(self, height=4 * lines + 4)
        box.grid(row=2, column=0, columnspan=2, sticky="ew", pady=(PAD, 0))
        box.grid_propagate(False)
        box.pack_propagate(False)
        self.message = ttk.Label(
            box, text="", wraplength=640, justify="left", anchor="nw", name="message"
        )
        self.message.pack(fill="both", expand=True)
        # The box's size is fixed, so wrapping to its width cannot feed back into it.
        box.bind("<Configure>", lambda e: self.message.configure(wraplength=max(200, e.width - 4)))
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)
        present.on_present(self, self.present)

    def present(self, on: bool) -> None:
        """F11: the main columns only; every column again after it."""
        self.tree.configure(displaycolumns=PRESENTED if on else "#all")

    def show(self, arith: SpecArith) -> None:
        rows = table_rows(arith)
        ids = list(self.tree.get_children())
        for iid in ids[len(rows) :]:
            self.tree.delete(iid)
        for i, cells in enumerate(rows):
            tags = (
                ("total",)
                if i == len(rows) - 1
                else ("error",)
                if i and arith.rows[i - 1].error
                else ()
            )
            if i < len(ids):
                old = self.cells[i] if i < len(self.cells) else ()
                if old != cells:
                    self._update_row(ids[i], old, cells, tags)
            else:
                self.tree.insert("", "end", text=cells[0], values=cells[1:], tags=tags)
        self.cells = rows
        self.fit_columns(rows)
        if arith.error:
            self.say(f"Cannot build: {arith.error}", ERROR_COLOUR)
        elif arith.too_big:
            self.say(f"Too big for a desktop: {arith.too_big}. Training asks first.", WARN_COLOUR)
        else:
            self.say(
                f"{arith.total_params:,} parameters, {arith.total_macs:,} multiply-adds "
                f"per image; output {'x'.join(map(str, arith.output_shape)) or '-'}.",
                "",
            )

    def fit_columns(self, rows: list[tuple[str, ...]]) -> None:
        """Each formula column as wide as its longest text (never below its usual width), so
        "10*3*3*3 + 10 = 280" is never cut to "= 28"; measured in the table's font, so it
        follows the zoom."""
        font = tkfont.nametofont("TkDefaultFont")
        scale = (font.actual("size"), self.tk.call("tk", "scaling"))
        if scale != self.measured_at:  # the zoom changed: every width with it
            heading = tkfont.nametofont("TkHeadingFont")  # bold: "receptive field" is wider
            self.measured_at, self.text_widths = scale, {}
            self.heading_widths = {col: heading.measure(col) for col in COLUMNS}
        pad = px(16)
        for i, col in enumerate(COLUMNS):
            cells = (self._measure(font, c[i]) for c in rows) if col in FIT else ()
            need = max([self.heading_widths[col], *cells]) + pad
            width = max(px(WIDTHS[col]), need)
            if self.fitted.get(col) != width:
                self.fitted[col] = width
                cid = "#0" if i == 0 else col
                self.tree.column(cid, width=width, minwidth=width)

    def _measure(self, font: tkfont.Font, text: str) -> int:
        if text not in self.text_widths:
            if len(self.text_widths) > 4096:  # a long session of edits: start again
                self.text_widths.clear()
            self.text_widths[text] = font.measure(text)
        return self.text_widths[text]

    def _update_row(
        self, iid: str, old: tuple[str, ...], cells: tuple[str, ...], tags: tuple[str, ...]
    ) -> None:
        """Only the cells that changed: each set is a redraw Tk has to schedule."""
        if len(old) != len(cells):
            self.tree.item(iid, text=cells[0], values=cells[1:], tags=tags)
            return
        if old[0] != cells[0]:
            self.tree.item(iid, text=cells[0])
        for col, before, now in zip(COLUMNS[1:], old[1:], cells[1:], strict=True):
            if before != now:
                self.tree.set(iid, col, now)
        if tuple(self.tree.item(iid, "tags") or ()) != tags:
            self.tree.item(iid, tags=tags)

    def say(self, text: str, colour: str) -> None:
        """The message line: an error in red, a warning in amber, a summary in the default."""
        self.message.configure(text=text, foreground=colour)
