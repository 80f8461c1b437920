"""Arrays to pictures: colour maps and grids of feature maps, in numpy (no Tk, no matplotlib).

The feature-map view redraws while the user draws, so it cannot afford a
matplotlib figure per update; a grid is one uint8 RGB array shown as one
Tk image. The colour maps are sampled from matplotlib's viridis and coolwarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _lut(anchors: list[tuple[int, int, int]]) -> np.ndarray:
    """A (256, 3) uint8 table interpolated linearly between evenly spaced colours."""
    a = np.asarray(anchors, dtype=np.float32)
    pos = np.linspace(0, 1, len(a))
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, pos, a[:, c]) for c in range(3)], 1).round().astype(np.uint8)


VIRIDIS = _lut(
    [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ]
)
COOLWARM = _lut(
    [(59, 76, 192), (141, 176, 254), (221, 221, 221), (244, 154, 123), (180, 4, 38)]
)  # diverging: blue < 0 < red, for signed weights
GRAY = _lut([(0, 0, 0), (255, 255, 255)])


def colorize(a: np.ndarray, lo: float, hi: float, lut: np.ndarray = VIRIDIS) -> np.ndarray:
    """(H, W) values to (H, W, 3) uint8, ``lo`` and ``hi`` mapping to the table's ends."""
    span = hi - lo if hi > lo else 1.0
    idx = np.clip((a - lo) * (255.0 / span), 0, 255).astype(np.uint8)
    return lut[idx]


def to_rgb(image: np.ndarray) -> np.ndarray:
    """A 0..1 image (H, W) or (3, H, W) to (H, W, 3) uint8."""
    a = np.clip(image, 0, 1)
    if a.ndim == 3:
        a = a.transpose(1, 2, 0)
        if a.shape[2] == 1:
            a = a[:, :, 0]
    u8 = (a * 255).round().astype(np.uint8)
    return np.repeat(u8[:, :, None], 3, 2) if u8.ndim == 2 else u8


def zoom(rgb: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour enlargement to size x size: small maps stay crisp squares, not blur."""
    n = rgb.shape[0]
    if size % n == 0:
        k = size // n
        return rgb.repeat(k, 0).repeat(k, 1) if k > 1 else rgb
    idx = np.arange(size) * n // size  # uneven by at most one pixel per cell
    return rgb[idx][:, idx]


@dataclass(frozen=True)
class GridLayout:
    """Where each of ``count`` tiles of ``tile`` x ``tile`` px sits in the grid image."""

    count: int
    cols: int
    tile: int  # px, after zooming
    gap: int = 3

    @property
    def rows(self) -> int:
        return -(-self.count // self.cols)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in px."""
        step = self.tile + self.gap
        return self.gap + self.cols * step, self.gap + self.rows * step

    def origin(self, i: int) -> tuple[int, int]:
        r, c = divmod(i, self.cols)
        step = self.tile + self.gap
        return self.gap + c * step, self.gap + r * step

    def index_at(self, x: int, y: int) -> int | None:
        """The tile under pixel (x, y), or None for a gap or outside the grid."""
        step = self.tile + self.gap
        c, cx = divmod(x - self.gap, step)
        r, cy = divmod(y - self.gap, step)
        if x < self.gap or y < self.gap or cx >= self.tile or cy >= self.tile or c >= self.cols:
            return None
        i = int(r * self.cols + c)
        return i if i < self.count else None


def layout_for(
    count: int, side: int, max_cols: int = 8, target: int = 84, max_width: int | None = None
) -> GridLayout:
    """Tiles about ``target`` px (smaller when there are many), in rows of ``max_cols``.

    A whole multiple of the map's side keeps its pixels square; when the grid
    would be wider than ``max_width`` the tiles shrink to fit instead.
    """
    if count > max_cols:
        target = target * 3 // 4
    cols = min(count, max_cols)
    tile = side * max(1, round(target / side))
    if max_width:
        gap = GridLayout.gap
        tile = max(side, min(tile, (max_width - gap) // cols - gap))
    return GridLayout(count, cols, tile)


def grid(tiles: list[np.ndarray], layout: GridLayout, background: int = 240) -> np.ndarray:
    """Tiles (h, w, 3) uint8 of one size, enlarged and laid out: (H, W, 3) uint8."""
    w, h = layout.size
    out = np.full((h, w, 3), background, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        big = zoom(tile, layout.tile)
        x, y = layout.origin(i)
        out[y : y + big.shape[0], x : x + big.shape[1]] = big
    return out


def layer_tiles(
    maps: np.ndarray, per_map: bool = False, lut: np.ndarray = VIRIDIS
) -> list[np.ndarray]:
    """(C, H, W) activations to C coloured tiles, on the layer's range or each map's own.

    One range for the whole layer shows which maps respond strongly; a range
    per map shows the pattern of a weakly responding one.
    """
    if per_map:
        return [colorize(m, float(m.min()), float(m.max()), lut) for m in maps]
    lo, hi = float(maps.min()), float(maps.max())
    return [colorize(m, lo, hi, lut) for m in maps]


def filter_tiles(weights: np.ndarray) -> list[np.ndarray]:
    """conv1 weights (out, in, k, k) to tiles: coolwarm for one channel, RGB for three."""
    if weights.shape[1] == 3:
        tiles = []
        for w in weights:
            lo, hi = float(w.min()), float(w.max())
            tiles.append(to_rgb((w - lo) / (hi - lo if hi > lo else 1.0)))
        return tiles
    bound = float(np.abs(weights).max()) or 1.0  # symmetric, so white means zero
    return [colorize(w.mean(0), -bound, bound, COOLWARM) for w in weights]
