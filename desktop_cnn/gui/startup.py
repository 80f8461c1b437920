"""Heavy imports and the first model load, in the background, so the window shows at once.

Importing torch takes ~3 s on a small CPU and matplotlib another second.
The Tk thread shows the window first, then runs the ``Preloader`` as a worker
task (worker.py) and builds the panels that need torch or matplotlib when its
``CoreReady`` and ``PlotsReady`` events arrive. Importing in a worker thread
is safe; creating widgets is not, so nothing here touches Tk.
"""

from __future__ import annotations

import importlib
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .worker import Task

CORE_MODULES = (
    "torch", "desktop_cnn.core.files.checkpoints", "desktop_cnn.core.train.training",
    "desktop_cnn.core.inspect.summary", "desktop_cnn.gui.predictor", "desktop_cnn.gui.datasets",
    "desktop_cnn.gui.train.train_job",
)  # fmt: skip
PLOT_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_tkagg")


def leave_a_core_to_the_ui() -> None:
    """Train on all cores but one: the Tk thread needs one to stay fluid.

    On a 2-core CPU, two intra-op threads plus the Tk thread oversubscribe
    the cores, and OpenMP's spinning workers then make LeNet-5 batches ~5x
    slower and the window stutter. One thread per remaining core avoids both.
    """
    import torch

    cores = os.cpu_count() or 1
    if cores <= 4:
        torch.set_num_threads(max(1, cores - 1))


@dataclass(frozen=True)
class CoreReady:
    """torch and the core are imported, the first model loaded (or not: see the Preloader)."""


@dataclass(frozen=True)
class PlotsReady:
    """matplotlib is imported: the panels that plot can be built."""


class Preloader:
    """Imports torch and the core, loads and warms up the first model, then imports matplotlib.

    Call it with a worker ``Task``. It writes its results here before emitting
    the event that announces them, so the Tk thread reads them on that event.
    """

    def __init__(self, model_path: Path | None) -> None:
        self.model_path = model_path
        self.checkpoint: Any = None  # core.files.checkpoints.Checkpoint once loaded
        self.model_error: str | None = None  # a CheckpointError's message, for the status bar
        self.error: str | None = None  # an import failed: the app cannot work
        self.device = ""
        self.times: dict[str, float] = {}

    def __call__(self, task: Task) -> None:
        try:
            for name in CORE_MODULES:
                importlib.import_module(name)
            self.times["torch"] = time.time()
            leave_a_core_to_the_ui()
            self._load_model()
            self._describe_device()
        except Exception as exc:  # a broken install: report it in the window, not only stderr
            traceback.print_exc()
            self.error = f"cannot start: {type(exc).__name__}: {exc}"
        finally:
            task.emit(CoreReady())
        try:
            for name in PLOT_MODULES:
                importlib.import_module(name)
        except Exception as exc:
            traceback.print_exc()
            self.error = self.error or f"cannot load matplotlib: {type(exc).__name__}: {exc}"
        finally:
            self.times["plots"] = time.time()
            task.emit(PlotsReady())

    def _load_model(self) -> None:
        from ..core.errors import CheckpointError
        from .predictor import warm_up

        if self.model_path is None:
            return
        from ..core.files.checkpoints import load_checkpoint

        try:
            ck = load_checkpoint(self.model_path)
            warm_up(ck)
        except CheckpointError as exc:
            self.model_error = str(exc)
            return
        self.checkpoint = ck
        self.times["model"] = time.time()

    def _describe_device(self) -> None:
        from ..core.device import device_name, pick_device

        self.device = device_name(pick_device("auto"))
