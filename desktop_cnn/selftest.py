"""``desktop-cnn --self-test``: prove that an install, or the frozen bundle, works end to end.

Each check exercises something frozen apps have broken on: bundled files found
through ``resource_path``; ``torch._dynamo``, which creating an optimizer
imports (cx_Freeze #2786) and which needs torch's ``.py`` sources; the CUDA
libraries that a convolution and a training step load; Tcl/Tk and matplotlib's
Tk backend for the window. One line per check on stdout. On a failure the
traceback goes to stderr and the last line is ``self-test FAILED: <check>: <why>``,
with exit status 1.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .core.files.paths import resource_path

if TYPE_CHECKING:  # imported where used: the checks time their own imports
    import tkinter

    from .core.data.datasets import Dataset

MODEL = "assets/lenet5_mnist.pt"
SAMPLE = "assets/sample_digit_7.png"
SAMPLE_LABEL = "7"  # a genuine MNIST test digit, dark ink on light paper
WINDOW_TIMEOUT_S = 120.0  # every panel built; generous for a cold start on a busy CI machine


class CheckFailed(Exception):
    """A check ran but its result is wrong; ``str()`` says what was expected."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="desktop-cnn --self-test",
        description="Check that the app works here: bundled model, a prediction, a training "
        "step, the main window. Exit status 0 when all pass.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--device", default="auto", help="device for the training step")
    p.add_argument(
        "--no-window",
        action="store_true",
        help="skip the window check even when a display is present",
    )
    return p.parse_args(argv)


def check_versions(ctx: dict[str, Any]) -> str:
    import platform

    import torch

    from .core.files.checkpoints import versions

    v = versions()
    cuda = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"
    how = "frozen" if getattr(sys, "frozen", False) else "from source"
    return (
        f"desktop_cnn {v['desktop_cnn']}, torch {v['torch']} ({cuda}), torchvision "
        f"{v['torchvision']}, Python {platform.python_version()}, {sys.platform}, {how}"
    )


def check_device(ctx: dict[str, Any]) -> str:
    from .core.device import device_name, pick_device

    ctx["device"] = pick_device(ctx["args"].device)
    return device_name(ctx["device"])


def check_model(ctx: dict[str, Any]) -> str:
    from .core.files.checkpoints import load_checkpoint

    path = resource_path(MODEL)
    ctx["checkpoint"] = ck = load_checkpoint(path)  # raises CheckpointError when missing
    return f"{ck.info.title} ({path})"


def check_predict(ctx: dict[str, Any]) -> str:
    from .core.data.preprocess import load_image, prepare
    from .core.inspect.evaluation import predict_proba

    ck = ctx["checkpoint"]
    x, _ = prepare(
        load_image(resource_path(SAMPLE)), ck.info.input_shape, ck.info.mean, ck.info.std
    )
    if x is None:
        raise CheckFailed(f"{SAMPLE} has no ink after preprocessing")
    probs = predict_proba(ck.model, x)[0]
    best = int(probs.argmax())
    got = ck.info.classes[best]
    if got != SAMPLE_LABEL:
        raise CheckFailed(
            f"{SAMPLE} was read as {got!r} (p={float(probs[best]):.2f}), expected {SAMPLE_LABEL!r}"
        )
    return f"{SAMPLE} -> {got} (p={float(probs[best]):.3f})"


def tiny_digits() -> Dataset:
    """16 random 28x28 'digits' in memory: enough for one batch, nothing to download."""
    import torch

    from .core.data.datasets import Dataset, Split

    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (16, 1, 28, 28), dtype=torch.uint8, generator=g)
    split = Split(images, torch.arange(16) % 10)
    return Dataset("self-test", [str(i) for i in range(10)], split, split, (0.5,), (0.29,))


