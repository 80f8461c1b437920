"""One training run described as data: what to learn from, which network, and how.

The CLI builds a ``TrainRun`` from its flags and the GUI's job from its form;
both then load the data with ``load_data`` and hand ``arch`` and ``config`` to
the Trainer. ``resume``, ``out`` and ``checkpoint_every_epoch`` are the CLI's
(the GUI never resumes a file nor checkpoints mid-run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..data.datasets import Dataset, load_dataset
from ..spec.layers import NetSpec
from .config import TrainConfig

DEFAULT_ARCH = "lenet5"  # small and quick: the book's network
# (name, data_dir, classes) -> Dataset: load_dataset, or the GUI's cache of loaded datasets
Loader = Callable[[str, "str | None", "Sequence[str] | None"], Dataset]


@dataclass
class TrainRun:
    """Everything a training run needs besides the data's pixels."""

    dataset: str  # a load_dataset name: mnist, fashion-mnist, cifar10, imagefolder:PATH
    arch: str | NetSpec | None = DEFAULT_ARCH  # a classifier's name or a spec; None: resumed
    config: TrainConfig = field(default_factory=TrainConfig)
    classes: list[str] | None = None  # keep only these classes, relabelled in this order
    data_dir: str | None = None  # None: $DESKTOP_CNN_DATA or the user's data folder
    validation: float = 0.0  # > 0: hold out this share of the training images as "test"
    resume: str | None = None  # a checkpoint to continue (CLI)
    out: Path | None = None  # where the CLI writes the model
    checkpoint_every_epoch: bool = False  # also save ``out`` after each epoch, resumable
    force: bool = False  # build a spec even when it is too big for a desktop (--force)

    @property
    def held_out(self) -> str:
        """What the per-epoch evaluation measures: "validation" or "test"."""
        return "validation" if self.validation else "test"

    def load_data(
        self, classes: Sequence[str] | None = None, load: Loader = load_dataset
    ) -> Dataset:
        """The dataset, its class subset and its validation split (``classes`` overrides)."""
        wanted = classes if classes is not None else self.classes
        data = load(self.dataset, self.data_dir, list(wanted) if wanted else None)
        if self.validation:
            data = data.holdout(self.validation, self.config.seed)
        return data
