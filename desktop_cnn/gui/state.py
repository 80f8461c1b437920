"""What the panels share: the current model, the current input and its analysis, settings.

No Tk here. ``AppState`` is changed on the Tk thread only and tells its
observers synchronously, so every panel sees a new model at the same moment.
Panels never hold each other: they read and change this state, and ask each
other for things by posting typed requests (requests.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .inputs import DRAWING, Source
from .origin import NO_MODEL, ModelOrigin
from .settings import Settings
from .sketch import Sketch
from .worker import Workers

if TYPE_CHECKING:  # torch is imported later, in the background (see startup.py)
    from ..core.files.checkpoints import Checkpoint
    from .datasets import DatasetCache
    from .predictor import Analysis


class AppState:
    """The one current model, the current input and its latest analysis, the app's workers.

    Topics: "model" (a new current model), "analysis" (the input's new analysis),
    "input" (a new source: a drawing, an image file, a test image) and "sketch"
    (the strokes changed; ``stroke_done`` says whether the stroke has ended) and "rescale"
    (the zoom changed and the widgets were re-laid out: redraw what is drawn in pixels).
    """

    TOPICS = ("model", "analysis", "input", "sketch", "rescale")

    def __init__(self, settings: Settings, datasets: DatasetCache | None = None) -> None:
        self.settings = settings
        self.datasets = datasets
        self.workers = Workers()  # every background task, ended when the app closes
        self.checkpoint: Checkpoint | None = None
        self.origin: ModelOrigin = NO_MODEL
        self.analysis: Analysis | None = None
        self.sketch = Sketch(brush=settings.brush)  # every pad draws on this one
        self.source: Source = DRAWING
        self.stroke_done = True
        self._observers: dict[str, list[Callable[[], None]]] = {t: [] for t in self.TOPICS}
        self._handlers: dict[type, list[Callable[[Any], None]]] = {}

    def subscribe(self, topic: str, fn: Callable[[], None]) -> None:
        self._observers[topic].append(fn)

    def _notify(self, topic: str) -> None:
        for fn in list(self._observers[topic]):
            fn()

    def handle(self, kind: type, fn: Callable[[Any], None]) -> None:
        """Call ``fn(request)`` for every request of type ``kind`` posted (see requests.py)."""
        self._handlers.setdefault(kind, []).append(fn)

    def post(self, request: object) -> bool:
        """Hand a request to its handlers; False when nobody handles it (yet)."""
        handlers = list(self._handlers.get(type(request), []))
        for fn in handlers:
            fn(request)
        return bool(handlers)

    def set_model(self, checkpoint: Checkpoint, origin: ModelOrigin) -> None:
        self.checkpoint = checkpoint
        self.origin = origin
        self.analysis = None
        self._notify("model")

    @property
    def model_source(self) -> str:
        """Where the model came from, for people (the file, or what it is)."""
        return self.origin.text

    def set_analysis(self, analysis: Analysis | None) -> None:
        self.analysis = analysis
        self._notify("analysis")

    # --- the input: a drawing (``sketch``) or a picture (``source``) --------------------
    def set_source(self, source: Source) -> None:
        self.source = source
        self._notify("input")

    def begin_stroke(self) -> None:
        """Drawing over a picture starts a new drawing."""
        if self.source.kind != "drawing":
            self.sketch.clear()
            self.set_source(DRAWING)

    def sketch_changed(self, done: bool) -> None:
        """A pad changed the sketch; ``done``: the stroke ended (predict it at once)."""
        self.stroke_done = done
        self._notify("sketch")

    def clear_input(self) -> None:
        self.sketch.clear()
        self.set_source(DRAWING)

    def undo_stroke(self) -> None:
        if self.source.kind == "drawing" and self.sketch.undo():
            self.sketch_changed(True)

    @property
    def title(self) -> str:
        return self.checkpoint.info.title if self.checkpoint else "no model"

    def rescaled(self) -> None:
        """The zoom changed: "rescale" observers redraw; the analysis is shown again, so
        every panel that draws it (bars, feature maps, previews) draws it at the new size."""
        self._notify("rescale")
        if self.analysis is not None:
            self._notify("analysis")
