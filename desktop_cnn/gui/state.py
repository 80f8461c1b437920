"""What the panels share: the current model, the current input and its analysis, settings.

No Tk here. ``AppState`` is changed on the Tk thread only and tells its
observers synchronously, so every panel sees a new model at the same moment.
Panels never hold each other: they read and change this state, and ask each
other for things by posting typed requests (requests.py).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .inputs import DRAWING, Source
from .origin import NO_MODEL, ModelOrigin
from .sketch import Sketch
from .worker import Workers

if TYPE_CHECKING:  # torch is imported later, in the background (see startup.py)
    from ..core.checkpoints import Checkpoint
    from .datasets import DatasetCache
    from .predictor import Analysis

MAX_RECENT = 8  # a File menu longer than this is harder to read than an Open dialog
DEFAULT_BRUSH = 20  # px on the 280 px canvas: ~2 px strokes after MNIST's 20 px box


class Settings:
    """A small JSON file of user choices; a missing or broken file means defaults."""

    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self.path = path
        self.values: dict[str, Any] = values or {}

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            values = {}
        return cls(path, values if isinstance(values, dict) else {})

    def save(self) -> None:
        """Write atomically, like checkpoints: a crash never leaves half a settings file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=self.path.parent)
        except OSError:  # a read-only home costs the recent list, not the app
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.values, f, indent=2)
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    @property
    def recent_models(self) -> list[str]:
        recent = self.values.get("recent_models", [])
        return [str(p) for p in recent] if isinstance(recent, list) else []

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_models if p != path]
        self.values["recent_models"] = [path, *recent][:MAX_RECENT]
        self.save()

    def forget_recent(self, path: str | Path) -> None:
        self.values["recent_models"] = [p for p in self.recent_models if p != str(path)]
        self.save()

    @property
    def data_dir(self) -> str | None:
        value = self.values.get("data_dir")
        return str(value) if value else None

    @data_dir.setter
    def data_dir(self, value: str | None) -> None:
        self.values["data_dir"] = value or None

    @property
    def brush(self) -> int:
        value = self.values.get("brush", DEFAULT_BRUSH)
        return value if isinstance(value, int) and 2 <= value <= 60 else DEFAULT_BRUSH

    @brush.setter
    def brush(self, value: int) -> None:
        self.values["brush"] = int(value)


class AppState:
    """The one current model, the current input and its latest analysis, the app's workers.

    Topics: "model" (a new current model), "analysis" (the input's new analysis),
    "input" (a new source: a drawing, an image file, a test image) and "sketch"
    (the strokes changed; ``stroke_done`` says whether the stroke has ended).
    """

    TOPICS = ("model", "analysis", "input", "sketch")

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
