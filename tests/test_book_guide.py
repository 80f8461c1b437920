"""The chapter guide's steps as data (no display): in the chapter's order, short, and each
pointing at something the app has."""

from __future__ import annotations

import re

from desktop_cnn.core.chapter.guide import STEPS, clamp_step
from desktop_cnn.core.conv.exercises import PRESETS
from desktop_cnn.gui.app import TABS
from desktop_cnn.gui.guide.actions import request_for
from desktop_cnn.gui.requests import BuildPreset, ChooseRecipe, ShowPreset, ShowTab
from desktop_cnn.gui.train.recipe_choice import CHOICES

CHAPTER_ORDER = [
    "four settings",
    "eq. 1",
    "eq. 2",
    "im2col",
    "Pooling",
    "Fig. 3",
    "LeNet-5",
    "Transposed",
    "training loop",
    "per-class",
    "Saving",
    "exercises",
]


def test_steps_follow_the_chapter():
    assert len(STEPS) == len(CHAPTER_ORDER)
    for step, words in zip(STEPS, CHAPTER_ORDER, strict=True):
        assert words.lower() in step.title.lower()


def test_each_step_is_two_to_four_sentences():
    for step in STEPS:
        # a sentence ends with . ! or ? followed by a space or the end (not "eq. 1" / "Fig. 2")
        ends = re.findall(r"(?<!eq)(?<!Fig)[.!?](?:\s|$)", step.text)
        assert 2 <= len(ends) <= 4, (step.title, len(ends))


def test_every_action_names_something_that_exists():
    for step in STEPS:
        a = step.action
        if a.kind == "build":
            assert isinstance(request_for(a), BuildPreset)
            a = a.fallback
        request = request_for(a)
        if a.kind == "tab":
            assert isinstance(request, ShowTab) and a.target in TABS
        elif a.kind == "preset":
            assert isinstance(request, ShowPreset) and a.target in PRESETS
            assert request.steps == a.steps and request.view == a.view
        else:
            assert isinstance(request, ChooseRecipe) and a.target in CHOICES


def test_a_stored_step_is_checked():
    assert clamp_step(3) == 3
    for bad in (None, -1, len(STEPS), "2", 2.0, True and 99):
        assert clamp_step(bad) == 0
