"""Build tab: how long one key press in the layer form takes, for a 20-layer spec.

Starts the real app (on ``$DISPLAY``, or on an Xvfb of its own when there is none),
selects conv2 of a 20-layer net in the Build tab and types into its kernel field:
BackSpace, 5, BackSpace, 3, ... Each key press is one edit: the draft is judged again and
the arithmetic table redraws the cells that changed. The baseline, in the same run, is
a key press that edits nothing (Shift), so the ratio shows what the edit itself costs.

    python bench/build_latency.py [--edits 100]

Prints wall and CPU times per key press (p50, p95), the X server's CPU time per key
press, and edit/baseline. The goal (issue 16) is a p95 under 50 ms per edit. The app is
driven by the GUI tests' harness (tests/helpers.py), the net is the one they check.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import launch, percentile, start_xvfb, twenty_layers  # noqa: E402


def x_server_cpu_s(display: str) -> float:
    """CPU seconds the X server has used (it draws what Tk asks for), 0 if unknown."""
    number = display.split(":")[1].split(".")[0]
    try:
        pid = int(Path(f"/tmp/.X{number}-lock").read_text().strip())
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return 0.0
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def press_keys(app, widget, keys: list[str]) -> tuple[list[float], list[float], float]:
    """Wall and CPU ms per key press, and the X server's CPU ms per key press."""
    display = app.root.winfo_screen()
    wall, cpu = [], []
    x0 = x_server_cpu_s(display)
    for key in keys:
        t0, c0 = time.perf_counter(), time.process_time()
        widget.event_generate("<KeyPress>", keysym=key)
        app.root.update()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return wall, cpu, (x_server_cpu_s(display) - x0) * 1000 / len(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=100, help="key presses per measurement")
    args = parser.parse_args()
    xvfb = None
    if not os.environ.get("DISPLAY"):
        xvfb = start_xvfb()
        if xvfb is None:
            sys.exit("no DISPLAY and no Xvfb: run this on a desktop or install xvfb")
        os.environ["DISPLAY"] = xvfb[1]
    # A home of our own, so the bench neither reads nor changes the user's settings.
    os.environ["DESKTOP_CNN_HOME"] = tempfile.mkdtemp(prefix="bench-build-")
    from desktop_cnn.gui.build.draft import Draft

    app = launch([])
    app.notebook.select(app.tabs["Build"])
    build = app.panels["Build"]
    build.set_draft(Draft.from_spec(twenty_layers()))
    build.layers.select(2)  # conv2
    app.root.update()
    spin = build.editor.entries["kernel"]
    spin.focus_force()
    spin.update()
    spin.icursor("end")
    edits = ["BackSpace" if i % 2 == 0 else ("5" if i % 4 == 1 else "3") for i in range(args.edits)]
    rows = []
    for name, keys in (("no edit (Shift)", ["Shift_L"] * args.edits), ("edit", edits)):
        wall, cpu, x_ms = press_keys(app, spin, keys)
        rows.append((name, wall, cpu, x_ms))
    assert build.table.cells[3][2] == "9x28x28", "the table did not follow the edits"
    print(f"Build tab, 20 layers, {args.edits} key presses each, {os.cpu_count()} CPUs")
    print(f"{'':18}{'wall p50':>10}{'wall p95':>10}{'cpu p50':>10}{'cpu p95':>10}{'X cpu':>8}")
    for name, wall, cpu, x_ms in rows:
        print(
            f"{name:18}{percentile(wall, 50):10.2f}{percentile(wall, 95):10.2f}"
            f"{percentile(cpu, 50):10.2f}{percentile(cpu, 95):10.2f}{x_ms:8.2f}  ms"
        )
    base, edit = rows[0][1], rows[1][1]
    print(f"edit/no edit, wall p50: {percentile(edit, 50) / max(percentile(base, 50), 1e-3):.1f}x")
    print(f"goal: wall p95 < 50 ms per edit: {'met' if percentile(edit, 95) < 50 else 'NOT met'}")
    app.quit_app()
    if xvfb is not None:
        xvfb[0].terminate()


if __name__ == "__main__":
    main()
