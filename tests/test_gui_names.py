"""The widgets that matter have stable Tk names: a script finds them by path, not by walking.

``app.WIDGETS`` lists the paths; these tests look each one up with
``root.nametowidget`` on the real app and drive the app through them.
"""

from __future__ import annotations

import pytest

from desktop_cnn.gui.app import TABS, WIDGETS

from helpers import draw_digit, pump

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]


def test_every_listed_path_names_the_widget_it_says(app):
    find = app.root.nametowidget
    draw, train, maps = app.panels["Draw"], app.panels["Train"], app.panels["Feature maps"]
    expected = {
        "notebook": app.notebook,
        "draw canvas": draw.pad.canvas,
        "prediction": draw.answer,
        "confidence": draw.confidence,
        "train start": train.start_button,
        "train stop": train.stop_button,
        "feature maps canvas": maps.pad.canvas,
        "menu": app.menu,
    }
    assert set(expected) <= set(WIDGETS)
    for key, widget in expected.items():
        assert find(WIDGETS[key]) is widget, key
    assert type(find(WIDGETS["correction bar"])).__name__ == "CorrectionBar"


def test_each_tab_and_its_panel_have_a_path(app):
    find = app.root.nametowidget
    for title, name in TABS.items():
        tab = find(f".app.notebook.{name}")
        assert tab is app.tabs[title]
        assert app.notebook.tab(tab, "text") == title
        assert find(f".app.notebook.{name}.panel") is app.panels[title]


def test_a_script_can_draw_and_read_the_answer_by_path(app):
    """What an accessibility tool or a demo script does: no attribute of the app needed."""
    root = app.root
    notebook = root.nametowidget(".app.notebook")
    notebook.select(root.nametowidget(".app.notebook.draw"))
    root.nametowidget(".app.notebook.draw.panel").clear()
    pump(root, 0.1)
    draw_digit(root.nametowidget(".app.notebook.draw.panel.left.pad.canvas"), "7", each=root.update)
    pump(root, 0.1)
    assert root.nametowidget(".app.notebook.draw.panel.prediction.answer").cget("text") == "7"
    assert "sure" in root.nametowidget(".app.notebook.draw.panel.prediction.confidence").cget(
        "text"
    )
    start = root.nametowidget(".app.notebook.train.panel.settings.buttons.start")
    assert start.cget("text") == "Start" and start.instate(["!disabled"])
