"""Requests one part of the app makes of another, as typed values posted on the app state.

A panel never holds another panel: it posts ``ShowTab("Train")`` (or any request here) with
``state.post(...)``, and whoever handles that type (registered with ``state.handle``) acts.
Add a frozen dataclass here for each new kind of request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowTab:
    """Bring a notebook tab to the front, by its title ("Draw", "Train", ...)."""

    name: str


@dataclass(frozen=True)
class ShowPreset:
    """Open the Playground on a preset (a ``core.conv.exercises.PRESETS`` name).

    ``steps``: press Next that many times; ``view`` "matrix": show the im2col matrices.
    """

    name: str
    steps: int = 0
    view: str = ""


@dataclass(frozen=True)
class ChooseRecipe:
    """Open the Train tab with its form filled by a recipe (a ``recipe_choice.CHOICES`` label)."""

    label: str


@dataclass(frozen=True)
class BuildPreset:
    """Open the Build tab on one of its model presets, e.g. "Fig. 3 ConvNet"."""

    name: str
