"""Requests one part of the app makes of another, as typed values posted on the app state.

A panel never holds another panel: it posts ``ShowTab("Train")`` (or any request here) with
``state.post(...)``, and whoever handles that type (registered with ``state.handle``) acts.
Add a frozen dataclass here for each new kind of request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .inputs import Source

if TYPE_CHECKING:  # core.spec imports torch, which the app loads in the background
    from ..core.spec.layers import NetSpec


@dataclass(frozen=True)
class ShowTab:
    """Bring a notebook tab to the front, by its title ("Draw", "Train", ...)."""

    name: str


@dataclass(frozen=True)
class ShowInDraw:
    """Make ``source`` (an inputs.Source) the input and show it in the Draw tab.

    ``saliency`` ("gradcam", "gradient" or None) switches the "Why this answer?" overlay
    on for it, as the Mistakes tab does for an image clicked in its gallery.
    """

    source: Source
    saliency: str | None = None


@dataclass(frozen=True)
class PickTestImage:
    """A random test image of the current model's dataset becomes the input."""


@dataclass(frozen=True)
class ShowConfusionCell:
    """Show the test images of one confusion-matrix cell (true class, predicted class)."""

    true: int
    predicted: int


@dataclass(frozen=True)
class TrainSpec:
    """Train this model spec (a core.spec NetSpec) in the Train tab, on its dataset setting.

    ``force``: the person was told the spec is too big for a desktop and chose to go on.
    """

    spec: NetSpec
    force: bool = False


@dataclass(frozen=True)
class ShowPreset:
    """Open the Playground on a preset (a ``core.conv.exercises.PRESETS`` name).

    ``steps``: press Next that many times; ``view`` "matrix": show the im2col matrices;
    ``quiz``: in exercise mode, the exercise's questions first (no steps taken then).
    """

    name: str
    steps: int = 0
    view: str = ""
    quiz: bool = False


@dataclass(frozen=True)
class ChooseRecipe:
    """Open the Train tab with its form filled by a recipe (a ``recipe_choice.CHOICES`` label)."""

    label: str


@dataclass(frozen=True)
class BuildPreset:
    """Open the Build tab on one of its model presets, e.g. "Fig. 3 ConvNet"."""

    name: str


@dataclass(frozen=True)
class OpenImage:
    """Open an image file in the Draw tab (``desktop-cnn IMAGE``: a file manager's Open with)."""

    path: str


@dataclass(frozen=True)
class NoModelYet:
    """Start-up ended without a model: the Draw tab says how to get one."""


@dataclass(frozen=True)
class CompareInside:
    """Compare models' robustness curves and class visualisations ("" is the current model)."""

    paths: tuple[str, ...]
