"""Where a trained model goes: room checked before the work, a fallback place if the save fails.

``check_output_path`` runs before a run starts, so an unwritable place costs no training;
``save_with_fallback`` puts the model in the user's models folder when the asked-for place
fails at the end, so a finished run is never lost.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..errors import SaveError
from .atomic import fit_bytes, free_bytes, is_device, name_max
from .checkpoints import ModelInfo, save_checkpoint
from .paths import models_dir


def checkpoint_bytes(model: torch.nn.Module, with_training_state: bool = False) -> int:
    """About how large a checkpoint of ``model`` will be: weights, metadata, optimizer state."""
    weights: int = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    # Adam/AdamW keep two moments per weight (SGD one), so 3x covers the optimizer;
    # 1 MiB covers the metadata, loss history and the zip container.
    return weights * (3 if with_training_state else 1) + (1 << 20)


def check_output_path(path: str | os.PathLike[str], nbytes: int = 0) -> Path:
    """Refuse, before any work, an output path that cannot be written or has no room.

    ``path`` must not be a folder; its folder (or the nearest existing parent,
    when the folders are to be made) must be a writable folder with ``nbytes`` free.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise SaveError(
            f"cannot write {path}: it is a folder; give a file name such as {path / 'model.pt'}"
        )
    if is_device(path):  # /dev/null: written through; nothing is made beside it
        return path
    folder = next(p for p in (path.parent, *path.parent.parents) if p.exists() or p == p.parent)
    if not folder.is_dir():
        raise SaveError(f"cannot write {path}: {folder} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".desktop-cnn-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SaveError(
            f"cannot write {path}: {folder} is not writable ({exc.strerror or exc})"
        ) from None
    free = free_bytes(folder)
    if free < nbytes:
        raise SaveError(
            f"cannot write {path}: {free / 1e6:.1f} MB free in {folder}, a model "
            f"file needs about {nbytes / 1e6:.1f} MB: make room or choose another "
            "place"
        )
    return path


@dataclass
class Saved:
    """Where a model went; ``error`` is one line when it is not where it was asked to go."""

    path: Path
    error: str = ""


def save_with_fallback(
    path: str | os.PathLike[str],
    model: torch.nn.Module,
    info: ModelInfo,
    training_state: dict[str, Any] | None = None,
) -> Saved:
    """Save to ``path``; if that fails, to the user's models folder, so no trained model is lost.

    Raises SaveError only when both places fail.
    """
    try:
        return Saved(save_checkpoint(path, model, info, training_state))
    except SaveError as exc:
        first = str(exc)
    fallback = _fallback_path(Path(path).stem or "model")
    try:
        save_checkpoint(fallback, model, info, training_state)
    except SaveError as exc:
        raise SaveError(f"{first}; the fallback failed too: {exc}") from None
    return Saved(fallback, f"{first}; the trained model is saved as {fallback} instead")


def _fallback_path(name: str) -> Path:
    """A new file in the models folder: two fallbacks in one second must not overwrite."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = models_dir()
    # The name with its stamp, a counter and .pt must fit the file system, in bytes.
    name = fit_bytes(name, name_max(folder) - len(f"-{stamp}-9999.pt"))
    path, n = folder / f"{name}-{stamp}.pt", 1
    while path.exists():
        n += 1
        path = folder / f"{name}-{stamp}-{n}.pt"
    return path
