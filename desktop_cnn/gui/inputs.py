"""What the Draw panel can feed the model, and how to describe it. No Tk here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    import torch

    from ..core.data.datasets import Dataset
    from ..core.files.checkpoints import ModelInfo
    from .predictor import Analysis


@dataclass
class Source:
    """The current input: the sketch, an image file, or a test image (C, H, W) uint8."""

    kind: str  # "drawing", "file" or "test"
    caption: str
    image: Image.Image | None = None  # what the pads show instead of the sketch
    tensor: torch.Tensor | None = None
    label: int = -1  # a test image's true class


DRAWING = Source("drawing", "Draw a digit with the mouse")
TIPS_DIGITS = (
    "Draw one digit, large and centred, like MNIST's handwriting.\n"
    "Esc clears, Ctrl+Z undoes the last stroke.\n"
    "The Feature maps tab shows what each layer makes of it."
)
TIPS_COLOUR = (
    "This model reads small colour photos: pick a random test image or open "
    "a picture. Drawing works too, but it was never trained on drawings.\n"
    "The Feature maps tab shows what each layer makes of it."
)


def test_source(data: Dataset, info: ModelInfo, rng: random.Random) -> Source:
    """A random test image of the model's dataset; UnknownNameError when they do not fit."""
    from ..core.inspect.mistakes import fit_dataset  # torch: loaded by the time there is a dataset

    data = fit_dataset(data, info)
    i = rng.randrange(len(data.test))
    tensor, label = data.test.images[i], int(data.test.labels[i])
    arr = tensor.numpy()
    image = Image.fromarray(arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0))
    caption = f"{data.name} test image #{i}, labelled {data.classes[label]!r}"
    return Source("test", caption, image=image, tensor=tensor, label=label)


def describe_steps(analysis: Analysis, kind: str) -> str:
    """What happened between the input and the tensor in the preview, in one sentence."""
    c, h, w = analysis.x.shape[1:]
    steps = analysis.steps
    if kind == "test":
        return f"The test image as stored: {w}x{h}, {c} channel{'s' * (c > 1)}, normalised."
    if steps is None or steps.crop_box is None:
        return f"Resized to {w}x{h}, normalised."
    left, top, right, bottom = steps.crop_box
    dx, dy = steps.shift
    moved = (
        f"moved ({dx:+d}, {dy:+d}) px to centre its mass"
        if steps.center
        else "not centred (centring is off)"
    )
    return (
        f"Ink box {right - left}x{bottom - top} px scaled to fit 20x20, placed in "
        f"{w}x{h} and {moved}; normalised."
    )


def steps_note(info: ModelInfo | None, kind: str, analysis: Analysis | None, center: bool) -> str:
    """The line under the preprocessing steps: why there are none, or what step 4 does."""
    if analysis is None or info is None:
        return "Nothing drawn yet."
    if kind == "test":
        return "A test image goes in as stored: there is nothing to preprocess."
    _, h, w = info.input_shape
    if analysis.steps is None:
        return f"A colour model's input is only resized to {w}x{h}: no steps to show."
    resized = "" if (h, w) == (28, 28) else f" Then resized to {w}x{h}."
    if center:
        return "Untick to skip step 4." + resized
    return "Step 4 is off; every MNIST digit had it." + resized
