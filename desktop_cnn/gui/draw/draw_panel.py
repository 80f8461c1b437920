"""The Draw panel: draw a digit (or pick an image) and watch the prediction change live.

Every stroke change asks for a prediction; they are throttled to one per
``PREDICT_EVERY_MS`` with ``after()``, and a released stroke is predicted at
once. One prediction is preprocessing plus one forward pass (a few ms for
LeNet-5), run on the Tk thread: cheaper than any hand-off to a thread. The
"Why this answer?" overlay adds a backward pass (a few ms more), and only
while it is switched on; the preprocessing steps are drawn only while shown.

The input (the sketch and the source) lives in the app state, so the Feature
maps panel draws on it too; other panels ask for an image to be shown here
with a ``ShowInDraw`` request, or for a test image with ``PickTestImage``.
The app puts the correction bar ("That's wrong, it is a ...") in ``extras``.
"""

from __future__ import annotations

import random
import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import TYPE_CHECKING

from ..common.images import to_rgb
from ..common.panel import PAD, Panel, set_enabled
from ..common.scaling import px
from ..common.sketchpad import SketchPad
from ..common.widgets import ArrayView, ProbabilityBars
from ..inputs import (
    DRAWING,
    TIPS_COLOUR,
    TIPS_DIGITS,
    Source,
    describe_steps,
    steps_note,
    test_source,
)
from ..requests import NoModelYet, OpenImage, PickTestImage, ShowInDraw, ShowTab
from ..sketch import Sketch
from ..state import AppState
from ..worker import JobFailed, Worker
from .saliency_view import SaliencyView, describe, overlay
from .steps_view import StepsView

if TYPE_CHECKING:
    import numpy as np
    from torch import Tensor

    from ...core.data.datasets import Dataset
    from ..predictor import Analysis

PREDICT_EVERY_MS = 40  # 25 predictions/s feels live and leaves the CPU to drawing
SEEN = 140  # px: the input and its overlay, 5x a 28x28 image; two fit beside each other
SALIENCY_METHODS = ("gradcam", "gradient")  # core.inspect.saliency.METHODS, which imports torch
IMAGE_TYPES = [("Images", "*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff"), ("All", "*")]


class DrawPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.rng = random.Random()
        self.compute_ms: list[float] = []  # preprocessing + forward + widgets, per update
        self.latency_ms: list[float] = []  # first unpredicted change -> prediction shown
        self._pending: str | None = None
        self._changed_at: float | None = None
        self._last_run = 0.0
        self.loader = Worker(self, "dataset loading", self.test_images_loaded, state.workers)
        self.saliency: np.ndarray | None = None  # (H, W) 0..1: the map on show; None: off
        self.saliency_target: int | None = None  # the class it explains
        self.create_widgets()
        state.subscribe("model", self.model_changed)
        state.subscribe("input", self.input_changed)
        state.subscribe("sketch", self.sketch_changed)
        state.handle(ShowInDraw, self.show_in_draw)
        state.handle(PickTestImage, lambda request: self.random_test_image())
        state.handle(OpenImage, lambda request: self.open_image(request.path))
        state.handle(NoModelYet, self.no_model_yet)

    @property
    def sketch(self) -> Sketch:
        return self.app_state.sketch

    @property
    def source(self) -> Source:
        return self.app_state.source

    def create_widgets(self) -> None:
        left = ttk.Frame(self, name="left")
        left.grid(row=0, column=0, sticky="n")
        self.pad = SketchPad(
            left,
            self.sketch,
            px(280),
            self.app_state.begin_stroke,
            self.app_state.sketch_changed,
            name="pad",
        )
        self.pad.grid(row=0, column=0, columnspan=3)
        tools = ttk.Frame(left)
        tools.grid(row=1, column=0, columnspan=3, sticky="ew", pady=(PAD, 0))
        ttk.Label(tools, text="Brush").pack(side="left")
        self.brush = tk.IntVar(self, self.sketch.brush)
        self.brush_box = ttk.Spinbox(
            tools,
            from_=4,
            to=48,
            increment=2,
            width=4,
            textvariable=self.brush,
            command=self.brush_changed,
        )
        self.brush_box.bind("<FocusOut>", lambda e: self.brush_changed())
        self.brush_box.pack(side="left", padx=(4, 0))
        self.undo_button = ttk.Button(tools, text="Undo", width=7, command=self.undo)
        self.clear_button = ttk.Button(tools, text="Clear", width=7, command=self.clear)
        self.clear_button.pack(side="right")
        self.undo_button.pack(side="right", padx=PAD)
        self.open_button = ttk.Button(left, text="Open image...", command=self.open_image)
        self.test_button = ttk.Button(
            left, text="Random test image", command=self.random_test_image
        )
        self.open_button.grid(row=2, column=0, columnspan=1, sticky="ew", pady=(PAD, 0))
        self.test_button.grid(
            row=2, column=1, columnspan=2, sticky="ew", pady=(PAD, 0), padx=(PAD, 0)
        )
        self.caption = ttk.Label(left, text=DRAWING.caption, wraplength=px(280), foreground="#555")
        self.caption.grid(row=3, column=0, columnspan=3, sticky="w", pady=(PAD, 0))
        self.tips_frame = ttk.LabelFrame(left, text="Tips", padding=PAD)
        self.tips_frame.grid(row=4, column=0, columnspan=3, sticky="ew", pady=(PAD * 3, 0))
        # Wrapped inside the pad's width (less the frame's padding and border): the tips must
        # never widen the column, or showing the steps (which hides them) shifts the pad
        self.tips = ttk.Label(
            self.tips_frame,
            wraplength=px(280) - 2 * PAD - 6,
            justify="left",
            foreground="#444",
            text=TIPS_DIGITS,
        )
        self.tips.pack(anchor="w")

        seen = ttk.LabelFrame(self, text="What the network sees", padding=PAD)
        seen.grid(row=0, column=1, sticky="n", padx=PAD * 2)
        plain = ttk.Frame(seen)
        plain.grid(row=0, column=0, sticky="n")
        ttk.Label(plain, text="The input tensor").pack(anchor="w")
        self.preview = ArrayView(plain, px(SEEN))
        self.preview.pack(anchor="w")
        self.preview_caption = ttk.Label(
            plain, text="", wraplength=px(SEEN), foreground="#555", justify="left"
        )
        self.preview_caption.pack(anchor="w", pady=(PAD, 0))
        self.show_steps = tk.BooleanVar(self, False)
        self.steps_check = ttk.Checkbutton(
            plain, text="Show the steps", variable=self.show_steps, command=self.steps_toggled
        )
        self.steps_check.pack(anchor="w", pady=(PAD, 0))
        self.why = SaliencyView(seen, px(SEEN), self.saliency_changed)
        self.why.grid(row=0, column=1, sticky="n", padx=(PAD * 2, 0))

        self.center = tk.BooleanVar(self, True)  # the centre-of-mass step of preprocessing
        self.steps_view = StepsView(self, self.center, self.centring_toggled)

        out = ttk.LabelFrame(self, text="Prediction", padding=PAD, name="prediction")
        out.grid(row=0, column=2, rowspan=2, sticky="nsew")
        self.rowconfigure(1, weight=1)  # the steps, when shown, follow right under row 0
        self.big_font = tkfont.Font(
            self, family=tkfont.nametofont("TkDefaultFont").cget("family"), size=60, weight="bold"
        )
        self.answer = ttk.Label(
            out, text="", font=self.big_font, anchor="center", width=6, name="answer"
        )
        self.answer.pack(fill="x")
        self.confidence = ttk.Label(
            out, text="Loading the model...", anchor="center", name="confidence"
        )
        self.confidence.pack(fill="x")
        self.bars = ProbabilityBars(out, width=px(260), height=px(260))
        self.bars.pack(fill="both", expand=True, pady=(PAD, 0))
        self.extras = ttk.Frame(out, name="extras")  # the app's correction bar goes here
        self.extras.pack(fill="x", pady=(PAD, 0))
        self.columnconfigure(2, weight=1)

    # --- input ------------------------------------------------------------------------
    def sketch_changed(self) -> None:
        self.pad.refresh()
        self.request_prediction(immediately=self.app_state.stroke_done)

    def input_changed(self) -> None:
        source = self.source
        self.caption.configure(text=source.caption)
        self.pad.show_image(source.image)
        self.request_prediction(immediately=True)

    def brush_changed(self) -> None:
        try:
            size = max(4, min(48, int(self.brush.get())))
        except (tk.TclError, ValueError):
            size = self.sketch.brush
        self.sketch.brush = size
        self.app_state.settings.brush = size

    def clear(self) -> None:
        self.app_state.clear_input()

    def undo(self) -> None:
        self.app_state.undo_stroke()

    def set_source(self, source: Source) -> None:
        self.app_state.set_source(source)

    def show_in_draw(self, request: ShowInDraw) -> None:
        self.set_source(request.source)
        self.set_saliency(request.saliency)
        self.app_state.post(ShowTab("Draw"))

    def no_model_yet(self, request: NoModelYet) -> None:
        self.confidence.configure(text="No model yet: open one (Ctrl+O) or train one.")

    def open_image(self, path: str | None = None) -> None:
        from ...core.data.preprocess import load_image
        from ...core.errors import DesktopCnnError

        path = path or self.ask_open_filename(title="Open an image", filetypes=IMAGE_TYPES)
        if not path:
            return
        try:
            image = load_image(path)
        except DesktopCnnError as exc:
            self.show_error("Cannot open the image", str(exc))
            return
        self.set_source(Source("file", f"Image file: {path}", image=image))

    def random_test_image(self) -> None:
        ck = self.app_state.checkpoint
        if ck is None or self.app_state.datasets is None:
            self.show_error("No model", "Open or train a model first.")
            return
        name, data_dir, datasets = (
            ck.info.dataset,
            self.app_state.settings.data_dir,
            self.app_state.datasets,
        )
        data = datasets.get_test(name, data_dir)
        if data is not None:
            self.pick_test_image(data)
        elif not self.loader.running:
            self.loader.start(lambda task: datasets.load_test(name, data_dir))
            set_enabled(self.test_button, False)
            self.caption.configure(text=f"Loading the {name} test images...")

    def test_images_loaded(self, event: Dataset | JobFailed) -> None:
        set_enabled(self.test_button, True)
        self.caption.configure(text=self.source.caption)
        if isinstance(event, JobFailed):
            self.show_error("Dataset not found", event.message)
        else:
            self.pick_test_image(event)

    def pick_test_image(self, data: Dataset) -> None:
        from ...core.errors import DesktopCnnError

        ck = self.app_state.checkpoint
        assert ck is not None  # random_test_image() asked for the data with a model present
        try:
            source = test_source(data, ck.info, self.rng)
        except DesktopCnnError as exc:
            self.show_error("The dataset does not fit the model", str(exc))
            return
        self.set_source(source)

    # --- prediction -----------------------------------------------------------------------
    def request_prediction(self, immediately: bool = False) -> None:
        """Throttle: at most one prediction per PREDICT_EVERY_MS; now when a stroke ends."""
        if self._changed_at is None:
            self._changed_at = self.now()
        if immediately:
            self.cancel(self._pending)
            self._pending = None
            self.predict_now()
        elif self._pending is None:
            wait = PREDICT_EVERY_MS - (self.now() - self._last_run) * 1000
            self._pending = self.schedule(max(1, int(wait)), self._pending_due)

    def _pending_due(self) -> None:
        self._pending = None
        self.predict_now()

    def predict_now(self) -> None:
        t0 = self.now()
        self._last_run = t0
        ck = self.app_state.checkpoint
        if ck is None:
            self._changed_at = None
            return
        from ..predictor import analyse, input_from_image, input_from_test

        x: Tensor | None
        if self.source.kind == "test":
            assert self.source.tensor is not None  # a test image's source holds it
            x, steps = input_from_test(self.source.tensor, ck.info), None
        else:
            image = self.sketch.image if self.source.kind == "drawing" else self.source.image
            assert image is not None  # an image file's source holds it
            x, steps = input_from_image(image, ck.info, center=self.center.get())
        analysis = None if x is None else analyse(ck, x, steps, t0)
        self.show_analysis(analysis)
        self.app_state.set_analysis(analysis)
        done = self.now()
        self.compute_ms.append((done - t0) * 1000)
        self.latency_ms.append((done - (self._changed_at or t0)) * 1000)
        self._changed_at = None

    def show_analysis(self, analysis: Analysis | None) -> None:
        ck = self.app_state.checkpoint
        assert ck is not None  # predict_now() analyses only with a model
        if analysis is None:
            self.answer.configure(text="")
            self.confidence.configure(
                text="Draw a digit"
                if ck.info.is_digits
                else "Draw, open an image or pick a test image"
            )
            self.bars.set_probs(None)
            self.preview.show(None)
            self.preview_caption.configure(text="Nothing drawn yet.")
            self.show_saliency(None)
            self.show_steps_of(None)
            return
        classes = ck.info.classes
        k = analysis.predicted
        self.big_font.configure(size=60 if len(classes[k]) <= 2 else 26)
        self.answer.configure(text=classes[k])
        verdict = ""
        if self.source.kind == "test" and self.source.label >= 0:  # a generated image has none
            label = self.source.label
            verdict = ", right" if label == k else f", wrong: it is {classes[label]!r}"
        self.confidence.configure(text=f"{analysis.probs[k]:.1%} sure{verdict}")
        self.bars.set_probs(analysis.probs)
        self.preview.show(to_rgb(analysis.seen))
        self.preview_caption.configure(text=describe_steps(analysis, self.source.kind))
        self.show_saliency(analysis)
        self.show_steps_of(analysis)

    # --- why this answer? -------------------------------------------------------------------
    def set_saliency(self, method: str | None, target: int | None = None) -> None:
        """Show ``method`` ("gradcam", "gradient", None: off) for class ``target``.

        ``target`` None follows the predicted class. The widgets change as if
        the user had picked these, and the overlay is redrawn for the current input.
        """
        if method is not None and method not in SALIENCY_METHODS:
            raise ValueError(
                f"unknown saliency method {method!r}: choose one of "
                f"{', '.join(SALIENCY_METHODS)} or None"
            )
        ck = self.app_state.checkpoint
        count = len(ck.info.classes) if ck is not None else 0
        if target is not None and not 0 <= target < count:
            raise ValueError(f"class {target} is out of range: the model has {count} classes")
        self.why.choose(method, target)
        self.saliency_changed()

    def saliency_changed(self) -> None:
        self.show_saliency(self.app_state.analysis)

    def show_saliency(self, analysis: Analysis | None) -> None:
        """The overlay for the chosen method and class; the backward pass runs only when on."""
        method, ck = self.why.chosen_method, self.app_state.checkpoint
        self.saliency = self.saliency_target = None
        if method is None:
            self.why.show(None, describe(None, "", False))
            return
        if analysis is None or ck is None:
            self.why.show(None, "Draw something to see what the answer rests on.")
            return
        target = self.why.chosen_target
        target = analysis.predicted if target is None else target
        from ..predictor import saliency

        try:
            self.saliency = saliency(ck, analysis.x, target, method)
        except ValueError as exc:  # a model the method does not fit, e.g. no conv layer
            self.saliency = None
            self.why.show(None, str(exc))
            return
        self.saliency_target = target
        self.why.show(
            overlay(analysis.seen, self.saliency),
            describe(method, ck.info.classes[target], target == analysis.predicted),
        )

    # --- the preprocessing steps ------------------------------------------------------------
    def steps_toggled(self) -> None:
        if self.show_steps.get():
            self.tips_frame.grid_remove()  # the steps take the tips' place
            self.steps_view.grid(row=1, column=0, columnspan=2, sticky="nw", pady=(PAD, 0))
        else:
            self.steps_view.grid_remove()
            self.tips_frame.grid()
        self.show_steps_of(self.app_state.analysis)

    def centring_toggled(self) -> None:
        self.request_prediction(immediately=True)

    def show_steps_of(self, analysis: Analysis | None) -> None:
        if not self.show_steps.get():
            return  # drawn when shown: no cost while hidden
        ck = self.app_state.checkpoint
        info = ck.info if ck is not None else None
        steps = None if analysis is None else analysis.steps
        can_center = self.source.kind != "test" and (info is None or info.is_digits)
        self.steps_view.show(
            steps, steps_note(info, self.source.kind, analysis, self.center.get()), can_center
        )

    def model_changed(self) -> None:
        ck = self.app_state.checkpoint
        assert ck is not None  # "model" is told after set_model()
        self.bars.set_classes(ck.info.classes)
        self.why.set_classes(ck.info.classes)
        self.tips.configure(text=TIPS_DIGITS if ck.info.is_digits else TIPS_COLOUR)
        tensor = self.source.tensor
        if tensor is not None and tuple(tensor.shape) != tuple(ck.info.input_shape):
            self.set_source(DRAWING)  # a test image the new model cannot read: predicts too
        else:
            self.request_prediction(immediately=True)
