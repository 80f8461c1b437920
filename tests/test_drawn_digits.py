"""Drawn digits, the way people draw them, recognised by the bundled model.

Every digit has a few hand-written stroke paths (tests/digit_strokes.py); each
is varied in position, size, slant, aspect, brush width and jitter, and then
replayed as real pointer events (press, motion, release) on the Draw panel's
canvas of the running app. The answer is read off the panel, so this covers
the whole path: canvas -> PIL drawing -> MNIST preprocessing -> LeNet-5.
"""

from __future__ import annotations

import pytest

from desktop_cnn.core.files.paths import resource_path

from digit_strokes import variants
from helpers import draw_stroke, launch, pump

pytestmark = pytest.mark.gui
PER_DIGIT = 12
THRESHOLD = 0.93  # measured 100% (120/120) with the bundled model; goal >= 95%


@pytest.fixture(scope="module")
def app(display):
    model = resource_path("assets/lenet5_mnist.pt")
    if not model.exists():
        pytest.skip("the bundled model is missing")
    app = launch(["--model", str(model)])
    yield app
    if not app.closing:
        app.quit_app()


@pytest.mark.slow  # draws and reads hundreds of digits
def test_drawn_digits_are_recognised(app, capsys):
    app.notebook.select(app.tabs["Draw"])
    panel = app.panels["Draw"]
    right, wrong = 0, []
    for digit in range(10):
        for i, (strokes, width) in enumerate(variants(digit, PER_DIGIT, canvas=panel.pad.side)):
            panel.clear()
            panel.brush.set(round(width))
            panel.brush_changed()
            for stroke in strokes:
                draw_stroke(panel.pad.canvas, stroke)
            pump(app.root, 0.02)
            assert len(panel.sketch.strokes) == len(strokes)  # drawn through the canvas
            answer = panel.answer.cget("text")
            if answer == str(digit):
                right += 1
            else:
                wrong.append((digit, i, answer))
    share = right / (10 * PER_DIGIT)
    with capsys.disabled():
        print(
            f"\ndrawn digits recognised: {right}/{10 * PER_DIGIT} = {share:.1%}; "
            f"wrong (digit, variant, answer): {wrong}"
        )
    assert share >= THRESHOLD, wrong
