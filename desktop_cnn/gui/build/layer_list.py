"""The Build tab's list of layers: select, add, remove and reorder with the mouse or the keys.

Keys in the list: Insert adds a layer of the chosen type after the selection,
Delete removes the selected layer, Alt+Up / Alt+Down move it, Return edits it. The first row is
the input (its channels and size are edited like a layer's fields).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from tkinter import ttk
from typing import Any

from ...core.spec.kind import LAYER_TYPES, kind
from ..common import columns
from ..common.panel import PAD
from ..common.scaling import px

INPUT = "input"  # the input row's id; layer rows are "0", "1", ...
SKIP = {"type", "name"}
WIDTHS = {"#0": 92, "type": 96, "settings": 100, "output": 84}  # design px, at least
TITLES = {"#0": "layer", "type": "type", "settings": "settings", "output": "output"}


@dataclass
class ListActions:
    """What the list asks of its owner; each returns the row index to select afterwards."""

    add: Callable[[str, int], int]  # (layer type, insert at) -> new index
    remove: Callable[[int], int]
    move: Callable[[int, int], int]  # (index, -1 or +1) -> new index
    select: Callable[[int], None]  # -1: the input


def settings_text(layer: dict[str, Any]) -> str:
    """The layer's fields in a few characters, e.g. "16 out, 3x3, s1, p1" (its kind says)."""
    cls = kind(layer["type"])
    known = {f.name for f in cls.fields()}
    try:
        return cls(**{k: v for k, v in layer.items() if k in known}).settings()
    except (KeyError, TypeError, ValueError):  # a half-edited value: show the raw fields
        return ", ".join(f"{k} {v}" for k, v in layer.items() if k not in SKIP)


def complete(typed: str, choices: list[str]) -> str | None:
    """The first choice that starts with ``typed`` (any case); None when none does."""
    low = typed.strip().lower()
    return next((c for c in choices if low and c.startswith(low)), None)


