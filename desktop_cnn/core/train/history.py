"""A run's history: every batch's loss and every epoch's record, held in one place.

The Trainer owns one ``History``; the per-batch losses reach it through
``BatchLosses``, which keeps the latest losses as tensors on the training
device and reads them back in one go (one host sync per ``flush`` instead of
one per batch). A checkpoint stores the history as plain lists and dicts;
``plain_history`` and ``typed_history`` convert at that boundary, and older
files' dict histories load the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

import torch

from .events import EpochRecord


class History(TypedDict):
    batch_loss: list[float]  # every optimizer step's loss, in order, resumed runs included
    epochs: list[EpochRecord]


def new_history() -> History:
    return {"batch_loss": [], "epochs": []}


def plain_history(h: History, batch_loss: bool = True) -> dict[str, Any]:
    """The history as a checkpoint stores it (``batch_loss=False``: without the losses)."""
    return {
        "batch_loss": list(h["batch_loss"]) if batch_loss else [],
        "epochs": [r.as_dict() for r in h["epochs"]],
    }


def typed_history(d: dict[str, Any] | None) -> History:
    """Read a checkpoint's history (any age: missing keys are empty) back into records."""
    d = d or {}
    return {
        "batch_loss": [float(v) for v in d.get("batch_loss", [])],
        "epochs": [EpochRecord.from_dict(e) for e in d.get("epochs", [])],
    }


class BatchLosses:
    """Each batch's loss: pending on the device, then appended to ``history['batch_loss']``."""

    def __init__(
        self, done: list[float], combine: Callable[[torch.Tensor], torch.Tensor] | None = None
    ) -> None:
        self.done = done  # the history's own list: nothing else keeps a copy while training
        self.combine = combine  # under DDP: the mean over the processes, each with its share
        self._pending: list[torch.Tensor] = []

    def add(self, loss: torch.Tensor) -> None:
        self._pending.append(loss.detach())

    def __len__(self) -> int:
        """Losses added but not read back yet."""
        return len(self._pending)

    def flush(self) -> list[float]:
        """Read the pending losses to the host: the one sync point of a training step."""
        if not self._pending:
            return []
        losses = torch.stack(self._pending).float()
        values = (losses if self.combine is None else self.combine(losses)).tolist()
        self._pending = []
        self.done.extend(values)
        return values

    @property
    def last(self) -> float:
        return self.done[-1] if self.done else float("nan")
