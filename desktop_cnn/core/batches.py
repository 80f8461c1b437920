"""Batches by index from tensors already on the training device, augmented as whole batches.

The book feeds a DataLoader that decodes and normalises one PIL image at a time
at batch size 4; here the dataset sits on the device as uint8, a batch is an
index slice of a ``randperm``, and augmentation is a handful of tensor ops per
batch (airbench's ``CifarLoader`` does the same).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .data import Split

CROP_PAD = 4  # colour images: random 32x32 crops of the image reflected 4 px each side


@dataclass(frozen=True)
class Part:
    """Rows ``lo:hi`` of a batch of ``of`` images: one process's share under DDP.

    Augmentation draws its random numbers for the whole batch and keeps this share's,
    so that N processes transform each image exactly as one process would.
    """

    lo: int
    hi: int
    of: int


def _draws(x: torch.Tensor, part: Part | None) -> tuple[int, slice]:
    """How many images to draw random numbers for, and which of them are ``x``'s."""
    return (x.shape[0], slice(None)) if part is None else (part.of, slice(part.lo, part.hi))


def random_affine(
    x: torch.Tensor,
    g: torch.Generator,
    degrees: float = 8.0,
    scale: tuple[float, float] = (0.9, 1.1),
    shift: float = 0.06,
    shear: float = 0.1,
    part: Part | None = None,
) -> torch.Tensor:
    """Small random rotation, scale, shear and shift of each image in (N, C, H, W)."""
    (n, mine), dev = _draws(x, part), x.device

    def u(lo: float, hi: float) -> torch.Tensor:
        return torch.rand(n, device=dev, generator=g)[mine] * (hi - lo) + lo

    angle = u(-degrees, degrees) * math.pi / 180
    s = u(*scale)
    sh = u(-shear, shear)
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack(
        [
            torch.stack([cos, -sin + sh * cos, u(-shift, shift) * 2], 1),
            torch.stack([sin, cos + sh * sin, u(-shift, shift) * 2], 1),
        ],
        1,
    )  # (N, 2, 3): maps output coordinates to input coordinates
    grid = affine_grid(theta, *x.shape[2:])
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def affine_grid(theta: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """``F.affine_grid(theta, (N, C, h, w), align_corners=False)``, by broadcasting.

    The same grid (to float rounding) in about half the time on a CPU, where torch's
    batched 3x2 matrix products are slower than the bilinear sampling they feed.
    """
    dev, dt = theta.device, theta.dtype
    xs = ((torch.arange(w, device=dev, dtype=dt) * 2 + 1) / w - 1).view(1, 1, w)  # centres
    ys = ((torch.arange(h, device=dev, dtype=dt) * 2 + 1) / h - 1).view(1, h, 1)
    t = theta.view(-1, 6, 1, 1)  # (N, 6, 1, 1): rows (a, b, c), (d, e, f)
    gx = t[:, 0] * xs + t[:, 1] * ys + t[:, 2]  # (N, H, W)
    gy = t[:, 3] * xs + t[:, 4] * ys + t[:, 5]
    return torch.stack([gx, gy], -1)  # (N, H, W, 2): x then y, as grid_sample reads it


def max3x3(x: torch.Tensor) -> torch.Tensor:
    """``F.max_pool2d(x, 3, 1, 1)``, exactly, as two 1-D maxima: ~10x faster on a CPU.

    Replicate padding never changes a maximum: the edge pixel is in its own window.
    """
    p = F.pad(x, (1, 1, 1, 1), mode="replicate")  # (N, C, H + 2, W + 2)
    rows = torch.maximum(torch.maximum(p[..., :-2, :], p[..., 1:-1, :]), p[..., 2:, :])
    return torch.maximum(torch.maximum(rows[..., :-2], rows[..., 1:-1]), rows[..., 2:])


def random_thickness(
    x: torch.Tensor, g: torch.Generator, p: float = 0.2, part: Part | None = None
) -> torch.Tensor:
    """Thicken (3x3 max) or thin (3x3 min, blended) the strokes of a random share of digits.

    People draw with brushes of every width; MNIST strokes are 2-3 px wide.
    """
    n, mine = _draws(x, part)
    pick = torch.rand(n, 1, 1, 1, device=x.device, generator=g)[mine]
    thick = max3x3(x)
    thin = 0.5 * (x - max3x3(-x))  # half-way to an erosion keeps thin strokes
    x = torch.where(pick < p / 2, thick, x)
    return torch.where((pick >= p / 2) & (pick < p), thin, x)


def random_crop_flip(
    x: torch.Tensor,
    g: torch.Generator,
    pad: int = 4,
    part: Part | None = None,
    padded: bool = False,
) -> torch.Tensor:
    """Random crop after reflect padding, and a horizontal flip for half the batch.

    ``padded``: ``x`` already carries its ``pad`` pixels of reflection (BatchLoader pads the
    whole dataset once, as uint8); the result is the same as padding here.
    """
    (n, mine), dev = _draws(x, part), x.device
    if padded:
        xp, h, w = x, x.shape[2] - 2 * pad, x.shape[3] - 2 * pad
    else:
        h, w = x.shape[2:]
        xp = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=g)[mine]
    dx = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=g)[mine]
    windows = xp.unfold(2, h, 1).unfold(3, w, 1)  # (N, C, 2p+1, 2p+1, H, W), a view
    # Each image's window in one indexing op: twice as fast on a CPU as gathering pixels.
    out = windows[torch.arange(x.shape[0], device=dev), :, dy, dx]  # (N, C, H, W)
    flip = torch.rand(n, 1, 1, 1, device=dev, generator=g)[mine] < 0.5
    return torch.where(flip, out.flip(3), out)


