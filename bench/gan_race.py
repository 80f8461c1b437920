"""Time to good digits: this project's small DCGAN against pytorch/examples' dcgan recipe.

Target: a sample grid of 300 fakes (fixed noise) in which the bundled LeNet-5 reads at
least 70% with p >= 0.9 and every digit holds at least 2% of them. Both sides train on
the same real MNIST training images, on the same number of CPU threads, for at most the
same wall-clock budget; every ``--every`` seconds of training each side's fakes are scored
with the clock stopped (scoring is not training time). Reported: the training seconds to
the target (or "not reached"), steps done, and the best quality seen.

Ours: ``core.gan`` at its defaults for 28x28 (the dcgan-g28 / dcgan-d28 specs, width 16,
batch 64; --ngf/--ndf change the width).

Peer: pytorch/examples ``dcgan/main.py`` as its README runs it on MNIST, rewritten here
from its description: images resized to 64x64 and normalised to -1..1, nz 100, ngf = ndf
= 64, nc 1, batch 128; the generator five 4x4 transposed convolutions (1 -> 4 -> 8 -> 16
-> 32 -> 64) with batch norm and ReLU and a tanh; the discriminator five 4x4 convolutions
with leaky ReLU 0.2 (batch norm from the second) and a sigmoid; weights N(0, 0.02), batch
norm scales N(1, 0.02); Adam lr 2e-4, betas (0.5, 0.999); BCELoss, the discriminator on a
real batch (label 1) and a fake batch (label 0), the generator with label 1. Its 64x64
fakes are scaled down to 28x28 for LeNet-5 (bilinear), as ours would be.

    nice python bench/gan_race.py [--data-dir ../shared/data] [--budget 1800] [--every 15]

Both sides run at once, each in its own process with ``--threads`` CPU threads (1: the
two sides share a 2-core machine fairly); ``--only ours|peer`` runs one side alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from desktop_cnn.core.data.datasets import load_dataset
from desktop_cnn.core.gan.presets import DEFAULT_WIDTH
from desktop_cnn.core.gan.quality import Quality, load_judge, probabilities, quality_of
from desktop_cnn.core.gan.train import GanConfig, GanData, GanTrainer, generate, to_unit

ROOT = Path(__file__).resolve().parents[1]
ROW = "ROW "  # a side's result line, read by the parent process


def peer_nets(
    nz: int = 100, ngf: int = 64, ndf: int = 64, nc: int = 1
) -> tuple[nn.Module, nn.Module]:
    """pytorch/examples dcgan's Generator and Discriminator, from their description."""
    g_layers: list[nn.Module] = []
    chans = [nz, ngf * 8, ngf * 4, ngf * 2, ngf]
    for i in range(4):  # 1 -> 4 (s1, p0), then 4 -> 8 -> 16 -> 32 (s2, p1)
        g_layers += [
            nn.ConvTranspose2d(chans[i], chans[i + 1], 4, 1 if i == 0 else 2, 0 if i == 0 else 1,
                               bias=False),
            nn.BatchNorm2d(chans[i + 1]),
            nn.ReLU(True),
        ]  # fmt: skip
    g = nn.Sequential(*g_layers, nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    d_layers: list[nn.Module] = []
    chans = [nc, ndf, ndf * 2, ndf * 4, ndf * 8]
    for i in range(4):  # 64 -> 32 -> 16 -> 8 -> 4
        d_layers.append(nn.Conv2d(chans[i], chans[i + 1], 4, 2, 1, bias=False))
        if i > 0:
            d_layers.append(nn.BatchNorm2d(chans[i + 1]))
        d_layers.append(nn.LeakyReLU(0.2, inplace=True))
    d = nn.Sequential(*d_layers, nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())
    for m in (*g.modules(), *d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return g, d


class Peer:
    """The peer's training loop, one step at a time."""

    def __init__(self, images: torch.Tensor, seed: int = 0, batch: int = 128) -> None:
        torch.manual_seed(seed)
        self.g, self.d = peer_nets()
        self.images, self.batch = images, batch
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.loss = nn.BCELoss()
        self.gen = torch.Generator().manual_seed(seed)
        self.steps = 0

    def step(self) -> None:
        idx = torch.randint(len(self.images), (self.batch,), generator=self.gen)
        real = to_unit(self.images[idx], 64)  # its transforms.Resize(64) + Normalize(0.5, 0.5)
        b = real.shape[0]
        self.d.zero_grad()
        err_real = self.loss(self.d(real).view(-1), torch.ones(b))
        err_real.backward()
        fake = self.g(torch.randn(b, 100, 1, 1))
        err_fake = self.loss(self.d(fake.detach()).view(-1), torch.zeros(b))
        err_fake.backward()
        self.opt_d.step()
        self.g.zero_grad()
        err_g = self.loss(self.d(fake).view(-1), torch.ones(b))
        err_g.backward()
        self.opt_g.step()
        self.steps += 1


def race(
    name: str, step: Callable[[], None], fakes: Callable[[], torch.Tensor], budget: float,
    every: float, judge,
) -> tuple[float | None, int, Quality | None]:  # fmt: skip
    """Train until the target or the budget; (training seconds to target, steps, best)."""
    trained, steps, best = 0.0, 0, None
    next_score = every
    while trained < budget:
        t0 = time.perf_counter()
        step()
        trained += time.perf_counter() - t0
        steps += 1
        if trained >= next_score or trained >= budget:
            next_score += every
            q = quality_of(probabilities(judge, fakes()))
            if best is None or q.balanced > best.balanced:
                best = q
            print(f"  {name}: {trained:6.0f}s {steps:5d} steps  {q.line()}", flush=True)
            if q.reaches_target:
                return trained, steps, q
    return None, steps, best


def side(args: argparse.Namespace) -> dict[str, object]:
    """Train one side (``args.only``) and return its row of the table."""
    torch.set_num_threads(args.threads)
    data = load_dataset("mnist", args.data_dir, download=False)
    images = data.train.images
    judge = load_judge()
    z = torch.randn(300, 100, 1, 1, generator=torch.Generator().manual_seed(2024))
    if args.only == "ours":
        cfg = GanConfig(ngf=args.ngf, ndf=args.ndf, sample_every=10**9)
        if args.batch:
            cfg.batch_size = args.batch
        trainer = GanTrainer(GanData("mnist", data.classes, images, 28), cfg)
        gen = torch.Generator().manual_seed(0)

        def ours_step() -> None:
            idx = torch.randint(len(images), (cfg.batch_size,), generator=gen)
            trainer.step(to_unit(images[idx], 28))

        width = args.ngf or DEFAULT_WIDTH[28]
        name = f"ours (dcgan-g28/d28, width {width}, batch {cfg.batch_size})"
        secs, steps, best = race(
            "ours", ours_step, lambda: generate(trainer.g, z), args.budget, args.every, judge
        )
    else:
        peer = Peer(images)
        name = "pytorch/examples dcgan (64x64, width 64, batch 128)"
        secs, steps, best = race(
            "peer", peer.step, lambda: generate(peer.g, z), args.budget, args.every, judge
        )
    return {"name": name, "secs": secs, "steps": steps, "best": best.line() if best else "-"}


def both(args: argparse.Namespace) -> list[dict[str, object]]:
    """Both sides at once, each in its own process on its own thread(s): one run, one clock."""
    flags = {"--data-dir": args.data_dir, "--budget": args.budget, "--every": args.every,
             "--threads": args.threads, "--ngf": args.ngf, "--ndf": args.ndf,
             "--batch": args.batch}  # fmt: skip
    common = [sys.executable, __file__, *(str(x) for kv in flags.items() for x in kv)]
    procs = [
        subprocess.Popen([*common, "--only", who], stdout=subprocess.PIPE, text=True)
        for who in ("ours", "peer")
    ]
    rows = []
    for proc in procs:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(ROW):
                rows.append(json.loads(line[len(ROW) :]))
            else:
                print(line, end="", flush=True)
        proc.wait()
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--budget", type=float, default=1800.0, help="training seconds per side")
    p.add_argument("--every", type=float, default=15.0, help="training seconds between scores")
    p.add_argument("--threads", type=int, default=1, help="CPU threads per side")
    p.add_argument("--ngf", type=int, default=0, help="ours: generator width (0: the default)")
    p.add_argument("--ndf", type=int, default=0, help="ours: discriminator width")
    p.add_argument("--batch", type=int, default=0, help="ours: batch size (0: the default)")
    p.add_argument("--only", choices=("ours", "peer"), default=None)
    args = p.parse_args()
    if args.only:
        print(ROW + json.dumps(side(args)), flush=True)
        return
    data = load_dataset("mnist", args.data_dir, download=False)
    real = quality_of(probabilities(load_judge(), data.test.images[:300].float() / 127.5 - 1))
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f}, torch {torch.__version__}; {len(data.train.images)} MNIST "
        f"training images; {args.threads} thread(s) per side, both sides at once; budget "
        f"{args.budget:.0f} training s per side; target: 70% of 300 fakes p >= 0.9, "
        f"every class >= 2%\n  real test images: {real.line()}",
        flush=True,
    )
    rows = both(args)
    print("\n| side | training s to target | steps | quality at the target (or best seen) |")
    print("|---|---|---|---|")
    for row in rows:
        secs = row["secs"]
        reached = f"{secs:.0f}" if secs is not None else f"not reached in {args.budget:.0f}"
        print(f"| {row['name']} | {reached} | {row['steps']} | {row['best']} |")


if __name__ == "__main__":
    main()
