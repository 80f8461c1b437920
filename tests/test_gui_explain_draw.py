"""The Draw panel explains itself: the saliency overlay and the preprocessing steps.

The real app on a (virtual) display, driven through its widgets: radio
buttons, the class combobox, the checkbuttons. Every map shown is compared
with ``core.inspect.saliency`` for the very tensor the model was given.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from desktop_cnn.core.data.preprocess import preprocess_digit
from desktop_cnn.core.inspect.saliency import saliency_map
from desktop_cnn.gui.common.images import to_rgb
from desktop_cnn.gui.common.scaling import px
from desktop_cnn.gui.draw.saliency_view import overlay
from desktop_cnn.gui.draw.steps_view import mass_tile, raw_tile
from desktop_cnn.gui.inputs import Source
from desktop_cnn.gui.origin import ModelOrigin
from desktop_cnn.gui.predictor import input_from_test

from helpers import (
    draw_digit,
    draw_stroke,
    pump,
    screenshot,
)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


def _ellipse(cx, cy, rx, ry, n=24):
    return [
        (cx + rx * math.cos(2 * math.pi * k / n), cy + ry * math.sin(2 * math.pi * k / n))
        for k in range(n + 1)
    ]


# A 9 whose mass sits high: a loop drawn twice over, then a thin stem. Centring moves it
# down ~3 px; without centring the quick test model reads it as a 7 (measured 0.86).
HEAVY_TOPPED_NINE = [_ellipse(140, 80, 60, 45), _ellipse(140, 80, 35, 25), [(198, 80), (190, 270)]]


@pytest.fixture
def draw(app):
    app.notebook.select(app.tabs["Draw"])
    panel = app.panels["Draw"]
    panel.clear()
    panel.brush.set(20)
    panel.brush_changed()
    pump(app.root, 0.1)
    yield panel
    # One app serves the module: leave the panel as a newcomer finds it.
    panel.set_saliency(None)
    if not panel.center.get():
        panel.steps_view.center_check.invoke()
    if panel.show_steps.get():
        panel.steps_check.invoke()


def _choose_class(draw, label: str) -> None:
    """Pick ``label`` in the class combobox the way a click does."""
    box = draw.why.target_box
    box.current(list(box.cget("values")).index(label))
    box.event_generate("<<ComboboxSelected>>")


def _expected(app, method: str, target: int) -> np.ndarray:
    a = app.app_state.analysis
    return saliency_map(app.app_state.checkpoint.model, a.x, target, method).numpy()


def test_the_overlay_follows_method_class_and_drawing(app, draw):
    draw_digit(draw.pad.canvas, "7", each=app.root.update)
    pump(app.root, 0.1)
    assert draw.why.method.get() == "off"
    assert draw.saliency is None and draw.why.view.array is None  # off: nothing computed

    draw.why.radios["gradcam"].invoke()
    pump(app.root, 0.05)
    a = app.app_state.analysis
    assert draw.answer.cget("text") == "7" and draw.saliency_target == a.predicted == 7
    cam7 = _expected(app, "gradcam", 7)
    assert np.allclose(draw.saliency, cam7, atol=1e-6) and draw.saliency.max() == 1
    assert np.array_equal(draw.why.view.array, overlay(a.seen, draw.saliency))
    assert draw.why.view.array.shape == (28, 28, 3)
    assert "Grad-CAM for '7' (the answer)" in draw.why.caption.cget("text")

    _choose_class(draw, "1")
    pump(app.root, 0.05)
    assert draw.saliency_target == 1 and draw.why.chosen_target == 1
    assert np.allclose(draw.saliency, _expected(app, "gradcam", 1), atol=1e-6)
    assert not np.allclose(draw.saliency, cam7, atol=0.05)
    assert "Grad-CAM for '1':" in draw.why.caption.cget("text")

    draw.why.radios["gradient"].invoke()
    pump(app.root, 0.05)
    grad1 = _expected(app, "gradient", 1)
    assert np.allclose(draw.saliency, grad1, atol=1e-6)
    assert np.array_equal(draw.why.view.array, overlay(a.seen, draw.saliency))
    screenshot(app.root, ARTIFACTS / "draw_saliency.png")

    # Another stroke: the overlay is recomputed for the new input, still for class 1.
    draw_stroke(draw.pad.canvas, [(120, 140), (200, 140)])
    pump(app.root, 0.1)
    b = app.app_state.analysis
    assert b is not a and not torch.equal(b.x, a.x)
    assert np.allclose(draw.saliency, _expected(app, "gradient", 1), atol=1e-6)
    assert not np.allclose(draw.saliency, grad1)

    _choose_class(draw, "predicted")
    draw.why.radios["off"].invoke()
    pump(app.root, 0.05)
    assert draw.saliency is None and draw.why.view.array is None


def test_no_backward_pass_while_the_overlay_is_off(app, draw, monkeypatch):
    import desktop_cnn.gui.predictor as predictor

    calls = []
    real = predictor.saliency
    monkeypatch.setattr(predictor, "saliency", lambda *a: calls.append(a[3]) or real(*a))
    draw_digit(draw.pad.canvas, "0", each=app.root.update)
    pump(app.root, 0.1)
    assert draw.answer.cget("text") == "0" and calls == []
    draw.why.radios["gradcam"].invoke()
    draw_stroke(draw.pad.canvas, [(140, 100), (140, 180)], each=app.root.update)
    pump(app.root, 0.1)
    assert len(calls) > 2 and set(calls) == {"gradcam"}  # once per live prediction


def test_set_saliency_moves_the_widgets_and_explains_a_test_image(app, draw, mnist):
    i = 7
    image, label = mnist.test.images[i], int(mnist.test.labels[i])
    draw.set_source(
        Source(
            "test",
            f"MNIST test image #{i}",
            image=Image.fromarray(image[0].numpy()),
            tensor=image,
            label=label,
        )
    )
    pump(app.root, 0.05)
    draw.set_saliency("gradcam")
    a = app.app_state.analysis
    assert draw.why.method.get() == "gradcam" and draw.why.target_box.get() == "predicted"
    assert np.allclose(draw.saliency, _expected(app, "gradcam", a.predicted), atol=1e-6)
    assert torch.equal(a.x, input_from_test(image, app.app_state.checkpoint.info))
    assert "for '" in draw.why.caption.cget("text")

    draw.set_saliency("gradient", 2)
    assert draw.why.method.get() == "gradient" and draw.why.target_box.get() == "2"
    assert draw.saliency_target == 2
    assert np.allclose(draw.saliency, _expected(app, "gradient", 2), atol=1e-6)

    with pytest.raises(ValueError, match="unknown saliency method"):
        draw.set_saliency("occlusion")
    with pytest.raises(ValueError, match="out of range"):
        draw.set_saliency("gradcam", 10)
    assert draw.why.method.get() == "gradient"  # a refused call changes nothing
    draw.set_saliency(None)
    assert draw.why.method.get() == "off" and draw.saliency is None


def test_steps_view_and_switching_centring_off(app, draw):
    assert not draw.steps_view.winfo_ismapped() and draw.tips_frame.winfo_ismapped()
    draw.steps_check.invoke()
    pump(app.root, 0.05)
    assert draw.steps_view.winfo_ismapped() and not draw.tips_frame.winfo_ismapped()
    assert "Nothing drawn" in draw.steps_view.note.cget("text")
    assert draw.steps_view.center_check.instate(["!disabled"])

    for stroke in HEAVY_TOPPED_NINE:
        draw_stroke(draw.pad.canvas, stroke)
    pump(app.root, 0.1)
    centred = app.app_state.analysis
    steps = centred.steps
    assert draw.steps_view.steps is steps and steps.center and steps.shift[1] >= 2
    assert np.array_equal(draw.steps_view.tiles[0].array, raw_tile(steps))
    assert np.array_equal(draw.steps_view.tiles[2].array, mass_tile(steps.placed))
    assert np.array_equal(draw.steps_view.tiles[3].array, mass_tile(steps.tensor[0].numpy()))
    dx, dy = steps.shift
    assert f"Moved ({dx:+d}, {dy:+d}) px" in draw.steps_view.captions[3].cget("text")
    left, top, right, bottom = steps.crop_box
    assert f"{right - left}x{bottom - top} px" in draw.steps_view.captions[0].cget("text")
    assert draw.answer.cget("text") == "9"
    screenshot(app.root, ARTIFACTS / "draw_steps_centred.png")

    draw.steps_view.center_check.invoke()  # centring off
    pump(app.root, 0.05)
    assert not draw.center.get()
    off = app.app_state.analysis
    expected = preprocess_digit(draw.sketch.image, center=False)
    assert off.steps.shift == (0, 0) and not off.steps.center
    assert torch.equal(off.steps.tensor, expected.tensor)
    assert np.allclose(off.seen, expected.tensor.numpy(), atol=1e-6)  # the model input
    assert np.array_equal(draw.preview.array, to_rgb(expected.tensor.numpy()))
    assert not torch.equal(off.x, centred.x)
    assert np.array_equal(off.steps.placed, steps.placed)  # only step 4 differs
    assert "not centred" in draw.preview_caption.cget("text")
    assert f"Skipped: would move ({dx:+d}, {dy:+d})" in draw.steps_view.captions[3].cget("text")
    assert off.probs[9] < centred.probs[9] - 0.3
    assert draw.answer.cget("text") != "9"  # measured: "7", 86%
    screenshot(app.root, ARTIFACTS / "draw_steps_uncentred.png")

    draw.steps_view.center_check.invoke()
    pump(app.root, 0.05)
    assert draw.answer.cget("text") == "9" and torch.equal(app.app_state.analysis.x, centred.x)
    draw.steps_check.invoke()
    pump(app.root, 0.05)
    assert not draw.steps_view.winfo_ismapped() and draw.tips_frame.winfo_ismapped()


def test_everything_shown_fits_the_default_window(app, draw):
    """Steps and overlay both on, at the size the app opens with (1100x740 at 96 dpi, times
    the screen's factor, within the screen): nothing clipped."""
    from desktop_cnn.gui.window import default_size

    width, height = default_size(app.root)
    app.root.geometry(f"{width}x{height}")
    draw.set_saliency("gradcam")
    draw_digit(draw.pad.canvas, "7", each=app.root.update)
    pump(app.root, 0.2)
    before = [(w.winfo_rootx(), w.winfo_width()) for w in (draw.pad, draw.why, draw.bars)]
    draw.steps_check.invoke()
    draw.steps_view.center_check.invoke()  # the longest note
    pump(app.root, 0.2)
    # Showing the steps moves nothing sideways: they fit under the drawing and the input.
    assert [(w.winfo_rootx(), w.winfo_width()) for w in (draw.pad, draw.why, draw.bars)] == before
    assert draw.bars.winfo_width() >= px(300)
    assert app.root.winfo_width() == width and app.root.winfo_height() == height
    assert draw.winfo_reqwidth() <= draw.winfo_width()
    assert draw.winfo_reqheight() <= draw.winfo_height()
    for widget in (draw.steps_view, draw.why, draw.bars):
        right = widget.winfo_rootx() + widget.winfo_width()
        bottom = widget.winfo_rooty() + widget.winfo_height()
        assert right <= draw.winfo_rootx() + draw.winfo_width()
        assert bottom <= draw.winfo_rooty() + draw.winfo_height()
    screenshot(app.root, ARTIFACTS / f"draw_explain_{width}x{height}.png")


def test_a_colour_model_explains_a_colour_image(app, draw):
    """cifar-net reads 3x32x32: the overlay is blended over the colour input, per class name."""
    from desktop_cnn.core.files.checkpoints import Checkpoint, ModelInfo
    from desktop_cnn.core.models import build_model

    old, origin = app.app_state.checkpoint, app.app_state.origin
    torch.manual_seed(0)
    info = ModelInfo(
        "cifar-net",
        {},
        "cifar10:cat,airplane",
        ["cat", "airplane"],
        (3, 32, 32),
        (0.5, 0.5, 0.5),
        (0.25, 0.25, 0.25),
    )
    app.app_state.set_model(Checkpoint(build_model("cifar-net"), info), ModelOrigin.file("a test"))
    try:
        image = torch.randint(
            0, 256, (3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(3)
        )
        draw.set_source(
            Source(
                "test",
                "a colour test image",
                image=Image.fromarray(image.permute(1, 2, 0).numpy()),
                tensor=image,
                label=1,
            )
        )
        assert list(draw.why.target_box.cget("values")) == ["predicted", "cat", "airplane"]
        draw.steps_check.invoke()
        _choose_class(draw, "cat")
        draw.why.radios["gradient"].invoke()
        pump(app.root, 0.05)
        a = app.app_state.analysis
        assert np.allclose(draw.saliency, _expected(app, "gradient", 0), atol=1e-6)
        assert draw.why.view.array.shape == (32, 32, 3)
        assert np.array_equal(draw.why.view.array, overlay(a.seen, draw.saliency))
        assert "for 'cat'" in draw.why.caption.cget("text")
        assert "as stored" in draw.steps_view.note.cget("text")
        assert draw.steps_view.steps is None and draw.steps_view.tiles[0].array is None
        assert draw.steps_view.center_check.instate(["disabled"])  # nothing to centre
        screenshot(app.root, ARTIFACTS / "draw_saliency_colour.png")
    finally:
        _choose_class(draw, "predicted")
        app.app_state.set_model(old, origin)


def test_the_draw_panel_still_starts_without_torch():
    """The Draw panel is built before torch is imported (app.py): its new parts must wait too."""
    code = "import sys; import desktop_cnn.gui.draw.draw_panel; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_the_step_pictures_show_the_numbers_they_claim():
    """No display needed: the pictures and captions of one preprocessing, checked by hand."""
    from desktop_cnn.gui.draw.steps_view import CENTRE_COLOUR, MASS_COLOUR, TILE, captions

    img = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(img).rectangle((40, 30, 120, 60), fill=255)  # a heavy top bar
    ImageDraw.Draw(img).line((110, 60, 110, 250), fill=255, width=8)  # and a thin stem
    steps = preprocess_digit(img)
    dx, dy = steps.shift
    assert dy > 0  # the mass is high: centring moves it down
    # Step 4 is a pure translation of step 3 (the digit is far from the border).
    assert np.array_equal(np.roll(steps.placed, (dy, dx), (0, 1)), steps.tensor[0].numpy())
    raw = raw_tile(steps)
    k = TILE / 280
    assert tuple(raw[round(30 * k) - 1, round(80 * k)]) == (230, 40, 40)  # the box's top edge
    after = mass_tile(steps.tensor[0].numpy())
    assert tuple(after[TILE // 2, TILE // 2]) in (MASS_COLOUR, (0, 0, 0))  # the dot covers it
    before = mass_tile(steps.placed)
    assert tuple(before[TILE // 2 - 8, TILE // 2]) == CENTRE_COLOUR  # the cross stays put
    text = captions(steps)
    left, top, right, bottom = steps.crop_box
    assert text[0] == f"1. Ink box {right - left}x{bottom - top} px"
    assert f"Moved ({dx:+d}, {dy:+d}) px" in text[3]
    off = preprocess_digit(img, center=False)
    assert f"Skipped: would move ({dx:+d}, {dy:+d}) px" in captions(off)[3]
    assert np.array_equal(off.tensor[0].numpy(), off.placed)
