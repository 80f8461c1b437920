"""A guide step's ``Action`` as the request the app's panels answer (no Tk here)."""

from __future__ import annotations

from ...core.chapter.guide import Action
from ..requests import BuildPreset, ChooseRecipe, ShowPreset, ShowTab
from ..state import AppState

NOT_READY = "That part of the app is still loading: try again in a moment."


def request_for(action: Action) -> object:
    if action.kind == "tab":
        return ShowTab(action.target)
    if action.kind == "preset":
        return ShowPreset(action.target, action.steps, action.view, action.quiz)
    if action.kind == "recipe":
        return ChooseRecipe(action.target)
    if action.kind == "build":
        return BuildPreset(action.target)
    raise ValueError(f"unknown guide action {action.kind!r}")


def perform(state: AppState, action: Action) -> bool:
    """Post the step's request; a Build preset falls back while no Build tab answers it."""
    if state.post(request_for(action)):
        return True
    return action.fallback is not None and perform(state, action.fallback)
