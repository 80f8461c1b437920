"""Errors a user must act on, worded whole and shown in a dialog, never only in the status bar.

The status bar is one line wide and easy to miss; an error that needs a
decision (a model that cannot be opened, a file that cannot be saved) goes
to a dialog through a panel's ``show_error`` seam, which tests replace.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import messagebox

FIRST_LINE = 120  # characters: a longer message puts its first sentence in bold, the rest below


def split(message: str) -> tuple[str, str]:
    """The headline and the details of a message (Tk shows the headline in bold)."""
    head, sep, rest = message.partition("\n")
    if sep or len(head) <= FIRST_LINE:
        return head, rest.strip()
    cut = head.rfind(": ", 0, FIRST_LINE)
    if cut <= 0:
        return head, ""
    return head[: cut + 1], head[cut + 2 :]


def show_error(parent: tk.Misc, title: str, message: str) -> None:
    """A modal error dialog with the whole message (wrapped by Tk, never cut)."""
    head, detail = split(message)
    # detail None: no second paragraph (tkinter drops None options; its stubs do not say)
    top = parent.winfo_toplevel()
    messagebox.showerror(title, head, detail=detail or None, parent=top)  # type: ignore[arg-type]


def model_not_opened(path: str, error: str) -> tuple[str, str]:
    """Title and text when the model given at start-up cannot be opened."""
    return (
        "Cannot open the model",
        f"{error}\n\nThe app starts without a model: open another one (File > Open "
        f"model, Ctrl+O) or train one in the Train tab.\nFile: {path}",
    )
