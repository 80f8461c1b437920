"""A convolution as one matrix product (the im2col and weight-row matrices), as text.

No Tk here. ``matrix_view`` builds the matrices for one small layer with
torch's own ``unfold`` and reshapes; ``tests/test_playground.py`` checks that
their product is ``F.conv2d``'s output (convolution) or, folded back with
``F.fold`` (col2im), ``F.conv_transpose2d``'s output (transposed).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from .formulas import number
from .playground import LayerSettings

MATRIX_LIMIT = (48, 64)  # rows, columns: beyond this the text is no longer readable
Span = tuple[int, int, int]  # (line, first char, last char + 1); lines count from 1 as in Tk


@dataclass(frozen=True)
class MatrixView:
    """``product = rows @ columns``; column ``k`` of ``columns`` and ``product`` is step ``k``.

    Convolution (the book's Fig. 5): ``rows`` holds one flattened filter per
    output channel (C_out, C_in·f·f), ``columns`` one receptive field per
    output cell (the im2col matrix, C_in·f·f x L) and ``product`` (C_out, L)
    is the output, row by row. Transposed: ``rows`` is the weights transposed
    (C_out·f·f, C_in), ``columns`` the input cells (C_in, n·n), and column k
    of ``product`` is input cell k times the kernel, which col2im adds into place.
    """

    rows: Tensor
    columns: Tensor
    product: Tensor
    row_names: list[str]  # rows of ``rows`` and of ``product``
    inner_names: list[str]  # columns of ``rows`` = rows of ``columns``
    col_names: list[str]  # columns of ``columns`` and of ``product``
    transposed: bool


def matrix_view(st: LayerSettings, x: Tensor, w: Tensor) -> MatrixView | None:
    """The matrices for ``x`` (C_in, n, n) and torch-shaped ``w``; None when too large."""
    f, cin, cout = st.kernel, st.in_channels, st.out_channels
    taps = [(a, b) for a in range(f) for b in range(f)]
    if st.transposed:
        rows = w.reshape(cin, cout * f * f).T  # (C_out·f·f, C_in)
        columns = x.reshape(cin, -1)  # (C_in, n·n)
        row_names = [f"o{o}:{a},{b}" for o in range(cout) for a, b in taps]
        inner = [f"x{c}" for c in range(cin)]
        cells = st.size
    else:
        rows = w.reshape(cout, cin * f * f)  # (C_out, C_in·f·f)
        columns = F.unfold(x[None], f, dilation=st.dilation, padding=st.padding, stride=st.stride)[
            0
        ]  # (C_in·f·f, L)
        row_names = [f"f{o}" for o in range(cout)]
        inner = [f"c{c}:{a},{b}" for c in range(cin) for a, b in taps]
        cells = st.output_size
    if max(rows.shape[0], columns.shape[0]) > MATRIX_LIMIT[0] or columns.shape[1] > MATRIX_LIMIT[1]:
        return None
    col_names = [f"({i},{j})" for i in range(cells) for j in range(cells)]
    return MatrixView(rows, columns, rows @ columns, row_names, inner, col_names, st.transposed)


def matrix_lines(
    m: Tensor, row_names: list[str], col_names: list[str], first_line: int
) -> tuple[list[str], list[list[Span]]]:
    """A right-aligned table; also, for each column, where it sits in the text."""
    cells = [[number(v) for v in row] for row in m.tolist()]
    width = max([len(c) for c in col_names] + [len(v) for row in cells for v in row]) + 1
    label = max(len(n) for n in row_names) + 2
    lines = [" " * label + "".join(c.rjust(width) for c in col_names)]
    lines += [
        f"  {name}".ljust(label) + "".join(v.rjust(width) for v in row)
        for name, row in zip(row_names, cells, strict=True)
    ]
    spans = [
        [(first_line + k, label + j * width, label + (j + 1) * width) for k in range(len(lines))]
        for j in range(len(col_names))
    ]
    return lines, spans


def format_view(view: MatrixView, st: LayerSettings) -> tuple[str, list[list[Span]]]:
    """The three matrices as text, and per step the spans of its column in X and in W·X."""
    r, k = view.rows.shape
    _, cols = view.columns.shape
    if view.transposed:
        titles = (
            f"Weights, transposed: W\u1d40 ({r} x {k}), a row per output channel and tap",
            f"Input as columns: X ({k} x {cols}), a column per input cell = per step",
            f"W\u1d40 · X ({r} x {cols}): column (r,c) is input cell (r,c) times the "
            f"kernel; col2im adds tap (a,b) into output cell "
            f"(r·{st.stride} + a·{st.dilation} − {st.padding}, "
            f"c·{st.stride} + b·{st.dilation} − {st.padding})",
        )
    else:
        titles = (
            f"Weight rows: W ({r} x {k}), one flattened filter per row",
            f"im2col: X ({k} x {cols}), one receptive field per column = per output cell",
            f"W · X = Y ({r} x {cols}), each row read row by row is a "
            f"{st.output_size} x {st.output_size} output map",
        )
    lines: list[str] = [titles[0]]
    body, _ = matrix_lines(view.rows, view.row_names, view.inner_names, len(lines) + 1)
    lines += body + ["", titles[1]]
    body, x_spans = matrix_lines(view.columns, view.inner_names, view.col_names, len(lines) + 1)
    lines += body + ["", titles[2]]
    body, y_spans = matrix_lines(view.product, view.row_names, view.col_names, len(lines) + 1)
    lines += body
    spans = [a + b for a, b in zip(x_spans, y_spans, strict=True)]
    return "\n".join(lines), spans


CORNER = (6, 8)  # rows, columns of each matrix shown when the whole one is too big to draw


def _corner(m: Tensor, row_names: list[str], col_names: list[str]) -> list[str]:
    r, c = min(CORNER[0], m.shape[0]), min(CORNER[1], m.shape[1])
    lines, _ = matrix_lines(m[:r, :c], row_names[:r], col_names[:c], 1)
    more = m.shape[1] > c
    return [line + ("  ..." if more and k else "") for k, line in enumerate(lines)] + (
        ["  ..."] if m.shape[0] > r else []
    )


def matrix_summary(st: LayerSettings, x: Tensor | None = None, w: Tensor | None = None) -> str:
    """A layer too big to draw as one product: its sizes, how a column is made, the corners."""
    f, s, p, cin, cout = st.kernel, st.stride, st.padding, st.in_channels, st.out_channels
    n, m = st.size, st.output_size
    k, cells = cin * f * f, m * m
    if st.transposed:
        return "\n".join(
            [
                f"Too big to draw whole: W\u1d40 is [{cout * f * f} x {cin}] (a row per output "
                f"channel and tap), X is [{cin} x {n * n}] (a column per input cell).",
                f"Their product [{cout * f * f} x {n * n}] holds each input cell times the kernel; "
                f"col2im adds those patches into the {cout}x{m}x{m} output.",
            ]
        )
    lines = [
        "Too big to draw whole: the sizes, how a column is made, and a corner of each matrix.",
        f"Positions per side: ({n} + 2·{p} − {f}) / {s} + 1 = {m}, so {m}·{m} = {cells} "
        "receptive fields.",
        f"im2col: X_col is [{k} x {cells}]. Column (i,j) is the {f}x{f}x{cin} block from input "
        f"cell (i·{s} − {p}, j·{s} − {p}),",
        f"  stretched into {cin}·{f}·{f} = {k} numbers (channel by channel, row by row).",
        f"Weight rows: W_row is [{cout} x {k}], one flattened {f}x{f}x{cin} filter per row.",
        f"W_row · X_col = [{cout} x {k}]·[{k} x {cells}] = [{cout} x {cells}]: row o, read {m} "
        "at a time,",
        f"  is output map o, so the output is {cout}x{m}x{m} (C, H, W), i.e. {m}x{m}x{cout}.",
    ]
    ones = F.unfold(torch.ones(1, cin, n, n), f, padding=p, stride=s, dilation=st.dilation)
    copies = int(F.fold(ones, (n, n), f, padding=p, stride=s, dilation=st.dilation).max())
    lines += [
        f"Windows overlap, so X_col repeats inputs: one input number sits in up to "
        f"{copies} columns",
        f"  ({k * cells:,} entries made from {cin * n * n:,} inputs).",
    ]
    if x is None or w is None:
        return "\n".join(lines)
    taps = [f"c{c}:{a},{b}" for c in range(cin) for a in range(f) for b in range(f)]
    cols = [f"({i},{j})" for i in range(m) for j in range(m)]
    rows = w.reshape(cout, k)
    columns = F.unfold(x[None], f, dilation=st.dilation, padding=p, stride=s)[0]
    for title, mat, rn, cn in (
        (f"W_row, top-left corner (of {cout} x {k})", rows, [f"f{o}" for o in range(cout)], taps),
        (f"X_col, top-left corner (of {k} x {cells})", columns, taps, cols),
        (
            f"W_row · X_col, top-left corner (of {cout} x {cells})",
            rows @ columns,
            [f"f{o}" for o in range(cout)],
            cols,
        ),
    ):
        lines += ["", title] + _corner(mat, rn, cn)
    return "\n".join(lines)
