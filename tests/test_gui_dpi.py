"""The app at 96, 144 and 192 dpi: every tab's widgets inside the window, screenshots to look at.

Each dpi gets its own Xvfb (``-dpi``) at a screen size typical for it, and
the app runs in a child process on it (tests/gui_shots.py), as a user would
start it. The PNGs land in tests/artifacts/dpi/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_cnn.gui.app import TABS

from helpers import start_xvfb

pytestmark = [pytest.mark.gui, pytest.mark.slow]  # a fresh app per dpi, every tab visited
TESTS = Path(__file__).parent
ARTIFACTS = TESTS / "artifacts" / "dpi"
SCREENS = {96: "1280x1024", 144: "1920x1200", 192: "2560x1600"}


def run_shots(dpi: int, tmp_path: Path, tag: str, extra: list[str], screen: str = "") -> dict:
    """gui_shots.py on a private Xvfb at ``dpi``; its JSON report."""
    started = start_xvfb(screen or SCREENS[dpi], dpi, first=160)
    if started is None:
        pytest.skip("Xvfb is not installed")
    proc, display = started
    env = {
        **os.environ,
        "DISPLAY": display,
        "DESKTOP_CNN_HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)]),
    }
    try:
        out = subprocess.run(
            [sys.executable, str(TESTS / "gui_shots.py"), str(ARTIFACTS), tag, *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        proc.terminate()
        proc.wait(5)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("dpi", sorted(SCREENS))
def test_every_tab_fits_the_window(dpi, shared_data, tmp_path):
    report = run_shots(dpi, tmp_path, f"dpi{dpi}", ["--data-dir", str(shared_data)])
    assert report["scaling"] == pytest.approx(dpi / 72, rel=0.02)
    x, y, w, h = report["window"]
    sw, sh = report["screen"]
    assert x + w <= sw and y + h <= sh  # the whole window is on the screen
    assert w >= 1100 * dpi / 96 * 0.95 or w >= sw * 0.9  # it grew with the dpi
    # nothing cut, every Treeview column as wide as its text (gui_shots.cut_columns)
    assert report["tabs"] == {name: [] for name in report["tabs"]}, report["tabs"]
    assert len(report["shots"]) == len(TABS) and all(
        Path(p).stat().st_size > 0 for p in report["shots"]
    )


@pytest.mark.slow
@pytest.mark.parametrize(("dpi", "zooms"), [(96, "1.75,3.0,1.0"), (192, "1.75")])
def test_zoom_relays_out_at_once(dpi, zooms, shared_data, tmp_path):
    """View > Zoom applied live: every widget inside the window or a scrolled tab, Treeview
    rows as tall as their text and every Treeview column as wide as its longest text (Build's
    layer list, the Model tab's tables: gui_shots.cut_columns), the drawing pad and
    Playground cells grow with the factor."""
    extra = ["--zooms", zooms, "--data-dir", str(shared_data)]
    report = run_shots(dpi, tmp_path, f"live{dpi}", extra, screen="1280x1024")
    before = report
    for zoom, seen in report["zooms"].items():
        assert seen["tabs"] == {name: [] for name in seen["tabs"]}, (zoom, seen["tabs"])
        assert seen["rowheight"] >= seen["linespace"]
        k = float(zoom)
        assert seen["pad"] == pytest.approx(before["pad"] * k, rel=0.08), zoom
        assert seen["cell"] >= min(before["cell"] * k * 0.9, before["cell"] * k - 2), zoom


def test_presentation_fits_each_tab_on_a_projector(shared_data, tmp_path):
    """F11 at 1920x1080, on every tab: each at the largest zoom that fits, never below 150%,
    text at least 24 px high, the panel given all it asks for (side controls compact, not
    squeezed), every widget of each of its views inside the window and nothing scrolled;
    F11 again brings back the zoom, the status bar, the training log's height and all that
    was made compact."""
    extra = ["--present", ",".join(TABS), "--data-dir", str(shared_data)]
    report = run_shots(96, tmp_path, "present", extra, screen="1920x1080")
    sw, sh = report["screen"]
    assert list(report["tabs"]) == list(TABS)
    for name, seen in report["tabs"].items():
        assert seen["cut"] == [] and not seen["scrolls"], (name, seen["cut"])
        assert seen["fits"], (name, seen["asks"], seen["room"])
        assert seen["linespace"] >= 24 and seen["zoom"] >= 1.5, name
        x, y, w, h = seen["window"]
        assert (x, w) == (0, sw) and y + h == sh, name  # the whole screen, menu bar included
    assert report["tabs"]["Draw"]["zoom"] >= 1.75  # it fits larger than the full forms
    after = {"zoom": 1.0, "status": True, "log_lines": 10, "not_as_before": []}
    assert report["after"] == after  # help text, figures and table columns back as they were
