"""Help > Chapter guide: the chapter's sections in order, each opening the part that shows it."""

from __future__ import annotations

import tkinter as tk

from ..state import AppState


def open_guide(root: tk.Misc, state: AppState):
    from .guide_window import GuideWindow  # lazily: most sessions never open it

    return GuideWindow.open(root, state)
