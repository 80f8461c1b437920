"""Test images for evaluation without a data folder: the MNIST test set ships with the app.

``load_test_data`` gives a dataset whose test split can be evaluated: the full
dataset when its files are on disk (never downloading MNIST for this), else,
for MNIST, the 10,000 genuine test images in ``assets/mnist`` (with an empty
training split), else the usual load, which may download. So ``eval``, the
Mistakes tab and "Random test image" work on a computer that was never online.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Sequence

import torch

from ..errors import DatasetError, DatasetNotFoundError
from ..files.paths import resource_path
from .datasets import Dataset, load_dataset
from .split import Split

SHIPPED = "assets/mnist"
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
IMAGES_SHA256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
LABELS_SHA256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
# The published statistics of MNIST's training images (there are none shipped to measure)
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
MAX_UNPACKED = 8_000_000  # bytes: the images file is 7,840,016


def _unpack(name: str, sha256: str) -> bytes:
    path = resource_path(f"{SHIPPED}/{name}")
    try:
        with gzip.open(path, "rb") as f:
            data = f.read(MAX_UNPACKED + 1)
    except (OSError, EOFError) as exc:
        raise DatasetError(f"the shipped MNIST test set {path} cannot be read ({exc})") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DatasetError(f"the shipped MNIST test set {path} is damaged: reinstall the app")
    return data


def shipped_mnist_test() -> Split:
    """The 10,000 MNIST test images (N, 1, 28, 28) uint8 and their labels, from the assets."""
    images = _unpack(IMAGES, IMAGES_SHA256)
    labels = _unpack(LABELS, LABELS_SHA256)
    n = int.from_bytes(images[4:8], "big")
    x = torch.frombuffer(bytearray(images[16:]), dtype=torch.uint8).reshape(n, 1, 28, 28)
    y = torch.frombuffer(bytearray(labels[8:]), dtype=torch.uint8).long()
    return Split(x.clone(), y.clone())


def shipped_mnist() -> Dataset:
    """MNIST with the shipped test split and no training images."""
    empty = Split(torch.zeros((0, 1, 28, 28), dtype=torch.uint8), torch.zeros(0, dtype=torch.long))
    classes = [str(i) for i in range(10)]
    return Dataset("mnist", classes, empty, shipped_mnist_test(), MNIST_MEAN, MNIST_STD)


def has_shipped(name: str) -> bool:
    return name == "mnist" and resource_path(f"{SHIPPED}/{IMAGES}").exists()


def load_test_data(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    classes: Sequence[str] | None = None,
) -> Dataset:
    """A dataset to evaluate on: on disk, else shipped (MNIST), else loaded as usual."""
    if not has_shipped(name):
        return load_dataset(name, data_dir, classes)
    try:
        return load_dataset(name, data_dir, classes, download=False)
    except DatasetNotFoundError:  # no data folder yet: the shipped test set is the same one
        data = shipped_mnist()
        return data.with_classes(list(classes)) if classes else data
