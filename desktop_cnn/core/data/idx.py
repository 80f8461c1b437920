"""Check MNIST-style IDX files before torchvision parses them.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the data. torchvision
trusts the header, so a damaged file ends in an error that names no file, or
in a tensor of the wrong shape. Here every file is checked against what an
MNIST-style dataset needs: unsigned bytes, 3-d images and 1-d labels, a length
that matches the header, as many labels as images, labels below the class count.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

from ..errors import DatasetError

UBYTE = 0x08  # the only type code MNIST, Fashion-MNIST and KMNIST use
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_header(path: Path, ndim: int) -> tuple[int, ...]:
    """The dimensions in ``path``'s header; DatasetError when it is not a ubyte IDX of ``ndim``."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(4 + 4 * ndim)
    except OSError as exc:
        raise DatasetError(f"{path} cannot be read ({exc.strerror or exc})") from None
    fix = "download it again or replace it with an intact copy"
    if size == 0:
        raise DatasetError(f"{path} is empty: {fix}")
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] != UBYTE or head[3] != ndim:
        raise DatasetError(
            f"{path} is not an MNIST-style file (bad magic number "
            f"{head[:4].hex() or 'missing'}, expected 0000080{ndim}): {fix}"
        )
    if len(head) < 4 + 4 * ndim:
        raise DatasetError(f"{path} is cut off inside its header: {fix}")
    dims = struct.unpack(f">{ndim}I", head[4:])
    expected = 4 + 4 * ndim + math.prod(dims)  # one byte per value
    if size != expected:
        raise DatasetError(
            f"{path} holds {size:,} bytes but its header ({'x'.join(map(str, dims))}"
            f") needs {expected:,}: {fix}"
        )
    return dims


def check_split(raw: Path, split: str, num_classes: int) -> None:
    """Check one split's image and label files (both present) against each other."""
    images, labels = (raw / name for name in SPLITS[split])
    n, h, w = read_header(images, 3)
    (k,) = read_header(labels, 1)
    if n != k:
        raise DatasetError(
            f"{images.name} holds {n:,} images but {labels.name} {k:,} labels: "
            f"the two files in {raw} do not belong together"
        )
    if n == 0 or h == 0 or w == 0:
        raise DatasetError(f"{images} holds no images ({n}x{h}x{w})")
    top = max(labels.read_bytes()[8:]) if k else 0
    if top >= num_classes:
        raise DatasetError(
            f"{labels} has label {top}, but the dataset has only {num_classes} "
            f"classes (0 to {num_classes - 1}): the file is damaged"
        )


def check_folder(raw: Path, num_classes: int) -> None:
    """Check every split whose files are all present; missing files are reported elsewhere."""
    for split, names in SPLITS.items():
        if all((raw / name).exists() for name in names):
            check_split(raw, split, num_classes)
