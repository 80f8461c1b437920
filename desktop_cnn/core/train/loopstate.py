"""What the training loop carries from batch to batch, and an epoch's running totals."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import torch

from ..data.batches import BatchLoader
from ..inspect.evaluation import EvalResult
from .distributed import all_sum
from .events import EpochRecord


@dataclass
class LoopState:
    """What one ``run()`` carries from batch to batch: data, optimizer, schedule, clocks."""

    train: BatchLoader
    test: BatchLoader
    opt: torch.optim.Optimizer
    sched: Any  # an LRScheduler, stepped once per batch
    scaler: torch.amp.GradScaler  # a no-op unless CUDA float16 autocast
    amp_dtype: torch.dtype | None  # None: float32
    marks: set[int]  # batch counts within an epoch after which a kept snapshot is due
    start_epoch: int  # > 0 when resuming
    t_run: float
    mix_rng: random.Random  # draws mixup's lam: one per batch, reproducible
    read_every: int = 1  # batches between two read-backs of the losses to the host
    max_steps: int = 0  # a dry run's batches per epoch (TrainConfig.max_steps); 0: all
    busy: float = 0.0  # seconds of training (batches made and learned), for images/s and ETA
    t_mark: float = 0.0  # when the last step ended (or the epoch began, or a pause ended)

    def clock(self) -> None:
        """A step ended: count the time since the last mark as training time."""
        now = time.perf_counter()
        self.busy += now - self.t_mark
        self.t_mark = now

    @property
    def steps(self) -> int:
        """Batches per epoch: the loader's, or fewer in a dry run."""
        return min(len(self.train), self.max_steps or len(self.train))


@dataclass
class EpochTally:
    """An epoch's training loss and accuracy, summed on the device (no sync per batch)."""

    t0: float
    seen: int = 0
    correct: torch.Tensor | int = 0
    loss_sum: torch.Tensor | float = 0.0

    def add(self, logits: torch.Tensor, loss: torch.Tensor, target: torch.Tensor) -> None:
        self.seen += len(target)
        self.correct = self.correct + (logits.argmax(1) == target).sum()
        self.loss_sum = self.loss_sum + loss.detach() * len(target)

    def summed(self, device: torch.device) -> EpochTally:
        """The tally over all processes (each counted its share of every batch)."""
        t = torch.tensor(
            [float(self.seen), float(self.correct), float(self.loss_sum)],
            device=device,
            dtype=torch.float64,
        )
        seen, correct, loss_sum = all_sum(t).tolist()
        return EpochTally(self.t0, round(seen), round(correct), loss_sum)

    def record(self, epoch: int, result: EvalResult) -> EpochRecord:
        n = max(self.seen, 1)
        return EpochRecord(
            epoch,
            float(self.loss_sum) / n,
            int(self.correct) / n,
            result.loss,
            result.accuracy,
            time.perf_counter() - self.t0,
        )
