"""The model as a function of 0-255 pixels: the scale on which attacks measure epsilon.

A model reads normalised floats; a person's image is 8-bit pixels. ``PixelModel`` puts the
normalisation inside, so an epsilon of 8 means "every pixel moved by at most 8 of 255",
whatever the model's mean and std, and an 8-bit PNG of the result is what it read.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

MAX_PIXEL = 255.0


class PixelModel(nn.Module):
    """``model`` fed with (N, C, H, W) pixels in 0..1 (``scale`` 1) or 0..255 (``scale`` 255)."""

    def __init__(
        self,
        model: nn.Module,
        mean: Sequence[float],
        std: Sequence[float],
        scale: float = MAX_PIXEL,
    ) -> None:
        super().__init__()
        self.model, self.scale = model, scale
        # Plain attributes, not buffers: typed as tensors, moved to the input's device on use
        self.mean = torch.tensor(list(mean), dtype=torch.float32).view(1, -1, 1, 1)
        self.std = torch.tensor(list(std), dtype=torch.float32).view(1, -1, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, std = self.mean.to(x.device), self.std.to(x.device)
        out: torch.Tensor = self.model((x / self.scale - mean) / std)
        return out


def to_pixels(x01: torch.Tensor) -> torch.Tensor:
    """0..1 floats to whole 0-255 pixels (as floats): what an 8-bit image file holds."""
    return (x01.clamp(0, 1) * MAX_PIXEL).round()


def quantize(adv: torch.Tensor, x: torch.Tensor, eps: float) -> torch.Tensor:
    """Round an adversarial image to whole pixels without leaving the eps-box around ``x``.

    ``x`` is whole pixels, so ``x + floor(eps)`` is the largest whole value allowed: a plain
    round could step half a pixel past a fractional epsilon.
    """
    room = float(int(eps + 1e-6))
    return torch.minimum(torch.maximum(adv.round(), x - room), x + room).clamp(0, MAX_PIXEL)


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """(…, C, H, W) whole pixels as uint8."""
    return x.round().clamp(0, MAX_PIXEL).to(torch.uint8)
