"""One number of a conv feature map, computed in front of you.

A value of a conv layer's map at (channel, row, col) is the sum, over every
input channel, of the input window under the kernel times the kernel's
weights, plus the bias, through the activation. ``explain`` takes that
window from the tensor the conv layer actually received in one forward pass
(a forward hook, so nothing about the model's wiring is assumed), redoes the
arithmetic in float64 and returns every intermediate beside the value read
from ``model.activations(x)``: the two agree to float precision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from ..spec.base import ConvUnit, NamedActivations, conv_units
from ..spec.kind import activation_kinds


def _activation_table() -> dict[str, tuple[Callable[[Tensor], Tensor], Callable[[float], float]]]:
    """Activation name -> (torch form to identify it, float64 form for the shown value), from
    the layer kinds (their names and default settings, e.g. leaky ReLU's slope 0.01)."""
    table: dict[str, tuple[Callable[[Tensor], Tensor], Callable[[float], float]]] = {}
    for name, kind in activation_kinds().items():
        fn = kind().function()

        def shown(v: float, fn: Callable[[Tensor], Tensor] = fn) -> float:
            return float(fn(torch.tensor(v, dtype=torch.float64)))

        table[name] = (fn, shown)
    table["none"] = (lambda t: t, lambda v: v)
    return table


ACTIVATIONS = _activation_table()
MODULE_NAMES: dict[type, str] = {
    type(kind().function()): name for name, kind in activation_kinds().items()
}


@dataclass(frozen=True)
class Explanation:
    """How ``layer``'s map ``channel`` got its value at (row, col)."""

    layer: str  # the conv layer, e.g. "conv2"
    source: str  # the map it reads: "input" or a name from activations(), e.g. "pool1"
    channel: int
    row: int
    col: int
    origin: tuple[int, int]  # (row, col) of the window's top-left in the source; < 0 in padding
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    source_map: np.ndarray  # (C_in, H, W) float32: the whole source, to show where the window is
    window: np.ndarray  # (C_in, kh, kw) float32: what the kernel sees, 0 in the padding
    padded: np.ndarray  # (kh, kw) bool: the cells that lie in the zero padding
    weights: np.ndarray  # (C_in, kh, kw) float32: kernel ``channel`` of the layer
    products: np.ndarray  # (C_in, kh, kw) float64: window * weights
    channel_sums: np.ndarray  # (C_in,) float64: one sum of products per input channel
    total: float  # the sum of all products
    bias: float
    pre_activation: float  # total + bias
    activation: str  # a key of ACTIVATIONS
    value: float  # activation(pre_activation): the explained number
    map_value: float  # the same number read from model.activations(x)
    shown: str = ""  # the map the number is read from: the conv's own, or its activation's

    @property
    def error(self) -> float:
        return abs(self.value - self.map_value)


def conv_layers(model: nn.Module, names: list[str]) -> list[str]:
    """Which of ``names`` (activation maps) show a conv layer's output, i.e. are explainable.

    The model says which (``conv_units``): a conv's own map and the map of the
    activation right after it, whatever they are called.
    """
    shown = {n for u in conv_units(model) for n in (u.conv, u.map)}
    return [
        n
        for n in names
        if n in shown and isinstance(getattr(model, _unit(model, n).conv, None), nn.Conv2d)
    ]


def _unit(model: nn.Module, name: str) -> ConvUnit:
    """The conv unit whose conv or map is ``name``; asking for the conv's name of a unit with
    a separate activation map explains the conv's own (raw) map."""
    for u in conv_units(model):
        if name == u.map:
            return u
        if name == u.conv:
            return ConvUnit(u.conv, u.conv, "none") if u.map != u.conv else u
    raise ValueError(f"{name!r} is not a Conv2d layer of {type(model).__name__}")


def _padding(conv: nn.Conv2d) -> tuple[int, int]:
    if conv.padding_mode != "zeros":
        raise ValueError(f"only zero padding is explained, not {conv.padding_mode!r}")
    if conv.padding == "valid":
        return (0, 0)
    if conv.padding == "same":  # torch pads the extra pixel (if any) on the far side
        k, d = conv.kernel_size, conv.dilation
        return (d[0] * (k[0] - 1) // 2, d[1] * (k[1] - 1) // 2)
    return (int(conv.padding[0]), int(conv.padding[1]))


@torch.no_grad()
def _run(
    model: NamedActivations, conv: nn.Conv2d, x: Tensor
) -> tuple[dict[str, Tensor], Tensor, Tensor]:
    """One forward pass; returns (activations, the conv's input, its raw output)."""
    seen: dict[str, Tensor] = {}

    def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        seen["input"], seen["output"] = inputs[0], output

    was_training = model.training
    handle = conv.register_forward_hook(hook)
    try:
        model.eval()
        acts = model.activations(x)
    finally:
        handle.remove()
        model.train(was_training)
    if "input" not in seen:
        raise ValueError("the layer was not used in the forward pass")
    return acts, seen["input"], seen["output"]


def _source_name(acts: dict[str, Tensor], x: Tensor, received: Tensor) -> str:
    if received is x:
        return "input"
    for name, a in acts.items():
        if a is received:
            return name
    for name, a in acts.items():  # e.g. a view or a copy of a named map
        if a.shape == received.shape and torch.equal(a, received):
            return name
    return "input" if received.shape == x.shape and torch.equal(received, x) else "(unnamed)"


def _activation(model: nn.Module, raw: Tensor, mapped: Tensor, unit: ConvUnit) -> str:
    """The function that turns the conv's raw output into the named map: the model's word
    for it, or (a hand-written model that does not say) found by trying."""
    if unit.activation is not None:
        return unit.activation
    declared = MODULE_NAMES.get(type(getattr(model, "act", None)))
    order = [declared] if declared else []
    order += [n for n in ACTIVATIONS if n != declared]
    for name in order:
        fn = ACTIVATIONS[name][0]
        if raw.shape == mapped.shape and torch.allclose(fn(raw), mapped, rtol=1e-5, atol=1e-6):
            return name
    raise ValueError(
        "this layer's map is not ReLU, tanh, sigmoid or nothing of its convolution "
        "(another layer, such as batch norm, sits between them): only conv -> "
        "activation is explained"
    )


def _window(
    src: np.ndarray, origin: tuple[int, int], k: tuple[int, int], dilation: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The (C, kh, kw) cells under the kernel, zeros where they fall into the padding."""
    c, h, w = src.shape
    rows = origin[0] + dilation[0] * np.arange(k[0])
    cols = origin[1] + dilation[1] * np.arange(k[1])
    inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    window = np.zeros((c, k[0], k[1]), dtype=src.dtype)
    r, cc = np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)
    window[:] = np.where(inside, src[:, r][:, :, cc], 0)
    return window, ~inside


def explain(
    model: NamedActivations, x: Tensor, layer: str, channel: int, row: int, col: int
) -> Explanation:
    """Explain ``model.activations(x)[layer][0, channel, row, col]``; ``x`` is (1, C, H, W)."""
    unit = _unit(model, layer)
    conv = getattr(model, unit.conv, None)
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"{layer!r} is not a Conv2d layer of {type(model).__name__}")
    if conv.groups != 1:
        raise ValueError(f"{layer} is a grouped convolution: only groups=1 is explained")
    device = next(model.parameters()).device
    x = x.to(device)
    acts, received, raw = _run(model, conv, x)
    mapped = acts[unit.map]
    _, channels, height, width = mapped.shape
    if not (0 <= channel < channels and 0 <= row < height and 0 <= col < width):
        raise ValueError(
            f"({channel}, {row}, {col}) is outside {layer}'s {channels} maps of {height}x{width}"
        )
    stride, dilation, padding = conv.stride, conv.dilation, _padding(conv)
    origin = (row * stride[0] - padding[0], col * stride[1] - padding[1])
    src = received[0].float().cpu().numpy()  # (C_in, H, W)
    k = conv.kernel_size
    window, padded = _window(src, origin, (k[0], k[1]), (dilation[0], dilation[1]))
    weights = conv.weight[channel].detach().float().cpu().numpy()  # (C_in, kh, kw)
    products = window.astype(np.float64) * weights.astype(np.float64)
    channel_sums = products.sum(axis=(1, 2))
    total = float(channel_sums.sum())
    bias = float(conv.bias[channel].detach()) if conv.bias is not None else 0.0
    activation = _activation(model, raw, mapped, unit)
    pre = total + bias
    return Explanation(
        unit.conv,
        _source_name(acts, x, received),
        channel,
        row,
        col,
        origin,
        (stride[0], stride[1]),
        padding,
        (dilation[0], dilation[1]),
        src,
        window,
        padded,
        weights,
        products,
        channel_sums,
        total,
        bias,
        pre,
        activation,
        _value(model, unit, activation, pre),
        float(mapped[0, channel, row, col]),
        unit.map,
    )


def _value(model: nn.Module, unit: ConvUnit, activation: str, pre: float) -> float:
    """The activation of ``pre`` in float64; a model's own activation layer (e.g. a leaky ReLU
    with its slope) computes it when the model names one."""
    module = getattr(model, unit.map, None) if unit.map != unit.conv else None
    if isinstance(module, nn.Module) and not isinstance(module, nn.Conv2d):
        return float(module(torch.tensor(pre, dtype=torch.float64)))
    return ACTIVATIONS[activation][1](pre)
