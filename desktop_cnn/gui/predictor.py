"""From an input (a drawing, an image file, a test image) to what the panels show.

One forward pass through ``model.activations`` gives both the class
probabilities and every feature map, so the Draw and Feature-maps panels
never run the model twice for one input. No Tk here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from ..core.data.preprocess import DigitSteps, normalize, prepare
from ..core.files.checkpoints import Checkpoint, ModelInfo
from ..core.inspect.saliency import saliency_map


@dataclass
class Analysis:
    x: torch.Tensor  # (1, C, H, W) normalised: exactly what the model was given
    seen: np.ndarray  # (C, H, W) float: x with the normalisation undone, 0..1 for the preview
    probs: np.ndarray  # (K,) class probabilities
    maps: dict[str, np.ndarray]  # conv/pool layer -> (C, H, W) activations, in forward order
    steps: DigitSteps | None  # the preprocessing of a drawing or image file; None otherwise
    seconds: float  # preprocessing + forward pass

    @property
    def predicted(self) -> int:
        return int(self.probs.argmax())


def input_from_image(
    img: Image.Image,
    info: ModelInfo,
    center: bool = True,
) -> tuple[torch.Tensor | None, DigitSteps | None]:
    """A drawing or image file through the core's preprocessing; None when there is no ink.

    ``center=False`` skips the centre-of-mass shift, to show what it is for.
    """
    return prepare(img, info.input_shape, info.mean, info.std, center=center)


def input_from_test(image: torch.Tensor, info: ModelInfo) -> torch.Tensor:
    """A dataset image (C, H, W) uint8 is already what the model trained on: scale only."""
    return normalize(image.float() / 255, info.mean, info.std)[None]


def denormalize(x: torch.Tensor, info: ModelInfo) -> np.ndarray:
    """(1, C, H, W) model input back to (C, H, W) 0..1: the preview shows this tensor."""
    mean = torch.tensor(info.mean).view(-1, 1, 1)
    std = torch.tensor(info.std).view(-1, 1, 1)
    return (x[0].float().cpu() * std + mean).numpy()


@torch.no_grad()
def analyse(
    checkpoint: Checkpoint,
    x: torch.Tensor,
    steps: DigitSteps | None = None,
    t0: float | None = None,
) -> Analysis:
    """Run ``x`` through the model once; keep the probabilities and the 2-D feature maps."""
    t0 = time.perf_counter() if t0 is None else t0
    model = checkpoint.model
    model.eval()
    device = next(model.parameters()).device
    acts = model.activations(x.to(device))
    logits = next(reversed(acts.values()))
    probs = logits.float().softmax(1)[0].cpu().numpy()
    maps = {name: a[0].float().cpu().numpy() for name, a in acts.items() if a.ndim == 4}
    return Analysis(
        x, denormalize(x, checkpoint.info), probs, maps, steps, time.perf_counter() - t0
    )


def saliency(checkpoint: Checkpoint, x: torch.Tensor, target: int, method: str) -> np.ndarray:
    """The saliency map (H, W), 0..1, of class ``target`` for the model input ``x``.

    A forward and a backward pass (a few ms for LeNet-5): run only while an overlay is shown.
    """
    return saliency_map(checkpoint.model, x, target, method).numpy()


def conv1_filters(checkpoint: Checkpoint) -> np.ndarray | None:
    """The first conv layer's weights (out, in, k, k), the only filters that read like
    pictures; the model says which layer that is."""
    from ..core.spec.base import conv_units

    units = conv_units(checkpoint.model)
    conv1 = getattr(checkpoint.model, units[0].conv, None) if units else None
    weight = getattr(conv1, "weight", None)
    return None if weight is None else weight.detach().float().cpu().numpy()


def warm_up(checkpoint: Checkpoint) -> None:
    """One forward pass of zeros: the first call pays torch's one-off set-up costs."""
    analyse(checkpoint, torch.zeros(1, *checkpoint.info.input_shape))
