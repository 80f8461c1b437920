"""The training loop: a Trainer that emits typed events and obeys stop/pause between batches.

``Trainer.run()`` is synchronous; the GUI calls it in a worker thread and turns
events into queue items, the CLI draws a progress bar from them. The callback
runs on the training thread, so it must only hand events on, never touch Tk.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from .batches import BatchLoader, mix_batch
from .checkpoints import Checkpoint, ModelInfo, save_checkpoint
from .data import Dataset
from .device import device_name, pick_device
from .distill import Teacher, distillation_loss
from .errors import ConfigError, UnknownNameError
from .evaluation import EvalResult, evaluate
from .events import BatchEnd, EpochEnd, Event, Failed, Finished, Snapshot, Started
from .limits import TRAIN_RANGES, check_range
from .models import NamedActivations, build_model, classifier_args
from .snapshots import LiveCopy, cpu_state, snapshot_marks

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
            check_range("--" + name.replace("_", "-"), value, lo, hi, integer=integer,
                        lo_open=lo_open, hi_open=hi_open, field=name)
        if self.teacher is not None and not isinstance(self.teacher, str | Path):
            raise ConfigError(f"--teacher must be a file name, not {self.teacher!r}", "teacher")


@dataclass
class TrainResult:
    status: str  # "finished", "stopped" or "failed"
    message: str
    checkpoint: Checkpoint  # the model as it stands, with its metadata
    history: dict[str, Any] = field(default_factory=dict)


def make_optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    lr = cfg.peak_lr()
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=cfg.momentum,
                               nesterov=cfg.momentum > 0, weight_decay=cfg.decay())
    cls = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
    return cls(model.parameters(), lr=lr, weight_decay=cfg.decay())


def make_schedule(opt: torch.optim.Optimizer, cfg: TrainConfig, steps_per_epoch: int):
    total = cfg.epochs * steps_per_epoch
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.peak_lr(), total_steps=total,
                                                   pct_start=0.15)
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0)


class Trainer:
    """Train a classifier on an in-memory Dataset; report through ``callback(event)``."""

    def __init__(self, data: Dataset, arch: str = "lenet5", config: TrainConfig | None = None,
                 callback: Callable[[Event], None] | None = None,
                 resume: Checkpoint | None = None) -> None:
        self.config = config or TrainConfig()
        self.config.validate()
        self.data, self.arch = data, arch
        self.callback = callback or (lambda event: None)
        self.device = pick_device(self.config.device)
        torch.manual_seed(self.config.seed)
        if resume is not None:
            self.arch, self.arch_args = resume.info.arch, resume.info.arch_args
            self.model: NamedActivations = resume.model
        else:
            self.arch_args = classifier_args(arch, data.input_shape, len(data.classes))
            self.model = build_model(arch, **self.arch_args)
        self.model.to(self.device)
        self.teacher = None if self.config.teacher is None else Teacher(
            self.config.teacher, data.classes, data.input_shape, data.mean, data.std, self.device)
        self._resume = resume
        self._stop = threading.Event()
        self._running = threading.Event()  # set = not paused
        self._running.set()
        self._live = LiveCopy()
        self.history: dict[str, Any] = {"batch_loss": [], "epochs": []}
        self.last_eval: EvalResult | None = None

    # --- control, safe from any thread -------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused worker must wake up to see the stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def request_copy(self) -> None:
        """Ask for a Snapshot (kept=False) of the weights, taken after the batch in flight."""
        self._live.request()

    # --- the loop --------------------------------------------------------------------------
    def run(self, checkpoint_path: str | Path | None = None) -> TrainResult:
        """Train to ``config.epochs``; returns however it ended, never raises on NaN or OOM."""
        try:
            return self._run(checkpoint_path)
        except torch.OutOfMemoryError:
            return self._fail("out of memory: try a smaller batch size")
        except RuntimeError as exc:
            if "out of memory" in str(exc):
                return self._fail("out of memory: try a smaller batch size")
            raise

    def _run(self, checkpoint_path) -> TrainResult:
        cfg, data, dev = self.config, self.data, self.device
        kind = ("digits" if data.is_digits else "color") if cfg.augment else None
        train = BatchLoader(data.train, cfg.batch_size, data.mean, data.std, dev, shuffle=True,
                            augment=kind, drop_last=len(data.train) >= 2 * cfg.batch_size,
                            seed=cfg.seed)
        test = BatchLoader(data.test, cfg.eval_batch_size, data.mean, data.std, dev)
        opt = make_optimizer(self.model, cfg)
        sched = make_schedule(opt, cfg, len(train))
        start_epoch = self._restore(opt, sched, train)
        amp_dtype = self._amp_dtype()
        scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
        steps, epochs = len(train), cfg.epochs
        self.callback(Started(device_name(dev), len(data.train), len(data.test), steps, epochs,
                              start_epoch))
        marks = snapshot_marks(steps, cfg.snapshots_per_epoch)
        if marks:  # the weights before any step: random, or where a resumed run left off
            self._snapshot(start_epoch * steps, start_epoch, steps if start_epoch else 0, steps)
        t_run = time.perf_counter()
        busy = 0.0  # seconds spent training, pauses excluded, for images/s and ETA
        mix_rng = random.Random(cfg.seed)  # lam for mixup: one per batch, reproducible
        for epoch in range(start_epoch, epochs):
            self.model.train()
            t_epoch, seen, correct, loss_sum = time.perf_counter(), 0, 0, 0.0
            for step, (x, y) in enumerate(train):
                if not self._running.is_set():
                    paused_at = time.perf_counter()
                    self._running.wait()
                    busy -= time.perf_counter() - paused_at
                if self._stop.is_set():
                    return self._finish("stopped", "stopped by the user", t_run)
                t0 = time.perf_counter()
                lam, partner = 1.0, None
                if cfg.mixup > 0:
                    lam = mix_rng.betavariate(cfg.mixup, cfg.mixup)
                    x, partner = mix_batch(x, train.generator, lam)
                with torch.autocast(dev.type, dtype=amp_dtype or torch.float32,
                                    enabled=amp_dtype is not None):
                    logits = self.model(x)
                    loss = self._loss(logits.float(), x, y, lam, partner)
                opt.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
                sched.step()
                value = loss.item()  # the sync point: one per batch, so the UI sees each loss
                if not math.isfinite(value):
                    return self._fail(f"the loss became {value} at epoch {epoch + 1}, batch "
                                      f"{step + 1}: try a lower learning rate", t_run)
                busy += time.perf_counter() - t0
                seen += len(y)
                # Under mixup an image counts as its larger share's class.
                major = y if partner is None or lam >= 0.5 else y[partner]
                correct += (logits.argmax(1) == major).sum().item()
                loss_sum += value * len(y)
                self.history["batch_loss"].append(value)
                done = (epoch - start_epoch) * steps + step + 1
                rate = done * cfg.batch_size / max(busy, 1e-9)
                left = (epochs - epoch) * steps - step - 1
                self.callback(BatchEnd(epoch + 1, epochs, step + 1, steps, epoch * steps + step + 1,
                                       value, opt.param_groups[0]["lr"], rate,
                                       left * cfg.batch_size / max(rate, 1e-9)))
                # Between two optimizer steps: the weights are whole here, never mid-update.
                # The epoch's last mark waits for the evaluation, to carry its accuracy.
                kept = step + 1 in marks and step + 1 < steps
                if self._live.take() or kept:
                    self._snapshot(epoch * steps + step + 1, epoch + 1, step + 1, steps, kept)
            result = evaluate(self.model, test, len(data.classes))
            self.last_eval = result
            record = {"epoch": epoch + 1, "train_loss": loss_sum / max(seen, 1),
                      "train_accuracy": correct / max(seen, 1), "test_loss": result.loss,
                      "test_accuracy": result.accuracy,
                      "seconds": time.perf_counter() - t_epoch}
            self.history["epochs"].append(record)
            self.callback(EpochEnd(**record, per_class=result.per_class_named(data.classes)))
            if marks:
                self._snapshot((epoch + 1) * steps, epoch + 1, steps, steps,
                               test_accuracy=result.accuracy)
            if checkpoint_path:
                state = {"epoch": epoch + 1, "optimizer": opt.state_dict(),
                         "scheduler": sched.state_dict(), "config": asdict(cfg),
                         "loader_rng": train.generator_state().cpu()}
                save_checkpoint(checkpoint_path, self.model, self.info(), state)
        return self._finish("finished", f"trained {epochs} epoch{'s' * (epochs != 1)}", t_run)

    def _loss(self, logits: torch.Tensor, x: torch.Tensor, y: torch.Tensor, lam: float,
              partner: torch.Tensor | None) -> torch.Tensor:
        """Cross-entropy on the labels, or distillation; blended by ``lam`` under mixup."""
        cfg = self.config

        def on(labels: torch.Tensor) -> torch.Tensor:
            if self.teacher is None:
                return F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing)
            return distillation_loss(logits, teacher, labels, cfg.temperature,
                                     cfg.distill_weight, cfg.label_smoothing)

        teacher = None if self.teacher is None else self.teacher.logits(x)
        if partner is None:
            return on(y)
        # Both terms are linear in the one-hot target, so blending the losses blends the
        # targets; the teacher's part is the same in both (it saw the blended image).
        return lam * on(y) + (1.0 - lam) * on(y[partner])

    def _amp_dtype(self) -> torch.dtype | None:
        if not (self.config.amp and self.device.type == "cuda"):
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def _restore(self, opt, sched, train: BatchLoader) -> int:
        """Continue a run from its checkpoint: optimizer, schedule, history, data order."""
        ck = self._resume
        if ck is None or not ck.training_state:
            return 0
        st = ck.training_state
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        if "loader_rng" in st and train.device.type == "cpu":
            train.generator.set_state(st["loader_rng"])
        self.history = {"batch_loss": list(ck.info.history.get("batch_loss", [])),
                        "epochs": list(ck.info.history.get("epochs", []))}
        return int(st["epoch"])

    def _snapshot(self, step: int, epoch: int, batch: int, steps: int, kept: bool = True,
                  test_accuracy: float | None = None) -> None:
        self.callback(Snapshot(step, epoch, batch, steps, cpu_state(self.model),
                               self.info(batch_loss=False), kept, test_accuracy))

    def info(self, batch_loss: bool = True) -> ModelInfo:
        """Metadata describing the model as it stands now (``batch_loss``: with every loss)."""
        d, last = self.data, self.history["epochs"][-1] if self.history["epochs"] else {}
        metrics: dict[str, Any] = {}
        if last:
            metrics = {"test_accuracy": last["test_accuracy"], "test_loss": last["test_loss"],
                       "epochs": last["epoch"],
                       # "validation": measured on images held out of the training set
                       "evaluated_on": "validation" if d.validation else "test"}
            if self.last_eval is not None:
                metrics["per_class"] = self.last_eval.per_class_named(d.classes)
                metrics["confusion"] = self.last_eval.confusion.tolist()
        return ModelInfo(arch=self.arch, arch_args=dict(self.arch_args), dataset=d.name,
                         classes=list(d.classes), input_shape=d.input_shape, mean=d.mean,
                         std=d.std, train_config=asdict(self.config), metrics=metrics,
                         history={"batch_loss": list(self.history["batch_loss"]) if batch_loss
                                  else [], "epochs": list(self.history["epochs"])})

    def _finish(self, status: str, message: str, t_run: float) -> TrainResult:
        self.model.eval()
        ck = Checkpoint(self.model, self.info())
        self.callback(Finished(status, message, time.perf_counter() - t_run,
                               ck.info.metrics.get("test_accuracy")))
        return TrainResult(status, message, ck, self.history)

    def _fail(self, message: str, t_run: float | None = None) -> TrainResult:
        self.model.eval()
        self.callback(Failed(message))
        return TrainResult("failed", message, Checkpoint(self.model, self.info()), self.history)
