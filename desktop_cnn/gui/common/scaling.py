"""DPI and zoom: one factor turns the pixel sizes panels were designed with (at 96 dpi) into pixels.

Tk measures fonts in points and knows the screen's pixels per point (``tk
scaling``: 1.33 at 96 dpi, 2.67 at 192 dpi), so text grows on a dense screen
by itself; canvases, images and paddings given in pixels do not. Panels pass
those through ``px()``. Screens often report a wrong dpi (a Linux desktop at
96 dpi with 2x scaling), so the user's own zoom (View > Zoom, like Thonny's
UI scaling) multiplies Tk's scaling. A zoom re-lays out at once: fonts follow
by themselves, and ``relayout`` rescales every widget's pixel sizes (canvases,
Treeview columns and rows, sliders, paddings, wrap lengths, plot dpi), and
calls ``rescale(ratio)`` on widgets that have one (the drawing pads); panels
that draw from pixel sizes redraw on the app state's "rescale" topic.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any

POINTS_PER_INCH = 72
DESIGN_DPI = 96  # the sizes in the panels were chosen on a 96 dpi screen
ZOOMS = (0.75, 0.85, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)  # View > Zoom's steps


@dataclass
class Scaling:
    """Tk's scaling as detected for the screen, and the user's zoom on top of it."""

    screen: float = DESIGN_DPI / POINTS_PER_INCH  # px per point the screen reports
    zoom: float = 1.0

    @property
    def points(self) -> float:
        """What ``tk scaling`` is set to: px per point, zoom included."""
        return self.screen * self.zoom

    @property
    def factor(self) -> float:
        """Design px -> screen px, in quarter steps: 100 dpi stays 1.0, 144 is 1.5, 192 is 2."""
        raw = self.points / (DESIGN_DPI / POINTS_PER_INCH)
        return max(0.5, round(raw * 4) / 4)


_current = Scaling()


def current() -> Scaling:
    return _current


def px(n: float) -> int:
    """A size in design pixels (at 96 dpi, zoom 100%) as pixels on this screen."""
    return int(round(n * _current.factor))


def clamp_zoom(zoom: object) -> float:
    """A saved or asked-for zoom, as the nearest of ``ZOOMS`` (1.0 for nonsense)."""
    if not isinstance(zoom, (int, float, str)):  # e.g. null or a list in settings.json
        return 1.0
    try:
        z = float(zoom)
    except (TypeError, ValueError):
        return 1.0
    if not z > 0:  # also NaN
        return 1.0
    return min(ZOOMS, key=lambda step: abs(step - z))


def init(root: tk.Misc, zoom: object = 1.0) -> Scaling:
    """Read the screen's scaling once, before any widget is built, and apply the zoom."""
    global _current
    _current = Scaling(float(root.tk.call("tk", "scaling")), clamp_zoom(zoom))
    root.tk.call("tk", "scaling", _current.points)
    return _current


def set_zoom(root: tk.Misc, zoom: float) -> Scaling:
    """Change the zoom now: every named font is re-measured, so all text follows at once."""
    _current.zoom = clamp_zoom(zoom)
    root.tk.call("tk", "scaling", _current.points)
    for name in tkfont.names(root):
        f = tkfont.nametofont(name, root=root)
        f.configure(size=f.cget("size"))  # same points, new pixels
    return _current


def zoom_step(zoom: float, direction: int) -> float:
    """The next step of ``ZOOMS`` up (+1) or down (-1); 0 resets to 100%."""
    if direction == 0:
        return 1.0
    i = ZOOMS.index(clamp_zoom(zoom)) + direction
    return ZOOMS[min(max(i, 0), len(ZOOMS) - 1)]


# --- live re-layout ---------------------------------------------------------------------------
# (widget path, option) -> (value, factor it was laid out at): every new size is computed
# from that, never from the last rounded one, so zooming in and out does not drift.
_laid_out: dict[tuple[str, str], tuple[object, float]] = {}
PIXEL_OPTIONS = {
    tk.Canvas: ("width", "height"),
    ttk.Scale: ("length",),
    tk.Scale: ("length", "width", "sliderlength"),
    ttk.Progressbar: ("length",),
    ttk.Label: ("wraplength",),
    tk.Label: ("wraplength",),
    ttk.Frame: ("padding",),
    ttk.LabelFrame: ("padding",),
}
GEOMETRY_OPTIONS = ("padx", "pady", "ipadx", "ipady")


