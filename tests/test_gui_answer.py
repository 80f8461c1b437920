"""The Feature maps follow the image to the answer: flatten, dense layers, logits, softmax.

Real app, bundled model, a real test image; what the strips show is compared with
the Draw tab's probabilities (``predict``'s) and with the model's own weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_cnn.gui.requests import PickTestImage

from helpers import pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


def test_features_reach_the_softmax_of_the_draw_tab(app, tmp_path) -> None:
    pump(app.root, until=lambda: app.app_state.checkpoint is not None, timeout=60)
    app.notebook.select(app.tabs["Feature maps"])
    fp = app.panels["Feature maps"]
    app.app_state.post(PickTestImage())
    pump(app.root, until=lambda: app.app_state.analysis is not None, timeout=30)
    fp.render()
    pump(app.root, 0.3)
    path = fp.answer.path
    shown = [n for n in fp.answer.strips]
    assert shown[0].startswith("flatten") and shown[-2:] == ["logits", "softmax"]
    np.testing.assert_allclose(
        path.probs.numpy(), app.app_state.analysis.probs, rtol=1e-5, atol=1e-6
    )
    assert path.prediction == app.app_state.analysis.predicted
    assert "400 numbers in all" in fp.answer.flat_text.cget("text")
    fp.answer.strips["fc1"].canvas.event_generate("<Button-1>", x=1, y=3)  # unit 0
    pump(app.root, 0.2)
    text = fp.answer.explain.get("1.0", "end")
    assert text.startswith("fc1 unit 0 = sum of 400") and "bias" in text
    k = path.prediction
    fp.answer.pick("softmax", k)
    pump(app.root, 0.2)
    assert f"= {float(path.probs[k]):.4f}" in fp.answer.explain.get("1.0", "end")
    screenshot(app.root, ARTIFACTS / "chapter-features-lenet5.png")
    out = tmp_path / "maps.svg"
    fp.ask_save_filename = lambda **kw: str(out)
    fp.save_button.invoke()
    assert "softmax" in out.read_text(encoding="utf-8")


def test_pool_map_number_is_explained(app) -> None:
    fp = app.panels["Feature maps"]
    app.notebook.select(app.tabs["Feature maps"])
    pump(app.root, 0.3)
    fp.select("pool2", 3, (1, 2))
    assert fp.explain_button.instate(["!disabled"])
    fp.explain_button.invoke()
    pump(app.root, 0.2)
    text = fp.detail_text.cget("text")
    want = app.app_state.analysis.maps["pool2"][3, 1, 2]
    assert "pool2 map 3 at (1, 2) = the largest" in text and f"= {want:.4f}" in text


def test_save_image_from_the_explanation_window_and_grad_cam(app, tmp_path) -> None:
    fp = app.panels["Feature maps"]
    app.notebook.select(app.tabs["Feature maps"])
    pump(app.root, 0.3)
    fp.select("conv2", 5, (4, 4))
    fp.explain_button.invoke()
    pump(app.root, 0.3)
    view = fp.explain_view
    out = tmp_path / "one-number.svg"
    view.ask_save_filename = lambda **kw: str(out)
    view.save_button.invoke()
    svg = out.read_text(encoding="utf-8")
    e = view.explanation
    assert f"{e.value:+.4f}" in svg and "conv2, map 5, row 4, column 4" in svg
    view.tk.call(view.protocol("WM_DELETE_WINDOW"))
    app.notebook.select(app.tabs["Draw"])
    draw = app.panels["Draw"]
    draw.why.radios["gradcam"].invoke()
    pump(app.root, 0.5)
    png = tmp_path / "gradcam.png"
    draw.why.ask_save_filename = lambda **kw: str(png)
    draw.why.save_button.invoke()
    assert png.read_bytes()[:4] == b"\x89PNG"
    bad = tmp_path / "gradcam.gif"
    shown: list[tuple[str, str]] = []
    draw.why.ask_save_filename = lambda **kw: str(bad)
    draw.why.show_error = lambda title, message: shown.append((title, message))
    draw.why.save_button.invoke()
    assert shown and ".png, .svg or .pdf" in shown[0][1] and not bad.exists()
