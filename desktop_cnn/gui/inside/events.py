"""What the Inside tab's background tasks report, as typed events (see gui/worker.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VisFrame:
    """Gradient ascent after ``step`` of ``total`` steps: (B, C, H, W) 0..1 images."""

    job: str  # "one" (the chosen objective) or a layer's name (the grid)
    step: int
    total: int
    images: np.ndarray
    values: list[float]


@dataclass(frozen=True)
class VisDone:
    """A visualisation ended; ``examples``: real test images of the class (N, C, H, W) 0..1."""

    job: str
    examples: np.ndarray | None = None
    probability: float | None = None  # for a class: the model's probability of it


@dataclass(frozen=True)
class Attacked:
    """An attack's result (whole pixels, (C, H, W)), its probabilities, the epsilon used."""

    original: np.ndarray
    adversarial: np.ndarray
    before: np.ndarray
    after: np.ndarray
    eps: float
    smallest: bool = False  # the result of a smallest-epsilon search
    found: bool = True  # False: no epsilon up to 255 fooled it


@dataclass(frozen=True)
class CurveProgress:
    """The robustness curve so far: ``done`` of ``total`` images."""

    key: str
    done: int
    total: int
    eps: list[float]
    accuracy: list[float]


@dataclass(frozen=True)
class CurveDone:
    """A robustness curve ended (``complete`` False: cancelled, over the images so far)."""

    key: str
    label: str
    eps: list[float]
    accuracy: list[float]
    done: int
    complete: bool
