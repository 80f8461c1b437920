"""The Generate tab's pictures: the sample grid, the latent walk and the generator's steps."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from ..common.images import GridLayout, grid, layer_tiles, to_rgb, zoom
from ..common.scaling import px

TILE = 56  # px per fake in the grid: 2x a 28x28 digit
MAPS_SHOWN = 6  # maps per layer in the steps view


def fake_rgb(image: np.ndarray) -> np.ndarray:
    """(C, H, W) in -1..1 to (H, W, 3) uint8."""
    return to_rgb((image + 1) / 2)


class SampleGrid(tk.Canvas):
    """The fixed noise batch's images, each with what the classifier reads under it.

    A click makes a fake "A" (outlined blue), a right- or shift-click "B" (orange):
    the ends of the latent walk; A is the sample the steps view follows.
    """

    def __init__(self, master: tk.Misc, on_pick: Callable[[int, str], None], cols: int = 8) -> None:
        self.cols = cols
        w, h = self._size(64)
        super().__init__(master, width=w, height=h, background="#202020", highlightthickness=0)
        self.on_pick = on_pick
        self.photo: ImageTk.PhotoImage | None = None
        self.count = 0
        self.shown: tuple | None = None  # show()'s arguments, to draw again after a zoom
        self.bind("<Button-1>", lambda e: self._click(e, "a"))
        self.bind("<Shift-Button-1>", lambda e: self._click(e, "b"))
        self.bind("<Button-3>", lambda e: self._click(e, "b"))

    # Sizes at this dpi and zoom: a zoom (scaling.relayout) calls rescale, which draws again
    @property
    def tile(self) -> int:
        return px(TILE)

    @property
    def gap(self) -> int:
        return px(4)

    @property
    def label_h(self) -> int:
        return px(14)

    def _size(self, count: int) -> tuple[int, int]:
        step = self.tile + self.gap + self.label_h
        rows = -(-count // self.cols)
        return self.gap + self.cols * (self.tile + self.gap), px(4) + rows * step

    def _origin(self, i: int) -> tuple[int, int]:
        r, c = divmod(i, self.cols)
        gap = self.gap
        return gap + c * (self.tile + gap), gap + r * (self.tile + gap + self.label_h)

    def index_at(self, x: int, y: int) -> int | None:
        for i in range(self.count):
            ox, oy = self._origin(i)
            if ox <= x < ox + self.tile and oy <= y < oy + self.tile + self.label_h:
                return i
        return None

    def rescale(self, ratio: float) -> None:
        if self.shown is not None:
            self.show(*self.shown)

    def _click(self, event: tk.Event, which: str) -> None:
        i = self.index_at(event.x, event.y)
        if i is not None:
            self.on_pick(i, which)

    def show(
        self, images: np.ndarray, labels: list[str], a: int, b: int, colors: list[str]
    ) -> None:
        """``images`` (N, C, H, W) in -1..1; ``labels`` one short text per fake."""
        self.shown = (images, labels, a, b, colors)
        self.count = len(images)
        w, h = self._size(self.count)
        tile = self.tile
        out = np.full((h, w, 3), 32, dtype=np.uint8)
        for i, img in enumerate(images):
            x, y = self._origin(i)
            out[y : y + tile, x : x + tile] = zoom(fake_rgb(img), tile)
        self.photo = ImageTk.PhotoImage(Image.fromarray(out), master=self)
        self.delete("all")
        self.create_image(0, 0, anchor="nw", image=self.photo)
        for i, text in enumerate(labels[: self.count]):
            x, y = self._origin(i)
            self.create_text(
                x + tile // 2,
                y + tile + self.label_h // 2,
                text=text,
                fill=colors[i],
                font=("TkDefaultFont", 8),
            )
        for i, color in ((a, "#4aa3ff"), (b, "#ff9f1a")):
            if 0 <= i < self.count:
                x, y = self._origin(i)
                self.create_rectangle(
                    x - 2, y - 2, x + tile + 1, y + tile + 1, outline=color, width=px(2)
                )


class PictureStrip(ttk.Frame):
    """A row of small pictures (a numpy RGB image) with a caption above it."""

    def __init__(self, master: tk.Misc, **kw: object) -> None:
        super().__init__(master, **kw)  # type: ignore[arg-type]
        self.caption = ttk.Label(self, justify="left", wraplength=350)
        self.caption.pack(anchor="w")
        self.canvas = tk.Canvas(
            self, width=10, height=10, highlightthickness=0, background="#f0f0f0"
        )
        self.canvas.pack(anchor="w")
        self.photo: ImageTk.PhotoImage | None = None

    def show(self, rgb: np.ndarray, caption: str) -> None:
        self.caption.configure(text=caption)
        self.photo = ImageTk.PhotoImage(Image.fromarray(rgb), master=self)
        self.canvas.configure(width=rgb.shape[1], height=rgb.shape[0])
        self.canvas.delete("all")
        self.canvas.create_image(0, 0, anchor="nw", image=self.photo)


def maps_strip(maps: np.ndarray, tile: int) -> np.ndarray:
    """Up to MAPS_SHOWN maps (C, H, W) of one layer as one coloured row."""
    shown = maps[:MAPS_SHOWN]
    side = shown.shape[-1]
    size = side * max(1, round(tile / side)) if side <= tile else tile
    layout = GridLayout(len(shown), len(shown), size, gap=3)
    return grid(layer_tiles(shown), layout)


def walk_strip(frames: np.ndarray, current: int, tile: int = 32) -> np.ndarray:
    """The walk's frames (N, C, H, W) in a row; the one the slider is on framed in blue."""
    layout = GridLayout(len(frames), len(frames), tile, gap=4)
    out = grid([fake_rgb(f) for f in frames], layout)
    x, y = layout.origin(current)
    out[y - 2 : y, x - 2 : x + tile + 2] = (74, 163, 255)
    out[y + tile : y + tile + 2, x - 2 : x + tile + 2] = (74, 163, 255)
    out[y - 2 : y + tile + 2, x - 2 : x] = (74, 163, 255)
    out[y - 2 : y + tile + 2, x + tile : x + tile + 2] = (74, 163, 255)
    return out
