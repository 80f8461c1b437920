"""Helpers for the GUI tests (tests/test_gui_*.py) and bench/build_latency.py, like idle_test.

Drive the real widgets: pump the Tk event loop, draw strokes with real
pointer events, take screenshots of the real window. Nothing here runs in
the app itself.
"""

from __future__ import annotations

import gc
import json
import math
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
    "0": [
        [
            (140, 50),
            (90, 80),
            (75, 140),
            (90, 200),
            (140, 230),
            (190, 200),
            (205, 140),
            (190, 80),
            (140, 50),
        ]
    ],
}


def pump(
    root: tk.Misc,
    seconds: float = 0.0,
    until: Callable[[], bool] | None = None,
    timeout: float = 30.0,
) -> float:
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


def launch(
    argv: Sequence[str],
    timeout: float = 60.0,
    keep_window_place: bool = False,
    guide: str | None = "closed",
):
    """Start the real app in this process (as ``main`` does) and wait until it is built.

    The settings file is shared by the whole session: unless ``keep_window_place``, the
    window opens at its default size, not where an earlier test's app was left.
    ``guide``: the docked chapter guide's setting ("open", "closed", None: a first start).
    """
    from desktop_cnn.gui.app import App, parse_args

    # A previous app's Tk objects (variables, images) left in reference cycles must be freed
    # here, on the main thread: if a collection ran later on the preloader thread, their
    # __del__ would call into that app's dead Tcl interpreter and hang the thread for good.
    gc.collect()
    if not keep_window_place:
        forget_window_place()
    set_setting("guide_pane", guide)
    root = new_root()
    app = App(root, parse_args(list(argv)))
    # Quitting with a trained model asks Save / Discard / Cancel in a modal dialog, which
    # would wait forever here: tests of that question replace this seam themselves.
    app.ask_choice = lambda title, message, choices: "Discard"  # type: ignore[method-assign]
    root.update()
    app.start()
    pump(root, until=lambda: app.ready, timeout=timeout)
    return app


def set_setting(key: str, value: object) -> None:
    """Set (or, for None, remove) one key of the session's settings file."""
    from desktop_cnn.core.files.paths import settings_file
    from desktop_cnn.gui.settings import Settings

    path = settings_file()
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        values = {}
    except (OSError, ValueError):  # a broken file is the app's to report, left as it is
        return
    if not isinstance(values, dict) or values.get(key) == value:
        return
    if value is None:
        values.pop(key, None)
    else:
        values[key] = value
    Settings(path, values).save()


def forget_window_place() -> None:
    """Drop the remembered window geometry from the settings file, when the file parses.

    A broken file is left as it is: reporting it is the app's job (test_faults_gui_settings).
    """
    from desktop_cnn.core.files.paths import settings_file
    from desktop_cnn.gui.settings import Settings
    from desktop_cnn.gui.window import SETTING

    path = settings_file()
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(values, dict) and values.pop(SETTING, None) is not None:
        Settings(path, values).save()


def new_root() -> tk.Tk:
    """A Tk root for one test app, whose ``destroy()`` first takes the keyboard focus.

    Tk 8.6 keeps the display's focus window (TkDisplay.focusPtr) for every interpreter
    in the process. Without a window manager (Xvfb) a toplevel takes the focus when the
    pointer enters it; when the pointer leaves (the window moved or shrank), Tk clears
    the app's focus but not that display pointer, so destroying the window leaves it
    dangling, and the next app's ``focus -force`` reads the freed window and segfaults
    (TkSetFocusWin -> FindDisplayFocusInfo). Forcing the focus onto the root just before
    it goes syncs the two, and Tk then clears the display pointer with the root.
    """
    root = tk.Tk(className="desktop-cnn")
    destroy = root.destroy

    def release_focus_then_destroy() -> None:
        try:
            root.focus_force()
        except tk.TclError:  # already destroyed from Tcl
            pass
        destroy()

    root.destroy = release_focus_then_destroy  # type: ignore[method-assign]
    return root


def interpolate(points: Sequence[tuple[float, float]], step: float = 6.0):
    """Points every ``step`` px along a polyline: what a mouse reports while moving."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        n = max(1, int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def draw_stroke(
    canvas: tk.Canvas,
    points: Sequence[tuple[float, float]],
    scale: float = 1.0,
    each: Callable[[], None] | None = None,
) -> None:
    """Press, move and release button 1 on ``canvas`` along ``points`` (canvas px * scale)."""
    path = [(round(x * scale), round(y * scale)) for x, y in interpolate(points)]
    canvas.event_generate("<ButtonPress-1>", x=path[0][0], y=path[0][1], button=1)
    for x, y in path[1:]:
        canvas.event_generate("<B1-Motion>", x=x, y=y, state=0x100)  # Button1Mask
        if each is not None:
            each()
    canvas.event_generate("<ButtonRelease-1>", x=path[-1][0], y=path[-1][1], button=1)


def draw_digit(
    canvas: tk.Canvas, digit: str, scale: float = 1.0, each: Callable[[], None] | None = None
) -> None:
    for stroke in DIGIT_STROKES[digit]:
        draw_stroke(canvas, stroke, scale, each)


def screenshot(root: tk.Tk, path: str | Path) -> Path:
    """The real window (menu bar included) as a PNG, via ImageMagick's ``import``."""
    if shutil.which("import") is None:
        raise FileNotFoundError("ImageMagick's import is not installed")
    root.update()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["import", "-window", wrapper_window(root), str(path)],
        check=True,
        timeout=30,
        capture_output=True,
    )
    return path


