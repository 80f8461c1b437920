"""Turn a user's image into what the model was trained on.

Digits go the way MNIST was made (LeCun et al.): grayscale, white ink on
black, cropped to the ink, the longer side scaled to 20 px with antialiasing,
then placed in 28x28 so the centre of mass sits at the centre. Colour images
are resized to the model's input. ``DigitSteps`` keeps every intermediate
step, so the app can show people what happened to their drawing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageOps

from ..errors import DesktopCnnError

INK_THRESHOLD = 0.1  # a pixel is ink above 10% of full intensity (after polarity fix)
BOX = 20  # MNIST digits fit a 20x20 box inside the 28x28 image
SIZE = 28


@dataclass
class DigitSteps:
    """Each stage from the raw image to the 28x28 input; ``tensor`` is None when empty."""

    gray: np.ndarray  # (H, W) float 0..1, white ink on black
    inverted: bool  # the input was dark on light and was inverted
    crop_box: tuple[int, int, int, int] | None  # (left, top, right, bottom) of the ink
    scaled: np.ndarray | None  # the cropped digit, longer side BOX px
    shift: tuple[int, int]  # (dx, dy) applied to move the centre of mass to the centre
    tensor: torch.Tensor | None  # (1, 28, 28) float 0..1, not yet normalised
    placed: np.ndarray | None = None  # (28, 28): the scaled digit's box centred, before the shift
    center: bool = True  # False: centring was switched off, so ``shift`` is (0, 0)

    @property
    def empty(self) -> bool:
        return self.tensor is None


def load_image(path: str | os.PathLike[str]) -> Image.Image:
    """Open an image file, with a clear error for anything PIL cannot read."""
    try:
        img = Image.open(path)
        img.load()
    except FileNotFoundError:
        raise DesktopCnnError(f"{path}: no such file") from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DesktopCnnError(f"{path} cannot be read as an image ({exc})") from None
    return img


def to_gray(img: Image.Image | np.ndarray) -> np.ndarray:
    """Float grayscale in 0..1; transparent pixels count as background (white)."""
    if isinstance(img, np.ndarray):
        arr = img.astype(np.float32)
        return arr / 255.0 if arr.max() > 1.0 else arr
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, img)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


def preprocess_digit(img: Image.Image | np.ndarray, center: bool = True) -> DigitSteps:
    """MNIST-style preprocessing; an image with no ink gives ``tensor=None``."""
    gray = to_gray(img)
    # Polarity from the border: a photo or PNG of a digit is usually dark ink on paper.
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    inverted = bool(np.median(border) > 0.5)
    if inverted:
        gray = 1.0 - gray
    gray = np.clip(gray - np.median(border if not inverted else 1.0 - border), 0, 1)
    ink = gray > INK_THRESHOLD
    if not ink.any():
        return DigitSteps(gray, inverted, None, None, (0, 0), None, center=center)
    rows, cols = np.nonzero(ink)
    box = (int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)
    crop = gray[box[1] : box[3], box[0] : box[2]]
    h, w = crop.shape
    scale = BOX / max(h, w)
    new = (max(1, round(w * scale)), max(1, round(h * scale)))
    pil = Image.fromarray((crop * 255).astype(np.uint8))
    scaled = (
        np.asarray(pil.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0), dtype=np.float32)
        / 255.0
    )
    canvas = np.zeros((SIZE, SIZE), dtype=np.float32)
    top, left = (SIZE - new[1]) // 2, (SIZE - new[0]) // 2
    canvas[top : top + new[1], left : left + new[0]] = scaled
    shift = center_of_mass_shift(canvas) if center else (0, 0)
    moved = _shift(canvas, *shift)
    return DigitSteps(
        gray,
        inverted,
        box,
        scaled,
        shift,
        torch.from_numpy(np.clip(moved, 0, 1)).unsqueeze(0),
        canvas,
        center,
    )


def center_of_mass(a: np.ndarray) -> tuple[float, float]:
    """(x, y) of the ink's centre of mass, in pixels of ``a``; ``a`` must have some ink."""
    total = a.sum()
    ys, xs = np.indices(a.shape)
    return float((xs * a).sum() / total), float((ys * a).sum() / total)


def center_of_mass_shift(a: np.ndarray) -> tuple[int, int]:
    """The whole-pixel (dx, dy) that brings the centre of mass of a 28x28 image to its centre."""
    cx, cy = center_of_mass(a)
    c = (SIZE - 1) / 2
    return int(round(c - cx)), int(round(c - cy))


def _shift(a: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Translate without wrapping around (np.roll would wrap ink to the far side)."""
    out = np.zeros_like(a)
    h, w = a.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = a[ys, xs]
    return out


def preprocess_color(img: Image.Image, size: tuple[int, int]) -> torch.Tensor:
    """RGB, resized (antialiased) to ``size`` = (H, W): (3, H, W) float 0..1."""
    img = ImageOps.exif_transpose(img).convert("RGB")
    img = img.resize((size[1], size[0]), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)


def normalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """(C, H, W) or (N, C, H, W) in 0..1 to the model's input scale."""
    m = torch.tensor(mean, dtype=x.dtype).view(-1, 1, 1)
    s = torch.tensor(std, dtype=x.dtype).view(-1, 1, 1)
    return (x - m) / s


def prepare(
    img: Image.Image,
    input_shape: Sequence[int],
    mean: Sequence[float],
    std: Sequence[float],
    center: bool = True,
) -> tuple[torch.Tensor | None, DigitSteps | None]:
    """The model input (1, C, H, W) for an image, by the model's kind; None when empty."""
    c, h, w = input_shape
    if c == 1:
        steps = preprocess_digit(img, center=center)
        if steps.tensor is None:
            return None, steps
        x = steps.tensor
        if (h, w) != (SIZE, SIZE):
            x = torch.nn.functional.interpolate(x[None], size=(h, w), mode="bilinear")[0]
        return normalize(x, mean, std)[None], steps
    return normalize(preprocess_color(img, (h, w)), mean, std)[None], None
