"""The Build tab's form for the selected layer, built from its kind's fields (``layer_fields``).

Whole numbers get spinboxes (from the field's lowest value), numbers entries,
true/false a checkbox, text choices a drop-down; a pool's stride may be left
blank (the kernel size). The hint beside each field and its tooltip-free help
come from the kind's field description. Every key press reports the field's
text to ``on_change`` at once, so the arithmetic follows the typing. Return in the
layer list comes here (``focus_first``), Escape goes back.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Any

from ...core.spec.layers import FieldInfo
from ..common.panel import PAD

SPIN_MAX = 4096  # spinbox arrows stop here; a typed value may be larger


class LayerEditor(ttk.LabelFrame):
    """``on_change(key, value)``: value is the text typed (a bool for checkboxes)."""

    def __init__(self, master: tk.Misc, on_change: Callable[[str, Any], None]) -> None:
        super().__init__(master, text="Layer", padding=PAD)
        self.on_change = on_change
        self.on_escape: Callable[[], None] = lambda: None  # Esc in a field: back to the list
        self.vars: dict[str, tk.Variable] = {}
        self.entries: dict[str, ttk.Widget] = {}  # by field, for tests and focus
        self._loading = False
        self.columnconfigure(1, weight=1)

    def show(
        self, title: str, name: str | None, fields: list[FieldInfo], values: dict[str, Any]
    ) -> None:
        """Rebuild the form for one layer (``name`` None: the input, which has no name)."""
        self._loading = True
        for child in self.winfo_children():
            child.destroy()
        self.vars, self.entries = {}, {}
        self.configure(text=title)
        rows: list[tuple[str, FieldInfo | None]] = [("name", None)] if name is not None else []
        rows += [(f.name, f) for f in fields]
        for r, (key, info) in enumerate(rows):
            ttk.Label(self, text=key.replace("_", " ")).grid(row=r, column=0, sticky="w", pady=1)
            value = name if info is None else values.get(key, info.default)
            widget = self._field(key, info, value)
            widget.grid(row=r, column=1, sticky="ew", pady=1, padx=(PAD, 0))
            ttk.Label(self, text=info.hint if info else "", foreground="#666").grid(
                row=r, column=2, sticky="w", padx=(4, 0)
            )
        if not rows:
            ttk.Label(self, text="This layer has no settings.", foreground="#666").grid(
                row=0, column=0, columnspan=3, sticky="w"
            )
        self._loading = False

    def _field(self, key: str, info: FieldInfo | None, value: Any) -> ttk.Widget:
        widget: ttk.Widget
        if info is not None and info.kind is bool:
            var: tk.Variable = tk.BooleanVar(self, bool(value))
            widget = ttk.Checkbutton(self, variable=var)
        else:
            var = tk.StringVar(self, "" if value is None else str(value))
            if info is not None and info.choices:
                widget = ttk.Combobox(
                    self, textvariable=var, values=list(info.choices), state="readonly", width=10
                )
            elif info is not None and info.kind is int and not info.optional:
                low = 1 if info.low is None else int(info.low)
                high = SPIN_MAX if info.high is None else int(info.high)
                widget = ttk.Spinbox(self, from_=low, to=high, textvariable=var, width=8)
            else:
                widget = ttk.Entry(self, textvariable=var, width=10)
        var.trace_add("write", lambda *a, k=key, v=var: self._changed(k, v))
        widget.bind("<Escape>", lambda e: self.on_escape())
        self.vars[key], self.entries[key] = var, widget
        return widget

    def focus_first(self) -> None:
        """Keyboard: the first setting (after the name) takes the focus, its text selected."""
        keys = [k for k in self.entries if k != "name"] or list(self.entries)
        if keys:
            widget = self.entries[keys[0]]
            widget.focus_set()
            if isinstance(widget, ttk.Entry):  # a Spinbox is one too
                widget.selection_range(0, "end")

    def _changed(self, key: str, var: tk.Variable) -> None:
        if not self._loading:
            self.on_change(key, var.get())
