"""The base of every panel: a ttk.Frame whose side effects sit behind small methods.

Tests replace ``show_error``, ``ask_open_filename`` and friends on an
instance (as idlelib does "so can mock for unittests"); nothing else in a
panel opens a dialog, reads the clock or schedules a callback directly.
"""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable
from tkinter import filedialog, messagebox, ttk

from .messages import show_error

PAD = 6  # px between widgets: one value keeps every panel aligned
MISSING_DATA = "put these files there"  # core/data/datasets.py's words for a dataset not on disk
CHOOSE_FOLDER = "Choose data folder..."
MODEL_TYPES = [("desktop-cnn models", "*.pt *.pth"), ("All files", "*")]  # file dialogs


class Panel(ttk.Frame):
    def __init__(self, master: tk.Misc, **kw) -> None:
        kw.setdefault("padding", PAD)
        super().__init__(master, **kw)

    # --- seams --------------------------------------------------------------------------
    def schedule(self, ms: int, fn: Callable[[], None]) -> str:
        return self.after(ms, fn)

    def cancel(self, job: str | None) -> None:
        if job is not None:
            self.after_cancel(job)

    def now(self) -> float:
        return time.perf_counter()

    def show_error(self, title: str, message: str) -> None:
        """The whole text: headline, then details. A dataset that is missing (the message
        lists the files to put in a folder) also offers "Choose data folder..." where the
        panel has a ``choose_data_folder`` method."""
        choose = getattr(self, "choose_data_folder", None)
        if callable(choose) and MISSING_DATA in message:
            from .widgets import ChoiceDialog

            ask = ChoiceDialog(self, title, message, [CHOOSE_FOLDER, "Close"])
            if ask.ask() == CHOOSE_FOLDER:
                choose()
            return
        show_error(self, title, message)

    def show_info(self, title: str, message: str) -> None:
        messagebox.showinfo(title, message, parent=self.winfo_toplevel())

    def ask_open_filename(self, **options) -> str:
        return filedialog.askopenfilename(parent=self.winfo_toplevel(), **options)

    def ask_save_filename(self, **options) -> str:
        return filedialog.asksaveasfilename(parent=self.winfo_toplevel(), **options)

    def ask_directory(self, **options) -> str:
        return filedialog.askdirectory(parent=self.winfo_toplevel(), **options)

    # --- helpers ------------------------------------------------------------------------
    @property
    def visible(self) -> bool:
        """Mapped on screen: a hidden notebook tab skips redraws until it is shown."""
        return bool(self.winfo_ismapped())


def set_enabled(widget: ttk.Widget, enabled: bool) -> None:
    widget.state(["!disabled"] if enabled else ["disabled"])
