"""What ``desktop-cnn train`` checks before any work: where it writes, how many processes.

Both run before a byte of data is read or a process is started, so a mistake costs a
line, not a training run or a machine full of workers.

Process count: one worker per CPU core the launcher may use (more would only fight
over the cores, each holding its own copy of torch, about 500 MB), or one per GPU
when training on CUDA (each worker drives one GPU).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from ..device import pick_device
from ..errors import ConfigError
from ..files.checkpoints import load_checkpoint
from ..files.outputs import CHECKPOINT, check_output
from ..files.save_policy import check_output_path
from .distributed import Ranks, check_shares
from .resume import check_resumable, resume_config
from .run import TrainRun


def check_train_output(
    out: str,
    inputs: list[str | None],
    dataset: str,
    force: bool,
) -> Path:
    """``--out`` must not be an input (model spec, teacher, dataset) nor somebody else's file.

    ``--resume`` may name ``--out``: a continued run replaces its own file, read whole first.
    """
    given = [*inputs]
    if dataset.startswith("imagefolder:"):
        given.append(dataset.split(":", 1)[1])
    return check_output(out, CHECKPOINT, given, force)


def cores() -> int:
    """CPU cores this process may run on (its affinity, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def max_processes(device: torch.device) -> tuple[int, str]:
    """The most training processes this machine holds, and what bounds it, in words."""
    if device.type == "cuda":
        n = torch.cuda.device_count()
        return n, f"{n} CUDA GPU{'s' * (n != 1)} (one process drives one GPU)"
    n = cores()
    return n, f"{n} CPU core{'s' * (n != 1)} (more processes would only share them)"


def check_launch(run: TrainRun, nproc: int) -> None:
    """Everything a worker of ``train --nproc`` would refuse, refused once, before spawning."""
    run.config.validate()
    device = pick_device(run.config.device)
    most, why = max_processes(device)
    if nproc > most:
        raise ConfigError(
            f"--nproc {nproc} is more than this machine holds: at most {most}, its {why}",
            "nproc",
        )
    if run.out is not None:
        check_output_path(run.out)
    config = run.config
    if run.resume:
        ck = load_checkpoint(run.resume, force=run.force)
        check_resumable(ck, run.arch)
        config = resume_config(ck, config)
    if config.teacher:
        load_checkpoint(config.teacher, force=run.force)
    # The data's size is checked by each worker; the batch's share needs only the flags.
    check_shares(Ranks(0, nproc), config.batch_size, config.batch_size)


def memory_bytes(device: torch.device) -> int:
    """The memory a run on ``device`` can use at most: the GPU's, or the machine's RAM."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # Windows: no sysconf; do not guess
        return 1 << 62


def check_batch_memory(
    arch: object,
    arch_args: dict[str, Any],
    input_shape: tuple[int, int, int],
    batch: int,
    device: torch.device,
    force: bool,
) -> None:
    """Refuse a batch whose activations cannot fit in memory, before the first step.

    Training keeps each layer's output and its gradient, and the backward pass needs about as
    much again: three times the forward activations of one batch is the estimate.
    """
    from ..files.model_checks import activation_bytes, memory_text
    from ..models import build_model

    try:
        args = {**arch_args, "force": True} if "spec" in arch_args else arch_args  # sized below
        with torch.device("meta"):
            meta = build_model(arch, **args)  # type: ignore[arg-type]
        need = 3 * batch * activation_bytes(meta, input_shape)
    except Exception:  # noqa: BLE001 - a model the meta device cannot run: no estimate
        return
    have = memory_bytes(device)
    if need > have and not force:
        raise ConfigError(
            f"--batch-size {batch}: training needs about {memory_text(need)} for the layer "
            f"outputs of one batch, more than the {memory_text(have)} of memory here; lower "
            "--batch-size, or pass --force",
            "batch_size",
        )
