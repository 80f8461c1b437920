"""A frame whose contents scroll vertically: a canvas window around an inner frame."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk


class ScrolledFrame(ttk.Frame):
    """Put children in ``.inner``; a scrollbar shows when they are taller than the frame.

    The inner frame is as wide as the visible area, so children that fit
    themselves to the width (the feature-map grids) keep doing so.
    """

    def __init__(self, master: tk.Misc, height: int = 300) -> None:
        super().__init__(master)
        bg = ttk.Style().lookup("TFrame", "background") or "#dcdad5"
        self.canvas = tk.Canvas(self, highlightthickness=0, height=height, background=bg)
        self.scroll = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=self.scroll.set)
        self.scroll.pack(side="right", fill="y")
        self.canvas.pack(side="left", fill="both", expand=True)
        self.inner = ttk.Frame(self.canvas)
        self._window = self.canvas.create_window(0, 0, anchor="nw", window=self.inner)
        self.inner.bind("<Configure>", self._inner_resized)
        self.canvas.bind("<Configure>", self._outer_resized)
        for widget in (self.canvas, self.inner):
            widget.bind("<Enter>", self._bind_wheel, add="+")
            widget.bind("<Leave>", self._unbind_wheel, add="+")

    def _inner_resized(self, _event: tk.Event) -> None:
        self.canvas.configure(
            scrollregion=(0, 0, self.inner.winfo_reqwidth(), self.inner.winfo_reqheight())
        )

    def _outer_resized(self, event: tk.Event) -> None:
        self.canvas.itemconfigure(self._window, width=event.width)

    def _bind_wheel(self, _event: tk.Event) -> None:
        # bind_all while the pointer is inside: the wheel over a child canvas scrolls us
        self.bind_all("<MouseWheel>", lambda e: self.scroll_by(-e.delta // 120))
        self.bind_all("<Button-4>", lambda e: self.scroll_by(-1))
        self.bind_all("<Button-5>", lambda e: self.scroll_by(1))

    def _unbind_wheel(self, _event: tk.Event) -> None:
        for seq in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            self.unbind_all(seq)

    def scroll_by(self, units: int) -> None:
        if self.inner.winfo_reqheight() > self.canvas.winfo_height():
            self.canvas.yview_scroll(units, "units")
