"""Which test images a model gets wrong, and as what: one prediction per image, by cell.

``evaluate`` keeps counts and the most confident mistakes; the Mistakes panel
also needs the images behind every cell of the confusion matrix, so one pass
here keeps each image's predicted class and confidence (12 bytes an image:
120 kB for MNIST's 10,000) and answers every cell from those.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..data.batches import BatchLoader
from ..data.datasets import Dataset, Split
from ..errors import UnknownNameError
from ..files.checkpoints import ModelInfo
from .evaluation import Mistake


@dataclass
class Predictions:
    """Every image of one split through one model; all tensors on the CPU."""

    labels: torch.Tensor  # (N,) int64: the true classes
    predicted: torch.Tensor  # (N,) int64
    confidence: torch.Tensor  # (N,) float32: the probability given to the predicted class
    loss: float  # mean cross-entropy
    num_classes: int

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def right(self) -> int:
        return int((self.predicted == self.labels).sum())

    @property
    def accuracy(self) -> float:
        return self.right / max(len(self), 1)

    @property
    def confusion(self) -> torch.Tensor:
        """(K, K) int64: row = true class, column = predicted, as ``evaluate`` returns it."""
        k = self.num_classes
        return torch.bincount(self.labels * k + self.predicted, minlength=k * k).view(k, k)

    def cell(self, true: int, predicted: int) -> torch.Tensor:
        """Indices of the images of class ``true`` predicted as ``predicted``.

        Mistakes come most confident first (the model's worst errors); right
        answers least confident first (the images it nearly got wrong).
        """
        idx = ((self.labels == true) & (self.predicted == predicted)).nonzero().squeeze(1)
        order = torch.sort(self.confidence[idx], descending=true != predicted, stable=True)[1]
        return idx[order]

    def mistakes(self, n: int) -> list[Mistake]:
        """The ``n`` most confident mistakes, as ``evaluate(keep_mistakes=n)`` lists them."""
        wrong = (self.predicted != self.labels).nonzero().squeeze(1)
        order = torch.sort(self.confidence[wrong], descending=True, stable=True)[1][:n]
        return [self.mistake(int(i)) for i in wrong[order]]

    def mistake(self, i: int) -> Mistake:
        return Mistake(i, int(self.labels[i]), int(self.predicted[i]), float(self.confidence[i]))


@torch.no_grad()
def predict_split(
    model: nn.Module,
    split: Split,
    mean: Sequence[float],
    std: Sequence[float],
    num_classes: int,
    batch_size: int = 1000,
    stop: threading.Event | None = None,
) -> Predictions | None:
    """Predict every image of ``split`` on the model's device; None when ``stop`` was set."""
    device = next(model.parameters()).device
    loader = BatchLoader(split, batch_size, mean, std, device)
    was_training = model.training
    model.eval()
    preds, confs = [torch.zeros(0, dtype=torch.long)], [torch.zeros(0)]
    loss = torch.zeros((), dtype=torch.float64, device=device)
    try:
        for x, y in loader:
            if stop is not None and stop.is_set():
                return None
            logits = model(x).float()
            loss += F.cross_entropy(logits, y, reduction="sum").double()
            conf, pred = logits.softmax(1).max(1)
            preds.append(pred.cpu())  # a sync per batch: negligible beside the forward pass
            confs.append(conf.cpu())
    finally:
        model.train(was_training)
    return Predictions(
        split.labels.cpu(),
        torch.cat(preds),
        torch.cat(confs),
        loss.item() / max(len(split), 1),
        num_classes,
    )


def fit_dataset(data: Dataset, info: ModelInfo) -> Dataset:
    """The dataset as the model knows it (its classes, in its order); an error when it cannot."""
    if list(data.classes) != list(info.classes):
        data = data.with_classes(info.classes)  # e.g. a cat/airplane CIFAR-10 model
    if tuple(data.input_shape) != tuple(info.input_shape):
        raise UnknownNameError(
            f"{data.name} images are {data.input_shape}, the model takes {tuple(info.input_shape)}"
        )
    return data
