"""A notebook's tab titles as a bar that wraps into rows, so every title stays whole at any zoom.

A ttk.Notebook squeezes its tabs into one row and clips their titles when the
row does not fit (at 175% beside the docked guide "Draw" became "Dra"). The
notebook keeps its pages, selection, Ctrl+Tab and Alt+letter; its own tabs are
hidden (``TABLESS``), and this bar shows one toggle button per page above it,
flowing into a second row where the width runs out.
"""

from __future__ import annotations

import functools
import tkinter as tk
from tkinter import ttk

TABLESS = "Tabless.TNotebook"  # a notebook style whose tab row is empty
TAB = "Tab.Toolbutton"  # the style of the bar's buttons (sizes set in widgets.pixel_styles)


def hide_tabs(style: ttk.Style) -> None:
    style.layout(f"{TABLESS}.Tab", [])


class TabBar(ttk.Frame):
    """One button per page of ``notebook``, in as many rows as its width needs."""

    def __init__(self, master: tk.Misc, notebook: ttk.Notebook, **kw) -> None:
        super().__init__(master, **kw)
        self.notebook = notebook
        self.current = tk.StringVar(self, value=notebook.select())
        self.buttons: list[ttk.Radiobutton] = []
        self.rows: list[list[int]] = []  # the last layout: button indexes per row
        self.pending = False
        for page in notebook.tabs():
            b = ttk.Radiobutton(
                self,
                text=notebook.tab(page, "text"),
                underline=int(notebook.tab(page, "underline")),
                value=str(page),
                variable=self.current,
                style=TAB,
                takefocus=False,
                command=functools.partial(notebook.select, str(page)),
            )
            b.bind("<Configure>", lambda e: self.reflow_soon(), add="+")  # a zoom's new fonts
            self.buttons.append(b)
        notebook.bind("<<NotebookTabChanged>>", lambda e: self.sync(), add="+")
        self.bind("<Configure>", lambda e: self.reflow_soon())
        self.reflow()

    def sync(self) -> None:
        self.current.set(self.notebook.select())

    def reflow_soon(self) -> None:
        if not self.pending:
            self.pending = True
            self.after_idle(self.reflow)

    def rescale(self, ratio: float) -> None:  # scaling.relayout: the buttons' sizes change
        self.reflow_soon()

    def layout_rows(self, width: int) -> list[list[int]]:
        """Buttons left to right, a new row where the next would pass ``width``."""
        rows: list[list[int]] = [[]]
        x = 0
        for i, b in enumerate(self.buttons):
            w = b.winfo_reqwidth()
            if rows[-1] and x + w > width:
                rows.append([])
                x = 0
            rows[-1].append(i)
            x += w
        return rows

    def reflow(self) -> None:
        self.pending = False
        try:
            width = self.winfo_width()
        except tk.TclError:  # destroyed meanwhile
            return
        if width <= 1:  # not laid out yet: one row
            width = sum(b.winfo_reqwidth() for b in self.buttons)
        self.rows = self.layout_rows(width)
        y = 0
        for row in self.rows:
            x = 0
            height = max(self.buttons[i].winfo_reqheight() for i in row)
            for i in row:
                b = self.buttons[i]
                b.place(x=x, y=y, height=height)
                x += b.winfo_reqwidth()
            y += height
        widest = max(b.winfo_reqwidth() for b in self.buttons)
        if (str(self.cget("width")), str(self.cget("height"))) != (str(widest), str(y)):
            self.configure(width=widest, height=y)  # asks no more width than one button
