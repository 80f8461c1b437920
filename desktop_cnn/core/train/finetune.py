"""Fine-tune a model on the user's own drawings, and measure what it forgets.

A few epochs at a low learning rate, from the current model's weights, on a
mix of the personal drawings and a random share of the original training
images. The drawings are oversampled (20 of them would be lost among 10,000
images) and augmented, so each copy is a slightly different drawing; the
original images ("replay") keep the model from drifting towards the few new
ones and forgetting the rest. Accuracy on the original test set and on the
personal set is measured before and after, so forgetting shows as a number.
``FineTune.run()`` is synchronous and stoppable, like the Trainer it drives.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import torch

from ..data.batches import BatchLoader
from ..data.datasets import Dataset, Split
from ..errors import DesktopCnnError
from ..files.checkpoints import Checkpoint, ModelInfo
from ..inspect.evaluation import EvalResult, evaluate
from ..inspect.mistakes import predict_split
from .config import TrainConfig
from .events import Event
from .training import Trainer


@dataclass
class FinetuneConfig:
    epochs: int = 3  # enough for ~20 drawings seen ~100 times each; few enough not to drift
    lr: float = 1e-3  # a tenth of training's peak: adjust the weights, do not retrain them
    replay: int = 10_000  # original training images per epoch, against forgetting (~5 s on a CPU)
    personal_share: float = 0.2  # of each epoch's images that are (copies of) personal drawings
    batch_size: int = 64
    augment: bool = True  # shifted, rotated, thicker or thinner copies instead of exact repeats
    seed: int = 0
    device: str = "auto"

    def validate(self) -> None:
        if not 0 < self.personal_share < 1:
            raise DesktopCnnError("the personal share must be between 0 and 1")
        if self.epochs < 1 or self.replay < 1 or self.lr <= 0:
            raise DesktopCnnError("fine-tuning needs epochs >= 1, replay >= 1 and lr > 0")


@dataclass(frozen=True)
class Phase:
    """What the fine-tune is doing, for a progress line (the Trainer's events come too)."""

    text: str


@dataclass
class Score:
    right: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.right / max(self.total, 1)


@dataclass
class FinetuneReport:
    status: str  # "finished", "stopped" or "failed"
    message: str
    test_before: Score  # the original test set (MNIST's 10,000 images)
    personal_before: Score
    predicted_before: list[int]  # per personal drawing, in the split's order
    test_after: Score | None = None
    personal_after: Score | None = None
    predicted_after: list[int] = field(default_factory=list)
    copies: int = 0  # times each drawing appears per epoch
    seconds: float = 0.0
    checkpoint: Checkpoint | None = None  # the fine-tuned model, on the CPU; None unless finished


def mix(train: Split, personal: Split, cfg: FinetuneConfig) -> tuple[Split, int]:
    """``cfg.replay`` random training images plus enough copies of the drawings for their share."""
    g = torch.Generator().manual_seed(cfg.seed)
    idx = torch.randperm(len(train), generator=g)[: cfg.replay]
    want = cfg.personal_share / (1 - cfg.personal_share) * len(idx)
    copies = max(1, round(want / max(len(personal), 1)))
    images = torch.cat([train.images[idx], personal.images.repeat(copies, 1, 1, 1)])
    labels = torch.cat([train.labels[idx], personal.labels.repeat(copies)])
    return Split(images, labels), copies


class FineTune:
    """Fine-tune a copy of ``checkpoint`` (never the original); ``stop`` from any thread."""

    def __init__(
        self,
        checkpoint: Checkpoint,
        data: Dataset,
        personal: Split,
        config: FinetuneConfig | None = None,
        callback: Callable[[Event | Phase], None] | None = None,
    ) -> None:
        self.config = config or FinetuneConfig()
        self.config.validate()
        if len(personal) == 0:
            raise DesktopCnnError("there are no personal drawings with this model's classes yet")
        self.checkpoint, self.data, self.personal = checkpoint, data, personal
        self.callback = callback or (lambda event: None)
        self.trainer: Trainer | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()  # orders "trainer created" against "stop requested"

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            if self.trainer is not None:
                self.trainer.stop()

    def run(self) -> FinetuneReport:
        t0 = time.perf_counter()
        cfg, info = self.config, self.checkpoint.info
        train, copies = mix(self.data.train, self.personal, cfg)
        # The model's own mean and std: the data's would shift every input it knows.
        # The Trainer's per-epoch test is the personal set: small, and what should improve.
        mixed = Dataset(info.dataset, list(info.classes), train, self.personal, info.mean, info.std)
        tc = TrainConfig(
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            optimizer="adam",
            weight_decay=0.0,
            schedule="cosine",
            augment=cfg.augment,
            seed=cfg.seed,
            device=cfg.device,
        )
        start = Checkpoint(copy.deepcopy(self.checkpoint.model), info)  # no training_state
        trainer = Trainer(mixed, info.arch, tc, callback=self.callback, resume=start)
        self.callback(Phase("measuring the model before fine-tuning..."))
        test_before, _ = self._test_score(trainer.model)
        personal_before, predicted_before = self._personal_score(trainer.model)
        report = FinetuneReport(
            "stopped",
            "stopped by the user",
            test_before,
            personal_before,
            predicted_before,
            copies=copies,
        )
        with self._lock:
            if self._stop.is_set():
                return report
            self.trainer = trainer
        self.callback(
            Phase(
                f"fine-tuning on {len(self.personal)} drawings x {copies} copies "
                f"and {len(train) - copies * len(self.personal):,} training images..."
            )
        )
        result = trainer.run()
        report.status, report.message = result.status, result.message
        if result.status == "finished":
            self.callback(Phase("measuring the fine-tuned model..."))
            model = result.checkpoint.model
            report.test_after, evaluation = self._test_score(model)
            report.personal_after, report.predicted_after = self._personal_score(model)
            report.checkpoint = Checkpoint(model.cpu().eval(), self._info(report, evaluation))
        report.seconds = time.perf_counter() - t0
        return report

    # --- measuring -------------------------------------------------------------------------
    def _test_score(self, model: torch.nn.Module) -> tuple[Score, EvalResult]:
        info, test = self.checkpoint.info, self.data.test
        device = next(model.parameters()).device
        loader = BatchLoader(test, 1000, info.mean, info.std, device)
        result = evaluate(model, loader, len(info.classes))
        return Score(int(result.confusion.diag().sum()), len(test)), result

    def _personal_score(self, model: torch.nn.Module) -> tuple[Score, list[int]]:
        info = self.checkpoint.info
        p = predict_split(model, self.personal, info.mean, info.std, len(info.classes))
        assert p is not None  # None only when a stop event was given
        return Score(p.right, len(p)), p.predicted.tolist()

    def _info(self, report: FinetuneReport, evaluation: EvalResult) -> ModelInfo:
        """The original description, with the new test metrics and a note of what was done."""
        info, cfg = self.checkpoint.info, self.config
        assert report.test_after is not None and report.personal_after is not None  # measured
        t0, t1 = report.test_before.accuracy, report.test_after.accuracy
        p0, p1 = report.personal_before.accuracy, report.personal_after.accuracy
        note = (
            f"fine-tuned on {len(self.personal)} personal drawings ({cfg.epochs} epochs, "
            f"lr {cfg.lr:g}, {cfg.replay:,} training images replayed): test accuracy "
            f"{t0:.2%} -> {t1:.2%}, personal {p0:.0%} -> {p1:.0%}"
        )
        metrics = {
            **info.metrics,
            "test_accuracy": evaluation.accuracy,
            "test_loss": evaluation.loss,
            "evaluated_on": "test",
            "per_class": evaluation.per_class_named(info.classes),
            "confusion": evaluation.confusion.tolist(),
        }
        return replace(
            info,
            metrics=metrics,
            notes=[*info.notes, note],
            created="",
            train_config={**info.train_config, "finetune": asdict(cfg)},
        )
