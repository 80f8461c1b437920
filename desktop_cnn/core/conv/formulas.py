"""Output-size and parameter formulas as text, with the numbers put in.

No Tk here. Each ``Formula`` carries its value from ``arithmetic.py`` (never
recomputed from the text), and ``tests/test_playground.py`` evaluates every
``= ...`` part of the text to check that what a person reads adds up to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .arithmetic import conv_output_size, conv_params, conv_transpose_output_size


def number(v: float) -> str:
    """Integers without a decimal point: the playground's data are small integers."""
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


@dataclass(frozen=True)
class Formula:
    """A formula, the same with the numbers put in, and its value."""

    general: str
    substituted: str  # "out = ... = value"; the tests evaluate every "= ..." part
    value: int
    note: str = ""  # a second form, e.g. PyTorch's for a dilated kernel, and how they agree


def conv_formula(n: int, f: int, s: int = 1, p: int = 0, d: int = 1) -> Formula:
    """The book's ``(n + 2p − f)/s + 1`` (rounded down); a dilated kernel adds PyTorch's form."""
    out = conv_output_size(n, f, s, p, d)
    if d == 1:
        return Formula(
            "out = ⌊(n + 2p − f) / s⌋ + 1",
            f"out = ⌊({n} + 2·{p} − {f}) / {s}⌋ + 1 = ⌊{n + 2 * p - f} / {s}⌋ + 1 = {out}",
            out,
        )
    top = n + 2 * p - d * (f - 1) - 1
    span = d * (f - 1) + 1
    return Formula(
        "out = ⌊(n + 2p − f') / s⌋ + 1 with f' = d·(f − 1) + 1 (the dilated kernel's span)",
        f"out = ⌊({n} + 2·{p} − {span}) / {s}⌋ + 1 = ⌊{n + 2 * p - span} / {s}⌋ + 1 = {out}",
        out,
        note=(
            "PyTorch writes ⌊(n + 2p − d·(f − 1) − 1) / s⌋ + 1: the same, since "
            f"f' = d·(f − 1) + 1; here ⌊({n} + 2·{p} − {d}·({f} − 1) − 1) / {s}⌋ + 1 "
            f"= ⌊{top} / {s}⌋ + 1 = {out}"
        ),
    )


def transpose_formula(
    n: int, f: int, s: int = 1, p: int = 0, output_padding: int = 0, d: int = 1
) -> Formula:
    out = conv_transpose_output_size(n, f, s, p, output_padding, d)
    return Formula(
        "out = (n − 1)·s − 2p + d·(f − 1) + output_padding + 1",
        f"out = ({n} − 1)·{s} − 2·{p} + {d}·({f} − 1) + {output_padding} + 1"
        f" = {(n - 1) * s} − {2 * p} + {d * (f - 1)} + {output_padding} + 1 = {out}",
        out,
    )


def pool_formula(n: int, f: int, s: int, p: int = 0) -> Formula:
    out = conv_output_size(n, f, s, p)  # pooling slides a window like a kernel, d = 1
    return Formula(
        "out = ⌊(n + 2p − f) / s⌋ + 1",
        f"out = ⌊({n} + 2·{p} − {f}) / {s}⌋ + 1 = ⌊{n + 2 * p - f} / {s}⌋ + 1 = {out}",
        out,
    )


def params_formula(c_in: int, c_out: int, f: int, bias: bool = True) -> Formula:
    """Each of ``c_out`` filters holds ``c_in·f·f`` weights (+ one bias)."""
    total = conv_params(c_in, c_out, f, bias)
    b = " + C_out" if bias else ""
    nb = f" + {c_out}" if bias else ""
    return Formula(
        f"params = C_out·(C_in·f·f){b}", f"params = {c_out}·({c_in}·{f}·{f}){nb} = {total}", total
    )


def linear_params_formula(n_in: int, n_out: int, bias: bool = True) -> Formula:
    total = n_out * n_in + (n_out if bias else 0)
    b, nb = (" + out", f" + {n_out}") if bias else ("", "")
    return Formula(f"params = out·in{b}", f"params = {n_out}·{n_in}{nb} = {total}", total)
