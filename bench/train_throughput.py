"""Training throughput, images/s, four ways on the same machine in one run.

(a) the book's loop: a DataLoader over torchvision-style datasets that turn each
    uint8 image into a PIL image, then ToTensor + Normalize, at batch size 4;
(b) a plain eager loop over a normalised float tensor in memory, batch size 128,
    without augmentation: the bare floor;
(b+) the same plain loop with the Trainer's augmentation done in line, on each batch;
(c) this project's Trainer at its defaults (uint8 on the device, index batches,
    augmentation on whole batches, AdamW one-cycle), timed by the wall clock between
    its BatchEnd events (the batches' making included, the test evaluations not).

    python bench/train_throughput.py [--data-dir ../shared/data] [--seconds 8] [--rounds 5]

Prints a table and the ratios (c)/(a), (c)/(b) and (c)/(b+); with ``--rounds`` the
ratios are the medians of each round's own, and the range of c/b is shown. Same model
(LeNet-5), same process, run back to back, so the ratios hold when absolute numbers drift.
"""

from __future__ import annotations

import argparse
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

from desktop_cnn.core.batches import augment_batch
from desktop_cnn.core.data import Dataset, Split, load_dataset
from desktop_cnn.core.device import device_name, pick_device, synchronize
from desktop_cnn.core.models import build_model, classifier_args
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


def timed_steps(model, opt, batches, device, seconds: float) -> float:
    """Train on ``batches`` (an iterator) for about ``seconds``; images per second."""
    n, t0 = 0, None
    for step, (x, y) in enumerate(batches):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step == 5:  # warm-up done: start the clock
            synchronize(device)
            t0 = time.perf_counter()
        elif t0 is not None:
            n += len(y)
            if time.perf_counter() - t0 > seconds:
                break
    synchronize(device)
    return n / (time.perf_counter() - t0)


def book_loop(data: Dataset, device, seconds: float) -> float:
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(data.mean, data.std)])
    loader = torch.utils.data.DataLoader(
        PerSampleDataset(data.train, tf), batch_size=4, shuffle=True
    )
    model = build_model("lenet5", **classifier_args("lenet5", data.input_shape, 10)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)  # the book's settings
    return timed_steps(model, opt, iter(loader), device, seconds)


def plain_loop(
    data: Dataset, device, seconds: float, batch_size: int = 128, augment: bool = False
) -> float:
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

    model = build_model("lenet5", **classifier_args("lenet5", data.input_shape, 10)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    return timed_steps(model, opt, batches(), device, seconds)


def trainer_defaults(data: Dataset, device, seconds: float) -> float:
    """Images/s of the Trainer by the wall clock, timed from its BatchEnd events.

    Batches are made (indexed, augmented, normalised) inside the timed span, as the
    plain loop's are; the gaps between epochs, which hold the test evaluation the
    plain loop does not do, are left out. The first 5 batches warm up, as in (b).
    """
    cfg = replace(TrainConfig(), device=str(device), epochs=100)  # stopped by time, not epochs
    images, timed = 0, 0.0
    last: tuple[int, float] | None = None  # (epoch, time) of the previous BatchEnd

    def on_event(e):
        nonlocal images, timed, last
        if not isinstance(e, BatchEnd):
            return
        synchronize(device)  # the images of a batch are trained once its step has finished
        now = time.perf_counter()
        if last is not None and last[0] == e.epoch and e.global_step > 5:
            images += cfg.batch_size
            timed += now - last[1]
        last = (e.epoch, now)
        if timed > seconds:
            trainer.stop()

    trainer = Trainer(data, "lenet5", cfg, on_event)
    trainer.run()
    return images / timed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure (b), (b+) and (c) this many times, alternately, and keep each "
        "one's median: on a shared machine the load changes within seconds",
    )
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    print(
        f"# {platform.node()} {platform.machine()}, {device_name(device)}, "
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}, {args.rounds} round(s)"
    )
    print(
        f"{'dataset':<10} {'(a) book, bs 4':>16} {'(b) plain, bs 128':>18} "
        f"{'(b+) plain+aug':>15} {'(c) Trainer':>12} {'c/a':>7} {'c/b':>6} {'c/b+':>6}"
    )
    for name in ("mnist", "cifar10"):
        data = load_dataset(name, args.data_dir, download=False)
        a = book_loop(data, device, args.seconds)
        rounds = [
            (
                plain_loop(data, device, args.seconds),
                plain_loop(data, device, args.seconds, augment=True),
                trainer_defaults(data, device, args.seconds),
            )
            for _ in range(args.rounds)
        ]
        b, b_aug, c = (statistics.median(r[i] for r in rounds) for i in range(3))
        # Each round's own ratios: (b) and (c) minutes apart see different loads, a round's
        # measurements seconds apart see much the same one.
        c_b = [r[2] / r[0] for r in rounds]
        c_b_aug = [r[2] / r[1] for r in rounds]
        print(
            f"{name:<10} {a:>16,.0f} {b:>18,.0f} {b_aug:>15,.0f} {c:>12,.0f} "
            f"{c / a:>6.1f}x {statistics.median(c_b):>5.2f}x {statistics.median(c_b_aug):>5.2f}x"
            f"   c/b per round {min(c_b):.2f}-{max(c_b):.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
