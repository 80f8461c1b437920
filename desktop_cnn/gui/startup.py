"""Heavy imports and the first model load, in the background, so the window shows at once.

Importing torch takes ~3 s on a small CPU and matplotlib another second.
The Tk thread shows the window first, then polls these flags with
``after()``; panels that need torch or matplotlib are built when they are
ready. Importing in a worker thread is safe; creating widgets is not, so
nothing here touches Tk.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

CORE_MODULES = (
    "torch", "desktop_cnn.core.checkpoints", "desktop_cnn.core.training",
    "desktop_cnn.core.summary", "desktop_cnn.gui.predictor", "desktop_cnn.gui.datasets",
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


class Preloader:
    """Imports torch and the core, loads and warms up the first model, then imports matplotlib.

    The Tk thread reads ``core_ready``/``plots_ready`` (threading.Events) and
    the results; the worker writes each result before setting its event.
    """

    def __init__(self, model_path: Path | None) -> None:
        self.model_path = model_path
        self.core_ready = threading.Event()
        self.plots_ready = threading.Event()
        self.checkpoint: Any = None  # core.checkpoints.Checkpoint once loaded
        self.model_error: str | None = None  # a CheckpointError's message, for the status bar
        self.error: str | None = None  # an import failed: the app cannot work
        self.device = ""
        self.times: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, name="preload", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
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
            self.core_ready.set()
        try:
            for name in PLOT_MODULES:
                importlib.import_module(name)
        except Exception as exc:
            traceback.print_exc()
            self.error = self.error or f"cannot load matplotlib: {type(exc).__name__}: {exc}"
        finally:
            self.times["plots"] = time.time()
            self.plots_ready.set()

    def _load_model(self) -> None:
        from ..core.errors import CheckpointError
        from .predictor import warm_up

        if self.model_path is None:
            return
        from ..core.checkpoints import load_checkpoint

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
