"""How to train, as one commented dataclass: the CLI's flags and the GUI's form come from it.

Apart from the loop (training.py) so that the optimizer, the schedule, recipes and
resume can read a config without importing the Trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError, UnknownNameError
from ..limits import TRAIN_RANGES, check_range

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("onecycle", "cosine", "constant")
DEFAULT_LR = {"sgd": 0.05, "adam": 1e-2, "adamw": 1e-2}  # peak LRs that train LeNet-5 well
# AdamW decays weights by lr * wd per step (decoupled), SGD and Adam add wd * w to the
# gradient: the same number means very different things, so each gets its own default.
DEFAULT_WD = {"sgd": 5e-4, "adam": 0.0, "adamw": 0.05}


@dataclass
class TrainConfig:
    """How to train. The CLI's flags and the GUI's form are generated from these defaults."""

    epochs: int = 10  # LeNet-5 passes 98% on MNIST within 2; CIFAR-10 keeps improving to ~60
    batch_size: int = 128  # large enough to keep a CPU's cores busy, small enough to learn fast
    lr: float | None = None  # peak learning rate; None takes DEFAULT_LR[optimizer]
    optimizer: str = "adamw"  # sgd (Nesterov momentum), adam or adamw
    momentum: float = 0.9  # SGD only
    weight_decay: float | None = None  # None takes DEFAULT_WD[optimizer]
    schedule: str = "onecycle"  # warm up then anneal: reaches good accuracy in few epochs
    label_smoothing: float = 0.0  # 0.1 helps CIFAR-10 a little; MNIST does not need it
    augment: bool = True  # affine + stroke width for digits, crop + flip for colour images
    amp: bool = True  # mixed precision, CUDA only (bfloat16 where supported)
    seed: int = 0  # same seed, same data order and same initial weights
    device: str = "auto"  # auto picks CUDA, then MPS, then the CPU
    eval_batch_size: int = 1000  # evaluation needs no gradients, so larger batches are cheap
    # Weight copies kept per epoch (plus one of the initial weights) to replay a run; the GUI
    # asks for a few, the CLI for none. Each is a Snapshot event; see core/snapshots.py.
    snapshots_per_epoch: int = 0
    # Distillation (core/distill.py): learn from this trained model's soft answers as well as
    # the labels. weight 0.9 and T 4 follow Hinton et al.'s range; None trains on labels alone.
    teacher: str | None = None  # checkpoint of a trained model for the same classes
    temperature: float = 4.0  # softens both models' probabilities so the small ones count
    distill_weight: float = 0.9  # share of the loss from the teacher; the rest is cross-entropy
    # Mixup: blend pairs of images by lam ~ Beta(a, a), and their targets by the same lam.
    # With a teacher the blends are new images it can label ("function matching",
    # Beyer et al. 2022). 0 turns it off.
    mixup: float = 0.0
    # Adversarial training (core/inside/advtrain.py, Madry et al. 2018): half of every batch
    # replaced by PGD examples within this L-infinity epsilon, in 0-255 pixel units. 0: off.
    adversarial_eps: float = field(
        default=0.0,
        metadata={
            "help": "mix PGD examples within EPS of 255 into each batch (robust model); 0: off"
        },
    )

    def peak_lr(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]

    def decay(self) -> float:
        return self.weight_decay if self.weight_decay is not None else DEFAULT_WD[self.optimizer]

    def validate(self) -> None:
        """Raise ConfigError (or UnknownNameError for names) naming the flag and its range."""
        if self.optimizer not in OPTIMIZERS:
            raise UnknownNameError(f"unknown optimizer {self.optimizer!r}: use {OPTIMIZERS}")
        if self.schedule not in SCHEDULES:
            raise UnknownNameError(f"unknown schedule {self.schedule!r}: use {SCHEDULES}")
        for name, lo, hi, integer, lo_open, hi_open in TRAIN_RANGES:
            value = getattr(self, name)
            if value is None and name in ("lr", "weight_decay"):  # None: the optimizer's default
                continue
            check_range(
                "--" + name.replace("_", "-"),
                value,
                lo,
                hi,
                integer=integer,
                lo_open=lo_open,
                hi_open=hi_open,
                field=name,
            )
        if self.teacher is not None and not isinstance(self.teacher, str | Path):
            raise ConfigError(f"--teacher must be a file name, not {self.teacher!r}", "teacher")
