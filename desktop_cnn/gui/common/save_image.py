"""Save image: any view's matplotlib Figure (core.pictures) to PNG, SVG or PDF.

The view hands over a function that draws its Figure; the file dialog picks the
name and the ending picks the format. A failure is one dialog saying why; nothing
half-written is left (core.pictures.save writes through a temp file).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from tkinter import filedialog
from typing import Any

from .messages import show_error

FILETYPES = [("PNG image", "*.png"), ("SVG (text stays text)", "*.svg"), ("PDF", "*.pdf")]


def save_figure_to(make: Callable[[], Any], path: str | Path) -> Path:
    """Draw and write; raises FigureError (one line) when it cannot."""
    from ...core.pictures.save import save_figure

    return save_figure(make(), path)


def ask_and_save(
    parent: tk.Misc,
    make: Callable[[], Any],
    name: str,
    ask: Callable[..., str] | None = None,
    error: Callable[[str, str], None] | None = None,
) -> Path | None:
    """Ask where, then save ``make()`` there; ``ask``/``error`` are seams for tests."""
    from ...core.errors import DesktopCnnError

    ask = ask or (lambda **kw: filedialog.asksaveasfilename(parent=parent.winfo_toplevel(), **kw))
    path = ask(
        title="Save image", initialfile=f"{name}.png", defaultextension=".png", filetypes=FILETYPES
    )
    if not path:
        return None
    try:
        return save_figure_to(make, path)
    except DesktopCnnError as exc:
        (error or (lambda t, m: show_error(parent, t, m)))("Cannot save the image", str(exc))
        return None
