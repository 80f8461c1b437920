"""The Feature-maps panel: the input, every conv and pooling layer's maps, and conv1's filters.

Each layer is one grid image (numpy, see images.py) on one canvas, rebuilt
from the analysis the Draw panel publishes, so drawing here or there updates
the maps live. Clicking a map shows it enlarged with its value range and
marks the pixel clicked; clicking a pixel of an enlarged conv map (or the
button under it) opens the "one number" window (explain_view.py), which
then follows every click, drawing and model change.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageTk

from ..common.images import (
    GridLayout,
    colorize,
    filter_tiles,
    grid,
    layer_tiles,
    layout_for,
    to_rgb,
)
from ..common.panel import PAD, Panel, set_enabled
from ..common.scaling import px
from ..common.scrolled import ScrolledFrame
from ..common.sketchpad import SketchPad
from ..common.widgets import ArrayView
from ..origin import ModelOrigin, Origin
from ..requests import PickTestImage
from ..state import AppState
from .answer_view import AnswerView

if TYPE_CHECKING:
    from .explain_view import ExplainView

DETAIL = 168  # px: the enlarged map, 6x a 28x28 input
MARK = "#ff3b30"  # the chosen pixel on the enlarged map
EXPLAIN_EVERY_MS = 100  # while drawing, the open "one number" window (~25 ms) redraws 10x/s
Pixel = tuple[int, int]  # (row, col)


class LayerGrid(ttk.Frame):
    """A title and one canvas holding ``count`` tiles; clicks report the tile and its pixel."""

    def __init__(
        self,
        master: tk.Misc,
        name: str,
        on_click: Callable[[str, int, Pixel | None], None],
        target: int = 84,
    ) -> None:
        super().__init__(master)
        self.name, self.on_click, self.target = name, on_click, px(target)
        self.title = ttk.Label(self, text=name, font="TkDefaultFont")
        self.title.pack(anchor="w")
        self.canvas = tk.Canvas(self, width=1, height=1, highlightthickness=0, cursor="hand2")
        self.canvas.pack(anchor="w")
        self.canvas.bind("<Button-1>", self._click)
        self.photo: ImageTk.PhotoImage | None = None
        self.layout: GridLayout | None = None
        self.count = 0
        self.side = 0  # the maps' size in pixels, before zooming

    def rescale(self, ratio: float) -> None:
        """The zoom changed (common/scaling.relayout): larger tiles from the next show()."""
        self.target = max(8, round(self.target * ratio))

    def show(self, tiles: list[np.ndarray], caption: str, max_width: int | None = None) -> None:
        layout = layout_for(len(tiles), tiles[0].shape[0], target=self.target, max_width=max_width)
        img = Image.fromarray(grid(tiles, layout))
        if self.photo is None or layout != self.layout:
            self.photo = ImageTk.PhotoImage(img, master=self)
            self.canvas.delete("all")
            self.canvas.create_image(0, 0, anchor="nw", image=self.photo)
            self.canvas.configure(width=img.width, height=img.height)
        else:
            self.photo.paste(img)
        self.layout, self.count, self.side = layout, len(tiles), tiles[0].shape[0]
        self.title.configure(text=caption)

    def _click(self, event: tk.Event) -> None:
        i = self.layout.index_at(event.x, event.y) if self.layout else None
        if i is not None and self.layout is not None:
            x, y = self.layout.origin(i)
            t = self.layout.tile  # zoom() maps tile px p to map px p * side // tile
            self.on_click(
                self.name, i, ((event.y - y) * self.side // t, (event.x - x) * self.side // t)
            )


class FeatureMapsPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.grids: dict[str, LayerGrid] = {}
        self.selected: tuple[str, int] | None = None
        self.pixel: Pixel | None = None  # marked on the enlarged map; explained on request
        self.explain_view: ExplainView | None = None  # once first opened
        self._explain_job: str | None = None
        self.renders = 0  # how many analyses were drawn (tests check the live updates)
        self._dirty = True
        self._arch: tuple | None = None  # the architecture the grids were built for
        self.create_widgets()
        state.subscribe("model", self.model_changed)
        state.subscribe("analysis", self.analysis_changed)
        state.subscribe("sketch", lambda: self.pad.refresh())
        state.subscribe("input", lambda: self.pad.show_image(state.source.image))
        self.bind("<Map>", lambda e: self.render() if self._dirty else None)

    def create_widgets(self) -> None:
        left = ttk.Frame(self, name="left")
        left.grid(row=0, column=0, sticky="n")
        box = ttk.LabelFrame(left, text="Input: draw here too", padding=PAD, name="input")
        box.pack(fill="x")
        self.pad = SketchPad(
            box,
            self.app_state.sketch,
            px(168),
            self.app_state.begin_stroke,
            self.app_state.sketch_changed,
            name="pad",
        )
        self.pad.pack()
        buttons = ttk.Frame(box)
        buttons.pack(fill="x", pady=(PAD, 0))
        ttk.Button(buttons, text="Clear", command=self.app_state.clear_input).pack(side="left")
        ttk.Button(
            buttons, text="Test image", command=lambda: self.app_state.post(PickTestImage())
        ).pack(side="right")
        seen = ttk.LabelFrame(left, text="What the network sees", padding=PAD)
        seen.pack(fill="x", pady=(PAD, 0))
        self.input_parent = seen
        filters = self.filters_box = ttk.LabelFrame(left, text="conv1 filters", padding=PAD)
        filters.pack(fill="x", pady=(PAD, 0))
        self.filters = LayerGrid(filters, "filters", self.select, target=36)
        self.filters.pack(anchor="w")
        self.per_map = tk.BooleanVar(self, False)
        ttk.Checkbutton(
            left, text="Scale each map to its own range", variable=self.per_map, command=self.render
        ).pack(anchor="w", pady=PAD)

        self.layers = ttk.LabelFrame(self, text="Activations", padding=PAD)
        self.layers.grid(row=0, column=1, sticky="nsew", padx=PAD * 2)
        self.layers.bind("<Configure>", self._resized)
        # A deep net's layers do not fit the window: they scroll (every one stays clickable).
        self.scroller = ScrolledFrame(self.layers, height=420)
        self.scroller.pack(fill="both", expand=True)
        self.layer_box = self.scroller.inner
        self._width = 0
        self.empty = ttk.Label(self.layer_box, text="Draw something or pick a test image.")
        self.empty.pack(anchor="w")
        self.answer = AnswerView(self.layer_box)  # after the last map: the way to the answer
        self.save_button = ttk.Button(
            left, text="Save image (input to answer)...", command=self.save_image_dialog
        )
        self.save_button.pack(fill="x", pady=(PAD, 0))

        right = ttk.LabelFrame(self, text="Selected map", padding=PAD)
        right.grid(row=0, column=2, sticky="n")
        self.detail = ArrayView(right, px(DETAIL))
        self.detail.pack()
        self.detail.bind("<Button-1>", self._detail_clicked)
        self.detail_text = ttk.Label(
            right, text="Click a map to enlarge it.", wraplength=px(DETAIL), justify="left"
        )
        self.detail_text.pack(anchor="w", pady=(PAD, 0))
        self.explain_button = ttk.Button(
            right, text="How is this number computed?", command=self.explain_pixel
        )
        self.explain_button.pack(fill="x", pady=(PAD, 0))
        set_enabled(self.explain_button, False)
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)

    # --- updates --------------------------------------------------------------------------
    def model_changed(self) -> None:
        """A new model; one of the same architecture (training followed, a replay) keeps the
        grids and the selection, so the maps change in place as the weights do."""
        ck = self.app_state.checkpoint
        info = ck.info if ck is not None else None
        arch = None if info is None else (info.arch, repr(info.arch_args), info.input_shape)
        if arch != self._arch:
            for g in self.grids.values():
                g.destroy()
            self.grids.clear()
            self.selected, self.pixel = None, None
            self.empty.pack(anchor="w")
        self._arch = arch
        self.layers.configure(text=activations_title(ck, self.app_state.origin))
        self.show_filters()
        self.analysis_changed()  # the Draw panel may have published its analysis before us

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
        if self.explaining and self._explain_job is None:
            self._explain_job = self.schedule(EXPLAIN_EVERY_MS, self._explain_due)

    def _explain_due(self) -> None:
        self._explain_job = None
        self.update_explanation()

    def show_filters(self) -> None:
        from ..predictor import conv1_filters

        ck = self.app_state.checkpoint
        weights = conv1_filters(ck) if ck is not None else None
        self.filters_box.configure(text=f"{first_conv_name(ck)} filters")
        if weights is not None:
            out, cin, k, _ = weights.shape
            how = "blue < 0 < red" if cin == 1 else "as RGB"
            self.filters.show(filter_tiles(weights), f"{out} filters, {cin}x{k}x{k}, {how}")

    def layer_arrays(self) -> dict[str, np.ndarray]:
        """The input (as the model saw it) followed by each layer's maps (C, H, W)."""
        a = self.app_state.analysis
        return {} if a is None else {"input": a.seen, **a.maps}

    def render(self) -> None:
        self._dirty = False
        arrays = self.layer_arrays()
        if not arrays:
            for grid in self.grids.values():
                grid.pack_forget()
            self.answer.pack_forget()
            self.empty.pack(anchor="w")
            self.show_detail()
            return
        self.empty.pack_forget()
        for name, maps in arrays.items():
            g = self.grids.get(name)
            if g is None:
                parent = self.input_parent if name == "input" else self.layer_box
                g = self.grids[name] = LayerGrid(parent, name, self.select)
            if not g.winfo_manager():
                g.pack(anchor="w", pady=(0, PAD))
            g.show(
                self.tiles(name, maps),
                caption(name, maps, map_kind(self.app_state.checkpoint, name)),
                None if name == "input" else self.grid_width(),
            )
        self.show_answer()
        self.renders += 1
        self.show_detail()

    def show_answer(self) -> None:
        """The flatten, dense layers, logits and softmax, after the last map."""
        ck, a = self.app_state.checkpoint, self.app_state.analysis
        if ck is None or a is None:
            self.answer.pack_forget()
            return
        self.answer.pack_forget()
        self.answer.pack(anchor="w", fill="x", pady=(PAD, 0))
        self.answer.show(ck.model, a.x[0].cpu(), list(ck.info.classes))

    def figure(self):
        """Every stage from the input to the softmax as one matplotlib Figure."""
        from ...core.inspect.answer_path import answer_path
        from ...core.pictures.path import path_figure

        ck, a = self.app_state.checkpoint, self.app_state.analysis
        assert ck is not None and a is not None  # save_image_dialog saves only with both
        path = answer_path(ck.model, a.x[0].cpu())
        return path_figure(
            path, list(ck.info.classes), f"{ck.info.arch}: from the input to the answer"
        )

    def save_image_dialog(self) -> None:
        from ..common.save_image import ask_and_save

        if self.app_state.checkpoint is None or self.app_state.analysis is None:
            self.show_error("Nothing to save", "Draw something or pick a test image first.")
            return
        ask_and_save(self, self.figure, "feature-maps", self.ask_save_filename, self.show_error)

    def grid_width(self) -> int | None:
        """The px a layer grid may take: the Activations box less its padding and scrollbar."""
        width = self.layers.winfo_width() - 2 * PAD - 4 - self.scroller.scroll.winfo_reqwidth()
        return width if width > 100 else None  # not laid out yet: natural size

    def tiles(self, name: str, maps: np.ndarray) -> list[np.ndarray]:
        if name == "input":
            return [to_rgb(maps)]
        return layer_tiles(maps, per_map=self.per_map.get())

    # --- the enlarged map -----------------------------------------------------------------
    def select(self, layer: str, index: int, pixel: Pixel | None = None) -> None:
        self.selected = (layer, index)
        self.pixel = pixel
        self.show_detail()
        self.update_explanation()  # when its window is open, the explanation follows the click

    def show_detail(self) -> None:
        picked = self.selected_array()
        self.detail.delete("mark")
        self.detail.configure(cursor="")
        set_enabled(self.explain_button, False)
        if picked is None or self.selected is None:  # a picked array has a selection
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
            text = (
                f"{first_conv_name(self.app_state.checkpoint)} filter {i}, 3x{shape}\n"
                f"weights {lo:.3g} to {hi:.3g}, as RGB"
            )
        elif layer == "filters":
            text = (
                f"{first_conv_name(self.app_state.checkpoint)} filter {i}, {shape}\n"
                f"weights {lo:.3g} (blue) to {hi:.3g} (red)"
            )
        else:
            text = f"{layer} map {i}, {shape}\nvalues {lo:.3g} (dark) to {hi:.3g} (bright)"
        if self.explainable(layer):
            text += self.mark_pixel(a)
            self.detail.configure(cursor="crosshair")
            set_enabled(self.explain_button, True)
        self.detail_text.configure(text=text)

    def mark_pixel(self, a: np.ndarray) -> str:
        """Box the chosen pixel on the enlarged map; the text line that goes with it."""
        if self.pixel is None:
            return "\nClick a pixel to see how it is computed."
        (r, c), (h, w) = self.pixel, a.shape
        size = self.detail.side  # ArrayView enlarges with PIL's nearest neighbour
        sy, sx = size / h, size / w
        self.detail.create_rectangle(
            1 + c * sx,
            1 + r * sy,
            1 + (c + 1) * sx,
            1 + (r + 1) * sy,
            outline=MARK,
            width=px(2),
            tags="mark",
        )
        return f"\nrow {r}, col {c}: {a[r, c]:.4f}"

    def _detail_clicked(self, event: tk.Event) -> None:
        if self.selected is None or not self.explainable(self.selected[0]):
            return
        a = self.selected_array()
        if a is None:
            return
        h, w = a.shape
        # PIL's nearest neighbour reads source pixel floor((x + 0.5) * n / size)
        r = min(h - 1, max(0, int((event.y - 1 + 0.5) * h / self.detail.side)))
        c = min(w - 1, max(0, int((event.x - 1 + 0.5) * w / self.detail.side)))
        self.pixel = (r, c)
        self.show_detail()
        self.explain_pixel()

    # --- the "one number" window ----------------------------------------------------------
    def explainable(self, layer: str) -> bool:
        from ...core.inspect.explain import conv_layers

        ck = self.app_state.checkpoint
        return ck is not None and (bool(conv_layers(ck.model, [layer])) or self.is_pool(layer))

    def is_pool(self, layer: str) -> bool:
        """A pooling map: explained in words here (its window and max or mean)."""
        path = self.answer.path
        names = {s.name: s.module for s in path.stages} if path is not None else {}
        return names.get(layer) in ("MaxPool2d", "AvgPool2d")

    def explain_pool(self) -> None:
        from ...core.inspect.answer_path import pool_text

        ck = self.app_state.checkpoint
        # Called only for an explainable selected pooling map (a checkpoint) with a pixel.
        assert self.selected is not None and self.pixel is not None and ck is not None
        (layer, i), (r, c) = self.selected, self.pixel
        text = pool_text(self.answer.path, ck.model, layer, i, r, c)
        self.detail_text.configure(text=self.detail_text.cget("text") + "\n\n" + text)

    @property
    def explaining(self) -> bool:
        """The window is open (it follows clicks, drawings and model changes while it is)."""
        view = self.explain_view
        return view is not None and view.winfo_exists() and view.state() != "withdrawn"

    def explain_pixel(self) -> None:
        """Open (or raise) the window on the marked pixel, the map's centre if none is."""
        from .explain_view import ExplainView

        a = self.selected_array()
        if self.selected is None or a is None or not self.explainable(self.selected[0]):
            return
        if self.pixel is None:
            self.pixel = (a.shape[0] // 2, a.shape[1] // 2)
            self.show_detail()
        if self.is_pool(self.selected[0]):
            self.explain_pool()
            return
        if self.explain_view is None or not self.explain_view.winfo_exists():
            self.explain_view = ExplainView(self)
        self.explain_view.deiconify()
        self.explain_view.lift()
        self.update_explanation()

    def update_explanation(self) -> None:
        if self.explaining and self.explain_view is not None:
            sel = self.selected if self.selected and self.explainable(self.selected[0]) else None
            if sel and self.is_pool(sel[0]) and self.pixel is not None:
                self.explain_pool()  # pools are explained in words, beside the map
                sel = None
            self.explain_view.explain(
                self.app_state.checkpoint, self.app_state.analysis, sel, self.pixel
            )

    def selected_array(self) -> np.ndarray | None:
        if self.selected is None:
            return None
        layer, i = self.selected
        if layer == "filters":
            from ..predictor import conv1_filters

            ck = self.app_state.checkpoint
            w = conv1_filters(ck) if ck is not None else None
            return None if w is None or i >= len(w) else w[i]
        maps = self.layer_arrays().get(layer)
        if maps is None or (layer != "input" and i >= len(maps)):
            return None
        return maps if layer == "input" else maps[i]


def first_conv_name(ck) -> str:
    """The model's first conv layer, as the model names it (conv1 for the built-in ones)."""
    from ...core.spec.base import conv_units

    units = conv_units(ck.model) if ck is not None else []
    return units[0].conv if units else "conv1"


def activations_title(ck, origin: ModelOrigin) -> str:
    """Say so when the maps come from a snapshot's weights rather than a finished model."""
    from ...core.inspect.snapshots import snapshot_step

    step = None if ck is None else snapshot_step(ck)
    if step is None:
        return "Activations"
    if origin.kind is Origin.FOLLOWING:
        return f"Activations: following training, step {step:,}"
    if origin.kind is Origin.REPLAY:
        return f"Activations: replay of the last run, step {step:,}"
    return f"Activations: the weights of step {step:,} of a training run"


def caption(name: str, maps: np.ndarray, kind: str = "") -> str:
    if name == "input":
        return f"input, {'x'.join(map(str, maps.shape))}"
    c, h, w = maps.shape
    what = f" ({kind})" if kind else ""
    return (
        f"{name}{what}: {c} maps of {h}x{w} (0..{c - 1}), "
        f"values {maps.min():.2g} to {maps.max():.2g}"
    )


def map_kind(ck, name: str) -> str:
    """What a map is: a conv's output before or after its activation (as the model says)."""
    from ...core.spec.base import conv_units

    for u in conv_units(ck.model) if ck is not None else []:
        if name == u.conv and u.map == u.conv:
            if u.activation is None:  # a hand-written model keys the activated map by the conv
                return "conv output after its activation"
            return "conv output, no activation follows"
        if name == u.conv:
            return "conv output, before its activation"
        if name == u.map:
            return f"{u.conv} after {u.activation}"
    return ""
