"""What the panels share: the current model, the current input's analysis, and settings.

No Tk here. ``AppState`` is changed on the Tk thread only and tells its
observers synchronously, so every panel sees a new model at the same moment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .settings import DEFAULT_BRUSH, MAX_RECENT, Settings  # noqa: F401 - re-exported

if TYPE_CHECKING:  # torch is imported later, in the background (see startup.py)
    from ..core.checkpoints import Checkpoint
    from .datasets import DatasetCache
    from .predictor import Analysis

class AppState:
    """The one current model and the latest analysis of the current input."""

    TOPICS = ("model", "analysis")

    def __init__(self, settings: Settings, datasets: DatasetCache | None = None) -> None:
        self.settings = settings
        self.datasets = datasets
        self.checkpoint: Checkpoint | None = None
        self.model_source = ""  # the file it came from, or "trained in this session"
        self.analysis: Analysis | None = None
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

    def set_model(self, checkpoint: Checkpoint, source: str = "") -> None:
        self.checkpoint = checkpoint
        self.model_source = source
        self.analysis = None
        self._notify("model")

    def set_analysis(self, analysis: Analysis | None) -> None:
        self.analysis = analysis
        self._notify("analysis")

    @property
    def title(self) -> str:
        return self.checkpoint.info.title if self.checkpoint else "no model"
