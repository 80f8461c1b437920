"""Self-describing model files: weights plus everything needed to use them.

A checkpoint is a plain dict ``{"format", "format_version", "info", "state_dict",
"training_state"}`` written with ``torch.save`` to a temp file in the target
directory and renamed over the target, so a crash never leaves half a file.
Loading uses ``weights_only=True``: a file that would run code is refused.
A bare ``state_dict`` saved the book's way is recognised by its keys and shapes.
Where a model goes when its place fails: save_policy.py; what a refused file
would run: pickle_scan.py.
"""

from __future__ import annotations

import datetime as _dt
import errno
import math
import os
import pickle
import warnings
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

from ... import __version__
from ..errors import CheckpointError, SaveError, UnknownNameError
from ..models import arch_name, build_model, spec_for
from ..spec.base import NamedActivations
from ..spec.layers import NetSpec, SpecError
from .atomic import (
    interrupts_deferred,
    is_device,
    remove_stale_temps,
    replace_with,
    temp_beside,
    write_failure,
)
from .model_checks import check_fit, check_info, check_state
from .pickle_scan import code_globals
from .safetext import clean_all
from .state_import import guess_architecture

FORMAT = "desktop-cnn-checkpoint"
FORMAT_VERSION = 1


@dataclass
class ModelInfo:
    """What a model is and how to feed it; saved beside the weights."""

    arch: str
    arch_args: dict[str, Any]
    dataset: str
    classes: list[str]
    input_shape: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    train_config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)  # test_accuracy, per_class, ...
    history: dict[str, Any] = field(default_factory=dict)  # batch_loss, epochs
    versions: dict[str, str] = field(default_factory=dict)
    created: str = ""
    notes: list[str] = field(default_factory=list)  # what was assumed on import

    def __post_init__(self) -> None:
        # A Trainer given a NetSpec passes it on as ``arch``: keep its name here (its layers
        # are in arch_args["spec"]), so the metadata stays plain JSON-like data.
        self.arch = arch_name(self.arch)

    @property
    def spec(self) -> NetSpec:
        """The model as a spec: its own (``arch_args["spec"]``) or its preset's; SpecError
        for a model that is not a chain of layers (the DCGAN generator)."""
        return spec_for(self.arch, self.arch_args)

    @property
    def is_digits(self) -> bool:
        return self.input_shape[0] == 1

    @property
    def title(self) -> str:
        acc = self.metrics.get("test_accuracy")
        known = isinstance(acc, float) and math.isfinite(acc)
        acc_s = f", {self.held_out} accuracy {acc:.1%}" if known else ""
        return f"{self.arch} on {self.dataset}{acc_s}"

    @property
    def held_out(self) -> str:
        """What ``metrics["test_accuracy"]`` was measured on: "test" or "validation"."""
        return str(self.metrics.get("evaluated_on", "test"))


@dataclass
class Checkpoint:
    model: NamedActivations
    info: ModelInfo
    training_state: dict[str, Any] | None = None  # optimizer, scheduler, epoch: for --resume
    path: Path | None = None


def versions() -> dict[str, str]:
    import torchvision

    # str(): torch.__version__ is a TorchVersion, which weights_only loading refuses.
    return {
        "desktop_cnn": __version__,
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
    }


def _plain(info: ModelInfo) -> dict[str, Any]:
    """The info as builtins and tensors only, which weights_only can read back."""
    d = asdict(info)
    losses = d["history"].get("batch_loss")
    if isinstance(losses, list):  # a float32 tensor is 4 bytes a point, a pickled float 9
        d["history"] = {**d["history"], "batch_loss": torch.tensor(losses, dtype=torch.float32)}
    d["input_shape"] = list(d["input_shape"])
    d["mean"], d["std"] = list(d["mean"]), list(d["std"])
    return d


def save_checkpoint(
    path: str | os.PathLike[str],
    model: torch.nn.Module,
    info: ModelInfo,
    training_state: dict[str, Any] | None = None,
) -> Path:
    """Write atomically: a temp file beside ``path``, fsync, then rename over it.

    Raises SaveError (an OSError) with one line when the file cannot be written;
    a previous file at ``path`` is then unchanged.
    """
    path = Path(path)
    info.versions = info.versions or versions()
    info.created = info.created or _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "info": _plain(info),
        "state_dict": state,
        "training_state": training_state,
    }
    if is_device(path):  # /dev/null: written through, with no temp file beside a device
        try:
            with interrupts_deferred(), open(path, "wb") as f:
                torch.save(payload, f)
        except (OSError, RuntimeError) as exc:
            raise SaveError(f"cannot write {path}: {write_failure(exc, path)}") from None
        return path
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent)  # what an interrupted earlier save left behind
        fd, tmp = temp_beside(path)
    except OSError as exc:
        raise SaveError(f"cannot write {path}: {write_failure(exc, path)}") from None
    try:
        # Ctrl+C waits for the save: the file is then whole, and the interrupt comes after.
        with interrupts_deferred():
            with os.fdopen(fd, "wb") as f:
                torch.save(payload, f)
                f.flush()
                os.fsync(f.fileno())
            # mkstemp makes the file private (0600); a model file is an ordinary document.
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.is_file() else 0o644)
            replace_with(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError | RuntimeError):  # torch reports a full disk as RuntimeError
            old = " (the previous file is unchanged)" if path.exists() else ""
            raise SaveError(f"cannot write {path}: {write_failure(exc, path)}{old}") from None
        raise
    return path


