"""One builder: a checked spec becomes an ``nn.Module`` whose layers are named by the spec.

Every layer is an attribute called by its spec name (``conv1``, ``pool1``,
``fc1``), so the ``state_dict`` keys are the spec's names (``conv1.weight``),
the book's way. The model says what its layers are: ``activations(x)`` gives
every layer's output keyed by its name, and ``conv_units()`` lists each conv
layer with the activation that follows it, so no view guesses from names.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .arith import check
from .base import ConvUnit, NamedActivations
from .layers import (
    AvgPool,
    BatchNorm,
    Conv,
    ConvTranspose,
    Dropout,
    Flatten,
    GlobalAvgPool,
    Layer,
    LeakyReLU,
    Linear,
    MaxPool,
    NetSpec,
    ReLU,
    Sigmoid,
    Tanh,
)

# Spec activation type -> the name the one-number explanation shows.
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid", "leakyrelu": "leaky ReLU"}


class GlobalAvgPool2d(nn.Module):
    """(N, C, H, W) -> (N, C): the mean of each map (exports to ONNX as ReduceMean)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3))


def _module(layer: Layer, shape: tuple[int, ...]) -> nn.Module:
    """The torch module for one layer, given its input shape (C, H, W) or (N,)."""
    c = shape[0]
    if isinstance(layer, Conv):
        return nn.Conv2d(
            c,
            layer.out_channels,
            layer.kernel,
            layer.stride,
            layer.padding,
            layer.dilation,
            bias=layer.bias,
        )
    if isinstance(layer, ConvTranspose):
        return nn.ConvTranspose2d(
            c,
            layer.out_channels,
            layer.kernel,
            layer.stride,
            layer.padding,
            layer.output_padding,
            bias=layer.bias,
        )
    if isinstance(layer, AvgPool):  # before MaxPool: AvgPool is its subclass
        return nn.AvgPool2d(layer.kernel, layer.stride, layer.padding)
    if isinstance(layer, MaxPool):
        return nn.MaxPool2d(layer.kernel, layer.stride, layer.padding)
    if isinstance(layer, Linear):
        return nn.Linear(c, layer.out_features, bias=layer.bias)
    if isinstance(layer, BatchNorm):
        return nn.BatchNorm2d(c) if len(shape) == 3 else nn.BatchNorm1d(c)
    simple: dict[type, Callable[[], nn.Module]] = {
        ReLU: nn.ReLU,
        Tanh: nn.Tanh,
        Sigmoid: nn.Sigmoid,
        Flatten: lambda: nn.Flatten(1),
        GlobalAvgPool: GlobalAvgPool2d,
    }
    if isinstance(layer, LeakyReLU):
        return nn.LeakyReLU(layer.slope)
    if isinstance(layer, Dropout):
        return nn.Dropout(layer.p)
    return simple[type(layer)]()


class SpecNet(NamedActivations):
    """The network a spec describes; ``spec`` is kept so a checkpoint can store it."""

    def __init__(self, spec: NetSpec, force: bool = False) -> None:
        super().__init__()
        arith = check(spec, force=force)  # SpecError naming the layer before anything is built
        self.spec = spec
        self.input_shape = tuple(spec.input_shape)
        self.layer_names: list[str] = []
        shape: tuple[int, ...] = self.input_shape
        for layer, row in zip(spec.layers, arith.rows, strict=True):
            self.add_module(layer.name, _module(layer, shape))
            self.layer_names.append(layer.name)
            shape = row.out_shape

    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every layer's output, in order, keyed by its name; the last one is the logits."""
        a: dict[str, torch.Tensor] = {}
        for name in self.layer_names:
            a[name] = x = getattr(self, name)(x)
        return a if a else {"input": x}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.layer_names:
            x = getattr(self, name)(x)
        return x

    def conv_units(self) -> list[ConvUnit]:
        """Each conv layer, and the activation layer right after it (if one is)."""
        units = []
        layers = self.spec.layers
        for i, layer in enumerate(layers):
            if not isinstance(layer, Conv):
                continue
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            if nxt is not None and nxt.type in ACTIVATION_NAMES:
                units.append(ConvUnit(layer.name, nxt.name, ACTIVATION_NAMES[nxt.type]))
            else:
                units.append(ConvUnit(layer.name, layer.name, "none"))
        return units


def build_spec(spec: NetSpec, force: bool = False) -> SpecNet:
    """The model of ``spec``; raises SpecError (one line, naming the layer) when it cannot be."""
    return SpecNet(spec, force)
