"""Pictures of the explanation views: one feature-map number worked out, and an overlay image.

No Tk, no pyplot. ``explanation_figure`` draws what the "one number" window shows:
per input channel the window the kernel sees, the kernel's weights and their
products with their sum; then the sum over channels, the bias, the activation and
the value. ``image_figure`` puts an RGB picture (a Grad-CAM overlay) over its caption.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from .layer import COLOURS, Grid, _draw_grid

MAX_ROWS = 6  # input channels drawn; the sums always cover all of them


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def explanation_figure(e: Any) -> Figure:
    """``e`` is a ``core.inspect.explain.Explanation``."""
    c_in, kh, _ = e.window.shape
    rows = min(c_in, MAX_ROWS)
    width = 3 * kh + 10
    height = rows * (kh + 1.5) + 6
    fig = Figure(figsize=(max(6.0, width * 0.45), height * 0.42))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_xlim(-0.5, width)
    ax.set_ylim(height, -1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.text(
        0,
        -0.6,
        f"{e.layer}, map {e.channel}, row {e.row}, column {e.col}: a {kh}x{kh} kernel over "
        f"{c_in} channel(s) of {e.source}",
        fontsize=9,
        va="bottom",
    )
    y = 0.5
    for c in range(rows):
        grids = (
            (e.window[c], 0, f"{e.source} channel {c}: window", COLOURS["cell"]),
            (e.weights[c], kh + 1.5, "weights", COLOURS["kernel"]),
            (e.products[c], 2 * kh + 3, "products", COLOURS["done"]),
        )
        for values, x, title, fill in grids:
            _draw_grid(
                ax,
                Grid(
                    torch.from_numpy(np.round(values.astype(np.float64), 2)),
                    x,
                    y,
                    0,
                    kh,
                    title,
                    fill,
                ),
            )
        ax.text(3 * kh + 4, y + kh / 2, f"sum {_fmt(float(e.channel_sums[c]))}", fontsize=8)
        y += kh + 1.5
    lines = []
    if c_in > rows:
        lines.append(f"(channels {rows}..{c_in - 1} are in the sum but not drawn)")
    lines += [
        f"sum of all {e.products.size} products  {e.total:+.4f}",
        f"+ bias of map {e.channel}             {e.bias:+.4f}",
        f"= before the activation       {e.pre_activation:+.4f}",
        f"{e.activation}                          {e.value:+.4f}",
        f"the forward pass put {e.map_value:.4f} in the map",
    ]
    ax.text(0, y + 0.3, "\n".join(lines), fontsize=8, family="monospace", va="top")
    return fig


def image_figure(rgb: np.ndarray, caption: str) -> Figure:
    """An (H, W, 3) uint8 picture, pixels kept sharp, with its caption under it."""
    fig = Figure(figsize=(4.0, 4.6))
    ax = fig.add_axes((0.05, 0.15, 0.9, 0.8))
    ax.imshow(rgb, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.text(0.5, 0.08, caption, ha="center", va="top", fontsize=8, wrap=True)
    return fig
