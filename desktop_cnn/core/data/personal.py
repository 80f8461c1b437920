"""A personal dataset: the user's own drawings with the labels they gave them.

Each drawing is kept as drawn (a PNG of the canvas), so it can be read again
by the same preprocessing the model uses, whatever changes later; an
``index.json`` beside the PNGs holds the labels. Both are written to a temp
file and renamed, the PNG before the index entry that names it: a crash
leaves at most an unlisted PNG, never an entry without its image.

Layout: ``<user home>/personal/<dataset>/{index.json, 00001.png, ...}``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import torch
from PIL import Image

from ..errors import DesktopCnnError
from ..files import jsonsafe
from ..files.paths import user_home
from ..files.safetext import clean
from .datasets import Split
from .preprocess import prepare

INDEX = "index.json"
INDEX_VERSION = 1


class PersonalDataError(DesktopCnnError):
    """The personal dataset's index cannot be read or written."""


@dataclass(frozen=True)
class Drawing:
    id: int
    file: str  # name of the PNG in the dataset's folder
    label: str  # the class name the user gave it (names survive a change of class order)
    predicted: str = ""  # what the model said when it was saved
    created: str = ""  # ISO time, UTC


def folder_name(dataset: str) -> str:
    """A folder for any dataset name: ``imagefolder:/data/pets`` -> ``imagefolder_data_pets``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", dataset).strip("_") or "dataset"


class PersonalSet:
    """The drawings saved for one dataset (e.g. ``mnist``); changed on one thread at a time."""

    def __init__(self, dataset: str, home: Path | None = None) -> None:
        self.dataset = dataset
        self.dir = (home or user_home()) / "personal" / folder_name(dataset)
        self.skipped: list[str] = []  # why entries of the last items() were ignored, one line each

    # --- reading ---------------------------------------------------------------------------
    def items(self) -> list[Drawing]:
        """The drawings in the order they were saved; [] when there are none yet.

        The index is a file anyone can edit: an entry whose file is not a plain name in this
        folder (absolute, ``../``, a sub-folder), whose id is not a positive whole number or
        repeats one, or whose texts are not text, is ignored and its reason kept in
        ``skipped``: it is never followed, shown or deleted.
        """
        path = self.dir / INDEX
        self.skipped = []
        try:
            raw = jsonsafe.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise PersonalDataError(f"cannot read {path}: {exc}") from None
        entries = raw.get("drawings") if isinstance(raw, dict) else None
        if not isinstance(entries, list):
            raise PersonalDataError(f"{path} is damaged (no list of drawings)")
        drawings: list[Drawing] = []
        for n, entry in enumerate(entries, 1):
            d, why = self._entry(entry)
            if d is not None and any(k.id == d.id for k in drawings):
                why = f"its id {d.id} repeats an earlier one"
                d = None
            if d is None:
                self.skipped.append(f"entry {n} of {path} is ignored: {why}")
            else:
                drawings.append(d)
        return drawings

    def _entry(self, entry: object) -> tuple[Drawing | None, str]:
        """One index entry as a Drawing, or None and why it is unusable (ignored)."""
        try:  # not a record at all: the index is damaged, not one entry
            d = Drawing(**entry)  # type: ignore[arg-type]
        except TypeError as exc:
            raise PersonalDataError(f"{self.dir / INDEX} is damaged ({clean(exc)})") from None
        if not isinstance(d.id, int) or isinstance(d.id, bool) or d.id < 1:
            return None, f"its id {clean(repr(d.id))} is not a positive whole number"
        if not all(isinstance(v, str) for v in (d.file, d.label, d.predicted, d.created)):
            return None, "its file, label and dates must be text"
        if not self.inside(d.file):
            return None, f"its file {clean(d.file)!r} is not a file in {self.dir}"
        return d, ""

    def inside(self, name: str) -> bool:
        """Whether ``name`` is a plain file name that stays in this folder (no path, no ``..``)."""
        if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
            return False
        folder = self.dir.resolve()
        return (folder / name).resolve().parent == folder and Path(name).name == name

    def __len__(self) -> int:
        return len(self.items())

    def image(self, drawing: Drawing) -> Image.Image:
        """The drawing's PNG; PersonalDataError (one line) when it is missing or unreadable."""
        path = self.dir / drawing.file
        if not self.inside(drawing.file):
            raise PersonalDataError(f"{clean(drawing.file)} is not a file in {self.dir}")
        try:
            with Image.open(path) as img:
                gray: Image.Image = img.convert("L")  # PIL's context manager: untyped
                return gray
        except FileNotFoundError:
            raise PersonalDataError(f"drawing {drawing.id}: {path} is missing") from None
        except Exception as exc:  # noqa: BLE001 - PIL fails on bad bytes in many ways
            raise PersonalDataError(
                f"drawing {drawing.id}: {path} cannot be read ({type(exc).__name__})"
            ) from None

    def load(
        self,
        classes: Sequence[str],
        input_shape: Sequence[int],
    ) -> tuple[Split, list[Drawing]]:
        """The split and the drawing behind each of its rows.

        ``prepare`` with mean 0 and std 1 is the Draw panel's path minus the
        normalisation (the training loader normalises). Drawings whose label is
        not one of ``classes`` are left out; so is an empty drawing.
        """
        c = input_shape[0]
        images, labels, kept = [], [], []
        for d in self.items():
            if d.label not in classes:
                continue
            try:
                img = self.image(d)
            except PersonalDataError as exc:  # a deleted PNG: left out, and said
                self.skipped.append(str(exc))
                continue
            x, _ = prepare(img, input_shape, (0.0,) * c, (1.0,) * c)
            if x is None:
                continue
            images.append((x[0] * 255).round().clamp(0, 255).to(torch.uint8))
            labels.append(list(classes).index(d.label))
            kept.append(d)
        if not images:
            empty = Split(
                torch.zeros((0, *input_shape), dtype=torch.uint8), torch.zeros(0, dtype=torch.long)
            )
            return empty, []
        return Split(torch.stack(images), torch.tensor(labels, dtype=torch.long)), kept

    # --- changing ------------------------------------------------------------------------
    def add(self, image: Image.Image, label: str, predicted: str = "") -> Drawing:
        drawings = self.items()
        new_id = max((d.id for d in drawings), default=0) + 1
        while (self.dir / f"{new_id:05d}.png").exists():  # an unlisted PNG is kept, not replaced
            new_id += 1
        created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        drawing = Drawing(new_id, f"{new_id:05d}.png", label, predicted, created)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write(drawing.file, lambda f: image.convert("L").save(f, format="PNG"))
        self._save_index([*drawings, drawing])
        return drawing

    def delete(self, drawing_id: int) -> None:
        drawings = self.items()
        gone = [d for d in drawings if d.id == drawing_id]
        if not gone:
            return
        self._save_index([d for d in drawings if d.id != drawing_id])
        for d in gone:  # after the index: an unlisted PNG is harmless, a missing one is not
            if self.inside(d.file):  # items() checked it; checked again where it matters
                (self.dir / d.file).unlink(missing_ok=True)

    def clear(self) -> None:
        for d in self.items():
            self.delete(d.id)

    def _save_index(self, drawings: list[Drawing]) -> None:
        payload = {
            "version": INDEX_VERSION,
            "dataset": self.dataset,
            "drawings": [asdict(d) for d in drawings],
        }
        text = json.dumps(payload, indent=1)
        self._write(INDEX, lambda f: f.write(text.encode("utf-8")))

    def _write(self, name: str, write: Callable[[IO[bytes]], object]) -> None:
        """Temp file in the same folder, fsync, rename: readers see the old or the new file."""
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.dir)
        except OSError as exc:
            raise PersonalDataError(f"cannot write to {self.dir}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes it private; these are ordinary files
            os.replace(tmp, self.dir / name)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise PersonalDataError(f"cannot write {self.dir / name}: {exc}") from None
