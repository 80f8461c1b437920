"""The main window's place on the screen: DPI awareness, size from content and screen, memory.

The default size is the design size (1100x740 at 96 dpi) scaled to the
screen's dpi and zoom, grown to what the panels ask for once they are built,
and never larger than the screen. The size and position are remembered in
the settings and restored only when they still fit the current screen (a
laptop unplugged from a big monitor must not open its window off-screen).
"""

from __future__ import annotations

import functools
import re
import sys
import tkinter as tk
from dataclasses import dataclass

from .common.scaling import px

DESIGN_SIZE = (1100, 740)  # px at 96 dpi: every panel was laid out for this
DESIGN_MIN = (1000, 660)  # px at 96 dpi: below this the Draw tab starts to clip
SCREEN_SHARE = 0.94  # leave room for panels and title bars the screen size does not tell of
SETTING = "window_geometry"
_GEOMETRY = re.compile(r"^(\d+)x(\d+)([+-]-?\d+)([+-]-?\d+)$")


def declare_dpi_awareness() -> None:
    """On Windows, ask for real pixels before Tk starts, or Windows blurs a bitmap of the window.

    Guarded: older Windows lack shcore, and nothing else needs this (macOS
    gives Tk points already; X11 reports the dpi itself).
    """
    if sys.platform != "win32":
        return
    import ctypes

    try:
        ctypes.windll.shcore.SetProcessDpiAwareness(1)  # system-aware: Tk reads one dpi
    except (AttributeError, OSError):
        try:
            ctypes.windll.user32.SetProcessDPIAware()
        except (AttributeError, OSError):
            pass


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    x: int | None = None
    y: int | None = None

    def __str__(self) -> str:
        where = "" if self.x is None else f"+{self.x}+{self.y}"
        return f"{self.width}x{self.height}{where}"

    @classmethod
    def parse(cls, text: object) -> Geometry | None:
        m = _GEOMETRY.match(str(text)) if isinstance(text, str) else None
        if m is None:
            return None
        w, h, x, y = (int(g.replace("+", "")) for g in m.groups())
        return cls(w, h, x, y)


def screen_room(root: tk.Misc) -> tuple[int, int]:
    return (
        int(root.winfo_screenwidth() * SCREEN_SHARE),
        int(root.winfo_screenheight() * SCREEN_SHARE),
    )


def default_size(root: tk.Misc, want: tuple[int, int] | None = None) -> tuple[int, int]:
    """``want`` (or the design size at this dpi and zoom), cut to the screen."""
    room_w, room_h = screen_room(root)
    w, h = want or (px(DESIGN_SIZE[0]), px(DESIGN_SIZE[1]))
    return min(w, room_w), min(h, room_h)


def min_size(root: tk.Misc) -> tuple[int, int]:
    w, h = default_size(root)
    return min(px(DESIGN_MIN[0]), w), min(px(DESIGN_MIN[1]), h)


def fits(root: tk.Misc, g: Geometry) -> bool:
    """Whole on this screen and not smaller than the minimum."""
    sw, sh = root.winfo_screenwidth(), root.winfo_screenheight()
    mw, mh = min_size(root)
    x, y = g.x or 0, g.y or 0
    return (
        mw <= g.width
        and mh <= g.height
        and 0 <= x
        and 0 <= y
        and x + g.width <= sw
        and y + g.height <= sh
    )


def place(root: tk.Tk, saved: object) -> bool:
    """Size the window before it is shown; True when a remembered geometry was restored."""
    root.minsize(*min_size(root))
    g = Geometry.parse(saved)
    if g is not None and fits(root, g):
        root.geometry(str(g))
        return True
    w, h = default_size(root)
    root.geometry(f"{w}x{h}")
    return False


def fit_content(root: tk.Tk) -> None:
    """Grow the window to what the built panels ask for, within the screen."""
    root.update_idletasks()
    want = (
        max(root.winfo_width(), root.winfo_reqwidth()),
        max(root.winfo_height(), root.winfo_reqheight()),
    )
    w, h = default_size(root, want)
    if (w, h) != (root.winfo_width(), root.winfo_height()):
        root.geometry(f"{w}x{h}")


def widen(root: tk.Tk, extra: int) -> None:
    """Make a normal window ``extra`` px wider (for a docked pane), within the screen."""
    if root.wm_state() != "normal":
        return
    g = Geometry.parse(root.wm_geometry())
    if g is None:
        return
    room_w, _ = screen_room(root)
    width = min(g.width + extra, room_w)
    x = g.x if g.x is None or g.x + width <= root.winfo_screenwidth() else 0
    root.geometry(str(Geometry(width, g.height, x, g.y if x is not None else None)))


def remember(root: tk.Tk, values: dict) -> None:
    """Keep the size and position of a normal (not maximised or iconified) window."""
    try:
        if root.wm_state() != "normal":
            return
        g = Geometry.parse(root.wm_geometry())  # what place() gives back: winfo_y counts
        if g is not None:  # the menu bar, and the window would creep down
            values[SETTING] = str(g)
    except tk.TclError:  # already destroyed
        pass


class Zoom:
    """View > Zoom in/out/reset and Ctrl+wheel: the whole window re-lays out at once."""

    KEYS = {
        +1: ("<Control-plus>", "<Control-equal>", "<Control-KP_Add>"),
        -1: ("<Control-minus>", "<Control-KP_Subtract>"),
        0: ("<Control-0>", "<Control-KP_0>"),
    }

    def __init__(
        self, root: tk.Tk, values: dict, say, rescaled=lambda: None, ask_room=lambda: None
    ) -> None:
        self.root, self.values, self.say = root, values, say  # say(text): the status bar
        self.rescaled = rescaled  # after the re-layout: panels redraw their pictures
        self.ask_room = ask_room  # before growing the window: the content's new size

    def bind(self) -> None:
        for direction, keys in self.KEYS.items():
            for key in keys:
                self.root.bind(key, functools.partial(self.on_key, direction))
        self.root.bind("<Control-MouseWheel>", self.on_wheel)
        self.root.bind("<Control-Button-4>", functools.partial(self.on_key, 1))
        self.root.bind("<Control-Button-5>", functools.partial(self.on_key, -1))

    def on_key(self, direction: int, event: tk.Event) -> None:
        self.change(direction)

    def on_wheel(self, event: tk.Event) -> None:
        self.change(1 if event.delta > 0 else -1)

    def change(self, direction: int) -> float:
        from .common.scaling import current, zoom_step

        return self.set(zoom_step(current().zoom, direction))

    def set(self, zoom: float) -> float:
        from .common.scaling import current, relayout, set_zoom

        old = current().factor
        new = set_zoom(self.root, zoom).factor
        relayout(self.root, old, new)
        if new > old:  # more room for larger widgets, within the screen (the tabs scroll)
            self.ask_room()
            fit_content(self.root)
        self.values["zoom"] = current().zoom
        self.rescaled()
        self.say(f"zoom {current().zoom:.0%}")
        return current().zoom


def set_icon(root: tk.Tk) -> None:
    """The window's icon (title bar, task bar) from assets/desktop-cnn.png, when it is there."""
    from ..core.files.paths import resource_path

    path = resource_path("assets/desktop-cnn.png")
    if not path.exists():
        return
    try:
        root.iconphoto(True, tk.PhotoImage(master=root, file=str(path)))
    except tk.TclError:  # a Tk without PNG support (8.5) keeps the default icon
        pass
