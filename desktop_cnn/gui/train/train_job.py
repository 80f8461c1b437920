"""One training run as a worker task (gui/worker.py): load the data, train, return the result.

The work runs on the worker's thread and never touches Tk or matplotlib: the
core's events go straight onto the task's queue. Loading cannot be
interrupted (torchvision downloads and decodes in one call), so cancelling a
load abandons it: the thread finishes on its own and trains nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...core.data.datasets import Dataset
from ...core.inspect.evaluation import EvalResult
from ...core.spec.layers import NetSpec
from ...core.train.run import TrainRun
from ...core.train.training import Trainer, TrainResult
from ..worker import Task
from .spec_choice import SpecMismatch, mismatch


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
class JobDone:
    result: TrainResult
    evaluation: EvalResult | None  # the last epoch's test evaluation, for the results table
    classes: tuple[str, ...]


class TrainJob:
    """The work function (call it with a ``Task``); pause/resume/copy are safe from Tk."""

    def __init__(self, run: TrainRun, load: Callable[[TrainRun], Dataset]) -> None:
        """``run`` as the CLI describes one; ``load(run)`` gives its data (the app's cache)."""
        self.run, self.load = run, load
        self.trainer: Trainer | None = None

    def __call__(self, task: Task) -> JobDone | SpecMismatch | None:
        run = self.run
        task.emit(Loading(run.dataset))
        data = self.load(run)  # a DesktopCnnError here becomes the task's JobFailed
        if task.cancelled:
            return None
        task.emit(Loaded(data.name, len(data.train), len(data.test), tuple(data.classes)))
        if isinstance(run.arch, NetSpec):  # a design from the Build tab may not fit the data
            problem = mismatch(run.arch, data.input_shape, len(data.classes))
            if problem is not None:
                return problem
        assert run.arch is not None  # the Train tab always names a model (None: a CLI resume)
        trainer = Trainer(data, run.arch, run.config, callback=task.emit, force=run.force)
        self.trainer = trainer
        task.on_cancel(trainer.stop)  # at once when the task was cancelled meanwhile
        result = trainer.run()
        return JobDone(result, trainer.last_eval, tuple(data.classes))

    @property
    def paused(self) -> bool:
        return self.trainer is not None and self.trainer.paused

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
