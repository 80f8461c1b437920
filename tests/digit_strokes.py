"""Hand-written stroke paths for the ten digits, and random variations of them.

Each digit is a few strokes given as control points in a unit square; a
Catmull-Rom spline through them gives the dense point list a mouse produces.
``variants`` moves, scales, slants, thickens and jitters them the way people's
drawings differ. Used by the drawn-digit tests, which replay them as pointer
events on the real canvas.
"""

from __future__ import annotations

import math
import random

Stroke = list[tuple[float, float]]


def _ellipse(cx, cy, rx, ry, start=-90, end=270, n=14) -> Stroke:
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / n for i in range(n + 1))
    ]


TEMPLATES: dict[int, list[Stroke]] = {
    0: [_ellipse(0.5, 0.5, 0.27, 0.4, -100, 265)],
    1: [[(0.38, 0.24), (0.55, 0.1), (0.53, 0.5), (0.52, 0.9)]],
    2: [
        [
            (0.25, 0.3),
            (0.35, 0.14),
            (0.55, 0.1),
            (0.72, 0.2),
            (0.72, 0.38),
            (0.5, 0.62),
            (0.25, 0.88),
            (0.5, 0.87),
            (0.8, 0.88),
        ]
    ],
    3: [
        [
            (0.25, 0.17),
            (0.5, 0.1),
            (0.7, 0.2),
            (0.65, 0.4),
            (0.45, 0.48),
            (0.68, 0.57),
            (0.72, 0.76),
            (0.55, 0.9),
            (0.25, 0.85),
        ]
    ],
    4: [
        [(0.35, 0.1), (0.27, 0.4), (0.22, 0.6), (0.5, 0.6), (0.8, 0.59)],
        [(0.66, 0.22), (0.65, 0.6), (0.64, 0.92)],
    ],
    5: [
        [(0.75, 0.11), (0.5, 0.1), (0.32, 0.11)],
        [
            (0.32, 0.11),
            (0.29, 0.3),
            (0.27, 0.47),
            (0.5, 0.42),
            (0.7, 0.52),
            (0.72, 0.72),
            (0.55, 0.88),
            (0.27, 0.85),
        ],
    ],
    6: [
        [
            (0.66, 0.1),
            (0.45, 0.28),
            (0.32, 0.5),
            (0.3, 0.72),
            (0.45, 0.88),
            (0.65, 0.83),
            (0.7, 0.65),
            (0.52, 0.52),
            (0.33, 0.62),
        ]
    ],
    7: [[(0.2, 0.13), (0.5, 0.12), (0.8, 0.12), (0.6, 0.5), (0.45, 0.9)]],
    8: [
        [
            (0.55, 0.48),
            (0.7, 0.32),
            (0.62, 0.13),
            (0.42, 0.12),
            (0.32, 0.3),
            (0.5, 0.48),
            (0.7, 0.63),
            (0.65, 0.86),
            (0.45, 0.9),
            (0.3, 0.75),
            (0.38, 0.58),
            (0.55, 0.48),
        ]
    ],
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
            (0.64, 0.9),
        ]
    ],
}


def spline(points: Stroke, per_segment: int = 8) -> Stroke:
    """Catmull-Rom through the control points: the dense path of a mouse drag."""
    if len(points) < 3:
        (x0, y0), (x1, y1) = points[0], points[-1]
        return [(x0 + (x1 - x0) * t / 16, y0 + (y1 - y0) * t / 16) for t in range(17)]
    p = [points[0], *points, points[-1]]
    out: Stroke = []
    for i in range(1, len(p) - 2):
        for k in range(per_segment):
            t = k / per_segment
            out.append(
                tuple(  # type: ignore[arg-type]
                    0.5
                    * (
                        2 * p[i][d]
                        + (-p[i - 1][d] + p[i + 1][d]) * t
                        + (2 * p[i - 1][d] - 5 * p[i][d] + 4 * p[i + 1][d] - p[i + 2][d]) * t * t
                        + (-p[i - 1][d] + 3 * p[i][d] - 3 * p[i + 1][d] + p[i + 2][d]) * t**3
                    )
                    for d in (0, 1)
                )
            )
    out.append(points[-1])
    return out


def variants(digit: int, n: int, canvas: int = 280, seed: int = 0):
    """``n`` drawings of ``digit``: (strokes in canvas pixels, brush width) each."""
    rng = random.Random(seed * 100 + digit)
    for _ in range(n):
        size = rng.uniform(0.5, 0.85) * canvas
        cx = rng.uniform(0.35, 0.65) * canvas
        cy = rng.uniform(0.35, 0.65) * canvas
        slant = rng.uniform(-0.25, 0.25)
        aspect = rng.uniform(0.8, 1.15)
        width = rng.uniform(0.06, 0.09) * canvas  # brush sizes a user would pick
        jitter = 0.012 * canvas
        strokes = []
        for stroke in TEMPLATES[digit]:
            pts = []
            for x, y in spline(stroke):
                x, y = (x - 0.5) * aspect, y - 0.5
                x = x - slant * y  # a right-leaning hand: top moves right
                pts.append(
                    (
                        cx + x * size + rng.gauss(0, jitter / 3),
                        cy + y * size + rng.gauss(0, jitter / 3),
                    )
                )
            strokes.append(pts)
        yield strokes, width