def _info_from_dict(d: dict[str, Any]) -> ModelInfo:
    known = {f.name for f in fields(ModelInfo)}
    d = {k: v for k, v in d.items() if k in known}
    hist = dict(d.get("history") or {})
    if isinstance(hist.get("batch_loss"), torch.Tensor):
        hist["batch_loss"] = hist["batch_loss"].tolist()
    d["history"] = hist
    d["input_shape"] = tuple(d["input_shape"])
    d["mean"], d["std"] = tuple(d["mean"]), tuple(d["std"])
    return ModelInfo(**d)


def _read(path: Path, map_location: str | torch.device) -> Any:
    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a model file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path} is empty: not a model file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        code = code_globals(path)
        if code:
            raise CheckpointError(
                f"refused to load {path}: it would run code when opened ({code[0]}); "
                "only open model files from sources you trust"
            ) from None
        raise CheckpointError(f"{path} is not a PyTorch model file") from None
    except Exception as exc:  # noqa: BLE001 - garbage bytes make the unpickler fail any way
        # (RuntimeError, EOFError, IndexError from an empty mark stack, ...): none is a bug here
        why = (
            "truncated or corrupt"
            if zipfile.is_zipfile(path) or "zip" in str(exc)
            else ("not a PyTorch model file")
        )
        raise CheckpointError(f"{path} cannot be read: {why}") from None


def load_checkpoint(
    path: str | os.PathLike[str],
    map_location: str | torch.device = "cpu",
    force: bool = False,
) -> Checkpoint:
    """Load a checkpoint (or a bare book-style state_dict), check it, and rebuild its model.

    Anything wrong with the file, its metadata or its weights is one CheckpointError line.
    ``force``: the person (a flag, a dialog) lifts the size limits; a file cannot.
    """
    path = Path(path)
    obj = _read(path, map_location)
    if isinstance(obj, dict) and obj.get("format") == FORMAT:
        version = obj.get("format_version", 0)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise CheckpointError(f"{path} was written by a newer desktop-cnn; please upgrade")
        try:
            info = _info_from_dict(obj["info"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CheckpointError(
                f"{path} has damaged metadata ({type(exc).__name__}: {str(exc)[:120]})"
            ) from None
        state = check_state(obj.get("state_dict"), path)
        training_state = obj.get("training_state")
        if training_state is not None and not isinstance(training_state, dict):
            raise CheckpointError(f"{path} has damaged training state (for --resume)")
    elif isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        state = check_state(obj, path)
        info = guess_architecture(obj, ModelInfo)  # raises CheckpointError when nothing fits
        training_state = None
    elif isinstance(obj, dict) and obj.get("format") == "desktop-cnn-gan":  # core/gan/files.py
        raise CheckpointError(
            f"{path} is a GAN generator, not a classifier: use `desktop-cnn gan sample {path}`"
        )
    else:
        raise CheckpointError(f"{path} holds a {type(obj).__name__}, not a model checkpoint")
    check_info(info, path)
    # A limit is lifted by the person, never by the file: its own "force" is dropped.
    info.arch_args = {k: v for k, v in info.arch_args.items() if k != "force"}
    info.classes = clean_all(info.classes)  # printable, one line each, and distinct
    model = _build(info, state, path, force)
    return Checkpoint(model, info, training_state, path)


def _build(
    info: ModelInfo, state: dict[str, torch.Tensor], path: Path, force: bool = False
) -> NamedActivations:
    """Build on the meta device first (shapes, no memory), check the fit, then for real."""
    args = (
        {**info.arch_args, "force": True} if force and "spec" in info.arch_args else info.arch_args
    )
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "zero-element tensors": refused just below
            meta = build_model(info.arch, **args)
    except (UnknownNameError, SpecError) as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - crafted arguments can fail in any layer's init
        raise CheckpointError(
            f"{path}: cannot build {info.arch} from {info.arch_args} ({type(exc).__name__})"
        ) from None
    check_fit(meta, info, state, path, force)
    model = build_model(info.arch, **args)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # e.g. a dtype the parameter cannot take
        first = str(exc).splitlines()[1].strip() if "\n" in str(exc) else str(exc)
        raise CheckpointError(
            f"{path}: the weights do not fit {info.arch} {info.arch_args}: {first[:160]}"
        ) from None
    return model.eval()
