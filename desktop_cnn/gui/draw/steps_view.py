"""The preprocessing, step by step: from the canvas to the 28x28 tensor the model reads.

Four pictures of one ``DigitSteps``: the drawing with its ink box, the digit
scaled to fit MNIST's 20x20 box, that box placed in 28x28, and the same moved
so its centre of mass sits at the centre. A checkbutton switches the last step
off, to show why it matters: MNIST's digits were all centred that way. The
pictures are drawn with numpy and PIL (no Tk) in the functions below.
``core.data.preprocess`` is imported where it is used: it imports torch, and the
Draw panel must be up before torch is (see app.py).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import font as tkfont
from tkinter import ttk
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from ..common.images import to_rgb, zoom
from ..common.panel import PAD
from ..common.scaling import px
from ..common.widgets import ArrayView

if TYPE_CHECKING:
    from ...core.data.preprocess import DigitSteps

TILE = 112  # px: 4x a 28x28 image, so its pixels stay square
BACKGROUND = (90, 90, 90)  # around a picture that does not fill its tile
BOX_COLOUR = (230, 40, 40)
MASS_COLOUR = (255, 60, 60)  # the centre of mass
CENTRE_COLOUR = (60, 200, 90)  # the image centre, where MNIST put the mass


def raw_tile(steps: DigitSteps, size: int = TILE) -> np.ndarray:
    """The input in gray (white ink on black), letterboxed into the tile, its ink box in red."""
    h, w = steps.gray.shape
    k = size / max(h, w)
    new = (max(1, round(w * k)), max(1, round(h * k)))
    img = Image.fromarray((np.clip(steps.gray, 0, 1) * 255).astype(np.uint8))
    img = img.resize(new, Image.Resampling.BILINEAR, reducing_gap=2.0).convert("RGB")
    out = Image.new("RGB", (size, size), BACKGROUND)
    ox, oy = (size - new[0]) // 2, (size - new[1]) // 2
    out.paste(img, (ox, oy))
    if steps.crop_box is not None:
        left, top, right, bottom = steps.crop_box
        ImageDraw.Draw(out).rectangle(
            (ox + left * k - 1, oy + top * k - 1, ox + right * k, oy + bottom * k),
            outline=BOX_COLOUR,
            width=2,
        )
    return np.asarray(out)


def scaled_tile(scaled: np.ndarray, size: int = TILE) -> np.ndarray:
    """The cropped, scaled digit in whole-pixel zoom, centred in MNIST's 20x20 box (black)."""
    from ...core.data.preprocess import BOX

    k = size // (BOX + 2)  # 5: a 20 px box and its outline fit a 112 px tile
    out = np.empty((size, size, 3), np.uint8)
    out[:] = BACKGROUND
    box = (size - BOX * k) // 2
    out[box : box + BOX * k, box : box + BOX * k] = 0
    h, w = scaled.shape
    top, left = (size - h * k) // 2, (size - w * k) // 2
    out[top : top + h * k, left : left + w * k] = to_rgb(scaled).repeat(k, 0).repeat(k, 1)
    return out


def mass_tile(a: np.ndarray, size: int = TILE) -> np.ndarray:
    """A 28x28 image enlarged, with its centre of mass (red dot) and its centre (green cross)."""
    from ...core.data.preprocess import center_of_mass

    img = Image.fromarray(zoom(to_rgb(a), size))
    d = ImageDraw.Draw(img)
    k = size / a.shape[0]
    c = size / 2  # the middle of the image: pixel 13.5 of 28
    d.line((c - 10, c, c + 10, c), fill=CENTRE_COLOUR, width=2)
    d.line((c, c - 10, c, c + 10), fill=CENTRE_COLOUR, width=2)
    if a.sum() > 0:
        cx, cy = center_of_mass(a)
        x, y = (cx + 0.5) * k, (cy + 0.5) * k
        d.ellipse((x - 3.5, y - 3.5, x + 3.5, y + 3.5), fill=MASS_COLOUR, outline=(0, 0, 0))
    return np.asarray(img)


