"""Open the app on the current display, visit every tab, report what does not fit, screenshot.

Run by tests/test_gui_dpi.py in a child process whose DISPLAY is a private Xvfb
started at a given size and dpi (``python tests/gui_shots.py OUT_DIR TAG [app args]``).
Prints one JSON object: the screen, the window, Tk's scaling and, per tab, the
widgets cut off (outside the window, or given less room than they ask for).
"""

from __future__ import annotations

import json
import sys
import tkinter as tk
from pathlib import Path

from helpers import launch, pump, screenshot

CHECKED = {
    "TLabel",
    "TButton",
    "TCheckbutton",
    "TRadiobutton",
    "TCombobox",
    "TSpinbox",
    "TEntry",
    "Canvas",
    "TLabelframe",
    "TScale",
    "TProgressbar",
}


def rect(w: tk.Misc) -> tuple[int, int, int, int]:
    return w.winfo_rootx(), w.winfo_rooty(), w.winfo_width(), w.winfo_height()


def cut_widgets(top: tk.Misc, under: tk.Misc) -> list[str]:
    """Viewable widgets under ``under`` that lie partly outside ``top`` or are squeezed."""
    tx, ty, tw, th = rect(top)
    found = []
    stack = [under]
    while stack:
        w = stack.pop()
        if isinstance(w, tk.Toplevel) or isinstance(w, tk.Menu):
            continue
        stack.extend(w.winfo_children())
        if w.winfo_class() not in CHECKED or not w.winfo_viewable():
            continue
        x, y, width, height = rect(w)
        if x < tx or y < ty or x + width > tx + tw or y + height > ty + th:
            found.append(f"{w} {w.winfo_class()} outside the window at {x},{y} {width}x{height}")
        elif stretches(w):
            continue
        elif width + 1 < w.winfo_reqwidth() or height + 1 < w.winfo_reqheight():
            found.append(
                f"{w} {w.winfo_class()} squeezed: {width}x{height} < "
                f"{w.winfo_reqwidth()}x{w.winfo_reqheight()}"
            )
    return found


def stretches(w: tk.Misc) -> bool:
    """Containers, and matplotlib canvases (a figure redraws to the room it gets)."""
    return w.winfo_class() == "TLabelframe" or hasattr(w.master, "figure")


def main(out: Path, tag: str, argv: list[str]) -> int:
    app = launch(argv)
    root = app.root
    pump(root, 0.5)
    report = {
        "screen": [root.winfo_screenwidth(), root.winfo_screenheight()],
        "scaling": float(root.tk.call("tk", "scaling")),
        "window": [root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height()],
        "tabs": {},
        "shots": [],
    }
    for name, tab in app.tabs.items():
        app.notebook.select(tab)
        pump(root, 0.6)
        report["tabs"][name] = cut_widgets(root, tab)
        path = out / f"{tag}_{name.lower().replace(' ', '_')}.png"
        screenshot(root, path)
        report["shots"].append(str(path))
    print(json.dumps(report), flush=True)
    app.quit_app()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
