"""Convolution arithmetic: output sizes, parameter counts and convolution as im2col.

Everything here is small enough to check by hand. The formulas are the ones
PyTorch uses, so ``tests/test_arithmetic.py`` can use real torch layers as the
oracle. For dilation ``d = 1`` they reduce to the textbook forms:

* convolution:            ``out = floor((n + 2p - f) / s) + 1``
* transposed convolution: ``out = (n - 1) * s - 2p + f``

``im2col`` and ``conv2d_im2col`` show that a convolution is one matrix
product: every receptive field becomes a column, every filter a row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

Pair = int | tuple[int, int]


def _pair(v: Pair, name: str) -> tuple[int, int]:
    """Turn ``3`` into ``(3, 3)`` so that height and width are handled alike."""
    if isinstance(v, int):
        return (v, v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return (int(v[0]), int(v[1]))


def _check(n: int, f: int, s: int, p: int, d: int) -> None:
    # Checking up front gives a message naming the culprit instead of a
    # negative size that only fails much later.
    if n < 1:
        raise ValueError(f"input size must be >= 1, got n={n}")
    if f < 1:
        raise ValueError(f"filter size must be >= 1, got f={f}")
    if s < 1:
        raise ValueError(f"stride must be >= 1, got s={s}")
    if p < 0:
        raise ValueError(f"padding must be >= 0, got p={p}")
    if d < 1:
        raise ValueError(f"dilation must be >= 1, got d={d}")


def window_size(n: int, f: int, s: int, p: int, d: int = 1) -> int:
    """eq. 1, floored, unchecked: the one place the output size of a convolution or pooling
    window is computed (the spec kinds and the Playground both ask here). Below 1 when the
    window does not fit; callers that must refuse that check first."""
    return (n + 2 * p - (d * (f - 1) + 1)) // s + 1


def transposed_size(n: int, f: int, s: int, p: int, output_padding: int = 0, d: int = 1) -> int:
    """eqs. 6-11 unchecked: a transposed convolution's output size, the inverse of eq. 1."""
    return (n - 1) * s - 2 * p + d * (f - 1) + output_padding + 1


