"""How to fool it: FGSM or PGD on the current input, with an epsilon slider in pixel units.

The slider moves epsilon, the L-infinity bound on the model's 0-255 input before
normalisation. FGSM (one gradient) answers on the Tk thread within a frame; PGD and the
smallest-epsilon search run on the panel's worker. The original, the perturbation (colour
scaled to its largest pixel, which the caption gives) and the adversarial image stand side
by side with the new probabilities; "Send to Draw tab" makes the adversarial image the
input there (a request the app routes), where Grad-CAM and the feature maps show what
changed. Below, the robustness curve: test accuracy against epsilon, cancellable.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

import numpy as np
from PIL import Image

from ...core.inside.attacks import AttackConfig
from ..common.images import COOLWARM, colorize, to_rgb
from ..common.panel import PAD, Panel, set_enabled
from ..common.scaling import px
from ..common.widgets import ArrayView, ProbabilityBars
from ..inputs import Source
from ..requests import PickTestImage, ShowInDraw
from ..state import AppState
from ..worker import JobFailed, Worker
from .curve_pane import CurvePane
from .events import Attacked
from .jobs import as_pixels, attacked, pixel_model

VIEW = 168  # px: a 28x28 input at 6x
MAX_SLIDER = 128  # pixel units: past half the range nothing is "a small change"
ANY = "any wrong answer"


class AttackPanel(Panel):
    """The attack controls, the three images and the probabilities, then the curve."""

    def __init__(self, master: tk.Misc, app_state: AppState, name: str | None = None) -> None:
        super().__init__(master, name=name)
        self.app_state = app_state
        self.worker = Worker(self, "the attack", self.attack_event, app_state.workers)
        self.result: Attacked | None = None
        self.create_widgets()
        app_state.subscribe("analysis", self.input_changed)
        app_state.subscribe("model", self.model_changed)
        self.model_changed()
        self.bind("<Map>", lambda e: self.rerun(), add="+")

    def create_widgets(self) -> None:
        bar = ttk.Frame(self)
        bar.pack(fill="x")
        self.method = tk.StringVar(self, "fgsm")
        ttk.Label(bar, text="Attack:").pack(side="left")
        for value, text in (("fgsm", "FGSM (one step)"), ("pgd", "PGD")):
            ttk.Radiobutton(
                bar, text=text, value=value, variable=self.method, command=self.rerun
            ).pack(side="left", padx=(PAD, 0))
        self.steps = tk.IntVar(self, 20)
        ttk.Label(bar, text="steps").pack(side="left", padx=(PAD, 2))
        ttk.Spinbox(bar, from_=1, to=200, width=4, textvariable=self.steps).pack(side="left")
        ttk.Label(bar, text="Target:").pack(side="left", padx=(2 * PAD, 2))
        self.target = tk.StringVar(self, ANY)
        self.target_box = ttk.Combobox(bar, textvariable=self.target, state="readonly", width=16)
        self.target_box.pack(side="left")
        self.target_box.bind("<<ComboboxSelected>>", lambda e: self.rerun())
        eps_row = ttk.Frame(self)
        eps_row.pack(fill="x", pady=(PAD, 0))
        ttk.Label(eps_row, text="epsilon").pack(side="left")
        self.eps = tk.DoubleVar(self, 0.0)
        self.eps_scale = ttk.Scale(
            eps_row,
            from_=0,
            to=MAX_SLIDER,
            variable=self.eps,
            command=self.eps_moved,
            length=px(320),
            name="eps",
        )
        self.eps_scale.pack(side="left", padx=PAD)
        self.eps_label = ttk.Label(eps_row, text="", width=34)
        self.eps_label.pack(side="left")
        buttons = ttk.Frame(self)
        buttons.pack(fill="x", pady=(PAD, 0))
        self.smallest_button = ttk.Button(
            buttons, text="Find the smallest epsilon", command=self.find_smallest
        )
        self.test_button = ttk.Button(
            buttons,
            text="Random test image",
            command=lambda: self.app_state.post(PickTestImage()),
        )
        self.send_button = ttk.Button(
            buttons, text="Send to the Draw tab", command=self.send_to_draw
        )
        for b in (self.smallest_button, self.test_button, self.send_button):
            b.pack(side="left", padx=(0, PAD))
        views = ttk.Frame(self)
        views.pack(fill="x", pady=(PAD, 0))
        self.views: dict[str, ArrayView] = {}
        self.captions: dict[str, ttk.Label] = {}
        for name in ("original", "perturbation", "adversarial"):
            box = ttk.Frame(views)
            box.pack(side="left", padx=(0, PAD), anchor="n")
            ttk.Label(box, text=name.capitalize(), font="TkHeadingFont").pack(anchor="w")
            self.views[name] = ArrayView(box, px(VIEW))
            self.views[name].pack()
            self.captions[name] = ttk.Label(box, text="", wraplength=px(VIEW), justify="left")
            self.captions[name].pack(anchor="w")
        side = ttk.Frame(views)
        side.pack(side="left", fill="both", expand=True, anchor="n")
        ttk.Label(side, text="Probabilities of the adversarial image").pack(anchor="w")
        self.bars = ProbabilityBars(side, width=px(260), height=px(200))
        self.bars.pack(fill="x")
        self.status = ttk.Label(self, text="", wraplength=px(760), justify="left")
        self.status.pack(fill="x", pady=(PAD, 0))
        self.curve = CurvePane(self, self.app_state)
        self.curve.pack(fill="both", expand=True, pady=(PAD, 0))

    # --- the model and the input --------------------------------------------------------
    def model_changed(self) -> None:
        ck = self.app_state.checkpoint
        classes = ck.info.classes if ck is not None else []
        self.target_box.configure(values=[ANY, *classes])
        self.target.set(ANY)
        self.bars.set_classes(classes)
        self.result = None
        if self.visible:
            self.rerun()

    def input_changed(self) -> None:
        if self.visible:
            self.rerun()

    def attack_config(self, eps: float | None = None) -> AttackConfig:
        ck = self.app_state.checkpoint
        classes = ck.info.classes if ck is not None else []
        t = self.target.get()
        target = classes.index(t) if t in classes else None
        steps = max(1, min(200, _int(self.steps, 20)))
        value = round(self.eps.get()) if eps is None else eps
        return AttackConfig(self.method.get(), float(value), target, steps)

    def eps_moved(self, _value: str = "") -> None:
        eps = round(self.eps.get())
        self.eps_label.configure(text=f"{eps} of 255 per pixel ({eps / 255:.3f} of the range)")
        if self.result is None or self.result.eps != eps or self.result.smallest:
            self.rerun()

    def rerun(self) -> None:
        """Attack the current input at the slider's epsilon: FGSM now, PGD on the worker."""
        ck, analysis = self.app_state.checkpoint, self.app_state.analysis
        if ck is None or analysis is None:
            self.status.configure(text="Draw a digit (Draw tab) or pick a test image first.")
            return
        x, cfg = as_pixels(analysis.seen), self.attack_config()
        self.eps_label.configure(
            text=f"{cfg.eps:g} of 255 per pixel ({cfg.eps / 255:.3f} of the range)"
        )
        if cfg.method == "fgsm":
            self.worker.drop()
            self.show(attacked(pixel_model(ck), x, cfg, False))
        else:
            pm = pixel_model(ck)
            self.status.configure(text=f"PGD, {cfg.steps} steps...")
            self.worker.start(lambda task: attacked(pm, x, cfg, False))

    def find_smallest(self) -> None:
        ck, analysis = self.app_state.checkpoint, self.app_state.analysis
        if ck is None or analysis is None:
            return
        pm, x, cfg = pixel_model(ck), as_pixels(analysis.seen), self.attack_config()
        self.status.configure(text="Searching the smallest epsilon...")
        self.worker.start(lambda task: attacked(pm, x, cfg, True))

    def attack_event(self, event: object) -> None:
        if isinstance(event, Attacked):
            if event.smallest and event.found:
                self.eps.set(event.eps)
            self.show(event)
        elif isinstance(event, JobFailed):
            self.status.configure(text=event.message)

    # --- showing it -----------------------------------------------------------------------
    def show(self, r: Attacked) -> None:
        self.result = r
        self.eps_label.configure(
            text=f"{r.eps:g} of 255 per pixel ({r.eps / 255:.3f} of the range)"
        )
        ck = self.app_state.checkpoint
        classes = ck.info.classes if ck is not None else [str(i) for i in range(len(r.after))]
        delta = r.adversarial - r.original
        scale = float(np.abs(delta).max()) or 1.0
        self.views["original"].show(to_rgb(r.original / 255))
        self.views["perturbation"].show(colorize(delta.mean(0), -scale, scale, COOLWARM))
        self.views["adversarial"].show(to_rgb(r.adversarial / 255))
        b, a = int(r.before.argmax()), int(r.after.argmax())
        self.captions["original"].configure(text=f"{classes[b]} ({r.before[b]:.1%})")
        self.captions["perturbation"].configure(
            text=f"blue darker, red brighter; full colour = {scale:g} of 255"
        )
        self.captions["adversarial"].configure(text=f"{classes[a]} ({r.after[a]:.1%})")
        self.bars.set_probs(r.after)
        self.status.configure(text=_verdict(r, classes, self.attack_config()))
        set_enabled(self.send_button, True)

    def send_to_draw(self) -> None:
        """The adversarial image becomes the Draw tab's input, with Grad-CAM on."""
        r = self.result
        if r is None:
            return
        arr = np.clip(r.adversarial, 0, 255).round().astype(np.uint8)
        import torch

        tensor = torch.from_numpy(arr)
        image = Image.fromarray(arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0))
        caption = f"Adversarial image: {self.method.get().upper()} at epsilon {r.eps:g}/255"
        # "Right" stays what it was before the attack: a test image's label, else the answer
        was = self.app_state.source
        label = was.label if was.kind == "test" and was.label >= 0 else int(r.before.argmax())
        source = Source("test", caption, image=image, tensor=tensor, label=label)
        self.app_state.post(ShowInDraw(source, saliency="gradcam"))


def _verdict(r: Attacked, classes: list[str], cfg: AttackConfig) -> str:
    b, a = int(r.before.argmax()), int(r.after.argmax())
    if r.smallest and not r.found:
        return "No epsilon up to 255 changes the answer with this attack: try PGD."
    where = f"at epsilon {r.eps:g}/255"
    if r.smallest:
        where = f"the smallest epsilon is {r.eps:g}/255 ({r.eps / 255:.3f})"
    if a == b:
        return f"Still {classes[a]} {where}: move the slider further, or try PGD."
    return (
        f"Fooled {where}: {classes[b]} became {classes[a]} ({r.after[a]:.1%}). No pixel moved "
        f"more than {r.eps:g} of 255, yet the answer changed."
    )


def _int(var: tk.IntVar, default: int) -> int:
    try:
        return int(var.get())
    except (tk.TclError, ValueError):
        return default
