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

import copy
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch

from ..data.datasets import Dataset
from ..errors import CheckpointError, DesktopCnnError
from ..files.checkpoints import Checkpoint
from ..files.jsonsafe import finite_tree
from ..models import arch_name, spec_for
from ..spec.layers import NetSpec, SpecError
from .config import TrainConfig
from .history import typed_history
from .optim import make_optimizer

# Settings a resumed run may change; every other one is part of the run's recipe.
MAX_EPOCHS = 100_000  # as TrainConfig's --epochs
# The buffers each optimizer keeps per parameter: anything else is not its state.
OPTIMIZER_BUFFERS = {
    "sgd": {"momentum_buffer"},
    "adam": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
    "adamw": {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
}
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
    """The saved run's settings, with the ones ``wanted`` changes that may change.

    Every field of the training state is checked first (``check_state``): a damaged or
    crafted one is a CheckpointError line, never a traceback or a corrupted optimizer.
    """
    check_state(ck)
    state: dict[str, Any] = ck.training_state or {}
    saved: dict[str, Any] = state.get("config") or ck.info.train_config
    defaults, known = TrainConfig(), {f.name for f in fields(TrainConfig)}
    merged = {k: v for k, v in saved.items() if k in known}
    for f in fields(TrainConfig):
        value, default = getattr(wanted, f.name), getattr(defaults, f.name)
        if value == default or value == merged.get(f.name, default):
            continue  # not asked for, or the same as the file's
        if f.name not in MAY_CHANGE:
            used = merged.get(f.name, default)
            raise CheckpointError(
                f"cannot resume {_name(ck)} with {f.name} {value}: the run used "
                f"{'the default' if used is None else used}; a resumed run keeps its recipe "
                "(start a new run to change it)"
            )
        merged[f.name] = value
    try:
        config = TrainConfig(**merged)
        config.validate()
    except (DesktopCnnError, TypeError, ValueError) as exc:
        raise _damaged(ck, f"its settings: {exc}") from None
    check_optimizer(ck, config)
    done = int(state.get("epoch", 0))
    if config.epochs <= done:
        raise CheckpointError(
            f"{_name(ck)} has trained {done} epochs, all it was asked for: "
            f"--epochs is the new total, so give one above {done}"
        )
    return config


def _damaged(ck: Checkpoint, what: str) -> CheckpointError:
    return CheckpointError(f"{_name(ck)} has a damaged training state (for --resume): {what}")


def check_state(ck: Checkpoint) -> None:
    """The training state's fields, their types and ranges (the optimizer: ``check_optimizer``)."""
    st = ck.training_state
    if not st:
        return
    epoch = st.get("epoch", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 0 <= epoch <= MAX_EPOCHS:
        raise _damaged(ck, f"epoch {epoch!r} is not a count of epochs from 0 to {MAX_EPOCHS}")
    config = st.get("config")
    if config is not None and not (
        isinstance(config, dict) and all(isinstance(k, str) for k in config)
    ):
        raise _damaged(ck, "its settings are not a dict of names")
    rng = st.get("loader_rng")
    size = torch.Generator().get_state().numel()
    if rng is not None and not (
        isinstance(rng, torch.Tensor) and rng.dtype == torch.uint8 and rng.shape == (size,)
    ):
        raise _damaged(ck, f"the data order (loader_rng) is not {size} bytes")
    opt = st.get("optimizer")
    if not (
        isinstance(opt, dict)
        and isinstance(opt.get("state"), dict)
        and isinstance(opt.get("param_groups"), list)
        and all(isinstance(g, dict) for g in opt["param_groups"])
    ):
        raise _damaged(ck, "the optimizer state is not an optimizer's state_dict")
    try:
        typed_history(ck.info.history)
    except (TypeError, ValueError, KeyError, AttributeError):
        raise _damaged(ck, "its history of losses and epochs cannot be read") from None


def check_optimizer(ck: Checkpoint, config: TrainConfig) -> None:
    """The optimizer state against the model and the optimizer: every parameter once, every
    buffer of its parameter's shape and finite, only the buffers ``config.optimizer`` keeps.
    A wrong shape would reach a fused kernel unchecked (a crash, or memory written over)."""
    if not ck.training_state:
        return
    opt = ck.training_state["optimizer"]
    params = list(ck.model.parameters())
    groups = opt.get("param_groups") if isinstance(opt, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise _damaged(ck, "its optimizer's parameter groups cannot be read")
    # a group whose "params" is missing or not a list counts as one unreadable id
    ids = [
        i for g in groups for i in (g["params"] if isinstance(g.get("params"), list) else [None])
    ]
    whole = [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    if len(whole) != len(ids) or sorted(whole) != list(range(len(params))):
        raise _damaged(ck, f"its optimizer does not hold the model's {len(params)} parameters")
    fresh = make_optimizer(copy.deepcopy(ck.model).cpu(), config).state_dict()["param_groups"][0]
    for g in opt["param_groups"]:
        why = finite_tree({k: v for k, v in g.items() if k != "params"})
        wrong = [k for k, v in fresh.items() if k != "params" and not _same_kind(g.get(k), v)]
        if why or wrong:
            raise _damaged(
                ck, f"an optimizer setting {why or f'{wrong[0]} is not {fresh[wrong[0]]!r}-like'}"
            )
    allowed = OPTIMIZER_BUFFERS.get(config.optimizer, set())
    for key, buffers in opt["state"].items():
        if not (isinstance(key, int) and 0 <= key < len(params) and isinstance(buffers, dict)):
            raise _damaged(ck, f"optimizer state {key!r} names no parameter of the model")
        for name, t in buffers.items():
            if name not in allowed:
                raise _damaged(ck, f"{name!r} is not kept by {config.optimizer}")
            if t is None and name == "momentum_buffer":
                continue
            want = () if name == "step" else tuple(params[key].shape)
            ok = isinstance(t, torch.Tensor) and t.is_floating_point()
            if not ok or tuple(t.shape) not in (want, (1,) if name == "step" else want):
                raise _damaged(
                    ck, f"the optimizer's {name} of parameter {key} does not fit it ({want})"
                )
            if not bool(torch.isfinite(t).all()) or (name == "step" and float(t) < 0):
                raise _damaged(ck, f"the optimizer's {name} of parameter {key} is not finite")


def _same_kind(saved: Any, fresh: Any) -> bool:
    """Whether a saved optimizer setting has the type (and length) of a fresh optimizer's."""
    if isinstance(fresh, bool) or fresh is None or isinstance(fresh, str):
        return type(saved) is type(fresh)
    if isinstance(fresh, int | float):
        return isinstance(saved, int | float) and not isinstance(saved, bool)
    if isinstance(fresh, list | tuple):
        return (
            isinstance(saved, list | tuple)
            and len(saved) == len(fresh)
            and all(_same_kind(a, b) for a, b in zip(saved, fresh, strict=True))
        )
    return True  # a tensor or another type torch keeps: load_state_dict checks it


def _name(ck: Checkpoint) -> str:
    return Path(ck.path).name if ck.path is not None else "the checkpoint"
