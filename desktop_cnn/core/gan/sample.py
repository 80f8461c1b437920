"""Images from a generator: a batch from a seed, a grid picture, a folder of PNGs, a walk."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import SaveError
from ..files.atomic import temp_beside
from .train import GanState, generate


def noise(count: int, nz: int, seed: int) -> torch.Tensor:
    """``count`` noise vectors (count, nz, 1, 1), the same for the same seed on any machine."""
    return torch.randn(count, nz, 1, 1, generator=torch.Generator().manual_seed(seed))


def sample(state: GanState, count: int, seed: int) -> torch.Tensor:
    """``count`` images (count, C, H, W) in -1..1 from noise of ``seed``."""
    return generate(state.generator, noise(count, state.nz, seed))


def walk(state: GanState, a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """The image of the noise a fraction ``t`` of the way from ``a`` to ``b`` (1, C, H, W)."""
    z = (1 - t) * a + t * b
    return generate(state.generator, z.reshape(1, -1, 1, 1))


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in -1..1 to (N, H, W, C) uint8."""
    x = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def to_pil(image: np.ndarray) -> Image.Image:
    """One (H, W, C) uint8 image as a grey or RGB picture."""
    return Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)


def grid(images: torch.Tensor, columns: int = 0, gap: int = 2) -> Image.Image:
    """The images side by side in rows (``columns`` 0: as square as it goes), on black."""
    arr = to_uint8(images)
    n, h, w, c = arr.shape
    cols = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.zeros((rows * (h + gap) + gap, cols * (w + gap) + gap, c), dtype=np.uint8)
    for i in range(n):
        r, k = divmod(i, cols)
        y, x = gap + r * (h + gap), gap + k * (w + gap)
        out[y : y + h, x : x + w] = arr[i]
    return to_pil(out)


def _save_png(image: Image.Image, path: Path) -> None:
    """Atomically, like every file the app writes."""
    fd, tmp = temp_beside(path)
    try:
        with os.fdopen(fd, "wb") as f:
            image.save(f, format="PNG")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_samples(images: torch.Tensor, out: str | os.PathLike[str]) -> list[Path]:
    """A grid picture when ``out`` ends in .png, else one PNG per image in the folder ``out``."""
    out = Path(out)
    try:
        if out.suffix.lower() == ".png":
            out.parent.mkdir(parents=True, exist_ok=True)
            _save_png(grid(images), out)
            return [out]
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for i, image in enumerate(to_uint8(images)):
            path = out / f"sample-{i:04d}.png"
            _save_png(to_pil(image), path)
            paths.append(path)
        return paths
    except OSError as exc:
        raise SaveError(f"cannot write {out}: {exc.strerror or exc}") from None
