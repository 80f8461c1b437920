"""A scrolling grid of small images with captions; a click reports the image's position.

The Mistakes panel shows test images in it, the personal-data window the
user's drawings. Each thumbnail is its own small Tk image on one canvas, so a
resize only moves items; a few hundred of them build in well under 100 ms.
"""

from __future__ import annotations

import functools
import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from tkinter import font as tkfont
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from .images import zoom
from .scaling import px

SELECTED = "#2f6db5"


@dataclass
class Thumb:
    rgb: np.ndarray  # (H, W, 3) uint8
    caption: str  # one or two short lines
    color: str = "#222"


class ThumbGrid(ttk.Frame):
    """``show(thumbs)``; ``on_click(i)`` gets the index into the list last shown."""

    def __init__(
        self,
        master: tk.Misc,
        on_click: Callable[[int], None],
        tile: int = 56,
        cell_width: int = 84,
        caption_height: int = 30,
        height: int = 300,
    ) -> None:
        super().__init__(master)
        self.on_click = on_click
        self.design = (cell_width, caption_height)  # px at 96 dpi, zoom 100%
        tile, cell_width, height = (px(n) for n in (tile, cell_width, height))
        self.tile = tile
        self.cell_w = cell_width  # widened to share the canvas's width between the columns
        bg = ttk.Style().lookup("TFrame", "background") or "#dcdad5"
        self.canvas = tk.Canvas(
            self,
            height=height,
            width=cell_width * 4,
            background=bg,
            highlightthickness=0,
            cursor="hand2",
        )
        self.scroll = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=self.scroll.set)
        self.scroll.pack(side="right", fill="y")
        self.canvas.pack(side="left", fill="both", expand=True)
        self.canvas.bind("<Configure>", lambda e: self._layout())
        self.canvas.bind("<Button-1>", self._click)
        for seq, step in (("<Button-4>", -1), ("<Button-5>", 1)):  # X11 wheel
            self.canvas.bind(seq, functools.partial(self._wheel, step))
        self.canvas.bind(
            "<MouseWheel>", lambda e: self.canvas.yview_scroll(-1 if e.delta > 0 else 1, "units")
        )
        self.thumbs: list[Thumb] = []
        self.photos: list[ImageTk.PhotoImage] = []
        self.selected: int | None = None
        self.message = ""
        self._cols = 0

    @property
    def count(self) -> int:
        return len(self.thumbs)

    @property
    def min_cell_w(self) -> int:
        return px(self.design[0])

    @property
    def cap_h(self) -> int:
        """Room for two caption lines in their font, at this dpi and zoom."""
        line = tkfont.nametofont("TkSmallCaptionFont", root=self).metrics("linespace")
        return max(px(self.design[1]), 2 * line + 2)

    def rescale(self, ratio: float) -> None:
        """A zoom (scaling.relayout): the captions' room and the cells follow the font."""
        self._cols = 0
        self.after_idle(self._layout)

    def show(self, thumbs: list[Thumb], message: str = "", tile: int | None = None) -> None:
        """Replace the images (``tile`` px wide); ``message`` is shown when there are none."""
        self.thumbs, self.message, self.selected = list(thumbs), message, None
        self.tile = tile or self.tile
        self.photos = [
            ImageTk.PhotoImage(Image.fromarray(self._enlarge(t.rgb)), master=self)
            for t in self.thumbs
        ]
        self._cols = 0  # force a full layout
        self._layout()
        self.canvas.yview_moveto(0)

    def _enlarge(self, rgb: np.ndarray) -> np.ndarray:
        if rgb.shape[0] == rgb.shape[1]:
            return zoom(rgb, self.tile)  # crisp pixels, like the feature maps
        img = Image.fromarray(rgb)
        img.thumbnail((self.tile, self.tile))
        return np.asarray(img)

    def columns(self) -> int:
        return max(1, self.width() // self.min_cell_w)

    def width(self) -> int:
        width = self.canvas.winfo_width()
        return width if width > 1 else int(self.canvas.cget("width"))

    def origin(self, i: int) -> tuple[int, int]:
        """Top-left corner of cell ``i`` in canvas coordinates."""
        r, c = divmod(i, max(self._cols, 1))
        return c * self.cell_w, r * (self.tile + self.cap_h + 8)

    def center(self, i: int) -> tuple[int, int]:
        """The middle of image ``i`` in window pixels of the canvas (scrolls it into view)."""
        x, y = self.origin(i)
        height = float(self.canvas.cget("scrollregion").split()[3])
        self.canvas.yview_moveto(y / max(height, 1.0))
        cx = x + self.cell_w // 2
        cy = y + 4 + self.tile // 2
        return int(cx - self.canvas.canvasx(0)), int(cy - self.canvas.canvasy(0))

    def _layout(self) -> None:
        cols = self.columns()
        cell_w = max(self.min_cell_w, self.width() // cols)
        if (cols, cell_w) == (self._cols, self.cell_w) and self.canvas.find_all():
            return  # the same grid: a resize that changes nothing costs nothing
        self._cols, self.cell_w = cols, cell_w
        c = self.canvas
        c.delete("all")
        if not self.thumbs:
            c.create_text(
                8,
                8,
                anchor="nw",
                text=self.message,
                fill="#555",
                width=max(100, c.winfo_width() - 16),
            )
            c.configure(scrollregion=(0, 0, 1, 1))
            return
        for i, (thumb, photo) in enumerate(zip(self.thumbs, self.photos, strict=True)):
            x, y = self.origin(i)
            mid = x + self.cell_w // 2
            c.create_image(mid, y + 4, anchor="n", image=photo, tags=(f"t{i}",))
            c.create_text(
                mid,
                y + 6 + self.tile,
                anchor="n",
                text=thumb.caption,
                fill=thumb.color,
                justify="center",
                width=self.cell_w - 4,
                font="TkSmallCaptionFont",
            )
        self._mark()
        bbox = c.bbox("all")
        c.configure(scrollregion=(0, 0, bbox[2], bbox[3] + 4))

    def select(self, i: int | None) -> None:
        self.selected = i
        self._mark()

    def _mark(self) -> None:
        self.canvas.delete("mark")
        if self.selected is None or self.selected >= len(self.thumbs):
            return
        x, y = self.origin(self.selected)
        self.canvas.create_rectangle(
            x + 2,
            y + 1,
            x + self.cell_w - 2,
            y + self.tile + self.cap_h + 6,
            outline=SELECTED,
            width=2,
            tags=("mark",),
        )

    def index_at(self, x: int, y: int) -> int | None:
        """The image under window pixel (x, y) of the canvas, or None."""
        cx, cy = self.canvas.canvasx(x), self.canvas.canvasy(y)
        row_h = self.tile + self.cap_h + 8
        c, r = int(cx // self.cell_w), int(cy // row_h)
        if c >= max(self._cols, 1) or cx < 0 or cy < 0:
            return None
        i = r * self._cols + c
        return i if i < len(self.thumbs) else None

    def _wheel(self, step: int, event: tk.Event) -> None:  # X11's buttons 4 and 5
        self.canvas.yview_scroll(step, "units")

    def _click(self, event: tk.Event) -> None:
        i = self.index_at(event.x, event.y)
        if i is not None:
            self.on_click(i)
