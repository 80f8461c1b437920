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


def cut_widgets(top: tk.Misc, under: tk.Misc, scroller: tk.Misc | None = None) -> list[str]:
    """Viewable widgets under ``under`` that lie partly outside ``top`` or are squeezed.

    Outside is fine where the tab scrolls that way (``scroller``'s bar is shown).
    """
    tx, ty, tw, th = rect(top)
    scrolls_x = scroller is not None and scroller.hbar.winfo_ismapped()
    scrolls_y = scroller is not None and scroller.vbar.winfo_ismapped()
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
        out_x = x < tx or x + width > tx + tw
        out_y = y < ty or y + height > ty + th
        if (out_x and not scrolls_x) or (out_y and not scrolls_y):
            found.append(f"{w} {w.winfo_class()} outside the window at {x},{y} {width}x{height}")
        elif out_x or out_y:  # scrolled out of sight, reachable
            continue
        elif stretches(w):
            continue
        elif width + 1 < w.winfo_reqwidth() or height + 1 < w.winfo_reqheight():
            found.append(
                f"{w} {w.winfo_class()} squeezed: {width}x{height} < "
                f"{w.winfo_reqwidth()}x{w.winfo_reqheight()}"
            )
    return found


def cut_columns(under: tk.Misc) -> list[str]:
    """Columns of the viewable Treeviews under ``under`` narrower than their text (measured
    here in the column's font: the widest cell, the heading), and Treeviews without a
    horizontal scroll bar given less width than their columns take (the last ones cut)."""
    from tkinter import font as tkfont
    from tkinter import ttk

    found = []
    stack = [under]
    while stack:
        w = stack.pop()
        stack.extend(w.winfo_children())
        if not isinstance(w, ttk.Treeview) or not w.winfo_viewable():
            continue
        show = {str(s) for s in w.tk.splitlist(w.cget("show"))}
        shown = [str(c) for c in w.tk.splitlist(w.cget("displaycolumns"))]
        columns = list(w.cget("columns")) if shown in (["#all"], []) else shown
        columns = (["#0"] if "tree" in show else []) + columns
        cell = tkfont.nametofont(ttk.Style(w).lookup("Treeview", "font") or "TkDefaultFont")
        head = tkfont.nametofont(ttk.Style(w).lookup("Heading", "font") or "TkHeadingFont")
        total = 0
        for col in columns:
            width = int(w.column(col, "width"))
            total += width
            texts = []
            for iid in w.get_children():
                text = w.item(iid, "text") if col == "#0" else w.set(iid, col)
                tags = [w.tag_configure(t, "font") for t in w.item(iid, "tags") or ()]
                font = next((tkfont.nametofont(str(f)) for f in tags if f), cell)
                texts.append(font.measure(str(text)) + (20 if col == "#0" else 0) + 6)
            if "headings" in show:
                texts.append(head.measure(str(w.heading(col, "text"))) + 6)
            if max(texts, default=0) > width:
                found.append(f"{w} column {col}: {width} px < {max(texts)} px of text")
        if not w.cget("xscrollcommand") and total > w.winfo_width():
            found.append(f"{w}: {w.winfo_width()} px < {total} px of columns")
    return found


def stretches(w: tk.Misc) -> bool:
    """Containers, and matplotlib canvases (a figure redraws to the room it gets)."""
    return (
        w.winfo_class() == "TLabelframe"
        or hasattr(w.master, "figure")
        or getattr(w, "keeps_size", False)  # a tab's scroller: smaller than its panel, scrolls
    )


def visit_tabs(app, out: Path, tag: str) -> dict:
    """Every tab in turn: what is cut, a screenshot, and the sizes that must follow the zoom."""
    from tkinter import font as tkfont
    from tkinter import ttk

    root = app.root
    report = {"tabs": {}, "shots": []}
    for name, tab in app.tabs.items():
        app.notebook.select(tab)
        pump(root, 0.6)
        report["tabs"][name] = cut_widgets(root, tab, app.scrollers.get(name))
        report["tabs"][name] += cut_columns(tab)
        path = out / f"{tag}_{name.lower().replace(' ', '_')}.png"
        screenshot(root, path)
        report["shots"].append(str(path))
    grids = app.panels["Playground"].canvas.grids
    report["rowheight"] = int(ttk.Style(root).lookup("Treeview", "rowheight"))
    report["linespace"] = tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace")
    report["pad"] = app.panels["Draw"].pad.canvas.winfo_width()
    report["cell"] = grids["in"].cell if "in" in grids else 0
    return report


