"""Weight snapshots of a training run: to follow a model as it learns, and to replay it after.

The Trainer copies its ``state_dict`` to the CPU between two optimizer steps
(so a copy is never half-updated) at step 0, a few times per epoch, and
whenever someone asked through ``LiveCopy``; it hands each copy on as an
``events.Snapshot``. A ``SnapshotRecorder`` keeps the run's kept snapshots
within a count and memory bound; ``snapshot_checkpoint`` turns one back into
a usable model. A LeNet-5 copy is ~250 KB, so four per epoch are cheap.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import torch
from torch import nn

from ..files.checkpoints import Checkpoint
from ..models import build_model
from ..train.events import Snapshot

MAX_SNAPSHOTS = 200  # a slider with more stops than this moves in steps too fine to see
MAX_BYTES = 128 * 2**20  # 500 LeNet-5s; a far larger model gets fewer snapshots instead


def cpu_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of the weights on the CPU; ``copy=True``: a CPU tensor is otherwise shared."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def state_bytes(state: dict[str, torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in state.values())


def snapshot_marks(steps_per_epoch: int, per_epoch: int) -> set[int]:
    """The batch counts within an epoch (1..steps) after which a kept snapshot is due.

    Evenly spaced; the last is always the epoch's end, where the Trainer takes
    it after the evaluation so it comes with its test accuracy.
    """
    if per_epoch <= 0 or steps_per_epoch <= 0:
        return set()
    n = min(per_epoch, steps_per_epoch)
    return {round(i * steps_per_epoch / n) for i in range(1, n + 1)}


class LiveCopy:
    """A copy of the weights requested from any thread, served by the training thread."""

    def __init__(self) -> None:
        self._wanted = threading.Event()

    def request(self) -> None:
        self._wanted.set()

    def take(self) -> bool:
        """Training thread, between batches: True once per request (or burst of requests)."""
        if not self._wanted.is_set():
            return False
        # A request arriving between these lines is served too: the copy is made after it.
        self._wanted.clear()
        return True


class SnapshotRecorder:
    """The kept snapshots of one run, in step order, within ``max_count`` and ``max_bytes``.

    When full it drops every other snapshot after the first (the random
    weights) and before the last: the timeline gets coarser, never shorter.
    """

    def __init__(self, max_count: int = MAX_SNAPSHOTS, max_bytes: int = MAX_BYTES) -> None:
        if max_count < 2:
            raise ValueError("a timeline needs room for at least 2 snapshots")
        self.max_count, self.max_bytes = max_count, max_bytes
        self.snapshots: list[Snapshot] = []

    def __len__(self) -> int:
        return len(self.snapshots)

    def __getitem__(self, i: int) -> Snapshot:
        return self.snapshots[i]

    @property
    def bytes(self) -> int:
        return sum(state_bytes(s.state_dict) for s in self.snapshots)

    def clear(self) -> None:
        self.snapshots = []

    def add(self, snap: Snapshot) -> None:
        if self.snapshots and snap.step <= self.snapshots[-1].step:
            raise ValueError(
                f"snapshot of step {snap.step} after one of step "
                f"{self.snapshots[-1].step}: steps must increase"
            )
        self.snapshots.append(snap)
        limit = min(self.max_count, max(2, self.max_bytes // max(1, state_bytes(snap.state_dict))))
        while len(self.snapshots) > limit:
            s = self.snapshots
            self.snapshots = [s[0], *s[2:-1:2], s[-1]]


def snapshot_checkpoint(snap: Snapshot) -> Checkpoint:
    """A CPU model of the snapshot's architecture holding a copy of its weights.

    Its info says which step the weights are from, and claims a test accuracy
    only when one was measured on exactly these weights (at an epoch's end),
    so a snapshot saved to a file still says it is not the run's final model.
    """
    info = snap.info
    model = build_model(info.arch, **info.arch_args)
    model.load_state_dict(snap.state_dict)  # copies: the snapshot stays as it was
    model.eval()
    metrics = dict(info.metrics) if snap.test_accuracy is not None else {}
    metrics["snapshot_step"] = snap.step
    note = f"weights of {describe(snap)} of a training run, not its final model"
    info = replace(info, metrics=metrics, notes=[*info.notes, note])
    return Checkpoint(model, info)


def describe(snap: Snapshot) -> str:
    """'step 1,200 (epoch 3, batch 262 of 469)', or 'step 0 (random weights)'."""
    if snap.step == 0:
        return "step 0 (random weights)"
    where = (
        f"end of epoch {snap.epoch}"
        if snap.batch == snap.steps_per_epoch
        else f"epoch {snap.epoch}, batch {snap.batch:,} of {snap.steps_per_epoch:,}"
    )
    return f"step {snap.step:,} ({where})"


def snapshot_step(checkpoint: Checkpoint) -> int | None:
    """The step a snapshot checkpoint's weights are from; None for an ordinary model."""
    step = checkpoint.info.metrics.get("snapshot_step")
    return int(step) if isinstance(step, int) else None
