"""Trainer events as terminal output: a progress bar per epoch and one line per epoch."""

from __future__ import annotations

import sys

from ..core.events import BatchEnd, EpochEnd, Event, Failed, Started


class ProgressPrinter:
    """Turns trainer events into a tqdm bar per epoch and a line per epoch."""

    def __init__(self, held_out: str = "test") -> None:
        self.bar = None
        self.held_out = held_out  # "val" when --validation replaced the test set

    def __call__(self, e: Event) -> None:
        from tqdm import tqdm

        if isinstance(e, Started):
            print(f"training on {e.device}: {e.train_size} train / {e.test_size} test images, "
                  f"{e.steps_per_epoch} batches per epoch", file=sys.stderr)
        elif isinstance(e, BatchEnd):
            if self.bar is None:
                self.bar = tqdm(total=e.steps, desc=f"epoch {e.epoch}/{e.epochs}", unit="batch",
                                leave=False, file=sys.stderr, dynamic_ncols=True)
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{e.loss:.3f}", img_s=f"{e.images_per_s:,.0f}",
                                 eta=f"{e.eta_s:.0f}s", refresh=False)
        elif isinstance(e, EpochEnd):
            self.close()
            print(f"epoch {e.epoch}: train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%} | "
                  f"{self.held_out} loss {e.test_loss:.4f} acc {e.test_accuracy:.2%} "
                  f"({e.seconds:.1f}s)")
        elif isinstance(e, Failed):
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
