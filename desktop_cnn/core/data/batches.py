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

from .datasets import Split

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
    """``F.affine_grid(theta, (N, C, h, w), align_corners=False)``, as one matrix product.

    The same grid (to float rounding) in a fraction of the time on a CPU, where torch's
    batched products of N small matrices, or interleaving x and y afterwards, cost more
    than the bilinear sampling they feed. Here (N, 6) x (6, h*w*2) writes each image's
    (x, y) pairs in place: the (6, h*w*2) matrix holds each pixel's (px, py, 1) twice,
    once in the x columns and once in the y columns.
    """
    dev, dt = theta.device, theta.dtype
    xs = (torch.arange(w, device=dev, dtype=dt) * 2 + 1) / w - 1  # pixel centres in [-1, 1]
    ys = (torch.arange(h, device=dev, dtype=dt) * 2 + 1) / h - 1
    ones = torch.ones(h * w, device=dev, dtype=dt)
    pixels = torch.stack([xs.repeat(h), ys.repeat_interleave(w), ones])  # (3, h*w)
    spread = torch.zeros(2, 3, h * w, 2, device=dev, dtype=dt)  # (row of theta, k, pixel, x|y)
    spread[0, :, :, 0] = pixels
    spread[1, :, :, 1] = pixels
    grid = theta.reshape(-1, 6) @ spread.view(6, -1)  # (N, h*w*2)
    return grid.view(-1, h, w, 2)  # x then y, as grid_sample reads it


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
    pick = torch.rand(n, device=x.device, generator=g)[mine]
    thick, thin = pick < p / 2, (pick >= p / 2) & (pick < p)
    rewidth = _rewidth_picked if x.device.type == "cpu" else _rewidth_all
    return rewidth(x, thick, thin)


def _rewidth_all(x: torch.Tensor, thick: torch.Tensor, thin: torch.Tensor) -> torch.Tensor:
    """Thicken the ``thick`` rows and thin the ``thin`` ones by whole-batch ops.

    For a GPU: picking rows out of a batch would make the host wait for it.
    """
    x = torch.where(thick.view(-1, 1, 1, 1), max3x3(x), x)
    return torch.where(thin.view(-1, 1, 1, 1), _thinned(x), x)


def _rewidth_picked(x: torch.Tensor, thick: torch.Tensor, thin: torch.Tensor) -> torch.Tensor:
    """The same result from the picked rows only: on a CPU, a fifth of the work."""
    x = x.clone()
    x[thick] = max3x3(x[thick])
    x[thin] = _thinned(x[thin])
    return x


def _thinned(x: torch.Tensor) -> torch.Tensor:
    """Half-way from ``x`` to its 3x3 erosion: thinner strokes that never vanish."""
    return 0.5 * (x - max3x3(-x))


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
    return random_flip(random_crop(x, g, pad, part, padded), g, part)


def random_crop(
    x: torch.Tensor,
    g: torch.Generator,
    pad: int = 4,
    part: Part | None = None,
    padded: bool = False,
) -> torch.Tensor:
    """Each image's window at a random shift of up to ``pad`` pixels, reflected at the edges."""
    (n, mine), dev = _draws(x, part), x.device
    if padded:
        xp, h, w = x, x.shape[2] - 2 * pad, x.shape[3] - 2 * pad
    else:
        h, w = x.shape[2:]
        xp = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=g)[mine]
    dx = torch.randint(0, 2 * pad + 1, (n,), device=dev, generator=g)[mine]
    return windows_at(xp, dy, dx, h, w)


def windows_at(
    xp: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor, h: int, w: int
) -> torch.Tensor:
    """Image i's (h, w) window whose top left corner is at (dy[i], dx[i]) in ``xp``.

    In memory a window spans one run of ``span`` values from its first pixel to its last,
    so one index_select copies every image's run whole, and a strided view picks the
    window's pixels out of it: ~5x faster on a CPU than indexing the pixels themselves.
    """
    xp = xp.contiguous()
    n, c, hp, wp = xp.shape
    span = (c - 1) * hp * wp + (h - 1) * wp + w
    starts = torch.arange(n, device=xp.device) * (c * hp * wp) + dy * wp + dx
    runs = xp.reshape(-1).unfold(0, span, 1).index_select(0, starts)  # (N, span)
    return runs.as_strided((n, c, h, w), (span, hp * wp, wp, 1)).contiguous()


