"""The Inside tab on a drawn 7: the epsilon slider moved until the answer flips, the
adversarial image sent to the Draw tab, and a class visualisation opened."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_cnn.core.files.paths import resource_path

from helpers import draw_digit, launch, pump

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def app(display, shared_data):
    model = resource_path("assets/lenet5_mnist.pt")
    app = launch(["--model", str(model), "--data-dir", str(shared_data)])
    yield app
    if not app.closing:
        app.quit_app()


def test_slider_flips_a_drawn_seven_and_the_draw_tab_agrees(app):
    draw = app.panels["Draw"]
    app.notebook.select(app.tabs["Draw"])
    draw.clear()
    draw_digit(draw.pad.canvas, "7")
    pump(app.root, 0.2)
    assert draw.answer.cget("text") == "7"
    inside = app.panels["Inside"]
    app.notebook.select(app.tabs["Inside"])
    inside.views.select(inside.attack)
    attack = inside.attack
    pump(app.root, 0.2)
    assert attack.result is not None and attack.result.eps == 0
    scale = attack.eps_scale
    scale.focus_force()
    for _ in range(128):  # the keyboard moves a ttk slider one unit a press
        scale.event_generate("<Right>")
        pump(app.root, 0.01)
        r = attack.result
        if int(r.after.argmax()) != 7:
            break
    r = attack.result
    assert int(r.after.argmax()) != 7, "no epsilon up to 128 fooled it"
    assert (
        0 < r.eps == round(attack.eps.get()) and np.abs(r.adversarial - r.original).max() <= r.eps
    )
    assert "Fooled" in attack.status.cget("text")
    attack.send_button.invoke()
    pump(app.root, 0.3)
    assert app.notebook.tab("current", "text") == "Draw"
    assert draw.answer.cget("text") == str(int(r.after.argmax()))


def test_class_visualisation_opens_and_grows(app):
    inside = app.panels["Inside"]
    app.notebook.select(app.tabs["Inside"])
    inside.views.select(inside.visualise)
    vis = inside.visualise
    vis.kind.set("class")
    vis.kind_changed()
    vis.index.set(3)
    vis.steps.set(48)
    frames = []
    vis.worker.on_event = lambda e, f=vis.vis_event: (frames.append(e), f(e))
    vis.run_button.invoke()
    pump(app.root, until=lambda: not vis.worker.running, timeout=120)
    steps = [f.step for f in frames if hasattr(f, "step")]
    assert steps[0] < steps[-1] == 48  # shown growing, frame by frame
    assert vis.view.array is not None and "the model says" in vis.caption.cget("text")
