"""Time from launch to a visible window and to a ready model, for the bundle or any command.

    python build/measure_startup.py [--runs 3] [-- COMMAND ...]

The default command is dist/desktop-cnn/desktop-cnn. The app is started as
``COMMAND gui --startup-report`` (a hidden flag): it prints the time.time() of each start-up
milestone as JSON and quits; the window's visibility is also seen from outside
with ``xdotool search --onlyvisible``. A command that is not the app (such as a
plain build that only imports torch) is timed to its exit. Needs an X display.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [str(ROOT / "dist" / "desktop-cnn" / "desktop-cnn")]


def window_visible(pid: int) -> bool:
    res = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid), "--name", "desktop-cnn"],
        capture_output=True,
        text=True,
    )
    return bool(res.stdout.strip())


def one_run(cmd: list[str], app: bool) -> dict[str, float]:
    args = cmd + (["gui", "--startup-report"] if app else [])
    t0 = time.time()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    seen = None
    while proc.poll() is None:
        if app and seen is None and window_visible(proc.pid):
            seen = time.time() - t0
        time.sleep(0.02)
    out = proc.stdout.read()
    row = {"exit": time.time() - t0}
    if app:
        marks = json.loads(out.strip().splitlines()[-1])
        row.update({k: v - t0 for k, v in marks.items()})
        row["visible (xdotool)"] = seen if seen is not None else float("nan")
    return row


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--not-app", action="store_true", help="time the command to its exit only")
    p.add_argument("command", nargs="*", default=DEFAULT)
    args = p.parse_args()
    rows = [one_run(args.command, not args.not_app) for _ in range(args.runs)]
    print(f"{' '.join(args.command)}: median of {args.runs} runs, seconds after launch")
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(
            f"  {key:18} {statistics.median(values):6.2f}   "
            f"(runs: {', '.join(f'{v:.2f}' for v in values)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