def wrapper_window(root: tk.Tk) -> str:
    """The X window holding the menu bar and the content (the toplevel's parent).

    ``wm frame`` names it only when a window manager reparented the window;
    on a bare Xvfb it returns the inner window, which lacks the menu bar.
    """
    out = subprocess.run(
        ["xwininfo", "-tree", "-id", str(root.winfo_id())],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    for line in out.splitlines():
        if "Parent window id:" in line and "(the root window)" not in line:
            return line.split(":", 1)[1].split()[0]
    return root.wm_frame()


def small_dataset(data, n_train: int, n_test: int, seed: int = 0):
    """A random (seeded) subset of each split: image folders are sorted by class."""
    import torch

    from desktop_cnn.core.data.datasets import Split

    g = torch.Generator().manual_seed(seed)

    def pick(split, n: int):
        idx = torch.randperm(len(split), generator=g)[:n]
        return Split(split.images[idx], split.labels[idx])

    return replace(data, train=pick(data.train, n_train), test=pick(data.test, n_test))


def quick_model(data, path: str | Path, epochs: int = 1, n_train: int = 6000) -> Path:
    """Train LeNet-5 briefly (a few seconds on a CPU) and save it: a model for tests."""
    from desktop_cnn.core.files.checkpoints import save_checkpoint
    from desktop_cnn.core.train.training import TrainConfig, Trainer
    from desktop_cnn.gui.startup import leave_a_core_to_the_ui

    leave_a_core_to_the_ui()  # as the app does: on 2 cores, 2 threads run ~5x slower
    trainer = Trainer(
        small_dataset(data, n_train, 2000),
        "lenet5",
        TrainConfig(epochs=epochs, batch_size=64, seed=0),
    )
    result = trainer.run()
    return save_checkpoint(path, result.checkpoint.model, result.checkpoint.info)


class LagProbe:
    """Event-loop lag: how late ``after(interval)`` callbacks run, in ms.

    A callback scheduled for t+interval that runs at t+interval+d was held up
    by d ms of work on the Tk thread (a redraw, a long handler): the delay a
    click or a keypress would have seen at that moment.
    """

    def __init__(self, widget: tk.Misc, interval_ms: int = 20) -> None:
        self.widget, self.interval = widget, interval_ms
        self.lags: list[float] = []
        self._due = 0.0
        self._job: str | None = None

    def start(self) -> None:
        self._due = time.perf_counter() + self.interval / 1000
        self._job = self.widget.after(self.interval, self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, (now - self._due) * 1000))
        self._due = now + self.interval / 1000
        self._job = self.widget.after(self.interval, self._tick)

    def stop(self) -> None:
        if self._job is not None:
            self.widget.after_cancel(self._job)
            self._job = None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def cached_test_model(data) -> Path:
    """One quickly trained model per test session (per $DESKTOP_CNN_HOME), for all modules."""
    from desktop_cnn.core.files.paths import user_home

    path = user_home() / "test-models" / "lenet5_mnist_quick.pt"
    if not path.exists():
        quick_model(data, path)
    return path


def start_xvfb(
    screen: str = "1280x1024", dpi: int | None = None, first: int = 90
) -> tuple[subprocess.Popen, str] | None:
    """A private Xvfb on a free display number: (process, ":N"), or None without Xvfb."""
    if not shutil.which("Xvfb"):
        return None
    extra = ["-dpi", str(dpi)] if dpi else []
    for n in range(first, first + 60):
        if Path(f"/tmp/.X{n}-lock").exists() or Path(f"/tmp/.X11-unix/X{n}").exists():
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{n}", "-screen", "0", f"{screen}x24", *extra, "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                return proc, f":{n}"
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.kill()
    return None


def twenty_layers():
    """A 20-layer net for the Build tab: test_gui_build checks what bench/build_latency times."""
    from desktop_cnn.core.spec.layers import layer, spec_of

    layers = []
    for i in range(6):
        layers += [layer("conv", out_channels=8 + i, kernel=3, padding=1), layer("relu")]
        if i % 2:
            layers.append(layer("maxpool", kernel=2))
    layers += [layer("flatten"), layer("linear", out_features=32), layer("relu")]
    layers += [layer("dropout"), layer("linear", out_features=10)]
    return spec_of("deep20", (1, 28, 28), layers)
