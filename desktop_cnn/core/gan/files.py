"""Generator files: self-describing like classifier files, and never mistaken for one.

A file is ``{"format": "desktop-cnn-gan", "format_version", "info",
"generator", "discriminator", "fixed_noise", "training_state"}``: both nets'
specs and weights, the recipe, the data, the history and the quality, written
atomically (temp file, fsync, rename) and read with ``weights_only=True``.
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError, SaveError
from ..files.atomic import remove_stale_temps, temp_beside, write_failure
from ..files.checkpoints import FORMAT as CLASSIFIER_FORMAT
from ..files.checkpoints import _read, versions
from ..spec.layers import SpecError
from .nets import build_net
from .train import GanConfig, GanState

GAN_FORMAT = "desktop-cnn-gan"
GAN_VERSION = 1
HISTORY_KEYS = ("loss_d", "loss_g", "d_x", "d_gz")


def save_generator(path: str | os.PathLike[str], state: GanState, resumable: bool = True) -> Path:
    """Write ``state`` to ``path`` atomically; SaveError (one line) when it cannot be written.

    ``resumable``: keep the optimizers' state, for ``gan train --resume``.
    """
    path = Path(path)
    info = {
        "kind": "generator",
        "generator_spec": state.g_json,
        "discriminator_spec": state.d_json,
        "dataset": state.dataset,
        "classes": list(state.classes),
        "image_shape": list(state.image_shape),
        "nz": state.nz,
        "step": state.step,
        "config": state.config_dict(),
        "quality": dict(state.quality),
        "history": {
            k: torch.tensor(state.history.get(k, []), dtype=torch.float32) for k in HISTORY_KEYS
        },
        "versions": versions(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    payload = {
        "format": GAN_FORMAT,
        "format_version": GAN_VERSION,
        "info": info,
        "generator": _cpu(state.generator.state_dict()),
        "discriminator": _cpu(state.discriminator.state_dict()),
        "fixed_noise": state.fixed_noise.cpu(),
        "training_state": state.optimizers if resumable and state.optimizers else None,
    }
    _atomic_save(payload, path)
    return path


def _cpu(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu() for k, v in sd.items()}


def _atomic_save(payload: dict[str, Any], path: Path) -> None:
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent)
        fd, tmp = temp_beside(path)
    except OSError as exc:
        raise SaveError(f"cannot write {path}: {write_failure(exc, path)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError | RuntimeError):
            old = " (the previous file is unchanged)" if path.exists() else ""
            raise SaveError(f"cannot write {path}: {write_failure(exc, path)}{old}") from None
        raise


def load_generator(path: str | os.PathLike[str]) -> GanState:
    """A generator file back as a GanState (both nets in eval mode); one CheckpointError line
    for anything else, a classifier file included."""
    path = Path(path)
    obj = _read(path, "cpu")
    if isinstance(obj, dict) and obj.get("format") == CLASSIFIER_FORMAT:
        info = obj.get("info") if isinstance(obj.get("info"), dict) else {}
        what = f" ({info.get('arch')} on {info.get('dataset')})" if info else ""
        raise CheckpointError(
            f"{path} is a classifier{what}, not a generator: make a generator with "
            "`desktop-cnn gan train`"
        )
    if not isinstance(obj, dict) or obj.get("format") != GAN_FORMAT:
        raise CheckpointError(f"{path} is not a generator file (made by `desktop-cnn gan train`)")
    version = obj.get("format_version", 0)
    if not isinstance(version, int) or version > GAN_VERSION:
        raise CheckpointError(f"{path} was written by a newer desktop-cnn; please upgrade")
    try:
        return _state(obj)
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError, SpecError) as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else ""
        raise CheckpointError(
            f"{path} is a damaged generator file ({type(exc).__name__}: {first})"
        ) from None


def _state(obj: dict[str, Any]) -> GanState:
    info = obj["info"]
    g, d = build_net(info["generator_spec"]), build_net(info["discriminator_spec"])
    g.load_state_dict(obj["generator"])
    d.load_state_dict(obj["discriminator"])
    known = set(GanConfig.__dataclass_fields__)
    cfg = {k: v for k, v in info.get("config", {}).items() if k in known}
    cfg["classes"] = tuple(cfg.get("classes", ()))
    history = {k: [float(x) for x in v.tolist()] for k, v in info.get("history", {}).items()}
    training = obj.get("training_state")
    noise = obj["fixed_noise"]
    if not isinstance(noise, torch.Tensor) or noise.ndim != 4:
        raise ValueError("fixed_noise is not a (N, nz, 1, 1) tensor")
    return GanState(
        g.eval(),
        d.eval(),
        info["generator_spec"],
        info["discriminator_spec"],
        GanConfig(**cfg),
        str(info["dataset"]),
        [str(c) for c in info["classes"]],
        noise,
        int(info.get("step", 0)),
        training if isinstance(training, dict) else {},
        history,
        dict(info.get("quality", {})),
    )
