"""File > Compare models: several saved models' loss and accuracy curves overlaid.

The window lists the models (each in its own colour, kept while it stays in
the list) and draws, per model, the smoothed training loss and the test loss
per epoch on one axis and the test accuracy per epoch on the other. The
curves come from the history saved in each file (core/inspect/compare.py); files
without one are named under the list instead of being drawn.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import filedialog, ttk
from typing import Literal

from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ...core.files.paths import models_dir
from ...core.inspect.compare import ModelCurves, curves_from_info, load_curves
from ..common import columns
from ..common.panel import MODEL_TYPES, PAD, Panel
from ..common.plots import FigurePane, thin
from ..requests import CompareInside
from ..state import AppState

# matplotlib's tab10 without its grey: distinct for the first nine models
COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)
CURRENT = "current model"
ARCH_COLUMNS = ("epochs", "acc", "params", "macs", "seconds", "best")


def architecture_cells(c: ModelCurves) -> tuple[str, ...]:
    """A row of the table: epochs, last and best test accuracy, parameters, multiply-adds and
    seconds per epoch ("-" where a file does not say, e.g. a model that is not a spec)."""
    acc = c.test_accuracy[-1] if c.test_accuracy else float("nan")
    best = c.best_accuracy

    def count(n: int | None) -> str:
        return "-" if n is None else f"{n:,}"

    return (
        str(max(c.epochs)),
        f"{acc:.2%}",
        count(c.params),
        count(c.macs),
        "-" if c.seconds_per_epoch is None else f"{c.seconds_per_epoch:.1f}",
        "-" if best is None else f"{best:.2%}",
    )


@dataclass
class Entry:
    curves: ModelCurves
    color: str


class CompareFigure(FigurePane):
    """Loss (training smoothed: solid; test: dashed with dots) and test accuracy, vs epoch."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (7.4, 4.4))
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)
        # Per model (keyed like the list's rows): the lines drawn for it, for tests.
        self.lines: dict[str, dict[str, Line2D]] = {}
        self.show({})

    def show(self, entries: dict[str, Entry]) -> None:
        entries = dict(entries)  # the caller's dict changes as rows come and go
        self.when_visible(lambda: self._draw(entries))

    def _draw(self, entries: dict[str, Entry]) -> None:
        loss_ax, acc_ax = self.loss_ax, self.acc_ax
        for ax in (loss_ax, acc_ax):
            ax.clear()
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        for legend in list(self.figure.legends):
            legend.remove()
        self.lines = {}
        for key, e in entries.items():
            c = e.curves
            drawn = {}
            if len(c.loss):
                (drawn["train_loss"],) = loss_ax.plot(
                    *thin(c.loss_epoch, c.loss), color=e.color, lw=1.5
                )
            (drawn["test_loss"],) = loss_ax.plot(
                c.epochs, c.test_loss, "o--", color=e.color, lw=1, ms=4
            )
            (drawn["test_accuracy"],) = acc_ax.plot(
                c.epochs, c.test_accuracy, "o-", color=e.color, lw=1.5, ms=4, label=c.label
            )
            self.lines[key] = drawn
        loss_ax.set(
            title="Loss: training (smoothed) and test (dots)",
            xlabel="epoch",
            ylabel="cross-entropy",
        )
        acc_ax.set(title="Test accuracy", xlabel="epoch")
        if entries:
            last = max(max(e.curves.epochs) for e in entries.values())
            loss_ax.set_xlim(0, last + 0.1)
            acc_ax.set_xlim(0.5, last + 0.5)  # room around a single epoch's dot
            self.figure.legend(loc="outside lower center", fontsize="small", frameon=False)
        else:
            loss_ax.text(
                0.5,
                0.5,
                "Add models to compare\ntheir training curves",
                ha="center",
                va="center",
                color="#666",
                transform=loss_ax.transAxes,
            )
        self.redraw()


