"""Convolution and transposed convolution: the chapter's two learned window layers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from torch import nn

from ...conv.arithmetic import transposed_size
from ..kind import Field, Layer, Out, Shape, param
from .window import window


def _extras(pairs: tuple[tuple[str, int, int], ...], bias: bool) -> str:
    """``, stride=2, padding=1`` for the values that differ from torch's defaults."""
    text = "".join(f", {k}={v}" for k, v, default in pairs if v != default)
    return text + ("" if bias else ", bias=False")


def _weights(oc: int, c: int, f: int, bias: bool, first: str) -> tuple[int, str]:
    """(count, "6*1*5*5 + 6 = 156"); ``first`` orders the channel factors as torch's weight."""
    b = oc if bias else 0
    params = oc * c * f * f + b
    return params, f"{first}*{f}*{f}" + (f" + {b}" if b else "") + f" = {params:,}"


@dataclass
class Conv(Layer):
    """nn.Conv2d with square kernels: the chapter's four hyperparameters plus dilation."""

    type: ClassVar[str] = "conv"
    prefix: ClassVar[str] = "conv"
    title: ClassVar[str] = "Convolution"
    summary: ClassVar[str] = "nn.Conv2d: out = (n + 2p - f)/s + 1 per side (eq. 1)"
    needs_maps: ClassVar[bool] = True
    conv_unit: ClassVar[bool] = True
    out_channels: int = param(
        8, "depth: the number of filters", low=1, hint="the number of filters", required=True
    )
    kernel: int = param(
        3, "f: the filter is f x f", low=1, hint="f: the filter is f x f", required=True
    )
    stride: int = param(1, "s: the step between windows", low=1, hint="s")
    padding: int = param(0, "p: zeros added on every side", low=0, hint="p: zeros on each side")
    dilation: int = param(1, "gaps between kernel taps; 1 = none", low=1, hint="1: no gaps")
    bias: bool = param(True, "one learned bias per filter")

    def compute(self, shape: Shape, rf: Field) -> Out:
        f, oc = self.kernel, self.out_channels
        out = window(self.name, shape, rf, f, self.stride, self.padding, self.dilation, oc)
        if out.error:
            return out
        c = shape[0]
        params, formula = _weights(oc, c, f, self.bias, f"{oc}*{c}")
        _, oh, ow = out.out_shape
        return replace(out, params=params, params_formula=formula, macs=oc * oh * ow * c * f * f)

    def module(self, shape: Shape) -> nn.Module:
        return nn.Conv2d(
            shape[0],
            self.out_channels,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            bias=self.bias,
        )

    def init_code(self, shape: Shape) -> str | None:
        extra = _extras(
            (
                ("stride", self.stride, 1),
                ("padding", self.padding, 0),
                ("dilation", self.dilation, 1),
            ),
            self.bias,
        )
        return f"nn.Conv2d({shape[0]}, {self.out_channels}, kernel_size={self.kernel}{extra})"

    def settings(self) -> str:
        text = (
            f"{self.out_channels} out, {self.kernel}x{self.kernel}, s{self.stride}, p{self.padding}"
        )
        return text + (f", d{self.dilation}" if self.dilation != 1 else "")

    def fitted(self, num_classes: int) -> Layer:
        return replace(self, out_channels=num_classes)


@dataclass
class ConvTranspose(Layer):
    """nn.ConvTranspose2d (section 11.3): each input number spreads a scaled kernel onto
    the output, so the size grows: (n - 1)s - 2p + f + output_padding."""

    type: ClassVar[str] = "convtranspose"
    prefix: ClassVar[str] = "tconv"
    title: ClassVar[str] = "Transposed convolution"
    summary: ClassVar[str] = (
        "nn.ConvTranspose2d: out = (n - 1)s - 2p + f + output_padding per side (eqs. 6-11)"
    )
    needs_maps: ClassVar[bool] = True
    out_channels: int = param(
        8, "the number of output maps", low=1, hint="the number of filters", required=True
    )
    kernel: int = param(
        4, "f: the kernel is f x f", low=1, hint="f: the kernel is f x f", required=True
    )
    stride: int = param(2, "s: how far apart the inputs land on the output", low=1, hint="s")
    padding: int = param(
        0, "p: trimmed from every side of the output", low=0, hint="p: trimmed from each side"
    )
    output_padding: int = param(
        0,
        "added to one side (bottom, right) only; less than the stride",
        low=0,
        hint="extra on one side; < stride",
    )
    bias: bool = param(True, "one learned bias per output map")

    def compute(self, shape: Shape, rf: Field) -> Out:
        c, h, w = shape
        f, s, p, op = self.kernel, self.stride, self.padding, self.output_padding
        if op >= s:
            return Out(
                error=f"{self.name}: output_padding {op} must be less than the stride {s}: "
                "it only picks one of the sizes a stride of s makes possible"
            )

        def side(n: int) -> tuple[int, str]:
            out = transposed_size(n, f, s, p, op)
            return out, f"({n} - 1)*{s} - 2*{p} + {f}" + (f" + {op}" if op else "") + f" = {out}"

        oh, th = side(h)
        ow, tw = (oh, th) if w == h else side(w)
        text = th if h == w else f"height {th}; width {tw}"
        if min(oh, ow) < 1:
            return Out(
                shape_formula=text,
                error=f"{self.name}: {th if oh < 1 else tw}: padding {p} trims more than the "
                f"{f}x{f} kernel adds to a {h}x{w} input",
            )
        # One output unit gathers from at most ceil(f/s) neighbouring inputs a side, the first
        # at ceil((p - f + 1)/s); the units are 1/s of an input apart, so the jump shrinks.
        reach = -(-f // s)
        new_rf = (
            rf
            if rf.size is None
            else Field(
                rf.size + (reach - 1) * rf.jump,
                rf.jump / s,
                rf.start - ((f - 1 - p) // s) * rf.jump,
            )
        )
        oc = self.out_channels
        params, formula = _weights(oc, c, f, self.bias, f"{c}*{oc}")
        # Every input number meets every weight once.
        return Out((oc, oh, ow), text, params, formula, c * h * w * oc * f * f, new_rf)

    def module(self, shape: Shape) -> nn.Module:
        return nn.ConvTranspose2d(
            shape[0],
            self.out_channels,
            self.kernel,
            self.stride,
            self.padding,
            self.output_padding,
            bias=self.bias,
        )

    def init_code(self, shape: Shape) -> str | None:
        extra = _extras(
            (
                ("stride", self.stride, 1),
                ("padding", self.padding, 0),
                ("output_padding", self.output_padding, 0),
            ),
            self.bias,
        )
        return (
            f"nn.ConvTranspose2d({shape[0]}, {self.out_channels}, kernel_size={self.kernel}{extra})"
        )

    def settings(self) -> str:
        text = (
            f"{self.out_channels} out, {self.kernel}x{self.kernel}, s{self.stride}, p{self.padding}"
        )
        return text + (f", op{self.output_padding}" if self.output_padding else "")
