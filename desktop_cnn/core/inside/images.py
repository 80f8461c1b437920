"""The model's input as 8-bit pixels: read from an image file, written to a PNG.

An image already at the model's input size (a 28x28 digit, a 32x32 photo) is taken as
stored: it is what the model reads, so an attacked PNG read back gives the attacked answer.
Any other image is preprocessed as ``predict`` does (a digit cropped, scaled and centred),
and the result rounded to whole pixels.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from ..data.preprocess import load_image, prepare
from ..errors import DesktopCnnError
from .pixels import MAX_PIXEL, to_uint8


def pixels_from_image(
    img: Image.Image, input_shape: Sequence[int], mean: Sequence[float], std: Sequence[float]
) -> torch.Tensor:
    """(C, H, W) whole 0-255 pixels (float) the model reads for ``img``."""
    c, h, w = input_shape
    if img.size == (w, h):
        arr = np.asarray(img.convert("L" if c == 1 else "RGB"), dtype=np.float32)
        x = torch.from_numpy(arr.copy())
        return x[None] if c == 1 else x.permute(2, 0, 1)
    try:
        prepared, _ = prepare(img, input_shape, mean, std)
    except (OSError, ValueError) as exc:
        raise DesktopCnnError(f"the image cannot be used ({exc})") from None
    if prepared is None:
        raise DesktopCnnError("the image is empty (no ink found)")
    m = torch.tensor(list(mean)).view(-1, 1, 1)
    s = torch.tensor(list(std)).view(-1, 1, 1)
    return ((prepared[0] * s + m).clamp(0, 1) * MAX_PIXEL).round()


def pixels_from_file(
    path: str | os.PathLike[str],
    input_shape: Sequence[int],
    mean: Sequence[float],
    std: Sequence[float],
) -> torch.Tensor:
    """As ``pixels_from_image``, for a file; one clear line when it cannot be read."""
    try:
        return pixels_from_image(load_image(path), input_shape, mean, std)
    except DesktopCnnError as exc:
        msg = str(exc)
        raise DesktopCnnError(msg if str(path) in msg else f"{path}: {msg}") from None


def as_picture(x: torch.Tensor) -> Image.Image:
    """(C, H, W) whole pixels as a PIL image (L or RGB)."""
    arr = to_uint8(x).cpu().numpy()
    return Image.fromarray(arr[0]) if arr.shape[0] == 1 else Image.fromarray(arr.transpose(1, 2, 0))


def save_png(path: str | os.PathLike[str], x: torch.Tensor) -> None:
    """Write (C, H, W) whole pixels as a PNG (lossless: every pixel as the model read it)."""
    try:
        as_picture(x).save(path, format="PNG")
    except OSError as exc:
        raise DesktopCnnError(f"cannot write {path}: {exc.strerror or exc}") from None


def tile(images: torch.Tensor, columns: int = 8, gap: int = 2) -> torch.Tensor:
    """(N, C, H, W) images in a grid with ``gap`` pixels of grey between them: (C, H', W')."""
    n, c, h, w = images.shape
    columns = max(1, min(columns, n))
    rows = (n + columns - 1) // columns
    out = torch.full((c, rows * (h + gap) - gap, columns * (w + gap) - gap), 128.0)
    for i in range(n):
        r, k = divmod(i, columns)
        out[:, r * (h + gap) : r * (h + gap) + h, k * (w + gap) : k * (w + gap) + w] = images[i]
    return out
