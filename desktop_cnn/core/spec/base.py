"""What every model here tells the views about itself: its named activations and conv layers."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ConvUnit:
    """A conv layer and the map that shows it.

    ``map`` is the key of ``activations(x)`` holding the conv's output after
    ``activation`` ("ReLU", "tanh", "sigmoid", "leaky ReLU", "none"); None: the
    model does not say, and the explanation finds it by trying.
    """

    conv: str  # the nn.Conv2d attribute, e.g. "conv2"
    map: str  # e.g. "relu2" (a spec model) or "conv2" (a hand-written one)
    activation: str | None = None


class NamedActivations(nn.Module):
    """A model whose ``forward`` is the last entry of ``activations``."""

    input_shape: tuple[int, int, int]

    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return next(reversed(self.activations(x).values()))

    def conv_units(self) -> list[ConvUnit]:
        """Hand-written models key each conv's activated map by the conv's attribute name."""
        return [
            ConvUnit(name, name) for name, m in self.named_children() if isinstance(m, nn.Conv2d)
        ]


def conv_units(model: nn.Module) -> list[ConvUnit]:
    """The model's conv layers in order, asked of the model (any nn.Module)."""
    ask = getattr(model, "conv_units", None)
    if callable(ask):
        return list(ask())
    return [ConvUnit(name, name) for name, m in model.named_children() if isinstance(m, nn.Conv2d)]
