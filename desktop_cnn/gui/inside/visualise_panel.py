"""What it wants to see: the input a channel, a unit or a class responds to most.

The objective, the start (faint noise or the current drawing), the step count and the
regularisers (jitter, blur or a 1/f Fourier parametrisation, an L2 penalty) are all on the
form; the image is shown growing as the worker reports frames. "Every conv1 and conv2
channel" fills a grid of both layers' images beside conv1's filters; a class's image is
shown beside real test images of that class.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from ...core.inside.featurevis import PARAMS, Objective, VisConfig, layers, objectives_for
from ..common.images import filter_tiles, grid, layout_for, to_rgb
from ..common.panel import PAD, Panel, set_enabled
from ..common.scaling import px
from ..common.widgets import ArrayView
from ..predictor import conv1_filters
from ..state import AppState
from ..worker import JobFailed, Task, Worker
from .events import VisDone, VisFrame
from .jobs import as_pixels, visualise_job

VIEW = 224  # px: a 28x28 image at 8x
KINDS = {"class": "class", "conv channel": "channel", "fc unit": "unit"}
WHY = (
    "Gradient ascent on the input. Jitter shifts the image a little before every step, so "
    "only patterns that work wherever they land survive; the blur (or the Fourier "
    "parametrisation, which moves coarse shapes first) removes the speckle that excites a "
    "network but means nothing to a person; the L2 penalty makes every pixel of ink pay "
    "for itself."
)


class VisualisePanel(Panel):
    """The form on the left; the growing image, real examples and the channel grid right."""

    def __init__(self, master: tk.Misc, app_state: AppState, name: str | None = None) -> None:
        super().__init__(master, name=name)
        self.app_state = app_state
        self.worker = Worker(
            self, "the visualisation", self.vis_event, app_state.workers, after_poll=None
        )
        self.queue: list[tuple[str, list[Objective]]] = []  # grid layers still to run
        self.grid_images: dict[str, np.ndarray] = {}
        self.photos: dict[str, ImageTk.PhotoImage] = {}
        self.last: VisFrame | None = None
        self.all_layers: list[str] = []
        self.create_widgets()
        self.stale = True  # the model changed while hidden: refresh when shown
        app_state.subscribe("model", self.model_changed)
        self.bind("<Map>", lambda e: self.model_changed() if self.stale else None, add="+")

    def create_widgets(self) -> None:
        form = ttk.Frame(self)
        form.pack(side="left", fill="y", anchor="n")
        self.kind = tk.StringVar(self, "class")
        self.layer = tk.StringVar(self, "")
        self.index = tk.IntVar(self, 7)
        self.start = tk.StringVar(self, "noise")
        self.steps = tk.IntVar(self, 256)
        self.jitter = tk.IntVar(self, 2)
        self.blur = tk.DoubleVar(self, 0.5)
        self.param = tk.StringVar(self, "pixels")
        self.l2 = tk.DoubleVar(self, 0.05)
        rows: list[tuple[str, tk.Widget]] = []
        kind = ttk.Combobox(
            form, textvariable=self.kind, values=list(KINDS), state="readonly", width=12
        )
        kind.bind("<<ComboboxSelected>>", lambda e: self.kind_changed())
        rows.append(("Maximise", kind))
        self.layer_box = ttk.Combobox(form, textvariable=self.layer, state="readonly", width=12)
        rows.append(("Layer", self.layer_box))
        rows.append(("Index", ttk.Spinbox(form, from_=0, to=999, textvariable=self.index, width=6)))
        start = ttk.Frame(form)
        for value, text in (("noise", "noise"), ("image", "the drawing")):
            ttk.Radiobutton(start, text=text, value=value, variable=self.start).pack(side="left")
        rows.append(("Start from", start))
        rows.append(
            ("Steps", ttk.Spinbox(form, from_=1, to=5000, textvariable=self.steps, width=6))
        )
        rows.append(
            ("Jitter (px)", ttk.Spinbox(form, from_=0, to=8, textvariable=self.jitter, width=6))
        )
        rows.append(
            (
                "Blur sigma (px)",
                ttk.Spinbox(form, from_=0, to=3, increment=0.25, textvariable=self.blur, width=6),
            )
        )
        rows.append(
            (
                "Image made of",
                ttk.Combobox(
                    form, textvariable=self.param, values=list(PARAMS), state="readonly", width=8
                ),
            )
        )
        rows.append(
            (
                "L2 penalty",
                ttk.Spinbox(form, from_=0, to=1, increment=0.01, textvariable=self.l2, width=6),
            )
        )
        for r, (label, widget) in enumerate(rows):
            ttk.Label(form, text=label).grid(row=r, column=0, sticky="w", pady=2)
            widget.grid(row=r, column=1, sticky="w", padx=(PAD, 0), pady=2)
        buttons = ttk.Frame(form)
        buttons.grid(row=len(rows), column=0, columnspan=2, sticky="w", pady=(PAD, 0))
        self.run_button = ttk.Button(buttons, text="Visualise", command=self.run_one)
        self.grid_button = ttk.Button(
            buttons, text="Every conv1 + conv2 channel", command=self.run_grid
        )
        self.stop_button = ttk.Button(buttons, text="Stop", command=self.stop)
        for b in (self.run_button, self.grid_button, self.stop_button):
            b.pack(side="left", padx=(0, PAD))
        set_enabled(self.stop_button, False)
        ttk.Label(form, text=WHY, wraplength=px(300), justify="left", foreground="#444").grid(
            row=len(rows) + 1, column=0, columnspan=2, sticky="w", pady=(PAD, 0)
        )
        right = ttk.Frame(self)
        right.pack(side="left", fill="both", expand=True, padx=(2 * PAD, 0), anchor="n")
        top = ttk.Frame(right)
        top.pack(fill="x", anchor="w")
        one = ttk.Frame(top)
        one.pack(side="left", anchor="n")
        self.view = ArrayView(one, px(VIEW))
        self.view.pack()
        self.caption = ttk.Label(one, text="", wraplength=px(VIEW), justify="left")
        self.caption.pack(anchor="w")
        ex = ttk.Frame(top)
        ex.pack(side="left", anchor="n", padx=(2 * PAD, 0))
        self.examples_title = ttk.Label(ex, text="")
        self.examples_title.pack(anchor="w")
        self.examples = ttk.Label(ex)
        self.examples.pack(anchor="w")
        self.grids = ttk.Frame(right)
        self.grids.pack(fill="both", expand=True, anchor="w", pady=(PAD, 0))
        self.grid_labels: dict[str, ttk.Label] = {}
        for name in ("conv1 filters", "conv1", "conv2"):
            ttk.Label(self.grids, text=name).pack(anchor="w")
            self.grid_labels[name] = ttk.Label(self.grids)
            self.grid_labels[name].pack(anchor="w")

    # --- the model --------------------------------------------------------------------------
    def model_changed(self) -> None:
        """New layers and filters; only when on screen (a followed run changes it often)."""
        ck = self.app_state.checkpoint
        self.stale = not self.visible
        if ck is None or self.stale:
            return
        try:
            self.all_layers = layers(ck.model, ck.info.input_shape)
        except Exception:  # noqa: BLE001 - a model without named layers: classes only
            self.all_layers = []
        self.kind_changed()
        weights = conv1_filters(ck)
        if weights is not None:
            tiles = filter_tiles(weights)
            self._show_grid(
                "conv1 filters",
                grid(tiles, layout_for(len(tiles), tiles[0].shape[0], max_cols=16, target=56)),
            )

    def kind_changed(self) -> None:
        kind = KINDS[self.kind.get()]
        ck = self.app_state.checkpoint
        if ck is None:
            return
        x = np.zeros((1, *ck.info.input_shape), dtype=np.float32)
        import torch

        with torch.no_grad():
            acts = ck.model.activations(torch.from_numpy(x))
        names = [n for n in self.all_layers if (acts[n].ndim == 4) == (kind == "channel")]
        names = [] if kind == "class" else names
        self.layer_box.configure(values=names)
        if names and self.layer.get() not in names:
            self.layer.set(names[0])
        if kind == "class":
            self.layer.set("")

    def objective(self) -> Objective:
        kind = KINDS[self.kind.get()]
        return Objective(kind, int(self.index.get()), "" if kind == "class" else self.layer.get())

    def vis_config(self, steps: int | None = None) -> VisConfig:
        return VisConfig(
            steps=steps or int(self.steps.get()),
            jitter=int(self.jitter.get()),
            blur=float(self.blur.get()),
            param=self.param.get(),
            l2=float(self.l2.get()),
            start=self.start.get(),
        )

    # --- running ------------------------------------------------------------------------------
    def run_one(self) -> bool:
        ck = self.app_state.checkpoint
        if ck is None:
            return False
        try:
            obj, cfg = self.objective(), self.vis_config()
            cfg.validate()
            self._check(obj)
        except (tk.TclError, ValueError) as exc:
            self.show_error("Cannot visualise", str(exc))
            return False
        analysis = self.app_state.analysis
        start = as_pixels(analysis.seen) / 255 if analysis is not None else None
        self.queue = []
        self.examples.configure(image="")
        self.examples_title.configure(text="")
        self._start(
            visualise_job(
                ck,
                [obj],
                cfg,
                start,
                "one",
                self.app_state.datasets,
                self.app_state.settings.data_dir or None,
            )
        )
        return True

    def _check(self, obj: Objective) -> None:
        ck = self.app_state.checkpoint
        assert ck is not None
        if obj.kind == "class":
            n = len(ck.info.classes)
        else:
            import torch

            n = len(objectives_for(ck.model, torch.zeros(1, *ck.info.input_shape), obj.layer))
        if not 0 <= obj.index < n:
            raise ValueError(f"the index must be from 0 to {n - 1} for {obj.layer or 'a class'}")

    def run_grid(self) -> None:
        ck = self.app_state.checkpoint
        if ck is None:
            return
        import torch

        zeros = torch.zeros(1, *ck.info.input_shape)
        self.queue = [
            (layer, objectives_for(ck.model, zeros, layer))
            for layer in ("conv1", "conv2")
            if layer in self.all_layers
        ]
        self._next_grid()

    def _next_grid(self) -> None:
        ck = self.app_state.checkpoint
        if not self.queue or ck is None:
            self._idle()
            return
        layer, objectives = self.queue.pop(0)
        cfg = self.vis_config(steps=min(int(self.steps.get()), 192))
        self._start(visualise_job(ck, objectives, cfg, None, layer, None, None))

    def _start(self, work: Callable[[Task], VisDone | None]) -> None:
        self.worker.start(work)
        set_enabled(self.stop_button, True)

    def stop(self) -> None:
        self.queue = []
        self.worker.cancel()
        self._idle()

    def _idle(self) -> None:
        set_enabled(self.stop_button, False)

    def vis_event(self, event: object) -> None:
        if isinstance(event, VisFrame):
            if event.job == "one":
                self.last = event
                self.view.show(to_rgb(event.images[0]))
                self.caption.configure(
                    text=f"{self.objective().text}: step {event.step} of {event.total}, "
                    f"value {event.values[0]:.3g}"
                )
            else:
                self._grid_frame(event)
        elif isinstance(event, VisDone):
            if event.job == "one":
                self._done_one(event)
                self._idle()
            else:
                self._next_grid()
        elif isinstance(event, JobFailed):
            self.caption.configure(text=event.message)
            self._idle()

    def _grid_frame(self, event: VisFrame) -> None:
        tiles = [to_rgb(im) for im in event.images]
        layout = layout_for(len(tiles), tiles[0].shape[0], max_cols=16, target=56)
        self._show_grid(event.job, grid(tiles, layout))

    def _done_one(self, event: VisDone) -> None:
        if event.probability is not None:
            self.caption.configure(
                text=f"{self.caption.cget('text')}; the model says {event.probability:.1%} "
                f"class {self.objective().index}"
            )
        if event.examples is not None and len(event.examples):
            tiles = [to_rgb(im) for im in event.examples]
            self.examples_title.configure(text="Real test images of that class")
            layout = layout_for(len(tiles), tiles[0].shape[0], max_cols=4, target=84)
            self._show_image(self.examples, "examples", grid(tiles, layout))

    def _show_grid(self, name: str, rgb: np.ndarray) -> None:
        self._show_image(self.grid_labels[name], name, rgb)

    def _show_image(self, label: ttk.Label, key: str, rgb: np.ndarray) -> None:
        self.photos[key] = ImageTk.PhotoImage(Image.fromarray(rgb), master=self)
        label.configure(image=self.photos[key])
