"""Layers that keep the shape: the activations, batch norm and dropout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from ..kind import Field, Layer, Out, Shape, param


@dataclass
class _Activation(Layer):
    """An activation: applied as a function in generated code, joined to the layer before."""

    joins_activation: ClassVar[bool] = False
    code_function: ClassVar[str] = ""  # e.g. "torch.relu"

    def call_code(self, shape: Shape, x: str) -> str:
        return f"{self.code_function}({x})"


@dataclass
class ReLU(_Activation):
    type: ClassVar[str] = "relu"
    prefix: ClassVar[str] = "relu"
    title: ClassVar[str] = "ReLU"
    summary: ClassVar[str] = "max(0, x) for every number"
    activation: ClassVar[str | None] = "ReLU"
    code_function: ClassVar[str] = "torch.relu"
    # max(relu(a), relu(b)) == relu(max(a, b)), winners and gradients included.
    commutes_with_max: ClassVar[bool] = True

    def module(self, shape: Shape) -> nn.Module:
        return nn.ReLU()


@dataclass
class Tanh(_Activation):
    type: ClassVar[str] = "tanh"
    prefix: ClassVar[str] = "tanh"
    title: ClassVar[str] = "Tanh"
    summary: ClassVar[str] = "tanh(x) for every number: -1 to 1"
    activation: ClassVar[str | None] = "tanh"
    code_function: ClassVar[str] = "torch.tanh"

    def module(self, shape: Shape) -> nn.Module:
        return nn.Tanh()


@dataclass
class Sigmoid(_Activation):
    type: ClassVar[str] = "sigmoid"
    prefix: ClassVar[str] = "sigmoid"
    title: ClassVar[str] = "Sigmoid"
    summary: ClassVar[str] = "1/(1 + e^-x) for every number: 0 to 1"
    activation: ClassVar[str | None] = "sigmoid"
    code_function: ClassVar[str] = "torch.sigmoid"

    def module(self, shape: Shape) -> nn.Module:
        return nn.Sigmoid()


@dataclass
class LeakyReLU(_Activation):
    type: ClassVar[str] = "leakyrelu"
    prefix: ClassVar[str] = "lrelu"
    title: ClassVar[str] = "Leaky ReLU"
    summary: ClassVar[str] = "x, or slope*x for negative x"
    activation: ClassVar[str | None] = "leaky ReLU"
    slope: float = param(
        0.01, "the factor for negative inputs (torch's default 0.01)", hint="for negative inputs"
    )

    def module(self, shape: Shape) -> nn.Module:
        return nn.LeakyReLU(self.slope)

    def call_code(self, shape: Shape, x: str) -> str:
        return f"F.leaky_relu({x}, {self.slope!r})"


@dataclass
class BatchNorm(Layer):
    """BatchNorm2d on maps, BatchNorm1d on a vector (after flatten)."""

    type: ClassVar[str] = "batchnorm"
    prefix: ClassVar[str] = "bn"
    title: ClassVar[str] = "Batch norm"
    summary: ClassVar[str] = "normalise each channel over the batch, then scale and shift"

    def compute(self, shape: Shape, rf: Field) -> Out:
        return Out(shape, "unchanged", 2 * shape[0], f"2*{shape[0]} = {2 * shape[0]}")

    def module(self, shape: Shape) -> nn.Module:
        return nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])

    def init_code(self, shape: Shape) -> str | None:
        return f"nn.BatchNorm{'2' if len(shape) == 3 else '1'}d({shape[0]})"


@dataclass
class Dropout(Layer):
    type: ClassVar[str] = "dropout"
    prefix: ClassVar[str] = "dropout"
    title: ClassVar[str] = "Dropout"
    summary: ClassVar[str] = "zero a random share p of the numbers in training"
    p: float = param(
        0.5,
        "the share of numbers zeroed in training",
        low=0,
        below=1,
        hint="share zeroed in training",
    )

    def module(self, shape: Shape) -> nn.Module:
        return nn.Dropout(self.p)

    def init_code(self, shape: Shape) -> str | None:
        return f"nn.Dropout({self.p!r})"