def check_train(ctx: dict[str, Any]) -> str:
    """One step of the app's own Trainer: augmentation, AMP on CUDA, optimizer, schedule."""
    import torch

    from .core.train.config import TrainConfig
    from .core.train.training import Trainer

    cfg = TrainConfig(epochs=1, batch_size=16, eval_batch_size=16, device=ctx["args"].device)
    trainer = Trainer(tiny_digits(), "lenet5", cfg)
    before = trainer.model.get_parameter("conv1.weight").detach().clone()
    result = trainer.run()  # make_optimizer() here is what imports torch._dynamo
    losses = result.history["batch_loss"]
    if result.status != "finished" or len(losses) != 1:
        raise CheckFailed(f"training {result.status}: {result.message}")
    if not math.isfinite(losses[0]):
        raise CheckFailed(f"the loss was {losses[0]}")
    if torch.equal(before, trainer.model.get_parameter("conv1.weight").detach()):
        raise CheckFailed("optimizer.step() left the weights unchanged")
    amp = "mixed precision" if cfg.amp and trainer.device.type == "cuda" else "float32"
    # Say whether the pitfall was exercised: torch 2.14 loads dynamo already with torchvision.
    dynamo = ", torch._dynamo loaded" if "torch._dynamo" in sys.modules else ""
    return f"one step on {trainer.device} ({cfg.optimizer}, {amp}), loss {losses[0]:.3f}{dynamo}"


def has_display() -> bool:
    """Windows and macOS always have one; X11 systems say so in $DISPLAY."""
    return sys.platform in ("win32", "darwin") or bool(os.environ.get("DISPLAY"))


def check_window(ctx: dict[str, Any]) -> str:
    import tkinter as tk  # the bundle must carry Tcl/Tk even where no display is present

    if ctx["args"].no_window:
        return "skipped (--no-window)"
    if not has_display():
        return f"skipped (no display; Tk {tk.TkVersion})"
    try:
        from .gui import app as gui_app
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.gui.app":
            raise  # the GUI is there but something it imports is missing: a real failure
        return plain_window(tk)
    return app_window(gui_app)


def plain_window(tk: ModuleType) -> str:
    root = tk.Tk(className="desktop-cnn")
    try:
        root.title("desktop-cnn self-test")
        root.update()
        return f"plain Tk {root.tk.call('info', 'patchlevel')} window opened and closed"
    finally:
        root.destroy()


def pump_until(root: tkinter.Misc, done: Callable[[], bool]) -> None:
    """Run the Tk event loop until ``done()``; start-up work arrives through ``after()``."""
    end = time.perf_counter() + WINDOW_TIMEOUT_S
    while not done():
        if time.perf_counter() > end:
            raise CheckFailed(f"the main window was not ready within {WINDOW_TIMEOUT_S:.0f} s")
        root.update()
        time.sleep(0.01)


def app_window(gui_app: ModuleType) -> str:
    """The real main window with all four panels, then its own Quit."""
    import tkinter as tk

    t0 = time.perf_counter()
    root = tk.Tk(className="desktop-cnn")
    app = gui_app.App(root, gui_app.parse_args([]))
    closed = False
    try:
        root.update()
        shown = time.perf_counter() - t0
        app.start()
        pump_until(root, lambda: app.ready or bool(app.preloader.error))
        if app.preloader.error:
            raise CheckFailed(app.preloader.error)
        if app.app_state.checkpoint is None:
            raise CheckFailed(f"the window has no model: {app.preloader.model_error}")
        ready = time.perf_counter() - t0
        app.quit_app()
        closed = True
    finally:
        if not closed:
            root.destroy()
    return (
        f"main window shown in {shown:.2f} s, {len(app.panels)} panels and the model "
        f"ready in {ready:.2f} s, closed"
    )


CHECKS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("versions", check_versions),
    ("device", check_device),
    ("model", check_model),
    ("predict", check_predict),
    ("train", check_train),
    ("window", check_window),
]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    ctx: dict[str, Any] = {"args": args}
    t0 = time.perf_counter()
    print("desktop-cnn self-test", flush=True)
    for name, check in CHECKS:
        t_check = time.perf_counter()
        try:
            result = check(ctx)
            print(f"{name}: {result} [{time.perf_counter() - t_check:.1f} s]", flush=True)
        except Exception as exc:  # any failure, frozen or not, ends in one clear line
            if not isinstance(exc, CheckFailed):
                traceback.print_exc()
            sys.stderr.flush()
            why = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
            print(f"self-test FAILED: {name}: {why}", flush=True)
            return 1
    print(f"self-test passed in {time.perf_counter() - t0:.1f} s", flush=True)
    return 0
