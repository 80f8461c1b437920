"""One training run in a worker thread: load the data, train, report through a queue.

The worker never touches Tk or matplotlib: it puts the core's events (and the
few below) on a ``queue.Queue`` that the Tk thread drains with ``after()``.
Loading cannot be interrupted (torchvision downloads and decodes in one
call), so cancelling a load abandons it: the thread finishes on its own and
its result is thrown away.
"""

from __future__ import annotations

import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from ...core.data import Dataset
from ...core.errors import DesktopCnnError
from ...core.evaluation import EvalResult
from ...core.training import TrainConfig, Trainer, TrainResult


@dataclass(frozen=True)
class Loading:
    dataset: str


@dataclass(frozen=True)
class Loaded:
    dataset: str
    train_size: int
    test_size: int
    classes: tuple[str, ...]


@dataclass(frozen=True)
class JobFailed:
    """The run could not start or crashed; ``message`` is for a person."""

    message: str


@dataclass(frozen=True)
class JobDone:
    result: TrainResult
    evaluation: EvalResult | None  # the last epoch's test evaluation, for the results table
    classes: tuple[str, ...]


class TrainJob:
    """Start with ``start()``; ``stop``/``pause``/``resume`` are safe from the Tk thread."""

    def __init__(self, dataset: str, load: Callable[[], Dataset], arch: str,
                 config: TrainConfig, events: queue.Queue) -> None:
        self.dataset, self.load, self.arch, self.config = dataset, load, arch, config
        self.events = events
        self.trainer: Trainer | None = None
        self.cancelled = False
        self._lock = threading.Lock()  # orders "trainer created" against "stop requested"
        self.thread = threading.Thread(target=self._work, name="train-worker", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        with self._lock:
            self.cancelled = True
            if self.trainer is not None:
                self.trainer.stop()

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()

    def request_copy(self) -> None:
        """Ask for a copy of the weights, delivered as a Snapshot event after the next batch."""
        trainer = self.trainer
        if trainer is not None:
            trainer.request_copy()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s; True when the worker has ended."""
        if self.thread.is_alive():
            self.thread.join(timeout)
        return not self.thread.is_alive()

    def _work(self) -> None:
        try:
            self._train()
        except Exception as exc:  # a bug, not a user error: say so, keep the trace on stderr
            traceback.print_exc()
            self.events.put(JobFailed(f"training crashed: {type(exc).__name__}: {exc}"))

    def _train(self) -> None:
        self.events.put(Loading(self.dataset))
        try:
            data = self.load()
        except DesktopCnnError as exc:
            self.events.put(JobFailed(str(exc)))
            return
        if self.cancelled:
            return
        self.events.put(Loaded(data.name, len(data.train), len(data.test), tuple(data.classes)))
        try:
            trainer = Trainer(data, self.arch, self.config, callback=self.events.put)
        except DesktopCnnError as exc:
            self.events.put(JobFailed(str(exc)))
            return
        with self._lock:
            if self.cancelled:
                return
            self.trainer = trainer
        result = trainer.run()
        self.events.put(JobDone(result, trainer.last_eval, tuple(data.classes)))
