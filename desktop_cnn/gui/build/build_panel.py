"""The Build tab: design a CNN as a spec, with the chapter's arithmetic live, and train it.

Start from a preset or from the current model's spec; add, remove, reorder and
edit layers (layer_list.py, layer_editor.py); every key press re-judges the
whole spec (draft.py) and updates the table (arith_table.py) and, when shown,
the PyTorch code (code_view.py). "Train this" posts a ``TrainSpec`` request: the
Train tab trains it on its dataset. Nothing is built here, so a wrong layer
costs nothing but its message.
"""

from __future__ import annotations

import tkinter as tk
from pathlib import Path
from tkinter import messagebox, ttk
from typing import Any

from ...core.files.paths import models_dir
from ...core.spec.files import load_spec_file, save_spec_file
from ...core.spec.layers import SpecError
from ...core.spec.presets import preset_spec
from ..common.diagram_view import DiagramView
from ..common.panel import PAD, Panel
from ..requests import BuildPreset, ShowTab, TrainSpec
from ..state import AppState
from .arith_table import ArithTable
from .code_view import CodeView
from .draft import Draft, Judged, fields_of, judge, parse_text
from .layer_editor import LayerEditor
from .layer_list import LayerList, ListActions

SPEC_TYPES = [("Model specs", "*.json"), ("All files", "*")]
PRESET_LABELS = {  # what the chooser shows -> the preset's name
    "LeNet-5 (modern)": "lenet5",
    "LeNet-5 (classic)": "lenet5-classic",
    "The book's CIFAR net (18,090 parameters)": "cifar-net",
    "The chapter's Fig. 3 ConvNet (39x39x3)": "fig3-convnet",
    "All-convolutional net (strided convs)": "allconv",
    "pytorch/examples MNIST net": "mnist-example",
    "WideNet (batch norm)": "widenet",
    "The book's DCGAN generator (100x1x1 -> 3x64x64)": "dcgan-generator",
    "DCGAN generator, 28x28 (Generate tab)": "dcgan-g28",
    "DCGAN discriminator, 28x28": "dcgan-d28",
    "Empty": "empty",
}


class BuildPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.draft = Draft()
        self.bad: dict[str, str] = {}  # field -> why its text is not a value (selected layer)
        self.judged: Judged = judge(self.draft)
        self.create_widgets()
        self.load_preset("lenet5")
        state.handle(BuildPreset, self.show_preset)  # e.g. from the chapter guide

    def create_widgets(self) -> None:
        top = ttk.Frame(self, name="top")
        top.grid(row=0, column=0, columnspan=2, sticky="ew", pady=(0, PAD))
        ttk.Label(top, text="Start from").pack(side="left")
        self.preset = tk.StringVar(self, "LeNet-5 (modern)")
        self.preset_box = ttk.Combobox(
            top, textvariable=self.preset, values=list(PRESET_LABELS), state="readonly", width=30
        )
        self.preset_box.pack(side="left", padx=(PAD, 0))
        self.preset_box.bind(
            "<<ComboboxSelected>>", lambda e: self.load_preset(PRESET_LABELS[self.preset.get()])
        )
        self.current_button = ttk.Button(top, text="Open current model", command=self.open_current)
        self.current_button.pack(side="left", padx=(PAD, 0))
        ttk.Label(top, text="Name").pack(side="left", padx=(PAD * 2, 0))
        self.name = tk.StringVar(self, self.draft.name)
        self.name_entry = ttk.Entry(top, textvariable=self.name, width=12)
        self.name_entry.pack(side="left", padx=(PAD, 0))
        self.name.trace_add("write", lambda *a: self._renamed())
        self.train_button = ttk.Button(top, text="Train this", command=self.train_this)
        self.save_button = ttk.Button(top, text="Save spec...", command=self.save_spec)
        self.open_button = ttk.Button(top, text="Open spec...", command=self.open_spec)
        for b in (self.train_button, self.save_button, self.open_button):
            b.pack(side="right", padx=(PAD, 0))

        left = ttk.Frame(self)
        left.grid(row=1, column=0, sticky="nsew")
        self.layers = LayerList(
            left, ListActions(self.add_layer, self.remove_layer, self.move_layer, self.select_layer)
        )
        self.layers.pack(fill="both", expand=True)
        self.editor = LayerEditor(left, self.edit)
        self.editor.pack(fill="x", pady=(PAD, 0))
        self.layers.tree.bind("<Return>", lambda e: self.editor.focus_first())
        self.editor.on_escape = self.layers.tree.focus_set
        self.views = ttk.Notebook(self)
        self.views.grid(row=1, column=1, sticky="nsew", padx=(PAD * 2, 0))
        self.table = ArithTable(self.views)
        self.views.add(self.table, text="Arithmetic", padding=PAD)
        self.code = CodeView(self.views, self.save_code)
        self.views.add(self.code, text="PyTorch code")
        self.diagram = DiagramView(self.views, lambda name, i: self.refresh(select=i))
        self.views.add(self.diagram, text="Diagram", padding=PAD)
        self.columnconfigure(1, weight=1)
        self.rowconfigure(1, weight=1)

    # --- seams --------------------------------------------------------------------------
    def ask_yes_no(self, title: str, message: str) -> bool:
        return messagebox.askyesno(title, message, parent=self.winfo_toplevel())

    # --- starting points ------------------------------------------------------------------
    def load_preset(self, name: str) -> None:
        self.set_draft(Draft.from_spec(preset_spec(name)))
        self.preset.set(next(label for label, n in PRESET_LABELS.items() if n == name))

    def show_preset(self, request: BuildPreset) -> None:
        """A preset by its name ("fig3-convnet") or words of its label ("Fig. 3 ConvNet")."""
        words = request.name.lower()
        name = next(
            (
                n
                for label, n in PRESET_LABELS.items()
                if words in (n, label.lower()) or words in label.lower()
            ),
            None,
        )
        if name is None:
            raise SpecError(f"no Build preset called {request.name!r}")
        self.load_preset(name)
        self.app_state.post(ShowTab("Build"))

    def open_current(self) -> bool:
        """The current model's spec (built-in or own), to start a variation of it."""
        ck = self.app_state.checkpoint
        if ck is None:
            self.show_error("No current model", "There is no model yet: open or train one.")
            return False
        try:
            spec = ck.info.spec
        except SpecError as exc:
            self.show_error("Cannot open this model here", str(exc))
            return False
        self.set_draft(Draft.from_spec(spec))
        return True

    def open_spec(self, path: str | Path | None = None) -> bool:
        path = path or self.ask_open_filename(
            title="Open a model spec", filetypes=SPEC_TYPES, initialdir=models_dir()
        )
        if not path:
            return False
        try:
            spec = load_spec_file(path)
        except SpecError as exc:  # one line naming the file, layer and field
            self.show_error("Cannot open the spec", str(exc))
            return False
        self.set_draft(Draft.from_spec(spec))
        return True

    def set_draft(self, draft: Draft) -> None:
        """Edit ``draft`` from now on (the chooser shows a preset's name only for a preset)."""
        self.draft, self.bad = draft, {}
        self.preset.set("")
        self.name.set(draft.name)
        self.refresh(select=0 if draft.layers else -1)

    # --- saving -------------------------------------------------------------------------
    def save_spec(self, path: str | Path | None = None) -> bool:
        spec = self._buildable("Cannot save the spec")
        if spec is None:
            return False
        path = path or self.ask_save_filename(
            title="Save the model spec as",
            filetypes=SPEC_TYPES,
            defaultextension=".json",
            initialdir=models_dir(),
            initialfile=f"{spec.name}.json",
        )
        if not path:
            return False
        try:
            save_spec_file(spec, path)
        except OSError as exc:
            self.show_error("Cannot save the spec", f"{path}: {exc.strerror or exc}")
            return False
        self.table.say(f"Saved {path}", "")
        return True

    def save_code(self, code: str, path: str | Path | None = None) -> bool:
        path = path or self.ask_save_filename(
            title="Save the PyTorch code as",
            filetypes=[("Python", "*.py"), ("All files", "*")],
            defaultextension=".py",
            initialdir=models_dir(),
            initialfile=f"{self.draft.name.replace('-', '_')}.py",
        )
        if not path:
            return False
        try:
            Path(path).write_text(code, encoding="utf-8")
        except OSError as exc:
            self.show_error("Cannot save the code", f"{path}: {exc.strerror or exc}")
            return False
        self.code.note.configure(text=f"Saved {path}")
        return True

    def _buildable(self, title: str):
        """The spec if every layer can be built; otherwise says why and gives None."""
        if not self.judged.ok:
            self.show_error(title, self.judged.error)
            return None
        return self.judged.spec

    # --- training ----------------------------------------------------------------------
    def train_this(self) -> bool:
        """Hand the spec to the Train tab; a spec too big for a desktop asks first."""
        spec = self._buildable("Cannot train this")
        if spec is None:
            return False
        arith = self.judged.arith
        assert arith is not None  # a judged spec that can be built always has its arithmetic
        force = bool(arith.too_big)
        if force and not self.ask_yes_no(
            "Train a very big model?",
            f"{spec.name} is too big for a desktop "
            f"({arith.too_big}): training will be very slow and use a lot of "
            "memory. Build and train it anyway?",
        ):
            return False
        if not self.app_state.post(TrainSpec(spec, force)):
            self.show_error(
                "Cannot train yet", "The Train tab is still loading: try again in a moment."
            )
            return False
        self.app_state.post(ShowTab("Train"))
        return True

    # --- editing ------------------------------------------------------------------------
    def add_layer(self, kind: str, index: int) -> int:
        index = self.draft.add(kind, index)
        self.refresh(select=index)
        return index

    def remove_layer(self, index: int) -> int:
        self.draft.remove(index)
        self.refresh(select=min(index, len(self.draft.layers) - 1))
        return min(index, len(self.draft.layers) - 1)

    def move_layer(self, index: int, delta: int) -> int:
        to = self.draft.move(index, delta)
        self.refresh(select=to)
        return to

    def select_layer(self, index: int) -> None:
        """Show the selected layer's (or the input's) fields in the form."""
        self.bad = {}
        if index < 0:
            values = dict(zip(("channels", "height", "width"), self.draft.input_shape, strict=True))
            self.editor.show("Input", None, fields_of("input"), values)
        else:
            layer = self.draft.layers[index]
            self.editor.show(
                f"Layer {index + 1}: {layer['type']}",
                layer["name"],
                fields_of(layer["type"]),
                layer,
            )
        self.update_views()

    def edit(self, key: str, value: Any) -> None:
        """One field of the selected layer changed (a key press, an arrow, a checkbox)."""
        index = self.layers.index
        where = "input" if index < 0 else self.draft.layers[index]["name"]
        self.bad.pop(key, None)
        if key != "name" and not isinstance(value, bool):
            info = {
                f.name: f
                for f in fields_of("input" if index < 0 else self.draft.layers[index]["type"])
            }[key]
            try:
                value = parse_text(where, info, value)
            except SpecError as exc:
                self.bad[key] = str(exc)
        if key not in self.bad:
            self.draft.set_value(index, key, value)
            self.layers.update_row(
                index, self.draft.input_shape, None if index < 0 else self.draft.layers[index]
            )
        self.update_views()

    def _renamed(self) -> None:
        self.draft.name = self.name.get().strip() or "my-net"
        self.update_views()

    # --- showing ------------------------------------------------------------------------
    def refresh(self, select: int) -> None:
        """After a structural change: the list again, the selection, then every view."""
        self.layers.show(self.draft.input_shape, self.draft.layers, select)
        self.select_layer(self.layers.index)

    def update_views(self) -> None:
        """Judge the draft and show it: the table, the list's outputs, the code."""
        self.judged = j = judge(self.draft, next(iter(self.bad.values()), ""))
        if j.arith is not None:
            self.table.show(j.arith)
            failed = next((i for i, r in enumerate(j.arith.rows) if r.error), None)
            self.layers.show_outputs([r.out_text for r in j.arith.rows], failed)
        if not j.ok:
            self.table.say(f"Cannot build: {j.error}", "#b00020")
        self.code.set_spec(j.spec if j.ok else None)
        self.diagram.show(j.spec if j.ok else None, self.layers.index, f"Cannot draw: {j.error}")
