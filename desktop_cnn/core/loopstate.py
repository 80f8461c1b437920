"""What the training loop carries from batch to batch, and an epoch's running totals."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import torch

from .batches import BatchLoader
from .evaluation import EvalResult
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
    busy: float = 0.0  # seconds spent in steps, pauses excluded, for images/s and ETA

    @property
    def steps(self) -> int:
        return len(self.train)


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

    def record(self, epoch: int, result: EvalResult) -> EpochRecord:
        n = max(self.seen, 1)
        return EpochRecord(epoch, float(self.loss_sum) / n, int(self.correct) / n, result.loss,
                           result.accuracy, time.perf_counter() - self.t0)
