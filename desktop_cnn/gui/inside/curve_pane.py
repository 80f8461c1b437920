"""The robustness curve: test accuracy against epsilon, run on a worker, cancellable.

Each finished run stays on the plot (labelled with its model and attack) so that a normal
and an adversarially trained model can be compared on one axis.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from ...core.inside.attacks import AttackConfig
from ...core.inside.robustness import parse_eps
from ..common.panel import PAD, Panel, set_enabled
from ..common.plots import FigurePane
from ..state import AppState
from ..worker import JobFailed, Worker
from .events import CurveDone, CurveProgress
from .jobs import curve_job

DEFAULT_EPS = "0,8,16,32,64"


class CurveFigure(FigurePane):
    """Accuracy against epsilon, one line per finished run."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (6.4, 2.8))
        self.ax = self.figure.subplots()
        self.curves: dict[str, CurveDone] = {}
        self.draw_curves()

    def add(self, curve: CurveDone) -> None:
        self.curves[curve.key] = curve
        self.when_visible(self.draw_curves)

    def draw_curves(self) -> None:
        ax = self.ax
        ax.clear()
        ax.grid(alpha=0.3)
        for c in self.curves.values():
            ax.plot(c.eps, c.accuracy, "o-", lw=1.5, ms=4, label=c.label)
        ax.set(xlabel="epsilon (of 255, L-infinity)", ylabel="test accuracy", ylim=(0, 1.02))
        if self.curves:
            ax.legend(fontsize="small")
        self.redraw()


class CurvePane(Panel):
    """Epsilons, attack, Run/Cancel and a progress bar above the figure."""

    def __init__(self, master: tk.Misc, app_state: AppState) -> None:
        super().__init__(master, padding=0)
        self.app_state = app_state
        self.worker = Worker(self, "the robustness curve", self.event, app_state.workers)
        self.runs = 0
        bar = ttk.Frame(self)
        bar.pack(fill="x")
        ttk.Label(bar, text="Robustness curve at epsilons").pack(side="left")
        self.eps_text = tk.StringVar(self, DEFAULT_EPS)
        ttk.Entry(bar, textvariable=self.eps_text, width=16).pack(side="left", padx=PAD)
        self.method = tk.StringVar(self, "fgsm")
        ttk.Combobox(
            bar, textvariable=self.method, values=["fgsm", "pgd"], state="readonly", width=5
        ).pack(side="left")
        self.run_button = ttk.Button(bar, text="Run on the test set", command=self.run)
        self.run_button.pack(side="left", padx=PAD)
        self.cancel_button = ttk.Button(bar, text="Cancel", command=self.worker.cancel)
        self.cancel_button.pack(side="left")
        set_enabled(self.cancel_button, False)
        self.progress = ttk.Progressbar(bar, length=160, maximum=1.0)
        self.progress.pack(side="left", padx=PAD)
        self.note = ttk.Label(bar, text="")
        self.note.pack(side="left")
        self.figure = CurveFigure(self)
        self.figure.pack(fill="both", expand=True)

    def run(self, limit: int | None = None) -> bool:
        ck, cache = self.app_state.checkpoint, self.app_state.datasets
        if ck is None or cache is None:
            self.note.configure(text="Open or train a model first.")
            return False
        try:
            eps = parse_eps(self.eps_text.get())
        except ValueError as exc:
            self.show_error("Epsilons not understood", f"{exc}\n\nFor example: {DEFAULT_EPS}")
            return False
        self.runs += 1
        method = self.method.get()
        label = f"{self.app_state.title.split(',')[0]} ({method.upper()})"
        cfg = AttackConfig(method, steps=10)
        data_dir = self.app_state.settings.data_dir or None
        key = f"run{self.runs}"
        self.worker.start(curve_job(ck, key, label, eps, cfg, cache, data_dir, limit))
        set_enabled(self.run_button, False)
        set_enabled(self.cancel_button, True)
        self.note.configure(text="loading the test set...")
        return True

    def event(self, event: object) -> None:
        if isinstance(event, CurveProgress):
            self.progress["value"] = event.done / max(1, event.total)
            self.note.configure(text=f"{event.done:,} of {event.total:,} images")
        elif isinstance(event, CurveDone):
            self.figure.add(event)
            self._idle("" if event.complete else f"cancelled after {event.done:,} images")
        elif isinstance(event, JobFailed):
            self._idle(event.message)

    def _idle(self, text: str) -> None:
        set_enabled(self.run_button, True)
        set_enabled(self.cancel_button, False)
        self.note.configure(text=text)
