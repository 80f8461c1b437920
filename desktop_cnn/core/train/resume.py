"""Resuming a saved run: what must match, what may change, and with which settings it goes on.

A checkpoint saved after an epoch with its training state (``--checkpoint-every-epoch``,
whose final save keeps it too) can be continued: same architecture, same dataset and
classes, same recipe (optimizer, schedule, learning rate, ...). What may change:

- ``epochs``, the new total: the schedule is rebuilt for it and continues at the step
  reached (a one-cycle over 60 epochs, resumed after 40, goes on from its step 40 x
  steps-per-epoch: the learning rate rises back to where that longer cycle is, then
  anneals to its end);
- ``batch_size``: the schedule's position is kept as a share of the run (epochs done
  over epochs in all), so its steps are counted in the new batch size;
- the device, mixed precision, the evaluation batch size and the snapshots.

A setting left at its default takes the file's value; one set to another value than the
file's is refused with the reason, as is a file of another network or dataset.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from ..checkpoints import Checkpoint
from ..data import Dataset
from ..errors import CheckpointError
from ..models import arch_name, spec_for
from ..spec.layers import NetSpec, SpecError
from .config import TrainConfig

# Settings a resumed run may change; every other one is part of the run's recipe.
MAY_CHANGE = ("epochs", "batch_size", "device", "amp", "eval_batch_size", "snapshots_per_epoch")


def check_resumable(ck: Checkpoint, arch: str | NetSpec | None) -> None:
    """Refuse a file of another network, or one that holds no training state."""
    name, info = _name(ck), ck.info
    if arch is not None and not _same_network(arch, info.arch, info.arch_args):
        raise CheckpointError(
            f"{name} is a {info.arch} run, not {arch_name(arch)}: resume it "
            "without --model, or train a new model without --resume"
        )
    if not ck.training_state:
        raise CheckpointError(
            f"{name} holds a model but not its training state, so it cannot "
            "be resumed: only files saved with --checkpoint-every-epoch can"
        )


def _same_network(arch: str | NetSpec, saved: str, saved_args: dict[str, Any]) -> bool:
    if not isinstance(arch, NetSpec):
        return arch == saved
    try:  # a spec names the same network when its layers equal the file's
        return spec_for(saved, saved_args).layers == arch.layers
    except SpecError:
        return False


def check_same_data(ck: Checkpoint, data: Dataset) -> None:
    """Refuse to continue a run on another dataset, other classes or another held-out split."""
    name, info = _name(ck), ck.info
    if info.dataset != data.name:
        raise CheckpointError(
            f"{name} was trained on {info.dataset}, not {data.name}: resume "
            f"it with --dataset {info.dataset}"
        )
    if list(info.classes) != list(data.classes) or tuple(info.input_shape) != data.input_shape:
        raise CheckpointError(
            f"{name} knows the classes {', '.join(info.classes)} of "
            f"{tuple(info.input_shape)} images; the data has "
            f"{', '.join(data.classes)} of {data.input_shape}"
        )
    if (info.held_out == "validation") != bool(data.validation):
        raise CheckpointError(
            f"{name} was evaluated on {info.held_out} images: resume it "
            f"{'with' if data.validation == 0 else 'without'} --validation"
        )


def resume_config(ck: Checkpoint, wanted: TrainConfig) -> TrainConfig:
    """The saved run's settings, with the ones ``wanted`` changes that may change."""
    state: dict[str, Any] = ck.training_state or {}
    saved: dict[str, Any] = state.get("config") or ck.info.train_config
    defaults, known = TrainConfig(), {f.name for f in fields(TrainConfig)}
    merged = {k: v for k, v in saved.items() if k in known}
    for f in fields(TrainConfig):
        value, default = getattr(wanted, f.name), getattr(defaults, f.name)
        if value == default or value == merged.get(f.name, default):
            continue  # not asked for, or the same as the file's
        if f.name not in MAY_CHANGE:
            raise CheckpointError(
                f"cannot resume {_name(ck)} with {f.name} {value}: the run used "
                f"{merged.get(f.name)}; a resumed run keeps its recipe (start a new run "
                f"to change it)"
            )
        merged[f.name] = value
    config = TrainConfig(**merged)
    done = int(state.get("epoch", 0))
    if config.epochs <= done:
        raise CheckpointError(
            f"{_name(ck)} has trained {done} epochs, all it was asked for: "
            f"--epochs is the new total, so give one above {done}"
        )
    return config


def _name(ck: Checkpoint) -> str:
    return Path(ck.path).name if ck.path is not None else "the checkpoint"
