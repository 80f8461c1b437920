"""The Train form's recipe choice (the chapter's or the app's) and its book-vs-yours block."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Any

from ...core.files.checkpoints import ModelInfo
from ...core.train.recipes import CIFAR2, Recipe, changes, comparison_table, epoch_lines, recipe
from ..common.panel import PAD

OWN = "Your own settings"
CHOICES: dict[str, tuple[str, str, tuple[str, ...] | None]] = {  # recipe()'s arguments
    "Book: LeNet-5 on CIFAR-10": ("book", "cifar10", None),
    "Book: small net, airplane vs bird": ("book", "cifar10", CIFAR2),
    "App: LeNet-5 on CIFAR-10": ("app", "cifar10", None),
    "App: small net, airplane vs bird": ("app", "cifar10", CIFAR2),
}


def hidden_settings(r: Recipe) -> str:
    """What the recipe sets that the form has no field for."""
    c = r.config
    parts = [f"schedule {c.schedule}", f"weight decay {c.decay():g}"]
    if c.optimizer == "sgd":
        parts.append(f"momentum {c.momentum:g}")
    parts.append("pixels scaled to [-1, 1]" if r.book_scaling else "per-channel mean/std")
    if r.classes:
        parts.append(f"classes {' and '.join(r.classes)}")
    return f"{r.title[0].upper()}{r.title[1:]}: " + ", ".join(parts) + f". Takes {r.minutes_here}."


class RecipeChoice:
    """A combobox that fills the form through ``use(recipe or None)``; a hint under the form."""

    def __init__(self, form: tk.Misc, use: Callable[[Recipe | None], None]) -> None:
        self.use = use
        self.var = tk.StringVar(form, OWN)
        self.box = ttk.Combobox(
            form, textvariable=self.var, state="readonly", width=30, values=[OWN, *CHOICES]
        )
        self.box.bind("<<ComboboxSelected>>", lambda e: self.choose(self.var.get()))
        self.hint = ttk.Label(form, foreground="#666", wraplength=330)

    def choose(self, label: str) -> Recipe | None:
        self.var.set(label)
        r = recipe(*CHOICES[label]) if label in CHOICES else None
        self.hint.configure(text=hidden_settings(r) if r else "")
        self.use(r)
        return r


class RecipeReport(ttk.Frame):
    """After a recipe's run: the chapter's figures beside this session's runs, per class."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, padding=PAD * 2)
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}  # "cifar10"/"cifar2" -> runs
        self.title = ttk.Label(
            self,
            font="TkHeadingFont",
            text="Run a Book or App recipe "
            "(Recipe, above the dataset) to compare it with the chapter.",
        )
        self.title.pack(anchor="w")
        self.table = ttk.Label(self, font="TkFixedFont", justify="left")
        self.table.pack(anchor="w", pady=(PAD, 0))
        self.why = ttk.Label(self, foreground="#444", wraplength=520, justify="left")
        self.bind("<Configure>", lambda e: self.why.configure(wraplength=max(300, e.width - 30)))
        self.why.pack(anchor="w", pady=(PAD * 2, 0))

    def add(self, r: Recipe, info: ModelInfo) -> str:
        """Record a finished run of ``r`` and show the table; returns the table's text."""
        metrics = dict(info.metrics)
        epochs = info.history.get("epochs") or []
        if epochs:  # the chapter measures it after training; here: during the last epoch
            metrics.setdefault("train_accuracy", epochs[-1]["train_accuracy"])
        kind = "cifar2" if r.classes else "cifar10"
        self.runs.setdefault(kind, {})[f"{r.name} recipe"] = metrics
        self.title.configure(
            text=f"The chapter's figures and your {kind} runs\n({r.figures.where})"
        )
        text = "\n".join(comparison_table(r.figures, self.runs[kind]))
        text += "\n\n" + "\n".join(epoch_lines(r, info.history.get("epochs") or []))
        self.table.configure(text=text)
        book, app = recipe("book", r.dataset, r.classes), recipe("app", r.dataset, r.classes)
        self.why.configure(
            text="What the app's own recipe changes, and why it helps:\n"
            + "\n".join(f"- {c.setting}: {c.book} -> {c.app}. {c.why}." for c in changes(book, app))
        )
        return text
