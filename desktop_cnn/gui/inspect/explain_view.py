"""The "one number" window: how one pixel of a conv feature map is computed, step by step.

One row per input channel: where the kernel sits on that channel's map (the
zero padding drawn as a grey border), the window of numbers it sees, the
kernel's weights, their products and the products' sum; below, the sum over
all channels, the bias, the activation, and the value beside the one the
forward pass put in the map. Everything is drawn on one canvas, so a redraw
(each time the drawing or the model changes) is one ``delete("all")`` and a
few hundred items: ~10 ms for LeNet-5's conv2.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from ...core.inspect.explain import Explanation, explain
from ..common.images import COOLWARM, GRAY, VIRIDIS, colorize
from ..common.panel import PAD
from ..common.scaling import px

CELL_W, CELL_H = 44, 17  # px per number: "-0.123" in an 8-point fixed font
THUMB = 72  # px: the source map with its padding, whole multiples of its size
GAP = 26  # px between grids, where the x, = and sum signs go
ROW_GAP = 12
PAD_FILL = "#cfcfcf"  # the zero padding, in the thumbnails and in the window grid
BOX = "#e0301e"  # the window on the source map
MAX_HEIGHT = 440  # px of rows shown before the canvas scrolls: the window fits 768 px screens
LABEL_W = 40  # characters before the numbers in the sum lines, so the numbers line up
MAX_WIDTH = 1100  # px of columns shown before the canvas scrolls sideways (an 11x11 kernel)
FORMULAS = {
    "ReLU": "max(0, x)",
    "tanh": "tanh(x)",
    "sigmoid": "1 / (1 + e^-x)",
    "none": "x",
    "leaky ReLU": "x if x > 0 else slope * x",
}


def number(v: float) -> str:
    """At most 6 characters, so every cell holds its number."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.2f}"
    return f"{v:.0e}".replace("e-0", "e-")


def ink(rgb: np.ndarray) -> str:
    """Black on light cells, white on dark ones."""
    r, g, b = (int(c) for c in rgb)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "white"


def hex_colour(rgb: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))


