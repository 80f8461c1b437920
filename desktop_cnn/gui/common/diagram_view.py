"""A network's diagram in a window (core.pictures.diagram): updates with the spec, clicks select.

Used by the Model tab (the open model) and the Build tab (the draft, as it is edited).
The figure is drawn only while the widget is on screen: a hidden tab costs nothing.
A click on a block calls ``on_select(layer_name, index_in_spec_layers)``; Save image
writes PNG, SVG or PDF.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Any

from .panel import PAD
from .save_image import ask_and_save
from .scaling import current, px

DPI = 80  # at zoom 1; multiplied by the zoom factor so the text grows with the app's


class DiagramView(ttk.Frame):
    def __init__(
        self,
        master: tk.Misc,
        on_select: Callable[[str, int], None] | None = None,
        height: int = 230,
    ) -> None:
        super().__init__(master)
        self.on_select = on_select
        self.spec: Any = None
        self.selected: str | None = None
        self.figure: Any = None
        self.canvas: Any = None
        self.draws = 0
        self._dirty = False
        bar = ttk.Frame(self)
        bar.pack(side="bottom", fill="x", pady=(PAD // 2, 0))
        self.message = ttk.Label(bar, text="", foreground="#666")
        self.message.pack(side="left")
        self.save_button = ttk.Button(bar, text="Save image...", command=self.save_image_dialog)
        self.save_button.pack(side="right")
        self.area = ttk.Frame(self, height=px(height))
        self.area.pack(side="top", fill="both", expand=True)
        self.area.pack_propagate(False)  # the figure fits the room given, never asks for more
        self.area.bind("<Map>", lambda e: self._draw_if_due(), add="+")
        self.ask_save_filename: Callable[..., str] | None = None  # seams for tests
        self.show_error: Callable[[str, str], None] | None = None

    def show(self, spec: Any, selected: str | int | None = None, why_not: str = "") -> None:
        """Draw ``spec`` (a NetSpec; None: say ``why_not``) now if visible, else when shown.

        ``selected``: the layer outlined, by name or by its index in ``spec.layers``.
        """
        if isinstance(selected, int):
            layers = getattr(spec, "layers", [])
            selected = layers[selected].name if 0 <= selected < len(layers) else None
        if spec is self.spec and selected == self.selected and spec is not None:
            return  # nothing changed: keep the drawing
        self.spec, self.selected = spec, selected
        self._dirty = True
        if spec is None:
            self.message.configure(text=why_not or "No network to draw.")
        self._draw_if_due()

    def select(self, name: str | None) -> None:
        if name != self.selected:
            self.show(self.spec, name)

    def _draw_if_due(self) -> None:
        if self._dirty and self.area.winfo_ismapped():
            self._dirty = False
            self.draw()

    def draw(self) -> None:
        from matplotlib.backends.backend_tkagg import FigureCanvasTkAgg

        from ...core.errors import DesktopCnnError
        from ...core.pictures.diagram import diagram_figure

        if self.canvas is not None:
            self.canvas.get_tk_widget().destroy()
            self.canvas = None
        if self.spec is None:
            return
        try:
            self.figure = diagram_figure(self.spec, self.selected)
        except DesktopCnnError as exc:
            self.figure = None
            self.message.configure(text=str(exc))
            return
        self.figure.set_dpi(DPI * current().factor)
        self.figure.set_size_inches(2, 1)  # asks for little; <Configure> sets the real size
        # master=self (which holds .figure), shown inside ``area``: the room it was given
        self.canvas = FigureCanvasTkAgg(self.figure, master=self)
        self.canvas.mpl_connect("pick_event", self._picked)
        widget = self.canvas.get_tk_widget()
        widget.configure(width=1, height=1)  # matplotlib resizes the figure to the widget
        widget.pack(in_=self.area, fill="both", expand=True)
        self.canvas.draw_idle()
        self.draws += 1
        self.message.configure(text="Click a block to select its layer.")

    def _picked(self, event: Any) -> None:
        gid = event.artist.get_gid() or ""
        name = gid.removeprefix("layer:")
        names = [layer.name for layer in getattr(self.spec, "layers", [])]
        if name in names and self.on_select is not None:
            # after the click is handled: selecting redraws, which replaces this canvas
            on_select, index = self.on_select, names.index(name)
            self.after_idle(lambda: on_select(name, index))

    def save_image_dialog(self) -> None:
        if self.spec is None:
            return
        from ...core.pictures.diagram import diagram_figure

        name = getattr(self.spec, "name", "network")
        ask_and_save(
            self, lambda: diagram_figure(self.spec), name, self.ask_save_filename, self.show_error
        )
