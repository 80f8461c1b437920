"""Convolution arithmetic, checked against real torch layers as the oracle."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.core.conv.arithmetic import (
    BookExercise1,
    conv2d_im2col,
    conv_output_shape,
    conv_output_size,
    conv_params,
    conv_transpose_output_shape,
    conv_transpose_output_size,
    exercise1,
    im2col,
    pool_output_shape,
    pool_output_size,
)

SIZES = (1, 4, 7, 12)


def _torch_out(layer: nn.Module, c: int, n: int) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(layer(torch.zeros(1, c, n, n)).shape[1:])


# --- formulas vs torch over a grid ---------------------------------------------------------


def test_conv_output_size_matches_conv2d_grid():
    checked = rejected = 0
    for n, f, s, p, d in itertools.product(SIZES, range(1, 6), range(1, 4), range(3), (1, 2)):
        layer = nn.Conv2d(1, 1, f, stride=s, padding=p, dilation=d, bias=False)
        try:
            expected = _torch_out(layer, 1, n)[-1]
        except RuntimeError:
            # torch rejects it: our formula must say the output would be empty.
            assert n + 2 * p - d * (f - 1) - 1 < 0
            with pytest.raises(ValueError):
                conv_output_size(n, f, s, p, d)
            rejected += 1
            continue
        assert conv_output_size(n, f, s, p, d) == expected, (n, f, s, p, d)
        checked += 1
    assert checked > 250 and rejected > 10


@pytest.mark.parametrize("pool_cls", [nn.MaxPool2d, nn.AvgPool2d])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_matches_torch_grid(pool_cls, ceil_mode):
    checked = 0
    for n, f, s, p in itertools.product(SIZES, range(1, 6), (None, 1, 2, 3), range(3)):
        if p > f // 2:
            with pytest.raises(ValueError):
                pool_output_size(n, f, s, p, ceil_mode)
            continue
        layer = pool_cls(f, stride=s, padding=p, ceil_mode=ceil_mode)
        try:
            expected = _torch_out(layer, 2, n)
        except RuntimeError:
            with pytest.raises(ValueError):
                pool_output_size(n, f, s, p, ceil_mode)
            continue
        assert pool_output_shape((2, n, n), f, s, p, ceil_mode) == expected, (n, f, s, p)
        checked += 1
    assert checked > 100


def test_conv_transpose_output_size_matches_torch_grid():
    checked = 0
    for n, f, s, p, d in itertools.product(SIZES, range(1, 6), range(1, 4), range(3), (1, 2)):
        for op in range(max(s, d)):
            layer = nn.ConvTranspose2d(1, 1, f, s, p, output_padding=op, dilation=d, bias=False)
            try:
                expected = _torch_out(layer, 1, n)[-1]
            except RuntimeError:
                expected = -1
            if expected < 1:
                # torch raises, or returns an empty tensor for 0; both are errors for us.
                with pytest.raises(ValueError):
                    conv_transpose_output_size(n, f, s, p, op, d)
                continue
            assert conv_transpose_output_size(n, f, s, p, op, d) == expected, (n, f, s, p, op, d)
            checked += 1
    assert checked > 500


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n=0, f=3),
        dict(n=5, f=0),
        dict(n=5, f=3, s=0),
        dict(n=5, f=3, p=-1),
        dict(n=5, f=3, d=0),
        dict(n=2, f=5),
        dict(n=3, f=3, d=2),
    ],
)
def test_conv_output_size_rejects_impossible(kwargs):
    with pytest.raises(ValueError):
        conv_output_size(**kwargs)


def test_conv_transpose_rejects_bad_output_padding():
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose_output_size(5, 3, s=1, output_padding=1)
    with pytest.raises(ValueError):
        conv_transpose_output_size(1, 1, s=1, p=1)  # 1 - 2 < 1


# --- the book's worked examples -----------------------------------------------------------


def test_book_5x5_f3_p1_s2_two_filters():
    assert conv_output_shape((1, 5, 5), 2, f=3, s=2, p=1) == (2, 3, 3)
    assert _torch_out(nn.Conv2d(1, 2, 3, stride=2, padding=1), 1, 5) == (2, 3, 3)


def test_book_39x39x3_to_37x37x10():
    assert conv_output_shape((3, 39, 39), 10, f=3) == (10, 37, 37)
    assert _torch_out(nn.Conv2d(3, 10, 3), 3, 39) == (10, 37, 37)


def test_book_im2col_37x37x10_f5_s2():
    x = torch.randn(1, 10, 37, 37)
    cols = im2col(x, 5, s=2)
    assert cols.shape == (1, 250, 289)  # 5*5*10 rows, 17*17 positions
    assert conv_output_shape((10, 37, 37), 20, f=5, s=2) == (20, 17, 17)
    w = torch.randn(20, 10, 5, 5)
    y = conv2d_im2col(x, w, stride=2)
    assert y.shape == (1, 20, 17, 17)
    torch.testing.assert_close(y, F.conv2d(x, w, stride=2), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    "n,f,s,p,expected",
    [
        (5, 4, 1, 0, 8),
        (5, 4, 1, 1, 6),
        (5, 3, 1, 1, 5),
        (5, 3, 1, 2, 3),
        (2, 3, 2, 0, 5),
        (2, 3, 2, 1, 3),
    ],
)
def test_book_transposed_convolutions(n, f, s, p, expected):
    assert conv_transpose_output_size(n, f, s, p) == expected
    assert _torch_out(nn.ConvTranspose2d(1, 1, f, s, p), 1, n) == (1, expected, expected)
    assert conv_transpose_output_shape((1, n, n), 1, f, s, p) == (1, expected, expected)


def test_exercise_3x64x64_f6_s2_p1():
    layer = nn.Conv2d(3, 10, 6, stride=2, padding=1)
    assert conv_output_shape((3, 64, 64), 10, f=6, s=2, p=1) == (10, 31, 31)
    assert _torch_out(layer, 3, 64) == (10, 31, 31)
    assert conv_params(3, 10, 6) == 10 * (3 * 36) + 10 == 1090
    assert sum(p.numel() for p in layer.parameters()) == 1090


def test_exercise_8x17x17_f5():
    layer = nn.Conv2d(8, 10, 5)
    assert conv_output_shape((8, 17, 17), 10, f=5) == (10, 13, 13)
    assert _torch_out(layer, 8, 17) == (10, 13, 13)
    assert conv_params(8, 10, 5) == 2010 == sum(p.numel() for p in layer.parameters())
    assert conv_params(8, 10, 5, bias=False) == 2000


def test_exercise_maxpool_3x24x24():
    assert pool_output_shape((3, 24, 24), 2, 2) == (3, 12, 12)
    assert pool_output_shape((3, 24, 24), 2) == (3, 12, 12)  # stride defaults to f
    assert _torch_out(nn.MaxPool2d(2, 2), 3, 24) == (3, 12, 12)


# --- im2col and conv2d_im2col ---------------------------------------------------------------


def test_im2col_equals_unfold_grid():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 8)
    for f, s, p, d in itertools.product((1, 2, 3, (2, 3)), (1, 2, (1, 2)), (0, 1, (2, 1)), (1, 2)):
        try:
            expected = F.unfold(x, f, dilation=d, padding=p, stride=s)
        except RuntimeError:
            continue
        torch.testing.assert_close(im2col(x, f, s, p, d), expected, rtol=0, atol=0)


def test_conv2d_im2col_matches_conv2d_grid():
    torch.manual_seed(1)
    for c_in, c_out, f, s, p, d, use_bias in itertools.product(
        (1, 3), (1, 4), (1, 3, 4), (1, 2), (0, 1, 2), (1, 2), (False, True)
    ):
        x = torch.randn(2, c_in, 10, 9)
        w = torch.randn(c_out, c_in, f, f)
        b = torch.randn(c_out) if use_bias else None
        ours = conv2d_im2col(x, w, b, stride=s, padding=p, dilation=d)
        ref = F.conv2d(x, w, b, stride=s, padding=p, dilation=d)
        torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)


def test_conv2d_im2col_rejects_channel_mismatch():
    with pytest.raises(ValueError, match="channels"):
        conv2d_im2col(torch.zeros(1, 3, 5, 5), torch.zeros(2, 1, 3, 3))


# --- exercise 1 -----------------------------------------------------------------------------


@pytest.mark.parametrize("padding,stride", [(0, 1), (1, 1), (1, 2), (0, 2)])
def test_exercise1_matches_conv2d(padding, stride):
    r = exercise1(padding=padding, stride=stride)
    assert r["X"].shape == (5, 5)
    w = torch.stack([r["W0"], r["W1"], r["W2"]])[:, None]
    ref = F.conv2d(r["X"][None, None], w, stride=stride, padding=padding)[0]
    size = conv_output_size(5, 3, stride, padding)
    for k in range(3):
        assert r[f"W{k}"].shape == (3, 3)
        assert r[f"Y{k}"].shape == (size, size)
        torch.testing.assert_close(r[f"Y{k}"], ref[k])


def test_exercise1_values_are_the_books():
    r = exercise1()
    # The cross against a horizontal line, a vertical line and the diagonal (the chapter's).
    assert torch.equal(r["Y0"], torch.tensor([[1.0, 1, 0], [3, 3, 3], [1, 1, 0]]))
    assert torch.equal(r["Y1"], torch.tensor([[3.0, 1, 1]] * 3))
    assert torch.equal(r["Y2"], torch.tensor([[2.0, 2, 1], [1, 2, 1], [2, 1, 1]]))
    assert len(BookExercise1().X) == 5 and all(len(row) == 5 for row in BookExercise1().X)
