"""Image trees (ImageFolder layout) as uint8 tensors, from a folder or a zip file.

Layout: ``<root>/<class>/*.png`` (a held-out test split is carved off), or
``<root>/train/<class>/...`` and ``<root>/test/<class>/...``. A zip may hold
one extra top-level folder (``cifar10-jpg.zip`` holds ``cifar10-jpg/...``).
Decoding tens of thousands of small JPEGs takes seconds, so the tensors are
cached under the user cache directory, keyed by the tree's names and sizes.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .errors import DatasetNotFoundError
from .paths import cache_dir

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
HELD_OUT = 1 / 6  # MNIST's own train/test ratio, for trees without a test/ folder
MAX_SIDE = 64  # larger images are resized to 32x32: LeNet-scale models expect small input


Parts = tuple[str, ...]


def _entries(root: Path) -> tuple[list[Parts], zipfile.ZipFile | None, str]:
    """Path parts of every image under root, the open zip if it is one, and its prefix."""
    if root.is_file() and zipfile.is_zipfile(root):
        zf = zipfile.ZipFile(root)
        names = [n for n in zf.namelist() if not n.endswith("/")]
    else:
        zf = None
        names = [os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
                 for d, _, files in os.walk(root) for f in files]
    items = [tuple(n.split("/")) for n in names if os.path.splitext(n)[1].lower() in IMAGE_SUFFIXES]
    # Strip a single wrapping folder, e.g. cifar10-jpg/train/... inside cifar10-jpg.zip.
    prefix = ""
    tops = {p[0] for p in items}
    if len(tops) == 1 and all(len(p) > 2 for p in items) and items[0][0] not in ("train", "test"):
        prefix = items[0][0] + "/"
        items = [p[1:] for p in items]
    return sorted(items), zf, prefix


def _layout(items: list[Parts]) -> dict[str, dict[str, list[str]]]:
    """{split: {class: [paths]}}; split is 'all' when there is no train/test folder."""
    out: dict[str, dict[str, list[str]]] = {}
    split_layout = any(p[0] in ("train", "test") and len(p) == 3 for p in items)
    for p in items:
        if split_layout and len(p) == 3 and p[0] in ("train", "test"):
            out.setdefault(p[0], {}).setdefault(p[1], []).append("/".join(p))
        elif not split_layout and len(p) == 2:
            out.setdefault("all", {}).setdefault(p[0], []).append("/".join(p))
    return out


def _decode(data: bytes, mode: str, size: tuple[int, int]) -> np.ndarray:
    img = Image.open(io.BytesIO(data)).convert(mode)
    if img.size != size:
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def _read(root: Path, zf, prefix: str, path: str) -> bytes:
    return zf.read(prefix + path) if zf else (root / path).read_bytes()


def load_tree(root: Path) -> tuple:
    """(train Split, test Split, class names) for an image tree or zip; cached."""
    from .data import Split  # here, not at the top: data imports this module

    items, zf, prefix = _entries(root)
    layout = _layout(items)
    if not layout:
        raise DatasetNotFoundError(
            f"no images found in {root}: expected <class>/<image> or train/<class>/<image> "
            f"with one of {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    classes = sorted({c for split in layout.values() for c in split})
    stat = root.stat()
    key = hashlib.sha256(repr((str(root.resolve()), stat.st_size, stat.st_mtime_ns, items))
                         .encode()).hexdigest()[:16]
    cached = cache_dir() / "imagefolders" / f"{key}.pt"
    if cached.exists():
        try:
            d = torch.load(cached, weights_only=True)
            return Split(d["xtr"], d["ytr"]), Split(d["xte"], d["yte"]), d["classes"]
        except Exception:  # a stale or broken cache is rebuilt, never trusted
            pass
    first = next(iter(next(iter(layout.values())).values()))[0]
    probe = Image.open(io.BytesIO(_read(root, zf, prefix, first)))
    mode = "L" if probe.mode in ("L", "1", "I;16") else "RGB"
    size = probe.size if max(probe.size) <= MAX_SIDE else (32, 32)

    def split(name: str) -> tuple[torch.Tensor, torch.Tensor]:
        paths, labels = [], []
        for label, cls in enumerate(classes):
            for p in layout.get(name, {}).get(cls, []):
                paths.append(p)
                labels.append(label)
        images = [_decode(_read(root, zf, prefix, p), mode, size) for p in paths]
        return torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.long)

    if "train" in layout:
        (xtr, ytr), (xte, yte) = split("train"), split("test")
    else:
        x, y = split("all")
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
        n_test = max(1, int(len(y) * HELD_OUT))
        te, tr = perm[:n_test], perm[n_test:]
        xtr, ytr, xte, yte = x[tr], y[tr], x[te], y[te]
    _save_cache(cached, {"xtr": xtr, "ytr": ytr, "xte": xte, "yte": yte, "classes": classes})
    return Split(xtr, ytr), Split(xte, yte), classes


def _save_cache(path: Path, obj: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(obj, tmp)
        tmp.replace(path)
    except OSError:  # a read-only cache only costs speed
        pass
