"""Presentation mode (F11): side controls compact, so the main view fits a projector enlarged.

While presenting, every panel asks for less room where it can lose it without
losing what a room of students looks at: text views ask for a few lines and
matplotlib figures for a low height (both stretch into the room that is left),
help text marked ``secondary`` is hidden, and widgets may register their own
``on_present`` hook (a table showing only its main columns). ``compact(False)``
gives everything back as it was, at whatever zoom is current by then.
"""

from __future__ import annotations

import tkinter as tk
import weakref
from collections.abc import Callable
from typing import Any

from . import scaling

TEXT_LINES = 3  # stretching text views (logs, answers) ask for this many lines
FIGURE_HEIGHT = 150  # design px a stretching matplotlib figure asks for

_secondary: weakref.WeakSet[tk.Misc] = weakref.WeakSet()
_hooks: list[tuple[weakref.ref, Callable[[bool], None]]] = []
_undo: list[Callable[[], None]] = []


def secondary(widget: tk.Misc) -> tk.Misc:
    """Hide ``widget`` (help text, hints) while presenting; returns it, to chain."""
    _secondary.add(widget)
    return widget


def on_present(owner: tk.Misc, hook: Callable[[bool], None]) -> None:
    """``hook(True)`` when presenting starts, ``hook(False)`` when it ends, while ``owner``
    exists."""
    _hooks.append((weakref.ref(owner), hook))


def compact(panels: list[tk.Misc], on: bool) -> None:
    """Make ``panels`` compact (``on``), or give back what an earlier call took."""
    while _undo:
        undo = _undo.pop()
        try:
            undo()
        except tk.TclError:  # its app was closed while presenting
            continue
    live = [(ref(), hook) for ref, hook in _hooks if ref() is not None]
    _hooks[:] = [(ref, hook) for ref, hook in _hooks if ref() is not None]
    for owner, hook in live:
        if owner is not None and _alive(owner):
            hook(on)
    if not on:
        return
    for panel in panels:
        for w in list(scaling.walk(panel)):
            if w in _secondary:
                _undo.append(_hide(w))
            elif isinstance(w, tk.Text) and int(w.cget("height")) > TEXT_LINES:
                _undo.append(_set(w, "height", TEXT_LINES))
            elif _is_figure(w) and w.winfo_reqheight() > scaling.px(FIGURE_HEIGHT):
                _undo.append(scaling.resize(w, "height", FIGURE_HEIGHT))


def _alive(w: tk.Misc) -> bool:
    try:
        return bool(w.winfo_exists())
    except tk.TclError:
        return False


def _is_figure(w: tk.Misc) -> bool:
    """A matplotlib figure's canvas (its frame holds the figure): it redraws to any size."""
    return isinstance(w, tk.Canvas) and getattr(w.master, "figure", None) is not None


def _set(w: tk.Misc, option: str, value: object) -> Callable[[], None]:
    before = w.cget(option)
    w.configure(**{option: value})

    def undo() -> None:
        if _alive(w):
            w.configure(**{option: before})

    return undo


def _hide(widget: tk.Misc) -> Callable[[], None]:
    """Take ``widget`` out of its pack or grid; the undo puts it back in the same place."""
    w: Any = widget  # a managed widget: a Pack and Grid too
    manager = w.winfo_manager()
    if manager == "grid":
        w.grid_remove()  # grid remembers the cell and options

        def regrid() -> None:
            if _alive(w):
                w.grid()

        return regrid
    if manager != "pack":
        return lambda: None
    info = w.pack_info()
    slaves = info["in"].pack_slaves()
    later = slaves[slaves.index(w) + 1 :]
    w.pack_forget()

    def back() -> None:
        if not _alive(w):
            return
        where = next((s for s in later if _alive(s) and s.winfo_manager() == "pack"), None)
        w.pack(**info, **({"before": where} if where is not None else {}))

    return back
