"""The Train panel: settings, Start/Pause/Stop, live progress, curves, log and results.

Training runs as a ``TrainJob`` task on the panel's ``Worker`` (gui/worker.py),
which hands the events over on the Tk thread in short visits so the window
keeps answering; the curves are updated at most every ``PLOT_EVERY_S`` (by
blitting: see curves.py).

Under the curves, "Watch it learn" (timeline.py) follows the run's weights
live and replays its snapshots afterwards; this panel hands it the events.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import replace
from tkinter import ttk

from ...core.data.datasets import Dataset
from ...core.errors import DesktopCnnError
from ...core.train.events import BatchEnd, EpochEnd, Failed, Finished, Snapshot, Started
from ...core.train.run import TrainRun
from ..common.panel import PAD, Panel, set_enabled
from ..common.plots import ResultsPane
from ..common.widgets import LogView
from ..origin import ModelOrigin
from ..requests import ShowConfusionCell, TrainSpec
from ..state import AppState
from ..worker import JobFailed, Worker
from .curves import CurvesPane
from .spec_choice import SpecChoice, SpecMismatch
from .timeline import LearnTimeline
from .train_form import TrainForm
from .train_job import JobDone, Loaded, Loading, TrainJob

PLOT_EVERY_S = 0.25  # curve updates (blits, a few ms each) four times a second at most
SNAPSHOTS_PER_EPOCH = 4  # kept to replay the run; LeNet-5's are ~250 KB each


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "es" if word.endswith("tch") else "s")


def clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.job: TrainJob | None = None
        self.worker = Worker(
            self, "training", self.handle, state.workers, budget_s=0.02, after_poll=self.after_poll
        )
        self.mode = "idle"  # idle, loading, training, stopping
        self.batch_loss: list[float] = []
        self.epochs: list[dict] = []
        self.step = 0  # last global step seen
        self.first_step = 0  # steps done before this run (when resuming)
        self.total_steps = 0
        self.last_status = ""  # how the last run ended: finished, stopped, failed, cancelled
        self._last_plot = 0.0
        self._plot_dirty = False
        self._progress: BatchEnd | None = None  # the newest batch of this visit
        self.create_widgets()
        self.spec_choice = SpecChoice(self.form, lambda t, m: self.show_error(t, m))
        state.handle(TrainSpec, lambda r: self.spec_choice.offer(r.spec, r.force))

    def create_widgets(self) -> None:
        left = ttk.Frame(self, name="settings")
        left.grid(row=0, column=0, rowspan=2, sticky="nsew")
        self.form = TrainForm(
            left,
            self.app_state.settings.data_dir,  # lambdas: seams tests replace
            lambda **kw: self.ask_directory(**kw),
            lambda **kw: self.ask_open_filename(**kw),
        )
        self.form.pack(fill="x")
        self.form.listen(self.app_state)  # the chapter guide fills the form with a recipe
        buttons = ttk.Frame(left, name="buttons")
        buttons.pack(fill="x", pady=PAD)
        self.start_button = ttk.Button(buttons, text="Start", command=self.start, name="start")
        self.pause_button = ttk.Button(
            buttons, text="Pause", command=self.pause_resume, name="pause"
        )
        self.stop_button = ttk.Button(buttons, text="Stop", command=self.stop, name="stop")
        for b in (self.start_button, self.pause_button, self.stop_button):
            b.pack(side="left", expand=True, fill="x", padx=(0, 2))
        self.progress = ttk.Progressbar(left, mode="determinate", maximum=1)
        self.progress.pack(fill="x")
        self.progress_text = ttk.Label(left, text="Ready.", foreground="#444")
        self.progress_text.pack(fill="x", pady=(2, PAD))
        self.log = LogView(left, height=10)
        self.log.pack(fill="both", expand=True)

        tabs = ttk.Notebook(self)
        tabs.grid(row=0, column=1, sticky="nsew", padx=(PAD * 2, 0))
        self.curves = CurvesPane(tabs)
        tabs.add(self.curves, text="Curves")
        self.results = ResultsPane(tabs)
        tabs.add(self.results, text="Results")
        # A click on a cell of the matrix: whoever shows a cell's images (the Mistakes tab)
        self.results.confusion.on_cell = lambda i, j: self.app_state.post(ShowConfusionCell(i, j))
        tabs.add(self.form.make_report(tabs), text="Book vs yours")  # after a recipe's run
        self.tabs = tabs
        self.timeline = LearnTimeline(self, self.app_state, self.log.append)
        self.timeline.grid(row=1, column=1, sticky="ew", padx=(PAD * 2, 0), pady=(PAD, 0))
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)
        self.set_mode("idle")

    # --- controls ---------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        self.mode = mode
        set_enabled(self.start_button, mode == "idle")
        set_enabled(self.pause_button, mode == "training")
        set_enabled(self.stop_button, mode in ("loading", "training"))
        self.stop_button.configure(text="Cancel" if mode == "loading" else "Stop")
        if mode != "training":
            self.pause_button.configure(text="Pause")
        self.form.set_enabled(mode == "idle")
        if mode == "loading":
            self.progress.configure(mode="indeterminate")
            self.progress.start(15)
        elif str(self.progress.cget("mode")) == "indeterminate":
            self.progress.stop()  # note: ttk's stop also resets the value to 0
            self.progress.configure(mode="determinate")

    def load_dataset(self, name: str, data_dir: str | None) -> Dataset:
        """Runs on the worker thread; a seam tests replace to train on a small subset."""
        datasets = self.app_state.datasets
        assert datasets is not None  # made at start-up, before this panel
        return datasets.load(name, data_dir or None)

    def start(self) -> None:
        if self.mode != "idle":
            return
        try:
            v = self.form.read()
        except DesktopCnnError as exc:
            self.show_error("Cannot start training", str(exc))
            return
        self.app_state.settings.data_dir = v.data_dir
        self.reset()
        config = replace(v.config, snapshots_per_epoch=SNAPSHOTS_PER_EPOCH)
        # With a teacher the batch loss is T² KL + cross-entropy, on another scale than the
        # test cross-entropy drawn beside it: the axis says so.
        self.curves.set_loss_label(
            "distillation loss"
            if config.teacher
            else "cross-entropy, mixed"
            if config.mixup
            else "cross-entropy"
        )
        run = TrainRun(
            v.dataset,
            self.spec_choice.arch(v.arch),
            config,
            data_dir=v.data_dir or None,
            force=self.spec_choice.force,
        )
        # prepare: a recipe's classes and pixel scaling
        self.job = TrainJob(run, lambda r: v.prepare(self.load_dataset(r.dataset, r.data_dir)))
        self.log.append(f"Loading {v.dataset} from {v.data_dir} (downloaded if missing)...")
        self.progress_text.configure(text=f"Loading {v.dataset}...")
        self.set_mode("loading")
        self.worker.start(self.job)

    def pause_resume(self) -> None:
        if self.mode != "training" or self.job is None or self.job.trainer is None:
            return
        if self.job.paused:
            self.job.resume()
            self.pause_button.configure(text="Pause")
            self.log.append("resumed")
        else:
            self.job.pause()
            self.pause_button.configure(text="Resume")
            self.log.append("paused")

    def stop(self) -> None:
        if self.job is None:
            return
        if self.mode == "loading":  # loading cannot be interrupted: abandon it
            self.worker.drop()
            self.log.append("cancelled: the loading thread is left to finish and discarded")
            self.progress_text.configure(text="Cancelled.")
            self.ended("cancelled")
        elif self.mode == "training":
            self.worker.cancel()  # the trainer stops after this batch and reports
            self.log.append("stopping after this batch...")
            self.set_mode("stopping")

    @property
    def running(self) -> bool:
        return self.mode != "idle"

    # --- events from the worker ---------------------------------------------------------
    def reset(self) -> None:
        self.batch_loss, self.epochs = [], []
        self.step = self.first_step = self.total_steps = 0
        self.timeline.run_starting()
        self.progress.configure(value=0, maximum=1)
        self.log.clear()
        self.curves.clear(redraw=False)  # start() draws the new run's axes

    def after_poll(self) -> None:
        """Once per visit of the worker, not per batch: progress, following, curves."""
        if self.job is None:  # the run ended during the visit
            return
        if self._progress is not None:
            self.show_progress(self._progress)
            self._progress = None
        self.timeline.follow_latest()
        if self._plot_dirty and self.now() - self._last_plot >= PLOT_EVERY_S:
            self.plot()

    def handle(self, event) -> None:
        if isinstance(event, BatchEnd):
            self._progress = event
            self.batch_loss.append(event.loss)
            self._plot_dirty = True
        elif isinstance(event, Loading):
            return
        elif isinstance(event, Loaded):
            self.log.append(
                f"{event.dataset}: {event.train_size:,} training and "
                f"{event.test_size:,} test images, {len(event.classes)} classes"
            )
        elif isinstance(event, Started):
            self.started(event)
        elif isinstance(event, Snapshot):
            self.timeline.snapshot_arrived(event)
        elif isinstance(event, EpochEnd):
            self.epochs.append(
                {
                    "epoch": event.epoch,
                    "test_loss": event.test_loss,
                    "test_accuracy": event.test_accuracy,
                }
            )
            if self.curves.winfo_ismapped():
                self.curves.set_epochs(self.epochs)
            self.log.append(
                f"epoch {event.epoch}: train loss {event.train_loss:.4f}, "
                f"accuracy {event.train_accuracy:.2%}; test loss "
                f"{event.test_loss:.4f}, accuracy {event.test_accuracy:.2%} "
                f"({event.seconds:.1f} s)"
            )
        elif isinstance(event, Finished):
            acc = f", test accuracy {event.test_accuracy:.2%}" if event.test_accuracy else ""
            self.log.append(f"{event.status}: {event.message} in {event.seconds:.1f} s{acc}")
        elif isinstance(event, Failed):
            self.log.append(f"failed: {event.message}")
            self.show_error("Training failed", event.message)
        elif isinstance(event, JobFailed):
            self.log.append(f"error: {event.message}")
            self.ended("failed")
            self.show_error("Cannot train", event.message)
        elif isinstance(event, JobDone):
            self.done(event)
        elif isinstance(event, SpecMismatch):  # nothing trained: explain, offer the fix
            self.ended("mismatch")
            self.spec_choice.resolve(event, self.start)

    def started(self, e: Started) -> None:
        self.first_step = self.step = e.start_epoch * e.steps_per_epoch
        self.total_steps = e.epochs * e.steps_per_epoch
        self.set_mode("training")
        self.progress.configure(maximum=max(1, self.total_steps - self.first_step), value=0)
        self.curves.start(self.first_step, self.total_steps, e.epochs)
        self.log.append(
            f"training on {e.device}: {plural(e.epochs, 'epoch')} of "
            f"{plural(e.steps_per_epoch, 'batch')}"
        )
        self.progress_text.configure(text="Training...")
        assert self.job is not None  # its run sent this event
        self.timeline.run_started(self.job.request_copy)

    def show_progress(self, e: BatchEnd) -> None:
        self.step = e.global_step
        self.progress.configure(value=e.global_step - self.first_step)
        self.progress_text.configure(
            text=f"epoch {e.epoch}/{e.epochs}, batch {e.step}/{e.steps}   "
            f"{e.images_per_s:,.0f} images/s   ETA {clock(e.eta_s)}"
        )

    def plot(self) -> None:
        """New losses onto the curves; skipped while the tab is hidden (drawn when shown)."""
        if not self.curves.winfo_ismapped():
            return
        self._plot_dirty = False
        self._last_plot = self.now()
        if len(self.curves.epochs) != len(self.epochs):  # epochs ended while hidden
            self.curves.set_epochs(self.epochs)
        self.curves.add_losses(self.batch_loss)

    def done(self, event: JobDone) -> None:
        result = event.result
        if self.epochs:
            self.curves.set_epochs(self.epochs)
        self.curves.add_losses(self.batch_loss)
        self.curves.finish()
        if event.evaluation is not None:
            self.results.show(event.evaluation, list(event.classes))
        if result.status == "finished":
            self.progress.configure(value=self.progress.cget("maximum"))
            self.progress_text.configure(text="Finished.")
        if result.status != "failed" and self.epochs:
            final = result.checkpoint
            final.model.cpu().eval()  # predictions run on the CPU: one image needs no GPU
            self.app_state.set_model(final, ModelOrigin.trained())
            self.log.append(f"the trained model is now the current model: {final.info.title}")
            self.timeline.run_ended(final)
            if result.status == "finished":
                self.form.show_result(final.info)  # the book's figures beside, for a recipe
        elif result.status != "failed":
            self.log.append("stopped before the first test evaluation: the model is unchanged")
        self.ended(result.status)

    def choose_data_folder(self) -> None:
        """The "Choose data folder..." of a missing dataset's message (common/panel.py)."""
        self.form._browse_data()

    def ended(self, status: str) -> None:
        self.last_status = status
        if status != "finished":
            self.progress_text.configure(text=status.capitalize() + ".")
        self.job, self._progress = None, None
        self.set_mode("idle")
        if self.timeline.running:  # no final model: cancelled, failed or stopped too early
            self.timeline.run_ended(None)
