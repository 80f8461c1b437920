"""A canvas to draw on with the mouse or a pen, showing a ``Sketch`` (or a chosen image).

The screen shows the sketch's own antialiased PIL image (inverted: people
draw dark ink on white paper; MNIST is white on black), so what you see is
what the model reads. Several pads may show one sketch (the Draw and the
Feature-maps panels); the owner wires their callbacks.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from PIL import Image, ImageOps, ImageTk

from ..sketch import Sketch


class SketchPad(ttk.Frame):
    """``on_begin()`` before a stroke starts, ``on_change(done)`` after each visible change."""

    def __init__(
        self,
        master: tk.Misc,
        sketch: Sketch,
        size: int | None = None,
        on_begin: Callable[[], None] | None = None,
        on_change: Callable[[bool], None] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(master, name=name or "")  # "": a name of Tk's choosing, as None
        self.sketch = sketch
        self.side = size or sketch.size
        self.scale = sketch.size / self.side  # pad px -> sketch px
        self.on_begin = on_begin or (lambda: None)
        self.on_change = on_change or (lambda done: None)
        self.image: Image.Image | None = None  # a loaded picture replaces the sketch on screen
        # (sketch version, image) on screen: skip repeated pastes
        self._shown: tuple[int, int | None] = (-1, None)
        self.create_widgets()

    def create_widgets(self) -> None:
        self.canvas = tk.Canvas(
            self,
            width=self.side,
            height=self.side,
            background="white",
            highlightthickness=1,
            highlightbackground="#808080",
            cursor="pencil",
            name="canvas",
        )
        self.photo = ImageTk.PhotoImage(
            Image.new("RGB", (self.side, self.side), "white"), master=self
        )
        self.canvas.create_image(1, 1, anchor="nw", image=self.photo)
        self.canvas.keeps_size = True  # type: ignore[attr-defined]  # rescale() sizes it
        self.canvas.pack()
        self.canvas.bind("<ButtonPress-1>", self._press)
        self.canvas.bind("<B1-Motion>", self._motion)
        self.canvas.bind("<ButtonRelease-1>", self._release)
        self.canvas.bind("<Map>", lambda e: self.refresh())

    def rescale(self, ratio: float) -> None:
        """The zoom changed (scaling.relayout): a pad ``ratio`` times as large, redrawn."""
        self.side = max(28, round(self.side * ratio))
        self.scale = self.sketch.size / self.side
        self.canvas.configure(width=self.side, height=self.side)
        self.photo = ImageTk.PhotoImage(Image.new("RGB", (self.side, self.side)), master=self)
        self.canvas.delete("all")
        self.canvas.create_image(1, 1, anchor="nw", image=self.photo)
        self._shown = (-1, None)
        self.refresh()

    def _point(self, event: tk.Event) -> tuple[float, float]:
        return (event.x - 1) * self.scale, (event.y - 1) * self.scale  # 1 px highlight border

    def _press(self, event: tk.Event) -> None:
        self.on_begin()
        self.sketch.begin(*self._point(event))
        self.on_change(False)

    def _motion(self, event: tk.Event) -> None:
        if self.sketch.extend(*self._point(event)):
            self.on_change(False)

    def _release(self, event: tk.Event) -> None:
        self.sketch.extend(*self._point(event))
        self.on_change(True)

    def show_image(self, image: Image.Image | None) -> None:
        """Show a picture instead of the sketch (None: back to the sketch)."""
        self.image = image
        self.refresh()

    def refresh(self) -> None:
        """Paste what should be on screen, if it changed; skipped while the pad is hidden."""
        if not self.winfo_ismapped():
            return
        key = (self.sketch.version, id(self.image))
        if key == self._shown:
            return
        self._shown = key
        if self.image is not None:
            self.photo.paste(fit(self.image, self.side))
            return
        img = ImageOps.invert(self.sketch.image_at(self.side))
        self.photo.paste(img.convert("RGB"))


def fit(image: Image.Image, size: int) -> Image.Image:
    """An image scaled into a size x size square: small images in crisp pixels, letterboxed."""
    image = image.convert("RGB")
    w, h = image.size
    k = size / max(w, h)
    new = (max(1, round(w * k)), max(1, round(h * k)))
    method = Image.Resampling.NEAREST if max(w, h) <= 64 else Image.Resampling.LANCZOS
    out = Image.new("RGB", (size, size), "white")
    out.paste(image.resize(new, method), ((size - new[0]) // 2, (size - new[1]) // 2))
    return out
