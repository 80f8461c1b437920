"""Exercises 1-3 as questions: the learner's answer is checked and what is wrong is named.

No Tk. Each question knows its right answer (from ``arithmetic``, the same numbers the
worked answers print) and the usual slips: padding forgotten or added, the stride
left out, the "+ 1" dropped, the input's depth kept instead of one map per filter,
the bias forgotten. ``check`` returns a verdict with one or two lines for the learner.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .arithmetic import conv_output_size, exercise1

Checker = Callable[[str], "Verdict"]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


@dataclass(frozen=True)
class Question:
    prompt: str
    hint: str  # how to write the answer
    answer: str  # the right answer as text
    check: Checker


def numbers_in(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


# --- exercise 1: a 3x3 output of numbers -------------------------------------------------------


def _grid_question(k: int) -> Question:
    r = exercise1()
    want = r[f"Y{k}"]
    rows = " / ".join(" ".join(str(int(v)) for v in row) for row in want.tolist())
    padded = exercise1(padding=1)[f"Y{k}"]

    def check(text: str) -> Verdict:
        got = numbers_in(text)
        if len(got) == padded.numel():
            return Verdict(
                False,
                "That is a 5x5 answer: you padded the input. The exercise "
                "has no padding, so a 3x3 filter fits 5 − 3 + 1 = 3 times a side.",
            )
        if len(got) != 9:
            return Verdict(False, f"Y{k} is 3x3: give 9 numbers (you gave {len(got)}).")
        flat = want.flatten().tolist()
        wrong = [(i // 3, i % 3) for i, (a, b) in enumerate(zip(got, flat, strict=True)) if a != b]
        if not wrong:
            return Verdict(True, f"Right: Y{k} = {rows}.")
        cells = ", ".join(f"({i},{j})" for i, j in wrong)
        i, j = wrong[0]
        return Verdict(
            False,
            f"{len(wrong)} of 9 numbers differ, at {cells}. Y{k}[{i},{j}] multiplies W{k} with "
            f"the 3x3 patch of X at rows {i}..{i + 2}, columns {j}..{j + 2}, and adds the 9 "
            "products.",
        )

    return Question(
        f"Exercise 1: X convolved with W{k} (stride 1, no padding). What is Y{k}?",
        "9 numbers row by row, e.g. 1 2 3 / 4 5 6 / 7 8 9",
        rows,
        check,
    )


# --- exercise 2: output shapes ------------------------------------------------------------------


def _shape_question(
    label: str, c: int, n: int, f: int, s: int, p: int, filters: int | None
) -> Question:
    side = conv_output_size(n, f, s, p)
    depth = c if filters is None else filters
    want = (depth, side, side)
    answer = f"{depth}x{side}x{side}"
    slips = {
        "padding forgotten": (n - f) // s + 1 if p else None,
        "stride left out": n + 2 * p - f + 1 if s > 1 else None,
        "the + 1 dropped": (n + 2 * p - f) // s,
        "padding added once, not on both sides (p, not 2p)": (n + p - f) // s + 1 if p else None,
        "f added instead of subtracted": (n + 2 * p + f) // s + 1,
    }

    def check(text: str) -> Verdict:
        got = [int(v) for v in numbers_in(text)]
        if len(got) != 3:
            return Verdict(False, "Give the shape as C x H x W, e.g. 6x28x28.")
        if tuple(got) == want:
            return Verdict(True, f"Right: {answer}.")
        msgs = []
        gc, gh, gw = got
        if gc != depth:
            if filters is None:
                msgs.append(f"Depth {gc}: pooling keeps the depth, so it stays {c}.")
            elif gc == c:
                msgs.append(f"Depth {gc} is the input's: the output has one map per filter.")
            else:
                msgs.append(f"Depth {gc}: count the filters.")
        if (gh, gw) != (side, side):
            why = [name for name, v in slips.items() if v is not None and v == gh]
            if why:
                msgs.append(f"Side {gh}: {why[0]}. Use (n + 2p − f)/s + 1.")
            else:
                msgs.append(
                    f"Side {gh} is not it: put n = {n}, f = {f}, s = {s}, p = {p} "
                    "into (n + 2p − f)/s + 1, rounded down."
                )
        return Verdict(False, " ".join(msgs))

    return Question(label, "C x H x W, e.g. 6x28x28", answer, check)


# --- exercise 3: parameter counts ---------------------------------------------------------------


def _params_question(label: str, c: int, filters: int, f: int) -> Question:
    want = filters * c * f * f + filters
    slips = {
        filters * c * f * f: "the bias is missing: each filter has one more number",
        filters * f * f + filters: f"each filter spans all {c} input channels: f·f·C_in weights",
        c * f * f + 1: f"that is one filter: there are {filters}",
        filters * (c * f * f + c): "one bias per filter, not per input channel",
    }

    def check(text: str) -> Verdict:
        got = numbers_in(text.replace(",", ""))
        if len(got) != 1:
            return Verdict(False, "Give one whole number.")
        v = int(got[0])
        if v == want:
            return Verdict(True, f"Right: {filters}·({c}·{f}·{f}) + {filters} = {want}.")
        why = slips.get(v)
        if why:
            return Verdict(False, f"{v}: {why}.")
        return Verdict(
            False,
            f"{v} is not it: C_out·(C_in·f·f) + C_out, and the image size "
            "does not matter (the weights are shared).",
        )

    return Question(label, "a whole number", f"{want}", check)


QUIZZES: dict[str, list[Question]] = {
    "Exercise 1: W0, W1, W2 on 5x5": [_grid_question(k) for k in range(3)],
    "Exercise 2: three output shapes": [
        _shape_question(
            "Exercise 2(a): 3x64x64 input, ten 6x6 filters, s=2, p=1. Output shape?",
            3,
            64,
            6,
            2,
            1,
            10,
        ),
        _shape_question(
            "Exercise 2(b): 8x17x17 input, ten 5x5 filters, s=1, p=0. Output shape?",
            8,
            17,
            5,
            1,
            0,
            10,
        ),
        _shape_question(
            "Exercise 2(c): 3x24x24 input, max pooling f=2, s=2. Output shape?",
            3,
            24,
            2,
            2,
            0,
            None,
        ),
    ],
    "Exercise 2(c): max pool 3x24x24, f2 s2": [
        _shape_question(
            "Exercise 2(c): 3x24x24 input, max pooling f=2, s=2. Output shape?",
            3,
            24,
            2,
            2,
            0,
            None,
        ),
    ],
    "Exercise 3: parameter counts": [
        _params_question(
            "Exercise 3(a): how many parameters has 2(a)'s layer (ten 6x6 "
            "filters on 3 channels, with bias)?",
            3,
            10,
            6,
        ),
        _params_question(
            "Exercise 3(b): and 2(b)'s layer (ten 5x5 filters on 8 channels)?", 8, 10, 5
        ),
    ],
}
