"""DPI and zoom: one factor turns the pixel sizes panels were designed with (at 96 dpi) into pixels.

Tk measures fonts in points and knows the screen's pixels per point (``tk
scaling``: 1.33 at 96 dpi, 2.67 at 192 dpi), so text grows on a dense screen
by itself; canvases, images and paddings given in pixels do not. Panels pass
those through ``px()``. Screens often report a wrong dpi (a Linux desktop at
96 dpi with 2x scaling), so the user's own zoom (View > Zoom, like Thonny's
UI scaling) multiplies Tk's scaling: fonts follow at once, pixel sizes at the
next start (panels are built once).
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import font as tkfont

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


def image_factor() -> int:
    """An integer factor for pixel images (MNIST digits, feature maps): square pixels stay crisp."""
    return max(1, int(round(_current.factor)))


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
