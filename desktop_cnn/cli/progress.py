"""Trainer events as terminal output: a bar per epoch on a terminal, plain lines otherwise.

A progress bar redraws itself with carriage returns, which a log file or a CI
console keeps as hundreds of frames per epoch; so bars are drawn only when
stderr is a terminal. The per-epoch line (stdout, the run's record) is always
written; ``--quiet`` leaves only that and the result.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from ..core.files.safetext import clean
from ..core.train.events import BatchEnd, EpochEnd, Event, Failed, Note, Started

QUIET = False  # set from --quiet by cli.main


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bars or messages on stderr, only the results",
    )


def wants_bars(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class ProgressPrinter:
    """Turns trainer events into a tqdm bar per epoch (on a terminal) and a line per epoch."""

    def __init__(self, held_out: str = "test", quiet: bool | None = None) -> None:
        self.bar: Any = None  # the epoch's tqdm bar (tqdm has no type information)
        self.held_out = held_out  # "val" when --validation replaced the test set
        self.quiet = QUIET if quiet is None else quiet
        self.bars = not self.quiet and wants_bars(sys.stderr)

    def __call__(self, e: Event) -> None:
        if isinstance(e, Started):
            if not self.quiet:
                print(
                    f"training on {e.device}: {e.train_size} train / {e.test_size} test "
                    f"images, {e.steps_per_epoch} batches per epoch",
                    file=sys.stderr,
                )
        elif isinstance(e, BatchEnd):
            if self.bars:
                self.batch(e)
        elif isinstance(e, EpochEnd):
            self.close()
            print(
                f"epoch {e.epoch}: train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%} | "
                f"{self.held_out} loss {e.test_loss:.4f} acc {e.test_accuracy:.2%} "
                f"({e.seconds:.1f}s)",
                flush=True,
            )
        elif isinstance(e, Failed):
            self.close()
        elif isinstance(e, Note):
            self.close()
            print(f"desktop-cnn: note: {clean(e.message, 2000)}", file=sys.stderr, flush=True)

    def batch(self, e: BatchEnd) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(
                total=e.steps,
                desc=f"epoch {e.epoch}/{e.epochs}",
                unit="batch",
                leave=False,
                file=sys.stderr,
                dynamic_ncols=True,
            )
        self.bar.update(1)
        self.bar.set_postfix(
            loss=f"{e.loss:.3f}",
            img_s=f"{e.images_per_s:,.0f}",
            eta=f"{e.eta_s:.0f}s",
            refresh=False,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
