"""FGSM and PGD on 0-255 pixels, and the smallest epsilon that changes the answer.

Epsilon is an L-infinity bound in pixel units: each pixel of the model's input (before
normalisation) moves by at most ``eps`` of 255. FGSM (Goodfellow et al. 2015) takes one step
of ``eps`` along the sign of the loss gradient; PGD (Madry et al. 2018) starts at a random
point in the box and takes ``steps`` smaller steps, projecting back into the box after each.
Targeted attacks descend the loss of the chosen class instead of ascending the true one's.
The arithmetic runs on 0..1 floats exactly as torchattacks does (the tests compare the two);
the result is then rounded to whole pixels, as an 8-bit image file would hold it, so the
answer reported is the answer to the image that can be saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from .pixels import MAX_PIXEL, PixelModel, quantize

METHODS = ("fgsm", "pgd")
Model01 = Callable[[torch.Tensor], torch.Tensor]  # (N, C, H, W) in 0..1 -> logits


@dataclass(frozen=True)
class AttackConfig:
    """One attack. ``eps`` and ``alpha`` are in 0-255 pixel units (L-infinity)."""

    method: str = "fgsm"  # fgsm: one step; pgd: several projected steps from a random start
    eps: float = 8.0
    target: int | None = None  # None: any wrong answer; a class: that answer
    steps: int = 20  # PGD only
    alpha: float | None = None  # PGD step; None: 2.5 * eps / steps, as Madry et al. chose
    random_start: bool = True  # PGD only
    seed: int = 0  # PGD's random start
    quantize: bool = True  # round to whole pixels (False: the raw floats, for the tests)

    def step_size(self) -> float:
        return self.alpha if self.alpha is not None else 2.5 * self.eps / max(1, self.steps)

    def validate(self, classes: int) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"unknown attack {self.method!r}: use fgsm or pgd", "method")
        if not 0 <= self.eps <= MAX_PIXEL:
            raise ConfigError(f"--eps must be from 0 to 255 pixel units, not {self.eps}", "eps")
        if not 1 <= self.steps <= 10_000:
            raise ConfigError(f"--steps must be from 1 to 10000, not {self.steps}", "steps")
        if self.target is not None and not 0 <= self.target < classes:
            raise ConfigError(
                f"--target must be a class index from 0 to {classes - 1}, not {self.target}",
                "target",
            )


def _loss(model: Model01, x: torch.Tensor, y: torch.Tensor, targeted: bool) -> torch.Tensor:
    loss = F.cross_entropy(model(x), y)
    return -loss if targeted else loss


def gradient_sign(
    model: Model01, x01: torch.Tensor, y: torch.Tensor, targeted: bool
) -> torch.Tensor:
    """The sign of the attack's loss gradient at ``x01``: FGSM's direction for every eps."""
    x = x01.clone().detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(_loss(model, x, y, targeted), x)
    return grad.sign()


def fgsm01(
    model: Model01, x01: torch.Tensor, y: torch.Tensor, eps01: float, targeted: bool
) -> torch.Tensor:
    """FGSM on 0..1 images; ``y`` is the true class (untargeted) or the target."""
    return (x01 + eps01 * gradient_sign(model, x01, y, targeted)).clamp(0, 1).detach()


def pgd01(
    model: Model01,
    x01: torch.Tensor,
    y: torch.Tensor,
    eps01: float,
    alpha01: float,
    steps: int,
    targeted: bool,
    generator: torch.Generator | None = None,
    random_start: bool = True,
) -> torch.Tensor:
    """PGD on 0..1 images, step for step as torchattacks.PGD."""
    x01 = x01.detach()
    adv = x01.clone()
    if random_start:
        noise = torch.empty_like(adv).uniform_(-eps01, eps01, generator=generator)
        adv = (adv + noise).clamp(0, 1)
    for _ in range(steps):
        adv = adv + alpha01 * gradient_sign(model, adv, y, targeted)
        adv = (x01 + (adv - x01).clamp(-eps01, eps01)).clamp(0, 1).detach()
    return adv


def zero_one(pm: PixelModel) -> Model01:
    """The same model fed 0..1 floats (the attacks' working scale)."""
    return lambda x01: pm(x01 * MAX_PIXEL)


def attack(pm: PixelModel, x: torch.Tensor, y: torch.Tensor, cfg: AttackConfig) -> torch.Tensor:
    """Adversarial versions of ``x`` (N, C, H, W), whole 0-255 pixels; ``y``: the labels to
    leave (untargeted) or, with ``cfg.target``, ignored in favour of the target."""
    targeted = cfg.target is not None
    labels = torch.full_like(y, cfg.target) if cfg.target is not None else y
    model, x01, eps01 = zero_one(pm), x / MAX_PIXEL, cfg.eps / MAX_PIXEL
    if cfg.eps == 0:
        adv01 = x01
    elif cfg.method == "fgsm":
        adv01 = fgsm01(model, x01, labels, eps01, targeted)
    else:
        g = torch.Generator(device=x.device).manual_seed(cfg.seed)
        alpha01 = cfg.step_size() / MAX_PIXEL
        adv01 = pgd01(model, x01, labels, eps01, alpha01, cfg.steps, targeted, g, cfg.random_start)
    adv = adv01 * MAX_PIXEL
    return quantize(adv, x, cfg.eps) if cfg.quantize else adv


@torch.no_grad()
def probabilities(pm: PixelModel, x: torch.Tensor) -> torch.Tensor:
    """(N, K) class probabilities of 0-255 images."""
    logits: torch.Tensor = pm(x)
    return logits.float().softmax(1)


def fooled(pred: torch.Tensor, label: int, target: int | None) -> torch.Tensor:
    """Which answers count as fooled: any but ``label``, or exactly ``target``."""
    return pred == target if target is not None else pred != label


@dataclass
class AttackResult:
    """One image attacked: before, after, and by how much."""

    original: torch.Tensor  # (C, H, W) whole pixels
    adversarial: torch.Tensor  # (C, H, W) whole pixels
    eps: float  # the bound asked for (pixel units)
    before: torch.Tensor  # (K,) probabilities of the original
    after: torch.Tensor  # (K,) probabilities of the adversarial image

    @property
    def perturbation(self) -> torch.Tensor:
        return self.adversarial - self.original

    @property
    def linf(self) -> float:
        return float(self.perturbation.abs().max()) if self.perturbation.numel() else 0.0

    @property
    def label_before(self) -> int:
        return int(self.before.argmax())

    @property
    def label_after(self) -> int:
        return int(self.after.argmax())


def attack_one(pm: PixelModel, x: torch.Tensor, cfg: AttackConfig) -> AttackResult:
    """Attack one image (C, H, W) of whole pixels away from the model's own answer."""
    before = probabilities(pm, x[None])[0]
    label = torch.tensor([int(before.argmax())], device=x.device)
    adv = attack(pm, x[None], label, cfg)[0]
    return AttackResult(x, adv, cfg.eps, before, probabilities(pm, adv[None])[0])


@dataclass
class Smallest:
    """The smallest whole epsilon found, or None when even ``max_eps`` does not fool it."""

    eps: int | None
    result: AttackResult | None  # the attack at ``eps``
    tried: int  # how many epsilons were tried


def smallest_eps(
    pm: PixelModel, x: torch.Tensor, cfg: AttackConfig, max_eps: int = 255
) -> Smallest:
    """The smallest whole epsilon at which the 8-bit attacked image changes the answer.

    On whole pixels only whole epsilons differ, so 1..max_eps are all the candidates. FGSM's
    direction does not depend on epsilon: one gradient, then every candidate in one batch,
    and the first that fools is the smallest. PGD is searched by halving, which keeps "lo
    does not fool, hi fools": the answer fools and the one below does not.
    """
    before = probabilities(pm, x[None])[0]
    label = int(before.argmax())
    if cfg.target == label:
        return Smallest(0, attack_one(pm, x, _with_eps(cfg, 0)), 1)
    if cfg.method == "fgsm":
        return _smallest_fgsm(pm, x, cfg, label, max_eps)
    lo, hi, tried = 0, max_eps, 1
    top = attack_one(pm, x, _with_eps(cfg, hi))
    if not _fools(top, label, cfg.target):
        return Smallest(None, None, tried)
    best = top
    while hi - lo > 1:
        mid = (lo + hi) // 2
        r = attack_one(pm, x, _with_eps(cfg, mid))
        tried += 1
        if _fools(r, label, cfg.target):
            hi, best = mid, r
        else:
            lo = mid
    return Smallest(hi, best, tried)


def _smallest_fgsm(
    pm: PixelModel, x: torch.Tensor, cfg: AttackConfig, label: int, max_eps: int
) -> Smallest:
    y = torch.tensor([cfg.target if cfg.target is not None else label], device=x.device)
    sign = gradient_sign(zero_one(pm), x[None] / MAX_PIXEL, y, cfg.target is not None)[0]
    eps = torch.arange(1, max_eps + 1, device=x.device, dtype=x.dtype).view(-1, 1, 1, 1)
    advs = (x[None] + eps * sign[None]).clamp(0, MAX_PIXEL)  # whole pixels already
    pred = probabilities(pm, advs).argmax(1)
    hits = fooled(pred, label, cfg.target).nonzero()
    if len(hits) == 0:
        return Smallest(None, None, max_eps)
    found = int(hits[0]) + 1
    return Smallest(found, attack_one(pm, x, _with_eps(cfg, found)), max_eps)


def _fools(r: AttackResult, label: int, target: int | None) -> bool:
    return bool(fooled(torch.tensor(r.label_after), label, target))


def _with_eps(cfg: AttackConfig, eps: float) -> AttackConfig:
    return replace(cfg, eps=float(eps))
