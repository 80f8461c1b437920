"""The DCGAN recipe: Adam (2e-4, betas 0.5/0.999), BCE on logits, non-saturating G loss.

One step: the discriminator learns on a real batch (target 1) and a fake
batch (target 0); then the generator learns to make the discriminator say 1
on its fakes (minimising -log D(G(z)), which gives strong gradients early,
when D rejects every fake). Data comes through ``core.data.datasets.load_dataset``,
the device from ``core.device.pick_device``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..data.datasets import load_dataset
from ..device import device_name, pick_device, synchronize
from ..errors import ConfigError, DatasetError
from .divergence import DivergenceWatch
from .events import GanResult, GanSamples, GanStarted, GanStep
from .nets import build_net, dcgan_init, net_json
from .presets import DEFAULT_WIDTH, SIZES

Emit = Callable[[object], None]


@dataclass
class GanConfig:
    """How to train a DCGAN; 0 for size, ngf and ndf means "chosen from the data"."""

    dataset: str = "mnist"
    classes: tuple[str, ...] = ()  # keep only these classes (one is fine for a GAN)
    data_dir: str | None = None
    epochs: int = 1
    max_steps: int = 0  # the run's length in steps, overriding epochs (0: the epochs decide)
    batch_size: int = 32  # on a CPU, twice the steps per second of 64 at the same quality per step
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    nz: int = 100
    size: int = 0
    ngf: int = 0
    ndf: int = 0
    seed: int = 0
    device: str = "auto"
    sample_every: int = 50  # steps between sample grids of the fixed noise
    sample_count: int = 64

    def validate(self) -> None:
        checks = [
            ("--epochs", self.epochs, 1),
            ("--batch-size", self.batch_size, 2),
            ("--nz", self.nz, 1),
            ("--sample-every", self.sample_every, 1),
            ("--sample-count", self.sample_count, 1),
        ]
        for flag, value, low in checks:
            if value < low:
                raise ConfigError(f"{flag} must be at least {low}, not {value}", flag[2:])
        if self.max_steps < 0:
            raise ConfigError(f"--steps must be 0 or more, not {self.max_steps}", "max_steps")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 1e6):
            raise ConfigError(f"--lr must be above 0 and at most 1e6, not {self.lr}", "lr")
        if self.size and self.size not in SIZES:
            sizes = ", ".join(map(str, SIZES))
            raise ConfigError(f"--size must be one of {sizes}, not {self.size}", "size")


@dataclass
class GanData:
    """Training images as uint8 (N, C, H, W) and what they are."""

    name: str
    classes: list[str]
    images: torch.Tensor
    size: int  # the side the generator makes; images are resized to it per batch

    @property
    def shape(self) -> tuple[int, int, int]:
        return (int(self.images.shape[1]), self.size, self.size)


def load_gan_data(config: GanConfig) -> GanData:
    """The training images of ``config.dataset`` (only ``config.classes``, if given)."""
    data = load_dataset(config.dataset, config.data_dir)
    images, labels = data.train.images, data.train.labels
    classes = list(data.classes)
    if config.classes:
        unknown = [c for c in config.classes if c not in data.classes]
        if unknown:
            raise DatasetError(
                f"{config.dataset} has no class {', '.join(unknown)}: its classes are "
                f"{', '.join(data.classes)}"
            )
        keep = torch.isin(labels, torch.tensor([data.classes.index(c) for c in config.classes]))
        images, classes = images[keep], list(config.classes)
    side = int(images.shape[-1])
    size = config.size or (side if side in SIZES else 32 if side < 48 else 64)
    return GanData(data.name, classes, images, size)


@dataclass
class GanState:
    """Everything a generator file holds: both nets, their recipe, where the run got to."""

    generator: nn.Module
    discriminator: nn.Module
    g_json: dict[str, Any]
    d_json: dict[str, Any]
    config: GanConfig
    dataset: str
    classes: list[str]
    fixed_noise: torch.Tensor  # (sample_count, nz, 1, 1): the grid the app shows
    step: int = 0
    optimizers: dict[str, Any] = field(default_factory=dict)  # for --resume
    history: dict[str, list[float]] = field(default_factory=dict)  # per step
    quality: dict[str, Any] = field(default_factory=dict)

    @property
    def nz(self) -> int:
        return int(self.g_json["input"][0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        nc, size = int(self.d_json["input"][0]), int(self.d_json["input"][1])
        return (nc, size, size)

    def config_dict(self) -> dict[str, Any]:
        d = asdict(self.config)
        d["classes"] = list(d["classes"])
        return d


def new_state(config: GanConfig, data: GanData) -> GanState:
    """Fresh nets for the data's shape, initialised the DCGAN way from ``config.seed``."""
    torch.manual_seed(config.seed)
    nc, size = data.shape[0], data.size
    g_json = net_json("g", size, nc, config.ngf or DEFAULT_WIDTH[size], config.nz)
    d_json = net_json("d", size, nc, config.ndf or DEFAULT_WIDTH[size], config.nz)
    g, d = build_net(g_json), build_net(d_json)
    dcgan_init(g)
    dcgan_init(d)
    noise = torch.randn(
        config.sample_count, config.nz, 1, 1, generator=torch.Generator().manual_seed(config.seed)
    )
    return GanState(g, d, g_json, d_json, config, data.name, data.classes, noise)


