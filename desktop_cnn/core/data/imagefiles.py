"""Image trees (ImageFolder layout) as uint8 tensors, from a folder or a zip file.

Layout: ``<root>/<class>/*.png`` (a held-out test split is carved off), or
``<root>/train/<class>/...`` and ``<root>/test/<class>/...``. A zip may hold
one extra top-level folder (``cifar10-jpg.zip`` holds ``cifar10-jpg/...``).
Decoding tens of thousands of small JPEGs takes seconds, so the tensors are
cached under the user cache directory, keyed by every file's name, size and
modification time (a zip member's size and CRC): any change of content on disk
makes a new key, so the cache never serves pixels that are no longer there.

A file that cannot be decoded refuses the whole tree, naming it (and counting
the others): training quietly on fewer images than the user thinks is worse
than one line saying which file to fix or remove.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import DatasetError, DatasetNotFoundError
from ..files.paths import cache_dir
from .split import Split

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
HELD_OUT = 1 / 6  # MNIST's own train/test ratio, for trees without a test/ folder
MAX_SIDE = 64  # larger images are resized to 32x32: LeNet-scale models expect small input
CACHE_VERSION = 3  # bump when the cached layout or the decoding changes
PROBE = 200  # images whose headers decide the folder's size and mode
GREY_MODES = ("L", "LA", "1", "I", "I;16", "I;16L", "I;16B", "I;16N")


Parts = tuple[str, ...]


def _hidden(part: str) -> bool:
    """Entries torchvision's ImageFolder and file managers hide: .thumbnails, __MACOSX, ..."""
    return part.startswith((".", "__MACOSX", "@eaDir")) or part in ("Thumbs.db", "desktop.ini")


def _entries(root: Path) -> tuple[list[Parts], zipfile.ZipFile | None, str, list[str]]:
    """Path parts of every image under root, the open zip if it is one, its prefix, and
    notes on what was left out (hidden entries, images outside any class folder)."""
    if root.is_file() and zipfile.is_zipfile(root):
        zf = zipfile.ZipFile(root)
        names = [n for n in zf.namelist() if not n.endswith("/")]
    else:
        zf = None
        names = [
            os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
            for d, _, files in os.walk(root, followlinks=False)
            for f in files
        ]
    images = [
        tuple(n.split("/")) for n in names if os.path.splitext(n)[1].lower() in IMAGE_SUFFIXES
    ]
    items = [p for p in images if not any(_hidden(part) for part in p)]
    notes = []
    if len(items) < len(images):
        n = len(images) - len(items)
        notes.append(f"{n} image{'s' * (n != 1)} in hidden folders (.thumbnails, __MACOSX, ...)")
    # Strip wrapping folders (cifar10-jpg/train/... inside cifar10-jpg.zip): one folder that
    # holds every image cannot be the only class, as a classifier needs two.
    prefix = ""
    while True:
        loose = [p for p in items if len(p) == 1]
        tops = {p[0] for p in items if len(p) > 1}
        if len(tops) != 1 or tops & {"train", "test"} or not any(len(p) > 2 for p in items):
            break
        if loose:
            notes.append(_loose_note(len(loose), prefix))
        prefix += tops.pop() + "/"
        items = [p[1:] for p in items if len(p) > 1]
    loose = [p for p in items if len(p) == 1]
    if loose:
        notes.append(_loose_note(len(loose), prefix))
    return sorted(p for p in items if len(p) > 1), zf, prefix, notes


def _loose_note(n: int, where: str) -> str:
    return f"{n} image{'s' * (n != 1)} at {where or 'the top'}/ outside any class folder"


def _layout(items: list[Parts]) -> dict[str, dict[str, list[str]]]:
    """{split: {class: [paths]}}; split is 'all' when there is no train/test folder.

    As torchvision's ImageFolder: every image under a class folder, however deep, is that
    class's (``bird/sub/x.png`` is a bird).
    """
    out: dict[str, dict[str, list[str]]] = {}
    split_layout = any(p[0] in ("train", "test") and len(p) >= 3 for p in items)
    for p in items:
        if split_layout and len(p) >= 3 and p[0] in ("train", "test"):
            out.setdefault(p[0], {}).setdefault(p[1], []).append("/".join(p))
        elif not split_layout:
            out.setdefault("all", {}).setdefault(p[0], []).append("/".join(p))
    return out


