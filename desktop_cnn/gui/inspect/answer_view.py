"""From the last map to the answer: flatten, dense layers, logits and softmax, each with numbers.

Under the Feature maps: one strip per vector on the path (``core.inspect.answer_path``,
a forward pass with hooks, so the numbers are the model's own). A click on a
strip's unit explains it below (a dense unit: its largest products, the sum, the
bias, the activation; a softmax output: the formula with its numbers).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Any

import numpy as np
from PIL import Image, ImageTk

from ..common.images import colorize
from ..common.panel import PAD
from ..common.scaling import px

STRIP_H = 16  # px: one row of units
MAX_NUMBERS = 12  # a vector this short shows every number under its strip


class VectorStrip(ttk.Frame):
    """A title, a colour strip of N units (click: ``on_click(name, unit)``) and its numbers."""

    def __init__(
        self, master: tk.Misc, name: str, on_click: Callable[[str, int], None], width: int
    ) -> None:
        super().__init__(master)
        self.name, self.on_click, self.width = name, on_click, width
        self.title = ttk.Label(self, text=name)
        self.title.pack(anchor="w")
        self.canvas = tk.Canvas(
            self, width=width, height=px(STRIP_H), highlightthickness=0, cursor="hand2"
        )
        self.canvas.pack(anchor="w")
        self.canvas.bind("<Button-1>", self._click)
        self.numbers = ttk.Label(self, text="", font="TkFixedFont", wraplength=width)
        self.numbers.pack(anchor="w")
        self.photo: ImageTk.PhotoImage | None = None
        self.count = 1

    def show(self, values: np.ndarray, title: str, marked: int | None = None) -> None:
        self.count = len(values)
        lo, hi = float(values.min()), float(values.max())
        row = colorize(values[None, :], lo, hi)
        img = Image.fromarray(row).resize((self.width, px(STRIP_H)), Image.Resampling.NEAREST)
        self.photo = ImageTk.PhotoImage(img, master=self)
        self.canvas.delete("all")
        self.canvas.create_image(0, 0, anchor="nw", image=self.photo)
        if marked is not None:
            x0 = marked * self.width / self.count
            x1 = (marked + 1) * self.width / self.count
            self.canvas.create_rectangle(
                x0, 0, max(x1, x0 + 2), px(STRIP_H) - 1, outline="#ff3b30", width=2
            )
        self.title.configure(text=f"{title}   values {lo:.3g} to {hi:.3g}")
        if self.count <= MAX_NUMBERS:
            self.numbers.configure(text="  ".join(f"{k}:{v:.3f}" for k, v in enumerate(values)))
        else:
            self.numbers.configure(text="")

    def _click(self, event: tk.Event) -> None:
        unit = min(self.count - 1, max(0, int(event.x * self.count / self.width)))
        self.on_click(self.name, unit)


class AnswerView(ttk.LabelFrame):
    """``show(model, x, classes)`` draws the path after the maps; clicks explain a unit."""

    def __init__(self, master: tk.Misc, width: int = 520) -> None:
        super().__init__(master, text="From the last map to the answer", padding=PAD)
        self.width = px(width)
        self.strips: dict[str, VectorStrip] = {}
        self.path: Any = None
        self.model: Any = None
        self.classes: list[str] = []
        self.chosen: tuple[str, int] | None = None
        self.flat_text = ttk.Label(self, text="", wraplength=self.width, justify="left")
        self.flat_text.pack(anchor="w")
        self.box = ttk.Frame(self)
        self.box.pack(anchor="w", fill="x")
        ttk.Label(self, text="How is this number computed? (click a unit above)").pack(
            anchor="w", pady=(PAD, 0)
        )
        self.explain = tk.Text(
            self, height=9, width=80, font="TkFixedFont", relief="flat", wrap="none"
        )
        self.explain.pack(anchor="w", fill="x")
        self.explain.configure(state="disabled")

    def show(self, model: Any, x: Any, classes: list[str]) -> None:
        from ...core.inspect.answer_path import answer_path

        self.model, self.classes = model, list(classes)
        self.path = answer_path(model, x)
        vectors = [s for s in self.path.stages if s.values.dim() == 1]
        names = [s.name for s in vectors]
        for name in list(self.strips):
            if name not in names:
                self.strips.pop(name).destroy()
        for s in vectors:
            strip = self.strips.get(s.name)
            if strip is None:
                strip = self.strips[s.name] = VectorStrip(self.box, s.name, self.pick, self.width)
            strip.pack_forget()
            strip.pack(anchor="w", pady=(0, PAD))
            marked = self.chosen[1] if self.chosen and self.chosen[0] == s.name else None
            if s.name == "softmax":
                marked = self.path.prediction if marked is None else marked
            strip.show(s.values.numpy(), f"{s.name}: {s.label}", marked)
        self.flat_text.configure(text=self.flat_summary())
        self.explain_chosen()

    def flat_summary(self) -> str:
        p = self.path
        if not p.flat:
            return "The maps reach the dense layers without a flatten of every number."
        seg = p.flat
        src = seg[0].source
        size = seg[0].stop - seg[0].start
        k = p.prediction
        name = self.classes[k] if k < len(self.classes) else str(k)
        return (
            f"flatten: {len(seg)} maps of {src} ({size} numbers each) laid end to end: "
            f"numbers 0..{size - 1} are map 0, {size}..{2 * size - 1} map 1, and so on, "
            f"{seg[-1].stop} numbers in all. The prediction: {name} "
            f"({float(p.probs[k]):.1%}), as the Draw tab shows."
        )

    def pick(self, name: str, unit: int) -> None:
        self.chosen = (name, unit)
        if self.model is not None:
            self.show(self.model, self.path.stages[0].values, self.classes)

    def explain_chosen(self) -> None:
        from ...core.inspect.answer_path import dense_unit, softmax_text

        text = ""
        if self.chosen is not None and self.path is not None:
            name, unit = self.chosen
            stage = next((s for s in self.path.stages if s.name == name), None)
            if stage is None:
                text = ""
            elif name in ("softmax", "logits"):
                text = softmax_text(self.path, unit, self.classes)
            elif stage.module == "Linear":
                text = dense_unit(self.path, self.model, name, unit).text()
            elif stage.module == "Flatten":
                text = f"flatten number {unit} = {self.path.source_of(unit)}"
                text += f" = {float(stage.values[unit]):.4f}"
            else:
                text = f"{name}[{unit}] = {float(stage.values[unit]):.4f} ({stage.label})"
        self.explain.configure(state="normal")
        self.explain.delete("1.0", "end")
        self.explain.insert("1.0", text)
        self.explain.configure(state="disabled")
