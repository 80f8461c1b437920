"""Datasets as plain uint8 tensors.

torchvision downloads and parses the files; after that a dataset is one uint8
tensor of images (N, C, H, W) and one int64 tensor of labels per split, which
the batch iterator slices by index on the training device (see batches.py).
Names: ``mnist``, ``fashion-mnist``, ``cifar10`` and ``imagefolder:PATH``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from ..errors import DatasetError, DatasetNotFoundError, UnknownNameError
from ..files.paths import data_dir as default_data_dir
from ..files.safetext import clean, clean_all
from ..limits import check_range
from . import idx, imagefiles
from .split import Split

MIN_STD = 1 / 255  # one grey level: the smallest spread a std of uint8 images is floored to

__all__ = ["Dataset", "Split", "load_dataset", "channel_stats", "DATASETS", "DATASET_HELP"]

CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    name: str  # as given to load_dataset, e.g. "cifar10" or "imagefolder:/data/pets"
    classes: list[str]
    train: Split
    test: Split
    mean: tuple[float, ...]  # per channel, of the training images scaled to [0, 1]
    std: tuple[float, ...]
    subset: tuple[str, ...] = ()  # class names kept by with_classes(), in label order
    validation: float = 0.0  # > 0: "test" is a split carved from the training images
    notes: tuple[str, ...] = ()  # what loading left out (hidden folders, loose images)

    def counts(self) -> str:
        """Images read per class, e.g. "cat 120+24, dog 118+23" (train+test)."""
        tr = torch.bincount(self.train.labels, minlength=len(self.classes)).tolist()
        te = torch.bincount(self.test.labels, minlength=len(self.classes)).tolist()
        return ", ".join(
            f"{clean(c, 40)} {a}+{b}" for c, a, b in zip(self.classes, tr, te, strict=True)
        )

    def remark(self) -> str:
        """What is unusual about the training images, before a learning rate is blamed: ""
        when nothing is."""
        if all(s <= MIN_STD for s in self.std):
            return (
                "every training image has the same value in every pixel (no variation "
                "to learn from): check the images"
            )
        flat = [
            clean(c, 40)
            for k, c in enumerate(self.classes)
            if (self.train.labels == k).sum() > 1
            and _all_same(self.train.images[self.train.labels == k])
        ]
        if flat:
            return f"the images of class {flat[0]} are all identical: check the images"
        return ""

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.train.images.shape[1:])  # type: ignore[return-value]

    @property
    def is_digits(self) -> bool:
        """Grayscale data gets the digit augmentation and digit preprocessing."""
        return self.input_shape[0] == 1

    def with_classes(self, names: Sequence[str]) -> Dataset:
        """Keep only ``names``, relabelled 0..k-1 in the order given (the book's cifar2)."""
        unknown = [n for n in names if n not in self.classes]
        if unknown:
            raise UnknownNameError(
                f"{self.name} has no class {', '.join(unknown)}: its classes are "
                f"{', '.join(self.classes)}"
            )
        if len(set(names)) != len(names) or len(names) < 2:
            raise UnknownNameError("--classes needs at least two different class names")
        old = torch.tensor([self.classes.index(n) for n in names])

        def pick(split: Split) -> Split:
            keep = torch.isin(split.labels, old)
            remap = torch.full((len(self.classes),), -1, dtype=torch.long)
            remap[old] = torch.arange(len(names))
            return Split(split.images[keep], remap[split.labels[keep]])

        train = pick(self.train)
        mean, std = channel_stats(train.images)
        return replace(
            self,
            classes=list(names),
            train=train,
            test=pick(self.test),
            mean=mean,
            std=std,
            subset=tuple(names),
        )

    def holdout(self, fraction: float, seed: int = 0) -> Dataset:
        """Carve a validation split off the training images; it replaces the test split.

        Choose epochs and settings on this, so the test set stays unseen until the end.
        """
        check_range("--validation", fraction, 0, 1, lo_open=True, hi_open=True, field="validation")
        n = len(self.train)
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
        k = max(1, int(n * fraction))
        val, keep = perm[:k], perm[k:]
        train = Split(self.train.images[keep], self.train.labels[keep])
        mean, std = channel_stats(train.images)
        return replace(
            self,
            train=train,
            mean=mean,
            std=std,
            test=Split(self.train.images[val], self.train.labels[val]),
            validation=fraction,
        )


def _all_same(images: torch.Tensor) -> bool:
    """Whether every image equals the first (uint8 compare: no float copy)."""
    return bool((images == images[:1]).all())


def channel_stats(images: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 images, as fractions of 255.

    A 256-bin histogram per channel gives both exactly, without a float copy
    of the whole dataset (150M numbers for CIFAR-10).
    """
    means, stds = [], []
    values = torch.arange(256, dtype=torch.float64) / 255
    for c in range(images.shape[1]):
        counts = torch.bincount(images[:, c].reshape(-1), minlength=256).double()
        n = counts.sum()
        mean = (counts * values).sum() / n
        var = (counts * (values - mean) ** 2).sum() / (n - 1)
        means.append(mean.item())
        # At least one grey level: constant images (std 0) must not divide by zero (NaN).
        stds.append(max(var.sqrt().item(), MIN_STD))
    return tuple(means), tuple(stds)


def _split_from_tv(ds: Any) -> Split:  # a torchvision dataset
    """torchvision's MNIST-style ``data``/``targets`` to a Split, without per-sample decoding."""
    data = torch.as_tensor(ds.data)
    if data.ndim == 3:  # MNIST: (N, H, W)
        data = data.unsqueeze(1)
    else:  # CIFAR-10: (N, H, W, C) numpy
        data = data.permute(0, 3, 1, 2)
    return Split(data.contiguous(), torch.as_tensor(ds.targets, dtype=torch.long))


MNIST_FILES = [
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
]  # fmt: skip


def _load_torchvision(
    cls: Any, root: Path, folder: str, files: list[str], download: bool
) -> tuple[Any, Any]:
    """Both splits through torchvision, downloading when allowed; clear error when not."""
    try:
        return cls(root, train=True, download=False), cls(root, train=False, download=False)
    except RuntimeError:  # torchvision's "Dataset not found or corrupted"
        if not download:
            raise _missing(root / folder, files, "download is off") from None
    except Exception as exc:  # noqa: BLE001 - a damaged pickle or array file, any error type
        raise _damaged(root / folder, exc) from None
    try:
        return cls(root, train=True, download=True), cls(root, train=False, download=True)
    except Exception as exc:  # URLError, HTTPError, timeouts, checksum failures...
        raise _missing(root / folder, files, f"download failed: {download_reason(exc)}") from None


def download_reason(exc: BaseException) -> str:
    """The real cause of a failed download, never empty.

    torchvision says "Error downloading x.gz:" on its first line and the cause of each
    mirror's failure below it; an error may also carry its cause in ``__cause__``.
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    causes = [line for line in lines[1:] if not line.startswith("Tried ")]
    if lines and lines[0].endswith(":") and causes:
        return f"{lines[0]} {'; '.join(dict.fromkeys(causes))}"[:300]
    if lines and not lines[0].endswith(":"):
        return lines[0][:300]
    inner = exc.__cause__ or exc.__context__
    if inner is not None and inner is not exc:
        return f"{' '.join(lines)} {download_reason(inner)}".strip()[:300]
    return f"{' '.join(lines)} ({type(exc).__name__})".strip()


def _damaged(where: Path, exc: Exception) -> DatasetError:
    reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return DatasetError(
        f"the dataset files in {where} cannot be read ({reason}): delete them "
        "to download them again, or replace them with intact copies"
    )


def _missing(where: Path, files: list[str], why: str) -> DatasetNotFoundError:
    return DatasetNotFoundError(
        f"dataset not found in {where} ({why}); put these files there: {', '.join(files)}"
    )


def _mnist_like(cls: Any, folder: str, classes: list[str] | None = None) -> Loader:
    def load(root: Path, download: bool) -> tuple[Split, Split, list[str]]:
        raw = root / folder / "raw"
        idx.check_folder(raw, len(classes or cls.classes))  # names a damaged file, if any
        absent = [f for f in MNIST_FILES if not (raw / f).exists()]
        if absent and len(absent) < len(MNIST_FILES) and not download:
            splits = " and ".join(s for s, names in idx.SPLITS.items() if set(names) & set(absent))
            raise DatasetNotFoundError(
                f"{raw} lacks {', '.join(absent)} (the {splits} split; download is off): "
                "put these files there"
            )
        files = [f"{folder}/raw/{f}" for f in MNIST_FILES]
        train, test = _load_torchvision(cls, root, "", files, download)
        idx.check_folder(raw, len(classes or cls.classes))  # what a download brought
        return _split_from_tv(train), _split_from_tv(test), classes or list(train.classes)

    return load


def _load_cifar10(root: Path, download: bool) -> tuple[Split, Split, list[str]]:
    """torchvision's pickled batches; else the JPEG copy ``cifar10-jpg[.zip]`` in ``root``."""
    from torchvision.datasets import CIFAR10

    for candidate in (root / "cifar10-jpg", root / "cifar10-jpg.zip"):
        if not (root / "cifar-10-batches-py").exists() and candidate.exists():
            train, test, classes = imagefiles.load_tree(candidate)
            return train, test, classes
    files = [
        "cifar-10-batches-py/data_batch_1..5",
        "cifar-10-batches-py/test_batch",
        "(or cifar10-jpg.zip with train/<class>/*.jpg and test/<class>/*.jpg)",
    ]
    train, test = _load_torchvision(CIFAR10, root, "", files, download)
    return _split_from_tv(train), _split_from_tv(test), list(train.classes)


def _fashion() -> Loader:
    from torchvision.datasets import FashionMNIST

    return _mnist_like(FashionMNIST, "FashionMNIST")


def _mnist() -> Loader:
    from torchvision.datasets import MNIST

    return _mnist_like(MNIST, "MNIST", [str(i) for i in range(10)])


Loader = Callable[[Path, bool], tuple[Split, Split, list[str]]]
DATASETS: dict[str, Callable[[], Loader]] = {
    "mnist": _mnist,
    "fashion-mnist": _fashion,
    "cifar10": lambda: _load_cifar10,
}
DATASET_HELP = "mnist, fashion-mnist, cifar10 or imagefolder:PATH"


def load_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    classes: Sequence[str] | None = None,
    download: bool = True,
) -> Dataset:
    """Load a dataset by name into memory (see the module docstring for names)."""
    root = default_data_dir(data_dir)
    notes: list[str] = []
    if name.startswith("imagefolder:"):
        given = name.split(":", 1)[1]
        if not given.strip():  # "" would mean the current folder: never guessed
            raise DatasetNotFoundError(
                "imagefolder: needs a folder or zip, e.g. imagefolder:~/pets"
            )
        path = Path(given).expanduser()
        if not path.exists():
            raise DatasetNotFoundError(
                f"image folder {path} does not exist: it needs one sub-folder per class "
                "(optionally inside train/ and test/)"
            )
        train, test, names = imagefiles.load_tree(path, notes)
        names = clean_all(names)  # folder names may hold newlines or escape sequences
    elif name in DATASETS:
        train, test, names = DATASETS[name]()(root, download)
    else:
        raise UnknownNameError(f"unknown dataset {name!r}: use {DATASET_HELP}")
    present = torch.unique(train.labels).numel()
    if len(names) < 2 or present < 2:  # one class trains to a meaningless "100%"
        raise DatasetError(
            f"{name}: the training images show {present} of its {len(names)} "
            "classes; a classifier needs images of at least two classes"
        )
    mean, std = channel_stats(train.images)
    ds = Dataset(name, names, train, test, mean, std, notes=tuple(notes))
    return ds.with_classes(list(classes)) if classes else ds
