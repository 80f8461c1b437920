"""Your own handwriting on the real app: correct drawings, keep them, fine-tune on them.

Every drawing is made with pointer events on the Draw panel's canvas (the
stroke paths of personal_strokes.py), labelled through the correction bar's
combobox and saved with its button; the window is opened from the Tools
menu; fine-tuning runs for real on a 2,000-image MNIST subset (the window's
``load_dataset`` seam), so the before/after numbers are measured ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from desktop_cnn.core.data.personal import PersonalSet
from desktop_cnn.core.train.finetune import FinetuneConfig
from desktop_cnn.gui.inputs import Source
from desktop_cnn.gui.personal.correction import CorrectionBar, PersonalWindow

from helpers import (
    cached_test_model,
    draw_stroke,
    launch,
    pump,
    screenshot,
    small_dataset,
)
from personal_strokes import handwriting

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(display, mnist, shared_data):
    PersonalSet("mnist").clear()  # the session's home may hold another module's drawings
    app = launch(["--model", str(cached_test_model(mnist)), "--data-dir", str(shared_data)])
    yield app
    if not app.closing:
        app.quit_app()


def find(widget, cls):
    for child in widget.winfo_children():
        if isinstance(child, cls):
            return child
        found = find(child, cls)
        if found is not None:
            return found
    return None


@pytest.fixture
def draw(app):
    app.notebook.select(app.tabs["Draw"])
    panel = app.panels["Draw"]
    panel.clear()
    pump(app.root, 0.05)
    return panel


@pytest.fixture
def bar(draw):
    return find(draw, CorrectionBar)


def draw_on_canvas(app, draw, strokes, width) -> None:
    draw.clear()
    draw.brush.set(round(width))
    draw.brush_changed()
    for stroke in strokes:
        draw_stroke(draw.pad.canvas, stroke)
    pump(app.root, 0.02)
    assert len(draw.sketch.strokes) == len(strokes)


def choose(app, bar, label: str) -> None:
    bar.choice.set(label)
    bar.choice.event_generate("<<ComboboxSelected>>")
    pump(app.root, 0.01)


def enabled(widget) -> bool:
    return not widget.instate(["disabled"])


def test_the_bar_is_for_drawings_only(app, draw, bar, tmp_path):
    assert not enabled(bar.choice) and not enabled(bar.save_button)  # nothing drawn
    strokes, width = handwriting(draw.pad.side)[0][1:]
    draw_on_canvas(app, draw, strokes, width)
    assert enabled(bar.choice) and not enabled(bar.save_button)  # no class chosen yet
    assert list(bar.choice.cget("values")) == [str(i) for i in range(10)]
    choose(app, bar, "0")
    assert enabled(bar.save_button)
    screenshot(app.root, ARTIFACTS / "correction.png")
    Image.new("L", (100, 100), 255).save(tmp_path / "white.png")
    draw.set_source(Source("file", "a photo", image=Image.open(tmp_path / "white.png")))
    pump(app.root, 0.05)
    assert not enabled(bar.choice) and not enabled(bar.save_button)  # not a drawing
    draw.clear()


@pytest.mark.slow  # fine-tuning must learn
def test_corrections_are_saved_and_fine_tuning_learns_them(app, draw, bar, mnist):
    personal = PersonalSet("mnist")
    wrong = 0
    drawings = handwriting(draw.pad.side)
    for digit, strokes, width in drawings:
        draw_on_canvas(app, draw, strokes, width)
        wrong += draw.answer.cget("text") != str(digit)
        choose(app, bar, str(digit))
        bar.save_button.invoke()
        pump(app.root, 0.01)
        assert not enabled(bar.save_button)  # one drawing, one save
    assert wrong >= 3  # the habits: the quick model reads them as other digits
    items = personal.items()
    assert [d.label for d in items] == [str(d) for d, _, _ in drawings]
    assert sum(d.predicted != d.label for d in items) == wrong
    assert f"{len(drawings)} drawings in your set" in bar.status.cget("text")
    assert all((personal.dir / d.file).exists() for d in items)

    app.menu.tools_menu.invoke("My handwriting...")
    pump(app.root, 0.3)
    window = find(app.root, PersonalWindow)
    view = window.panel
    assert view.grid_view.count == len(drawings) and f"{len(drawings)} drawings" in (
        view.header.cget("text")
    )
    x, y = view.grid_view.center(5)
    view.grid_view.canvas.event_generate("<Button-1>", x=x, y=y)
    pump(app.root, 0.05)
    assert view.grid_view.selected == 5 and "Drawing 6: a '2'" in view.selection.cget("text")
    view.delete_button.invoke()
    pump(app.root, 0.05)
    assert [d.id for d in personal.items()] == [d.id for d in items if d.id != 6]
    assert not (personal.dir / items[5].file).exists()
    assert view.grid_view.count == len(drawings) - 1
    bar.open_button.invoke()  # "My drawings..." brings the same window to the front
    pump(app.root, 0.05)
    assert len([w for w in app.root.winfo_children() if isinstance(w, PersonalWindow)]) == 1

    tune = view.finetune
    small = small_dataset(mnist, 2000, 1000)
    tune.load_dataset = lambda name, data_dir: small
    tune.finetune_config = FinetuneConfig(epochs=2, replay=2000)
    tune.start_button.invoke()
    assert tune.running and not enabled(tune.start_button)
    pump(app.root, until=lambda: not tune.running, timeout=120)
    report = tune.report
    assert report.status == "finished"
    before, after = report.personal_before, report.personal_after
    assert before.total == after.total == len(drawings) - 1
    assert before.right <= before.total - 3 and after.right >= before.right
    assert report.test_before.total == report.test_after.total == 1000
    rows = [tune.table.item(r) for r in tune.table.get_children()]
    assert rows[0]["text"] == "mnist test set (1,000 images)"
    assert rows[0]["values"][:2] == [
        f"{report.test_before.accuracy:.2%}",
        f"{report.test_after.accuracy:.2%}",
    ]
    assert rows[1]["text"] == f"my drawings ({len(drawings) - 1})"
    assert rows[1]["values"][:2] == [f"{before.accuracy:.2%}", f"{after.accuracy:.2%}"]
    assert "\u2192" in view.grid_view.thumbs[-1].caption  # said before -> says now
    pump(app.root, 0.3)
    screenshot(window, ARTIFACTS / "personal.png")

    assert enabled(tune.use_button)
    tune.use_button.invoke()
    assert app.app_state.checkpoint is report.checkpoint
    assert "fine-tuned" in app.app_state.model_source and not enabled(tune.use_button)
    assert app.panels["Mistakes"].stale or app.panels["Mistakes"].review is None
    window.close()
    pump(app.root, 0.05)
    assert find(app.root, PersonalWindow) is None
