"""Datasets loaded once per session, off the Tk thread.

Loading MNIST takes about a second and CIFAR-10 from its JPEG zip much more
(longer still when torchvision has to download), so loads run in worker
tasks (gui/worker.py: ``worker.start(lambda task: cache.load(...))``). The
Train, Mistakes and Draw panels and the fine-tuning share what was loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from ..core.data.datasets import Dataset, load_dataset
from ..core.data.testset import load_test_data


class DatasetCache:
    """``load`` blocks (call it in a worker task); ``get`` never does."""

    def __init__(self) -> None:
        self._loaded: dict[tuple, Dataset] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def _key(name: str, data_dir: str | Path | None, classes: Sequence[str] | None) -> tuple:
        return name, str(data_dir or ""), tuple(classes or ())

    def get(
        self, name: str, data_dir: str | Path | None = None, classes: Sequence[str] | None = None
    ) -> Dataset | None:
        """The dataset if it is already in memory, else None (never loads)."""
        return self._loaded.get(self._key(name, data_dir, classes))

    def load(
        self,
        name: str,
        data_dir: str | Path | None = None,
        classes: Sequence[str] | None = None,
        download: bool = True,
    ) -> Dataset:
        """Load (or reuse) a dataset; raises the core's DesktopCnnError when it is missing."""
        key = self._key(name, data_dir, classes)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # two panels asking at once load it once
            if key not in self._loaded:
                self._loaded[key] = load_dataset(name, data_dir, classes or None, download)
            return self._loaded[key]

    def get_test(self, name: str, data_dir: str | Path | None = None) -> Dataset | None:
        """A dataset in memory whose test split can be evaluated (the full one first)."""
        return self.get(name, data_dir) or self._loaded.get(
            (*self._key(name, data_dir, None), "test")
        )

    def load_test(self, name: str, data_dir: str | Path | None = None) -> Dataset:
        """For evaluation only: the full dataset if loaded or on disk, else MNIST's shipped test
        set (core/data/testset.py), so the app needs no download to test a digit model."""
        known = self.get_test(name, data_dir)
        if known is not None:
            return known
        key = (*self._key(name, data_dir, None), "test")
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._loaded:
                self._loaded[key] = load_test_data(name, data_dir)
            return self._loaded[key]
