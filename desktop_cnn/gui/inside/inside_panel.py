"""The Inside tab: two views (what it wants to see; how to fool it) in one notebook.

It also answers ``CompareInside`` (File > Compare models asks): a window with the listed
models' robustness curves on one plot and each model's class visualisations.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from ..common.panel import Panel
from ..requests import CompareInside
from ..state import AppState
from .attack_panel import AttackPanel
from .compare_inside import CompareInsideWindow
from .visualise_panel import VisualisePanel


class InsidePanel(Panel):
    """A notebook of the two views."""

    def __init__(self, master: tk.Misc, app_state: AppState) -> None:
        super().__init__(master, padding=0, name="panel")
        self.app_state = app_state
        self.views = ttk.Notebook(self, name="views")
        self.views.pack(fill="both", expand=True)
        self.visualise = VisualisePanel(self.views, app_state, name="visualise")
        self.attack = AttackPanel(self.views, app_state, name="attack")
        self.views.add(self.visualise, text="What it wants to see")
        self.views.add(self.attack, text="How to fool it")
        self.compare_window: CompareInsideWindow | None = None
        app_state.handle(CompareInside, self.compare)

    def compare(self, request: CompareInside) -> None:
        if self.compare_window is None or not self.compare_window.winfo_exists():
            self.compare_window = CompareInsideWindow(self.winfo_toplevel(), self.app_state)
        self.compare_window.show(list(request.paths))
