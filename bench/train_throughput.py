"""Training throughput, images/s, four ways on the same machine in one run.

(a) the book's loop: a DataLoader over torchvision-style datasets that turn each
    uint8 image into a PIL image, then ToTensor + Normalize, at batch size 4;
(b) a plain eager loop over a normalised float tensor in memory, batch size 128,
    without augmentation: the bare floor;
(b+) the same plain loop with the Trainer's augmentation done in line, on each batch;
(c) this project's Trainer at its defaults (uint8 on the device, index batches,
    augmentation on whole batches, AdamW one-cycle, and the model run channels-last,
    with its max pools before their ReLUs and a fused optimizer step: exact rewrites),
    timed by the wall clock between its BatchEnd events (the batches' making included,
    the test evaluations not).

    python bench/train_throughput.py [--data-dir DIR] [--seconds 1] [--rounds 15]

(b), (b+) and (c) train in turns of ``--seconds`` each, ``--rounds`` times (the plain
loops inside the Trainer's callback, between two of its batches), so a round's three
measurements are a few seconds apart and see much the same machine. The images/s are each
column's median; the ratios are the medians of each round's own ratios, with the quartiles
and range of c/b. Same model (LeNet-5), same process, so the ratios hold when the absolute
numbers drift.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision import transforms

from desktop_cnn.core.data.batches import augment_batch
from desktop_cnn.core.data.datasets import Dataset, Split, load_dataset
from desktop_cnn.core.device import device_name, pick_device, synchronize
from desktop_cnn.core.models import build_model, classifier_args
from desktop_cnn.core.train import training
from desktop_cnn.core.train.events import BatchEnd
from desktop_cnn.core.train.training import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]


class PerSampleDataset(torch.utils.data.Dataset):
    """What torchvision's MNIST and CIFAR10 do in ``__getitem__``: PIL image, then transform."""

    def __init__(self, split: Split, transform) -> None:
        imgs = split.images.permute(0, 2, 3, 1).numpy()  # (N, H, W, C) as torchvision stores it
        self.images = imgs[..., 0] if imgs.shape[-1] == 1 else imgs
        self.labels = split.labels.tolist()
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


class PlainRun:
    """A plain eager loop over ``batches`` (an endless iterator) that trains in slices."""

    def __init__(self, model, opt, batches, device) -> None:
        self.model, self.opt, self.batches, self.device = model, opt, batches, device

    def run_for(self, seconds: float) -> float:
        """Train for about ``seconds``; images per second."""
        synchronize(self.device)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            x, y = next(self.batches)
            x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
            loss = F.cross_entropy(self.model(x), y)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            n += len(y)
        synchronize(self.device)
        return n / (time.perf_counter() - t0)


def lenet5(data: Dataset, device):
    return build_model("lenet5", **classifier_args("lenet5", data.input_shape, 10)).to(device)


def book_loop(data: Dataset, device) -> PlainRun:
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(data.mean, data.std)])
    loader = torch.utils.data.DataLoader(
        PerSampleDataset(data.train, tf), batch_size=4, shuffle=True
    )
    model = lenet5(data, device)
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)  # the book's settings
    return PlainRun(model, opt, itertools.chain.from_iterable(itertools.repeat(loader)), device)


