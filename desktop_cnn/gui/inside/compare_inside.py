"""Models compared from the inside: robustness curves on one plot, class images side by side.

Opened by File > Compare models (a ``CompareInside`` request): for each listed model the
worker runs the FGSM robustness curve on the first test images and the class
visualisations, one model after the other, so a normal and an adversarially trained
LeNet-5 can be set side by side (a robust model's classes tend to look more like digits).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path
from tkinter import ttk

from PIL import Image, ImageTk

from ...core.errors import DesktopCnnError
from ...core.files.checkpoints import Checkpoint, load_checkpoint
from ...core.inside.attacks import AttackConfig
from ...core.inside.featurevis import Objective, VisConfig, visualise
from ...core.inside.robustness import robustness_curve
from ...core.inspect.mistakes import fit_dataset
from ..common.images import grid, layout_for, to_rgb
from ..common.panel import PAD
from ..state import AppState
from ..worker import JobFailed, Task, Worker
from .curve_pane import DEFAULT_EPS, CurveFigure
from .events import CurveDone, CurveProgress, VisFrame
from .jobs import pixel_model

IMAGES = 2000  # test images per curve: the shape of the curve, in seconds per model
CLASS_STEPS = 128


class CompareInsideWindow(tk.Toplevel):
    """The curves' figure, a progress line, and one row of class images per model."""

    def __init__(self, master: tk.Misc, app_state: AppState) -> None:
        super().__init__(master)
        self.app_state = app_state
        self.title("desktop-cnn - robustness and visualisations compared")
        self.geometry("900x760")
        self.note = ttk.Label(self, text="")
        self.note.pack(fill="x", padx=PAD, pady=PAD)
        self.rows = ttk.Frame(self)  # packed first: the figure takes what room is left
        self.rows.pack(side="bottom", fill="x", padx=PAD, pady=PAD)
        self.figure = CurveFigure(self)
        self.figure.pack(fill="both", expand=True, padx=PAD)
        self.row_labels: dict[str, ttk.Label] = {}
        self.photos: dict[str, ImageTk.PhotoImage] = {}
        self.worker = Worker(self, "the comparison", self.event, app_state.workers)
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.pending: list[tuple[str, str]] = []

    def show(self, paths: list[str]) -> None:
        self.deiconify()
        self.lift()
        self.pending = [(f"m{i}", p) for i, p in enumerate(paths)]
        self.figure.curves.clear()
        for child in self.rows.winfo_children():
            child.destroy()
        self.row_labels.clear()
        self._next()

    def close(self) -> None:
        self.worker.drop()
        self.pending = []
        self.withdraw()

    def _next(self) -> None:
        if not self.pending:
            self.note.configure(
                text=f"FGSM on the first {IMAGES:,} test images; "
                f"classes after {CLASS_STEPS} steps of gradient ascent."
            )
            return
        key, path = self.pending.pop(0)
        try:
            ck = self._load(path)
        except DesktopCnnError as exc:
            self.note.configure(text=str(exc))
            self._next()
            return
        name = Path(path).name if path else "current model"
        ttk.Label(self.rows, text=name).pack(anchor="w")
        self.row_labels[key] = ttk.Label(self.rows)
        self.row_labels[key].pack(anchor="w")
        self.note.configure(text=f"{name}: attacking the test images...")
        self.worker.start(self._work(ck, key, name))

    def _load(self, path: str) -> Checkpoint:
        if not path:
            ck = self.app_state.checkpoint
            if ck is None:
                raise DesktopCnnError("there is no current model")
            return ck
        return load_checkpoint(path)

    def _work(self, ck: Checkpoint, key: str, name: str) -> Callable[[Task], None]:
        cache, data_dir = self.app_state.datasets, self.app_state.settings.data_dir or None
        pm = pixel_model(ck)
        eps = [float(e) for e in DEFAULT_EPS.split(",")]

        def work(task: Task) -> None:
            if cache is not None:
                data = fit_dataset(cache.load(ck.info.dataset, data_dir), ck.info)
                c = robustness_curve(
                    pm,
                    data.test.images[:IMAGES],
                    data.test.labels[:IMAGES],
                    eps,
                    AttackConfig(),
                    500,
                    lambda c: task.emit(CurveProgress(key, c.done, c.total, c.eps, c.accuracy)),
                    lambda: task.cancelled,
                )
                task.emit(CurveDone(key, name, c.eps, c.accuracy, c.done, c.complete))
            objectives = [Objective("class", k) for k in range(len(ck.info.classes))]
            cfg = VisConfig(steps=CLASS_STEPS, every=CLASS_STEPS)
            for frame in visualise(pm, objectives, cfg):
                if task.cancelled:
                    return
                task.emit(VisFrame(key, frame.step, cfg.steps, frame.images.numpy(), frame.values))

        return work

    def event(self, event: object) -> None:
        if isinstance(event, CurveProgress):
            self.note.configure(text=f"{event.done:,} of {event.total:,} images")
        elif isinstance(event, CurveDone):
            self.figure.add(event)
        elif isinstance(event, VisFrame):
            tiles = [to_rgb(im) for im in event.images]
            rgb = grid(tiles, layout_for(len(tiles), tiles[0].shape[0], max_cols=10, target=56))
            self.photos[event.job] = ImageTk.PhotoImage(Image.fromarray(rgb), master=self)
            self.row_labels[event.job].configure(image=self.photos[event.job])
            if event.step == event.total:
                self.after_idle(self._next)
        elif isinstance(event, JobFailed):
            self.note.configure(text=event.message)
            self._next()
