"""The Model panel: the core's layer summary, the model's metadata and its saved history."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Literal

from ...core.inspect.summary import summary
from ...core.train.recipes import dataset_label
from ..common import columns
from ..common.diagram_view import DiagramView
from ..common.panel import PAD, Panel
from ..common.plots import HistoryPane
from ..common.scaling import px
from ..state import AppState

LAYER_WIDTHS = {"#0": 70, "type": 100, "shape": 110, "params": 100}  # design px, at least
META_WIDTHS = {"#0": 170, "value": 220}


def _shape(shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "-"


def metadata_rows(state: AppState) -> list[tuple[str, str]]:
    """(key, value) lines describing the current model; nested settings flattened."""
    ck = state.checkpoint
    if ck is None:
        return []
    info = ck.info
    m = info.metrics
    rows = [
        ("architecture", info.arch),
        ("dataset", dataset_label(info.dataset, info.classes)),  # cifar2, not cifar10
        ("classes", ", ".join(info.classes)),
        ("input shape", _shape(info.input_shape)),
        ("mean / std", f"{_nums(info.mean)} / {_nums(info.std)}"),
        ("source", _tail(state.model_source or "-")),
    ]
    if isinstance(m.get("test_accuracy"), float):
        rows.append((f"{info.held_out} accuracy", f"{m['test_accuracy']:.2%}"))
    if isinstance(m.get("test_loss"), float):
        rows.append((f"{info.held_out} loss", f"{m['test_loss']:.4f}"))
    if "epochs" in m:
        rows.append(("epochs trained", str(m["epochs"])))
    rows += [(f"model: {k}", str(v)) for k, v in info.arch_args.items()]
    rows += [(f"train: {k}", str(v)) for k, v in info.train_config.items()]
    rows += [(f"version: {k}", str(v)) for k, v in info.versions.items()]
    if info.created:
        rows.append(("created", info.created))
    rows += [("note", n) for n in info.notes]
    return rows


def _tail(text: str, width: int = 40) -> str:
    """The end of a long path: the file name matters more than the folders above it."""
    return text if len(text) <= width else "..." + text[-(width - 3) :]


def _nums(values) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in values) + ")"


class ModelPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.create_widgets()
        state.subscribe("model", self.model_changed)
        if state.checkpoint is not None:
            self.model_changed()

    def create_widgets(self) -> None:
        left = ttk.Frame(self)
        left.grid(row=0, column=0, rowspan=2, sticky="nsew")
        box = ttk.LabelFrame(left, text="Layers", padding=PAD)
        box.pack(fill="x")
        self.layers = ttk.Treeview(
            box, columns=("type", "shape", "params"), height=13, selectmode="browse"
        )
        anchor: Literal["w", "e"]  # what ttk accepts, for the checker
        for col, title, width, anchor in (
            ("#0", "layer", LAYER_WIDTHS["#0"], "w"),
            ("type", "type", LAYER_WIDTHS["type"], "w"),
            ("shape", "output shape", LAYER_WIDTHS["shape"], "w"),
            ("params", "parameters", LAYER_WIDTHS["params"], "e"),
        ):
            self.layers.heading(col, text=title, anchor=anchor)
            self.layers.column(col, width=px(width), anchor=anchor, stretch=col == "shape")
        self.layers.pack(fill="x")
        self.total = ttk.Label(box, text="", font="TkHeadingFont")
        self.total.pack(anchor="e", pady=(PAD, 0))
        meta = ttk.LabelFrame(left, text="About this model", padding=PAD)
        meta.pack(fill="both", expand=True, pady=(PAD, 0))
        self.meta = ttk.Treeview(meta, columns=("value",), show="tree", selectmode="browse")
        self.meta.column("#0", width=px(META_WIDTHS["#0"]), stretch=False)
        self.meta.column("value", width=px(META_WIDTHS["value"]))
        scroll = ttk.Scrollbar(meta, orient="vertical", command=self.meta.yview)
        self.meta.configure(yscrollcommand=scroll.set)
        self.meta.pack(side="left", fill="both", expand=True)
        scroll.pack(side="right", fill="y")

        hist = ttk.LabelFrame(self, text="Training history saved with the model", padding=PAD)
        hist.grid(row=0, column=1, sticky="nsew", padx=(PAD * 2, 0))
        self.history = HistoryPane(hist)
        self.history.pack(fill="both", expand=True)
        box = ttk.LabelFrame(self, text="The network, drawn from its layers", padding=PAD)
        box.grid(row=1, column=1, sticky="nsew", padx=(PAD * 2, 0), pady=(PAD, 0))
        self.diagram = DiagramView(box, self.select_layer)
        self.diagram.pack(fill="both", expand=True)
        self.layers.bind("<<TreeviewSelect>>", lambda e: self.diagram.select(self.layer_name()))
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)
        self.rowconfigure(1, weight=1)
        self.empty_text = "No model: open one (File > Open model...) or train one."
        self.total.configure(text=self.empty_text)

    def model_changed(self) -> None:
        ck = self.app_state.checkpoint
        self.layers.delete(*self.layers.get_children())
        self.meta.delete(*self.meta.get_children())
        if ck is None:
            self.total.configure(text=self.empty_text)
            self.diagram.show(None, why_not=self.empty_text)
            return
        s = summary(ck.model, ck.info.input_shape)
        self.layers.configure(height=min(len(s.rows), 13))
        for row in s.rows:
            self.layers.insert(
                "",
                "end",
                text=row.name,
                values=(row.type, _shape(row.output_shape), f"{row.params:,}"),
            )
        self.total.configure(text=f"Total parameters: {s.total_params:,}")
        for key, value in metadata_rows(self.app_state):
            self.meta.insert("", "end", text=key, values=(value,))
        columns.fit(self.layers, LAYER_WIDTHS)  # every name, shape and value whole
        columns.fit(self.meta, META_WIDTHS)
        self.history.show(ck.info.history, ck.info.held_out)
        self.show_diagram()

    def show_diagram(self) -> None:
        from ...core.errors import DesktopCnnError
        from ...core.models import spec_for

        ck = self.app_state.checkpoint
        assert ck is not None  # model_changed draws the diagram only for a checkpoint
        info = ck.info
        try:
            spec = spec_for(info.arch, info.arch_args)
        except DesktopCnnError as exc:
            self.diagram.show(None, why_not=f"No diagram: {exc}")
            return
        self.diagram.show(spec)

    def layer_name(self) -> str | None:
        sel = self.layers.selection()
        return self.layers.item(sel[0], "text") if sel else None

    def select_layer(self, name: str, index: int = -1) -> None:
        """A block of the diagram was clicked: select its row (the names are the same)."""
        for item in self.layers.get_children():
            if self.layers.item(item, "text") == name:
                self.layers.selection_set(item)
                self.layers.see(item)
                return
        self.diagram.select(name)
