"""'Why this answer?': a saliency map drawn over the model's input, with its controls.

The map itself comes from ``core.inspect.saliency`` (through ``predictor.saliency``);
this module only blends it over the input (numpy, no Tk) and holds the
widgets: the overlay, a method switch (off, Grad-CAM, input gradient) and
a class chooser ("predicted" or any class).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

import numpy as np

from ..common.images import to_rgb
from ..common.panel import PAD
from ..common.widgets import ArrayView

METHOD_LABELS = {"off": "Off", "gradcam": "Grad-CAM", "gradient": "Input gradient"}
PREDICTED = "predicted"
# Dark red through orange to yellow, blended in proportion to the map: where it is 0 the
# input shows unchanged. Reads on black background and on white ink alike.
_T = np.linspace(0, 1, 256)
HEAT = np.stack(
    [
        np.interp(_T, [0, 0.35, 0.7, 1], ch)
        for ch in ([150, 230, 255, 255], [0, 30, 140, 240], [0, 0, 0, 60])
    ],
    1,
).astype(np.uint8)
MAX_ALPHA = 0.8  # the input stays visible under the strongest pixel


def overlay(seen: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """The input (C, H, W) 0..1 in gray or colour, with ``heat`` (H, W) 0..1 blended over it."""
    base = to_rgb(seen).astype(np.float32)
    idx = (np.clip(heat, 0, 1) * 255).round().astype(np.uint8)
    alpha = (MAX_ALPHA * np.clip(heat, 0, 1))[:, :, None]
    return (base * (1 - alpha) + HEAT[idx].astype(np.float32) * alpha).round().astype(np.uint8)


def describe(method: str | None, class_name: str, predicted: bool) -> str:
    whose = f"{class_name!r}" + (" (the answer)" if predicted else "")
    if method == "gradcam":
        return f"Grad-CAM for {whose}: where the last conv layer saw evidence for it."
    if method == "gradient":
        return f"Input gradient for {whose}: the pixels that move its score most."
    return "Pick a method to see which pixels led to the answer."


class SaliencyView(ttk.Frame):
    """The overlay and its controls; ``on_change()`` runs when the user picks something."""

    def __init__(self, master: tk.Misc, size: int, on_change: Callable[[], None]) -> None:
        super().__init__(master)
        self.side, self.on_change = size, on_change
        self.create_widgets()

    def create_widgets(self) -> None:
        ttk.Label(self, text="Why this answer?").pack(anchor="w")
        self.view = ArrayView(self, self.side)
        self.view.pack(anchor="w")
        self.method = tk.StringVar(self, "off")
        self.radios: dict[str, ttk.Radiobutton] = {}
        for key, label in METHOD_LABELS.items():
            radio = ttk.Radiobutton(
                self, text=label, value=key, variable=self.method, command=self.on_change
            )
            radio.pack(anchor="w")
            self.radios[key] = radio
        row = ttk.Frame(self)
        row.pack(anchor="w", fill="x", pady=(2, 0))
        ttk.Label(row, text="for").pack(side="left")
        self.target_box = ttk.Combobox(row, state="readonly", width=11, values=[PREDICTED])
        self.target_box.current(0)
        self.target_box.pack(side="left", padx=(4, 0))
        self.target_box.bind("<<ComboboxSelected>>", lambda e: self.on_change())
        self.caption = ttk.Label(
            self,
            text=describe(None, "", False),
            wraplength=self.side,
            justify="left",
            foreground="#555",
        )
        self.caption.pack(anchor="w", pady=(PAD, 0))
        # on the overlay's corner: the panel's width and height are spoken for
        self.save_button = ttk.Button(self, text="Save...", command=self.save_image_dialog)
        self.save_button.place(in_=self.view, relx=1.0, rely=1.0, anchor="se")
        self.rgb: np.ndarray | None = None
        self.ask_save_filename: Callable[..., str] | None = None  # seams for tests
        self.show_error: Callable[[str, str], None] | None = None

    def save_image_dialog(self) -> None:
        """The overlay as shown, with its caption, as PNG, SVG or PDF."""
        from ...core.pictures.explain import image_figure
        from ..common.save_image import ask_and_save

        if self.rgb is None:
            return
        rgb, caption = self.rgb, self.caption.cget("text")
        ask_and_save(
            self,
            lambda: image_figure(rgb, caption),
            "why-this-answer",
            self.ask_save_filename,
            self.show_error,
        )

    # --- what is chosen -------------------------------------------------------------------
    @property
    def chosen_method(self) -> str | None:
        method = self.method.get()
        return None if method == "off" else method

    @property
    def chosen_target(self) -> int | None:
        """A class index, or None for the predicted class."""
        i = self.target_box.current()
        return None if i <= 0 else i - 1

    def set_classes(self, classes: list[str]) -> None:
        """New classes: keep the chosen one when it still exists, else back to 'predicted'."""
        target = self.chosen_target
        self.target_box.configure(values=[PREDICTED, *classes])
        self.target_box.current(0 if target is None or target >= len(classes) else target + 1)

    def choose(self, method: str | None, target: int | None) -> None:
        """Set the widgets as a user would (no ``on_change``: the caller updates)."""
        self.method.set(method or "off")
        self.target_box.current(0 if target is None else target + 1)

    # --- what is shown --------------------------------------------------------------------
    def show(self, rgb: np.ndarray | None, caption: str) -> None:
        self.rgb = rgb
        self.view.show(rgb)
        self.caption.configure(text=caption)