class LayerList(ttk.Frame):
    def __init__(self, master: tk.Misc, actions: ListActions) -> None:
        super().__init__(master)
        self.actions = actions
        self.create_widgets()

    def create_widgets(self) -> None:
        self.tree = ttk.Treeview(
            self,
            columns=("type", "settings", "output"),
            height=14,
            selectmode="browse",
            name="layers",
        )
        for col, width in WIDTHS.items():
            self.tree.heading(col, text=TITLES[col], anchor="w")
            self.tree.column(col, width=px(width), anchor="w", stretch=col == "settings")
        self.tree.tag_configure("error", foreground="#b00020")
        scroll = ttk.Scrollbar(self, orient="vertical", command=self.tree.yview)
        self.tree.configure(yscrollcommand=scroll.set)
        self.tree.grid(row=0, column=0, sticky="nsew")
        scroll.grid(row=0, column=1, sticky="ns")
        self.tree.bind("<<TreeviewSelect>>", lambda e: self._selected())
        self.tree.bind("<Insert>", lambda e: self.add())
        self.tree.bind("<Delete>", lambda e: self.remove())
        self.tree.bind("<Alt-Up>", lambda e: self._move_key(-1))
        self.tree.bind("<Alt-Down>", lambda e: self._move_key(1))
        bar = ttk.Frame(self)
        bar.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(PAD, 0))
        self.kind = tk.StringVar(self, "conv")
        # Typing picks a type too: "co" completes to "conv", Return adds it.
        self.kind_box = ttk.Combobox(
            bar, textvariable=self.kind, values=list(LAYER_TYPES), width=13, name="kind"
        )
        self.kind_box.pack(side="left")
        self.kind_box.bind("<KeyPress>", self._typed)
        self.kind_box.bind("<Return>", lambda e: self._add_key())
        self.add_button = ttk.Button(bar, text="Add (Ins)", command=self.add, width=9)
        self.remove_button = ttk.Button(bar, text="Remove (Del)", command=self.remove, width=12)
        self.up_button = ttk.Button(bar, text="\u2191", width=3, command=lambda: self.move(-1))
        self.down_button = ttk.Button(bar, text="\u2193", width=3, command=lambda: self.move(1))
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            b.pack(side="left", padx=(2, 0))
        self.rowconfigure(0, weight=1)
        self.columnconfigure(0, weight=1)

    # --- showing ------------------------------------------------------------------------
    def show(self, input_shape: list[int], layers: list[dict[str, Any]], select: int) -> None:
        """Rebuild the rows (after a structural change) and select row ``select``."""
        self.tree.delete(*self.tree.get_children())
        self.tree.insert(
            "", "end", INPUT, text="input", values=("", "x".join(str(v) for v in input_shape), "")
        )
        for i, layer in enumerate(layers):
            self.tree.insert(
                "",
                "end",
                str(i),
                text=layer["name"],
                values=(layer["type"], settings_text(layer), ""),
            )
        self.select(select)
        self.fit_columns(shrink=True)

    def fit_columns(self, shrink: bool = False) -> None:
        """Each column as wide as its longest text ("16 out, 5x5, s1, p0" whole at 192 dpi).
        Only a new spec (``shrink``) narrows them again: while a field is typed into, a
        column that changed width on each key press would redraw the whole list."""
        columns.fit(self.tree, WIDTHS if shrink else None)

    def update_row(self, index: int, input_shape: list[int], layer: dict[str, Any] | None) -> None:
        """One row's text after one of its fields changed."""
        if index < 0:
            self.tree.set(INPUT, "settings", "x".join(str(v) for v in input_shape))
        else:
            assert layer is not None  # every layer row (index >= 0) comes with its layer
            self.tree.item(str(index), text=layer["name"])
            self.tree.set(str(index), "settings", settings_text(layer))
        self.fit_columns()

    def show_outputs(self, outputs: list[str], failed: int | None) -> None:
        """The output shape column; ``failed``: the layer that cannot be built (in red)."""
        for i, iid in enumerate(self.tree.get_children()[1:]):
            text = outputs[i] if i < len(outputs) else ""
            if self.tree.set(iid, "output") != text:
                self.tree.set(iid, "output", text)
            tags = ("error",) if i == failed else ()
            if tuple(self.tree.item(iid, "tags") or ()) != tags:
                self.tree.item(iid, tags=tags)
        self.fit_columns()

    def select(self, index: int) -> None:
        iid = INPUT if index < 0 else str(index)
        if not self.tree.exists(iid):
            iid = INPUT
        self.tree.selection_set(iid)
        self.tree.focus(iid)
        self.tree.see(iid)

    @property
    def index(self) -> int:
        """The selected row: -1 for the input (or nothing), else the layer's index."""
        sel = self.tree.selection()
        return -1 if not sel or sel[0] == INPUT else int(sel[0])

    # --- actions ------------------------------------------------------------------------
    def _selected(self) -> None:
        self.actions.select(self.index)

    def _typed(self, event: tk.Event) -> None:
        """A letter typed into the type box: complete it once Tk has inserted the letter."""
        if len(event.keysym) == 1 and event.keysym.isalnum():
            self.after_idle(self._complete)

    def _complete(self) -> None:
        """Fill in the rest of the first type that starts with what was typed, selected, so
        typing on replaces it (deleting keys and moves never complete)."""
        box = self.kind_box
        typed = box.get()[: box.index("insert")]
        found = complete(typed, list(LAYER_TYPES))
        if found is not None and found != box.get():
            self.kind.set(found)
            box.icursor(len(typed))
            box.selection_range(len(typed), "end")

    def add(self) -> None:
        chosen = self.kind.get().strip().lower()
        if chosen not in LAYER_TYPES:
            chosen = complete(chosen, list(LAYER_TYPES)) or ""
        if not chosen:
            self.bell()
            return
        self.kind.set(chosen)
        self.select(self.actions.add(chosen, self.index + 1))

    def remove(self) -> None:
        if self.index >= 0:
            self.select(self.actions.remove(self.index))

    def move(self, delta: int) -> None:
        if self.index >= 0:
            self.select(self.actions.move(self.index, delta))

    def _add_key(self) -> str:
        """A key's add: ``"break"`` stops Tk's own handling of the key."""
        self.add()
        return "break"

    def _move_key(self, delta: int) -> str:
        """A key's move: ``"break"`` stops Tk's own handling of the key."""
        self.move(delta)
        return "break"