def captions(steps: DigitSteps) -> list[str]:
    """One line or two under each picture, with the numbers of that step."""
    from ...core.data.preprocess import BOX, SIZE, center_of_mass, center_of_mass_shift

    assert steps.crop_box and steps.scaled is not None and steps.placed is not None  # not empty
    left, top, right, bottom = steps.crop_box
    h, w = steps.scaled.shape
    cx, cy = center_of_mass(steps.placed)
    off = ((cx - (SIZE - 1) / 2) ** 2 + (cy - (SIZE - 1) / 2) ** 2) ** 0.5
    inverted = ", inverted" if steps.inverted else ""
    if steps.center:
        dx, dy = steps.shift
        moved = f"4. Moved ({dx:+d}, {dy:+d}) px: mass at the centre"
    else:
        dx, dy = center_of_mass_shift(steps.placed)
        moved = f"4. Skipped: would move ({dx:+d}, {dy:+d}) px"
    return [
        f"1. Ink box {right - left}x{bottom - top} px{inverted}",
        f"2. Scaled x{max(h, w) / max(right - left, bottom - top):.2f} to {w}x{h} "
        f"(box {BOX}x{BOX})",
        f"3. In {SIZE}x{SIZE}: mass {off:.1f} px off centre",
        moved,
    ]


class StepsView(ttk.LabelFrame):
    """The four pictures, their captions and the centring switch (``center`` is the caller's)."""

    def __init__(
        self, master: tk.Misc, center: tk.BooleanVar, on_toggle: Callable[[], None]
    ) -> None:
        super().__init__(master, text="From your drawing to the model's input", padding=PAD)
        self.center = center
        self.on_toggle = on_toggle
        self.steps: DigitSteps | None = None  # what is on show (tests compare it)
        self.create_widgets()

    def create_widgets(self) -> None:
        # Kept on self: a Font object deletes its named font when it is garbage collected
        self.arrow_font = arrow_font = tkfont.Font(self, size=16, weight="bold")
        self.tiles: list[ArrayView] = []
        self.captions: list[ttk.Label] = []
        for i in range(4):
            if i:
                ttk.Label(self, text="\u2192", font=arrow_font).grid(
                    row=0, column=2 * i - 1, padx=2
                )
            tile = ArrayView(self, px(TILE))
            tile.grid(row=0, column=2 * i)
            caption = ttk.Label(self, wraplength=px(TILE), justify="left", foreground="#444")
            caption.grid(row=1, column=2 * i, sticky="nw", pady=(2, 0))
            self.tiles.append(tile)
            self.captions.append(caption)
        bottom = ttk.Frame(self)
        bottom.grid(row=2, column=0, columnspan=7, sticky="ew", pady=(PAD, 0))
        self.center_check = ttk.Checkbutton(
            bottom, text="Centre the mass (step 4)", variable=self.center, command=self.on_toggle
        )
        self.center_check.pack(side="left")
        # Wrapped: a long note must not widen the strip (and squeeze the Prediction box).
        self.note = ttk.Label(
            bottom, text="", foreground="#555", wraplength=px(3 * TILE), justify="left"
        )
        self.note.pack(side="left", padx=(PAD * 2, 0))

    def show(self, steps: DigitSteps | None, note: str = "", can_center: bool = True) -> None:
        """Draw the steps; None or an empty drawing blanks them and shows ``note`` instead.

        ``can_center`` False greys the switch out: a test image or a colour picture
        is never centred, so switching would change nothing.
        """
        self.center_check.state(["!disabled"] if can_center else ["disabled"])
        self.steps = None if steps is None or steps.empty else steps
        if self.steps is None:
            for tile, caption in zip(self.tiles, self.captions, strict=True):
                tile.show(None)
                caption.configure(text="")
            self.note.configure(text=note)
            return
        s = self.steps
        assert s.scaled is not None and s.placed is not None and s.tensor is not None  # not empty
        pictures = [
            raw_tile(s),
            scaled_tile(s.scaled),
            mass_tile(s.placed),
            mass_tile(s.tensor[0].numpy()),
        ]
        for tile, caption, rgb, text in zip(
            self.tiles, self.captions, pictures, captions(s), strict=True
        ):
            tile.show(rgb)
            caption.configure(text=text)
        self.note.configure(text=note)
