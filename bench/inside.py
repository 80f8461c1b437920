"""Inside tab: attack and visualisation speed, and the GUI's event-loop lag while they run.

Core, on the bundled LeNet-5 and the real MNIST test set (``--data-dir``):
  * FGSM on one drawn digit (one forward and backward pass, then the 8-bit image and its
    probabilities), against one plain prediction in the same run as the baseline;
  * PGD with 20 steps on the same digit;
  * the robustness curve: 10,000 test images at 5 epsilons (FGSM);
  * a class visualisation of 256 steps.
GUI (the real app, on ``$DISPLAY`` or an Xvfb of its own): a drawn 7, then the epsilon
slider moved one unit at a time (FGSM answers on the Tk thread: ms per move), the
robustness curve and a 256-step class visualisation on the worker, with the event-loop lag
(how late a 20 ms ``after()`` tick runs, tests/helpers.py's LagProbe) during each, and idle.

    python bench/inside.py --data-dir /path/to/data [--threads N] [--no-gui]

Prints p50/p95 in ms (seconds for the long runs). The issue's goals: FGSM well under
50 ms, PGD-20 under 1 s, the curve under a minute, a class image in a few seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from helpers import LagProbe, draw_digit, launch, percentile, pump, start_xvfb  # noqa: E402


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def row(name: str, ms: list[float]) -> None:
    print(f"  {name:44}p50 {percentile(ms, 50):9.1f}  p95 {percentile(ms, 95):9.1f}  ms")


def core(data_dir: str) -> None:
    import torch

    from desktop_cnn.core.data.datasets import load_dataset
    from desktop_cnn.core.files.checkpoints import load_checkpoint
    from desktop_cnn.core.inside.attacks import AttackConfig, attack_one, probabilities
    from desktop_cnn.core.inside.featurevis import Objective, VisConfig, run_to_end
    from desktop_cnn.core.inside.pixels import PixelModel
    from desktop_cnn.core.inside.robustness import robustness_curve

    ck = load_checkpoint(ROOT / "assets" / "lenet5_mnist.pt")
    pm = PixelModel(ck.model.eval(), ck.info.mean, ck.info.std)
    data = load_dataset("mnist", data_dir, download=False)
    seven = data.test.images[int((data.test.labels == 7).nonzero()[0])].float()
    print(f"core, {torch.get_num_threads()} torch thread(s), {os.cpu_count()} CPUs:")
    base = timed(lambda: probabilities(pm, seven[None]), 100)
    fgsm = timed(lambda: attack_one(pm, seven, AttackConfig("fgsm", 16)), 100)
    pgd = timed(lambda: attack_one(pm, seven, AttackConfig("pgd", 16, steps=20)), 10)
    row("one prediction (baseline)", base)
    row("FGSM on one digit", fgsm)
    print(f"  FGSM / prediction, p50: {percentile(fgsm, 50) / percentile(base, 50):.1f}x")
    row("PGD-20 on one digit", pgd)
    t0 = time.perf_counter()
    c = robustness_curve(pm, data.test.images, data.test.labels, [0, 8, 16, 32, 64])
    print(f"  robustness curve, 10,000 images x 5 eps (FGSM): {time.perf_counter() - t0:.1f} s")
    print(f"    accuracy at 0, 8, 16, 32, 64 /255: {[round(a, 4) for a in c.accuracy]}")
    t0 = time.perf_counter()
    f = run_to_end(pm, [Objective("class", 7)], VisConfig(steps=256))
    prob = float(probabilities(pm, f.images * 255)[0, 7])
    print(f"  class 7 visualisation, 256 steps: {time.perf_counter() - t0:.1f} s (p = {prob:.3f})")


def gui(data_dir: str) -> None:
    os.environ["DESKTOP_CNN_HOME"] = tempfile.mkdtemp(prefix="bench-inside-")
    app = launch(["--model", str(ROOT / "assets" / "lenet5_mnist.pt"), "--data-dir", data_dir])
    root = app.root
    draw = app.panels["Draw"]
    draw_digit(draw.pad.canvas, "7")
    pump(root, 0.3)
    inside = app.panels["Inside"]
    app.notebook.select(app.tabs["Inside"])
    inside.views.select(inside.attack)
    attack, vis = inside.attack, inside.visualise
    pump(root, 0.3)
    print(f"GUI (drawn digit read as {draw.answer.cget('text')}):")
    lags: dict[str, list[float]] = {}

    def probe(name: str, start: Callable[[], object], busy: Callable[[], bool]) -> None:
        p = LagProbe(root)
        p.start()
        start()
        pump(root, until=lambda: not busy(), timeout=600)
        p.stop()
        lags[name] = p.lags

    p = LagProbe(root)
    p.start()
    pump(root, 3.0)
    p.stop()
    lags["idle, 3 s"] = p.lags
    attack.eps_scale.focus_force()
    moves = []
    for _ in range(40):
        t0 = time.perf_counter()
        attack.eps_scale.event_generate("<Right>")
        root.update()
        moves.append((time.perf_counter() - t0) * 1000)
    row("slider move + FGSM + redraw (Tk thread)", moves)
    t0 = time.perf_counter()
    probe("robustness curve, 10,000 images", attack.curve.run, lambda: attack.curve.worker.running)
    curves = list(attack.curve.figure.curves.values())
    print(
        f"  robustness curve in the app: {time.perf_counter() - t0:.1f} s "
        f"({attack.curve.note.cget('text') or 'done'}; "
        f"{[round(a, 4) for a in curves[-1].accuracy] if curves else 'no curve'})"
    )
    inside.views.select(vis)
    vis.kind.set("class")
    vis.kind_changed()
    vis.index.set(7)
    vis.steps.set(256)
    t0 = time.perf_counter()
    probe("class visualisation, 256 steps", vis.run_one, lambda: vis.worker.running)
    print(
        f"  class visualisation in the app: {time.perf_counter() - t0:.1f} s "
        f"({vis.caption.cget('text')})"
    )
    print("  event-loop lag (how late a 20 ms tick ran):")
    for name, values in lags.items():
        row(f"  {name}", values)
    app.quit_app()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, help="where MNIST is")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    parser.add_argument("--no-gui", action="store_true", help="the core timings only")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    core(args.data_dir)
    if args.no_gui:
        return
    xvfb = None
    if not os.environ.get("DISPLAY"):
        xvfb = start_xvfb()
        if xvfb is None:
            sys.exit("no DISPLAY and no Xvfb: run with --no-gui, or install xvfb")
        os.environ["DISPLAY"] = xvfb[1]
    gui(args.data_dir)
    if xvfb is not None:
        xvfb[0].terminate()


if __name__ == "__main__":
    main()
