"""Says in one line when a GAN run has gone wrong: NaN, D winning outright, one mode.

Thresholds are loose on purpose: a healthy DCGAN's D(G(z)) swings a lot, so the
watch waits for a long streak (``patience`` steps) or a warm-up before judging.
"""

from __future__ import annotations

import math

import torch

WARMUP_STEPS = 200  # an untrained generator's samples all look alike: judge after this
PATIENCE = 300  # consecutive steps of D winning outright before giving up
D_WINS = (0.98, 0.02)  # D(x) above, D(G(z)) below: the generator gets no signal
COLLAPSE_RATIO = 0.1  # fakes' mean pairwise distance against real images' below this


def mean_pairwise_distance(x: torch.Tensor) -> float:
    """The mean L2 distance between the images of a batch (N >= 2)."""
    flat = x.reshape(len(x), -1).float()
    d = torch.cdist(flat, flat)
    n = len(flat)
    return float(d.sum() / max(1, n * (n - 1)))


class DivergenceWatch:
    """Feed it every step's numbers and every sample grid; it returns a message or None."""

    def __init__(self, patience: int = PATIENCE, warmup: int = WARMUP_STEPS) -> None:
        self.patience, self.warmup = patience, warmup
        self.streak = 0

    def update(
        self, step: int, loss_d: float, loss_g: float, d_x: float, d_gz: float
    ) -> str | None:
        if not all(math.isfinite(v) for v in (loss_d, loss_g, d_x, d_gz)):
            return (
                f"diverged at step {step}: the losses became NaN or infinite; "
                "train again with a lower --lr"
            )
        wins = d_x > D_WINS[0] and d_gz < D_WINS[1]
        self.streak = self.streak + 1 if wins else 0
        if step > self.warmup and self.streak >= self.patience:
            return (
                f"diverged at step {step}: the discriminator wins outright (D(x) {d_x:.2f}, "
                f"D(G(z)) {d_gz:.3f} for {self.streak} steps), so the generator learns nothing; "
                "train again with another --seed or a smaller --ndf"
            )
        return None

    def check_samples(self, step: int, fakes: torch.Tensor, real: torch.Tensor) -> str | None:
        if step <= self.warmup or len(fakes) < 2 or len(real) < 2:
            return None
        ratio = mean_pairwise_distance(fakes) / max(mean_pairwise_distance(real), 1e-9)
        if ratio < COLLAPSE_RATIO:
            return (
                f"diverged at step {step}: mode collapse, the samples are nearly all the same "
                f"image (spread {ratio:.0%} of the real images'); train again with another --seed"
            )
        return None
