"""Batches by index from tensors already on the training device, augmented as whole batches.

The book feeds a DataLoader that decodes and normalises one PIL image at a time
at batch size 4; here the dataset sits on the device as uint8, a batch is an
index slice of a ``randperm``, and augmentation is a handful of tensor ops per
batch (airbench's ``CifarLoader`` does the same).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import torch
import torch.nn.functional as F

from .data import Split


def random_affine(x: torch.Tensor, g: torch.Generator, degrees: float = 8.0,
                  scale: tuple[float, float] = (0.9, 1.1), shift: float = 0.06,
                  shear: float = 0.1) -> torch.Tensor:
    """Small random rotation, scale, shear and shift of each image in (N, C, H, W)."""
    n, dev = x.shape[0], x.device

    def u(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, device=dev, generator=g) * (hi - lo) + lo

    angle = u(-degrees, degrees) * math.pi / 180
    s = u(*scale)
    sh = u(-shear, shear)
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([
        torch.stack([cos, -sin + sh * cos, u(-shift, shift) * 2], 1),
        torch.stack([sin, cos + sh * sin, u(-shift, shift) * 2], 1),
    ], 1)  # (N, 2, 3): maps output coordinates to input coordinates
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_thickness(x: torch.Tensor, g: torch.Generator, p: float = 0.2) -> torch.Tensor:
    """Thicken (3x3 max) or thin (3x3 min, blended) the strokes of a random share of digits.

    People draw with brushes of every width; MNIST strokes are 2-3 px wide.
    """
    n = x.shape[0]
    pick = torch.rand(n, 1, 1, 1, device=x.device, generator=g)
    thick = F.max_pool2d(x, 3, 1, 1)
    thin = 0.5 * (x - F.max_pool2d(-x, 3, 1, 1))  # half-way to an erosion keeps thin strokes
    x = torch.where(pick < p / 2, thick, x)
    return torch.where((pick >= p / 2) & (pick < p), thin, x)


def random_crop_flip(x: torch.Tensor, g: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crop after reflect padding, and a horizontal flip for half the batch."""
    n, _, h, w = x.shape
    dev = x.device
    xp = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=g)
    dx = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=g)
    rows = (dy[:, None] + torch.arange(h, device=dev))[:, None, :, None]  # (N, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w, device=dev))[:, None, None, :]  # (N, 1, 1, W)
    batch = torch.arange(n, device=dev)[:, None, None, None]
    chan = torch.arange(x.shape[1], device=dev)[None, :, None, None]
    out = xp[batch, chan, rows, cols]  # (N, C, H, W) gathered in one indexing op
    flip = torch.rand(n, 1, 1, 1, device=dev, generator=g) < 0.5
    return torch.where(flip, out.flip(3), out)


def mix_batch(x: torch.Tensor, g: torch.Generator, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup (Zhang et al. 2018): each image blended with another of the batch, by ``lam``.

    Returns the mixed batch and the partner of each image, so the caller can blend
    the targets too (or, with a teacher, ask it about the blend itself).
    """
    partner = torch.randperm(x.shape[0], device=x.device, generator=g)
    return x * lam + x[partner] * (1.0 - lam), partner


def augment_batch(x: torch.Tensor, kind: str, g: torch.Generator) -> torch.Tensor:
    """``digits``: affine and stroke width; ``color``: crop and flip."""
    if kind == "digits":
        return random_affine(random_thickness(x, g), g)
    if kind == "color":
        return random_crop_flip(x, g)
    raise ValueError(f"unknown augmentation {kind!r}")


class BatchLoader:
    """Iterate (images, labels) batches, normalised, on ``device``.

    ``augment`` is None (evaluation), ``"digits"`` or ``"color"``.
    """

    def __init__(self, split: Split, batch_size: int, mean: Sequence[float],
                 std: Sequence[float], device: torch.device | str = "cpu",
                 shuffle: bool = False, augment: str | None = None,
                 drop_last: bool = False, seed: int = 0) -> None:
        self.device = torch.device(device)
        self.images = split.images.to(self.device)  # uint8: 4x less memory than float
        self.labels = split.labels.to(self.device)
        self.batch_size = batch_size
        self.mean = torch.tensor(mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, -1, 1, 1)
        self.shuffle, self.augment, self.drop_last = shuffle, augment, drop_last
        self.generator = torch.Generator(device=self.device).manual_seed(seed)

    def __len__(self) -> int:
        n = len(self.labels)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.labels)
        if self.shuffle:
            order = torch.randperm(n, device=self.device, generator=self.generator)
        else:
            order = torch.arange(n, device=self.device)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            x = self.images[idx].float().div_(255)
            if self.augment:
                x = augment_batch(x, self.augment, self.generator)
            yield (x - self.mean) / self.std, self.labels[idx]

    def generator_state(self) -> torch.Tensor:
        return self.generator.get_state()
