"""File menu actions on model files: open, save, export to ONNX, compare; the recent list.

A mixin of the ``App`` (app.py): the methods use its state, settings, menu,
status bar and dialog seams, and stay reachable as ``app.open_model(...)``
and so on, where the menu, the keys and the tests call them. The export runs
its child process as a worker task (worker.py).
"""

from __future__ import annotations

import functools
import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.paths import models_dir
from .common.panel import MODEL_TYPES
from .origin import ModelOrigin
from .worker import JobFailed, Task, Worker

if TYPE_CHECKING:
    from .common.widgets import StatusBar
    from .menubar import MenuBar
    from .settings import Settings
    from .state import AppState


@dataclass(frozen=True)
class Exported:
    """The ONNX export's result: where the file is."""

    path: Path


def export_work(checkpoint, path: str | Path, task: Task) -> Exported:
    """On the worker's thread: run the export's child process and wait for it."""
    from ..core.export import ExportProcess

    job = ExportProcess(checkpoint, path)
    task.on_cancel(job.proc.kill)  # quitting the app ends the child too
    return Exported(job.result())


class ModelFileActions:
    """Needs ``state``, ``settings``, ``menu``, ``status``, ``times``, ``exporter`` (a Worker
    whose events go to ``export_event``) and a Panel's seams: the App has them all."""

    state: AppState
    settings: Settings
    root: tk.Tk
    times: dict[str, float]
    menu: MenuBar
    status: StatusBar
    exporter: Worker
    show_error: Callable[[str, str], None]  # the Panel's dialog seams
    ask_open_filename: Callable[..., str]
    ask_save_filename: Callable[..., str]

    if TYPE_CHECKING:

        @property
        def ready(self) -> bool: ...  # the App's: every panel built

    def open_model(self, path: str | Path | None = None) -> bool:
        """Load a model file and make it current; on any error the current model stays."""
        if "core" not in self.times:
            return False
        from ..core.checkpoints import load_checkpoint
        from ..core.errors import CheckpointError

        path = path or self.ask_open_filename(
            title="Open a model", filetypes=MODEL_TYPES, initialdir=models_dir()
        )
        if not path:
            return False
        try:
            ck = load_checkpoint(path)
        except CheckpointError as exc:
            if str(path) in self.settings.recent_models and not Path(path).exists():
                self.settings.forget_recent(path)
                self.menu.show_recent(self.settings.recent_models)
            self.show_error("Cannot open the model", str(exc))
            return False
        self.state.set_model(ck, ModelOrigin.file(path))
        self.remember(path, f"opened {path}")
        return True

    def save_model_as(self, path: str | Path | None = None) -> bool:
        if "core" not in self.times:
            return False
        from ..core.checkpoints import save_checkpoint

        ck = self.state.checkpoint
        if ck is None:
            self.show_error("Nothing to save", "There is no model yet: train or open one.")
            return False
        name = f"{ck.info.arch}_{ck.info.dataset.split(':')[0]}.pt"
        path = path or self.ask_save_filename(
            title="Save the model as",
            filetypes=MODEL_TYPES,
            defaultextension=".pt",
            initialdir=models_dir(),
            initialfile=name,
        )
        if not path:
            return False
        try:
            save_checkpoint(path, ck.model, ck.info)  # atomic: temp file, fsync, rename
        except OSError as exc:
            self.show_error("Cannot save the model", f"{path}: {exc.strerror or exc}")
            return False
        self.state.origin = ModelOrigin.file(path)  # the same model: nobody needs telling
        self.remember(path, f"saved {path}")
        return True

    def export_onnx(self, path: str | Path | None = None) -> bool:
        """File > Export to ONNX: in a child process (seconds), polled from here."""
        if "core" not in self.times:
            return False
        from ..core.errors import DesktopCnnError
        from ..core.export import require_exporter

        ck = self.state.checkpoint
        if ck is None:
            self.show_error("Nothing to export", "There is no model yet: train or open one.")
            return False
        try:  # optional packages: the app and its bundle run without them
            require_exporter()
        except DesktopCnnError as exc:  # it says what to install
            self.show_error("Export to ONNX", f"{str(exc)[:1].upper()}{str(exc)[1:]}")
            return False
        name = f"{ck.info.arch}_{ck.info.dataset.split(':')[0]}.onnx"
        path = path or self.ask_save_filename(
            title="Export the model to ONNX",
            defaultextension=".onnx",
            initialdir=models_dir(),
            filetypes=[("ONNX models", "*.onnx"), ("All files", "*")],
            initialfile=name,
        )
        if not path:
            return False
        self.exporter.start(functools.partial(export_work, ck, path))
        self.status.set("message", f"exporting to {path}...")
        return True

    def export_event(self, event: object) -> None:
        if isinstance(event, JobFailed):
            self.status.set("message", "export failed")
            self.show_error("Cannot export the model", event.message)
        elif isinstance(event, Exported):
            self.status.set(
                "message", f"exported {event.path} (input normalisation in its metadata)"
            )

    def compare_models(self) -> tk.Toplevel | None:
        """File > Compare models: one window, shown again with its list when reopened."""
        if not self.ready:  # it draws with matplotlib, imported in the background
            self.status.set("message", "still loading: try again in a moment")
            return None
        from .inspect.compare_window import CompareWindow

        for child in self.root.winfo_children():
            if isinstance(child, CompareWindow):  # closing it only hid it
                child.show()
                return child
        return CompareWindow(self.root, self.state)

    def my_handwriting(self) -> None:
        from .personal.correction import PersonalWindow

        PersonalWindow.open(self.root, self.state)

    def remember(self, path: str | Path, message: str) -> None:
        self.settings.add_recent(path)
        self.menu.show_recent(self.settings.recent_models)
        self.status.set("message", message)
