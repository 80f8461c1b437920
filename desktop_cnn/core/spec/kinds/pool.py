"""Max and average pooling: windows without weights (two sibling kinds, neither a subclass
of the other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from ..kind import Field, Layer, Out, Shape, param
from .window import window


@dataclass
class _Pool(Layer):
    """What the two pooling kinds share: kernel, stride (None: the kernel) and padding."""

    prefix: ClassVar[str] = "pool"
    needs_maps: ClassVar[bool] = True
    function_name: ClassVar[str] = ""  # F.max_pool2d or F.avg_pool2d in generated code
    kernel: int = param(
        2, "f: the window is f x f", low=1, hint="f: the window is f x f", required=True
    )
    stride: int | None = param(
        None, "s; blank: the kernel size, as torch does", low=1, hint="s (blank: the kernel)"
    )
    padding: int = param(
        0, "p: added on every side; at most half the kernel", low=0, hint="p: on each side"
    )

    @property
    def step(self) -> int:
        return self.stride or self.kernel

    def compute(self, shape: Shape, rf: Field) -> Out:
        f, p = self.kernel, self.padding
        if 2 * p > f:
            return Out(
                error=f"{self.name}: padding {p} is more than half the {f}x{f} kernel: torch "
                "refuses it; use padding at most kernel // 2"
            )
        return window(self.name, shape, rf, f, self.step, p, 1, None)

    def call_code(self, shape: Shape, x: str) -> str:
        args = f"{self.kernel}" + (f", stride={self.step}" if self.step != self.kernel else "")
        args += f", padding={self.padding}" if self.padding else ""
        return f"{self.function_name}({x}, {args})"

    def settings(self) -> str:
        return f"{self.kernel}x{self.kernel}, s{self.step}, p{self.padding}"


@dataclass
class MaxPool(_Pool):
    """nn.MaxPool2d: the largest number of each window."""

    type: ClassVar[str] = "maxpool"
    title: ClassVar[str] = "Max pooling"
    summary: ClassVar[str] = "nn.MaxPool2d: the largest number of each f x f window"
    function_name: ClassVar[str] = "F.max_pool2d"
    takes_max: ClassVar[bool] = True

    def module(self, shape: Shape) -> nn.Module:
        return nn.MaxPool2d(self.kernel, self.stride, self.padding)


@dataclass
class AvgPool(_Pool):
    """nn.AvgPool2d: the mean of each window (padding counts as zeros)."""

    type: ClassVar[str] = "avgpool"
    title: ClassVar[str] = "Average pooling"
    summary: ClassVar[str] = "nn.AvgPool2d: the mean of each f x f window"
    function_name: ClassVar[str] = "F.avg_pool2d"

    def module(self, shape: Shape) -> nn.Module:
        return nn.AvgPool2d(self.kernel, self.stride, self.padding)
