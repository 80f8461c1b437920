"""Desktop conventions: ``desktop-cnn FILE``, a start-up error in a dialog, zoom, window memory,
a status bar that never cuts a message silently."""

from __future__ import annotations

import tkinter as tk

import pytest
from PIL import Image, ImageDraw

from desktop_cnn.gui.common import scaling
from desktop_cnn.gui.common.panel import Panel
from desktop_cnn.gui.window import Geometry, fits, min_size, place

from helpers import cached_test_model, launch, pump

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]


@pytest.fixture
def started():
    """Apps launched by a test, closed after it."""
    apps = []
    yield lambda argv: apps.append(launch(argv)) or apps[-1]
    for app in apps:
        if not app.closing:
            app.quit_app()


def test_main_sends_an_existing_file_to_the_app(monkeypatch, tmp_path, capsys):
    import desktop_cnn.cli
    import desktop_cnn.gui.app
    from desktop_cnn.__main__ import main

    calls = []
    monkeypatch.setattr(desktop_cnn.gui.app, "main", lambda argv: calls.append(("gui", argv)))
    monkeypatch.setattr(desktop_cnn.cli, "main", lambda argv: calls.append(("cli", argv)))
    model = tmp_path / "my_model.pt"
    model.write_bytes(b"x")
    main([str(model)])
    main(["summary", "--model", "lenet5"])
    assert main([str(tmp_path / "missing.pt")]) == 1  # one line, not "invalid choice"
    assert calls == [("gui", [str(model)]), ("cli", ["summary", "--model", "lenet5"])]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.pt: no such file" in err[0]


def test_a_model_file_argument_opens_that_model(display, mnist, started):
    path = cached_test_model(mnist)
    app = started([str(path)])
    assert app.app_state.model_source == str(path)
    assert "lenet5 on mnist" in app.status.get("model")


def test_an_image_argument_is_shown_in_the_draw_tab(display, mnist, started, tmp_path):
    img = Image.new("RGB", (200, 200), "white")
    ImageDraw.Draw(img).line([(100, 30), (100, 170)], fill="black", width=18)
    img.save(tmp_path / "one.png")
    app = started(["--model", str(cached_test_model(mnist)), str(tmp_path / "one.png")])
    draw = app.panels["Draw"]
    assert draw.source.kind == "file" and "one.png" in draw.caption.cget("text")
    assert draw.answer.cget("text") == "1"


def test_a_model_that_cannot_be_opened_at_startup_is_shown_whole(
    display, started, monkeypatch, tmp_path
):
    shown = []
    monkeypatch.setattr(Panel, "show_error", lambda self, t, m: shown.append((t, m)))
    junk = tmp_path / "a very long folder name that would not fit a status bar" / "broken.pt"
    junk.parent.mkdir()
    junk.write_text("not a model")
    app = started([str(junk)])
    assert len(shown) == 1
    title, message = shown[0]
    assert title == "Cannot open the model" and str(junk) in message
    assert "Ctrl+O" in message  # what to do next
    assert app.app_state.checkpoint is None and app.status.get("model") == "model: none"
    assert app.panels["Draw"].confidence.cget("text").startswith("No model yet")


def test_the_status_bar_elides_and_shows_the_whole_text_on_hover(app):
    long = "could not load the model: " + "very long reason " * 40
    app.status.set("message", long)
    pump(app.root, 0.1)
    shown = app.status.shown("message")
    assert shown.endswith("\u2026") and long.startswith(shown[:-1].rstrip())
    label = app.status.labels["message"]
    assert tk.font.nametofont("TkDefaultFont").measure(shown) <= label.winfo_width()
    assert app.status.get("message") == long
    label.event_generate("<Enter>")
    pump(app.root, 0.1)
    tip = app.status.tip.window
    assert tip is not None and tip.winfo_children()[0].cget("text") == long
    label.event_generate("<Leave>")
    assert app.status.tip.window is None
    app.status.set("message", "short")
    pump(app.root, 0.05)
    assert app.status.shown("message") == "short"


def test_zoom_grows_the_text_now_and_is_remembered(app):
    font = tk.font.nametofont("TkDefaultFont")
    before = font.metrics("linespace")
    try:
        assert app.zoom.change(+1) == 1.1 and app.settings.values["zoom"] == 1.1
        app.zoom.change(+1)
        pump(app.root, 0.05)
        assert font.metrics("linespace") > before
        assert "zoom 125%" in app.status.get("message")
    finally:
        app.zoom.change(0)
    assert font.metrics("linespace") == before and app.settings.values["zoom"] == 1.0


def test_zoom_steps_and_nonsense_settings():
    assert scaling.zoom_step(1.0, -1) == 0.85 and scaling.zoom_step(3.0, 1) == 3.0
    assert [scaling.clamp_zoom(z) for z in ("x", None, float("nan"), -2, 1.3, 9)] == [
        1.0,
        1.0,
        1.0,
        1.0,
        1.25,
        3.0,
    ]
    assert scaling.Scaling(100 / 72).factor == 1.0  # Xvfb's 100 dpi draws as designed
    assert scaling.Scaling(144 / 72).factor == 1.5
    assert scaling.Scaling(96 / 72, zoom=2.0).factor == 2.0


def test_the_window_is_remembered_only_where_it_fits(app):
    root = app.root
    sw, sh = root.winfo_screenwidth(), root.winfo_screenheight()
    assert Geometry.parse("1000x700+20+30") == Geometry(1000, 700, 20, 30)
    assert Geometry.parse("junk") is None and Geometry.parse(None) is None
    mw, mh = min_size(root)  # grows with the dpi: 2000x1320 at 192 dpi
    assert fits(root, Geometry(mw, mh, 20, 30))
    assert not fits(root, Geometry(mw, mh, sw - mw // 2, 30))  # off the right edge
    assert not fits(root, Geometry(sw + 100, sh, 0, 0))
    assert not fits(root, Geometry(mw - 1, mh, 0, 0))  # below the minimum
    assert not fits(root, Geometry(200, 150, 0, 0))
    geometry = root.geometry()
    try:
        assert place(root, f"{mw}x{mh}+20+30")
        pump(root, 0.2)
        assert (root.winfo_width(), root.winfo_height()) == (mw, mh)
        assert not place(root, f"{sw * 2}x{sh}+0+0")
        pump(root, 0.2)
        assert root.winfo_width() <= sw and root.winfo_height() <= sh
    finally:
        root.geometry(geometry)
    values = {}
    from desktop_cnn.gui.window import SETTING, remember

    remember(root, values)
    assert values[SETTING] == root.geometry()  # restoring it puts the window back in place


def test_a_large_pad_shows_the_drawing_sharp_not_enlarged():
    """At 192 dpi the Draw pad is 560 px: drawn from the 2x supersampled strokes, not blurred."""
    import numpy as np

    from desktop_cnn.gui.sketch import Sketch

    sketch = Sketch(brush=20)
    sketch.begin(60, 60)
    sketch.extend(220, 200)
    assert sketch.image_at(sketch.size) is sketch.image
    sharp = np.asarray(sketch.image_at(560))
    blurred = np.asarray(sketch.image.resize((560, 560), Image.Resampling.BILINEAR))
    grey = lambda a: int(((a > 20) & (a < 235)).sum())  # noqa: E731 - edge pixels
    assert sharp.shape == blurred.shape == (560, 560)
    assert grey(sharp) < grey(blurred) / 2
    assert abs(int((sharp > 127).sum()) - int((blurred > 127).sum())) < 0.03 * (sharp > 127).sum()
