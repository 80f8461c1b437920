"""The real app on a (virtual) display: drawing, feature maps, model files, screenshots.

One app per module, started the way ``main`` starts it; driven with real
pointer events (``event_generate`` + ``update``), ``.invoke()`` and the
panels' own methods; dialogs and message boxes are replaced through their seams.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop_cnn.gui.common.images import to_rgb

from helpers import (
    DIGIT_STROKES,
    draw_digit,
    draw_stroke,
    pump,
    screenshot,
)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def draw(app):
    app.notebook.select(app.tabs["Draw"])
    panel = app.panels["Draw"]
    panel.clear()
    pump(app.root, 0.1)
    return panel


def test_window_menu_and_status_bar(app):
    assert app.root.title().startswith("desktop-cnn")
    assert [app.notebook.tab(t, "text") for t in app.notebook.tabs()] == [
        "Draw",
        "Train",
        "Feature maps",
        "Model",
        "Build",
        "Mistakes",
        "Playground",
        "Generate",
        "Inside",
    ]
    menu = app.menu.file_menu
    labels = [
        menu.entrycget(i, "label")
        for i in range(menu.index("end") + 1)
        if menu.type(i) != "separator"
    ]
    assert labels == [
        "Open model...",
        "Save model as...",
        "Export to ONNX...",
        "Compare models...",
        "Open lesson...",
        "Save lesson...",
        "Recent models",
        "Quit",
    ]
    assert menu.entrycget(0, "accelerator") == "Ctrl+O"
    assert "CPU" in app.status.get("device") or "CUDA" in app.status.get("device")
    assert "lenet5 on mnist" in app.status.get("model")


def test_drawing_predicts_live_and_clear_empties(app, draw):
    assert draw.answer.cget("text") == "" and app.app_state.analysis is None
    updates = []
    scale = draw.pad.side / 280  # the strokes are in 96-dpi pad pixels: 560 px at 192 dpi
    draw_stroke(
        draw.pad.canvas,
        DIGIT_STROKES["1"][0],
        scale,
        each=lambda: (app.root.update(), updates.append(len(draw.compute_ms))),
    )
    pump(app.root, 0.1)
    assert updates[-1] > 1  # predictions arrived while the stroke was still being drawn
    assert draw.answer.cget("text") == "1"
    first = app.app_state.analysis.probs.copy()
    draw.clear()
    pump(app.root, 0.05)
    assert draw.answer.cget("text") == "" and draw.preview.array is None
    draw_digit(draw.pad.canvas, "0", scale, each=app.root.update)
    pump(app.root, 0.1)
    assert draw.answer.cget("text") == "0"
    assert not np.allclose(first, app.app_state.analysis.probs)
    assert max(draw.compute_ms[-10:]) < 200  # generous: the budget (20 ms) is reported, not tested


def test_preview_shows_exactly_the_model_input(app, draw):
    draw_digit(draw.pad.canvas, "7", each=app.root.update)
    pump(app.root, 0.1)
    a = app.app_state.analysis
    assert np.array_equal(draw.preview.array, to_rgb(a.seen))
    info = app.app_state.checkpoint.info
    assert np.allclose((a.x[0, 0].numpy() * info.std[0] + info.mean[0]), a.seen[0], atol=1e-6)
    assert a.x.shape == (1, 1, 28, 28)


def test_escape_clears_and_ctrl_z_undoes_a_stroke(app, draw):
    canvas = draw.pad.canvas
    draw_stroke(canvas, [(140, 50), (140, 230)])
    draw_stroke(canvas, [(80, 60), (200, 60)])
    pump(app.root, 0.1)
    canvas.focus_force()
    canvas.event_generate("<Control-z>")
    pump(app.root, 0.1)
    assert len(draw.sketch.strokes) == 1 and draw.answer.cget("text") != ""
    canvas.event_generate("<Escape>")
    pump(app.root, 0.1)
    assert draw.sketch.empty and draw.answer.cget("text") == ""


def test_feature_maps_follow_the_drawing(app, draw):
    app.notebook.select(app.tabs["Feature maps"])
    maps = app.panels["Feature maps"]
    pump(app.root, 0.2)
    before = maps.renders
    draw_digit(maps.pad.canvas, "7", scale=maps.pad.side / 280, each=app.root.update)
    pump(app.root, 0.2)
    assert maps.renders > before + 1  # redrawn live, not only at the end
    counts = {name: g.count for name, g in maps.grids.items()}
    assert counts == {
        "input": 1,
        "conv1": 6,
        "relu1": 6,
        "pool1": 6,
        "conv2": 16,
        "relu2": 16,
        "pool2": 16,
    }
    assert maps.filters.count == 6
    grid = maps.grids["conv2"]
    x, y = grid.layout.origin(3)
    grid.canvas.event_generate("<Button-1>", x=x + 2, y=y + 2)
    pump(app.root, 0.05)
    assert maps.selected == ("conv2", 3)
    assert "conv2 map 3, 10x10" in maps.detail_text.cget("text")  # from 0, as the Playground
    assert maps.detail.array is not None
    screenshot(app.root, ARTIFACTS / "feature_maps.png")


def test_random_test_image(app, draw):
    draw.test_button.invoke()
    pump(app.root, until=lambda: draw.source.kind == "test", timeout=60)
    pump(app.root, 0.1)
    assert "labelled" in draw.caption.cget("text")
    assert draw.answer.cget("text") in [str(i) for i in range(10)]
    assert app.app_state.analysis.steps is None  # a test image is fed as stored
    draw_stroke(draw.pad.canvas, [(140, 50), (140, 230)])  # drawing over it starts afresh
    pump(app.root, 0.1)
    assert draw.source.kind == "drawing" and len(draw.sketch.strokes) == 1


def test_random_test_image_needs_no_data_folder(app, draw, monkeypatch, tmp_path):
    """An empty data folder and no network: the shipped MNIST test set gives the image."""
    monkeypatch.setattr(app.settings, "values", {**app.settings.values, "data_dir": str(tmp_path)})
    draw.test_button.invoke()
    pump(app.root, until=lambda: draw.source.kind == "test", timeout=60)
    assert "labelled" in draw.caption.cget("text")
    assert str(draw.test_button.state()) == "()"  # enabled again


def test_open_image_file(app, draw, errors, tmp_path):
    img = Image.new("RGB", (400, 300), "white")  # dark ink on paper, any size
    ImageDraw.Draw(img).line([(150, 40), (250, 40), (180, 260)], fill="black", width=22)
    img.save(tmp_path / "seven.png")
    draw.open_image(str(tmp_path / "seven.png"))
    pump(app.root, 0.1)
    assert draw.source.kind == "file" and draw.answer.cget("text") == "7"
    assert app.app_state.analysis.steps.inverted
    (tmp_path / "bad.png").write_bytes(b"not an image")
    draw.open_image(str(tmp_path / "bad.png"))
    assert errors and "bad.png" in errors[-1][1] and draw.source.kind == "file"


def test_save_and_reopen_a_model(app, tmp_path):
    old = app.app_state.checkpoint
    path = tmp_path / "models" / "mine.pt"
    assert app.save_model_as(str(path))
    assert path.exists() and not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]
    assert str(path.resolve()) == app.settings.recent_models[0]
    assert app.menu.recent_menu.entrycget(0, "label") == str(path.resolve())
    assert app.open_model(str(path))
    new = app.app_state.checkpoint
    assert new is not old and new.info.title == old.info.title
    for (k, a), b in zip(
        old.model.state_dict().items(), new.model.state_dict().values(), strict=True
    ):
        assert np.array_equal(a.numpy(), b.numpy()), k
    assert "mine.pt" in app.status.get("message")


def test_a_corrupt_file_shows_an_error_and_keeps_the_model(app, errors, tmp_path):
    before = app.app_state.checkpoint
    good = tmp_path / "good.pt"
    app.save_model_as(str(good))
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:2000])
    junk = tmp_path / "junk.pt"
    junk.write_text("hello")
    for bad in (truncated, junk, tmp_path / "missing.pt"):
        assert not app.open_model(str(bad))
        assert str(bad) in errors[-1][1] and "\n" not in errors[-1][1]
    assert len(errors) == 3 and app.app_state.checkpoint is before


def test_ctrl_o_opens_through_the_dialog_seam(app, monkeypatch, tmp_path):
    path = tmp_path / "m.pt"
    app.save_model_as(str(path))
    asked = []
    monkeypatch.setattr(app, "ask_open_filename", lambda **kw: asked.append(kw) or str(path))
    before = app.app_state.checkpoint
    app.root.focus_force()
    app.root.event_generate("<Control-o>")
    pump(app.root, 0.1)
    assert asked and app.app_state.checkpoint is not before


def test_about_names_the_versions_and_device(app, monkeypatch):
    import torch

    shown = []
    monkeypatch.setattr(app, "show_info", lambda t, m: shown.append(m))
    app.about()
    assert torch.__version__ in shown[0] and "Device: " in shown[0]


def test_screenshots_of_the_draw_and_model_panels(app, draw):
    draw_digit(draw.pad.canvas, "7", each=app.root.update)
    pump(app.root, 0.2)
    screenshot(app.root, ARTIFACTS / "draw.png")
    app.notebook.select(app.tabs["Model"])
    pump(app.root, 0.5)
    model = app.panels["Model"]
    assert model.layers.get_children() and "61,706" in model.total.cget("text")
    screenshot(app.root, ARTIFACTS / "model.png")
    assert (ARTIFACTS / "draw.png").stat().st_size > 10_000
