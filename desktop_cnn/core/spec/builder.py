"""One builder: a checked spec becomes an ``nn.Module`` whose layers are named by the spec.

Every layer is an attribute called by its spec name (``conv1``, ``pool1``,
``fc1``), so the ``state_dict`` keys are the spec's names (``conv1.weight``),
the book's way. The model says what its layers are: ``activations(x)`` gives
every layer's output keyed by its name, and ``conv_units()`` lists each conv
layer with the activation that follows it, so no view guesses from names.
"""

from __future__ import annotations

import torch

from .arith import check
from .base import ConvUnit, NamedActivations
from .kinds.vector import GlobalAvgPool2d
from .layers import NetSpec

__all__ = ["GlobalAvgPool2d", "SpecNet", "build_spec"]


class SpecNet(NamedActivations):
    """The network a spec describes; ``spec`` is kept so a checkpoint can store it."""

    def __init__(self, spec: NetSpec, force: bool = False) -> None:
        super().__init__()
        arith = check(spec, force=force)  # SpecError naming the layer before anything is built
        self.spec = spec
        c, h, w = spec.input_shape
        self.input_shape = (c, h, w)
        self.layer_names: list[str] = []
        shape: tuple[int, ...] = self.input_shape
        for layer, row in zip(spec.layers, arith.rows, strict=True):
            self.add_module(layer.name, layer.module(shape))
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
            if not layer.conv_unit:
                continue
            nxt = layers[i + 1] if i + 1 < len(layers) else None
            if nxt is not None and nxt.activation is not None:
                units.append(ConvUnit(layer.name, nxt.name, nxt.activation))
            else:
                units.append(ConvUnit(layer.name, layer.name, "none"))
        return units


def build_spec(spec: NetSpec, force: bool = False) -> SpecNet:
    """The model of ``spec``; raises SpecError (one line, naming the layer) when it cannot be."""
    return SpecNet(spec, force)
