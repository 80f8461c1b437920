"""From maps to a vector and on: flatten, global average pooling and the linear layer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import torch
from torch import nn

from ..kind import Field, Layer, Out, Shape, param, shape_text


class GlobalAvgPool2d(nn.Module):
    """(N, C, H, W) -> (N, C): the mean of each map (exports to ONNX as ReduceMean)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3))


@dataclass
class Flatten(Layer):
    type: ClassVar[str] = "flatten"
    prefix: ClassVar[str] = "flatten"
    title: ClassVar[str] = "Flatten"
    summary: ClassVar[str] = "C x H x W maps -> one vector of C*H*W numbers"
    joins_activation: ClassVar[bool] = False

    def compute(self, shape: Shape, rf: Field) -> Out:
        n = 1
        for d in shape:
            n *= d
        maps = len(shape) == 3
        text = f"{'*'.join(str(d) for d in shape)} = {n}" if maps else f"{n} (already flat)"
        return Out((n,), text)

    def module(self, shape: Shape) -> nn.Module:
        return nn.Flatten(1)

    def call_code(self, shape: Shape, x: str) -> str:
        return f"{x}.view(-1, {' * '.join(str(d) for d in shape)})"


@dataclass
class Linear(Layer):
    type: ClassVar[str] = "linear"
    prefix: ClassVar[str] = "fc"
    title: ClassVar[str] = "Linear (fully connected)"
    summary: ClassVar[str] = "nn.Linear: every output reads every input"
    out_features: int = param(
        10, "the number of outputs", low=1, hint="outputs of this layer", required=True
    )
    bias: bool = param(True, "one learned bias per output")

    def compute(self, shape: Shape, rf: Field) -> Out:
        if len(shape) == 3:
            return Out(
                error=f"{self.name}: gets {shape_text(shape)} maps: put a flatten (or gap) "
                "layer before this linear layer"
            )
        n, k = shape[0], self.out_features
        params = k * n + (k if self.bias else 0)
        formula = f"{k}*{n}" + (f" + {k}" if self.bias else "")
        return Out((k,), f"{k} outputs", params, f"{formula} = {params:,}", k * n, Field(None))

    def module(self, shape: Shape) -> nn.Module:
        return nn.Linear(shape[0], self.out_features, bias=self.bias)

    def init_code(self, shape: Shape) -> str | None:
        return (
            f"nn.Linear({shape[0]}, {self.out_features}"
            + ("" if self.bias else ", bias=False")
            + ")"
        )

    def settings(self) -> str:
        return f"{self.out_features} out"

    def fitted(self, num_classes: int) -> Layer:
        return replace(self, out_features=num_classes)


@dataclass
class GlobalAvgPool(Layer):
    """The mean of each map: C x H x W -> C numbers (a vector, ready for linear)."""

    type: ClassVar[str] = "gap"
    prefix: ClassVar[str] = "gap"
    title: ClassVar[str] = "Global average pooling"
    summary: ClassVar[str] = "the mean of each map: C x H x W -> C numbers"

    def compute(self, shape: Shape, rf: Field) -> Out:
        if len(shape) != 3:
            return Out(
                error=f"{self.name}: global average pooling needs maps (C x H x W), not a "
                f"vector of {shape[0]} numbers"
            )
        return Out(
            (shape[0],),
            f"the mean of each {shape[1]}x{shape[2]} map: {shape[0]} numbers",
            field=Field(None),
        )

    def module(self, shape: Shape) -> nn.Module:
        return GlobalAvgPool2d()

    def call_code(self, shape: Shape, x: str) -> str:
        return f"{x}.mean((2, 3))"  # global average pooling
