"""matplotlib figures embedded in Tk: training curves, confusion matrix, saved history.

Figures are plain ``matplotlib.figure.Figure`` objects (never pyplot: no
global state, no second event loop) on a ``FigureCanvasTkAgg`` with the
navigation toolbar. Only the Tk thread updates them, through ``draw_idle``,
which coalesces requests into one redraw when Tk is idle.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

import numpy as np
from matplotlib.backends.backend_tkagg import FigureCanvasTkAgg, NavigationToolbar2Tk
from matplotlib.figure import Figure

SMOOTH = 0.9  # exponential moving average: about the last 10 batches
MAX_POINTS = 2000  # more batches than this are thinned for drawing: same shape, faster


def smooth(values: list[float], alpha: float = SMOOTH) -> np.ndarray:
    """Bias-corrected exponential moving average, like TensorBoard's smoothing."""
    out = np.empty(len(values))
    avg = 0.0
    for i, v in enumerate(values):
        avg = alpha * avg + (1 - alpha) * v
        out[i] = avg / (1 - alpha ** (i + 1))
    return out


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, len(x) // limit)
    return x[::step], y[::step]


class FigurePane(ttk.Frame):
    """A figure, its Tk canvas and matplotlib's navigation toolbar (zoom, pan, save as PNG)."""

    def __init__(self, master: tk.Misc, size: tuple[float, float] = (6, 4)) -> None:
        super().__init__(master)
        self.figure = Figure(figsize=size, dpi=90, layout="constrained")
        self.canvas = FigureCanvasTkAgg(self.figure, master=self)
        self.toolbar = NavigationToolbar2Tk(self.canvas, self, pack_toolbar=False)
        self.toolbar.update()
        self.toolbar.pack(side="bottom", fill="x")
        self.canvas.get_tk_widget().pack(side="top", fill="both", expand=True)
        self.draws = 0  # redraw requests, for tests

    def redraw(self) -> None:
        self.draws += 1
        self.canvas.draw_idle()


class CurvesPane(FigurePane):
    """Training loss per batch (raw and smoothed); test loss and accuracy per epoch."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (7, 3.6))
        self.loss_ax, self.epoch_ax = self.figure.subplots(1, 2)
        self.acc_ax = self.epoch_ax.twinx()
        self.raw_line, = self.loss_ax.plot([], [], color="#9ec3e6", lw=0.8, label="per batch")
        self.smooth_line, = self.loss_ax.plot([], [], color="#1f5fa8", lw=1.8, label="smoothed")
        self.test_loss_line, = self.epoch_ax.plot([], [], "o-", color="#c0392b", label="test loss")
        self.acc_line, = self.acc_ax.plot([], [], "s-", color="#27864a", label="test accuracy")
        self.loss_ax.set(title="Training loss", xlabel="batch", ylabel="cross-entropy")
        self.epoch_ax.set(title="Test set, per epoch", xlabel="epoch", ylabel="loss")
        self.acc_ax.set_ylabel("accuracy")
        self.loss_ax.legend(loc="upper right", fontsize="small")
        self.epoch_ax.legend(handles=[self.test_loss_line, self.acc_line], loc="center right",
                             fontsize="small")
        for ax in (self.loss_ax, self.epoch_ax):
            ax.grid(alpha=0.3)
        self.clear()

    def clear(self) -> None:
        self._smoothed: list[float] = []  # extended as losses arrive: O(new) per redraw
        self._avg = 0.0
        self.show([], [], 0)

    def _smooth_more(self, losses: list[float]) -> np.ndarray:
        for i in range(len(self._smoothed), len(losses)):
            self._avg = SMOOTH * self._avg + (1 - SMOOTH) * losses[i]
            self._smoothed.append(self._avg / (1 - SMOOTH ** (i + 1)))
        return np.asarray(self._smoothed)

    def show(self, batch_loss: list[float], epochs: list[dict], first_step: int) -> None:
        """``epochs`` are the core's per-epoch records; batches are numbered from first_step."""
        y = np.asarray(batch_loss, dtype=float)
        x = np.arange(first_step + 1, first_step + 1 + len(y))
        self.raw_line.set_data(*thin(x, y))
        self.smooth_line.set_data(*thin(x, self._smooth_more(batch_loss)))
        ep = [e["epoch"] for e in epochs]
        self.test_loss_line.set_data(ep, [e["test_loss"] for e in epochs])
        self.acc_line.set_data(ep, [e["test_accuracy"] for e in epochs])
        for ax in (self.loss_ax, self.epoch_ax, self.acc_ax):
            ax.relim()
            ax.autoscale_view()
        if len(y):
            self.loss_ax.set_xlim(x[0], max(x[-1], x[0] + 1))
        if ep:
            self.epoch_ax.set_xlim(0.5, max(ep) + 0.5)
            self.epoch_ax.xaxis.get_major_locator().set_params(integer=True)
        self.redraw()

    @property
    def points(self) -> int:
        return len(self.raw_line.get_xdata())


class ConfusionPane(FigurePane):
    """The confusion matrix of the last test evaluation: rows true, columns predicted."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (4.6, 4))
        self.ax = self.figure.add_subplot()
        self.matrix: np.ndarray | None = None
        self.show(None, [])

    def show(self, confusion: np.ndarray | None, classes: list[str]) -> None:
        ax = self.ax
        ax.clear()
        self.matrix = confusion
        if confusion is None:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "The confusion matrix appears\nwhen a run has been evaluated.",
                    ha="center", va="center", color="#666")
            self.redraw()
            return
        ax.set_axis_on()
        k = len(classes)
        ax.imshow(confusion, cmap="Blues")
        ticks = range(k)
        labels = [c[:8] for c in classes]
        ax.set_xticks(ticks, labels, rotation=90 if k > 5 and max(map(len, labels)) > 2 else 0)
        ax.set_yticks(ticks, labels)
        ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix (test set)")
        if k <= 12:
            top = confusion.max() or 1
            for i in range(k):
                for j in range(k):
                    v = int(confusion[i, j])
                    ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                            color="white" if v > top / 2 else "black")
        self.redraw()


class HistoryPane(FigurePane):
    """A saved model's training history: loss per batch and test accuracy per epoch."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (6, 3))
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)

    def show(self, history: dict) -> None:
        losses = list(history.get("batch_loss") or [])
        epochs = list(history.get("epochs") or [])
        for ax in (self.loss_ax, self.acc_ax):
            ax.clear()
            ax.grid(alpha=0.3)
        if losses:
            x = np.arange(1, len(losses) + 1)
            self.loss_ax.plot(*thin(x, np.asarray(losses)), color="#9ec3e6", lw=0.8)
            self.loss_ax.plot(*thin(x, smooth(losses)), color="#1f5fa8", lw=1.8)
        else:
            self.loss_ax.text(0.5, 0.5, "no loss history saved", ha="center", va="center",
                              transform=self.loss_ax.transAxes, color="#666")
        if epochs:
            ep = [e.get("epoch", i + 1) for i, e in enumerate(epochs)]
            self.acc_ax.plot(ep, [e.get("test_accuracy", np.nan) for e in epochs], "s-",
                             color="#27864a")
            self.acc_ax.xaxis.get_major_locator().set_params(integer=True)
        self.loss_ax.set(title="Training loss per batch", xlabel="batch")
        self.acc_ax.set(title="Test accuracy per epoch", xlabel="epoch")
        self.redraw()
