"""File menu actions on model files: open, save, export to ONNX, compare; the recent list;
the auto-save of every trained model and the question before an unsaved one is lost.

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

from ..core.files.paths import models_dir
from .common.panel import MODEL_TYPES
from .common.widgets import ChoiceDialog
from .origin import ModelOrigin, Origin
from .worker import JobFailed, Task, Worker

if TYPE_CHECKING:
    from ..core.files.checkpoints import Checkpoint
    from .common.widgets import StatusBar
    from .menubar import MenuBar
    from .settings import Settings
    from .state import AppState

SAVE, DISCARD, CANCEL = "Save...", "Discard", "Cancel"


@dataclass
class Unsaved:
    """A model trained (or fine-tuned) in this session that the user has not saved by name."""

    checkpoint: Checkpoint
    autosave: Path | None  # where it was auto-saved; None when that failed
    error: str = ""  # why the auto-save failed


@dataclass(frozen=True)
class Exported:
    """The ONNX export's result: where the file is."""

    path: Path


def export_work(checkpoint, path: str | Path, task: Task) -> Exported:
    """On the worker's thread: run the export's child process and wait for it."""
    from ..core.files.export import ExportProcess

    job = ExportProcess(checkpoint, path)
    task.on_cancel(job.proc.kill)  # quitting the app ends the child too
    return Exported(job.result())


class ModelFileActions:
    """Needs ``app_state``, ``settings``, ``menu``, ``status``, ``times``, ``exporter`` (a Worker
    whose events go to ``export_event``) and a Panel's seams: the App has them all."""

    app_state: AppState
    settings: Settings
    root: tk.Tk
    times: dict[str, float]
    menu: MenuBar
    status: StatusBar
    exporter: Worker
    show_error: Callable[[str, str], None]  # the Panel's dialog seams
    ask_open_filename: Callable[..., str]
    ask_save_filename: Callable[..., str]

    unsaved: Unsaved | None = None

    if TYPE_CHECKING:

        @property
        def ready(self) -> bool: ...  # the App's: every panel built

    # --- no trained model is lost --------------------------------------------------------
    def watch_trained_models(self) -> None:
        self.app_state.subscribe("model", self._model_set)

    def _model_set(self) -> None:
        """A run's final model (or a fine-tuned one) is auto-saved the moment it arrives."""
        ck, kind = self.app_state.checkpoint, self.app_state.origin.kind
        if ck is None or kind not in (Origin.TRAINED, Origin.FINETUNED):
            return
        if self.unsaved is not None and self.unsaved.checkpoint is ck:
            return  # the same model shown again after a replay
        from ..core.errors import DesktopCnnError
        from ..core.files.autosave import autosave

        try:
            path = autosave(ck.model, ck.info)
        except (OSError, DesktopCnnError) as exc:
            self.unsaved = Unsaved(ck, None, str(exc))
            self.status.set("message", f"could not auto-save the trained model: {exc}")
            return
        self.unsaved = Unsaved(ck, path)
        self.status.set("message", f"auto-saved the trained model as {path}")

    def ask_choice(self, title: str, message: str, choices: list[str]) -> str:
        """A seam tests replace: the button the user pressed."""
        return ChoiceDialog(self.root, title, message, choices).ask()

    def confirm_unsaved(self, doing: str) -> bool:
        """Before ``doing`` ("quitting", "opening another model") loses the unsaved model:
        Save / Discard / Cancel. True when it may go on."""
        u = self.unsaved
        if u is None:
            return True
        where = (
            f"It was auto-saved as\n{u.autosave}\n(the models folder keeps the newest "
            "auto-saves only)."
            if u.autosave
            else f"It could not be auto-saved ({u.error})."
        )
        choice = self.ask_choice(
            "Save the trained model?",
            f"The model trained in this session ({u.checkpoint.info.title}) has not been "
            f"saved under a name of yours. {where}\n\nSave it before {doing}?",
            [SAVE, DISCARD, CANCEL],
        )
        if choice == SAVE:
            return self.save_model_as(checkpoint=u.checkpoint)
        if choice == DISCARD:
            self.unsaved = None
            return True
        return False

    def open_model(self, path: str | Path | None = None) -> bool:
        """Load a model file and make it current; on any error the current model stays."""
        if "core" not in self.times:
            return False
        from ..core.errors import CheckpointError
        from ..core.files.checkpoints import load_checkpoint

        if not self.confirm_unsaved("opening another model"):
            return False
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
        self.app_state.set_model(ck, ModelOrigin.file(path))
        self.remember(path, f"opened {path}")
        return True

    def save_model_as(
        self, path: str | Path | None = None, checkpoint: Checkpoint | None = None
    ) -> bool:
        """Save the current model (or ``checkpoint``) under a name the user picks."""
        if "core" not in self.times:
            return False
        from ..core.files.checkpoints import save_checkpoint

        ck = checkpoint or self.app_state.checkpoint
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
        if ck is self.app_state.checkpoint:  # the same model: nobody needs telling
            self.app_state.origin = ModelOrigin.file(path)
        if self.unsaved is not None and self.unsaved.checkpoint is ck:
            self.unsaved = None
        self.remember(path, f"saved {path}")
        return True

    def export_onnx(self, path: str | Path | None = None) -> bool:
        """File > Export to ONNX: in a child process (seconds), polled from here."""
        if "core" not in self.times:
            return False
        from ..core.errors import DesktopCnnError
        from ..core.files.export import require_exporter

        ck = self.app_state.checkpoint
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
        return CompareWindow(self.root, self.app_state)

    def my_handwriting(self) -> None:
        from .personal.correction import PersonalWindow

        PersonalWindow.open(self.root, self.app_state)

    def remember(self, path: str | Path, message: str) -> None:
        self.settings.add_recent(path)
        self.menu.show_recent(self.settings.recent_models)
        self.status.set("message", message)
