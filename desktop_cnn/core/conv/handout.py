"""Exercises 1-3 as a handout: the chapter's numbers, each formula with the numbers put in.

No Tk here. ``handout_text`` is plain text for a teacher to print (with or without the
answers); ``handout_data`` is the same content as JSON-able values. Every answer is
computed (``arithmetic``, ``summary``), never typed in; tests compare them with torch and
with the chapter's printed answers.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .arithmetic import BookExercise1, exercise1
from .exercises import (
    cifar_net_params,
    conv_settings,
    exercise2_cases,
    exercise3_layers,
    grids_side_by_side,
)
from .formulas import Formula, number, params_formula, pool_formula


def eq1(n: int, f: int, s: int = 1, p: int = 0) -> Formula:
    """The chapter's eq. 1, (n + 2p - f)/s + 1 (no dilation): the same arithmetic as pooling."""
    return pool_formula(n, f, s, p)


def one_cell(k: int, i: int, j: int) -> str:
    """Eq. 2 for one output value: Y_k[i, j] as the sum of its nine products."""
    r = exercise1()
    x, w = r["X"], r[f"W{k}"]
    terms = [(x[i + a, j + b].item(), w[a, b].item()) for a in range(3) for b in range(3)]
    products = " + ".join(f"{number(xv)}·{number(wv)}" for xv, wv in terms)
    total = sum(xv * wv for xv, wv in terms)
    return f"Y{k}[{i},{j}] = {products} = {number(total)}"


def _exercise1(answers: bool) -> list[str]:
    r = exercise1()
    f = eq1(5, 3)
    lines = [
        "Exercise 1. One input map X and three filters W0, W1, W2 (stride 1, no padding).",
        "Compute the output maps Y0, Y1 and Y2.",
        "",
    ]
    lines += grids_side_by_side([(k, r[k]) for k in ("X", "W0", "W1", "W2")])
    if answers:
        lines += [
            "",
            "Size of each output map:",
            f"  {f.general}",
            f"  {f.substituted}",
            "Each output value is a sum of nine products (eq. 2), for example:",
            f"  {one_cell(0, 1, 0)}",
            f"  {one_cell(2, 0, 0)}",
            "",
        ]
        lines += grids_side_by_side([(k, r[k]) for k in ("Y0", "Y1", "Y2")])
    return lines


def _exercise2(answers: bool) -> list[str]:
    lines = ["Exercise 2. Give the output shape [C, H, W] of each layer."]
    for case in exercise2_cases():
        lines.append(f"  {case.question}")
        if answers:
            out = ", ".join(str(v) for v in case.out_shape)
            st = case.settings
            f = case.formula if st is None else eq1(st.size, st.kernel, st.stride, st.padding)
            assert f.value == case.out_shape[1]  # eq. 1 and the playground's formula agree
            lines += [
                f"      {f.general}",
                f"      {f.substituted}",
                f"      shape [{out}]   (PyTorch: {case.layer_line})",
            ]
    return lines


def _exercise3(answers: bool) -> list[str]:
    lines = ["Exercise 3. How many parameters does each layer, and the chapter's CIFAR net, learn?"]
    for case in exercise3_layers():
        st = conv_settings(case)  # exercise 3's layers are exercise 2's conv cases
        lines.append(f"  {case.question}")
        if answers:
            f = params_formula(st.in_channels, st.out_channels, st.kernel, st.bias)
            lines += [f"      {f.general}", f"      {f.substituted}"]
    lines.append(
        "  (c) the CIFAR net: conv 3->16 (3x3, p=1), pool 2, conv 16->8 (3x3, p=1), "
        "pool 2, fc 512->32, fc 32->2"
    )
    if answers:
        rows, total = cifar_net_params()
        for r in rows:
            lines.append(f"      {r.name:<6}{r.formula.substituted}")
        sums = " + ".join(str(r.formula.value) for r in rows)
        lines.append(f"      total = {sums} = {total:,}")
    return lines


def handout_text(answers: bool = True) -> str:
    title = "Convolutional networks: exercises 1-3" + (" with worked answers" if answers else "")
    parts = [
        [title, "=" * len(title)],
        _exercise1(answers),
        _exercise2(answers),
        _exercise3(answers),
    ]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"


def _grid(t: Tensor) -> list[list[int]]:
    return [[int(v) for v in row] for row in t.tolist()]


def handout_data() -> dict[str, Any]:
    r = exercise1()
    ex2 = [
        {
            "question": c.question,
            "input": list(c.in_shape),
            "output": list(c.out_shape),
            "formula": c.formula.general,
            "worked": c.formula.substituted,
            "pytorch": c.layer_line,
        }
        for c in exercise2_cases()
    ]
    rows, total = cifar_net_params()
    layers = []
    for case in exercise3_layers():
        st = conv_settings(case)  # exercise 3's layers are exercise 2's conv cases
        f = params_formula(st.in_channels, st.out_channels, st.kernel, st.bias)
        layers.append({"question": case.question, "params": f.value, "worked": f.substituted})
    return {
        "exercise1": {
            **{k: _grid(r[k]) for k in ("X", "W0", "W1", "W2", "Y0", "Y1", "Y2")},
            "stride": 1,
            "padding": 0,
            "book_answers": [list(map(list, a)) for a in BookExercise1.ANSWERS],
        },
        "exercise2": ex2,
        "exercise3": {
            "layers": layers,
            "cifar_net": {
                "rows": [
                    {"layer": x.name, "params": x.formula.value, "worked": x.formula.substituted}
                    for x in rows
                ],
                "total": total,
            },
        },
    }
