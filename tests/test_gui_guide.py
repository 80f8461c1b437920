"""Help > Chapter guide in the real app: every step's button opens what the step names.

The guide is opened through the real menu entry; each step is reached with the window's
Next button and its action button is invoked; then the tab, preset or recipe it names is
checked in the state it names (the preset's layer, steps taken and text view; the Train
form's recipe and settings).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_cnn.core.chapter.guide import EXERCISE2, SETTING, STEPS
from desktop_cnn.core.conv.exercises import PRESETS
from desktop_cnn.core.train import recipes
from desktop_cnn.gui.guide.guide_pane import START, START_TITLE, GuidePane
from desktop_cnn.gui.playground.playground_panel import HIDDEN
from desktop_cnn.gui.requests import BuildPreset, ShowPreset
from desktop_cnn.gui.settings import Settings
from desktop_cnn.gui.train.recipe_choice import CHOICES

from helpers import launch, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(display):
    app = launch(["--no-model"])
    yield app
    if not app.closing:
        app.quit_app()


def open_from_menu(app) -> GuidePane:
    if app.guide_shown:
        app.hide_guide()
    help_menu = app.root.nametowidget(app.menu.entrycget("Help", "menu"))
    help_menu.invoke("Chapter guide")
    pump(app.root, 0.1)
    assert app.guide_shown and isinstance(app.guide, GuidePane)
    return app.guide


def current_tab(app) -> str:
    return next(name for name, tab in app.tabs.items() if str(tab) == app.notebook.select())


def check_preset(app, action) -> None:
    pg = app.panels["Playground"]
    assert current_tab(app) == "Playground"
    assert pg.preset.get() == action.target
    assert pg.settings == PRESETS[action.target].settings
    if action.quiz:  # exercise mode: the questions first, the worked answer hidden
        assert pg.exercise.active and pg.texts.select() == str(pg.exercise)
        assert pg.answer.get("1.0", "end").strip() == HIDDEN.strip()
        return
    assert pg.run.done == action.steps
    if action.steps:  # the line under the grids writes out the first value's sum
        assert pg.step_text.cget("text") not in ("", "Press Next or Play to move the kernel.")
    shown = pg.texts.index("current")
    assert shown == (1 if action.view == "matrix" else 0)
    if action.view == "matrix":
        text = pg.matrices.get("1.0", "end")
        assert "[250 x 289]" in text and "[20 x 250]" in text


def check_recipe(app, action) -> None:
    form = app.panels["Train"].form
    assert current_tab(app) == "Train"
    assert form.recipe_choice.var.get() == action.target
    r = recipes.recipe(*CHOICES[action.target])
    v = form.read()
    assert (v.dataset, v.arch, v.config, v.recipe) == ("cifar10", r.arch, r.config, r)
    assert "[-1, 1]" in form.recipe_choice.hint.cget("text")


def test_the_guide_walks_the_chapter(app):
    app.settings.values.pop(SETTING, None)
    guide = open_from_menu(app)
    assert guide.step == START and guide.heading.cget("text") == START_TITLE
    screenshot(guide, ARTIFACTS / "guide_step1.png")
    for k, step in enumerate(STEPS):
        guide.next_button.invoke()
        assert guide.step == k and guide.heading.cget("text") == step.title
        assert str(guide.action_button.cget("text")) == step.button
        assert guide.act()
        pump(app.root, until=lambda: not app.panels["Playground"].answers.running, timeout=20)
        action = step.action
        if action.kind == "build" and not app.app_state._handlers.get(BuildPreset):
            action = action.fallback  # no Build tab yet: the Playground shows the layer
        if action.kind == "tab":
            assert current_tab(app) == action.target
        elif action.kind == "preset":
            check_preset(app, action)
        elif action.kind == "recipe":
            check_recipe(app, action)
        if k == 3:
            screenshot(guide, ARTIFACTS / "guide_step4_im2col.png")
    assert guide.next_button.instate(["disabled"])
    app.panels["Train"].form.recipe_choice.choose("Your own settings")


def test_the_guide_remembers_the_step(app):
    guide = open_from_menu(app)
    guide.steps_list.selection_clear(0, "end")
    guide.steps_list.selection_set(4)
    guide.steps_list.event_generate("<<ListboxSelect>>")
    pump(app.root, 0.05)
    assert guide.step == 4 and guide.heading.cget("text") == STEPS[4].title
    assert Settings.load(app.settings.path).values[SETTING] == 4  # saved on disk
    app.hide_guide()
    again = open_from_menu(app)
    assert again.step == 4 and again.where.cget("text") == f"step 5 of {len(STEPS)}"
    again.back_button.invoke()
    assert Settings.load(app.settings.path).values[SETTING] == 3
    app.hide_guide()


NEW_PRESETS = {
    "fig2": "Fig. 2: 5x5x3 -> 3x3x2, p1 s2",
    "fig3": "Fig. 3: ConvNet on 39x39x3",
    "fig5": "Fig. 5: im2col 37x37x10 -> 17x17x20",
    **{
        f"transposed{k}": name
        for k, name in enumerate(
            (n for n in PRESETS if n.startswith("Transposed ") and " op" not in n), 1
        )
    },
}


@pytest.mark.parametrize("short", list(NEW_PRESETS))
def test_each_new_preset_in_the_playground(app, short):
    name = NEW_PRESETS[short]
    app.hide_guide()
    view = "matrix" if short == "fig5" else ""
    assert app.app_state.post(ShowPreset(name, steps=1 if short == "fig2" else 0, view=view))
    pg = app.panels["Playground"]
    pump(app.root, until=lambda: not pg.answers.running, timeout=20)
    st = PRESETS[name].settings
    c, m, _ = st.output_shape
    assert pg.shapes.cget("text").startswith(
        f"shape {st.in_channels}x{st.size}x{st.size} -> {c}x{m}x{m}"
    )
    answer = pg.answer.get("1.0", "end")
    assert answer.strip() and "Working it out" not in answer
    pump(app.root, 0.2)
    screenshot(app.root, ARTIFACTS / f"playground_{short}.png")


def test_a_guide_preset_closes_an_open_exercise_before_stepping(app):
    """The guide's exercise asks first; a worked-answer step afterwards closes it and steps
    the kernel over a fully drawn output (it drew the output hidden, then failed to step)."""
    pg = app.panels["Playground"]
    assert app.app_state.post(ShowPreset(EXERCISE2, quiz=True))
    assert pg.exercise.active and pg.run.done == 0
    fig2 = NEW_PRESETS["fig2"]
    assert app.app_state.post(ShowPreset(fig2, steps=2))
    pump(app.root, until=lambda: not pg.answers.running, timeout=20)
    assert not pg.exercise.active and pg.run.done == 2
    assert "Hidden until" not in pg.answer.get("1.0", "end")
