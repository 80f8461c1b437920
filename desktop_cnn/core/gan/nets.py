"""The generator and discriminator as modules, built from their spec JSON.

``net_json`` gives the spec data of a preset; ``build_net`` turns spec data into
an ``nn.Module`` with ``activations(x)`` (every layer's output by name), the
interface the app's views use. DCGAN's initialisation (weights N(0, 0.02),
batch-norm scales N(1, 0.02)) is applied by ``dcgan_init``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn

from ..spec.builder import build_spec
from ..spec.layers import parse_spec
from .presets import discriminator_layers, generator_layers


def net_json(kind: str, size: int, nc: int, width: int, nz: int = 100) -> dict[str, Any]:
    """Spec data of the generator ("g") or discriminator ("d") of one size."""
    if kind == "g":
        return {
            "name": f"dcgan-g{size}",
            "input": [nz, 1, 1],
            "layers": generator_layers(size, nc, width),
        }
    return {
        "name": f"dcgan-d{size}",
        "input": [nc, size, size],
        "layers": discriminator_layers(size, width),
    }


def build_net(data: dict[str, Any]) -> nn.Module:
    """The module of spec data (the spec builder's: layers named as in the spec)."""
    return build_spec(parse_spec(data))


def dcgan_init(net: nn.Module) -> None:
    """The DCGAN paper's initialisation: every weight N(0, 0.02), batch-norm scale N(1, 0.02)."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def activations(net: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every layer's output by name (the spec net's own, or the chain's)."""
    fn = cast(Callable[[torch.Tensor], dict[str, torch.Tensor]], net.activations)
    return fn(x)
