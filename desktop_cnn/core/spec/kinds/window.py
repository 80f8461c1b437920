"""The output-size arithmetic that convolutions and pooling share (eq. 1 and its failures)."""

from __future__ import annotations

from ...conv.arithmetic import window_size
from ..kind import Field, Out, Shape, num


def side(n: int, f: int, s: int, p: int, d: int, pool: bool) -> tuple[int, str, float]:
    """eq. 1 for one side: (floored size, the formula with numbers, the exact value).

    The book's (n + 2p - f)/s + 1 first; PyTorch's dilated form only when d != 1.
    """
    span = d * (f - 1) + 1
    exact = (n + 2 * p - span) / s + 1
    if pool and p == 0:
        text = f"({n} - {f})/{s} + 1"
    elif d == 1:
        text = f"({n} + 2*{p} - {f})/{s} + 1"
    else:
        text = f"({n} + 2*{p} - {d}*({f} - 1) - 1)/{s} + 1"
    out = window_size(n, f, s, p, d)
    text += f" = {num(exact)}" + ("" if exact == out or exact <= 0 else f", floored to {out}")
    return out, text, exact


def window(
    name: str, shape: Shape, rf: Field, f: int, s: int, p: int, d: int, out_channels: int | None
) -> Out:
    """A window layer's output shape, its failures and the new field (``out_channels`` None:
    pooling, which keeps the channels)."""
    c, h, w = shape
    pool = out_channels is None
    oh, th, eh = side(h, f, s, p, d, pool)
    ow, tw, ew = (oh, th, eh) if w == h else side(w, f, s, p, d, pool)
    text = th if h == w else f"height {th}; width {tw}"
    span = d * (f - 1) + 1
    if min(oh, ow) < 1:
        what = f"a {f}x{f} kernel" + (
            f" with dilation {d} spans {span}x{span} and" if d > 1 else ""
        )
        pad = f" padded by {p}" if p else ""
        return Out(
            shape_formula=text,
            error=f"{name}: {th if oh < 1 else tw}: {what} does not fit a {h}x{w} input{pad}",
        )
    note = ""
    if eh != oh or ew != ow:
        lost = (h + 2 * p - span) % s if eh != oh else (w + 2 * p - span) % s
        note = (
            f"not a whole number: torch floors it, so the last {lost} row(s)/column(s) "
            "of the (padded) input are never read"
        )
    if d != 1:  # how PyTorch's dilated form agrees with the book's
        agree = (
            f"dilation {d}: the kernel spans {d}*({f} - 1) + 1 = {span}, so this is the "
            f"book's (n + 2p - f)/s + 1 with f = {span}"
        )
        note = f"{agree}; {note}" if note else agree
    oc = c if out_channels is None else out_channels
    return Out((oc, oh, ow), text, note=note, field=rf.window(span, s, p))
