"""Fine-tune the current model on the personal drawings, and show what it learned and forgot.

The run (core/train/finetune.py) is a worker task (gui/worker.py): the core's
events and the final report come to this pane on the Tk thread.
The report is a before/after table: accuracy on the model's own test set
(a drop there is forgetting) and on the personal drawings.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from tkinter import ttk
from typing import TYPE_CHECKING

from ...core.data.personal import PersonalSet
from ...core.inspect.mistakes import fit_dataset
from ...core.train.events import BatchEnd, EpochEnd, Failed, Started
from ...core.train.finetune import FineTune, FinetuneConfig, FinetuneReport, Phase, Score
from ..common import columns
from ..common.panel import PAD, Panel, set_enabled
from ..origin import ModelOrigin
from ..state import AppState
from ..worker import JobFailed, Task, Worker

if TYPE_CHECKING:
    from ...core.data.datasets import Dataset
    from ...core.data.personal import Drawing
    from ...core.files.checkpoints import Checkpoint


@dataclass(frozen=True)
class Prepared:
    """The worker has the data: which drawings are in the personal split, in its order."""

    drawings: list[Drawing]


def points(before: Score, after: Score | None) -> str:
    if after is None:
        return ""
    return f"{(after.accuracy - before.accuracy) * 100:+.1f} points"


class FinetunePane(Panel):
    """``on_report(drawings, report)`` tells the window the per-drawing answers after a run."""

    def __init__(
        self,
        master: tk.Misc,
        state: AppState,
        on_report: Callable[[list, FinetuneReport], None] | None = None,
    ) -> None:
        super().__init__(master, padding=0)
        self.app_state, self.on_report = state, on_report
        self.finetune_config = FinetuneConfig()
        self.worker = Worker(self, "fine-tuning", self.handle, state.workers)
        self.drawings: list[Drawing] = []
        self.report: FinetuneReport | None = None
        self.create_widgets()

    def create_widgets(self) -> None:
        bar = ttk.Frame(self)
        bar.pack(fill="x")
        self.start_button = ttk.Button(bar, text="Fine-tune on these", command=self.start)
        self.start_button.pack(side="left")
        self.stop_button = ttk.Button(bar, text="Stop", command=self.stop)
        self.stop_button.pack(side="left", padx=PAD)
        self.progress = ttk.Progressbar(bar, mode="determinate", maximum=1)
        self.progress.pack(side="left", fill="x", expand=True)
        self.status = ttk.Label(
            self, text="Ready.", foreground="#444", wraplength=760, justify="left"
        )
        self.status.pack(fill="x", pady=(2, 0))
        self.table = ttk.Treeview(
            self, columns=("before", "after", "change"), height=2, selectmode="none"
        )
        for col, title, width in (
            ("#0", "accuracy on", 300),
            ("before", "before", 90),
            ("after", "after", 90),
            ("change", "change", 110),
        ):
            self.table.heading(col, text=title)
            self.table.column(col, width=width, anchor="w" if col == "#0" else "e")
        columns.fit(self.table)  # the titles whole at this dpi and zoom
        self.table.pack(fill="x", pady=(PAD, 0))
        below = ttk.Frame(self)
        below.pack(fill="x", pady=(PAD, 0))
        self.use_button = ttk.Button(
            below, text="Make the fine-tuned model current", command=self.make_current
        )
        self.use_button.pack(side="left")
        self.note = ttk.Label(
            below,
            foreground="#555",
            wraplength=420,
            justify="left",
            text=(
                "A few epochs at a low learning rate, your drawings mixed with the original "
                "training images. A drop on the test set is forgetting."
            ),
        )
        self.note.pack(side="left", fill="x", expand=True, padx=(PAD * 2, 0))
        self.set_running(False)
        set_enabled(self.use_button, False)

    def set_running(self, running: bool) -> None:
        set_enabled(self.start_button, not running)
        set_enabled(self.stop_button, running)

    @property
    def running(self) -> bool:
        return self.worker.running

    # --- the run ---------------------------------------------------------------------------
    def load_dataset(self, name: str, data_dir: str | None) -> Dataset:
        """Runs on the worker thread; a seam tests replace to fine-tune on a small subset."""
        datasets = self.app_state.datasets
        assert datasets is not None  # start() checked
        return datasets.load(name, data_dir)

    def start(self) -> None:
        ck = self.app_state.checkpoint
        if self.running or ck is None or self.app_state.datasets is None:
            return
        if not ck.info.is_digits:
            self.show_error("Cannot fine-tune", "Personal drawings are for digit models.")
            return
        self.report = None
        self.table.delete(*self.table.get_children())
        set_enabled(self.use_button, False)
        self.progress.configure(value=0, maximum=1)
        self.status.configure(text=f"Loading {ck.info.dataset}...")
        self.set_running(True)
        config, data_dir = self.finetune_config, self.app_state.settings.data_dir
        self.worker.start(lambda task: self.work(ck, config, data_dir, task))

    def work(
        self, ck: Checkpoint, config: FinetuneConfig, data_dir: str | None, task: Task
    ) -> FinetuneReport:
        """On the worker's thread: the data, the personal split, the run; its report."""
        info = ck.info
        data = fit_dataset(self.load_dataset(info.dataset, data_dir), info)
        personal, drawings = PersonalSet(info.dataset).load(info.classes, info.input_shape)
        task.emit(Prepared(drawings))
        job = FineTune(ck, data, personal, config, callback=task.emit)
        task.on_cancel(job.stop)  # FineTune checks between its phases and batches
        return job.run()

    def stop(self) -> None:
        self.worker.cancel()
        self.status.configure(text="Stopping...")

    def handle(self, event: object) -> None:
        """One event of the fine-tuning task, on the Tk thread."""
        if isinstance(event, Prepared):
            self.drawings = event.drawings
        elif isinstance(event, Phase):
            self.status.configure(text=event.text)
        elif isinstance(event, Started):
            self.progress.configure(maximum=max(1, event.epochs * event.steps_per_epoch))
        elif isinstance(event, BatchEnd):
            self.progress.configure(value=event.global_step)
        elif isinstance(event, EpochEnd):  # the Trainer's "test" here is the personal set
            self.status.configure(
                text=f"epoch {event.epoch}: your drawings {event.test_accuracy:.0%} right"
            )
        elif isinstance(event, Failed):
            self.status.configure(text=f"Failed: {event.message}")
        elif isinstance(event, JobFailed):
            self.ended()
            self.status.configure(text=f"Cannot fine-tune: {event.message}")
            self.show_error("Cannot fine-tune", event.message)
        elif isinstance(event, FinetuneReport):
            self.ended()
            self.show_report(event)

    def ended(self) -> None:
        self.worker.drop()  # the run is over: nothing more from it
        self.set_running(False)

    def show_report(self, report: FinetuneReport) -> None:
        self.report = report
        info = self.app_state.checkpoint.info if self.app_state.checkpoint else None
        name = info.dataset if info else "test"
        t = self.table
        t.delete(*t.get_children())
        rows = (
            (
                f"{name} test set ({report.test_before.total:,} images)",
                report.test_before,
                report.test_after,
            ),
            (
                f"my drawings ({report.personal_before.total})",
                report.personal_before,
                report.personal_after,
            ),
        )
        for label, before, after in rows:
            t.insert(
                "",
                "end",
                text=label,
                values=(
                    f"{before.accuracy:.2%}",
                    f"{after.accuracy:.2%}" if after else "-",
                    points(before, after),
                ),
            )
        columns.fit(t)  # "mnist test set (10,000 images)" whole at every dpi and zoom
        if report.checkpoint is not None:
            self.progress.configure(value=self.progress.cget("maximum"))
            self.status.configure(
                text=f"Done in {report.seconds:.1f} s: each drawing was "
                f"seen {report.copies} times per epoch."
            )
            set_enabled(self.use_button, True)
        else:
            self.status.configure(text=f"{report.status.capitalize()}: {report.message}.")
        if self.on_report is not None:
            self.on_report(self.drawings, report)

    def make_current(self) -> None:
        r = self.report
        if r is None or r.checkpoint is None:
            return
        self.app_state.set_model(r.checkpoint, ModelOrigin.finetuned())
        set_enabled(self.use_button, False)
        self.status.configure(
            text="The fine-tuned model is now the current model (File > Save model as... keeps it)."
        )

    def shutdown(self) -> None:
        """The window closes: stop the run and ignore what it still sends."""
        self.worker.drop()