def plain_loop(data: Dataset, device, batch_size: int = 128, augment: bool = False) -> PlainRun:
    mean = torch.tensor(data.mean).view(1, -1, 1, 1)
    std = torch.tensor(data.std).view(1, -1, 1, 1)
    x = ((data.train.images.float() / 255 - mean) / std).to(device)
    y = data.train.labels.to(device)

    kind = "digits" if data.is_digits else "color"
    g = torch.Generator(device=device).manual_seed(0)

    def batches():
        while True:
            perm = torch.randperm(len(y), device=device)
            for i in range(0, len(y) - batch_size + 1, batch_size):
                idx = perm[i : i + batch_size]
                xb = augment_batch(x[idx], kind, g) if augment else x[idx]
                yield xb, y[idx]

    model = lenet5(data, device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    return PlainRun(model, opt, batches(), device)


class Turns:
    """(b), (b+) and (c) in turns, all on one thread: the plain loops run inside the Trainer's
    BatchEnd callback, between two of its batches.

    One thread, because two threads that each run torch ops each keep their own OpenMP
    workers, and the idle ones spin on the cores the busy ones need (a plain loop ran at
    half speed beside a Trainer thread waiting for its turn). The Trainer's time counts
    between two BatchEnd events of the same epoch: making the batches (indexing,
    augmenting, normalising) counts; the test evaluation between epochs, which the plain
    loops do not do, and the plain loops' turns do not.
    """

    def __init__(self, data: Dataset, device, plain: list[PlainRun], rounds: int, seconds: float):
        self.device, self.plain, self.rounds, self.seconds = device, plain, rounds, seconds
        self.cfg = replace(TrainConfig(), device=str(device), epochs=1000)  # stopped by rounds
        self.trainer = Trainer(data, "lenet5", self.cfg, self)
        self.results: list[list[float]] = []  # per round: (b), (b+), (c) images/s
        self.warmed_up = False  # the first turns (first calls, page faults) are dropped
        self.images, self.timed = 0, 0.0
        self.last: tuple[int, float] | None = None  # (epoch, time) of the previous BatchEnd

    def measure(self) -> list[list[float]]:
        result = self.trainer.run()
        if len(self.results) < self.rounds:
            raise RuntimeError(f"the Trainer ended early: {result.message}")
        return self.results

    def __call__(self, e) -> None:
        if not isinstance(e, BatchEnd):
            return
        synchronize(self.device)  # the images of a batch are trained once its step has finished
        now = time.perf_counter()
        if self.last is not None and self.last[0] == e.epoch:
            self.images += self.cfg.batch_size
            self.timed += now - self.last[1]
        if self.timed >= self.seconds:
            self._plain_turns(self.images / self.timed)
            now = time.perf_counter()
        self.last = (e.epoch, now)

    def _plain_turns(self, trainer_rate: float) -> None:
        rates = [run.run_for(self.seconds) for run in self.plain]
        if self.warmed_up:
            self.results.append([*rates, trainer_rate])
        self.warmed_up = True
        self.images, self.timed = 0, 0.0
        if len(self.results) == self.rounds:
            self.trainer.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--seconds", type=float, default=1.0, help="per slice")
    ap.add_argument(
        "--rounds",
        type=int,
        default=15,
        help="slices of (b), (b+) and (c) in turn: on a shared machine the load changes "
        "within seconds, and a round's three slices see much the same one",
    )
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    ap.add_argument("--device", default="auto")
    ap.add_argument(
        "--model-order",
        action="store_true",
        help="(c) runs the model's layers in their own order, without moving each max pool "
        "before its ReLU (core/train/fastgraph.py): what that rewrite gives",
    )
    args = ap.parse_args()
    if args.model_order:
        training.pool_before_relu = lambda model, spec: model
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(
        f"# {platform.node()} {platform.machine()}, {device_name(device)}, "
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}, {args.rounds} rounds of {args.seconds:g} s"
        + (", (c) in the model's own order" if args.model_order else "")
    )
    print(
        f"{'dataset':<10} {'(a) book, bs 4':>16} {'(b) plain, bs 128':>18} "
        f"{'(b+) plain+aug':>15} {'(c) Trainer':>12} {'c/a':>7} {'c/b':>6} {'c/b+':>6}"
    )
    for name in ("mnist", "cifar10"):
        data = load_dataset(name, args.data_dir, download=False)
        book = book_loop(data, device)
        book.run_for(1.0)  # warm-up: first calls, page faults, oneDNN's kernels
        a = book.run_for(args.seconds * 3)
        plain = [plain_loop(data, device), plain_loop(data, device, augment=True)]
        rounds = Turns(data, device, plain, args.rounds, args.seconds).measure()
        b, b_aug, c = (statistics.median(r[i] for r in rounds) for i in range(3))
        c_b = [c_ / b_ for b_, _, c_ in rounds]
        c_b_aug = [c_ / b_aug_ for _, b_aug_, c_ in rounds]
        q1, _, q3 = statistics.quantiles(c_b, n=4)
        print(
            f"{name:<10} {a:>16,.0f} {b:>18,.0f} {b_aug:>15,.0f} {c:>12,.0f} "
            f"{c / a:>6.1f}x {statistics.median(c_b):>5.2f}x {statistics.median(c_b_aug):>5.2f}x"
            f"   c/b per round: quartiles {q1:.2f}-{q3:.2f}, range {min(c_b):.2f}-{max(c_b):.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
