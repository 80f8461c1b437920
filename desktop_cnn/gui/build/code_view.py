"""The Build tab's PyTorch code: the spec as an ``nn.Module`` class, read-only, Copy and Save.

The text is made only when the view is on screen (or asked for): a key press in
the form while the table is shown does not pay for it.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from ...core.spec.code import spec_code
from ...core.spec.layers import NetSpec
from ..common.panel import PAD


class CodeView(ttk.Frame):
    """``save(code)`` is the owner's Save as .py (its file dialog is the owner's seam)."""

    def __init__(self, master: tk.Misc, save: Callable[[str], object]) -> None:
        super().__init__(master, padding=PAD)
        self.save = save
        self.spec: NetSpec | None = None
        self.shown: NetSpec | None = None
        self.create_widgets()

    def create_widgets(self) -> None:
        bar = ttk.Frame(self)
        bar.pack(fill="x", pady=(0, PAD))
        self.copy_button = ttk.Button(bar, text="Copy", command=self.copy)
        self.save_button = ttk.Button(bar, text="Save as .py...", command=self._save)
        self.copy_button.pack(side="left")
        self.save_button.pack(side="left", padx=(PAD, 0))
        self.note = ttk.Label(bar, text="", foreground="#666")
        self.note.pack(side="left", padx=(PAD, 0))
        box = ttk.Frame(self)
        box.pack(fill="both", expand=True)
        self.text = tk.Text(
            box, wrap="none", font="TkFixedFont", height=20, width=80, state="disabled", name="code"
        )
        yscroll = ttk.Scrollbar(box, orient="vertical", command=self.text.yview)
        xscroll = ttk.Scrollbar(box, orient="horizontal", command=self.text.xview)
        self.text.configure(yscrollcommand=yscroll.set, xscrollcommand=xscroll.set)
        self.text.grid(row=0, column=0, sticky="nsew")
        yscroll.grid(row=0, column=1, sticky="ns")
        xscroll.grid(row=1, column=0, sticky="ew")
        box.rowconfigure(0, weight=1)
        box.columnconfigure(0, weight=1)
        self.bind("<Map>", lambda e: self.refresh())

    def set_spec(self, spec: NetSpec | None) -> None:
        """The spec to show (None: the layers cannot be built); drawn now only if visible."""
        self.spec = spec
        if self.winfo_ismapped():
            self.refresh()

    def refresh(self) -> None:
        if self.shown is self.spec and self.spec is not None:
            return
        self.shown = self.spec
        ok = self.spec is not None
        code = self.code if ok else ""
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        self.text.insert("1.0", code or "# The layers cannot be built yet: see the table.\n")
        self.text.configure(state="disabled")
        for b in (self.copy_button, self.save_button):
            b.state(["!disabled"] if ok else ["disabled"])
        self.note.configure(
            text="The same model as PyTorch code: it loads this model's state_dict." if ok else ""
        )

    @property
    def code(self) -> str:
        """The code of the current spec (made fresh: what Copy and Save give)."""
        return spec_code(self.spec) if self.spec is not None else ""

    def copy(self) -> None:
        if self.spec is None:
            return
        self.clipboard_clear()
        self.clipboard_append(self.code)
        self.note.configure(text="Copied to the clipboard.")

    def _save(self) -> None:
        if self.spec is not None:
            self.save(self.code)
