"""Treeview columns as wide as their longest text, measured in their fonts at this dpi and zoom.

A Treeview never wraps or abbreviates a cell: text wider than its column is
cut. Widths given in design pixels are only a guess at the text (a font at 192
dpi or 175% zoom is not exactly twice its 96 dpi width), so panels call
``fit`` after filling a tree, and every zoom (scaling.relayout) fits again.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

from .scaling import px

CELL_MARGIN = 12  # design px around a cell's text: the cell's padding and a little air
TREE_ROOM = 20  # design px before the text in column #0: the item's indicator


def _font(tree: ttk.Treeview, name: str) -> tkfont.Font:
    try:
        return tkfont.nametofont(name, root=tree)
    except tk.TclError:  # a font description, not a name
        return tkfont.Font(root=tree, font=name)


def _style_font(tree: ttk.Treeview, style: str, fallback: str) -> tkfont.Font:
    return _font(tree, str(ttk.Style(tree).lookup(style, "font") or fallback))


def shown(tree: ttk.Treeview) -> set[str]:
    """What the tree shows: "tree" (column #0) and "headings"."""
    return {str(word) for word in tree.tk.splitlist(tree.cget("show"))}


def _depth(tree: ttk.Treeview, iid: str) -> int:
    depth = 0
    while iid := tree.parent(iid):
        depth += 1
    return depth


def need(tree: ttk.Treeview, column: str) -> int:
    """Pixels ``column`` needs to show its heading and every cell's text whole."""
    base = str(tree.cget("style") or "Treeview")
    if column == "#0" and "tree" not in shown(tree):
        return 0
    cell = _style_font(tree, base, "TkDefaultFont")
    fonts: dict[str, tkfont.Font] = {}
    widest = 0
    stack = list(tree.get_children(""))
    while stack:
        iid = stack.pop()
        stack.extend(tree.get_children(iid))
        text = str(tree.item(iid, "text") if column == "#0" else tree.set(iid, column))
        if not text:
            continue
        font = cell
        for tag in tree.item(iid, "tags") or ():
            name = tree.tag_configure(tag, "font")
            if name:
                font = fonts.setdefault(str(name), _font(tree, str(name)))
        extra = 0
        if column == "#0":
            indent = ttk.Style(tree).lookup(base, "indent") or 20
            extra = max(20, px(TREE_ROOM)) + _depth(tree, iid) * int(float(str(indent)))
        widest = max(widest, font.measure(text) + extra)
    if "headings" in shown(tree):
        title = str(tree.heading(column, "text"))
        heading = _style_font(tree, f"{base}.Heading", "TkHeadingFont")
        widest = max(widest, heading.measure(title) if title else 0)
    return widest + px(CELL_MARGIN) if widest else 0


def fit(tree: ttk.Treeview, least: dict[str, int] | None = None) -> None:
    """Every column as wide as its longest text, and at least ``least[column]`` design px
    (without ``least``: at least as wide as it is, so a column only ever grows)."""
    for column in ("#0", *tree.cget("columns")):
        now, text = int(tree.column(column, "width")), need(tree, column)
        floor = now if least is None else px(least.get(column, 0))
        width = max(text, floor)
        if width and now != width:
            tree.column(column, width=width)
        keep(tree, column, text)


def keep(tree: ttk.Treeview, column: str, text: int) -> None:
    """A stretching column shrinks when its tree gets less room than the columns take (a
    tab shown after a zoom): never below its text."""
    least = max(text, px(20))  # ttk's own minimum is 20 px
    if int(tree.column(column, "minwidth")) != least:
        tree.column(column, minwidth=least)
