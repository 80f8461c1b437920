"""Checks that a model file's metadata and weights agree before anything uses them.

A file can be damaged or crafted: NaN weights (a run that diverged), fewer
class names than outputs, a billion classes, a zero-sized input. Every check
here is generic: it looks at the metadata's types and sizes, and at the model
the metadata builds, first on PyTorch's "meta" device, which has shapes but no
memory, so a model that would need hundreds of gigabytes is refused before a
byte is allocated. Each failure is one ``CheckpointError`` line naming the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError
from ..limits import MAX_ACTIVATION_BYTES, MAX_CHANNELS, MAX_CLASSES, MAX_SIDE
from .jsonsafe import finite_tree
from .safetext import clean


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_real(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_info(info: Any, path: Path) -> None:
    """Types and sane sizes of a ModelInfo's fields (before any model is built)."""

    def bad(what: str) -> CheckpointError:
        return CheckpointError(f"{path} has damaged metadata: {what}")

    if not isinstance(info.arch, str) or not isinstance(info.dataset, str):
        raise bad("the architecture and dataset must be names")
    for name in ("train_config", "metrics", "history", "versions"):
        if not isinstance(getattr(info, name), dict):
            raise bad(f"{name} is {type(getattr(info, name)).__name__}, not a dict")
    if not isinstance(info.notes, list) or not isinstance(info.created, str):
        raise bad("notes must be a list and created a date")
    if not isinstance(info.arch_args, dict) or not all(isinstance(k, str) for k in info.arch_args):
        raise bad(f"the architecture's arguments are {type(info.arch_args).__name__}, not a dict")
    why = finite_tree(info.arch_args)
    if why:  # e.g. a slope of 1e400 would become an infinite weight
        raise bad(f"the architecture's arguments are unusable: {why}")
    classes = info.classes
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise bad("the class names must be a list of strings")
    if not 1 <= len(classes) <= MAX_CLASSES:
        raise bad(f"{len(classes):,} class names (allowed: 1 to {MAX_CLASSES:,})")
    shape = info.input_shape
    if len(shape) != 3 or not all(_is_int(d) for d in shape):
        raise bad(f"input shape {shape!r} is not channels x height x width")
    c, h, w = shape
    if not (1 <= c <= MAX_CHANNELS and 1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
        raise bad(
            f"input shape {c}x{h}x{w} (allowed: 1 to {MAX_CHANNELS} channels, sides 1 "
            f"to {MAX_SIDE})"
        )
    for name in ("mean", "std"):
        values = getattr(info, name)
        if len(values) != c or not all(_is_real(v) for v in values):
            raise bad(f"{name} {list(values)!r} must be {c} finite number(s), one per channel")
    if not all(v > 0 for v in info.std):
        raise bad(f"std {list(info.std)!r} must be positive")


def check_state(state: Any, path: Path) -> dict[str, torch.Tensor]:
    """A dict of tensor names to tensors, each finite; names the first bad one."""
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise CheckpointError(f"{path} has damaged weights: not a dict of named tensors")
    for name, t in state.items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            kind = "NaN" if bool(torch.isnan(t).any()) else "infinite"
            raise CheckpointError(
                f"{path} has {kind} weights in {name}: it was saved from a run that diverged; "
                "retrain (e.g. with a lower learning rate) or use an earlier file"
            )
    return state


def memory_text(nbytes: int) -> str:
    return f"{nbytes / 2**20:,.0f} MiB" if nbytes >= 2**20 else f"{nbytes / 1024:,.0f} KiB"


def check_activations(sizes: dict[str, int], what: str, force: bool = False) -> None:
    """Refuse a model whose layer outputs for one image (``sizes``: bytes per layer) exceed
    the limit, unless the person passed ``force`` (a flag or a dialog: never a file's field)."""
    nbytes = sum(sizes.values())
    if nbytes > MAX_ACTIVATION_BYTES and not force:
        name = max(sizes, key=sizes.__getitem__)
        raise CheckpointError(
            f"{what} needs {memory_text(nbytes)} of activations per image ({clean(name, 40)} "
            f"alone {memory_text(sizes[name])}), more than the "
            f"{memory_text(MAX_ACTIVATION_BYTES)} a desktop can give: make it smaller (fewer "
            "channels, less padding), or pass --force where a command offers it"
        )


def activation_sizes(meta_model: torch.nn.Module, input_shape: tuple[int, ...]) -> dict[str, int]:
    """Bytes of each layer's output for one image (float32), measured on the meta device,
    which has shapes but no memory."""
    sizes: dict[str, int] = {}
    leaves = [(n, m) for n, m in meta_model.named_modules() if not list(m.children())]

    def hook_for(name: str) -> Callable[[torch.nn.Module, Any, Any], None]:
        def hook(module: torch.nn.Module, args: Any, out: Any) -> None:
            if isinstance(out, torch.Tensor):
                sizes[name] = sizes.get(name, 0) + out.numel() * 4

        return hook

    handles = [m.register_forward_hook(hook_for(n or "model")) for n, m in leaves]
    try:
        with torch.no_grad():
            meta_model(torch.empty((1, *input_shape), device="meta"))
    finally:
        for h in handles:
            h.remove()
    return sizes


def activation_bytes(meta_model: torch.nn.Module, input_shape: tuple[int, ...]) -> int:
    """Bytes of every layer's output for one image, measured on the meta device."""
    return sum(activation_sizes(meta_model, input_shape).values())


def check_fit(
    meta_model: torch.nn.Module,
    info: Any,
    state: dict[str, torch.Tensor],
    path: Path,
    force: bool = False,
) -> None:
    """The weights' shapes and the metadata against a model built on the meta device."""
    ref = meta_model.state_dict()
    missing = [k for k in ref if k not in state]
    extra = [k for k in state if k not in ref]
    wrong = [k for k in ref if k in state and tuple(ref[k].shape) != tuple(state[k].shape)]
    if missing or extra or wrong:
        k = (wrong or missing or extra)[0]
        what = (
            f"{k} is {tuple(state[k].shape)}, the model needs {tuple(ref[k].shape)}"
            if wrong
            else f"{k} is missing"
            if missing
            else f"{k} is not part of the model"
        )
        raise CheckpointError(
            f"{path}: the weights do not fit {info.arch} {info.arch_args}: {what}"
        )
    try:
        check_activations(activation_sizes(meta_model, info.input_shape), str(path), force)
        with torch.no_grad():
            out = meta_model(torch.empty((1, *info.input_shape), device="meta"))
    except CheckpointError:
        raise
    except Exception as exc:  # noqa: BLE001 - a shape error can be any of several types
        reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"{path}: its input shape {info.input_shape} does not fit the model ({reason})"
        ) from None
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckpointError(f"{path}: the model gives {shape} outputs, not one score per class")
    if out.shape[1] != len(info.classes):
        raise CheckpointError(
            f"{path}: the model has {out.shape[1]} outputs but the file names "
            f"{len(info.classes)} classes"
        )
