"""Upsampling by a whole factor: each map grows ``scale`` times a side, with no weights."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from ..kind import Field, Layer, Out, Shape, param

MODES = ("nearest", "bilinear")


@dataclass
class Upsample(Layer):
    """nn.Upsample: ``nearest`` repeats each number scale x scale times; ``bilinear``
    blends the two nearest inputs a side (align_corners False, torch's default)."""

    type: ClassVar[str] = "upsample"
    prefix: ClassVar[str] = "up"
    title: ClassVar[str] = "Upsample"
    summary: ClassVar[str] = "nn.Upsample: out = n*scale per side, no weights"
    needs_maps: ClassVar[bool] = True
    scale: int = param(2, "the factor each side grows by", low=1, high=16, hint="out = n*scale")
    mode: str = param("nearest", "how new numbers are made", choices=MODES, hint="nearest: copies")

    def compute(self, shape: Shape, rf: Field) -> Out:
        c, h, w = shape
        k = self.scale
        text = (
            f"{h}*{k} = {h * k}" if h == w else f"height {h}*{k} = {h * k}; width {w}*{k} = {w * k}"
        )
        # Units are 1/scale of an input apart; nearest reads one input, bilinear the two
        # around (i + 0.5)/scale - 0.5.
        if rf.size is None:
            field = rf
        elif self.mode == "nearest":
            field = Field(rf.size, rf.jump / k, rf.start)
        else:
            field = Field(rf.size + rf.jump, rf.jump / k, rf.start + (0.5 / k - 0.5) * rf.jump)
        return Out((c, h * k, w * k), text, field=field)

    def module(self, shape: Shape) -> nn.Module:
        return nn.Upsample(scale_factor=self.scale, mode=self.mode)

    def call_code(self, shape: Shape, x: str) -> str:
        return f"F.interpolate({x}, scale_factor={self.scale}, mode={self.mode!r})"

    def settings(self) -> str:
        return f"x{self.scale}, {self.mode}"
