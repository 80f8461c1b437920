"""Draw the app's icon (assets/desktop-cnn.png, 256 px): a 3x3 kernel sliding over a feature map.

Run from the project root: ``python docs/make_icon.py``. Drawn at 4x and
reduced, so edges are smooth at every size a desktop shows it.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (47, 109, 181)  # gui/common/widgets.py's ACCENT
KERNEL = (224, 112, 15)
SIZE, K = 256, 4


def draw_icon() -> Image.Image:
    s = SIZE * K
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((8 * K, 8 * K, s - 8 * K, s - 8 * K), radius=44 * K, fill=ACCENT)
    cell, x0, y0, n = 36 * K, 38 * K, 38 * K, 5
    shades = [
        [0.2, 0.5, 0.9, 0.5, 0.2],
        [0.3, 0.9, 0.4, 0.9, 0.3],
        [0.2, 0.4, 1.0, 0.4, 0.2],
        [0.3, 0.9, 0.4, 0.9, 0.3],
        [0.2, 0.5, 0.9, 0.5, 0.2],
    ]
    for r in range(n):
        for c in range(n):
            v = int(120 + 135 * shades[r][c])
            box = (
                x0 + c * cell + 3 * K,
                y0 + r * cell + 3 * K,
                x0 + (c + 1) * cell - 3 * K,
                y0 + (r + 1) * cell - 3 * K,
            )
            d.rounded_rectangle(box, radius=6 * K, fill=(v, v, 255, 255))
    kx, ky = x0 + cell, y0 + cell  # the kernel's window over the centre 3x3
    d.rounded_rectangle(
        (kx - 2 * K, ky - 2 * K, kx + 3 * cell + 2 * K, ky + 3 * cell + 2 * K),
        radius=10 * K,
        outline=KERNEL,
        width=9 * K,
    )
    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "assets" / "desktop-cnn.png"
    draw_icon().save(out)
    print(f"wrote {out}")
