"""Typed events the Trainer reports; plain data, safe to pass through a queue."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..files.checkpoints import ModelInfo


@dataclass(frozen=True)
class Started:
    device: str
    train_size: int
    test_size: int
    steps_per_epoch: int
    epochs: int
    start_epoch: int  # > 0 when resuming


@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # 1-based
    epochs: int
    step: int  # 1-based, within the epoch
    steps: int
    global_step: int
    loss: float
    lr: float
    images_per_s: float
    eta_s: float


@dataclass(frozen=True)
class EpochRecord:
    """One epoch's numbers: built by the loop, sent as an event, kept in the run's history.

    A checkpoint stores them as plain dicts (``as_dict``), which ``from_dict`` reads back,
    older files' included.
    """

    epoch: int  # 1-based
    train_loss: float  # mean over the epoch's images, as they were trained on (augmented)
    train_accuracy: float  # under mixup, against each blend's larger share's class
    test_loss: float  # on the held-out split: the test set, or the validation split
    test_accuracy: float
    seconds: float  # wall time of the epoch, its evaluation included

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(EpochRecord)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EpochRecord:
        # Older files may lack a key (no "seconds"); NaN says "not measured" without lying.
        return cls(**{f.name: d.get(f.name, float("nan")) for f in fields(cls)})


@dataclass(frozen=True)
class EpochEnd(EpochRecord):
    """An epoch's record as an event, with each class's accuracy for the results table."""

    per_class: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, record: EpochRecord, per_class: dict[str, float]) -> EpochEnd:
        values: dict[str, Any] = record.as_dict()  # the fields of an EpochRecord
        return cls(**values, per_class=per_class)

    @property
    def record(self) -> EpochRecord:
        values: dict[str, Any] = self.as_dict()
        return EpochRecord(**values)


@dataclass(frozen=True)
class Snapshot:
    """A CPU copy of the weights, taken between two optimizer steps (never mid-update)."""

    step: int  # optimizer steps done in the whole run; 0: the initial, random weights
    epoch: int  # the epoch (1-based) the step belongs to; 0 before the first batch
    batch: int  # batches done within that epoch
    steps_per_epoch: int
    state_dict: dict[str, Any]  # name -> CPU tensor, a copy nothing else writes to
    info: ModelInfo  # the model's metadata at that moment, without the per-batch losses
    kept: bool  # True: one of the run's timeline snapshots; False: a live copy to follow
    test_accuracy: float | None = None  # measured on exactly these weights (an epoch's end)


@dataclass(frozen=True)
class Finished:
    status: str  # "finished" or "stopped"
    message: str
    seconds: float
    test_accuracy: float | None


@dataclass(frozen=True)
class Failed:
    message: str


@dataclass(frozen=True)
class Note:
    """Something the person should know that does not stop the run (one line)."""

    message: str


Event = Started | BatchEnd | EpochEnd | Snapshot | Finished | Failed | Note