def presentation(app, out: Path, tag: str, tabs: list[str]) -> dict:
    """F11 on each of ``tabs`` in turn: its zoom, text size, what is cut in each of its own
    views (nothing may scroll), a screenshot of each; then F11 again and what came back."""
    from tkinter import font as tkfont

    from desktop_cnn.gui.common import scaling

    root = app.root
    report: dict = {"tabs": {}}
    before = laid_out(app)
    for name in tabs:
        app.notebook.select(app.tabs[name])
        pump(root, 0.3)
        if app.presenting is None:
            app.present()  # F11's command
        pump(root, 0.6)
        scroller, panel, tab = app.scrollers[name], app.panels[name], app.tabs[name]
        report["tabs"][name] = {
            "zoom": scaling.current().zoom,
            "fits": app.current_tab_fits(),  # the panel gets all it asks for: nothing squeezed
            "asks": [panel.winfo_reqwidth(), panel.winfo_reqheight()],
            "room": [tab.winfo_width(), tab.winfo_height()],
            "linespace": tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace"),
            "cut": cut_widgets(root, app.tabs[name]),
            "scrolls": scroller.hbar.winfo_ismapped() or scroller.vbar.winfo_ismapped(),
            "window": list(rect(root)),
            "shot": str(screenshot(root, out / f"{tag}_{slug(name)}.png")),
        }
        for views in notebooks(panel):  # the tab's own views (Inside's "How to fool it")
            first = views.select()
            for view in views.tabs()[1:]:
                views.select(view)
                pump(root, 0.3)
                title = f"{name}/{views.tab(view, 'text')}"
                report["tabs"][name]["cut"] += [f"{title}: {c}" for c in cut_widgets(root, tab)]
                screenshot(root, out / f"{tag}_{slug(title)}.png")
            views.select(first)
    app.present()
    pump(root, 0.5)
    report["after"] = {
        "zoom": scaling.current().zoom,
        "status": app.status.winfo_ismapped(),
        "log_lines": int(app.panels["Train"].log.text.cget("height")),
        "not_as_before": changed(before, laid_out(app)),
    }
    return report


def laid_out(app) -> dict:
    """What presenting changes: which widgets are packed or gridded, the heights figures ask
    for, the columns tables show (before F11 and after F11 again, at the same zoom)."""
    from desktop_cnn.gui.common.scaling import walk

    widgets = [w for panel in app.panels.values() for w in walk(panel)]
    return {
        "widgets": {str(w) for w in widgets},
        "managed": {str(w) for w in widgets if w.winfo_manager()},
        "figures": {str(w): w.winfo_reqheight() for w in widgets if hasattr(w.master, "figure")},
        "columns": {
            str(w): str(w.cget("displaycolumns")) for w in widgets if w.winfo_class() == "Treeview"
        },
    }


def changed(before: dict, after: dict) -> list[str]:
    """What ``laid_out`` says differs, for the widgets there both times (visiting a tab may
    build widgets it builds on first sight)."""
    found = [f"{w} not packed or gridded again" for w in before["managed"]
             if w in after["widgets"] and w not in after["managed"]]  # fmt: skip
    for key in ("figures", "columns"):
        found += [f"{w} {key}: {v} then {after[key][w]}" for w, v in before[key].items()
                  if w in after[key] and after[key][w] != v]  # fmt: skip
    return found


def slug(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title.lower())


def notebooks(panel: tk.Misc) -> list:
    from tkinter import ttk

    found, stack = [], [panel]
    while stack:
        w = stack.pop()
        stack.extend(w.winfo_children())
        if isinstance(w, ttk.Notebook):
            found.append(w)
    return found


def main(out: Path, tag: str, argv: list[str]) -> int:
    zooms: list[float] = []
    present: list[str] = []
    if argv[:1] == ["--zooms"]:  # applied live, one after the other, after the first visit
        zooms, argv = [float(z) for z in argv[1].split(",")], argv[2:]
    if argv[:1] == ["--present"]:  # presentation mode on these tabs, instead of the visit
        present, argv = argv[1].split(","), argv[2:]
    app = launch(argv)
    root = app.root
    pump(root, 0.5)
    if present:
        report = {"screen": [root.winfo_screenwidth(), root.winfo_screenheight()]}
        print(json.dumps({**report, **presentation(app, out, tag, present)}), flush=True)
        app.quit_app()
        return 0
    report = {
        "screen": [root.winfo_screenwidth(), root.winfo_screenheight()],
        "scaling": float(root.tk.call("tk", "scaling")),
        "window": [root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height()],
        **visit_tabs(app, out, tag),
        "zooms": {},
    }
    for zoom in zooms:
        app.zoom.set(zoom)
        pump(root, 0.5)
        report["zooms"][str(zoom)] = visit_tabs(app, out, f"{tag}_zoom{round(zoom * 100)}")
    print(json.dumps(report), flush=True)
    app.quit_app()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:]))