def reflect_pad(images: torch.Tensor, pad: int, chunk: int = 4096) -> torch.Tensor:
    """uint8 images with ``pad`` pixels of reflection each side (F.pad reflects floats only)."""
    parts = [
        F.pad(images[i : i + chunk].float(), (pad, pad, pad, pad), mode="reflect").to(images.dtype)
        for i in range(0, len(images), chunk)
    ]
    return torch.cat(parts) if parts else images


def mix_batch(x: torch.Tensor, g: torch.Generator, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup (Zhang et al. 2018): each image blended with another of the batch, by ``lam``.

    Returns the mixed batch and the partner of each image, so the caller can blend
    the targets too (or, with a teacher, ask it about the blend itself).
    """
    partner = torch.randperm(x.shape[0], device=x.device, generator=g)
    return x * lam + x[partner] * (1.0 - lam), partner


def augment_batch(
    x: torch.Tensor, kind: str, g: torch.Generator, part: Part | None = None
) -> torch.Tensor:
    """``digits``: affine and stroke width; ``color``: crop and flip (of ``part``'s images)."""
    if kind == "digits":
        return random_affine(random_thickness(x, g, part=part), g, part=part)
    if kind == "color":
        return random_crop_flip(x, g, part=part)
    raise ValueError(f"unknown augmentation {kind!r}")


class BatchLoader:
    """Iterate (images, labels) batches, normalised, on ``device``.

    ``augment`` is None (evaluation), ``"digits"`` or ``"color"``. With ``world`` > 1
    processes each yields its ``rank``'s share of every batch of ``batch_size`` images.
    """

    def __init__(
        self,
        split: Split,
        batch_size: int,
        mean: Sequence[float],
        std: Sequence[float],
        device: torch.device | str = "cpu",
        shuffle: bool = False,
        augment: str | None = None,
        drop_last: bool = False,
        seed: int = 0,
        rank: int = 0,
        world: int = 1,
    ) -> None:
        self.device = torch.device(device)
        self.images = split.images.to(self.device)  # uint8: 4x less memory than float
        if augment == "color":  # pad once, crop uint8 windows: no per-batch pad of floats
            self.images = reflect_pad(self.images, CROP_PAD)
        self.labels = split.labels.to(self.device)
        self.batch_size = batch_size
        self.mean = torch.tensor(mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, -1, 1, 1)
        self.shuffle, self.augment, self.drop_last = shuffle, augment, drop_last
        self.rank, self.world = rank, world  # under DDP: this process's share of each batch
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
            idx = order[i * self.batch_size : (i + 1) * self.batch_size]
            part = None
            if self.world > 1:  # every process draws the same order; each keeps its share
                n = len(idx)
                part = Part(n * self.rank // self.world, n * (self.rank + 1) // self.world, n)
                idx = idx[part.lo : part.hi]
            x = self.images[idx]
            if self.augment == "color":  # crop and flip the uint8 pixels, then make floats
                x = random_crop_flip(x, self.generator, CROP_PAD, part, padded=True)
            x = x.float().div_(255)
            if self.augment == "digits":
                x = augment_batch(x, self.augment, self.generator, part)
            yield (x - self.mean) / self.std, self.labels[idx]

    def generator_state(self) -> torch.Tensor:
        return self.generator.get_state()
