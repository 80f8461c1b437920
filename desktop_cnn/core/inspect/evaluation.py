"""Accuracy, per-class accuracy, confusion matrix and the most confident mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..data.batches import BatchLoader


@dataclass
class Mistake:
    index: int  # into the evaluated split
    label: int
    predicted: int
    confidence: float  # probability given to the wrong class


@dataclass
class EvalResult:
    loss: float
    accuracy: float  # 0..1
    per_class: list[float]  # accuracy of each class, in label order (the book's table)
    confusion: torch.Tensor  # (K, K) int64: row = true class, column = predicted
    mistakes: list[Mistake] = field(default_factory=list)  # most confident first

    def per_class_named(self, classes: list[str]) -> dict[str, float]:
        return dict(zip(classes, self.per_class, strict=True))


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: BatchLoader, num_classes: int, keep_mistakes: int = 0
) -> EvalResult:
    """Evaluate ``model`` on every batch of ``loader`` (which must not shuffle)."""
    was_training = model.training
    model.eval()
    dev = loader.device
    confusion = torch.zeros(num_classes * num_classes, dtype=torch.long, device=dev)
    total_loss = torch.zeros((), device=dev, dtype=torch.float64)
    wrong_conf, wrong_idx, wrong_pred = [], [], []
    offset = 0
    for x, y in loader:
        logits = model(x).float()
        total_loss += F.cross_entropy(logits, y, reduction="sum").double()
        probs = logits.softmax(1)
        conf, pred = probs.max(1)
        confusion += torch.bincount(y * num_classes + pred, minlength=num_classes**2)
        if keep_mistakes:
            bad = (pred != y).nonzero().squeeze(1)
            wrong_conf.append(conf[bad])
            wrong_idx.append(bad + offset)
            wrong_pred.append(pred[bad])
        offset += len(y)
    model.train(was_training)
    confusion = confusion.view(num_classes, num_classes).cpu()  # one sync, at the end
    n = int(confusion.sum())
    per_class = (confusion.diag() / confusion.sum(1).clamp(min=1)).tolist()
    result = EvalResult(
        total_loss.item() / max(n, 1),
        confusion.diag().sum().item() / max(n, 1),
        per_class,
        confusion,
    )
    if keep_mistakes and wrong_conf:
        conf, idx, pred = (torch.cat(t).cpu() for t in (wrong_conf, wrong_idx, wrong_pred))
        order = conf.argsort(descending=True)[:keep_mistakes]
        labels = loader.labels.cpu()
        result.mistakes = [
            Mistake(int(idx[i]), int(labels[idx[i]]), int(pred[i]), float(conf[i])) for i in order
        ]
    return result


@torch.no_grad()
def predict_proba(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class probabilities for a normalised batch (N, C, H, W)."""
    was_training = model.training
    model.eval()
    try:
        out: torch.Tensor = model(x)
        return out.float().softmax(1)
    finally:
        model.train(was_training)
