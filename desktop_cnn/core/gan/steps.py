"""One sample's way through the generator: each transposed convolution's maps and sizes.

A transposed convolution with kernel k, stride s and padding p turns an
n x n map into (n - 1) s - 2p + k: it spreads each input number over a k x k
patch of the output, patches s apart, and trims p from every border.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..conv.arithmetic import transposed_size
from .nets import activations
from .train import GanState


@dataclass(frozen=True)
class GenStep:
    """One transposed convolution (with its batch norm and activation) of one sample."""

    name: str
    in_side: int
    out_side: int
    kernel: int
    stride: int
    padding: int
    in_channels: int
    out_channels: int
    maps: torch.Tensor  # (C, H, W) after the activation that follows it

    @property
    def formula(self) -> str:
        n, s, p, k = self.in_side, self.stride, self.padding, self.kernel
        return f"({n} - 1) x {s} - 2 x {p} + {k} = {self.out_side}"


def out_side(n: int, k: int, s: int, p: int) -> int:
    """The output side of a transposed convolution (no output padding, dilation 1)."""
    return transposed_size(n, k, s, p)


@torch.no_grad()
def generator_steps(state: GanState, z: torch.Tensor) -> list[GenStep]:
    """Each transposed convolution's output for noise ``z`` (nz,) or (1, nz, 1, 1)."""
    g = state.generator.eval()
    device = next(g.parameters()).device
    acts = activations(g, z.reshape(1, -1, 1, 1).to(device))
    layers: list[dict[str, Any]] = state.g_json["layers"]
    names = [d["name"] for d in layers]
    steps: list[GenStep] = []
    side, channels = 1, state.nz
    for i, d in enumerate(layers):
        if d["type"] != "convtranspose":
            continue
        # the maps after this layer's batch norm and activation: the next layer's input
        j = i
        while j + 1 < len(layers) and layers[j + 1]["type"] not in ("convtranspose", "conv"):
            j += 1
        maps = acts[names[j]][0].float().cpu()
        k, s, p = int(d["kernel"]), int(d["stride"]), int(d["padding"])
        new = out_side(side, k, s, p)
        steps.append(GenStep(d["name"], side, new, k, s, p, channels, int(d["out_channels"]), maps))
        side, channels = new, int(d["out_channels"])
    return steps
