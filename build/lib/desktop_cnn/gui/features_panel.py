"""The Feature-maps panel: the input, every conv and pooling layer's maps, and conv1's filters.

Each layer is one grid image (numpy, see images.py) on one canvas, rebuilt
from the analysis the Draw panel publishes, so drawing here or there updates
the maps live. Clicking a map shows it enlarged with its value range.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from .draw_panel import DrawPanel
from .images import GridLayout, colorize, filter_tiles, grid, layer_tiles, layout_for, to_rgb
from .panel import PAD, Panel
from .state import AppState
from .widgets import ArrayView

DETAIL = 168  # px: the enlarged map, 6x a 28x28 input


class LayerGrid(ttk.Frame):
    """A title and one canvas holding ``count`` tiles; clicks report the tile's index."""

    def __init__(self, master: tk.Misc, name: str, on_click: Callable[[str, int], None],
                 target: int = 84) -> None:
        super().__init__(master)
        self.name, self.on_click, self.target = name, on_click, target
        self.title = ttk.Label(self, text=name, font="TkDefaultFont")
        self.title.pack(anchor="w")
        self.canvas = tk.Canvas(self, width=1, height=1, highlightthickness=0, cursor="hand2")
        self.canvas.pack(anchor="w")
        self.canvas.bind("<Button-1>", self._click)
        self.photo: ImageTk.PhotoImage | None = None
        self.layout: GridLayout | None = None
        self.count = 0

    def show(self, tiles: list[np.ndarray], caption: str, max_width: int | None = None) -> None:
        layout = layout_for(len(tiles), tiles[0].shape[0], target=self.target,
                            max_width=max_width)
        img = Image.fromarray(grid(tiles, layout))
        if self.photo is None or layout != self.layout:
            self.photo = ImageTk.PhotoImage(img)
            self.canvas.delete("all")
            self.canvas.create_image(0, 0, anchor="nw", image=self.photo)
            self.canvas.configure(width=img.width, height=img.height)
        else:
            self.photo.paste(img)
        self.layout, self.count = layout, len(tiles)
        self.title.configure(text=caption)

    def _click(self, event: tk.Event) -> None:
        i = self.layout.index_at(event.x, event.y) if self.layout else None
        if i is not None:
            self.on_click(self.name, i)


class FeatureMapsPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState, draw: DrawPanel) -> None:
        super().__init__(master)
        self.state, self.draw = state, draw
        self.grids: dict[str, LayerGrid] = {}
        self.selected: tuple[str, int] | None = None
        self.renders = 0  # how many analyses were drawn (tests check the live updates)
        self._dirty = True
        self.create_widgets()
        state.subscribe("model", self.model_changed)
        state.subscribe("analysis", self.analysis_changed)
        self.bind("<Map>", lambda e: self.render() if self._dirty else None)

    def create_widgets(self) -> None:
        left = ttk.Frame(self)
        left.grid(row=0, column=0, sticky="n")
        box = ttk.LabelFrame(left, text="Input: draw here too", padding=PAD)
        box.pack(fill="x")
        self.pad = self.draw.make_pad(box, size=168)
        self.pad.pack()
        buttons = ttk.Frame(box)
        buttons.pack(fill="x", pady=(PAD, 0))
        ttk.Button(buttons, text="Clear", command=self.draw.clear).pack(side="left")
        ttk.Button(buttons, text="Test image", command=self.draw.random_test_image).pack(
            side="right")
        seen = ttk.LabelFrame(left, text="What the network sees", padding=PAD)
        seen.pack(fill="x", pady=(PAD, 0))
        self.input_parent = seen
        filters = ttk.LabelFrame(left, text="conv1 filters", padding=PAD)
        filters.pack(fill="x", pady=(PAD, 0))
        self.filters = LayerGrid(filters, "filters", self.select, target=36)
        self.filters.pack(anchor="w")
        self.per_map = tk.BooleanVar(self, False)
        ttk.Checkbutton(left, text="Scale each map to its own range", variable=self.per_map,
                        command=self.render).pack(anchor="w", pady=PAD)

        self.layers = ttk.LabelFrame(self, text="Activations", padding=PAD)
        self.layers.grid(row=0, column=1, sticky="nsew", padx=PAD * 2)
        self.layers.bind("<Configure>", self._resized)
        self._width = 0
        self.empty = ttk.Label(self.layers, text="Draw something or pick a test image.")
        self.empty.pack(anchor="w")

        right = ttk.LabelFrame(self, text="Selected map", padding=PAD)
        right.grid(row=0, column=2, sticky="n")
        self.detail = ArrayView(right, DETAIL)
        self.detail.pack()
        self.detail_text = ttk.Label(right, text="Click a map to enlarge it.", wraplength=DETAIL,
                                     justify="left")
        self.detail_text.pack(anchor="w", pady=(PAD, 0))
        self.columnconfigure(1, weight=1)

    # --- updates --------------------------------------------------------------------------
    def model_changed(self) -> None:
        for g in self.grids.values():
            g.destroy()
        self.grids.clear()
        self.selected = None
        self.empty.pack(anchor="w")
        self.show_filters()

    def _resized(self, event: tk.Event) -> None:
        """Fit the grids to the new width (they keep their size while it is unchanged)."""
        if event.width != self._width:
            self._width = event.width
            self._dirty = True
            self.after_idle(lambda: self.render() if self._dirty and self.visible else None)

    def analysis_changed(self) -> None:
        self._dirty = True
        if self.visible:
            self.render()

    def show_filters(self) -> None:
        from .predictor import conv1_filters

        ck = self.state.checkpoint
        weights = conv1_filters(ck) if ck is not None else None
        if weights is not None:
            out, cin, k, _ = weights.shape
            how = "blue < 0 < red" if cin == 1 else "as RGB"
            self.filters.show(filter_tiles(weights), f"{out} filters, {cin}x{k}x{k}, {how}")

    def layer_arrays(self) -> dict[str, np.ndarray]:
        """The input (as the model saw it) followed by each layer's maps (C, H, W)."""
        a = self.state.analysis
        return {} if a is None else {"input": a.seen, **a.maps}

    def render(self) -> None:
        self._dirty = False
        arrays = self.layer_arrays()
        if not arrays:
            for g in self.grids.values():
                g.pack_forget()
            self.empty.pack(anchor="w")
            self.show_detail()
            return
        self.empty.pack_forget()
        for name, maps in arrays.items():
            g = self.grids.get(name)
            if g is None:
                parent = self.input_parent if name == "input" else self.layers
                g = self.grids[name] = LayerGrid(parent, name, self.select)
            if not g.winfo_manager():
                g.pack(anchor="w", pady=(0, PAD))
            g.show(self.tiles(name, maps), caption(name, maps),
                   None if name == "input" else self.grid_width())
        self.renders += 1
        self.show_detail()

    def grid_width(self) -> int | None:
        """The px a layer grid may take: the Activations box less its padding."""
        width = self.layers.winfo_width() - 2 * PAD - 4
        return width if width > 100 else None  # not laid out yet: natural size

    def tiles(self, name: str, maps: np.ndarray) -> list[np.ndarray]:
        if name == "input":
            return [to_rgb(maps)]
        return layer_tiles(maps, per_map=self.per_map.get())

    # --- the enlarged map -----------------------------------------------------------------
    def select(self, layer: str, index: int) -> None:
        self.selected = (layer, index)
        self.show_detail()

    def show_detail(self) -> None:
        picked = self.selected_array()
        if picked is None:
            self.detail.show(None)
            self.detail_text.configure(text="Click a map to enlarge it.")
            return
        (layer, i), a = self.selected, picked
        lo, hi = float(a.min()), float(a.max())
        if layer == "input":
            self.detail.show(to_rgb(a))
        elif layer == "filters":
            self.detail.show(filter_tiles(a[None])[0])  # its own symmetric range
        else:
            self.detail.show(colorize(a, lo, hi))
        shape = "x".join(str(d) for d in a.shape[-2:])
        if layer == "filters" and a.shape[0] == 3:
            text = f"conv1 filter {i + 1}, 3x{shape}\nweights {lo:.3g} to {hi:.3g}, as RGB"
        elif layer == "filters":
            text = f"conv1 filter {i + 1}, {shape}\nweights {lo:.3g} (blue) to {hi:.3g} (red)"
        else:
            text = f"{layer} map {i + 1}, {shape}\nvalues {lo:.3g} (dark) to {hi:.3g} (bright)"
        self.detail_text.configure(text=text)

    def selected_array(self) -> np.ndarray | None:
        if self.selected is None:
            return None
        layer, i = self.selected
        if layer == "filters":
            from .predictor import conv1_filters

            ck = self.state.checkpoint
            w = conv1_filters(ck) if ck is not None else None
            return None if w is None or i >= len(w) else w[i]
        maps = self.layer_arrays().get(layer)
        if maps is None or (layer != "input" and i >= len(maps)):
            return None
        return maps if layer == "input" else maps[i]


def caption(name: str, maps: np.ndarray) -> str:
    if name == "input":
        return f"input, {'x'.join(map(str, maps.shape))}"
    c, h, w = maps.shape
    return f"{name}: {c} maps of {h}x{w}, values {maps.min():.2g} to {maps.max():.2g}"