def random_flip(x: torch.Tensor, g: torch.Generator, part: Part | None = None) -> torch.Tensor:
    """Half the images mirrored left to right."""
    n, mine = _draws(x, part)
    flip = torch.rand(n, 1, 1, 1, device=x.device, generator=g)[mine] < 0.5
    if not x.is_floating_point():
        return torch.where(flip, x.flip(3), x)
    # lerp by a weight of 0 or 1 is exact, and ~3x faster than where() on a CPU.
    return torch.lerp(x, x.flip(3), flip.to(x.dtype))


def reflect_pad(images: torch.Tensor, pad: int) -> torch.Tensor:
    """Images (any dtype) with ``pad`` pixels of reflection each side, as F.pad's "reflect".

    F.pad reflects floats only; here the middle is copied once and each border is a
    flipped slice of what is already there: ~5x faster than converting the uint8 pixels
    to floats and back, which took seconds for CIFAR-10 before a run's first batch.
    """
    n, c, h, w = images.shape
    if pad >= min(h, w):
        raise ValueError(f"a reflection of {pad} pixels needs images over {pad} pixels wide")
    out = images.new_empty(n, c, h + 2 * pad, w + 2 * pad)
    out[:, :, pad : pad + h, pad : pad + w] = images
    out[:, :, :pad, pad : pad + w] = images[:, :, 1 : pad + 1].flip(2)  # top, from rows 1..pad
    out[:, :, pad + h :, pad : pad + w] = images[:, :, h - 1 - pad : h - 1].flip(2)  # bottom
    out[:, :, :, :pad] = out[:, :, :, pad + 1 : 2 * pad + 1].flip(3)  # left, corners included
    out[:, :, :, pad + w :] = out[:, :, :, w - 1 : w - 1 + pad].flip(3)  # right
    return out


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
    ``memory_format``: the layout the model wants (channels-last on a CPU), made here so
    that a read-ahead thread (train/ahead.py) does that copy too.
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
        memory_format: torch.memory_format = torch.contiguous_format,
    ) -> None:
        self.device = torch.device(device)
        # uint8: 4x less memory than float. Contiguous (N, C, H, W): decoded colour images
        # arrive channels-last, and normalising per channel along the innermost dimension
        # of size 3 runs ~15x slower than along rows of pixels.
        self.images = split.images.to(self.device).contiguous()
        if augment == "color":  # pad once, crop uint8 windows: no per-batch pad of floats
            self.images = reflect_pad(self.images, CROP_PAD)
        self.labels = split.labels.to(self.device)
        self.batch_size = batch_size
        self.mean = torch.tensor(mean, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, -1, 1, 1)
        self.shuffle, self.augment, self.drop_last = shuffle, augment, drop_last
        self.rank, self.world = rank, world  # under DDP: this process's share of each batch
        self.memory_format = memory_format
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
            # index_select copies whole images; x[idx] copies byte by byte, ~20x slower.
            x = self.images.index_select(0, idx)
            if self.augment == "color":  # crop the uint8 pixels, then make floats
                x = random_crop(x, self.generator, CROP_PAD, part, padded=True)
            x = x.float()
            if self.augment == "color":
                x = random_flip(x, self.generator, part)
            x.div_(255)
            if self.augment == "digits":
                x = augment_batch(x, self.augment, self.generator, part)
            # In place: on a CPU, ~10x faster than writing the result to fresh memory.
            x = x.sub_(self.mean).div_(self.std).contiguous(memory_format=self.memory_format)
            yield x, self.labels.index_select(0, idx)

    def generator_state(self) -> torch.Tensor:
        return self.generator.get_state()
