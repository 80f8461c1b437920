"""``desktop-cnn gan train|sample``: train a DCGAN generator, and draw images with one."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..core.data.datasets import DATASET_HELP
from ..core.errors import ConfigError, TrainingError
from ..core.files.save_policy import check_output_path
from ..core.gan.events import GanResult, GanStarted, GanStep
from ..core.gan.files import load_generator, save_generator
from ..core.gan.presets import SIZES
from ..core.gan.quality import measure
from ..core.gan.sample import noise, sample, save_samples
from ..core.gan.train import GanConfig, GanState, GanTrainer, generate, load_gan_data
from . import progress

QUALITY_COUNT = 300  # fakes the bundled LeNet-5 reads after an MNIST run


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gan",
        help="train a DCGAN generator, or draw images with one",
        description="Train a DCGAN (generator and discriminator) and draw images with it.",
    )
    gsub = p.add_subparsers(
        dest="gan_command", required=True, metavar="COMMAND", help="train or sample"
    )
    _train_parser(gsub)
    _sample_parser(gsub)


def _train_parser(gsub: Any) -> None:
    d = GanConfig()
    t = gsub.add_parser(
        "train",
        help="train a generator and save it",
        description="Train a DCGAN the paper's way (Adam 2e-4, betas 0.5/0.999, BCE, "
        "non-saturating generator loss) and save the generator file.",
    )
    t.add_argument("--dataset", required=True, help=DATASET_HELP)
    t.add_argument("--classes", help="keep only these classes, e.g. cat or 3,8 (one is fine)")
    t.add_argument("--epochs", type=int, default=d.epochs, help="passes over the training images")
    t.add_argument(
        "--steps",
        type=int,
        default=0,
        help="train this many steps in all, instead of --epochs (0: --epochs decides)",
    )
    t.add_argument("--batch-size", type=int, default=d.batch_size, help="images per step")
    t.add_argument("--lr", type=float, default=d.lr, help="Adam's learning rate for both nets")
    t.add_argument(
        "--size",
        type=int,
        default=0,
        choices=(0, *SIZES),
        help="image side the generator makes (0: the data's own, 28 or 32)",
    )
    t.add_argument("--nz", type=int, default=d.nz, help="noise numbers per image")
    t.add_argument("--ngf", type=int, default=0, help="generator width (0: 16 at 28, 24 at 32)")
    t.add_argument("--ndf", type=int, default=0, help="discriminator width (0: as --ngf)")
    t.add_argument("--device", default=d.device, help="auto, cpu, cuda, cuda:N or mps")
    t.add_argument("--seed", type=int, default=d.seed, help="random seed of the whole run")
    t.add_argument(
        "--data-dir",
        help="dataset folder (default: $DESKTOP_CNN_DATA, else the user's data folder)",
    )
    t.add_argument("--out", required=True, metavar="FILE", help="generator file to write (.pt)")
    t.add_argument("--resume", metavar="FILE", help="go on training this generator file")
    t.add_argument(
        "--samples", metavar="PNG", help="also write a grid of the fixed noise's images here"
    )
    progress.add_quiet(t)
    t.set_defaults(func=run_train)


def _sample_parser(gsub: Any) -> None:
    s = gsub.add_parser(
        "sample",
        help="draw images with a generator file",
        description="Draw COUNT images with a generator file: a grid picture when --out ends "
        "in .png, else one PNG per image (sample-0000.png, ...) in the folder --out.",
    )
    s.add_argument("file", help="a generator file from `desktop-cnn gan train`")
    s.add_argument("--count", type=int, default=64, help="how many images")
    s.add_argument("--seed", type=int, default=0, help="the same seed gives the same images")
    s.add_argument("--out", required=True, metavar="DIR_OR_GRID.png", help="where to write")
    s.set_defaults(func=run_sample)


def run_sample(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= 100_000:
        raise ConfigError(f"--count must be from 1 to 100000, not {args.count}", "count")
    state = load_generator(args.file)
    paths = save_samples(sample(state, args.count, args.seed), args.out)
    c, h, w = state.image_shape
    what = "a grid of" if len(paths) == 1 and str(args.out).lower().endswith(".png") else ""
    print(f"wrote {what + ' ' if what else ''}{args.count} images of {w}x{h} to {args.out}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    config = GanConfig(
        dataset=args.dataset,
        classes=tuple(c.strip() for c in args.classes.split(",")) if args.classes else (),
        data_dir=args.data_dir,
        epochs=args.epochs,
        max_steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        nz=args.nz,
        size=args.size,
        ngf=args.ngf,
        ndf=args.ndf or args.ngf,
        seed=args.seed,
        device=args.device,
    )
    config.validate()  # bad flags and an unwritable --out fail before the data is read
    out = check_output_path(Path(args.out), 8 << 20)
    state: GanState | None = None
    if args.resume:
        state = load_generator(args.resume)
        config.nz = state.nz
    data = load_gan_data(config)
    if state is not None and state.image_shape != data.shape:
        raise ConfigError(
            f"--resume: {args.resume} makes {state.image_shape} images, the data is {data.shape}"
        )
    trainer = GanTrainer(data, config, state)
    printer = GanPrinter()
    result = trainer.run(printer)
    printer.close()
    if result.status == "diverged":
        raise TrainingError(f"{result.message} ({args.out} not written)")
    st: GanState = result.state
    if st.dataset == "mnist":  # the bundled LeNet-5 reads digits: the quality number
        q = measure(generate(st.generator, noise(QUALITY_COUNT, st.nz, 12345)))
        st.quality = {**q.as_dict(), "judge": "assets/lenet5_mnist.pt", "seed": 12345}
        print(f"quality: {q.line()}")
    save_generator(out, st)
    if args.samples:
        save_samples(generate(st.generator, st.fixed_noise), args.samples)
    print(f"saved {out} ({result.message})")
    return 0


class GanPrinter:
    """A line per epoch on stdout (and a bar on a terminal), like ``train``'s progress."""

    def __init__(self) -> None:
        self.quiet = progress.QUIET
        self.bars = not self.quiet and progress.wants_bars(sys.stderr)
        self.bar: Any = None
        self.sums = [0.0, 0.0, 0.0, 0.0]
        self.count = 0
        self.steps_per_epoch = 1
        self.start = time.perf_counter()

    def __call__(self, e: object) -> None:
        if isinstance(e, GanStarted):
            self.steps_per_epoch = e.steps_per_epoch
        if isinstance(e, GanStarted) and not self.quiet:
            print(
                f"training a {e.image_shape[1]}x{e.image_shape[2]} DCGAN on {e.device}: "
                f"{e.images} images, {e.steps_per_epoch} steps per epoch, "
                f"{e.total_steps} steps in all",
                file=sys.stderr,
            )
        elif isinstance(e, GanStep):
            self._step(e)

    def _step(self, e: GanStep) -> None:
        for i, v in enumerate((e.loss_d, e.loss_g, e.d_x, e.d_gz)):
            self.sums[i] += v
        self.count += 1
        if self.bars:
            self._bar(e)
        if e.step == e.total_steps or e.step % self.steps_per_epoch == 0:  # a line per epoch
            self.close()
            ld, lg, dx, dgz = (s / self.count for s in self.sums)
            print(
                f"step {e.step}/{e.total_steps} (epoch {e.epoch}): loss D {ld:.3f} G {lg:.3f} | "
                f"D(x) {dx:.2f} D(G(z)) {dgz:.2f} ({time.perf_counter() - self.start:.1f}s)",
                flush=True,
            )
            self.sums, self.count = [0.0, 0.0, 0.0, 0.0], 0

    def _bar(self, e: GanStep) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=e.total_steps, initial=e.step - 1, unit="step", leave=False,
                            file=sys.stderr, dynamic_ncols=True)  # fmt: skip
        self.bar.update(1)
        self.bar.set_postfix(D=f"{e.loss_d:.2f}", G=f"{e.loss_g:.2f}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


__all__ = ["GanResult", "add_parser", "run_sample", "run_train"]
