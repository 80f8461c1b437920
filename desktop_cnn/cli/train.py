"""``desktop-cnn train``: train a model on a dataset and save it as a checkpoint."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from ..core.checkpoints import load_checkpoint, save_checkpoint
from ..core.data import DATASET_HELP, load_dataset
from ..core.errors import DesktopCnnError
from ..core.models import MODELS
from ..core.recipes import RECIPES
from ..core.training import OPTIMIZERS, SCHEDULES, TrainConfig, Trainer
from .progress import ProgressPrinter
from .recipe_run import run_recipe


def add_parser(sub) -> None:
    d = TrainConfig()
    p = sub.add_parser("train", help="train a model and save it",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", required=True, help=DATASET_HELP)
    p.add_argument("--recipe", choices=RECIPES, help="book: train exactly as the chapter does "
                   "(cifar10, or cifar10 --classes airplane,bird); app: this app's way on the "
                   "same data; either prints the chapter's figures beside yours")
    p.add_argument("--classes", help="keep only these classes, e.g. airplane,bird")
    p.add_argument("--model", default="lenet5", choices=[n for n, s in MODELS.items()
                                                         if s.classifier])
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr, help="peak learning rate (None: by optimizer)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer)
    p.add_argument("--schedule", choices=SCHEDULES, default=d.schedule)
    p.add_argument("--weight-decay", type=float, default=d.weight_decay,
                   help="None: 5e-4 for sgd, 0.05 for adamw (decoupled), 0 for adam")
    p.add_argument("--label-smoothing", type=float, default=d.label_smoothing)
    p.add_argument("--teacher", metavar="FILE", help="distil: also learn from this trained "
                   "model's soft answers (e.g. a widenet checkpoint for the same dataset)")
    p.add_argument("--temperature", type=float, default=d.temperature,
                   help="distillation temperature T (with --teacher)")
    p.add_argument("--distill-weight", type=float, default=d.distill_weight,
                   help="share of the loss from the teacher, the rest from the labels")
    p.add_argument("--mixup", type=float, default=d.mixup, metavar="ALPHA",
                   help="blend pairs of images by lam ~ Beta(ALPHA, ALPHA); 0: off")
    p.add_argument("--no-augment", dest="augment", action="store_false",
                   help="turn off batch augmentation")
    p.add_argument("--no-amp", dest="amp", action="store_false", help="no mixed precision on CUDA")
    p.add_argument("--device", default=d.device, help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--data-dir", help="dataset folder (default: $DESKTOP_CNN_DATA or user dir)")
    p.add_argument("--validation", type=float, default=0.0, metavar="FRACTION",
                   help="hold out this share of the training images and report accuracy on "
                   "it instead of the test set (for choosing settings)")
    p.add_argument("--out", required=True, help="checkpoint file to write")
    p.add_argument("--resume", help="continue the run saved in this checkpoint")
    p.add_argument("--checkpoint-every-epoch", action="store_true",
                   help="also save --out after every epoch, with optimizer state for --resume")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.recipe:
        return run_recipe(args)
    cfg_fields = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in vars(args).items() if k in cfg_fields})
    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    return train(args.dataset, classes, args.model, config, args.data_dir, Path(args.out),
                 args.resume, args.checkpoint_every_epoch, args.validation)


def train(dataset: str, classes: list[str] | None, arch: str, config: TrainConfig,
          data_dir: str | None, out: Path, resume: str | None, every_epoch: bool,
          validation: float = 0.0) -> int:
    resume_ck = load_checkpoint(resume) if resume else None
    if resume_ck is not None and classes is None:
        classes = list(resume_ck.info.classes)  # the resumed run's class subset, if it had one
    data = load_dataset(dataset, data_dir, classes)
    if validation:
        data = data.holdout(validation, config.seed)
        print(f"validation: {len(data.test)} training images held out; the test set is unused",
              file=sys.stderr)
    trainer = Trainer(data, arch, config, ProgressPrinter("val" if validation else "test"),
                      resume=resume_ck)
    result = trainer.run(out if every_epoch else None)
    if result.status == "failed":
        raise DesktopCnnError(result.message)
    save_checkpoint(out, result.checkpoint.model, result.checkpoint.info)
    acc = result.checkpoint.info.metrics.get("test_accuracy")
    held_out = "validation" if validation else "test"
    print(f"saved {out}" + (f" ({held_out} accuracy {acc:.2%})" if acc is not None else ""))
    return 0
