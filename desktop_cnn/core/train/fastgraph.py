"""The network the Trainer runs: the model's own layers, each max pool moved before its ReLU.

A ReLU followed by a max pool gives exactly the same numbers when the pool runs
first: ReLU never changes which of two numbers is larger, so
``max(relu(a), relu(b)) == relu(max(a, b))``. The gradients are exactly the same
too. Where a window's largest number is positive, both orders pick the same
winner (the first of equals) and pass it ReLU's slope of 1; where it is not,
ReLU's slope of 0 stops the gradient in both orders. Pooling first runs the
ReLU, forward and backward, on a quarter of the numbers: on a CPU the Trainer
went from 1.11x to 1.26x the bench's bare loop on MNIST, and gained 1-2% on
CIFAR-10, whose three-channel first convolution takes most of a step.

Only training and the Trainer's evaluation run this order, on the model's own
weights. The model itself keeps the book's order, so everything that looks
inside it (feature maps, Grad-CAM, the summary's hooks) sees the ReLU's own
output. Other activations stay where they are: tanh or a leaky ReLU can round
two different numbers to one value, and then the pool could pick another winner.

Which layers swap is the layer kinds' word (``commutes_with_max`` on ReLU,
``takes_max`` on max pooling), not their class. Re-measured after every network
became a spec (bench/train_throughput.py, 8 rounds, one thread, a busy 2-core
machine): MNIST c/b 1.12x with this rewrite against 0.97x without at load 7, but
1.10x against 1.09x at load 14; CIFAR-10 about 1.0x either way.

The order comes from the model's spec (every built-in network is a preset), not
from tracing the model: torch.fx patches ``nn.Module.__call__`` for every thread
while it traces, and the GUI predicts on the main thread while a run starts.
"""

from __future__ import annotations

import torch
from torch import nn

from ..spec.builder import build_spec
from ..spec.layers import Layer, NetSpec


class PooledFirst(nn.Module):
    """Runs ``layers`` (the model's own modules, by spec name) in ``order``."""

    def __init__(self, layers: dict[str, nn.Module], order: list[str]) -> None:
        super().__init__()
        self.layers = nn.ModuleDict(layers)  # registers the same modules: nothing is copied
        self.order = order

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.order:
            x = self.layers[name](x)
        return x


def pool_before_relu(model: nn.Module, spec: NetSpec | None) -> nn.Module:
    """``model`` run in ``spec``'s order with every ReLU -> max pool pair swapped.

    Returns ``model`` itself when there is no spec, no such pair, or when the
    model's weighted layers are not the spec's (by name and type).
    """
    if spec is None:
        return model
    order = _pools_first(spec.layers)
    if order == [layer.name for layer in spec.layers]:
        return model
    layers = _own_layers(model, spec)
    if layers is None:
        return model
    graph = PooledFirst(layers, order)
    if {id(p) for p in graph.parameters()} != {id(p) for p in model.parameters()}:
        return model  # a weight the spec does not name would never learn
    return graph


def _pools_first(layers: list[Layer]) -> list[str]:
    """The layers' names, each max pool moved before the ReLU right before it (repeatedly,
    so a ReLU before two pools moves past both)."""
    order = list(layers)
    moved = True
    while moved:
        moved = False
        for i in range(len(order) - 1):
            if order[i].commutes_with_max and order[i + 1].takes_max:
                order[i], order[i + 1] = order[i + 1], order[i]
                moved = True
    return [layer.name for layer in order]


def _own_layers(model: nn.Module, spec: NetSpec) -> dict[str, nn.Module] | None:
    """Each spec layer's module: the model's own of that name, or for a layer without
    weights or buffers (ReLU, pooling, flatten) a new one; None if a weighted one is missing."""
    with torch.device("meta"):  # the spec's network only as a pattern: nothing is allocated
        pattern = build_spec(spec, force=True)
    layers = {}
    for name in pattern.layer_names:
        new, own = getattr(pattern, name), getattr(model, name, None)
        if isinstance(own, nn.Module) and type(own) is type(new):
            layers[name] = own
        elif any(True for _ in new.parameters()) or any(True for _ in new.buffers()):
            return None
        else:
            layers[name] = new
    return layers