def to_unit(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 images to floats in -1..1 (tanh's range), resized to ``size`` when needed."""
    x = images.float().div_(127.5).sub_(1.0)
    if x.shape[-1] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return x


@torch.no_grad()
def generate(g: nn.Module, noise: torch.Tensor) -> torch.Tensor:
    """The generator's images of ``noise`` in eval mode (running batch-norm statistics)."""
    was = g.training
    g.eval()
    device = next(g.parameters()).device
    out: torch.Tensor = g(noise.to(device)).float().cpu()
    g.train(was)
    return out


class GanTrainer:
    """Trains a GanState on GanData; ``run`` reports events and returns a GanResult."""

    def __init__(self, data: GanData, config: GanConfig, state: GanState | None = None) -> None:
        config.validate()
        self.data, self.config = data, config
        self.device = pick_device(config.device)
        self.state = state or new_state(config, data)
        self.state.config = config
        self.g = self.state.generator.to(self.device).train()
        self.d = self.state.discriminator.to(self.device).train()
        betas = (config.beta1, config.beta2)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=config.lr, betas=betas)
        if self.state.optimizers:
            self.opt_g.load_state_dict(self.state.optimizers["g"])
            self.opt_d.load_state_dict(self.state.optimizers["d"])
        self.steps_per_epoch = max(1, len(data.images) // config.batch_size)
        # --steps, when given, is the run's length whatever --epochs says
        self.total_steps = config.max_steps or self.steps_per_epoch * config.epochs
        self.watch = DivergenceWatch()

    def run(
        self,
        emit: Emit | None = None,
        stop: threading.Event | None = None,
        pause: threading.Event | None = None,
    ) -> GanResult:
        """Train until the step budget, ``stop``, or a divergence; ``pause`` holds the loop."""
        emit = emit or (lambda e: None)
        cfg, st = self.config, self.state
        images = self.data.images.to(self.device)
        n = len(images)
        if n < cfg.batch_size:
            raise DatasetError(
                f"{self.data.name}: {n} training images, fewer than one batch of {cfg.batch_size}"
            )
        emit(
            GanStarted(
                device_name(self.device),
                n,
                self.steps_per_epoch,
                self.total_steps,
                st.step,
                self.data.shape,
            )
        )
        shuffle = torch.Generator().manual_seed(cfg.seed + st.step)
        torch.manual_seed(cfg.seed + 1 + st.step)
        hist = st.history
        for key in ("loss_d", "loss_g", "d_x", "d_gz"):
            hist.setdefault(key, [])
        if st.step == 0:
            emit(GanSamples(0, generate(self.g, st.fixed_noise)))
        last = time.perf_counter()
        order = torch.randperm(n, generator=shuffle)
        cursor = (st.step % self.steps_per_epoch) * cfg.batch_size
        while st.step < self.total_steps:
            if stop is not None and stop.is_set():
                return self._end("stopped", f"stopped after step {st.step}")
            while pause is not None and pause.is_set() and not (stop and stop.is_set()):
                time.sleep(0.05)
                last = time.perf_counter()
            if cursor + cfg.batch_size > n:
                order, cursor = torch.randperm(n, generator=shuffle), 0
            idx = order[cursor : cursor + cfg.batch_size].to(self.device)
            cursor += cfg.batch_size
            real = to_unit(images[idx], self.data.size)
            numbers = self.step(real)
            st.step += 1
            for key, value in zip(("loss_d", "loss_g", "d_x", "d_gz"), numbers, strict=True):
                hist[key].append(value)
            now = time.perf_counter()
            rate = cfg.batch_size / max(now - last, 1e-9)
            last = now
            epoch = (st.step - 1) // self.steps_per_epoch + 1
            emit(GanStep(st.step, self.total_steps, epoch, *numbers, rate))
            problem = self.watch.update(st.step, *numbers)
            if st.step % cfg.sample_every == 0 or st.step == self.total_steps:
                fakes = generate(self.g, st.fixed_noise)
                emit(GanSamples(st.step, fakes))
                problem = problem or self.watch.check_samples(st.step, fakes, real.cpu())
            if problem:
                return self._end("diverged", problem)
        synchronize(self.device)
        return self._end("done", f"trained {st.step} steps")

    def step(self, real: torch.Tensor) -> tuple[float, float, float, float]:
        """One discriminator and one generator update; (loss D, loss G, D(x), D(G(z)))."""
        b = real.shape[0]
        ones = torch.ones(b, device=self.device)
        zeros = torch.zeros(b, device=self.device)
        z = torch.randn(b, self.state.nz, 1, 1, device=self.device)
        fake = self.g(z)
        self.opt_d.zero_grad(set_to_none=True)
        out_real = self.d(real).view(-1)
        out_fake = self.d(fake.detach()).view(-1)
        loss_d = F.binary_cross_entropy_with_logits(
            out_real, ones
        ) + F.binary_cross_entropy_with_logits(out_fake, zeros)
        loss_d.backward()
        self.opt_d.step()
        self.opt_g.zero_grad(set_to_none=True)
        # Non-saturating: maximise log D(G(z)) (target "real") rather than minimise
        # log(1 - D(G(z))), whose gradient vanishes while D rejects every fake.
        loss_g = F.binary_cross_entropy_with_logits(self.d(fake).view(-1), ones)
        loss_g.backward()
        self.opt_g.step()
        with torch.no_grad():
            d_x = torch.sigmoid(out_real).mean()
            d_gz = torch.sigmoid(out_fake).mean()
            numbers = torch.stack([loss_d.detach(), loss_g.detach(), d_x, d_gz]).cpu().tolist()
        return (numbers[0], numbers[1], numbers[2], numbers[3])

    def _end(self, status: str, message: str) -> GanResult:
        st = self.state
        st.optimizers = {"g": self.opt_g.state_dict(), "d": self.opt_d.state_dict()}
        self.g.eval()
        return GanResult(status, message, st.step, st)
