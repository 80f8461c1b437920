"""The main window: menu, status bar, the panels, and a start-up that never freezes.

Start-up order (torch takes ~3 s to import on a small CPU): create the window
with placeholder tabs and show it; build the Draw panel, which needs only
PIL, so people can start drawing; import torch, load and warm up the model
in a ``Preloader`` worker task; when it is ready install the model (the first
prediction is possible from here) and build the Feature-maps panel; when
matplotlib has been imported too, build the Train and Model panels.

The app composes: it builds the panels, puts the correction bar under the
Draw panel's prediction, answers ``ShowTab`` requests, and owns the app
state, whose ``workers`` it shuts down on close. Widgets that scripts and
tests look for have stable Tk names (``WIDGETS`` lists their paths).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tkinter as tk
import traceback
from collections.abc import Callable
from pathlib import Path
from tkinter import ttk
from typing import TYPE_CHECKING, Protocol

from ..core.files.paths import resource_path, settings_file
from . import window
from .common import present, scaling
from .common.messages import model_not_opened
from .common.panel import Panel
from .common.scaling import px
from .common.tabbar import TABLESS, TabBar
from .common.widgets import Placeholder, StatusBar, TabScroller, set_theme
from .draw.draw_panel import DrawPanel
from .guide.guide_pane import GuidePane
from .lesson_files import LessonActions
from .menubar import MenuBar, MenuCommands, about_text
from .model_files import ModelFileActions
from .origin import ModelOrigin
from .personal.correction import CorrectionBar
from .requests import NoModelYet, OpenImage, ShowTab
from .settings import Settings
from .state import AppState
from .worker import Worker

if TYPE_CHECKING:
    from .startup import Preloader

BUNDLED_MODEL = "assets/lenet5_mnist.pt"
BUNDLED_MODELS = {  # File > Recent models > Reopen bundled model
    "LeNet-5 on MNIST": BUNDLED_MODEL,
    "LeNet-5 on CIFAR-10": "assets/lenet5_cifar10.pt",
}
STARTUP_POLL_MS = 30
CLOSE_WAIT_S = 1.5  # for every worker together; the process must be gone within 2 s
# Tab title -> the Tk name of its frame: ".app.notebook.<name>", its panel "<that>.panel"
TABS = {
    "Draw": "draw",
    "Train": "train",
    "Feature maps": "features",
    "Model": "model",
    "Build": "build",
    "Mistakes": "mistakes",
    "Playground": "playground",
    "Generate": "generate",
    "Inside": "inside",
}
# Stable paths of the widgets scripts and tests look for (root.nametowidget(path))
WIDGETS = {
    "notebook": ".app.notebook",
    "draw canvas": ".app.notebook.draw.panel.left.pad.canvas",
    "prediction": ".app.notebook.draw.panel.prediction.answer",
    "confidence": ".app.notebook.draw.panel.prediction.confidence",
    "correction bar": ".app.notebook.draw.panel.prediction.extras.correction",
    "train start": ".app.notebook.train.panel.settings.buttons.start",
    "train stop": ".app.notebook.train.panel.settings.buttons.stop",
    "feature maps canvas": ".app.notebook.features.panel.left.input.pad.canvas",
    "menu": ".menu",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="desktop-cnn gui", description="Open the desktop app.")
    p.add_argument(
        "file",
        nargs="?",
        help="a model (.pt) or lesson (.lesson) to open, or an image to show in the "
        "Draw tab (what a file manager's Open with passes)",
    )
    p.add_argument("--model", help=f"open this model file instead of the bundled {BUNDLED_MODEL}")
    p.add_argument("--no-model", action="store_true", help="start without a model")
    p.add_argument("--data-dir", help="where datasets are stored (remembered for next time)")
    # Hidden: start a training run at once (the close-during-training test, demos) and
    # print start-up timings as JSON, then quit (tests/test_gui_latency.py).
    p.add_argument("--train", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--startup-report", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


class TrainingRun(Protocol):
    """What the hidden ``--train`` uses of the Train tab: start a run, then watch it."""

    mode: str  # idle, loading, training, stopping
    step: int  # the last global step seen
    last_status: str  # how the last run ended

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...


GUIDE_SETTING = "guide_pane"  # "open" or "closed"; absent on the first start: open
GUIDE_WIDTH = 330  # design px of the docked guide
GUIDE_SHARE = 0.36  # of the window's width, at most
TABS_MIN_WIDTH = 120  # design px: the tabs beside the guide never get less
# Presentation mode tries these zooms, largest first, until the current tab fits the screen
# without scrolling: 10 pt text has a line ~25 px high at 150% on a 96 dpi screen.
PRESENT_ZOOMS = (2.0, 1.75, 1.5)


class App(LessonActions, ModelFileActions, Panel):
    """The main window's content; ``root`` is the Tk instance it fills."""

    def __init__(self, root: tk.Tk, args: argparse.Namespace) -> None:
        super().__init__(root, padding=(4, 4, 4, 0), name="app")
        self.root, self.args = root, args
        self.times: dict[str, float] = {}  # time.time() of each start-up milestone
        self.settings = Settings.load(settings_file())
        if args.data_dir:
            self.settings.data_dir = str(Path(args.data_dir).expanduser())
        self.app_state = AppState(self.settings)
        self.app_state.subscribe("model", self.model_changed)
        self.app_state.subscribe("rescale", lambda: self.place_guide())
        self.app_state.handle(ShowTab, self.show_tab)
        self.exporter = Worker(
            self, "the ONNX export", self.export_event, self.app_state.workers, poll_ms=100
        )
        self.panels: dict[str, Panel] = {}
        self.preloader: Preloader | None = None  # made by start()
        self.training: TrainingRun | None = None  # the Train tab, once built
        self.scrollers: dict[str, TabScroller] = {}
        self.closing = False
        self.unfinished: list[str] = []  # tasks still running after the close (loads)
        self.exit_code = 0
        self.create_widgets()

    # --- layout ---------------------------------------------------------------------------
    def create_widgets(self) -> None:
        root = self.root
        scaling.init(root, self.settings.values.get("zoom", 1.0))  # before any widget
        set_theme(root)
        root.title("desktop-cnn")
        window.set_icon(root)
        self.restored = window.place(root, self.settings.values.get(window.SETTING))
        root.protocol("WM_DELETE_WINDOW", self.quit_app)
        root.report_callback_exception = self.report_bug
        self.menu = MenuBar(
            root,
            MenuCommands(
                open_model=self.open_model,
                open_recent=self.open_model,
                save_model_as=self.save_model_as,
                open_lesson=self.open_lesson,
                save_lesson=self.save_lesson,
                export_onnx=self.export_onnx,
                compare_models=self.compare_models,
                my_handwriting=self.my_handwriting,
                zoom=lambda step: self.zoom.change(step),
                chapter_guide=self.chapter_guide,
                present=self.present,
                about=self.about,
                quit_app=self.quit_app,
            ),
        )
        self.menu.bundled = [
            (label, str(resource_path(rel)))
            for label, rel in BUNDLED_MODELS.items()
            if resource_path(rel).exists()
        ]
        self.menu.show_recent(self.settings.recent_models)
        self.watch_trained_models()
        self.status = StatusBar(root, [("device", 26), ("model", 46), ("message", 0)])
        self.status.pack(side="bottom", fill="x")
        ttk.Separator(root).pack(side="bottom", fill="x")
        self.pack(fill="both", expand=True)
        # The tabs and, beside them, the chapter guide (F1): panes of one Panedwindow
        self.panes = ttk.Panedwindow(self, orient="horizontal", name="panes")
        self.panes.pack(fill="both", expand=True)
        # The notebook under a bar of its tab titles that wraps into rows (a ttk.Notebook
        # clips its titles when they do not fit one row): both in one pane, "tabside"
        self.notebook = ttk.Notebook(self, name="notebook", style=TABLESS)
        self.tab_side = ttk.Frame(self, name="tabside")
        self.panes.add(self.tab_side, weight=1)
        self.guide: GuidePane | None = None
        self.notebook.enable_traversal()  # Ctrl+Tab between panels
        self.tabs: dict[str, ttk.Frame] = {}
        for name, tk_name in TABS.items():
            tab = self.tabs[name] = ttk.Frame(self.notebook, name=tk_name)
            # Alt+letter selects a tab: Mistakes takes "i", "M" is the Model tab's
            self.notebook.add(tab, text=name, underline=1 if name in ("Mistakes", "Inside") else 0)
            Placeholder(tab, "Loading PyTorch...").pack()
        self.tab_bar = TabBar(self.tab_side, self.notebook, name="tabbar")
        self.tab_bar.pack(side="top", fill="x")
        self.notebook.pack(in_=self.tab_side, fill="both", expand=True)
        self.notebook.lift(self.tab_side)  # created first: it would be hidden behind its pane
        # Its size is asked for in ask_room: a pane that asks for a new size (the bar
        # wrapping into another row) has the Panedwindow move the guide's sash
        self.tab_side.pack_propagate(False)
        self.status.set("device", "device: ...")
        self.status.set("model", "model: loading...")
        keys: dict[str, Callable[[tk.Event], object]] = {
            "o": lambda e: self.open_model(),
            "s": lambda e: self.save_model_as(),
            "q": lambda e: self.quit_app(),
        }
        for key, command in keys.items():
            for k in (key, key.upper()):  # Caps Lock on
                root.bind(f"<Control-{k}>", command)
        root.bind("<Escape>", lambda e: self.drawing_key(self.app_state.clear_input))
        root.bind("<Control-z>", lambda e: self.drawing_key(self.app_state.undo_stroke))
        self.zoom = window.Zoom(
            root,
            self.settings.values,
            lambda text: self.status.set("message", text),
            self.app_state.rescaled,
            self.ask_room,
        )
        self.zoom.bind()
        root.bind("<F1>", lambda e: self.chapter_guide())
        root.bind("<F11>", lambda e: self.present())
        self.presenting: tuple[float, bool, str] | None = None  # what to restore after it
        self.notebook.bind("<<NotebookTabChanged>>", lambda e: self.fit_presentation(), add="+")

    def ask_room(self) -> None:
        """A Panedwindow asks for its panes' size only when they are added: ask for it again
        (window.fit_content grows the window to it, within the screen)."""
        self.root.update_idletasks()
        guide = self.guide.winfo_reqwidth() if self.guide_shown and self.guide else 0
        width = self.notebook.winfo_reqwidth()
        height = self.notebook.winfo_reqheight() + self.tab_bar.winfo_reqheight()
        self.tab_side.configure(width=width, height=height)
        self.panes.configure(width=width + guide, height=height)

    def show_tab(self, request: ShowTab) -> None:
        self.notebook.select(self.tabs[request.name])

    def install(self, name: str, panel: Panel) -> None:
        """Swap a tab's placeholder for its panel."""
        for child in self.tabs[name].winfo_children():
            if child is not panel:
                child.destroy()
        self.scrollers[name] = TabScroller(self.tabs[name], panel)  # scrolls when too big
        self.panels[name] = panel

    # --- start-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Called once the empty window is on screen."""
        from .startup import Preloader

        self.times["window"] = time.time()
        if self.settings.values.get(GUIDE_SETTING) != "closed":  # the first start shows it
            self.show_guide()  # once the window is on screen: it widens the window
        draw = DrawPanel(self.tabs["Draw"], self.app_state)
        CorrectionBar(draw.extras, self.app_state).pack(fill="x")
        self.install("Draw", draw)
        self.preloader = Preloader(self.first_model_path())
        Worker(
            self, "start-up", self.startup_event, self.app_state.workers, poll_ms=STARTUP_POLL_MS
        ).start(self.preloader)
        if self.settings.warning:  # a broken settings.json was kept aside: say so, once
            self.after_idle(self.show_error, "Settings not read", self.settings.take_warning())

    def first_model_path(self) -> Path | None:
        if self.args.no_model:
            return None
        if self.args.model:
            return Path(self.args.model).expanduser()
        if self.args.file and not self.opens_image and not self.opens_lesson:
            return Path(self.args.file).expanduser()
        bundled = resource_path(BUNDLED_MODEL)
        return bundled if bundled.exists() else None

    def startup_event(self, event: object) -> None:
        from .startup import CoreReady, PlotsReady

        if isinstance(event, CoreReady):
            self.times["core"] = time.time()
            self.core_ready()
        elif isinstance(event, PlotsReady):
            self.times["panels"] = time.time()
            self.plots_ready()

    def core_ready(self) -> None:
        from .datasets import DatasetCache
        from .inspect.features_panel import FeatureMapsPanel

        pre = self.preloader
        assert pre is not None  # start() made it before the task that sends this event
        if pre.error:
            self.status.set("message", pre.error)
            self.show_error("desktop-cnn cannot start", pre.error)
            return
        self.app_state.datasets = DatasetCache()
        self.status.set("device", pre.device)
        self.menu.enable_model_actions()
        self.install("Feature maps", FeatureMapsPanel(self.tabs["Feature maps"], self.app_state))
        if pre.checkpoint is not None and pre.model_path is not None:  # loaded from that file
            self.app_state.set_model(pre.checkpoint, ModelOrigin.file(pre.model_path))
        else:
            self.no_model(pre.model_error)
        if self.args.file and self.opens_image:
            self.app_state.post(OpenImage(str(Path(self.args.file).expanduser())))
        self.times["model"] = time.time()

    @property
    def opens_image(self) -> bool:
        """``desktop-cnn FILE``: anything but a model file is an image for the Draw tab."""
        return Path(self.args.file or "").suffix.lower() not in (".pt", ".pth", ".lesson")

    @property
    def opens_lesson(self) -> bool:
        return Path(self.args.file or "").suffix.lower() == ".lesson"

    def no_model(self, error: str | None) -> None:
        self.app_state.post(NoModelYet())
        self.status.set("model", "model: none")
        if error:
            self.status.set("message", f"could not load the model: {error}")
            self.show_error(*model_not_opened(str(self.first_model_path()), error))

    def plots_ready(self) -> None:
        if self.preloader is None or self.preloader.error:
            return
        from .build.build_panel import BuildPanel
        from .generate.generate_panel import GeneratePanel
        from .inside.inside_panel import InsidePanel
        from .inspect.model_panel import ModelPanel
        from .mistakes.mistakes_panel import MistakesPanel
        from .playground.playground_panel import PlaygroundPanel
        from .train.train_panel import TrainPanel

        train = TrainPanel(self.tabs["Train"], self.app_state)
        self.install("Train", train)
        self.training = train  # what the hidden --train starts and watches
        self.install("Model", ModelPanel(self.tabs["Model"], self.app_state))
        self.install("Build", BuildPanel(self.tabs["Build"], self.app_state))
        self.install("Playground", PlaygroundPanel(self.tabs["Playground"], self.app_state))
        self.install("Mistakes", MistakesPanel(self.tabs["Mistakes"], self.app_state))
        self.install("Generate", GeneratePanel(self.tabs["Generate"], self.app_state))
        self.install("Inside", InsidePanel(self.tabs["Inside"], self.app_state))
        self.times["done"] = time.time()
        self.root.update_idletasks()  # the panels' requested sizes, for their scrollers
        for scroller in self.scrollers.values():
            scroller.fit()
        self.ask_room()
        if not self.restored:  # a remembered size is the user's choice; else fit the panels
            window.fit_content(self.root)
        if self.args.file and self.opens_lesson:
            self.open_lesson(Path(self.args.file).expanduser())
        if self.args.train:
            self.notebook.select(self.tabs["Train"])
            train.start()
            self.schedule(100, self.announce_training)
        if self.args.startup_report:
            print(json.dumps(self.times), flush=True)
            self.quit_app()

    def announce_training(self) -> None:
        """Hidden --train: say on stdout when batches flow (tests close the window then)."""
        train = self.training
        if train is None:
            return
        if train.mode == "training" and train.step > 0:
            print("desktop-cnn: training", flush=True)
        elif train.running:
            self.schedule(100, self.announce_training)
        else:
            print(f"desktop-cnn: training ended: {train.last_status}", flush=True)

    @property
    def ready(self) -> bool:
        return "done" in self.times

    # --- the current model -------------------------------------------------------------
    def model_changed(self) -> None:
        title = self.app_state.title
        self.status.set("model", f"model: {title}")
        self.root.title(f"desktop-cnn - {title}")

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

    # --- the chapter guide, docked beside the tabs ------------------------------------------
    @property
    def guide_shown(self) -> bool:
        return self.guide is not None and str(self.guide) in self.panes.panes()

    def chapter_guide(self) -> None:
        """F1 and Help > Chapter guide: show the guide beside the tabs, or close it."""
        if self.guide_shown:
            self.hide_guide()
        else:
            self.show_guide()

    def show_guide(self, step: int | None = None) -> GuidePane:
        if self.guide is None:
            self.guide = GuidePane(self, self.app_state, on_close=self.hide_guide)
            self.guide.bind("<Configure>", lambda e: self.keep_tabs_open(), add="+")
        if not self.guide_shown:
            self.panes.add(self.guide, weight=0)
            window.widen(self.root, px(GUIDE_WIDTH))  # the tabs keep their room, if it fits
            self.place_guide()
        if step is not None:
            self.guide.show(step)
        self.settings.values[GUIDE_SETTING] = "open"
        return self.guide

    # --- presentation mode ------------------------------------------------------------------
    def present(self) -> None:
        """F11, View > Present: full screen at the largest zoom of PRESENT_ZOOMS at which the
        current tab fits without scrolling (text ~25 px and more, for the back of a room),
        side controls compact (common/present.py), the guide and status bar out of the way;
        F11 again restores the zoom, window, views and guide as they were."""
        root = self.root
        if self.presenting is None:
            self.presenting = (scaling.current().zoom, self.guide_shown, root.wm_geometry())
            if self.guide_shown:
                self.panes.forget(self.guide)
            self.status.pack_forget()
            self.compact_views(True)
            root.attributes("-fullscreen", True)
            self.fit_presentation()
            return
        zoom, guide, geometry = self.presenting
        self.presenting = None
        root.attributes("-fullscreen", False)
        root.geometry(geometry)
        self.status.pack(side="bottom", fill="x", before=root.pack_slaves()[0])
        self.zoom.set(zoom)
        self.compact_views(False)  # at the zoom they were hidden at: their paddings fit it
        if guide:
            self.show_guide()

    def fit_presentation(self) -> None:
        """While presenting: the largest zoom at which the current tab's panel fits the
        screen (the smallest one, scrolling, when none does). Called on every tab change."""
        if self.presenting is None:
            return
        for zoom in PRESENT_ZOOMS:
            if zoom != scaling.current().zoom:
                self.zoom.set(zoom)
            self.fill_screen()  # Zoom.set may have fitted the window to the content
            if self.current_tab_fits():
                break
        for scroller in self.scrollers.values():
            scroller.fit()

    def fill_screen(self) -> None:
        """The whole screen: the window's geometry leaves out the menu bar above it (X11)."""
        root = self.root
        root.geometry("+0+0")
        root.update_idletasks()
        menu = max(0, root.winfo_rooty())  # the menu bar's height at this zoom
        root.geometry(f"{root.winfo_screenwidth()}x{root.winfo_screenheight() - menu}+0+0")
        root.update_idletasks()

    def current_tab_fits(self) -> bool:
        name = self.notebook.tab("current", "text")
        panel, tab = self.panels.get(name), self.tabs[name]
        if panel is None:  # still its placeholder
            return True
        return (
            panel.winfo_reqwidth() <= tab.winfo_width()
            and panel.winfo_reqheight() <= tab.winfo_height()
        )

    def compact_views(self, on: bool) -> None:
        """Side controls compact while presenting (text views and figures ask for less, help
        text hidden, tables show their main columns), or everything back as it was."""
        present.compact(list(self.panels.values()), on)

    def place_guide(self) -> None:
        """The guide GUIDE_WIDTH wide at this zoom, but never more than GUIDE_SHARE of the
        window: the tabs need the rest (they scroll when it is not enough)."""
        self.root.update_idletasks()
        width = self.panes.winfo_width()
        if self.guide_shown and width > 1:
            self.panes.sashpos(0, width - min(px(GUIDE_WIDTH), int(width * GUIDE_SHARE)))

    def keep_tabs_open(self) -> None:
        """The Panedwindow re-places its sash when a pane asks for a new size, from sizes a
        zoom has since changed, and may leave the tabs no room at all: place it again."""
        if self.guide_shown and self.panes.sashpos(0) < px(TABS_MIN_WIDTH):
            self.after_idle(self.place_guide)

    def hide_guide(self) -> None:
        """Closed by the learner: remembered, so the next start opens without it."""
        if self.guide_shown:
            self.panes.forget(self.guide)
        self.settings.values[GUIDE_SETTING] = "closed"
        self.settings.save()

    def about(self) -> None:
        device = self.preloader.device if self.preloader is not None else None
        self.show_info("About desktop-cnn", about_text(self.root, device))

    def quit_app(self) -> None:
        """File > Quit, Ctrl+Q and the window's close button."""
        if self.closing or not self.confirm_unsaved("quitting"):
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
        self.unfinished = self.app_state.workers.shutdown(CLOSE_WAIT_S)
        for name in self.unfinished:  # a dataset load: it cannot be interrupted
            print(f"desktop-cnn: {name} did not stop in time", file=sys.stderr)
        if self.presenting is not None:  # the next start opens as it was before presenting
            self.settings.values["zoom"] = self.presenting[0]
            self.root.attributes("-fullscreen", False)
        window.remember(self.root, self.settings.values)
        self.settings.save()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    window.declare_dpi_awareness()  # Windows: before the Tk root exists
    root = tk.Tk(className="desktop-cnn")
    app = App(root, args)
    root.update()  # the window is on screen from here; everything heavy comes after
    app.start()
    root.mainloop()
    app.shutdown()  # when the window was destroyed some other way than quit_app
    # Tearing down torch and matplotlib object by object takes the interpreter ~1-2 s at
    # exit on a small CPU; freezing the heap skips the final garbage collections of it.
    gc.freeze()
    if app.unfinished:
        # Finalising the interpreter while a thread may be inside torch's C++ aborts the
        # process; the settings are saved and nothing else is open: leave without it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.exit_code)
    return app.exit_code
