"""The main window: menu, status bar, the panels, and a start-up that never freezes.

Start-up order (torch takes ~3 s to import on a small CPU): create the window
with placeholder tabs and show it; build the Draw panel, which needs only
PIL, so people can start drawing; import torch, load and warm up the model
in a ``Preloader`` thread; when it is ready install the model (the first
prediction is possible from here) and build the Feature-maps panel; when
matplotlib has been imported too, build the Train and Model panels.

The app composes: it builds the panels, puts the correction bar under the
Draw panel's prediction, answers ``ShowTab`` requests, and owns the app
state, whose ``workers`` it shuts down on close. Widgets that scripts and
tests look for have stable Tk names (``WIDGETS`` lists their paths).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import sys
import time
import tkinter as tk
import traceback
from dataclasses import dataclass
from pathlib import Path
from tkinter import ttk

from ..core.paths import models_dir, resource_path, settings_file
from .common.panel import MODEL_TYPES, Panel
from .common.widgets import Placeholder, StatusBar, set_theme
from .draw.draw_panel import DrawPanel
from .menubar import MenuBar, MenuCommands, about_text
from .origin import ModelOrigin
from .personal.correction import CorrectionBar
from .requests import ShowTab
from .state import AppState, Settings
from .worker import JobFailed, Task, Worker

BUNDLED_MODEL = "assets/lenet5_mnist.pt"
STARTUP_POLL_MS = 30
CLOSE_WAIT_S = 1.5  # for every worker together; the process must be gone within 2 s
# Tab title -> the Tk name of its frame: ".app.notebook.<name>", its panel "<that>.panel"
TABS = {"Draw": "draw", "Train": "train", "Feature maps": "features", "Model": "model",
        "Build": "build", "Mistakes": "mistakes", "Playground": "playground"}
# Stable paths of the widgets scripts and tests look for (root.nametowidget(path))
WIDGETS = {
    "notebook": ".app.notebook",
    "draw canvas": ".app.notebook.draw.panel.left.pad.canvas",
    "prediction": ".app.notebook.draw.panel.prediction.answer",
    "confidence": ".app.notebook.draw.panel.prediction.confidence",
    "correction bar": ".app.notebook.draw.panel.prediction.extras.correction",
    "train start": ".app.notebook.train.panel.settings.buttons.start",
    "train stop": ".app.notebook.train.panel.settings.buttons.stop",
    "feature maps canvas": ".app.notebook.features.panel.pad.canvas",
    "menu": ".menu",
}


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="desktop-cnn gui", description="Open the desktop app.")
    p.add_argument("--model", help=f"open this model file instead of the bundled {BUNDLED_MODEL}")
    p.add_argument("--no-model", action="store_true", help="start without a model")
    p.add_argument("--data-dir", help="where datasets are stored (remembered for next time)")
    # Hidden: start a training run at once (the close-during-training test, demos) and
    # print start-up timings as JSON, then quit (tests/test_gui_latency.py).
    p.add_argument("--train", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--startup-report", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


class App(Panel):
    """The main window's content; ``root`` is the Tk instance it fills."""

    def __init__(self, root: tk.Tk, args: argparse.Namespace) -> None:
        super().__init__(root, padding=(4, 4, 4, 0), name="app")
        self.root, self.args = root, args
        self.times: dict[str, float] = {}  # time.time() of each start-up milestone
        self.settings = Settings.load(settings_file())
        if args.data_dir:
            self.settings.data_dir = str(Path(args.data_dir).expanduser())
        self.state = AppState(self.settings)
        self.state.subscribe("model", self.model_changed)
        self.state.handle(ShowTab, self.show_tab)
        self.exporter = Worker(self, "the ONNX export", self.export_event, self.state.workers,
                               poll_ms=100)
        self.panels: dict[str, Panel] = {}
        self.preloader = None
        self.closing = False
        self.exit_code = 0
        self.create_widgets()

    # --- layout ---------------------------------------------------------------------------
    def create_widgets(self) -> None:
        root = self.root
        set_theme(root)
        root.title("desktop-cnn")
        root.geometry("1100x740")
        root.minsize(1000, 660)
        root.protocol("WM_DELETE_WINDOW", self.quit_app)
        root.report_callback_exception = self.report_bug
        self.menu = MenuBar(root, MenuCommands(
            open_model=self.open_model, open_recent=self.open_model,
            save_model_as=self.save_model_as, export_onnx=self.export_onnx,
            compare_models=self.compare_models, my_handwriting=self.my_handwriting,
            about=self.about, quit_app=self.quit_app))
        self.menu.show_recent(self.settings.recent_models)
        self.status = StatusBar(root, [("device", 26), ("model", 46), ("message", 0)])
        self.status.pack(side="bottom", fill="x")
        ttk.Separator(root).pack(side="bottom", fill="x")
        self.pack(fill="both", expand=True)
        self.notebook = ttk.Notebook(self, name="notebook")
        self.notebook.pack(fill="both", expand=True)
        self.notebook.enable_traversal()  # Ctrl+Tab between panels
        self.tabs: dict[str, ttk.Frame] = {}
        for name, tk_name in TABS.items():
            tab = self.tabs[name] = ttk.Frame(self.notebook, name=tk_name)
            # Alt+letter selects a tab: Mistakes takes "i", "M" is the Model tab's
            self.notebook.add(tab, text=name, underline=1 if name == "Mistakes" else 0)
            Placeholder(tab, "Loading PyTorch...").pack()
        self.status.set("device", "device: ...")
        self.status.set("model", "model: loading...")
        for key, command in {"o": self.open_model, "s": self.save_model_as,
                             "q": self.quit_app}.items():
            for k in (key, key.upper()):  # Caps Lock on
                root.bind(f"<Control-{k}>", lambda e, c=command: c())
        root.bind("<Escape>", lambda e: self.drawing_key(self.state.clear_input))
        root.bind("<Control-z>", lambda e: self.drawing_key(self.state.undo_stroke))

    def show_tab(self, request: ShowTab) -> None:
        self.notebook.select(self.tabs[request.name])

    def install(self, name: str, panel: Panel) -> None:
        """Swap a tab's placeholder for its panel."""
        for child in self.tabs[name].winfo_children():
            if child is not panel:
                child.destroy()
        panel.pack(in_=self.tabs[name], fill="both", expand=True)
        self.panels[name] = panel

    # --- start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Called once the empty window is on screen."""
        from .startup import Preloader

        self.times["window"] = time.time()
        draw = DrawPanel(self.tabs["Draw"], self.state)
        CorrectionBar(draw.extras, self.state).pack(fill="x")
        self.install("Draw", draw)
        self.preloader = Preloader(self.first_model_path())
        self.preloader.start()
        self.schedule(STARTUP_POLL_MS, self.poll_startup)

    def first_model_path(self) -> Path | None:
        if self.args.no_model:
            return None
        if self.args.model:
            return Path(self.args.model).expanduser()
        bundled = resource_path(BUNDLED_MODEL)
        return bundled if bundled.exists() else None

    def poll_startup(self) -> None:
        pre = self.preloader
        if "core" not in self.times and pre.core_ready.is_set():
            self.times["core"] = time.time()
            self.core_ready()
        if "core" in self.times and pre.plots_ready.is_set():
            self.times["panels"] = time.time()
            self.plots_ready()
            return
        self.schedule(STARTUP_POLL_MS, self.poll_startup)

    def core_ready(self) -> None:
        from .datasets import DatasetCache
        from .inspect.features_panel import FeatureMapsPanel

        pre = self.preloader
        if pre.error:
            self.status.set("message", pre.error)
            self.show_error("desktop-cnn cannot start", pre.error)
            return
        self.state.datasets = DatasetCache()
        self.status.set("device", pre.device)
        self.menu.enable_model_actions()
        self.install("Feature maps", FeatureMapsPanel(self.tabs["Feature maps"], self.state))
        if pre.checkpoint is not None:
            self.state.set_model(pre.checkpoint, ModelOrigin.file(self.first_model_path()))
        else:
            self.no_model(pre.model_error)
        self.times["model"] = time.time()

    def no_model(self, error: str | None) -> None:
        draw = self.panels["Draw"]
        draw.confidence.configure(text="No model yet: open one (Ctrl+O) or train one.")
        self.status.set("model", "model: none")
        if error:
            self.status.set("message", f"could not load the model: {error}")

    def plots_ready(self) -> None:
        if self.preloader.error:
            return
        from .build.build_panel import BuildPanel
        from .inspect.model_panel import ModelPanel
        from .mistakes.mistakes_panel import MistakesPanel
        from .playground.playground_panel import PlaygroundPanel
        from .train.train_panel import TrainPanel

        self.install("Train", TrainPanel(self.tabs["Train"], self.state))
        self.install("Model", ModelPanel(self.tabs["Model"], self.state))
        self.install("Build", BuildPanel(self.tabs["Build"], self.state))
        self.install("Playground", PlaygroundPanel(self.tabs["Playground"], self.state))
        self.install("Mistakes", MistakesPanel(self.tabs["Mistakes"], self.state))
        self.times["done"] = time.time()
        if self.args.train:
            self.notebook.select(self.tabs["Train"])
            self.panels["Train"].start_button.invoke()
            self.schedule(100, self.announce_training)
        if self.args.startup_report:
            print(json.dumps(self.times), flush=True)
            self.quit_app()

    def announce_training(self) -> None:
        """Hidden --train: say on stdout when batches flow (tests close the window then)."""
        train = self.panels["Train"]
        if train.mode == "training" and train.step > 0:
            print("desktop-cnn: training", flush=True)
        elif train.running:
            self.schedule(100, self.announce_training)
        else:
            print(f"desktop-cnn: training ended: {train.last_status}", flush=True)

    @property
    def ready(self) -> bool:
        return "done" in self.times

    # --- model files ----------------------------------------------------------------------
    def model_changed(self) -> None:
        title = self.state.title
        self.status.set("model", f"model: {title}")
        self.root.title(f"desktop-cnn - {title}")

    def open_model(self, path: str | Path | None = None) -> bool:
        """Load a model file and make it current; on any error the current model stays."""
        if "core" not in self.times:
            return False
        from ..core.checkpoints import load_checkpoint
        from ..core.errors import CheckpointError

        path = path or self.ask_open_filename(title="Open a model", filetypes=MODEL_TYPES,
                                              initialdir=models_dir())
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
        path = path or self.ask_save_filename(title="Save the model as", filetypes=MODEL_TYPES,
                                              defaultextension=".pt", initialdir=models_dir(),
                                              initialfile=name)
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
            title="Export the model to ONNX", defaultextension=".onnx", initialdir=models_dir(),
            filetypes=[("ONNX models", "*.onnx"), ("All files", "*")], initialfile=name)
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
            self.status.set("message", f"exported {event.path} (input normalisation in its "
                                       f"metadata)")

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

    # --- the rest ---------------------------------------------------------------------------
    def drawing_key(self, action) -> None:
        """Esc and Ctrl+Z act on the drawing where it is shown (Draw and Feature maps)."""
        current = self.notebook.tab("current", "text")
        if current in ("Draw", "Feature maps"):
            action()

    def report_bug(self, exc_type, exc, tb) -> None:
        """An exception escaped a Tk callback: a bug. Trace on stderr, one line on screen."""
        traceback.print_exception(exc_type, exc, tb)
        self.status.set("message", f"internal error: {exc_type.__name__}: {exc} (see the log)")

    def about(self) -> None:
        device = self.preloader.device if self.preloader is not None else None
        self.show_info("About desktop-cnn", about_text(self.root, device))

    def quit_app(self) -> None:
        """File > Quit, Ctrl+Q and the window's close button."""
        if self.closing:
            return
        self.shutdown()
        # Polls still queued would fire into a dead window. Plain Tcl "after cancel":
        # tkinter's after_cancel also deletes the callback, which destroy() deletes again.
        for job in self.root.tk.splitlist(self.root.tk.call("after", "info")):
            self.root.tk.call("after", "cancel", job)
        self.root.destroy()

    def shutdown(self) -> None:
        """End every background task (the GUI never writes a model file mid-run).

        Each is cancelled and joined: a thread still inside torch when the interpreter
        exits takes the process down ("terminate called without an active exception").
        """
        if self.closing:
            return
        self.closing = True
        for name in self.state.workers.shutdown(CLOSE_WAIT_S):
            print(f"desktop-cnn: {name} did not stop in time", file=sys.stderr)
        self.settings.save()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = tk.Tk(className="desktop-cnn")
    app = App(root, args)
    root.update()  # the window is on screen from here; everything heavy comes after
    app.start()
    root.mainloop()
    app.shutdown()  # when the window was destroyed some other way than quit_app
    # Tearing down torch and matplotlib object by object takes the interpreter ~1-2 s at
    # exit on a small CPU; freezing the heap skips the final garbage collections of it.
    gc.freeze()
    return app.exit_code
