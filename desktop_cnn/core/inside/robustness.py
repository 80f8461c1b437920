"""Test accuracy against epsilon: how fast a model's answers fall apart under attack.

Each test image is attacked away from its true label at every epsilon (whole pixels,
L-infinity). FGSM's direction is the same for every epsilon, so a batch needs one gradient
and then one forward pass per epsilon; PGD attacks anew at each. The work reports progress
and stops between batches when asked, keeping the counts so far.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import torch

from .attacks import AttackConfig, attack, gradient_sign, zero_one
from .pixels import MAX_PIXEL, PixelModel, quantize


@dataclass
class Curve:
    """Accuracy at each epsilon over the first ``done`` images (all ``total`` unless stopped)."""

    eps: list[float]
    correct: list[int] = field(default_factory=list)
    done: int = 0
    total: int = 0
    method: str = "fgsm"

    @property
    def accuracy(self) -> list[float]:
        return [c / self.done if self.done else float("nan") for c in self.correct]

    @property
    def complete(self) -> bool:
        return self.done == self.total

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "eps": self.eps,
            "eps_scale": "0-255 pixel units",
            "eps_fraction": [e / MAX_PIXEL for e in self.eps],
            "accuracy": self.accuracy,
            "images": self.done,
            "complete": self.complete,
        }


Progress = Callable[[Curve], None]


def parse_eps(text: str) -> list[float]:
    """ "0,8,16" -> [0.0, 8.0, 16.0]; ValueError with the culprit for anything else."""
    values = [float(t) for t in text.replace(" ", "").split(",") if t]
    bad = [v for v in values if not 0 <= v <= MAX_PIXEL]
    if not values or bad:
        raise ValueError(f"epsilons must be numbers from 0 to 255, got {text!r}")
    return values


def robustness_curve(
    pm: PixelModel,
    images: torch.Tensor,
    labels: torch.Tensor,
    eps: Sequence[float],
    cfg: AttackConfig | None = None,
    batch_size: int = 250,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Curve:
    """Accuracy of ``pm`` on uint8 ``images`` (N, C, H, W) attacked at each ``eps``."""
    cfg = cfg or AttackConfig()
    curve = Curve(list(eps), [0] * len(eps), 0, len(labels), cfg.method)
    for start in range(0, len(labels), batch_size):
        if cancelled is not None and cancelled():
            break
        x = images[start : start + batch_size].float()
        y = labels[start : start + batch_size]
        for i, n in enumerate(_correct(pm, x, y, curve.eps, cfg)):
            curve.correct[i] += n
        curve.done += len(y)
        if progress is not None:
            progress(curve)
    return curve


def _correct(
    pm: PixelModel, x: torch.Tensor, y: torch.Tensor, eps: list[float], cfg: AttackConfig
) -> list[int]:
    """How many of the batch each epsilon leaves correctly answered."""
    if cfg.method == "fgsm":
        sign = gradient_sign(zero_one(pm), x / MAX_PIXEL, y, False)
        advs = [quantize(x + e * sign, x, e) for e in eps]
    else:
        advs = [attack(pm, x, y, replace(cfg, eps=e, target=None)) for e in eps]
    with torch.no_grad():
        return [int((pm(a).argmax(1) == y).sum()) for a in advs]
