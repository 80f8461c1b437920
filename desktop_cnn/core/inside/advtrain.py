"""Adversarial training (Madry et al. 2018): PGD examples mixed into every training batch.

Half of each batch is replaced by PGD attacks on it (at the config's epsilon, in 0-255
pixel units, against the true labels, with the weights as they stand), so the model learns
to answer the same inside the whole epsilon-box around its training images. Half, not all:
clean accuracy stays close to a normal run's. Training images are floats (augmentation
moved them off the 8-bit grid), so these attacks are not rounded to whole pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn

from .attacks import AttackConfig, attack
from .pixels import MAX_PIXEL, PixelModel

if TYPE_CHECKING:  # the training loop imports this module
    from ..data.datasets import Dataset
    from ..train.config import TrainConfig

STEPS = 5  # PGD steps per batch: most of the robustness of 7-10 at half the cost
SHARE = 0.5  # of each batch replaced by its adversarial version


def adversarial_mix(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, data: Dataset, cfg: TrainConfig, step: int
) -> torch.Tensor:
    """The training loop's hook: batch ``x`` with PGD examples mixed in (a new seed per step)."""
    return mix_in(model, x, y, data.mean, data.std, cfg.adversarial_eps, cfg.seed + step)


def mix_in(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    mean: Sequence[float],
    std: Sequence[float],
    eps: float,
    seed: int = 0,
) -> torch.Tensor:
    """The normalised batch ``x`` with its first ``SHARE`` replaced by PGD examples."""
    n = int(len(x) * SHARE)
    if eps <= 0 or n == 0:
        return x
    m = torch.tensor(list(mean), device=x.device, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(list(std), device=x.device, dtype=torch.float32).view(1, -1, 1, 1)
    pixels = ((x[:n].float() * s + m) * MAX_PIXEL).clamp(0, MAX_PIXEL)
    was_training = model.training
    model.eval()  # attack the model as it answers, not with dropout or batch statistics
    try:
        cfg = AttackConfig("pgd", eps, steps=STEPS, seed=seed, quantize=False)
        adv = attack(PixelModel(model, mean, std), pixels, y[:n], cfg)
    finally:
        model.train(was_training)
    mixed = x.clone()
    mixed[:n] = ((adv / MAX_PIXEL - m) / s).to(x.dtype)
    return mixed
