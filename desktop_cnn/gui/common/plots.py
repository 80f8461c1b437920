"""matplotlib figures embedded in Tk: the confusion matrix and a model's saved history.

Figures are plain ``matplotlib.figure.Figure`` objects (never pyplot: no
global state, no second event loop) on a ``FigureCanvasTkAgg`` with the
navigation toolbar. Only the Tk thread updates them, through ``draw_idle``,
which coalesces requests into one redraw when Tk is idle. The live training
curves are in curves.py.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Literal

import numpy as np
from matplotlib.backends.backend_tkagg import FigureCanvasTkAgg, NavigationToolbar2Tk
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ...core.inspect.compare import smooth
from . import columns

MAX_POINTS = 3000  # more batches than this are thinned for drawing: same shape, faster


def thin(x: np.ndarray, y: np.ndarray, limit: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, len(x) // limit)
    return x[::step], y[::step]


class FigurePane(ttk.Frame):
    """A figure, its Tk canvas and matplotlib's navigation toolbar (zoom, pan, save as PNG)."""

    def __init__(
        self,
        master: tk.Misc,
        size: tuple[float, float] = (6, 4),
        layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
    ) -> None:
        super().__init__(master)
        self.figure = Figure(figsize=size, dpi=90, layout=layout)
        self.canvas = FigureCanvasTkAgg(self.figure, master=self)
        self.toolbar = NavigationToolbar2Tk(self.canvas, self, pack_toolbar=False)
        self.toolbar.update()
        self.toolbar.pack(side="bottom", fill="x")
        widget = self.canvas.get_tk_widget()
        widget.pack(side="top", fill="both", expand=True)
        widget.bind("<Map>", lambda e: self._run_pending(), add="+")
        self.draws = 0  # redraw requests, for tests
        self._pending: Callable[[], None] | None = None

    def redraw(self) -> None:
        self.draws += 1
        self.canvas.draw_idle()

    def when_visible(self, fn: Callable[[], None]) -> None:
        """Build and draw now if on screen, else when next shown: a hidden tab costs nothing.

        Building a figure's artists and drawing them takes 0.1-0.3 s on a small busy
        CPU; paying that for a tab nobody looks at would only stall the event loop.
        """
        self._pending = fn
        if self.canvas.get_tk_widget().winfo_ismapped():
            self._run_pending()

    def _run_pending(self) -> None:
        fn, self._pending = self._pending, None
        if fn is not None:
            fn()


class ConfusionPane(FigurePane):
    """The confusion matrix of the last test evaluation: rows true, columns predicted.

    With ``on_cell`` set, a click on cell (i, j) calls ``on_cell(i, j)`` (the
    Mistakes panel then shows the images of class i predicted as j).
    """

    def __init__(
        self, master: tk.Misc, on_cell: Callable[[int, int], object] | None = None
    ) -> None:
        super().__init__(master, (4.6, 4))
        self.ax = self.figure.add_subplot()
        self.matrix: np.ndarray | None = None
        self.on_cell = on_cell
        self.selected: tuple[int, int] | None = None
        self.canvas.mpl_connect("button_press_event", self._clicked)
        self.show(None, [])

    def show(self, confusion: np.ndarray | None, classes: list[str]) -> None:
        self.matrix = confusion
        self.selected = None
        self.when_visible(lambda: self._draw(confusion, classes))

    def _clicked(self, event) -> None:
        # Zoom and pan use clicks too: a cell is picked only when neither is on.
        if (
            self.on_cell is None
            or self.matrix is None
            or event.inaxes is not self.ax
            or self.toolbar.mode
            or event.xdata is None
        ):
            return
        i, j = int(round(event.ydata)), int(round(event.xdata))
        if 0 <= i < len(self.matrix) and 0 <= j < len(self.matrix):
            self.on_cell(i, j)

    def highlight(self, i: int | None, j: int | None = None) -> None:
        """Outline one cell (the one whose images are shown), or none."""
        self.selected = None if i is None or j is None else (i, j)
        for patch in list(self.ax.patches):
            patch.remove()
        if self.selected is not None and self.matrix is not None:
            r, c = self.selected
            self.ax.add_patch(
                Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, lw=2.5, edgecolor="#e8590c")
            )
        self.redraw()

    def _draw(self, confusion: np.ndarray | None, classes: list[str]) -> None:
        ax = self.ax
        ax.clear()
        if confusion is None:
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                "The confusion matrix appears\nwhen a run has been evaluated.",
                ha="center",
                va="center",
                color="#666",
            )
            self.redraw()
            return
        ax.set_axis_on()
        k = len(classes)
        ax.imshow(confusion, cmap="Blues")
        ticks = range(k)
        labels = [c[:8] for c in classes]
        ax.set_xticks(ticks, labels, rotation=90 if k > 5 and max(map(len, labels)) > 2 else 0)
        ax.set_yticks(ticks, labels)
        title = "Confusion matrix (test set)" + (
            "\nclick a cell to see its images" if self.on_cell is not None else ""
        )
        ax.set(xlabel="predicted", ylabel="true", title=title)
        if k <= 12:
            top = confusion.max() or 1
            for i in range(k):
                for j in range(k):
                    v = int(confusion[i, j])
                    ax.text(
                        j,
                        i,
                        str(v),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if v > top / 2 else "black",
                    )
        if self.selected is not None:
            self.highlight(*self.selected)
            return
        self.redraw()