def resize(w: tk.Misc, option: str, design: float) -> Callable[[], None]:
    """Set a pixel option to ``design`` px (at 96 dpi, zoom 100%), now and on every later
    re-layout; returns what puts the option back as it was, at the zoom current then."""
    key = (str(w), option)
    before = _laid_out.get(key, (w.cget(option), _current.factor))
    _laid_out[key] = (design, 1.0)
    w.configure(**{option: px(design)})

    def undo() -> None:
        _laid_out[key] = before
        if w.winfo_exists():
            w.configure(**{option: _scaled(before[0], _current.factor / before[1])})

    return undo


def walk(widget: tk.Misc) -> Iterator[tk.Misc]:
    yield widget
    for child in widget.winfo_children():
        yield from walk(child)


def _scaled(value: object, k: float) -> object:
    """A pixel option (a number, a "3 4" string or a tuple of them) times ``k``."""
    if isinstance(value, int | float):
        return round(value * k)
    parts = value if isinstance(value, tuple | list) else str(value).split()
    try:
        return tuple(round(float(str(v)) * k) for v in parts) if parts else value
    except ValueError:  # "2c", "" ...: not plain pixels
        return value


def _rescaled(key: tuple[str, str], now: object, old: float, new: float) -> object:
    value, at = _laid_out.setdefault(key, (now, old))
    return _scaled(value, new / at)


def _geometry(w: tk.Misc, old: float, new: float) -> None:
    manager = w.winfo_manager()
    if manager not in ("pack", "grid"):
        return
    managed: Any = w  # a Misc that is packed or gridded: a Pack or Grid too
    info = managed.pack_info() if manager == "pack" else managed.grid_info()
    change = {}
    for opt in GEOMETRY_OPTIONS:
        if opt in info and str(info[opt]) not in ("0", "(0,)", ""):
            change[opt] = _rescaled((str(w), opt), info[opt], old, new)
    if change:
        (managed.pack_configure if manager == "pack" else managed.grid_configure)(**change)


def _options(w: tk.Misc, old: float, new: float) -> None:
    for cls, names in PIXEL_OPTIONS.items():
        if getattr(w, "keeps_size", False):
            break
        if type(w) is cls or (cls is tk.Canvas and isinstance(w, tk.Canvas)):
            for name in names:
                try:
                    now = w.cget(name)
                except tk.TclError:
                    continue
                if str(now) not in ("0", "", "()"):
                    w.configure(**{name: _rescaled((str(w), name), now, old, new)})
    if isinstance(w, ttk.Treeview):
        for col in ("#0", *w.cget("columns")):
            width = w.column(col, "width")
            scaled = _rescaled((str(w), f"col {col}"), width, old, new)
            w.column(col, width=int(str(scaled)))
        for fit in _tree_hooks:  # a font is not exactly k times wider at k times the size
            fit(w)
    figure = getattr(w, "figure", None)
    if figure is not None and hasattr(figure, "set_dpi"):  # a matplotlib pane: fonts and lines
        dpi, at = _laid_out.setdefault((str(w), "dpi"), (figure.get_dpi(), old))
        figure.set_dpi(float(str(dpi)) * new / at)
        canvas = getattr(w, "canvas", None)
        if canvas is not None:
            widget = canvas.get_tk_widget()
            figure.set_size_inches(
                max(1, widget.winfo_width()) / figure.get_dpi(),
                max(1, widget.winfo_height()) / figure.get_dpi(),
                forward=False,
            )
            canvas.draw_idle()


_style_hooks: list[Callable[[tk.Misc], None]] = []
_tree_hooks: list[Callable[[ttk.Treeview], None]] = []


def on_treeview(fn: Callable[[ttk.Treeview], None]) -> None:
    """Call ``fn(tree)`` on every Treeview at every re-layout, after its columns were scaled:
    columns.fit widens those narrower than their text."""
    if fn not in _tree_hooks:
        _tree_hooks.append(fn)


def on_relayout(fn: Callable[[tk.Misc], None]) -> None:
    """Call ``fn(root)`` on every re-layout, before the widgets: the theme's pixel sizes."""
    if fn not in _style_hooks:
        _style_hooks.append(fn)


def style_rows(root: tk.Misc) -> None:
    """Treeview rows are fixed pixels: as tall as the font's line space, plus a margin."""
    line = tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace")
    ttk.Style(root).configure("Treeview", rowheight=line + px(6))


def relayout(root: tk.Misc, old: float, new: float) -> None:
    """Re-lay out every widget for a new factor (``old`` -> ``new``), at once."""
    style_rows(root)
    for hook in _style_hooks:
        hook(root)
    if old == new:
        return
    for w in list(walk(root)):
        if isinstance(w, tk.Menu):
            continue
        try:
            _options(w, old, new)
            _geometry(w, old, new)
            rescale = getattr(w, "rescale", None)
            if callable(rescale):
                rescale(new / old)
        except tk.TclError:  # destroyed while we walked
            continue
