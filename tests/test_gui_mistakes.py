"""The Mistakes panel on the real app: gallery, confusion-matrix cells, into the Draw panel.

The matrix is a matplotlib figure: a cell is clicked with a real button press
on its Tk canvas at the pixel where matplotlib drew it. Thumbnails are
clicked on the gallery's canvas the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from desktop_cnn.core.data.batches import BatchLoader
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.inspect.evaluation import evaluate
from desktop_cnn.gui.mistakes.mistakes_panel import CELL_LIMIT, GALLERY
from desktop_cnn.gui.origin import ModelOrigin
from desktop_cnn.gui.predictor import input_from_test

from helpers import cached_test_model, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def panel(app):
    panel = app.panels["Mistakes"]
    app.notebook.select(app.tabs["Mistakes"])
    pump(app.root, until=lambda: panel.current and not panel.running, timeout=60)
    pump(app.root, 0.2)
    return panel


def click_cell(app, pane, i: int, j: int) -> None:
    x, y = pane.ax.transData.transform((j, i))  # where cell (i, j) is drawn
    x, y = int(round(x)), int(round(pane.figure.bbox.height - y))  # Tk counts y from the top
    widget = pane.canvas.get_tk_widget()
    widget.event_generate("<ButtonPress-1>", x=x, y=y)
    widget.event_generate("<ButtonRelease-1>", x=x, y=y)
    pump(app.root, 0.2)


def click_thumb(app, panel, k: int) -> None:
    x, y = panel.gallery.center(k)
    panel.gallery.canvas.event_generate("<Button-1>", x=x, y=y)
    pump(app.root, 0.2)


def test_showing_the_tab_evaluates_and_shows_the_surest_mistakes(app, panel, mnist):
    p, info = panel.review.predictions, app.app_state.checkpoint.info
    assert len(p) == 10_000 and panel.review.checkpoint is app.app_state.checkpoint
    oracle = evaluate(
        app.app_state.checkpoint.model,
        BatchLoader(mnist.test, 1000, info.mean, info.std),
        10,
        keep_mistakes=GALLERY,
    )
    assert torch.equal(torch.as_tensor(panel.confusion.matrix), oracle.confusion)
    assert set(panel.shown) == {m.index for m in oracle.mistakes}
    assert panel.gallery.count == GALLERY and panel.cell is None
    first, last = oracle.mistakes[0], oracle.mistakes[-1]
    assert panel.gallery.thumbs[0].caption == (
        f"{first.label} \u2192 {first.predicted}\n{first.confidence:.1%}"
    )
    assert panel.gallery.thumbs[-1].caption.endswith(f"{last.confidence:.1%}")
    assert f"{p.right:,} of 10,000" in panel.summary.cget("text")
    assert "wrong" in panel.summary.cget("text") and str(panel.back_button.state()) != "()"
    screenshot(app.root, ARTIFACTS / "mistakes.png")


def test_clicking_a_cell_shows_the_images_behind_it(app, panel):
    matrix = torch.as_tensor(panel.confusion.matrix)
    off = matrix - torch.diag(matrix.diag())
    i, j = divmod(int(off.argmax()), 10)
    click_cell(app, panel.confusion, i, j)
    assert panel.cell == (i, j) and panel.confusion.selected == (i, j)
    assert panel.gallery.count == matrix[i, j] > 0
    labels, predicted = panel.review.data.test.labels, panel.review.predictions.predicted
    assert all(labels[k] == i and predicted[k] == j for k in panel.shown)
    assert f"of '{i}' the model took for '{j}'" in panel.caption.cget("text")
    assert str(panel.back_button.state()) == "()"
    screenshot(app.root, ARTIFACTS / "mistakes_cell.png")
    click_cell(app, panel.confusion, 1, 1)  # a diagonal cell: the right answers, shakiest first
    assert panel.gallery.count == min(CELL_LIMIT, int(matrix[1, 1]))
    assert all(labels[k] == 1 == predicted[k] for k in panel.shown)
    conf = panel.review.predictions.confidence[panel.shown]
    assert torch.all(conf[1:] >= conf[:-1]) and "least confident first" in (
        panel.caption.cget("text")
    )
    panel.back_button.invoke()
    assert panel.cell is None and panel.gallery.count == GALLERY
    assert panel.confusion.selected is None


def test_an_image_opens_in_draw_and_feature_maps_with_its_saliency(app, panel):
    draw = app.panels["Draw"]
    click_thumb(app, panel, GALLERY - 1)  # below the fold: the gallery scrolls to it
    assert panel.gallery.selected == GALLERY - 1
    assert f"test image #{panel.shown[-1]}," in draw.source.caption
    app.notebook.select(app.tabs["Mistakes"])
    pump(app.root, 0.1)
    matrix = torch.as_tensor(panel.confusion.matrix)
    off = matrix - torch.diag(matrix.diag())
    i, j = divmod(int(off.argmax()), 10)
    click_cell(app, panel.confusion, i, j)
    click_thumb(app, panel, 2)
    index = panel.shown[2]
    assert app.notebook.select() == str(app.tabs["Draw"])
    assert draw.source.kind == "test" and draw.source.label == i
    assert f"test image #{index}, labelled '{i}'" in draw.source.caption
    assert draw.answer.cget("text") == str(j) and f"wrong: it is '{i}'" in (
        draw.confidence.cget("text")
    )
    assert draw.why.chosen_method == "gradcam" and draw.saliency is not None
    assert draw.saliency_target == j  # why it said j
    expected = input_from_test(panel.review.data.test.images[index], app.app_state.checkpoint.info)
    assert torch.equal(app.app_state.analysis.x, expected)
    app.notebook.select(app.tabs["Feature maps"])  # the maps follow the Draw panel's input
    maps = app.panels["Feature maps"]
    pump(app.root, 0.3)
    assert maps.grids["input"].count == 1 and maps.layer_arrays()["input"] is (
        app.app_state.analysis.seen
    )
    draw.set_saliency(None)
    draw.clear()


def test_a_new_model_puts_it_out_of_date_until_shown(app, panel, mnist):
    app.notebook.select(app.tabs["Draw"])
    pump(app.root, 0.1)
    old = panel.review
    retrained = load_checkpoint(cached_test_model(mnist))
    app.app_state.set_model(retrained, ModelOrigin.trained())
    assert panel.stale and not panel.current and not panel.running  # hidden: no work yet
    assert "Out of date" in panel.summary.cget("text")
    assert "trained in this session" in panel.summary.cget("text")
    app.notebook.select(app.tabs["Mistakes"])
    pump(app.root, 0.05)
    assert panel.running  # shown: it evaluates the new model at once
    pump(app.root, until=lambda: panel.current, timeout=60)
    assert panel.review is not old and panel.review.checkpoint is retrained


def test_the_train_panels_matrix_opens_its_cells_here(app, panel, mnist):
    info = app.app_state.checkpoint.info
    train = app.panels["Train"]
    ev = evaluate(
        app.app_state.checkpoint.model, BatchLoader(mnist.test, 1000, info.mean, info.std), 10
    )
    app.notebook.select(app.tabs["Train"])
    train.tabs.select(train.results)
    train.results.show(ev, info.classes)
    pump(app.root, 0.5)
    click_cell(app, train.results.confusion, 7, 2)
    assert app.notebook.select() == str(app.tabs["Mistakes"])
    assert panel.cell == (7, 2) and panel.gallery.count == ev.confusion[7, 2]
    train.tabs.select(0)


def test_no_data_folder_fills_from_the_shipped_test_set(app, panel, monkeypatch, tmp_path):
    """Offline on first start: an empty data folder, and the tab still fills (10,000 images)."""
    monkeypatch.setattr(app.settings, "values", {**app.settings.values, "data_dir": str(tmp_path)})
    app.app_state.datasets = type(app.app_state.datasets)()  # nothing loaded yet this session
    panel.evaluate_button.invoke()
    pump(app.root, until=lambda: not panel.running, timeout=60)
    assert panel.current and len(panel.review.data.test) == 10_000
    assert not panel.summary.cget("text").startswith("Cannot evaluate")