class HistoryPane(FigurePane):
    """A saved model's training history: loss per batch and test accuracy per epoch."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (6, 3))
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)

    def show(self, history: dict, held_out: str = "test") -> None:
        """``held_out``: what the per-epoch accuracy was measured on ("test", "validation")."""
        self.when_visible(lambda: self._draw(history, held_out))

    def _draw(self, history: dict, held_out: str) -> None:
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
            self.loss_ax.text(
                0.5,
                0.5,
                "no loss history saved",
                ha="center",
                va="center",
                transform=self.loss_ax.transAxes,
                color="#666",
            )
        if epochs:
            ep = [e.get("epoch", i + 1) for i, e in enumerate(epochs)]
            self.acc_ax.plot(
                ep, [e.get("test_accuracy", np.nan) for e in epochs], "s-", color="#27864a"
            )
            self.acc_ax.set_xlim(min(ep) - 0.5, max(ep) + 0.5)
            self.acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        self.loss_ax.set(title="Training loss per batch", xlabel="batch")
        self.acc_ax.set(title=f"{held_out.capitalize()} accuracy per epoch", xlabel="epoch")
        self.redraw()


class ResultsPane(ttk.Frame):
    """After a run: the per-class accuracy table (the book's) beside the confusion matrix."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, padding=6)
        self.table = ttk.Treeview(
            self, columns=("acc", "right", "total"), height=12, selectmode="none"
        )
        for col, title, width in (
            ("#0", "class", 100),
            ("acc", "accuracy", 80),
            ("right", "correct", 64),
            ("total", "of", 64),
        ):
            self.table.heading(col, text=title)
            self.table.column(col, width=width, anchor="w" if col == "#0" else "e", stretch=False)
        columns.fit(self.table)  # the titles whole at this dpi and zoom
        self.table.pack(side="left", fill="y")
        self.confusion = ConfusionPane(self)
        self.confusion.pack(side="left", fill="both", expand=True, padx=(6, 0))

    def show(self, evaluation, classes: list[str]) -> None:
        """``evaluation`` is the core's EvalResult of the last epoch."""
        confusion = evaluation.confusion.numpy()  # (K, K): row = true class
        self.table.delete(*self.table.get_children())
        for k, name in enumerate(classes):
            right, total = int(confusion[k, k]), int(confusion[k].sum())
            self.table.insert(
                "",
                "end",
                text=name,
                values=(f"{evaluation.per_class[k]:.2%}", f"{right:,}", f"{total:,}"),
            )
        columns.fit(self.table)
        self.confusion.show(confusion, classes)
