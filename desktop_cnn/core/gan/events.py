"""Typed events a GAN run reports; plain data, safe to pass through a queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class GanStarted:
    device: str
    images: int  # training images
    steps_per_epoch: int
    total_steps: int
    start_step: int  # > 0 when resuming
    image_shape: tuple[int, int, int]


@dataclass(frozen=True)
class GanStep:
    step: int  # 1-based, over the whole run
    total_steps: int
    epoch: int  # 1-based
    loss_d: float  # BCE on a real batch plus on a fake batch
    loss_g: float  # the non-saturating loss: -log D(G(z))
    d_x: float  # the discriminator's mean probability "real" on real images
    d_gz: float  # ... on the generator's images (before its update)
    images_per_s: float


@dataclass(frozen=True)
class GanSamples:
    """The generator's images of the fixed noise batch, (N, C, H, W) in -1..1 on the CPU."""

    step: int
    images: torch.Tensor


@dataclass(frozen=True)
class GanResult:
    """The run's end: ``status`` done, stopped or diverged; ``message`` says why in one line."""

    status: str
    message: str
    step: int
    state: Any = None  # a core.gan.train.GanState: what a file or --resume needs
