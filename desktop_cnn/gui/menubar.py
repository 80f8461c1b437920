"""The menu bar: File (open, save, recent models, quit) and Help (about)."""

from __future__ import annotations

import sys
import tkinter as tk
from typing import TYPE_CHECKING

from .. import __version__
from .guide import open_guide

if TYPE_CHECKING:
    from .app import App


class MenuBar(tk.Menu):
    """Commands call the ``App``'s methods; model actions wait until torch has loaded."""

    def __init__(self, root: tk.Tk, app: App) -> None:
        super().__init__(root)
        self.app = app
        self.create_widgets()
        root.configure(menu=self)

    def create_widgets(self) -> None:
        app = self.app
        self.file_menu = tk.Menu(self, tearoff=False)
        self.file_menu.add_command(label="Open model...", accelerator="Ctrl+O",
                                   command=app.open_model, state="disabled")
        self.file_menu.add_command(label="Save model as...", accelerator="Ctrl+S",
                                   command=app.save_model_as, state="disabled")
        self.file_menu.add_command(label="Export to ONNX...", command=app.export_onnx,
                                   state="disabled")
        self.file_menu.add_command(label="Compare models...", command=app.compare_models,
                                   state="disabled")
        self.recent_menu = tk.Menu(self.file_menu, tearoff=False)
        self.file_menu.add_cascade(label="Recent models", menu=self.recent_menu)
        self.file_menu.add_separator()
        self.file_menu.add_command(label="Quit", accelerator="Ctrl+Q", command=app.quit_app)
        self.add_cascade(label="File", menu=self.file_menu, underline=0)
        self.tools_menu = tk.Menu(self, tearoff=False)
        self.tools_menu.add_command(label="My handwriting...", command=self.my_handwriting)
        self.add_cascade(label="Tools", menu=self.tools_menu, underline=1)  # Alt+T: Train tab
        help_menu = tk.Menu(self, tearoff=False)
        help_menu.add_command(label="Chapter guide", command=lambda: open_guide(app.root,
                                                                                app.state))
        help_menu.add_command(label="About desktop-cnn", command=app.about)
        self.add_cascade(label="Help", menu=help_menu, underline=0)

    def enable_model_actions(self) -> None:
        for label in ("Open model...", "Save model as...", "Export to ONNX...",
                      "Compare models..."):
            self.file_menu.entryconfigure(label, state="normal")

    def my_handwriting(self) -> None:
        from .personal.correction import PersonalWindow  # lazily: it reads PNGs through the core

        PersonalWindow.open(self.app.root, self.app.state)

    def show_recent(self, paths: list[str]) -> None:
        self.recent_menu.delete(0, "end")
        for path in paths:
            self.recent_menu.add_command(label=path,
                                         command=lambda p=path: self.app.open_model(p))
        if not paths:
            self.recent_menu.add_command(label="(none yet)", state="disabled")


def about_text(root: tk.Tk, device: str | None) -> str:
    """Versions and device; torch's version only once it is imported (it may still load)."""
    lines = [f"desktop-cnn {__version__}",
             "Learn convolutional networks: draw, train, look inside.", "",
             f"Python {sys.version.split()[0]}, Tk {root.tk.call('info', 'patchlevel')}"]
    torch = sys.modules.get("torch")
    if torch is not None and device:
        lines += [f"PyTorch {torch.__version__}", f"Device: {device}"]
    return "\n".join(lines)
