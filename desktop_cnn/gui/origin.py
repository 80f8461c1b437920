"""Where the current model came from, as a value panels can test (not a sentence to parse).

The status bar, the Mistakes tab and the Feature maps title show ``text``;
code looks at ``kind``: a model that follows training changes three times a
second and is not worth evaluating, a snapshot is not a finished model.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Origin(Enum):
    NONE = "none"  # no model yet
    FILE = "file"  # opened from, or last saved to, a file
    TRAINED = "trained"  # the final model of a run in this session
    FOLLOWING = "following"  # a copy of the weights of the run going on now
    REPLAY = "replay"  # a kept snapshot of the last run, picked with the slider
    FINETUNED = "finetuned"  # fine-tuned on the personal drawings


@dataclass(frozen=True)
class ModelOrigin:
    kind: Origin
    text: str  # for people: the file's path, or what the model is

    @classmethod
    def file(cls, path: str | Path) -> ModelOrigin:
        return cls(Origin.FILE, str(path))

    @classmethod
    def trained(cls) -> ModelOrigin:
        return cls(Origin.TRAINED, "trained in this session (not saved yet)")

    @classmethod
    def following(cls, step: str) -> ModelOrigin:
        return cls(Origin.FOLLOWING, f"following training: {step}")

    @classmethod
    def replay(cls, step: str) -> ModelOrigin:
        return cls(Origin.REPLAY, f"replay of the last run: {step} (not the final model)")

    @classmethod
    def finetuned(cls) -> ModelOrigin:
        return cls(Origin.FINETUNED, "fine-tuned on my handwriting (not saved yet)")

    @property
    def live(self) -> bool:
        """Replaced every few hundred ms while a run trains: not worth any long work."""
        return self.kind is Origin.FOLLOWING


NO_MODEL = ModelOrigin(Origin.NONE, "")
