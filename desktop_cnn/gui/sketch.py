"""A drawing as strokes, rendered into a PIL image: what the model reads, never the screen.

Strokes are drawn at ``SUPERSAMPLE`` times the canvas size and box-filtered
down, which antialiases them (PIL's ``ImageDraw.line`` alone does not). Each
segment gets a disc at its end: round caps and round joins, so fast mouse
moves still give a smooth, even line. The screen shows this same image, so
what people see is exactly what is preprocessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw

CANVAS = 280  # px: ten times MNIST's 28, large enough to draw comfortably
SUPERSAMPLE = 2  # 2x2 box filter: visibly smooth edges for ~0.2 ms per update
MIN_STEP = 1.0  # px: motion events closer than this add nothing visible


@dataclass
class Stroke:
    width: float
    points: list[tuple[float, float]] = field(default_factory=list)


class Sketch:
    """Strokes in canvas pixels (``size`` x ``size``), white ink on black like MNIST."""

    def __init__(self, size: int = CANVAS, brush: int = 20) -> None:
        self.size = size
        self.brush = brush
        self.strokes: list[Stroke] = []
        self.version = 0  # bumped on every change; caches compare it
        self._big = Image.new("L", (size * SUPERSAMPLE,) * 2, 0)
        self._draw = ImageDraw.Draw(self._big)
        self._image: Image.Image | None = None

    @property
    def empty(self) -> bool:
        return not self.strokes

    @property
    def image(self) -> Image.Image:
        """The drawing at canvas size, 'L' mode, antialiased (cached until the next change)."""
        if self._image is None:
            self._image = self._big.reduce(SUPERSAMPLE)
        return self._image

    def image_at(self, size: int) -> Image.Image:
        """The drawing at ``size`` px for a screen, from the supersampled image: a pad larger
        than the canvas (a high-dpi screen) stays sharp instead of a blurred enlargement."""
        if size == self.size:
            return self.image
        big = self._big.width
        method = Image.Resampling.BOX if size <= big else Image.Resampling.BILINEAR
        return self._big.resize((size, size), method)

    def begin(self, x: float, y: float) -> None:
        stroke = Stroke(self.brush, [(x, y)])
        self.strokes.append(stroke)
        self._dot(stroke.width, x, y)
        self._changed()

    def extend(self, x: float, y: float) -> bool:
        """Add a point to the current stroke; False when it is too close to matter."""
        if not self.strokes:
            self.begin(x, y)
            return True
        stroke = self.strokes[-1]
        px, py = stroke.points[-1]
        if (x - px) ** 2 + (y - py) ** 2 < MIN_STEP**2:
            return False
        stroke.points.append((x, y))
        self._segment(stroke.width, (px, py), (x, y))
        self._changed()
        return True

    def undo(self) -> bool:
        if not self.strokes:
            return False
        self.strokes.pop()
        self._redraw()
        return True

    def clear(self) -> None:
        self.strokes.clear()
        self._redraw()

    def _redraw(self) -> None:
        self._draw.rectangle((0, 0, *self._big.size), fill=0)
        for stroke in self.strokes:
            self._dot(stroke.width, *stroke.points[0])
            for p, q in zip(stroke.points, stroke.points[1:], strict=False):
                self._segment(stroke.width, p, q)
        self._changed()

    def _segment(self, width: float, p: tuple[float, float], q: tuple[float, float]) -> None:
        s = SUPERSAMPLE
        self._draw.line(
            (p[0] * s, p[1] * s, q[0] * s, q[1] * s), fill=255, width=max(1, round(width * s))
        )
        self._dot(width, *q)

    def _dot(self, width: float, x: float, y: float) -> None:
        r = width * SUPERSAMPLE / 2
        cx, cy = x * SUPERSAMPLE, y * SUPERSAMPLE
        self._draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)

    def _changed(self) -> None:
        self._image = None
        self.version += 1
