"""The GUI tests run many apps, one after another, in one process: each must leave Tk clean.

Tk 8.6 keeps one focus window per display for all its interpreters. On a display
without a window manager (the suite's Xvfb) an app whose window took the focus
because the pointer entered it, then lost it because the window moved away from
the pointer, left that per-display pointer on its freed window; the next app's
``focus -force`` then crashed inside Tk. This only showed on large screens, where
the windows do not cover the pointer parked at the screen's centre.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

# Run apart: without the fix Tk segfaults, which would end the whole test session.
TWO_APPS = """
import sys
import tkinter as tk

sys.path.insert(0, {tests!r})
from helpers import new_root, pump

first = new_root()
first.geometry("300x200+0+0")
pump(first, 0.2)
first.event_generate("<Motion>", warp=True, x=40, y=40)  # pointer in: implicit focus
pump(first, 0.2)
first.geometry("+500+400")  # the window leaves the pointer: Tk drops the app's focus
pump(first, 0.2)
first.destroy()

second = new_root()
second.geometry("300x200+500+400")  # away from the pointer: no fresh implicit focus
entry = tk.Entry(second)
entry.pack()
pump(second, 0.2)
entry.focus_force()  # read the first app's freed window
second.update()
second.destroy()
print("second app took the focus")
"""


def test_an_app_after_another_can_force_the_focus(display):
    script = TWO_APPS.format(tests=str(Path(__file__).parent))
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, f"exit status {run.returncode}: {run.stderr[-2000:]}"
    assert "second app took the focus" in run.stdout


def test_each_app_opens_at_its_default_place(display):
    """An earlier test's app left its geometry in the session's shared settings."""
    from desktop_cnn.core.files.paths import settings_file
    from desktop_cnn.gui.settings import Settings
    from desktop_cnn.gui.window import SETTING

    from helpers import launch

    settings = Settings.load(settings_file())
    settings.values[SETTING] = "1000x700+20+30"
    settings.save()
    app = launch(["--no-model"])
    try:
        assert not app.restored
        assert Settings.load(settings_file()).values.get(SETTING) is None
    finally:
        app.quit_app()
    kept = launch(["--no-model"], keep_window_place=True)  # what it left, restored
    try:
        assert kept.restored
    finally:
        kept.quit_app()