def _mixed(root: Path, items: list[Parts]) -> None:
    """Refuse class folders beside train/ and test/: which would they belong to?"""
    if not any(p[0] in ("train", "test") and len(p) >= 3 for p in items):
        return
    others = sorted({p[0] for p in items if p[0] not in ("train", "test")})
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise DatasetError(
            f"{root} has train/ and test/ and also class folders beside them ({shown}): move "
            "those into train/ (and test/), or move everything out of train/ and test/"
        )


def _check_layout(root: Path, layout: dict[str, dict[str, list[str]]]) -> list[str]:
    """The class names, or a DatasetError saying what the tree lacks."""
    if not layout:
        raise DatasetNotFoundError(
            f"no images found in {root}: expected <class>/<image> or train/<class>/<image> "
            f"with one of {', '.join(sorted(IMAGE_SUFFIXES))}"
        )
    for have, lack in (("train", "test"), ("test", "train")):
        if have in layout and lack not in layout:
            raise DatasetError(
                f"{root} has {have}/ but no {lack}/<class>/ images: add them, or move the class "
                f"folders out of {have}/ to the top so a test split is carved off"
            )
    train = layout.get("train", layout.get("all", {}))
    classes = sorted({c for split in layout.values() for c in split})
    if len(classes) < 2:
        raise DatasetError(
            f"{root} has only one class ({', '.join(classes)}): a classifier "
            "needs at least two, one sub-folder of images per class"
        )
    untrained = [c for c in classes if c not in train]
    if untrained:
        raise DatasetError(
            f"{root}: class {untrained[0]!r} has test images but no training "
            f"images in train/{untrained[0]}/"
        )
    return classes


