"""Activation maximisation: the input a channel, a unit or a class responds to most.

Gradient ascent on the input (Erhan et al. 2009), made readable by three regularisers
(Olah et al., "Feature Visualization", 2017), each one a setting:

- jitter: the image is shifted by up to ``jitter`` pixels at random before every step, so
  a pattern only pays when it works wherever it lands, not as a one-pixel trick;
- blur (``param="pixels"``): each step sees the image through a small Gaussian blur, so
  the high frequencies that fool a network but mean nothing to a person stop paying; or
  ``param="fourier"``: the image is made of frequencies scaled by 1/f, so the ascent
  moves coarse structure first (a "decorrelated" parametrisation);
- an L2 penalty on the pixels: ink costs, so only the ink that raises the objective stays.

Pixels stay in 0..1 through a sigmoid. The objective is the mean of a conv channel's map
as the feature-maps view shows it (after its activation function; the ascent adds a tenth
of the mean before it, so a channel the start leaves dark still has a gradient), one fully
connected unit, or a class's logit. Several objectives run as one batch (a grid of channels).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError
from .pixels import PixelModel

PARAMS = ("pixels", "fourier")
LIFT = 0.1  # share of the pre-activation mean in the ascent's objective (dead channels)
KINDS = ("channel", "unit", "class")


@dataclass(frozen=True)
class Objective:
    """What to maximise: channel ``index`` of a conv ``layer``, unit of an fc layer, a class."""

    kind: str  # "channel", "unit" or "class"
    index: int
    layer: str = ""  # the activations' key (conv1, fc2, ...); "" for a class

    @property
    def text(self) -> str:
        if self.kind == "class":
            return f"class {self.index}"
        return f"{self.layer} {self.kind} {self.index}"


@dataclass(frozen=True)
class VisConfig:
    """Gradient ascent's settings; the defaults read well for LeNet-5 on MNIST."""

    steps: int = 256
    lr: float = 0.05  # Adam's step on the parametrisation
    jitter: int = 2  # pixels of random shift per step; 0: off
    blur: float = 0.5  # Gaussian sigma in pixels (pixels param); 0: off
    param: str = "pixels"  # "pixels" (+ blur) or "fourier" (1/f-scaled frequencies)
    l2: float = 0.05  # penalty on the mean squared pixel (0..1); 0: off
    start: str = "noise"  # "noise" (faint random grey) or "image" (the given image)
    seed: int = 0
    every: int = 8  # a frame every this many steps, to show it growing

    def validate(self) -> None:
        if self.param not in PARAMS:
            raise ConfigError(f"unknown parametrisation {self.param!r}: use pixels or fourier")
        if not 1 <= self.steps <= 100_000:
            raise ConfigError(f"--steps must be from 1 to 100000, not {self.steps}", "steps")
        if self.jitter < 0 or self.blur < 0 or self.l2 < 0 or self.lr <= 0:
            raise ConfigError("jitter, blur and the L2 penalty must be 0 or more, lr above 0")


@dataclass(frozen=True)
class Frame:
    """The images after ``step`` steps: (B, C, H, W) in 0..1, and each objective's value."""

    step: int
    images: torch.Tensor
    values: list[float]


def objectives_for(model: nn.Module, x: torch.Tensor, layer: str) -> list[Objective]:
    """One objective per channel (conv) or unit (fc) of ``layer``, e.g. the conv1 grid."""
    acts = _acts(model, x)
    if layer not in acts:
        raise ConfigError(f"the model has no layer {layer!r}: it has {', '.join(acts)}", "layer")
    a = acts[layer]
    kind = "channel" if a.ndim == 4 else "unit"
    return [Objective(kind, i, layer) for i in range(a.shape[1])]


def layers(model: nn.Module, shape: Sequence[int]) -> list[str]:
    """The layers whose channels or units can be visualised, in forward order."""
    with torch.no_grad():
        return list(_acts(model, torch.zeros(1, *shape)))