class ExplainView(tk.Toplevel):
    """Shows one ``Explanation``; closing hides it (the panel reuses it)."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master)
        self.title("One number, computed in front of you")
        self.transient(master.winfo_toplevel())
        self.protocol("WM_DELETE_WINDOW", self.withdraw)
        self.explanation: Explanation | None = None
        self._key: tuple | None = None  # the geometry the canvas items were built for
        self.photos: list[ImageTk.PhotoImage] = []  # Tk shows an image only while it is referenced
        self.cell_font = tkfont.nametofont("TkFixedFont").copy()
        self.cell_font.configure(size=8)
        self.create_widgets()

    def create_widgets(self) -> None:
        body = ttk.Frame(self, padding=PAD)
        body.pack(fill="both", expand=True)
        self.header = ttk.Label(body, text="", justify="left", font="TkHeadingFont")
        self.header.pack(anchor="w")
        self.legend = ttk.Label(
            body,
            foreground="#555",
            justify="left",
            wraplength=820,
            text=(
                "Each row is one input channel: its map (the red box is the window the kernel "
                "sees, grey is zero padding), the window's numbers, the kernel's weights, and "
                "their products. Blue is negative, red positive."
            ),
        )
        self.legend.pack(anchor="w", pady=(2, PAD))
        frame = ttk.Frame(body)
        frame.pack(fill="both", expand=True)
        bg = ttk.Style().lookup("TFrame", "background") or "#dcdad5"
        self.canvas = tk.Canvas(frame, highlightthickness=0, background=bg)
        self.scroll = ttk.Scrollbar(frame, orient="vertical", command=self.canvas.yview)
        self.xscroll = ttk.Scrollbar(frame, orient="horizontal", command=self.canvas.xview)
        self.canvas.configure(yscrollcommand=self.scroll.set, xscrollcommand=self.xscroll.set)
        self.xscroll.pack(side="bottom", fill="x")
        self.canvas.pack(side="left", fill="both", expand=True)
        self.canvas.bind(
            "<MouseWheel>", lambda e: self.canvas.yview_scroll(-e.delta // 120, "units")
        )
        self.canvas.bind("<Button-4>", lambda e: self.canvas.yview_scroll(-1, "units"))
        self.canvas.bind("<Button-5>", lambda e: self.canvas.yview_scroll(1, "units"))
        sums = ttk.Frame(body, padding=(0, PAD, 0, 0))
        sums.pack(fill="x")
        # One line each, like a sum written out by hand: the numbers in one column.
        self.sum_text = ttk.Label(sums, text="", font="TkFixedFont")
        self.bias_text = ttk.Label(sums, text="", font="TkFixedFont")
        self.pre_text = ttk.Label(sums, text="", font="TkFixedFont")
        self.act_text = ttk.Label(sums, text="", font="TkFixedFont")
        for label in (self.sum_text, self.bias_text, self.pre_text, self.act_text):
            label.pack(anchor="w")
        self.value_font = tkfont.nametofont("TkHeadingFont").copy()
        self.value_font.configure(size=14)
        self.value_text = ttk.Label(sums, text="", font=self.value_font)
        self.value_text.pack(anchor="w", pady=(PAD, 0))
        self.check_text = ttk.Label(sums, text="", foreground="#444")
        self.check_text.pack(anchor="w")
        self.save_button = ttk.Button(sums, text="Save image...", command=self.save_image_dialog)
        self.save_button.pack(anchor="e")
        self.ask_save_filename = None  # seams for tests (None: the real dialogs)
        self.show_error = None

    def save_image_dialog(self) -> None:
        from ...core.pictures.explain import explanation_figure
        from ..common.save_image import ask_and_save

        e = self.explanation
        if e is None:
            return
        name = f"{e.layer}-map{e.channel}-{e.row}-{e.col}"
        ask_and_save(
            self, lambda: explanation_figure(e), name, self.ask_save_filename, self.show_error
        )

    # --- showing ---------------------------------------------------------------------------
    def explain(
        self, ck, analysis, selected: tuple[str, int] | None, pixel: tuple[int, int] | None
    ) -> None:
        """Explain pixel (row, col) of conv map ``selected`` = (layer, channel) of the
        current model (a Checkpoint) on the current input (an Analysis), or say what is
        missing."""
        if ck is None or analysis is None:
            self.show_message("Nothing to explain yet: draw something or pick a test image.")
        elif selected is None or pixel is None:
            self.show_message("Click a pixel of a conv layer's map to see how it is computed.")
        else:
            try:
                self.show(explain(ck.model, analysis.x, *selected, *pixel))
            except ValueError as exc:  # e.g. a pixel outside a new model's smaller map
                self.show_message(
                    f"Cannot explain {selected[0]} map {selected[1]} at {pixel}: {exc}"
                )

    def show_message(self, text: str) -> None:
        """Nothing to explain (no input, or a layer the new model lacks): say why instead."""
        self.explanation = None
        self.header.configure(text=text)
        self.canvas.delete("all")
        self.photos.clear()
        self._key = None
        for label in (
            self.sum_text,
            self.bias_text,
            self.pre_text,
            self.act_text,
            self.value_text,
            self.check_text,
        ):
            label.configure(text="")

    def show(self, e: Explanation) -> None:
        self.explanation = e
        c_in, kh, kw = e.window.shape
        pad = "no padding" if e.padding == (0, 0) else f"padding {e.padding[0]}"
        stride = "" if e.stride == (1, 1) else f", stride {e.stride[0]}"
        self.header.configure(
            text=(
                f"{e.layer}, map {e.channel}, row {e.row}, column {e.col}: a {kh}x{kw} kernel "
                f"over {'the' if c_in == 1 else f'all {c_in}'} {self._source(e)} "
                f"({pad}{stride})"
            )
        )
        self.draw_rows(e)
        n = e.products.size
        lines = (
            (self.sum_text, f"  sum of all {n} products", e.total),
            (self.bias_text, f"+ bias of map {e.channel}", e.bias),
            (self.pre_text, "= before the activation, x", e.pre_activation),
            (self.act_text, f"{e.activation}: {FORMULAS[e.activation]}", e.value),
        )
        for label, words, v in lines:
            label.configure(text=f"{words:<{LABEL_W}}{v:+.6f}")
        self.value_text.configure(
            text=f"{e.layer} map {e.channel} at ({e.row}, {e.col}) = {e.value:.6f}"
        )
        self.check_text.configure(
            text=f"The forward pass put {e.map_value:.6f} there: the "
            f"same number (they differ by {e.error:.1e}, float32 "
            f"rounding)."
        )

    @staticmethod
    def _source(e: Explanation) -> str:
        c = e.window.shape[0]
        if e.source == "input":
            return "input image" if c == 1 else "input channels"
        return f"{e.source} map" if c == 1 else f"{e.source} maps"

    def draw_rows(self, e: Explanation) -> None:
        """Build the canvas items for this geometry once, then repaint them in place: a
        rebuild is ~900 items (~90 ms), a repaint changes their colours and texts (~15 ms)."""
        key = (e.window.shape, e.source_map.shape, e.padding, e.source)
        if key != self._key:
            self.build(e)
            self._key = key
        self.paint(e)

    def build(self, e: Explanation) -> None:
        cv = self.canvas
        cv.delete("all")
        self.photos.clear()
        self.cells: dict[tuple[str, int], list[list[tuple[int, int]]]] = {}
        self.sums: list[int] = []
        self.boxes: list[int] = []  # the window's outline on each thumbnail
        self.origins: list[tuple[int, int]] = []  # each thumbnail's top-left corner
        c_in, kh, kw = e.window.shape
        cell_w, cell_h, thumb, gap = px(CELL_W), px(CELL_H), px(THUMB), px(GAP)  # at this dpi
        titles = (f"window ({e.source})", "kernel weights", "products")
        # A column is as wide as its grid or its title, whichever is wider: a 1x1 kernel's
        # grid is narrower than "kernel weights".
        title_font = tkfont.nametofont("TkDefaultFont")
        win_w, ker_w, prod_w = (max(kw * cell_w, title_font.measure(t) + px(6)) for t in titles)
        x_win = px(8 + THUMB + 18)
        x_ker = x_win + win_w + gap
        x_prod = x_ker + ker_w + gap
        x_sum = x_prod + prod_w + px(14)
        row_h = max(kh * cell_h, thumb + px(16)) + px(ROW_GAP)
        top = px(18)
        for x, title in (
            (px(8), "where"),
            (x_win, titles[0]),
            (x_ker, titles[1]),
            (x_prod, titles[2]),
            (x_sum, "sum"),
        ):
            cv.create_text(x, px(2), text=title, anchor="nw", fill="#333", font=title_font)
        ph, pw = e.padding
        h, w = e.source_map.shape[1:]
        self.zoom = max(1, thumb // max(h + 2 * ph, w + 2 * pw))
        for ch in range(c_in):
            y = top + ch * row_h
            photo = ImageTk.PhotoImage(
                "RGB", ((w + 2 * pw) * self.zoom, (h + 2 * ph) * self.zoom), master=self
            )
            self.photos.append(photo)
            cv.create_image(px(8), y, anchor="nw", image=photo)
            self.origins.append((px(8), y))
            self.boxes.append(cv.create_rectangle(0, 0, 0, 0, outline=BOX, width=2))
            label = e.source if c_in == 1 else f"{e.source} {ch + 1}"
            cv.create_text(px(8), y + thumb + px(2), text=label, anchor="nw", fill="#333")
            for name, x in (("window", x_win), ("kernel", x_ker), ("products", x_prod)):
                self.cells[name, ch] = self.make_grid(x, y, kh, kw)
            for x, sign in ((x_ker, "\u00d7"), (x_prod, "=")):
                cv.create_text(x - gap // 2, y + kh * cell_h / 2, text=sign, font="TkHeadingFont")
            self.sums.append(
                cv.create_text(x_sum, y + kh * cell_h / 2, anchor="w", font=self.cell_font)
            )
        width, height = x_sum + px(110), top + c_in * row_h
        cv.configure(
            scrollregion=(0, 0, width, height),
            width=min(width, px(MAX_WIDTH)),
            height=min(height, px(MAX_HEIGHT)),
        )
        if width > px(MAX_WIDTH):
            self.xscroll.pack(side="bottom", fill="x", before=self.canvas)
        else:
            self.xscroll.pack_forget()
        if height > px(MAX_HEIGHT):
            self.scroll.pack(side="right", fill="y")
        else:
            self.scroll.pack_forget()

    def make_grid(self, x0: int, y0: int, rows: int, cols: int) -> list[list[tuple[int, int]]]:
        """(rectangle, text) item ids of one grid of numbers, filled in by paint()."""
        cv, w, h = self.canvas, px(CELL_W), px(CELL_H)
        return [
            [
                (
                    cv.create_rectangle(
                        x0 + c * w,
                        y0 + r * h,
                        x0 + (c + 1) * w,
                        y0 + (r + 1) * h,
                        outline="#b8b8b8",
                    ),
                    cv.create_text(x0 + (c + 0.5) * w, y0 + (r + 0.5) * h, font=self.cell_font),
                )
                for c in range(cols)
            ]
            for r in range(rows)
        ]

    def paint(self, e: Explanation) -> None:
        src_lut = GRAY if e.source == "input" else VIRIDIS  # as the Feature maps panel shows it
        lo, hi = float(e.source_map.min()), float(e.source_map.max())
        w_bound = float(np.abs(e.weights).max()) or 1.0
        p_bound = float(np.abs(e.products).max()) or 1.0
        for ch in range(e.window.shape[0]):
            self.paint_thumb(e, ch, src_lut, lo, hi)
            self.paint_grid(
                self.cells["window", ch],
                e.window[ch],
                colorize(e.window[ch], lo, hi, src_lut),
                e.padded,
            )
            self.paint_grid(
                self.cells["kernel", ch],
                e.weights[ch],
                colorize(e.weights[ch], -w_bound, w_bound, COOLWARM),
            )
            self.paint_grid(
                self.cells["products", ch],
                e.products[ch],
                colorize(e.products[ch], -p_bound, p_bound, COOLWARM),
            )
            self.canvas.itemconfigure(self.sums[ch], text=f"\u03a3 = {e.channel_sums[ch]:+.4f}")

    def paint_grid(
        self,
        cells: list[list[tuple[int, int]]],
        values: np.ndarray,
        colours: np.ndarray,
        padded: np.ndarray | None = None,
    ) -> None:
        cv = self.canvas
        for r, row in enumerate(cells):
            for c, (rect, text) in enumerate(row):
                if padded is not None and padded[r, c]:
                    cv.itemconfigure(rect, fill=PAD_FILL)
                    cv.itemconfigure(text, text="0 pad", fill="#6a6a6a")
                else:
                    rgb = colours[r, c]
                    cv.itemconfigure(rect, fill=hex_colour(rgb))
                    cv.itemconfigure(text, text=number(float(values[r, c])), fill=ink(rgb))

    def paint_thumb(self, e: Explanation, ch: int, lut: np.ndarray, lo: float, hi: float) -> None:
        """The channel's map inside its zero padding, with the kernel's window boxed."""
        (ph, pw), z = e.padding, self.zoom
        m = e.source_map[ch]
        h, w = m.shape
        rgb = np.full((h + 2 * ph, w + 2 * pw, 3), 207, dtype=np.uint8)
        rgb[ph : ph + h, pw : pw + w] = colorize(m, lo, hi, lut)
        self.photos[ch].paste(Image.fromarray(rgb.repeat(z, 0).repeat(z, 1)))
        (x0, y0), (kh, kw) = self.origins[ch], e.padded.shape
        (r0, c0), (dr, dc) = e.origin, e.dilation
        top, left = y0 + (r0 + ph) * z, x0 + (c0 + pw) * z
        self.canvas.coords(
            self.boxes[ch], left, top, left + ((kw - 1) * dc + 1) * z, top + ((kh - 1) * dr + 1) * z
        )
