"""The Mistakes panel: where the current model fails on its test set.

"Evaluate on the test set" runs the model over every test image as a worker
task (core/inspect/mistakes.py keeps each image's prediction and confidence); the
panel then shows the most confident mistakes and the confusion matrix. A
click on a cell (here, or a ``ShowConfusionCell`` request from the Train
tab's matrix) shows the images behind it; a click on an image asks, with a
``ShowInDraw`` request, for it to be the input of the Draw panel, and so of
Feature maps, with its Grad-CAM saliency map.
"""

from __future__ import annotations

import copy
import time
import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ...core.inspect.mistakes import Predictions, fit_dataset, predict_split
from ..common.gallery import Thumb, ThumbGrid
from ..common.panel import PAD, Panel, set_enabled
from ..common.plots import ConfusionPane
from ..common.scaling import px
from ..inputs import Source
from ..requests import ShowConfusionCell, ShowInDraw, ShowTab
from ..state import AppState
from ..worker import JobFailed, Task, Worker

if TYPE_CHECKING:
    from ...core.data.datasets import Dataset
    from ...core.files.checkpoints import Checkpoint
    from ..datasets import DatasetCache

GALLERY = 60  # most confident mistakes shown: a few screens of thumbnails
CELL_LIMIT = 300  # images shown for one cell; a diagonal cell holds ~1,000
WRONG, RIGHT = "#b02a1a", "#276b3a"


@dataclass
class Review:
    """One evaluation: the model it was made for, its test data, every prediction."""

    checkpoint: Checkpoint
    data: Dataset  # fitted to the model's classes
    predictions: Predictions
    seconds: float


@dataclass(frozen=True)
class Progress:
    text: str


@dataclass(frozen=True)
class Reviewed:
    data: Dataset
    predictions: Predictions
    seconds: float


def review(
    ck: Checkpoint, model, datasets: DatasetCache, data_dir: str | None, task: Task
) -> Reviewed | None:
    """The work (on the worker's thread): load the test set (once per session), predict it.

    ``model`` is a copy of the checkpoint's: the Draw panel keeps using the original.
    None when cancelled (predict_split stops between two batches).
    """
    info = ck.info
    task.emit(Progress(f"Loading the {info.dataset} test images..."))
    data = fit_dataset(datasets.load_test(info.dataset, data_dir), info)
    task.emit(Progress(f"Predicting {len(data.test):,} test images..."))
    t0 = time.perf_counter()
    predictions = predict_split(
        model, data.test, info.mean, info.std, len(info.classes), stop=task.cancel_event
    )
    return None if predictions is None else Reviewed(data, predictions, time.perf_counter() - t0)


def tensor_rgb(image) -> np.ndarray:
    """A dataset image (C, H, W) uint8 tensor as (H, W, 3) uint8."""
    a = image.numpy()
    return np.repeat(a[0][:, :, None], 3, 2) if a.shape[0] == 1 else a.transpose(1, 2, 0)


class MistakesPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.review: Review | None = None
        self.stale = False  # the model changed since the review was made
        self.cell: tuple[int, int] | None = None  # the cell whose images are shown
        self.shown: list[int] = []  # test-set index of each thumbnail on show
        self.worker = Worker(self, "the evaluation", self.handle, state.workers, poll_ms=100)
        self.evaluating: Checkpoint | None = None  # the model the running task evaluates
        self._failed_for: Checkpoint | None = None  # do not retry by itself after an error
        self.create_widgets()
        state.subscribe("model", self.model_changed)
        state.handle(ShowConfusionCell, lambda r: self.open_cell(r.true, r.predicted))
        self.bind("<Map>", lambda e: self.shown_on_screen())

    def create_widgets(self) -> None:
        top = ttk.Frame(self)
        top.grid(row=0, column=0, columnspan=2, sticky="ew", pady=(0, PAD))
        self.evaluate_button = ttk.Button(
            top, text="Evaluate on the test set", command=self.evaluate
        )
        self.evaluate_button.pack(side="left")
        self.summary = ttk.Label(top, text="", wraplength=px(760), justify="left")
        self.summary.pack(side="left", fill="x", expand=True, padx=(PAD * 2, 0))
        self.progress = ttk.Progressbar(top, mode="indeterminate", length=120)  # while busy
        # Shown when the test images could not be found or downloaded
        self.folder_button = ttk.Button(
            top, text="Choose data folder...", command=self.choose_data_folder
        )

        left = ttk.LabelFrame(self, text="Most confident mistakes", padding=PAD)
        left.grid(row=1, column=0, sticky="nsew")
        self.gallery_box = left
        bar = ttk.Frame(left)
        bar.pack(fill="x", pady=(0, PAD))
        self.back_button = ttk.Button(bar, text="Back to the mistakes", command=self.show_mistakes)
        self.back_button.pack(side="right")
        self.caption = ttk.Label(
            bar, text="", wraplength=px(420), justify="left", foreground="#444"
        )
        self.caption.pack(side="left", fill="x", expand=True)
        self.gallery = ThumbGrid(left, self.open_image, height=360)
        self.gallery.pack(fill="both", expand=True)

        right = ttk.LabelFrame(self, text="Confusion matrix", padding=PAD)
        right.grid(row=1, column=1, sticky="nsew", padx=(PAD * 2, 0))
        self.confusion = ConfusionPane(right, on_cell=self.open_cell)
        self.confusion.pack(fill="both", expand=True)
        ttk.Label(
            self,
            foreground="#555",
            text=(
                "Click an image to open it in the Draw and Feature maps panels with its Grad-CAM "
                "map: what the answer rests on."
            ),
        ).grid(row=2, column=0, columnspan=2, sticky="w", pady=(PAD, 0))
        self.columnconfigure(0, weight=1)
        self.rowconfigure(1, weight=1)
        set_enabled(self.back_button, False)
        self.say("Evaluate the current model to see which test images it gets wrong.")

    def say(self, text: str) -> None:
        self.summary.configure(text=text)

    # --- evaluating ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker.running

    @property
    def current(self) -> bool:
        """The review on show belongs to the current model."""
        r = self.review
        return r is not None and not self.stale and r.checkpoint is self.app_state.checkpoint

    def shown_on_screen(self) -> None:
        """Evaluate when shown with nothing current to show (a new or retrained model)."""
        ck = self.app_state.checkpoint
        if ck is not None and not self.current and not self.running and ck is not self._failed_for:
            self.evaluate()

    def evaluate(self) -> None:
        ck = self.app_state.checkpoint
        if self.running:
            return
        if ck is None or self.app_state.datasets is None:
            self.say("There is no model yet: open one (Ctrl+O) or train one.")
            return
        model = copy.deepcopy(ck.model)  # the Draw panel keeps using the original meanwhile
        datasets, data_dir = self.app_state.datasets, self.app_state.settings.data_dir
        self.evaluating = ck
        self.worker.start(lambda task: review(ck, model, datasets, data_dir, task))
        set_enabled(self.evaluate_button, False)
        self.progress.pack(side="left", padx=(PAD, 0), before=self.summary)
        self.progress.start(15)
        self.say(f"Evaluating {ck.info.title}...")

    def handle(self, event: object) -> None:
        """An event of the evaluation task, on the Tk thread."""
        ck = self.evaluating
        if isinstance(event, Progress):
            self.say(event.text)
        elif isinstance(event, Reviewed):
            assert ck is not None  # set while its task runs
            self.finished(Review(ck, event.data, event.predictions, event.seconds))
        elif isinstance(event, JobFailed):
            self.finished(None)
            self._failed_for = ck
            self.say(f"Cannot evaluate: {event.message}")
            if "not found" in event.message or "download" in event.message:
                self.folder_button.pack(side="right", padx=(PAD, 0))

    def choose_data_folder(self) -> None:
        """Point the app at a folder that holds the dataset's files, then evaluate again."""
        from tkinter import filedialog

        folder = filedialog.askdirectory(parent=self, title="Choose the data folder")
        if not folder:
            return
        self.app_state.settings.data_dir = folder
        self.app_state.settings.save()
        self.folder_button.pack_forget()
        self._failed_for = None
        self.evaluate()

    def finished(self, review: Review | None) -> None:
        self.worker.drop()  # done, or dropped for a newer model: nothing more from it
        self.evaluating = None
        self.progress.stop()
        self.progress.pack_forget()
        set_enabled(self.evaluate_button, True)
        if review is not None:
            self.review, self.stale = review, False
            self.show_review()

    def model_changed(self) -> None:
        if self.running:  # evaluating the previous model: drop it
            self.finished(None)
        if self.review is not None:
            self.stale = True
            self.say(
                f"Out of date: the model changed ({self.app_state.model_source or 'opened'}"
                f"). What is shown below is the previous model's evaluation."
            )
        # Following a run swaps the model every ~300 ms: evaluating 10,000 images for each
        # would only slow the training down. The run's final model is evaluated as usual.
        if self.visible and not self.app_state.origin.live:
            self.shown_on_screen()

    # --- showing ---------------------------------------------------------------------------
    def show_review(self) -> None:
        r = self.review
        assert r is not None  # finished() just set it
        p, classes = r.predictions, r.checkpoint.info.classes
        info = r.checkpoint.info
        self.say(
            f"{info.arch} on {info.dataset}: {p.right:,} of {len(p):,} test images right "
            f"({p.accuracy:.2%}), {len(p) - p.right:,} wrong; evaluated in "
            f"{r.seconds:.1f} s."
        )
        self.confusion.show(p.confusion.numpy(), list(classes))
        if self.cell is not None and max(self.cell) < len(classes):
            self.show_cell(*self.cell)
        else:
            self.show_mistakes()

    def show_mistakes(self) -> None:
        self.cell = None
        set_enabled(self.back_button, False)
        self.confusion.highlight(None)
        self.gallery_box.configure(text="Most confident mistakes")
        if self.review is None:
            return
        p = self.review.predictions
        mistakes = p.mistakes(GALLERY)
        wrong = len(p) - p.right
        self.caption.configure(
            text=f"The {len(mistakes)} the model was surest of, of {wrong:,}"
            f" mistakes. Click a cell of the matrix for any other pair."
        )
        self.fill([m.index for m in mistakes], "No mistakes at all on the test set.")

    def open_cell(self, true: int, predicted: int) -> None:
        """A click on cell (true, predicted) here or in the Train panel's results."""
        self.cell = (true, predicted)
        self.app_state.post(ShowTab("Mistakes"))  # shown: evaluates if there is nothing current
        if self.current:
            self.show_cell(true, predicted)
        elif not self.running:
            self.evaluate()

    def show_cell(self, true: int, predicted: int) -> None:
        self.cell = (true, predicted)
        set_enabled(self.back_button, True)
        self.confusion.highlight(true, predicted)
        assert self.review is not None  # called when the review is current
        p, classes = self.review.predictions, self.review.checkpoint.info.classes
        idx = p.cell(true, predicted).tolist()
        t, q = classes[true], classes[predicted]
        if true == predicted:
            self.gallery_box.configure(text=f"{t!r} recognised")
            text = f"{len(idx):,} images of {t!r} recognised, least confident first"
        else:
            self.gallery_box.configure(text=f"{t!r} taken for {q!r}")
            text = f"{len(idx):,} images of {t!r} the model took for {q!r}, surest first"
        more = f" (the first {CELL_LIMIT})" if len(idx) > CELL_LIMIT else ""
        self.caption.configure(text=text + more + ".")
        self.fill(idx[:CELL_LIMIT], f"No image of {t!r} was predicted as {q!r}.")

    def fill(self, indices: list[int], empty: str) -> None:
        r = self.review
        assert r is not None  # filled from a review on show
        p, classes, images = r.predictions, r.checkpoint.info.classes, r.data.test.images
        self.shown = indices
        short = max(map(len, classes)) <= 3  # digits: "7 -> 2" fits one line
        thumbs = []
        for i in indices:
            m = p.mistake(i)
            t, q = classes[m.label][:9], classes[m.predicted][:9]
            text = (
                f"{t} \u2192 {q}\n{m.confidence:.1%}"
                if short
                else f"{t} \u2192\n{q} {m.confidence:.0%}"
            )
            thumbs.append(
                Thumb(tensor_rgb(images[i]), text, RIGHT if m.label == m.predicted else WRONG)
            )
        side = images.shape[-1]
        self.gallery.show(thumbs, empty, tile=side * max(1, round(px(56) / side)))

    # --- into the Draw panel, by request -----------------------------------------------------
    def open_image(self, k: int) -> None:
        """Thumbnail ``k`` becomes the Draw panel's input, with its saliency map."""
        if not self.current:
            return  # a new model is being evaluated: these images are the old one's story
        r = self.review
        assert r is not None  # current
        i = self.shown[k]
        m, classes = r.predictions.mistake(i), r.checkpoint.info.classes
        tensor = r.data.test.images[i]
        arr = tensor.numpy()
        image = Image.fromarray(arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0))
        caption = (
            f"{r.data.name} test image #{i}, labelled {classes[m.label]!r} (from the Mistakes tab)"
        )
        self.gallery.select(k)
        source = Source("test", caption, image=image, tensor=tensor, label=m.label)
        self.app_state.post(ShowInDraw(source, saliency="gradcam"))
