"""Closing the real app (a separate process) while it trains: a clean, quick exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import cached_test_model, launch, pump

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[1]


def _wait_for_line(proc: subprocess.Popen, text: str, timeout: float) -> str:
    """The first stdout line containing ``text``; fails with the process's stderr if none."""
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            if text in line:
                found.append(line)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        proc.kill()
        pytest.fail(f"no {text!r} within {timeout} s; stderr: {proc.stderr.read()[-2000:]}")
    return found[0]


def _xdotool(*args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=20, check=True
    ).stdout.strip()


@pytest.mark.slow  # the app in a fresh interpreter
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed")
def test_ctrl_q_during_training_stops_the_worker_and_exits(display, shared_data, tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "DESKTOP_CNN_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop_cnn",
            "gui",
            "--no-model",
            "--data-dir",
            str(shared_data),
            "--train",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_line(proc, "desktop-cnn: training", timeout=120)
        window = _xdotool(
            "search", "--limit", "1", "--pid", str(proc.pid), "--name", "^desktop-cnn"
        ).splitlines()[0]
        _xdotool("windowfocus", "--sync", window)
        t0 = time.perf_counter()
        _xdotool("key", "--clearmodifiers", "ctrl+q")  # real key events, via XTEST
        proc.wait(timeout=15)
        elapsed = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    stderr = proc.stderr.read()
    print(f"\nclosed during training: process gone {elapsed:.2f} s after Ctrl+Q")
    assert proc.returncode == 0, stderr[-2000:]
    assert elapsed < 2.0, f"took {elapsed:.2f} s to exit"
    assert "Traceback" not in stderr and "did not stop" not in stderr
    leftovers = [p for p in home.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers
    assert (home / "settings.json").exists()  # written (atomically) on the way out


def test_window_close_button_stops_training_in_process(display, mnist, shared_data):
    """The WM_DELETE_WINDOW handler (what the title bar's X sends) stops the worker first."""
    app = launch(["--model", str(cached_test_model(mnist)), "--data-dir", str(shared_data)])
    train = app.panels["Train"]
    train.form.epochs.set("20")
    app.notebook.select(app.tabs["Train"])
    train.start_button.invoke()
    pump(app.root, until=lambda: train.step >= 3, timeout=120)
    worker = train.worker.task.thread
    t0 = time.perf_counter()
    app.root.tk.call(app.root.wm_protocol("WM_DELETE_WINDOW"))
    assert time.perf_counter() - t0 < 2.0
    assert app.closing and not worker.is_alive()


QUIT_DURING_REVIEW = """
import sys, threading
import desktop_cnn.core.inspect.mistakes as mistakes
from desktop_cnn.gui import app as gui

predict = mistakes.predict_split
def slow(*args, **kw):  # the same evaluation 50 times over: still predicting at the quit
    for _ in range(50):
        result = predict(*args, **kw)
        if result is None:
            return None
    return result
mistakes.predict_split = slow

ready = gui.App.plots_ready
def plots_ready(self):
    ready(self)
    self.notebook.select(self.tabs["Mistakes"])
    panel = self.panels["Mistakes"]
    def quit_when_predicting():
        if not panel.summary.cget("text").startswith("Predicting"):
            self.root.after(50, quit_when_predicting)
            return
        print("quitting while predicting", flush=True)
        self.quit_app()
        alive = [t.name for t in threading.enumerate() if t.name == "the evaluation"]
        print(f"still running after the close: {alive}", flush=True)
    self.root.after(300, quit_when_predicting)
gui.App.plots_ready = plots_ready
sys.exit(gui.main(sys.argv[1:]))
"""


@pytest.mark.slow  # the app in a fresh interpreter
def test_quitting_during_the_mistakes_evaluation_ends_it_first(
    display, mnist, shared_data, tmp_path
):
    """A thread left inside torch at interpreter exit aborts the process ("terminate called
    without an active exception", status 134): the close cancels and joins it first."""
    env = {
        **os.environ,
        "DESKTOP_CNN_HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            QUIT_DURING_REVIEW,
            "--model",
            str(cached_test_model(mnist)),
            "--data-dir",
            str(shared_data),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "quitting while predicting" in proc.stdout, proc.stderr[-2000:]
    assert "still running after the close: []" in proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "terminate called" not in proc.stderr and "Traceback" not in proc.stderr
