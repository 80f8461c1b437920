"""Helpers for the GUI tests (tests/test_gui_*.py) and the latency script, like idle_test.

Drive the real widgets: pump the Tk event loop, draw strokes with real
pointer events, take screenshots of the real window. Nothing here runs in
the app itself.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import tkinter as tk
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

# Stroke paths on the 280 px canvas, drawn the way people draw them.
DIGIT_STROKES: dict[str, list[list[tuple[int, int]]]] = {
    "1": [[(140, 50), (140, 230)]],
    "7": [[(80, 60), (200, 60), (120, 230)]],
    "0": [[(140, 50), (90, 80), (75, 140), (90, 200), (140, 230), (190, 200), (205, 140),
           (190, 80), (140, 50)]],
}


def pump(root: tk.Misc, seconds: float = 0.0, until: Callable[[], bool] | None = None,
         timeout: float = 30.0) -> float:
    """Run the event loop for ``seconds``, or until ``until()`` is true; returns time spent."""
    t0 = time.perf_counter()
    end = t0 + (timeout if until is not None else seconds)
    while time.perf_counter() < end:
        root.update()
        if until is not None and until():
            return time.perf_counter() - t0
        time.sleep(0.005)
    if until is not None:
        raise TimeoutError(f"condition not met within {timeout} s")
    return time.perf_counter() - t0


def launch(argv: Sequence[str], timeout: float = 60.0):
    """Start the real app in this process (as ``main`` does) and wait until it is built."""
    from .app import App, parse_args

    root = tk.Tk(className="desktop-cnn")
    app = App(root, parse_args(list(argv)))
    root.update()
    app.start()
    pump(root, until=lambda: app.ready, timeout=timeout)
    return app


def interpolate(points: Sequence[tuple[float, float]], step: float = 6.0):
    """Points every ``step`` px along a polyline: what a mouse reports while moving."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def draw_stroke(canvas: tk.Canvas, points: Sequence[tuple[float, float]],
                scale: float = 1.0, each: Callable[[], None] | None = None) -> None:
    """Press, move and release button 1 on ``canvas`` along ``points`` (canvas px * scale)."""
    path = [(round(x * scale), round(y * scale)) for x, y in interpolate(points)]
    canvas.event_generate("<ButtonPress-1>", x=path[0][0], y=path[0][1], button=1)
    for x, y in path[1:]:
        canvas.event_generate("<B1-Motion>", x=x, y=y, state=0x100)  # Button1Mask
        if each is not None:
            each()
    canvas.event_generate("<ButtonRelease-1>", x=path[-1][0], y=path[-1][1], button=1)


def draw_digit(canvas: tk.Canvas, digit: str, scale: float = 1.0,
               each: Callable[[], None] | None = None) -> None:
    for stroke in DIGIT_STROKES[digit]:
        draw_stroke(canvas, stroke, scale, each)


def screenshot(root: tk.Tk, path: str | Path) -> Path:
    """The real window (menu bar included) as a PNG, via ImageMagick's ``import``."""
    if shutil.which("import") is None:
        raise FileNotFoundError("ImageMagick's import is not installed")
    root.update()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    window = root.wm_frame()  # the toplevel's wrapper: menu bar and content together
    subprocess.run(["import", "-window", window, str(path)], check=True, timeout=30,
                   capture_output=True)
    return path


def small_dataset(data, n_train: int, n_test: int):
    """The first images of each split: a quick run that still learns something."""
    from ..core.data import Split

    return replace(data, train=Split(data.train.images[:n_train], data.train.labels[:n_train]),
                   test=Split(data.test.images[:n_test], data.test.labels[:n_test]))


def quick_model(data, path: str | Path, epochs: int = 1, n_train: int = 8000) -> Path:
    """Train LeNet-5 briefly (a few seconds on a CPU) and save it: a model for tests."""
    from ..core.checkpoints import save_checkpoint
    from ..core.training import Trainer, TrainConfig

    trainer = Trainer(small_dataset(data, n_train, 2000), "lenet5",
                      TrainConfig(epochs=epochs, batch_size=64, seed=0))
    result = trainer.run()
    return save_checkpoint(path, result.checkpoint.model, result.checkpoint.info)
