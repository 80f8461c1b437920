"""``desktop-cnn train``: train a model on a dataset and save it as a checkpoint."""

from __future__ import annotations

import argparse
import pickle
import sys
from dataclasses import replace
from pathlib import Path

from ..core.data.datasets import DATASET_HELP, Dataset
from ..core.device import pick_device
from ..core.errors import TrainingError
from ..core.files.checkpoints import load_checkpoint
from ..core.files.outputs import OutputLock
from ..core.files.resolve import resolve_model
from ..core.files.save_policy import check_output_path, checkpoint_bytes, save_with_fallback
from ..core.limits import check_range
from ..core.models import MODELS
from ..core.train.checks import check_batch_memory, check_launch, check_train_output
from ..core.train.config import TrainConfig
from ..core.train.distributed import Ranks
from ..core.train.recipes import RECIPES
from ..core.train.resume import check_resumable, check_same_data, resume_config
from ..core.train.run import DEFAULT_ARCH, TrainRun
from ..core.train.training import Trainer
from . import progress
from .config_flags import add_flags, config_from
from .launch import as_rank, launch
from .prog import PROG
from .progress import ProgressPrinter
from .recipe_run import run_recipe


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "train",
        help="train a model and save it",
        description="Train a model on a dataset and save it as a checkpoint.",
    )
    p.add_argument("--dataset", required=True, help=DATASET_HELP)
    p.add_argument(
        "--recipe",
        choices=RECIPES,
        help="book: train exactly as the chapter does "
        "(cifar10, or cifar10 --classes airplane,bird); app: this app's way on the "
        "same data; either prints the chapter's figures beside yours",
    )
    p.add_argument("--classes", help="keep only these classes, e.g. airplane,bird")
    p.add_argument(
        "--model",
        help="the network: a model name ("
        + ", ".join(n for n, s in MODELS.items() if s.classifier)
        + f") or a .json spec file (default: "
        f"{DEFAULT_ARCH}; with --resume, the file's)",
    )
    add_flags(p, TrainConfig)  # --epochs ... --max-steps: TrainConfig's fields describe them
    p.add_argument(
        "--data-dir",
        help="dataset folder (default: $DESKTOP_CNN_DATA, else the user's data folder)",
    )
    p.add_argument(
        "--validation",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="hold out this share of the training images and report accuracy on "
        "it instead of the test set (for choosing settings)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="checkpoint file to write (.pt)")
    p.add_argument(
        "--resume",
        metavar="FILE",
        help="continue the run saved in this checkpoint "
        "(by --checkpoint-every-epoch); --epochs is then the new total",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="train a .json spec even when it is too big for a desktop (over 50M "
        "parameters, a few GFLOPs or 256 MiB of activations per image); replace an --out "
        "that is not a desktop-cnn model",
    )
    p.add_argument(
        "--nproc",
        type=int,
        default=1,
        metavar="N",
        help="train in N processes on this machine (DistributedDataParallel, as "
        "torchrun does); --batch-size stays the global batch",
    )
    p.add_argument(
        "--checkpoint-every-epoch",
        action="store_true",
        help="also save --out after every epoch, with optimizer state for --resume",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Before any work: --out must not destroy an input (spec, teacher, dataset) or a document.
    check_train_output(args.out, [args.model, args.teacher], args.dataset, args.force)
    if args.recipe:
        return run_recipe(args)
    config = config_from(args, TrainConfig)
    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    plan = TrainRun(
        args.dataset,
        resolve_model(args.model) if args.model else None,
        config,
        classes,
        args.data_dir,
        args.validation,
        args.resume,
        Path(args.out),
        args.checkpoint_every_epoch,
        args.force,
    )
    check_range("--nproc", args.nproc, 1, 4096, integer=True, field="nproc")
    if args.nproc > 1:
        check_launch(plan, args.nproc)  # everything a worker would meet, before any starts
        return launch(plan, args.nproc)
    ranks = Ranks.from_env()  # under torchrun: one of several processes
    return as_rank(lambda: train(plan), ranks) if ranks.distributed else train(plan)


def train(run: TrainRun) -> int:
    """Train as ``run`` describes, print progress, save ``run.out``; the exit status."""
    assert run.out is not None  # --out is required, so every CLI run names its file
    out, ranks = Path(run.out), Ranks.from_env()
    run.config.validate()  # bad flags and an unwritable --out fail before the data is read
    pick_device(run.config.device)  # meta, xla, cpu:1: one line before the data is read
    if ranks.is_main:
        check_output_path(out)
        with OutputLock(out):  # a second run to the same --out says so and stops
            return _train(run, out, ranks)
    return _train(run, out, ranks)


def _train(run: TrainRun, out: Path, ranks: Ranks) -> int:
    resume_ck = load_checkpoint(run.resume, force=run.force) if run.resume else None
    if resume_ck is not None:  # the file's recipe, its seed (and so its validation split) too
        check_resumable(resume_ck, run.arch)
        run = replace(run, config=resume_config(resume_ck, run.config))
    # A resumed run keeps its class subset, if it had one.
    data = run.load_data(resume_ck.info.classes if resume_ck and run.classes is None else None)
    if resume_ck is not None:
        check_same_data(resume_ck, data)
    if run.validation and ranks.is_main:
        print(
            f"validation: {len(data.test)} training images held out; the test set is unused",
            file=sys.stderr,
        )
    trainer = Trainer(
        data,
        run.arch or DEFAULT_ARCH,
        run.config,
        ProgressPrinter("val" if run.validation else "test") if ranks.is_main else None,
        resume=resume_ck,
        ranks=ranks,
        force=run.force,
    )
    # This process's part of every batch (a small dataset makes smaller batches).
    share = min(run.config.batch_size, len(data.train)) // ranks.world
    check_batch_memory(
        trainer.arch, trainer.arch_args, data.input_shape, share, trainer.device, run.force
    )
    if ranks.is_main:  # room for the file, now that the model's size is known
        check_output_path(out, checkpoint_bytes(trainer.model, run.checkpoint_every_epoch))
        report_data(data)  # what was read, so nothing is dropped silently
    result = trainer.run(out if run.checkpoint_every_epoch else None)
    if result.status == "failed":
        raise TrainingError(result.message)
    if not ranks.is_main:
        return 0  # rank 0 writes the file: the weights are the same in every process
    # An every-epoch run's final file stays resumable: it keeps the training state.
    state = result.training_state if run.checkpoint_every_epoch else None
    saved = save_with_fallback(out, result.checkpoint.model, result.checkpoint.info, state)
    if saved.error:  # the model is safe in the user's models folder: say where, exit 1
        raise TrainingError(saved.error)
    acc = result.checkpoint.info.metrics.get("test_accuracy")
    print(f"saved {out}" + (f" ({run.held_out} accuracy {acc:.2%})" if acc is not None else ""))
    return 0


def report_data(data: Dataset) -> None:
    """For an image folder: the images read per class and what was left out (stderr)."""
    if not data.name.startswith("imagefolder:"):
        return
    if not progress.QUIET:
        print(f"read {data.counts()} (train+test images per class)", file=sys.stderr)
    for note in data.notes:
        print(f"{PROG}: note: not used: {note}", file=sys.stderr)
    if data.remark():
        print(f"{PROG}: note: {data.remark()}", file=sys.stderr)


def worker(spec: str) -> int:
    """One process started by ``--nproc``: the run in the launcher's file, as this rank."""
    run: TrainRun = pickle.loads(Path(spec).read_bytes())
    return as_rank(lambda: train(run), Ranks.from_env())
