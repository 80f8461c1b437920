"""How good generated digits are, as read by the bundled LeNet-5.

Two numbers: the share of images the classifier reads with probability at
least 0.9 (``confident``), and how evenly its answers spread over the ten
digits (the entropy of the class histogram over log 10: 1 is perfectly even,
0 is one class only). Real test images give the reference for both. The
target the benchmark times: 70% confident and every class at least 2%.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch

from ..files.checkpoints import Checkpoint, load_checkpoint
from ..files.paths import resource_path

JUDGE = "assets/lenet5_mnist.pt"
CONFIDENT_P = 0.9
TARGET_CONFIDENT = 0.7
TARGET_MIN_CLASS = 0.02


@dataclass(frozen=True)
class Quality:
    """What a classifier makes of a batch of images."""

    count: int
    confident: float  # share read with p >= 0.9
    evenness: float  # entropy of the class histogram / log(classes)
    min_class: float  # share of the rarest class
    histogram: tuple[int, ...]
    balanced: float = 0.0  # confident share, each class counted up to its fair 1/K share

    @property
    def reaches_target(self) -> bool:
        return self.confident >= TARGET_CONFIDENT and self.min_class >= TARGET_MIN_CLASS

    def line(self) -> str:
        return (
            f"{self.confident:.1%} of {self.count} read with p >= {CONFIDENT_P}, class "
            f"evenness {self.evenness:.3f} (entropy / log {len(self.histogram)}), "
            f"rarest class {self.min_class:.1%}, balanced confident share {self.balanced:.1%}"
        )

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["histogram"] = list(self.histogram)
        return d


def load_judge() -> Checkpoint:
    """The bundled MNIST LeNet-5, which reads the generated digits."""
    return load_checkpoint(resource_path(JUDGE))


@torch.no_grad()
def probabilities(judge: Checkpoint, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities of ``images`` in -1..1 (N, C, H, W) of the judge's size."""
    info = judge.info
    x = (images.float().cpu().clamp(-1, 1) + 1) / 2
    if tuple(x.shape[-2:]) != tuple(info.input_shape[1:]):
        x = torch.nn.functional.interpolate(
            x, size=info.input_shape[1:], mode="bilinear", align_corners=False
        )
    mean = torch.tensor(info.mean).view(1, -1, 1, 1)
    std = torch.tensor(info.std).view(1, -1, 1, 1)
    model = judge.model.eval()
    out: torch.Tensor = torch.softmax(model((x - mean) / std), dim=1)
    return out


def quality_of(probs: torch.Tensor) -> Quality:
    """The two numbers (and the rarest class) from class probabilities (N, K)."""
    n, k = probs.shape
    top, cls = probs.max(dim=1)
    hist = torch.bincount(cls, minlength=k).double()
    share = hist / max(n, 1)
    nz = share[share > 0]
    entropy = max(0.0, float(-(nz * nz.log()).sum()))
    sure = top >= CONFIDENT_P
    # An untrained generator's grey blobs are read as one digit with p ~ 1: capping each
    # class at n / k keeps "all the same confident digit" from scoring high.
    capped = torch.bincount(cls[sure], minlength=k).clamp(max=n / k).sum()
    return Quality(
        n,
        float(sure.double().mean()),
        entropy / math.log(k),
        float(share.min()),
        tuple(int(v) for v in hist.tolist()),
        float(capped) / max(n, 1),
    )


def measure(images: torch.Tensor, judge: Checkpoint | None = None) -> Quality:
    """The quality of images in -1..1 as the judge (default: the bundled LeNet-5) reads them."""
    return quality_of(probabilities(judge or load_judge(), images))
