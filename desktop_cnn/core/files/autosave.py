"""Every finished run is saved at once to the models folder, so no trained model is lost.

Files are named ``autosave-<model>-<dataset>-<accuracy>-<YYYYmmdd-HHMMSS>.pt``
(e.g. ``autosave-lenet5-mnist-98.7pct-20260101-120000.pt``) in ``models_dir()``;
only the newest ``KEEP`` auto-saves are kept there (models the user saved
under another name are never touched).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path

import torch

from .checkpoints import ModelInfo, save_checkpoint
from .paths import models_dir

KEEP = 10  # auto-saves kept in the models folder; older ones are deleted
PREFIX = "autosave-"
_STAMP = re.compile(r"-(\d{8}-\d{6})(?:-(\d+))?\.pt$")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:40] or "model"


def autosave_name(info: ModelInfo, now: _dt.datetime) -> str:
    acc = info.metrics.get("test_accuracy")
    acc_s = f"{acc * 100:.1f}pct" if isinstance(acc, float) and math.isfinite(acc) else "noacc"
    dataset = _slug(info.dataset.split(":")[0])
    return f"{PREFIX}{_slug(info.arch)}-{dataset}-{acc_s}-{now:%Y%m%d-%H%M%S}.pt"


def autosaves(folder: Path) -> list[Path]:
    """The auto-saves in ``folder``, newest first (the name's time stamp orders them)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob(f"{PREFIX}*.pt") if p.is_file()]
    return sorted(found, key=_when, reverse=True)


def _when(path: Path) -> tuple[str, int]:
    m = _STAMP.search(path.name)
    return (m.group(1), int(m.group(2) or 1)) if m else ("", 0)


def prune(folder: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` auto-saves; the deleted paths."""
    gone = []
    for path in autosaves(folder)[keep:]:
        try:
            path.unlink()
            gone.append(path)
        except OSError:  # read-only or in use: left for next time
            pass
    return gone


def autosave(
    model: torch.nn.Module,
    info: ModelInfo,
    folder: Path | None = None,
    now: _dt.datetime | None = None,
    keep: int = KEEP,
) -> Path:
    """Save ``model`` as a new auto-save (atomically) and prune the old ones; its path."""
    folder = folder or models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    now = now or _dt.datetime.now()
    path = folder / autosave_name(info, now)
    n = 1
    while path.exists():  # two runs in one second
        n += 1
        path = path.with_name(f"{path.stem}-{n}.pt")
    save_checkpoint(path, model, info)
    prune(folder, keep)
    return path
