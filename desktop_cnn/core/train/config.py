"""How to train, as one dataclass whose fields describe themselves (options.py).

Each field carries its help, its range and how the Train form shows it; the ``train``
command's flags, validate() and the GUI's form are made from that, so a new setting is
one field here. Apart from the loop (training.py) so that the optimizer, the schedule,
recipes and resume can read a config without importing the Trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..device import DEVICE_CHOICES
from ..errors import ConfigError, UnknownNameError
from ..limits import Range
from .options import FormField, option, settings

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("onecycle", "cosine", "constant")
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-2, "adamw": 1e-2}  # peak LRs that train LeNet-5 well
# AdamW decays weights by lr * wd per step (decoupled), SGD and Adam add wd * w to the
# gradient: the same number means very different things, so each gets its own default.
DEFAULT_WD = {"sgd": 5e-4, "adam": 0.0, "adamw": 0.05}
COUNT = Range(1, 1_000_000)  # batch sizes
# Label smoothing of 1 would make every target uniform; momentum of 1 would never forget.
SHARE = Range(0, 1, hi_open=True)


@dataclass
class TrainConfig:
    """How to train. Every field's option makes its ``train`` flag and, if any, its form field.

    The order of the fields is the order of the flags in ``train --help``.
    """

    # LeNet-5 passes 98% on MNIST within 2 epochs; CIFAR-10 keeps improving to ~60.
    epochs: int = option(
        10,
        "passes over the training images (the new total with --resume)",
        range=Range(1, 100_000),
        form=FormField("Epochs"),
    )
    # Large enough to keep a CPU's cores busy, small enough to learn fast.
    batch_size: int = option(
        128,
        "images per optimizer step (the global batch under torchrun)",
        range=COUNT,
        form=FormField("Batch size", values=("32", "64", "128", "256", "512")),
    )
    lr: float | None = option(
        None,
        "peak learning rate (default: chosen by the optimizer)",
        range=Range(0, 1e6, lo_open=True),  # 1e6 still trains (to NaN: tests use it)
        form=FormField("Learning rate", hint="blank: the optimizer's", blank=True),
    )
    optimizer: str = option(
        "adamw",
        "how the weights are updated",  # sgd with Nesterov momentum
        choices=OPTIMIZERS,
        form=FormField("Optimizer"),
    )
    # One-cycle warms up then anneals: it reaches good accuracy in few epochs.
    schedule: str = option(
        "onecycle", "how the learning rate changes over the run", choices=SCHEDULES
    )
    weight_decay: float | None = option(
        None,
        "L2 penalty on the weights (default: 5e-4 for sgd, 0.05 for adamw (decoupled), 0 for adam)",
        range=Range(0, 10),
    )
    # 0.1 helps CIFAR-10 a little; MNIST does not need it.
    label_smoothing: float = option(
        0.0, "share of each target spread over the other classes (0 to 1)", range=SHARE
    )
    # Distillation (core/distill.py): learn from this trained model's soft answers as well as
    # the labels. weight 0.9 and T 4 follow Hinton et al.'s range; None trains on labels alone.
    teacher: str | None = option(
        None,
        "distil: also learn from this trained model's soft answers (e.g. a widenet checkpoint "
        "for the same dataset)",
        metavar="FILE",
        form=FormField(
            "Teacher",
            hint="blank: none",
            blank=True,
            file="A trained model to learn from (distillation)",
        ),
    )
    # T softens both models' probabilities so that the small ones count.
    temperature: float = option(
        4.0, "distillation temperature T (with --teacher)", range=Range(0, 1000, lo_open=True)
    )
    distill_weight: float = option(
        0.9, "share of the loss from the teacher, the rest from the labels", range=Range(0, 1)
    )
    # Mixup: blend pairs of images by lam ~ Beta(a, a), and their targets by the same lam.
    # With a teacher the blends are new images it can label ("function matching",
    # Beyer et al. 2022). Beta(a, a) needs a > 0; 0 turns it off.
    mixup: float = option(
        0.0,
        "blend pairs of images by lam ~ Beta(ALPHA, ALPHA); 0: off",
        range=Range(0, 1000),
        metavar="ALPHA",
        form=FormField("Mixup alpha", hint="0: off", blank=True),
    )
    # Adversarial training (core/inside/advtrain.py, Madry et al. 2018): half of every batch
    # replaced by PGD examples within this L-infinity epsilon, in 0-255 pixel units. 0: off.
    adversarial_eps: float = option(
        0.0,
        "mix PGD examples within EPS of 255 into each batch (robust model); 0: off",
        range=Range(0, 255),
        metavar="EPS",
        form=FormField("Adversarial eps", hint="of 255; 0: off", blank=True),
    )
    # Affine + stroke width for digits, crop + flip for colour images.
    augment: bool = option(
        True,
        "turn off batch augmentation (on by default)",
        form=FormField("Augment the training images"),
    )
    amp: bool = option(True, "no mixed precision on CUDA (on by default)")  # bfloat16 if it can
    device: str = option(
        "auto",
        "auto, cpu, cuda, cuda:N or mps",  # auto picks CUDA, then MPS, then the CPU
        form=FormField("Device", values=DEVICE_CHOICES, readonly=True, machine=True),
    )
    # The same seed gives the same data order and the same initial weights.
    seed: int = option(
        0,
        "random seed for the weights, the shuffling and augmentation",
        range=Range(0, 2**63 - 1),
    )
    # A dry run (pytorch/examples' --dry-run): each epoch stops after this many batches, and
    # the schedule and progress count them alone. Tests of the loop's mechanics use it.
    max_steps: int = option(
        0,
        "dry run: stop each epoch after N batches, to try settings quickly (default 0: all)",
        range=Range(0, 1_000_000),
        metavar="N",
    )
    momentum: float = option(0.9, "SGD's momentum", range=SHARE, flag=False)
    # Evaluation needs no gradients, so larger batches are cheap.
    eval_batch_size: int = option(1000, "images per evaluation batch", range=COUNT, flag=False)
    # Weight copies kept per epoch (plus one of the initial weights) to replay a run; the GUI
    # asks for a few, the CLI for none. Each is a Snapshot event; see core/inspect/snapshots.py.
    snapshots_per_epoch: int = option(
        0, "weight copies kept per epoch", range=Range(0, 10_000), flag=False
    )

    def peak_lr(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]

    def decay(self) -> float:
        return self.weight_decay if self.weight_decay is not None else DEFAULT_WD[self.optimizer]

    def validate(self) -> None:
        """Raise ConfigError (or UnknownNameError for names) naming the flag and its range."""
        for s in settings(TrainConfig):
            value, flag = getattr(self, s.name), "--" + s.name.replace("_", "-")
            if value is None and s.optional:  # None: the default for the optimizer, or none
                continue
            if s.option.choices and value not in s.option.choices:
                raise UnknownNameError(
                    f"unknown {s.name.replace('_', ' ')} {value!r}: use {s.option.choices}"
                )
            if s.option.range is not None:
                s.option.range.check(flag, value, integer=s.kind is int, field=s.name)
        if self.teacher is not None and not isinstance(self.teacher, str | Path):
            raise ConfigError(f"--teacher must be a file name, not {self.teacher!r}", "teacher")


# (field, low, high, whole number, low excluded, high excluded): every range validate() checks.
TRAIN_RANGES: tuple[tuple[str, float, float, bool, bool, bool], ...] = tuple(
    (s.name, r.lo, r.hi, s.kind is int, r.lo_open, r.hi_open)
    for s in settings(TrainConfig)
    if (r := s.option.range) is not None
)
