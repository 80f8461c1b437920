"""Several saved models' training curves side by side, as plain arrays.

Each checkpoint carries its history (``info.history``): the loss of every
batch and one record per epoch. To overlay runs of different lengths and
batch sizes, batch losses are placed on an epoch axis: with S batches per
epoch, batch i (from 0) ends at epoch (i + 1) / S.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CheckpointError
from ..files.checkpoints import ModelInfo, load_checkpoint
from ..spec.arith import analyse
from ..spec.layers import SpecError

SMOOTH = 0.9  # exponential moving average over about the last 10 batches (Train tab too)


@dataclass
class ModelCurves:
    """One model's curves; ``problem`` says why it has none (then it is left out of plots)."""

    source: str  # the file it came from ("" for a model only in memory)
    name: str  # short, for lists and legends: the file's name, or e.g. "current model"
    title: str  # ModelInfo.title, or the file name when it could not be read
    loss_epoch: np.ndarray = field(default_factory=lambda: np.zeros(0))  # x: batch ends, epochs
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))  # smoothed training loss
    epochs: list[int] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    params: int | None = None  # None: not a chain of layers a spec describes (no arithmetic)
    macs: int | None = None  # multiply-adds per image
    seconds_per_epoch: float | None = None  # the mean over the run's epochs, as trained
    problem: str = ""

    @property
    def best_accuracy(self) -> float | None:
        finite = [a for a in self.test_accuracy if a == a]  # nan: an epoch not evaluated
        return max(finite) if finite else None

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def label(self) -> str:
        """For legends: the model's title and where it came from."""
        return f"{self.title} ({self.name})"


def smooth(values: Iterable[float], alpha: float = SMOOTH) -> np.ndarray:
    """Bias-corrected exponential moving average, like TensorBoard's smoothing."""
    values = np.asarray(list(values), dtype=float)
    out = np.empty(len(values))
    avg = 0.0
    for i, v in enumerate(values):
        avg = alpha * avg + (1 - alpha) * v
        out[i] = avg / (1 - alpha ** (i + 1))
    return out


def batch_epochs(n_batches: int, n_epochs: int) -> np.ndarray:
    """Where each batch ends on the epoch axis.

    The batches per epoch are not saved, so S = n_batches // n_epochs: exact for
    a run that ended at an epoch's end, a little high for one stopped mid-epoch.
    """
    per_epoch = max(1, n_batches // max(n_epochs, 1))
    return np.arange(1, n_batches + 1) / per_epoch


def architecture(info: ModelInfo) -> tuple[int | None, int | None]:
    """(parameters, multiply-adds per image) from the model's spec; Nones when it has none."""
    try:
        a = analyse(info.spec)
    except SpecError:
        return None, None
    return (None, None) if a.error else (a.total_params, a.total_macs)


def curves_from_info(info: ModelInfo, source: str = "", name: str = "") -> ModelCurves:
    hist = info.history or {}
    records = [e for e in hist.get("epochs") or [] if isinstance(e, dict)]
    losses = [float(v) for v in hist.get("batch_loss") or []]
    curves = ModelCurves(source, name or Path(source).name, info.title)
    curves.params, curves.macs = architecture(info)
    seconds = [float(e["seconds"]) for e in records if isinstance(e.get("seconds"), (int, float))]
    curves.seconds_per_epoch = sum(seconds) / len(seconds) if seconds else None
    if not records:
        curves.problem = (
            "no training history saved"
            if not losses
            else "stopped before its first epoch ended: no per-epoch results"
        )
        return curves
    curves.epochs = [int(e.get("epoch", i + 1)) for i, e in enumerate(records)]
    curves.test_loss = [float(e.get("test_loss", np.nan)) for e in records]
    curves.test_accuracy = [float(e.get("test_accuracy", np.nan)) for e in records]
    if losses:
        # A resumed run's history starts at epoch 1 too: its batches cover every epoch.
        curves.loss_epoch = batch_epochs(len(losses), max(curves.epochs))
        curves.loss = smooth(losses)
    return curves


def load_curves(path: str | os.PathLike[str]) -> ModelCurves:
    """One file's curves; a file that cannot be read is flagged, not raised."""
    try:
        ck = load_checkpoint(path)
    except CheckpointError as exc:
        name = Path(path).name  # the whole path is in the file list already
        return ModelCurves(str(path), name, name, problem=str(exc).replace(str(path), name))
    return curves_from_info(ck.info, str(path))