class ComparePanel(Panel):
    """The list of models with Add/Remove, beside the figure."""

    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master)
        self.app_state = state
        self.entries: dict[str, Entry] = {}  # by the list's row id, in the order added
        self.create_widgets()

    def create_widgets(self) -> None:
        left = ttk.Frame(self)
        left.pack(side="left", fill="y")
        buttons = ttk.Frame(left)
        buttons.pack(fill="x")
        self.add_button = ttk.Button(buttons, text="Add files...", command=self.add_files)
        self.add_current_button = ttk.Button(
            buttons, text="Add the current model", command=self.add_current
        )
        self.remove_button = ttk.Button(buttons, text="Remove", command=self.remove_selected)
        self.inside_button = ttk.Button(  # the Inside tab answers: robustness, visualisations
            buttons, text="Robustness...", command=self.compare_inside
        )
        for b in (self.add_button, self.add_current_button, self.remove_button, self.inside_button):
            b.pack(side="left", padx=(0, PAD))
        # The architecture beside the results: what each model costs and what it reached
        self.table = ttk.Treeview(left, columns=ARCH_COLUMNS, height=12, selectmode="extended")
        anchor: Literal["w", "e"]  # what ttk accepts, for the checker
        for col, title, width, anchor in (
            ("#0", "model", 130, "w"),
            ("epochs", "epochs", 56, "e"),
            ("acc", "test acc.", 74, "e"),
            ("params", "params", 70, "e"),
            ("macs", "mult-adds", 84, "e"),
            ("seconds", "s/epoch", 64, "e"),
            ("best", "best acc.", 74, "e"),
        ):
            self.table.heading(col, text=title, anchor=anchor)
            self.table.column(col, width=width, anchor=anchor, stretch=col == "#0")
        columns.fit(self.table)  # the titles whole at this dpi and zoom
        for color in COLORS:
            self.table.tag_configure(color, foreground=color)
        self.table.pack(fill="both", expand=True, pady=(PAD, 0))
        self.table.bind("<Delete>", lambda e: self.remove_selected())
        self.note = ttk.Label(left, text="", wraplength=400, foreground="#a33", justify="left")
        self.note.pack(fill="x", pady=(PAD, 0))
        self.figure = CompareFigure(self)
        self.figure.pack(side="left", fill="both", expand=True, padx=(PAD, 0))

    # --- seams ------------------------------------------------------------------------
    def ask_open_filenames(self, **options) -> tuple[str, ...]:
        return tuple(filedialog.askopenfilenames(parent=self.winfo_toplevel(), **options))

    # --- actions ----------------------------------------------------------------------
    def add_files(self, paths: list[str] | None = None) -> int:
        """Add model files (from the Open dialog when not given); returns how many were drawn."""
        if paths is None:
            paths = list(
                self.ask_open_filenames(
                    title="Add models to compare", filetypes=MODEL_TYPES, initialdir=models_dir()
                )
            )
        known = {e.curves.source for e in self.entries.values()}
        # Loading is quick for these small models (~10 ms each), as File > Open is.
        return self.add_curves([load_curves(p) for p in paths if p and str(p) not in known])

    def add_current(self) -> bool:
        ck = self.app_state.checkpoint
        if ck is None:
            self.show_error("No current model", "There is no model yet: train or open one.")
            return False
        return (
            self.add_curves([curves_from_info(ck.info, self.app_state.model_source, CURRENT)]) == 1
        )

    def add_curves(self, loaded: list[ModelCurves]) -> int:
        problems = []
        for curves in loaded:
            if not curves.ok:
                problem = curves.problem  # an unreadable file's message names it already
                problems.append(problem if curves.name in problem else f"{curves.name}: {problem}")
                continue
            color = self._free_color()
            iid = self.table.insert(
                "",
                "end",
                text=f"\u25a0 {curves.name}",
                tags=(color,),
                values=architecture_cells(curves),
            )
            self.entries[iid] = Entry(curves, color)
        columns.fit(self.table)
        self.note.configure(text="\n".join(f"Not drawn: {p}" for p in problems))
        self.figure.show(self.entries)
        return len(loaded) - len(problems)

    def compare_inside(self) -> bool:
        entries = self.entries.values()
        paths = tuple("" if e.curves.name == CURRENT else e.curves.source for e in entries)
        return self.app_state.post(CompareInside(paths))

    def remove_selected(self) -> None:
        for iid in self.table.selection():
            self.table.delete(iid)
            self.entries.pop(iid, None)
        self.figure.show(self.entries)

    def _free_color(self) -> str:
        used = [e.color for e in self.entries.values()]
        free = [c for c in COLORS if c not in used]
        return free[0] if free else COLORS[len(used) % len(COLORS)]


class CompareWindow(tk.Toplevel):
    """The window around the panel. Closing it (or Escape) only hides it.

    The list is there again next time, and no figure is ever freed: matplotlib's
    canvas, toolbar and figure refer to each other, so only the cycle collector
    would free them, with their Tk images and variables, in whichever thread
    allocates next (a training or export worker), where Tk calls fail.
    """

    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master)
        self.title("desktop-cnn - compare models")
        self.geometry("1240x580")
        self.minsize(900, 420)
        self.panel = ComparePanel(self, state)
        self.panel.pack(fill="both", expand=True)
        self.protocol("WM_DELETE_WINDOW", self.withdraw)
        self.bind("<Escape>", lambda e: self.withdraw())

    def show(self) -> None:
        self.deiconify()
        self.lift()  # a redraw asked for while hidden runs when the canvas is mapped
