"""A personal handwriting for the fine-tuning tests: ordinary digits plus two personal habits.

The ordinary ones are ``digit_strokes.variants``; the habits are a printed
"1" with a flag and a base line and a "9" whose tail curls to the left. The
quickly trained test model reads the first as a 2 and the second as a 3 or
an 8 (measured), so a personal set made of these holds drawings it gets
wrong, as a real user's would.
"""

from __future__ import annotations

import random

from digit_strokes import spline, variants

HABITS: dict[int, list[list[tuple[float, float]]]] = {
    1: [[(0.3, 0.3), (0.55, 0.1), (0.55, 0.9)], [(0.3, 0.9), (0.8, 0.9)]],
    9: [
        [
            (0.68, 0.3),
            (0.55, 0.12),
            (0.35, 0.16),
            (0.3, 0.35),
            (0.45, 0.47),
            (0.66, 0.38),
            (0.69, 0.22),
            (0.67, 0.6),
            (0.5, 0.88),
            (0.3, 0.8),
        ]
    ],
}


def habit(digit: int, n: int, canvas: int = 280, seed: int = 0):
    """``n`` drawings of a habit: (strokes in canvas pixels, brush width), slightly varied."""
    rng = random.Random(seed * 100 + digit)
    for _ in range(n):
        size = rng.uniform(0.6, 0.75) * canvas
        cx, cy = (rng.uniform(0.45, 0.55) * canvas for _ in range(2))
        strokes = [
            [(cx + (x - 0.5) * size, cy + (y - 0.5) * size) for x, y in spline(s)]
            for s in HABITS[digit]
        ]
        yield strokes, rng.uniform(0.06, 0.09) * canvas


def handwriting(canvas: int = 280, per_digit: int = 2, per_habit: int = 3):
    """[(digit, strokes, brush width)]: ``per_digit`` of each digit, then the habits."""
    out = [
        (d, strokes, width)
        for d in range(10)
        for strokes, width in variants(d, per_digit, canvas, seed=3)
    ]
    out += [(d, strokes, width) for d in HABITS for strokes, width in habit(d, per_habit, canvas)]
    return out