def _acts(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    fn = getattr(model, "activations", None)
    if not callable(fn):
        raise ConfigError("this model does not name its layers, so it cannot be visualised")
    out: dict[str, torch.Tensor] = fn(x)
    return out


class _Raw:
    """Catches modules' outputs before their activation function, by the activation's key."""

    def __init__(self, model: nn.Module, keys: set[str]) -> None:
        self.out: dict[str, torch.Tensor] = {}
        self.thread = threading.get_ident()
        self.handles = []
        for key in keys:
            module = getattr(model, key, None)
            if isinstance(module, nn.Conv2d | nn.Linear):
                self.handles.append(module.register_forward_hook(self._keep(key)))

    def _keep(self, key: str):  # type: ignore[no-untyped-def]
        def hook(_m: nn.Module, _i: object, out: torch.Tensor) -> None:
            # Only this thread's pass: the app may predict with the same model meanwhile
            if threading.get_ident() == self.thread:
                self.out[key] = out

        return hook

    def close(self) -> None:
        for h in self.handles:
            h.remove()


def objective_values(
    model: nn.Module, x: torch.Tensor, objectives: Sequence[Objective], lift: float = 0.0
) -> torch.Tensor:
    """Each image's objective (image i against objective i, or all against one).

    ``lift`` > 0 adds that share of the mean before the activation function, so a channel
    that no pixel of the start switches on still has a gradient to climb (the ascent's
    surrogate; the values shown use ``lift`` 0)."""
    raw = _Raw(model, {o.layer for o in objectives if o.layer})
    try:
        acts = _acts(model, x)
    finally:
        raw.close()
    logits = next(reversed(acts.values()))
    values = []
    for i, o in enumerate(objectives):
        row = i if x.shape[0] == len(objectives) else 0
        if o.kind == "class":
            values.append(logits[row, o.index])
            continue
        values.append(
            _channel_value(raw.out.get(o.layer), acts[o.layer][row, o.index], row, o.index, lift)
        )
    return torch.stack(values)


def _channel_value(
    raw: torch.Tensor | None, act: torch.Tensor, row: int, index: int, lift: float
) -> torch.Tensor:
    value = act.mean()
    if lift > 0 and raw is not None:
        value = value + lift * raw[row, index].mean()
    return value


def mean_objective(pm: PixelModel, images: torch.Tensor, objective: Objective) -> float:
    """The objective's average over real images (uint8, N x C x H x W): what is ordinary."""
    with torch.no_grad():
        x = _normalised(pm, images.float() / 255)
        return float(_batch_objective(pm.model, x, objective).mean())


def _batch_objective(model: nn.Module, x: torch.Tensor, o: Objective) -> torch.Tensor:
    raw = _Raw(model, {o.layer} if o.layer else set())
    try:
        acts = _acts(model, x)
    finally:
        raw.close()
    if o.kind == "class":
        return next(reversed(acts.values()))[:, o.index]
    return acts[o.layer][:, o.index].flatten(1).mean(1)


def _normalised(pm: PixelModel, x01: torch.Tensor) -> torch.Tensor:
    return (x01 - pm.mean.to(x01.device)) / pm.std.to(x01.device)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A separable Gaussian blur of (N, C, H, W), edges padded by reflection."""
    if sigma <= 0:
        return x
    r = max(1, math.ceil(2 * sigma))
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


class _Image(nn.Module):
    """The parametrisation: raw numbers -> (B, C, H, W) pixels in 0..1."""

    def __init__(self, start01: torch.Tensor, param: str) -> None:
        super().__init__()
        self.param = param
        h, w = start01.shape[-2:]
        fy = torch.fft.fftfreq(h).view(-1, 1)
        fx = torch.fft.rfftfreq(w).view(1, -1)
        # 1/f: every frequency gets the same share of the step (Olah et al.'s decorrelation)
        self.scale = 1.0 / torch.sqrt(fy**2 + fx**2).clamp(min=1.0 / max(h, w))
        logit = torch.logit(start01.clamp(0.02, 0.98))
        if param == "fourier":
            spec = torch.fft.rfft2(logit, norm="ortho") / self.scale
            self.p = nn.Parameter(torch.view_as_real(spec).clone())
        else:
            self.p = nn.Parameter(logit.clone())
        self.hw = (h, w)

    def forward(self) -> torch.Tensor:
        if self.param == "fourier":
            spec = torch.view_as_complex(self.p) * self.scale
            return torch.sigmoid(torch.fft.irfft2(spec, s=self.hw, norm="ortho"))
        return torch.sigmoid(self.p)


def visualise(
    pm: PixelModel,
    objectives: Sequence[Objective],
    cfg: VisConfig,
    start: torch.Tensor | None = None,
) -> Iterator[Frame]:
    """Gradient ascent on one image per objective; yields a ``Frame`` every ``cfg.every``
    steps and after the last. ``start``: (C, H, W) 0..1, used when ``cfg.start == "image"``.
    Stop early by no longer asking for frames."""
    cfg.validate()
    model = pm.model
    shape = tuple(getattr(model, "input_shape", start.shape if start is not None else (1, 28, 28)))
    g = torch.Generator().manual_seed(cfg.seed)
    b = len(objectives)
    if cfg.start == "image" and start is not None:
        x0 = start.float().clamp(0, 1).expand(b, *start.shape).clone()
    else:  # faint grey noise: no structure for the ascent to inherit
        x0 = 0.1 + 0.05 * torch.randn(b, *shape, generator=g)
    image = _Image(x0, cfg.param)
    opt = torch.optim.Adam(image.parameters(), lr=cfg.lr)
    for step in range(1, cfg.steps + 1):
        x = image()
        seen = _jitter(x, cfg.jitter, g)
        if cfg.param == "pixels":
            seen = gaussian_blur(seen, cfg.blur)
        values = objective_values(model, _normalised(pm, seen), objectives, LIFT)
        loss = -values.sum() + cfg.l2 * b * (x**2).mean()
        # The image's gradient only: the model's own .grad (shared with the app) stays as is
        (image.p.grad,) = torch.autograd.grad(loss, [image.p])
        opt.step()
        if step % cfg.every == 0 or step == cfg.steps:
            yield _frame(pm, image, objectives, step, cfg)


def _frame(
    pm: PixelModel, image: _Image, objectives: Sequence[Objective], step: int, cfg: VisConfig
) -> Frame:
    with torch.no_grad():
        x = image()
        shown = gaussian_blur(x, cfg.blur) if cfg.param == "pixels" else x
        vals = objective_values(pm.model, _normalised(pm, shown), objectives)
        return Frame(step, shown.detach().clone(), [float(v) for v in vals])


def _jitter(x: torch.Tensor, jitter: int, g: torch.Generator) -> torch.Tensor:
    if jitter <= 0:
        return x
    dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=g))
    return torch.roll(x, (dy, dx), dims=(-2, -1))


def run_to_end(
    pm: PixelModel,
    objectives: Sequence[Objective],
    cfg: VisConfig,
    start: torch.Tensor | None = None,
) -> Frame:
    """The last frame (no growing pictures): for the CLI and the tests."""
    frames = list(visualise(pm, objectives, cfg, start))
    return frames[-1]
