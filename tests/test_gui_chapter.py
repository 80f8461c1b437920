"""Fig. 2 with every number, pooling and exercise mode in the real Playground.

Driven through widget events: the preset combobox, the Next button, the
exercise entry typed into and Return pressed. Screenshots go to tests/artifacts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from desktop_cnn.core.conv.exercises import FIGURE_NAMES
from desktop_cnn.core.conv.figures import fig2_data

from helpers import launch, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(display):
    app = launch(["--no-model"])
    app.notebook.select(app.tabs["Playground"])
    pump(app.root, 0.2)
    yield app
    if not app.closing:
        app.quit_app()


def pick(panel, name: str) -> None:
    """Choose a preset as a person does: set the combobox, fire its selection event."""
    panel.preset_box.set(name)
    panel.preset_box.event_generate("<<ComboboxSelected>>")
    pump(panel, 0.3)


def texts_of(canvas, grid) -> dict:
    return {cell: canvas.itemcget(item, "text") for cell, item in grid.texts.items()}


def test_fig2_shows_every_slice_filter_bias_and_partial_sums(app) -> None:
    pg = app.panels["Playground"]
    pg.exercise_on.set(True)
    pick(pg, FIGURE_NAMES["fig2"])
    x, w, b = fig2_data()
    c = pg.canvas
    assert c.slices == [0, 1, 2]
    padded = F.pad(x, (1, 1, 1, 1))
    for k in range(3):  # every input slice and W0's slices carry their numbers
        key = "in" if k == 0 else f"in{k}"
        got = texts_of(c, c.grids[key])
        assert got[(2, 3)] == str(int(padded[k, 2, 3]))
        kkey = "kernel" if k == 0 else f"kernel{k}"
        assert texts_of(c, c.grids[kkey])[(1, 1)] == str(int(w[0, k, 1, 1]))
    assert texts_of(c, c.grids["bias"])[(0, 0)] == "1"
    want = F.conv2d(x[None], w, b, stride=2, padding=1)[0]
    for _ in range(4):
        pg.next_button.invoke()
    pump(pg, 0.1)
    line = pg.step_text.cget("text")
    assert "channel 2:" in line and line.endswith(f"= {int(want[0, 1, 0])}")
    assert texts_of(c, c.grids["out"])[(1, 0)] == str(int(want[0, 1, 0]))
    screenshot(app.root, ARTIFACTS / "chapter-fig2-stepped.png")
    out = ARTIFACTS / "chapter-fig2-from-gui.svg"
    pg.ask_save_filename = lambda **kw: str(out)
    pg.save_button.invoke()
    assert out.read_text(encoding="utf-8").count("<text") > 100


def test_max_pooling_steps_and_marks_winners(app) -> None:
    pg = app.panels["Playground"]
    pick(pg, FIGURE_NAMES["overlap-pool"])
    assert pg.settings.pool == "max" and pg.form.kind.get() == "max"
    assert pg.preset.get() == FIGURE_NAMES["overlap-pool"]  # the form reads back the preset
    x = pg.run.x
    want = F.max_pool2d(x[None], 3, 2)[0]
    pg.end_button.invoke()
    pump(pg, 0.1)
    got = texts_of(pg.canvas, pg.canvas.grids["out"])
    assert got == {(r, k): str(int(want[0, r, k])) for r in range(2) for k in range(2)}
    assert len(pg.canvas.winners) == 4  # one red outline per window: the cell it took
    assert "max(" in pg.step_text.cget("text")
    assert pg.substituted.cget("text").startswith("out = ⌊(5 + 2·0 − 3) / 2⌋ + 1")
    screenshot(app.root, ARTIFACTS / "chapter-pooling.png")


def test_exercise_mode_wrong_then_right(app) -> None:
    pg = app.panels["Playground"]
    pg.exercise_on.set(True)
    pick(pg, "Exercise 2: three output shapes")
    ex = pg.exercise
    assert ex.active and "Hidden" in pg.answer.get("1.0", "end")
    assert pg.next_button.instate(["disabled"])  # stepping would give the answer away
    assert "31" not in pg.substituted.cget("text") + pg.shapes.cget("text")
    assert len(pg.canvas.find_all()) == 1  # only the line saying the picture is hidden

    def answer(text: str) -> str:
        ex.entry.focus_force()
        ex.entry.delete(0, "end")
        ex.entry.insert(0, text)
        ex.entry.event_generate("<Return>")
        pump(pg, 0.05)
        return ex.feedback.cget("text")

    assert "padding forgotten" in answer("10x30x30")
    assert "one map per filter" in answer("3x31x31")
    assert "Hidden" in pg.answer.get("1.0", "end")
    screenshot(app.root, ARTIFACTS / "chapter-exercise-wrong.png")
    assert answer("10x31x31").startswith("Right")
    assert answer("10 13 13").startswith("Right")
    assert "pooling keeps the depth" in answer("10x12x12")
    assert answer("[3, 12, 12]").startswith("Right")
    pump(pg, 0.5)
    assert not ex.active and "Hidden" not in pg.answer.get("1.0", "end")
    assert not pg.next_button.instate(["disabled"])
    assert pg.substituted.cget("text").endswith("= 31")
    screenshot(app.root, ARTIFACTS / "chapter-exercise-right.png")


def test_exercise_one_give_up_shows_the_answer(app) -> None:
    pg = app.panels["Playground"]
    pick(pg, "Exercise 1: W0, W1, W2 on 5x5")
    ex = pg.exercise
    ex.entry.insert(0, "1 1 0 3 3 3 1 1 1")
    ex.check_button.invoke()
    assert "(2,2)" in ex.feedback.cget("text")
    ex.give_up.invoke()
    pump(pg, 0.5)
    assert "1 1 0 / 3 3 3 / 1 1 0" in ex.feedback.cget("text")
    assert not ex.active


def test_transposed_multi_channel_says_shapes_only(app) -> None:
    pg = app.panels["Playground"]
    pg.form.show(pg.settings.__class__(size=3, kernel=3, in_channels=2, transposed=True))
    pg.apply()
    pump(pg, 0.1)
    assert pg.canvas.numbers is False
    assert torch.is_tensor(pg.run.out)


def test_build_diagram_follows_the_draft_and_a_click_selects_the_layer(app) -> None:
    app.notebook.select(app.tabs["Build"])
    bp = app.panels["Build"]
    bp.load_preset("lenet5")
    bp.views.select(bp.diagram)
    pump(app.root, 0.8)
    d = bp.diagram
    assert d.draws >= 1 and d.canvas is not None
    texts = [t.get_text() for t in d.figure.axes[0].texts]
    assert "6x28x28" in texts and "16x5x5" in texts and "conv2\nrelu2" in texts
    # click the middle of conv2's block, as a person would
    patch = next(p for p in d.figure.axes[0].patches if p.get_gid() == "layer:conv2")
    (x0, y0), (x1, y1) = patch.get_window_extent().get_points()
    widget = d.canvas.get_tk_widget()
    ratio = d.canvas.device_pixel_ratio or 1
    x, y = (x0 + x1) / 2 / ratio, widget.winfo_height() - (y0 + y1) / 2 / ratio
    widget.event_generate("<Motion>", x=int(x), y=int(y))
    widget.event_generate("<ButtonPress-1>", x=int(x), y=int(y))
    widget.event_generate("<ButtonRelease-1>", x=int(x), y=int(y))
    pump(app.root, 0.8)
    names = [layer.name for layer in bp.judged.spec.layers]
    assert bp.layers.index == names.index("conv2")
    assert bp.diagram.selected == "conv2"
    screenshot(app.root, ARTIFACTS / "chapter-build-diagram.png")
