"""Measurements, printed (and saved to tests/artifacts/latency.json), not asserted.

Timings depend on the machine and on whatever else runs on it, so this
module reports them for the closing note instead of failing on them:

* start-up: process launch -> window on screen -> first prediction possible;
* event-loop lag (how late a 20 ms ``after()`` tick runs) while full MNIST
  trains (2 epochs) with the Train panel visible and its curves updating;
* event-loop lag while the Generate tab trains a DCGAN from scratch (GAN_STEPS steps,
  its grid, curves and classifier reading updating live);
* drawing -> prediction: the Tk-thread work per update (preprocess, forward,
  widgets), and the delay from a stroke change to its prediction on screen
  (which includes the 40 ms throttle), idle and during training.

Run: .venv/bin/python -m pytest tests/test_gui_latency.py -s
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_cnn.core.files.paths import resource_path

from helpers import (
    DIGIT_STROKES,
    LagProbe,
    cached_test_model,
    interpolate,
    launch,
    percentile,
    pump,
)

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[1]
TRAIN_EPOCHS = 2  # full MNIST: the run's first and last full redraws weigh less than in one
ARTIFACTS = Path(__file__).parent / "artifacts"
GAN_STEPS = 400  # about 30 s on one core: eight grid updates (every 50 steps)


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values, default=float("nan")), 1),
    }


def _startup(args: list[str], runs: int = 3) -> dict[str, float]:
    """Median seconds from launching the process to each start-up milestone."""
    marks: dict[str, list[float]] = {}
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-m", "desktop_cnn", "gui", *args, "--startup-report"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ.copy(),
        )
        times = json.loads(out.stdout.strip().splitlines()[-1])
        for key, value in times.items():
            marks.setdefault(key, []).append(value - t0)
    return {k: round(sorted(v)[len(v) // 2], 2) for k, v in marks.items()}


def _replay(root, canvas, strokes, interval_ms: int, done) -> None:
    """Pointer events along ``strokes`` from the event loop, one every ``interval_ms``."""
    events = []
    for stroke in strokes:
        path = [(round(x), round(y)) for x, y in interpolate(stroke, step=5)]
        events.append(("<ButtonPress-1>", path[0]))
        events += [("<B1-Motion>", p) for p in path[1:]]
        events.append(("<ButtonRelease-1>", path[-1]))

    def step(i: int = 0) -> None:
        if i == len(events):
            done()
            return
        kind, (x, y) = events[i]
        extra = {"state": 0x100} if kind == "<B1-Motion>" else {"button": 1}
        canvas.event_generate(kind, x=x, y=y, **extra)
        root.after(interval_ms, step, i + 1)

    step()


def _draw_many(app, rounds: int, when_done) -> None:
    draw = app.panels["Draw"]
    digits = list(DIGIT_STROKES) * rounds

    def next_digit() -> None:
        if not digits:
            when_done()
            return
        draw.clear()
        _replay(app.root, draw.pad.canvas, DIGIT_STROKES[digits.pop()], 10, next_digit)

    next_digit()


def _gan_lag(app) -> tuple[dict[str, float], str]:
    """Event-loop lag while the Generate tab trains a fresh DCGAN for GAN_STEPS steps."""
    root, panel = app.root, app.panels["Generate"]
    app.notebook.select(app.tabs["Generate"])
    pump(root, 1.0)  # the tab's first draw belongs to switching tabs
    panel.nametowidget("left.buttons.new").invoke()
    spin = panel.nametowidget("left.form.steps")
    spin.delete(0, "end")
    spin.insert(0, str(GAN_STEPS))
    probe = LagProbe(root, 20)
    panel.nametowidget("left.buttons.start").invoke()
    probe.start()
    pump(root, until=lambda: not panel.worker.running, timeout=600)
    probe.stop()
    return _stats(probe.lags), f"{panel.status_text.get()} ({panel.grid_updates} grid updates)"


@pytest.mark.slow  # a measurement: many key presses timed
def test_measure_latency(display, mnist, shared_data):
    import torch

    model = cached_test_model(mnist)
    report: dict = {
        "machine": f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "python": platform.python_version(),
        "torch": torch.__version__,
    }
    bundled = resource_path("assets/lenet5_mnist.pt")  # plain `desktop-cnn` when it exists
    report["startup_s"] = _startup([] if bundled.exists() else ["--model", str(model)])

    app = launch(["--model", str(model), "--data-dir", str(shared_data)])
    root, draw, train = app.root, app.panels["Draw"], app.panels["Train"]
    app.notebook.select(app.tabs["Draw"])
    draw.compute_ms.clear()
    draw.latency_ms.clear()
    _draw_many(app, 3, root.quit)
    root.mainloop()
    report["draw_idle_ms"] = {
        "compute": _stats(draw.compute_ms),
        "change_to_screen": _stats(draw.latency_ms),
    }

    app.app_state.datasets.load("mnist", str(shared_data))  # loaded before, not timed
    app.notebook.select(app.tabs["Train"])
    pump(root, 1.0)  # the tab's first full draw belongs to switching tabs, not to training
    train.form.epochs.set(str(TRAIN_EPOCHS))
    probe = LagProbe(root, 20)
    train.start_button.invoke()
    probe.start()

    def until_trained() -> None:
        if train.running:
            root.after(100, until_trained)
        else:
            root.quit()

    until_trained()
    root.mainloop()
    probe.stop()
    report["train_lag_ms"] = _stats(probe.lags)
    report["train_status"] = f"{train.last_status}, {train.step} batches"

    app.notebook.select(app.tabs["Draw"])
    draw.compute_ms.clear()
    draw.latency_ms.clear()
    train.form.epochs.set("3")
    train.start_button.invoke()
    _draw_many(app, 2, root.quit)
    root.mainloop()
    train.stop_button.invoke()
    report["draw_during_training_ms"] = {
        "compute": _stats(draw.compute_ms),
        "change_to_screen": _stats(draw.latency_ms),
    }
    report["gan_lag_ms"], report["gan_status"] = _gan_lag(app)
    app.quit_app()

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "latency.json").write_text(json.dumps(report, indent=2))
    print("\n" + json.dumps(report, indent=2))
    assert report["train_status"].startswith("finished")
    assert report["gan_status"].startswith("Done")