def conv_output_size(n: int, f: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Output size of a convolution along one axis: ``floor((n + 2p - d(f-1) - 1) / s) + 1``.

    A dilated filter of size ``f`` covers ``d(f-1) + 1`` input pixels, so for
    ``d = 1`` this is the book's ``(n + 2p - f) / s + 1``.
    """
    _check(n, f, s, p, d)
    span = d * (f - 1) + 1  # pixels one filter placement covers
    if n + 2 * p < span:
        raise ValueError(
            f"filter spans {span} pixels but the padded input has only {n + 2 * p} "
            f"(n={n}, f={f}, p={p}, d={d}): the output would be empty"
        )
    return window_size(n, f, s, p, d)


def pool_output_size(
    n: int, f: int, s: int | None = None, p: int = 0, ceil_mode: bool = False
) -> int:
    """Output size of max/avg pooling along one axis; ``s`` defaults to ``f`` as in torch.

    Same formula as a convolution. With ``ceil_mode`` the division rounds up,
    but (as in torch) a last window that would start inside the right padding
    is dropped, because it would see no real input.
    """
    s = f if s is None else s
    _check(n, f, s, p, 1)
    if p > f // 2:
        # torch refuses this too: a window could then lie entirely in padding.
        raise ValueError(f"padding must be at most half the pool size, got p={p} for f={f}")
    if not ceil_mode:
        out = (n + 2 * p - f) // s + 1
    else:
        # Rounding up may add a window hanging over the right edge; torch keeps
        # it only if it starts inside the input or the left part of the padding.
        out = math.ceil((n + 2 * p - f) / s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
    if out < 1:
        raise ValueError(
            f"pool window {f} does not fit the padded input {n + 2 * p}: the output would be empty"
        )
    return out


def conv_transpose_output_size(
    n: int, f: int, s: int = 1, p: int = 0, output_padding: int = 0, d: int = 1
) -> int:
    """Output size of a transposed convolution: ``(n-1)s - 2p + d(f-1) + output_padding + 1``.

    It inverts ``conv_output_size`` (the book's eqs (10), (11)): for ``d = 1``
    and no output padding that is ``(n-1)s - 2p + f``. Because the forward
    convolution floors, several input sizes map to the same output size;
    ``output_padding`` (less than ``s`` or ``d``) picks which one to recover.
    """
    _check(n, f, s, p, d)
    if output_padding < 0 or output_padding >= max(s, d):
        raise ValueError(
            f"output_padding must be >= 0 and smaller than stride or dilation, "
            f"got {output_padding} (s={s}, d={d})"
        )
    out = transposed_size(n, f, s, p, output_padding, d)
    if out < 1:
        raise ValueError(
            f"transposed convolution output would be {out} (n={n}, f={f}, s={s}, p={p}): "
            "the padding removes more than the layer produces"
        )
    return out


def conv_output_shape(
    in_shape: tuple[int, int, int], out_channels: int, f: int, s: int = 1, p: int = 0, d: int = 1
) -> tuple[int, int, int]:
    """``(C, H, W)`` after a convolution with ``out_channels`` filters of size ``f x f``."""
    _, h, w = in_shape
    return (out_channels, conv_output_size(h, f, s, p, d), conv_output_size(w, f, s, p, d))


def pool_output_shape(
    in_shape: tuple[int, int, int],
    f: int,
    s: int | None = None,
    p: int = 0,
    ceil_mode: bool = False,
) -> tuple[int, int, int]:
    """``(C, H, W)`` after pooling: channels are pooled independently, so C is kept."""
    c, h, w = in_shape
    return (c, pool_output_size(h, f, s, p, ceil_mode), pool_output_size(w, f, s, p, ceil_mode))


def conv_transpose_output_shape(
    in_shape: tuple[int, int, int],
    out_channels: int,
    f: int,
    s: int = 1,
    p: int = 0,
    output_padding: int = 0,
    d: int = 1,
) -> tuple[int, int, int]:
    """``(C, H, W)`` after a transposed convolution with ``out_channels`` filters."""
    _, h, w = in_shape
    size = [conv_transpose_output_size(n, f, s, p, output_padding, d) for n in (h, w)]
    return (out_channels, size[0], size[1])


def conv_params(c_in: int, c_out: int, f: int, bias: bool = True) -> int:
    """Learnable parameters of a conv layer: each of ``c_out`` filters is ``c_in x f x f``.

    The count does not depend on the image size: that is weight sharing.
    """
    return c_out * (c_in * f * f) + (c_out if bias else 0)


def im2col(x: Tensor, f: Pair, s: Pair = 1, p: Pair = 0, d: Pair = 1) -> Tensor:
    """Unfold every receptive field of ``x`` (N, C, H, W) into a column.

    Returns ``(N, C * fh * fw, L)`` with ``L = H_out * W_out``, in the same row
    and column order as ``torch.nn.functional.unfold``: row ``c*fh*fw + i*fw + j``
    holds filter tap ``(i, j)`` of channel ``c``; columns run over output
    positions row by row.
    """
    if x.dim() != 4:
        raise ValueError(f"im2col expects an (N, C, H, W) tensor, got shape {tuple(x.shape)}")
    (fh, fw), (sh, sw), (ph, pw), (dh, dw) = (
        _pair(f, "f"),
        _pair(s, "s"),
        _pair(p, "p"),
        _pair(d, "d"),
    )
    n, c, h, w = x.shape
    h_out = conv_output_size(h, fh, sh, ph, dh)
    w_out = conv_output_size(w, fw, sw, pw, dw)
    x = torch.nn.functional.pad(x, (pw, pw, ph, ph))  # zeros left/right, top/bottom

    # Instead of looping over output positions (H_out * W_out iterations), loop
    # over the few filter taps: tap (i, j) sees, for every output position, the
    # input pixel offset by (i*d, j*d) -- one strided slice of the padded input.
    taps = []
    for i in range(fh):
        for j in range(fw):
            top, left = i * dh, j * dw
            rows = slice(top, top + sh * (h_out - 1) + 1, sh)
            cols = slice(left, left + sw * (w_out - 1) + 1, sw)
            taps.append(x[:, :, rows, cols])  # (N, C, H_out, W_out)
    stacked = torch.stack(taps, dim=2)  # (N, C, fh*fw, H_out, W_out)
    return stacked.reshape(n, c * fh * fw, h_out * w_out)


def conv2d_im2col(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    dilation: Pair = 1,
) -> Tensor:
    """A 2-D convolution computed as ONE matrix product; matches ``F.conv2d``.

    ``weight`` (C_out, C, fh, fw) becomes a (C_out, C*fh*fw) matrix whose rows
    are the flattened filters; multiplying it with the im2col matrix
    (C*fh*fw, L) gives every filter's response at every position at once.
    """
    if x.dim() != 4 or weight.dim() != 4:
        raise ValueError("conv2d_im2col expects x (N, C, H, W) and weight (C_out, C, fh, fw)")
    n, c, h, w = x.shape
    c_out, c_w, fh, fw = weight.shape
    if c != c_w:
        raise ValueError(f"input has {c} channels but the filters expect {c_w}")
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    dh, dw = _pair(dilation, "dilation")
    cols = im2col(x, (fh, fw), (sh, sw), (ph, pw), (dh, dw))  # (N, C*fh*fw, L)
    out = weight.reshape(c_out, c * fh * fw) @ cols  # broadcasts over N -> (N, C_out, L)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1)
    h_out = conv_output_size(h, fh, sh, ph, dh)
    w_out = conv_output_size(w, fw, sw, pw, dw)
    return out.reshape(n, c_out, h_out, w_out)


@dataclass(frozen=True)
class BookExercise1:
    """The chapter's exercise 1: a 5x5 input (a cross) and three 3x3 filters, stride 1, p=0.

    ``W0`` is a horizontal line, ``W1`` a vertical line and ``W2`` the diagonal (the 3x3
    identity): each answer counts how many of the filter's three cells land on the cross.
    The chapter's answers are ``ANSWERS`` (Y0, Y1, Y2); tests compare them with conv2d.
    """

    X: tuple[tuple[int, ...], ...] = (
        (0, 1, 0, 0, 0),
        (0, 1, 0, 0, 0),
        (1, 1, 1, 1, 1),
        (0, 1, 0, 0, 0),
        (0, 1, 0, 0, 0),
    )
    W0: tuple[tuple[int, ...], ...] = ((0, 0, 0), (1, 1, 1), (0, 0, 0))
    W1: tuple[tuple[int, ...], ...] = ((0, 1, 0), (0, 1, 0), (0, 1, 0))
    W2: tuple[tuple[int, ...], ...] = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    ANSWERS: tuple[tuple[tuple[int, ...], ...], ...] = (
        ((1, 1, 0), (3, 3, 3), (1, 1, 0)),
        ((3, 1, 1), (3, 1, 1), (3, 1, 1)),
        ((2, 2, 1), (1, 2, 1), (2, 1, 1)),
    )


def exercise1(padding: int = 0, stride: int = 1) -> dict[str, Tensor]:
    """Run exercise 1 with ``conv2d_im2col``.

    Returns 2-D float tensors: ``"X"`` (5x5), ``"W0"``, ``"W1"``, ``"W2"`` (3x3)
    and ``"Y0"``, ``"Y1"``, ``"Y2"``, the output of each filter (3x3 for
    ``padding=0, stride=1``), computed here; ``BookExercise1.ANSWERS`` are the chapter's.
    """
    data = BookExercise1()
    x = torch.tensor(data.X, dtype=torch.float32)
    filters = [torch.tensor(w, dtype=torch.float32) for w in (data.W0, data.W1, data.W2)]
    # Three filters on a one-channel image: weight shape (3, 1, 3, 3).
    y = conv2d_im2col(x[None, None], torch.stack(filters)[:, None], stride=stride, padding=padding)
    result = {"X": x}
    for k, (w, yk) in enumerate(zip(filters, y[0], strict=True)):
        result[f"W{k}"] = w
        result[f"Y{k}"] = yk
    return result
