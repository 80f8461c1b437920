"""The menu bar: File (open, save, export, compare, recent models, quit), View (zoom), Tools and
Help."""

from __future__ import annotations

import functools
import sys
import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass

from .. import __version__


@dataclass(frozen=True)
class MenuCommands:
    """What the menu entries do; the app hands its methods in (the menu knows no app)."""

    open_model: Callable[[], object]
    open_recent: Callable[[str], object]
    save_model_as: Callable[[], object]
    open_lesson: Callable[[], object]
    save_lesson: Callable[[], object]
    export_onnx: Callable[[], object]
    compare_models: Callable[[], object]
    my_handwriting: Callable[[], object]
    zoom: Callable[[int], object]  # +1 in, -1 out, 0 back to the screen's own size
    chapter_guide: Callable[[], object]
    present: Callable[[], object]  # presentation mode on or off
    about: Callable[[], object]
    quit_app: Callable[[], object]


class MenuBar(tk.Menu):
    """Model actions stay disabled until torch has loaded (``enable_model_actions``)."""

    def __init__(self, root: tk.Tk, commands: MenuCommands) -> None:
        super().__init__(root, name="menu")
        self.commands = commands
        self.bundled: list[tuple[str, str]] = []  # (label, path): listed under Recent models
        self.create_widgets()
        root.configure(menu=self)

    def create_widgets(self) -> None:
        app = self.commands
        self.file_menu = tk.Menu(self, tearoff=False)
        self.file_menu.add_command(
            label="Open model...", accelerator="Ctrl+O", command=app.open_model, state="disabled"
        )
        self.file_menu.add_command(
            label="Save model as...",
            accelerator="Ctrl+S",
            command=app.save_model_as,
            state="disabled",
        )
        self.file_menu.add_command(
            label="Export to ONNX...", command=app.export_onnx, state="disabled"
        )
        self.file_menu.add_command(
            label="Compare models...", command=app.compare_models, state="disabled"
        )
        self.file_menu.add_separator()
        self.file_menu.add_command(label="Open lesson...", command=app.open_lesson)
        self.file_menu.add_command(label="Save lesson...", command=app.save_lesson)
        self.file_menu.add_separator()
        self.recent_menu = tk.Menu(self.file_menu, tearoff=False)
        self.file_menu.add_cascade(label="Recent models", menu=self.recent_menu)
        self.file_menu.add_separator()
        self.file_menu.add_command(label="Quit", accelerator="Ctrl+Q", command=app.quit_app)
        self.add_cascade(label="File", menu=self.file_menu, underline=0)
        self.view_menu = tk.Menu(self, tearoff=False)
        for label, key, step in (
            ("Zoom in", "Ctrl++", 1),
            ("Zoom out", "Ctrl+-", -1),
            ("Actual size", "Ctrl+0", 0),
        ):
            self.view_menu.add_command(
                label=label, accelerator=key, command=functools.partial(app.zoom, step)
            )
        self.view_menu.add_separator()
        self.view_menu.add_command(label="Present", accelerator="F11", command=app.present)
        self.add_cascade(label="View", menu=self.view_menu, underline=0)
        self.tools_menu = tk.Menu(self, tearoff=False)
        self.tools_menu.add_command(label="My handwriting...", command=app.my_handwriting)
        self.add_cascade(label="Tools", menu=self.tools_menu, underline=1)  # Alt+T: Train tab
        help_menu = tk.Menu(self, tearoff=False)
        help_menu.add_command(label="Chapter guide", accelerator="F1", command=app.chapter_guide)
        help_menu.add_command(label="About desktop-cnn", command=app.about)
        self.add_cascade(label="Help", menu=help_menu, underline=0)

    def enable_model_actions(self) -> None:
        for label in (
            "Open model...",
            "Save model as...",
            "Export to ONNX...",
            "Compare models...",
        ):
            self.file_menu.entryconfigure(label, state="normal")

    def show_recent(self, paths: list[str]) -> None:
        self.recent_menu.delete(0, "end")
        for path in paths:
            self.recent_menu.add_command(
                label=path, command=functools.partial(self.commands.open_recent, path)
            )
        if not paths:
            self.recent_menu.add_command(label="(none yet)", state="disabled")
        if self.bundled:  # the way back to the model the app came with
            self.recent_menu.add_separator()
        for label, path in self.bundled:
            self.recent_menu.add_command(
                label=f"Reopen bundled model: {label}",
                command=functools.partial(self.commands.open_recent, path),
            )


def about_text(root: tk.Tk, device: str | None) -> str:
    """Versions and device; torch's version only once it is imported (it may still load)."""
    lines = [
        f"desktop-cnn {__version__}",
        "Learn convolutional networks: draw, train, look inside.",
        "",
        f"Python {sys.version.split()[0]}, Tk {root.tk.call('info', 'patchlevel')}",
    ]
    torch = sys.modules.get("torch")
    if torch is not None and device:
        lines += [f"PyTorch {torch.__version__}", f"Device: {device}"]
    return "\n".join(lines)
