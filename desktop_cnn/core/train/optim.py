"""The optimizer and the learning-rate schedule a TrainConfig asks for."""

from __future__ import annotations

import math

import torch

from .config import TrainConfig


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    lr = cfg.peak_lr()
    # One fused kernel per step instead of a loop of small ops over the parameters
    # (~10% of a LeNet-5 step on a CPU); on the CPU and CUDA, where torch has it.
    where = {p.device.type for p in model.parameters()}
    fused = where <= {"cpu"} or where <= {"cuda"}
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(),
            lr=lr,
            momentum=cfg.momentum,
            nesterov=cfg.momentum > 0,
            weight_decay=cfg.decay(),
            fused=fused,
        )
    cls = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
    return cls(model.parameters(), lr=lr, weight_decay=cfg.decay(), fused=fused)


def make_schedule(
    opt: torch.optim.Optimizer, cfg: TrainConfig, steps_per_epoch: int, done: int = 0
) -> torch.optim.lr_scheduler.LRScheduler:
    """The schedule over ``cfg.epochs``, positioned after ``done`` steps (a resumed run).

    Each schedule here is a function of the step alone (the cosine too: torch's
    CosineAnnealingLR updates its last value, so it is written as a lambda), so one
    built for a new total picks up at any step, however the earlier steps were counted.
    """
    total = cfg.epochs * steps_per_epoch
    if done:
        make_schedule(opt, cfg, steps_per_epoch)  # writes this config's lr bounds in the groups
    last = done - 1  # torch counts the steps taken minus one; -1: a fresh schedule
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=cfg.peak_lr(), total_steps=total, pct_start=0.15, last_epoch=last
        )
    if cfg.schedule == "cosine":  # CosineAnnealingLR's values, in closed form
        return torch.optim.lr_scheduler.LambdaLR(
            opt,
            lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total)),
            last_epoch=last,
        )
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0, last_epoch=last)