def _fingerprint(root: Path, zf: zipfile.ZipFile | None, prefix: str, items: list[Parts]) -> str:
    """A key that changes whenever any image's bytes may have changed."""
    h = hashlib.sha256(repr((CACHE_VERSION, str(root.resolve()))).encode())
    for p in items:
        name = prefix + "/".join(p)
        if zf is not None:
            zi = zf.getinfo(name)
            h.update(repr((name, zi.file_size, zi.CRC)).encode())
        else:
            try:
                st = (root / name).stat()
            except OSError as exc:  # removed or made unreadable while we looked
                raise DatasetError(f"{root / name} cannot be read ({exc.strerror})") from None
            h.update(repr((name, st.st_size, st.st_mtime_ns)).encode())
    return h.hexdigest()[:24]


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit (and 32-bit integer) greyscale scaled to 0..255, not clipped: a 16-bit white is
    65535, which convert("L") would clip to 255 along with every grey above 255."""
    if img.mode not in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
        return img
    arr = np.asarray(img, dtype=np.float64)
    top = 65535.0 if img.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
    return Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).round().astype(np.uint8), "L")


def _decode(data: bytes, mode: str, size: tuple[int, int]) -> np.ndarray:
    img = _to_8bit(Image.open(io.BytesIO(data))).convert(mode)
    if img.size != size:
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    arr = np.asarray(img, dtype=np.uint8)
    return arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def _read(root: Path, zf: zipfile.ZipFile | None, prefix: str, path: str) -> bytes:
    return zf.read(prefix + path) if zf else (root / path).read_bytes()


class _Decoder:
    """Decodes a tree's images to one mode and size, collecting the files that fail."""

    def __init__(self, root: Path, zf: zipfile.ZipFile | None, prefix: str) -> None:
        self.root, self.zf, self.prefix = root, zf, prefix
        self.mode, self.size = "L", (0, 0)
        self.failed: list[tuple[str, str]] = []  # (path, why)

    def probe(self, paths: list[str]) -> None:
        """Take mode and size from the images most of a sample have (not the first one's:
        one tiny or huge image must not resize the whole folder); colour if any is colour."""
        step = max(1, len(paths) // PROBE)
        sizes: dict[tuple[int, int], int] = {}
        for p in paths[::step]:
            try:  # the header only: Image.open reads no pixels
                img = Image.open(io.BytesIO(_read(self.root, self.zf, self.prefix, p)))
            except Exception:  # noqa: BLE001 - reported by decode() for this file
                continue
            if img.mode not in GREY_MODES:
                self.mode = "RGB"
            sizes[img.size] = sizes.get(img.size, 0) + 1
        if sizes:
            size = max(sizes, key=lambda k: (sizes[k], k[0] * k[1]))
            self.size = size if max(size) <= MAX_SIDE else (32, 32)

    def decode(self, path: str) -> np.ndarray | None:
        try:
            return _decode(_read(self.root, self.zf, self.prefix, path), self.mode, self.size)
        # PIL raises OSError, ValueError, SyntaxError, DecompressionBombError, ... for bad
        # bytes; a zip member can fail its CRC (BadZipFile). Each is this file's fault.
        except Exception as exc:  # noqa: BLE001
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.failed.append((path, why[:120]))
            return None

    def raise_failures(self) -> None:
        if not self.failed:
            return
        path, why = self.failed[0]
        more = len(self.failed) - 1
        others = f" and {more} other file{'s' * (more != 1)}" if more else ""
        where = f"{self.root}!{self.prefix}{path}" if self.zf else str(self.root / path)
        raise DatasetError(
            f"{where} cannot be read as an image ({why}){others}: fix or "
            "remove the unreadable files and load the folder again"
        )


def load_tree(root: Path, notes: list[str] | None = None) -> tuple[Split, Split, list[str]]:
    """(train Split, test Split, class names) for an image tree or zip; cached.

    What was left out (hidden folders, images outside a class folder) is added to ``notes``.
    """
    items, zf, prefix, left_out = _entries(root)
    if notes is not None:
        notes.extend(left_out)
    _mixed(root, items)
    layout = _layout(items)
    classes = _check_layout(root, layout)
    cached = cache_dir() / "imagefolders" / f"{_fingerprint(root, zf, prefix, items)}.pt"
    if cached.exists():
        try:
            d = torch.load(cached, weights_only=True)
            return Split(d["xtr"], d["ytr"]), Split(d["xte"], d["yte"]), d["classes"]
        except Exception:  # noqa: BLE001 - a broken cache is rebuilt, never trusted
            pass
    dec = _Decoder(root, zf, prefix)
    dec.probe([p for split in layout.values() for paths in split.values() for p in paths])

    def split(name: str) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = [], []
        for label, cls in enumerate(classes):
            for p in layout.get(name, {}).get(cls, []):
                arr = dec.decode(p)
                if arr is not None:
                    images.append(arr)
                    labels.append(label)
        if not images:
            return torch.zeros((0, 1, 1, 1), dtype=torch.uint8), torch.zeros(0, dtype=torch.long)
        return torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.long)

    if "train" in layout:
        (xtr, ytr), (xte, yte) = split("train"), split("test")
    else:
        x, y = split("all")
        perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
        n_test = max(1, int(len(y) * HELD_OUT))
        te, tr = perm[:n_test], perm[n_test:]
        xtr, ytr, xte, yte = x[tr], y[tr], x[te], y[te]
    dec.raise_failures()
    if len(ytr) == 0 or len(yte) == 0:
        raise DatasetError(
            f"{root} has too few images to train and test on: put at least "
            "two images in each class folder"
        )
    _save_cache(cached, {"xtr": xtr, "ytr": ytr, "xte": xte, "yte": yte, "classes": classes})
    return Split(xtr, ytr), Split(xte, yte), classes


def _save_cache(path: Path, obj: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(obj, tmp)
        tmp.replace(path)
    except (OSError, RuntimeError):  # a read-only or full cache only costs speed
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
