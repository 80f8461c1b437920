"""Small reusable widgets: status bar, probability bars, log, array image view."""

from __future__ import annotations

import functools
import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from . import columns
from .scaling import on_relayout, on_treeview, px
from .tabbar import TAB, hide_tabs

BAR_COLOR = "#8fb3de"
TOP_COLOR = "#2f6db5"  # = ACCENT  # the predicted class stands out from the rest
MAX_BARS = 15  # more classes than this: show the most probable ones only


ACCENT = "#2f6db5"  # the one accent colour: selection, focus, progress, the top bar
ACCENT_LIGHT = "#8fb3de"


def set_theme(root: tk.Tk) -> None:
    """Native themes on Windows and macOS; on X11 a tuned 'clam' instead of 1990s 'default'.

    clam ships with Tk (no dependency), draws flat and legible at any dpi, and
    takes colours well: one accent for selection, focus and progress, and
    spacing and row heights from the font, so they grow with the screen's dpi.
    """
    style = ttk.Style(root)
    if style.theme_use() == "default" and "clam" in style.theme_names():
        style.theme_use("clam")
        tune_clam(style)
    hide_tabs(style)
    pixel_styles(root)
    on_relayout(pixel_styles)  # a zoom sets them again at the new factor
    on_treeview(columns.fit)  # and widens every Treeview column to its text in the new font


def pixel_styles(root: tk.Misc) -> None:
    """The theme's sizes in pixels, at the current factor (set again on every zoom)."""
    style = ttk.Style(root)
    # Treeview rows are a fixed pixel height: at 192 dpi the text would overlap
    line = tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace")
    style.configure("Treeview", rowheight=line + px(6))
    style.configure(TAB, padding=(px(8), px(3)))  # the tab bar's titles
    if style.theme_use() != "clam":
        return
    style.configure("TButton", padding=px(5))  # clam's own 5 px, grown with the dpi
    style.configure("TNotebook.Tab", padding=(px(12), px(4)))
    # clam draws indicators and arrows at fixed pixel sizes (10 and 14): grown with the dpi
    for name in ("TCheckbutton", "TRadiobutton"):
        style.configure(name, indicatorsize=px(10), indicatormargin=(px(1), px(1), px(4), px(1)))
    for name in ("TCombobox", "TSpinbox", "TScrollbar", "TMenubutton"):
        style.configure(name, arrowsize=px(14))


def tune_clam(style: ttk.Style) -> None:
    style.configure(".", focuscolor=ACCENT, selectbackground=ACCENT, selectforeground="white")
    style.configure(
        "TProgressbar",
        background=ACCENT,
        troughcolor="#e4e4e4",
        bordercolor="#b8b8b8",
        lightcolor=ACCENT,
        darkcolor=ACCENT,
    )
    style.map(
        "TNotebook.Tab", background=[("selected", "#f4f4f4")], foreground=[("selected", ACCENT)]
    )
    style.map(TAB, background=[("selected", "#f4f4f4")], foreground=[("selected", ACCENT)])
    style.configure("TLabelframe.Label", foreground="#333")
    style.map("Treeview", background=[("selected", ACCENT)], foreground=[("selected", "white")])
    for name in ("TCheckbutton", "TRadiobutton"):
        style.map(
            name,
            indicatorforeground=[("selected", ACCENT)],
            indicatorbackground=[("pressed", ACCENT_LIGHT)],
        )


class Placeholder(ttk.Frame):
    """A message and a busy bar, where a panel will appear."""

    def __init__(self, master: tk.Misc, text: str) -> None:
        super().__init__(master, padding=40)
        ttk.Label(self, text=text).pack()
        self.bar = ttk.Progressbar(self, mode="indeterminate", length=200)
        self.bar.pack(pady=8)
        self.bar.start(20)


class StatusBar(ttk.Frame):
    """Named fields separated by lines, like idlelib's MultiStatusBar.

    A text wider than its field is never cut silently: it ends in an ellipsis
    and the whole text shows while the pointer rests on the field.
    """

    def __init__(self, master: tk.Misc, fields: list[tuple[str, int]]) -> None:
        super().__init__(master, padding=(px(6), px(2)))
        self.labels: dict[str, ttk.Label] = {}
        self.texts: dict[str, str] = {}
        self.tip = HoverTip(self)
        for i, (name, width) in enumerate(fields):
            if i:
                ttk.Separator(self, orient="vertical").pack(side="left", fill="y", padx=px(6))
            last = i == len(fields) - 1
            # width None: as wide as the text (tkinter drops None options; its stubs do not say)
            label = ttk.Label(self, width=width or None, anchor="w")  # type: ignore[arg-type]
            label.pack(side="left", fill="x", expand=last)
            label.bind("<Configure>", functools.partial(self._fit, name))
            label.bind("<Enter>", functools.partial(self._hover, name))
            label.bind("<Leave>", lambda e: self.tip.hide())
            self.labels[name] = label
            self.texts[name] = ""

    def set(self, name: str, text: str) -> None:
        self.texts[name] = text
        self._fit(name)

    def get(self, name: str) -> str:
        """The whole text, even when the field shows it shortened."""
        return self.texts[name]

    def shown(self, name: str) -> str:
        return str(self.labels[name].cget("text"))

    def _fit(self, name: str, event: tk.Event | None = None) -> None:
        label = self.labels[name]
        width = label.winfo_width()
        if width <= 1:  # not laid out yet: the ttk width (in characters) applies
            width = label.winfo_reqwidth()
        label.configure(
            text=elide(self.texts[name], tkfont.nametofont("TkDefaultFont", root=self), width)
        )

    def _hover(self, name: str, event: tk.Event | None = None) -> None:
        if self.shown(name) != self.texts[name]:
            self.tip.show(self.labels[name], self.texts[name])


def elide(text: str, font: tkfont.Font, width: int) -> str:
    """``text`` cut to ``width`` px with a trailing ellipsis, or whole when it fits."""
    text = " ".join(text.split())  # one line: a status bar has no room for two
    if font.measure(text) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if font.measure(text[:mid] + "\u2026") <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "\u2026"


class HoverTip:
    """A borderless window showing a whole text next to a widget, as a tooltip."""

    def __init__(self, master: tk.Misc) -> None:
        self.master = master
        self.window: tk.Toplevel | None = None

    def show(self, widget: tk.Misc, text: str) -> None:
        self.hide()
        self.window = tk.Toplevel(self.master)
        self.window.wm_overrideredirect(True)
        ttk.Label(
            self.window,
            text=text,
            wraplength=widget.winfo_screenwidth() // 2,
            justify="left",
            padding=px(4),
            background="#ffffe6",
            relief="solid",
            borderwidth=1,
        ).pack()
        self.window.update_idletasks()
        x = min(widget.winfo_rootx(), widget.winfo_screenwidth() - self.window.winfo_reqwidth())
        y = widget.winfo_rooty() - self.window.winfo_reqheight() - px(4)
        self.window.wm_geometry(f"+{max(0, x)}+{max(0, y)}")

    def hide(self) -> None:
        if self.window is not None:
            self.window.destroy()
            self.window = None


class ProbabilityBars(tk.Canvas):
    """One horizontal bar per class; ``set_probs(None)`` shows empty bars."""

    def __init__(self, master: tk.Misc, width: int = 300, height: int = 250) -> None:
        super().__init__(
            master,
            width=width,
            height=height,
            highlightthickness=0,
            background=ttk.Style().lookup("TFrame", "background") or "#d9d9d9",
        )
        self.classes: list[str] = []
        self.probs: np.ndarray | None = None
        self.bind("<Configure>", lambda e: self._draw())

    def set_classes(self, classes: list[str]) -> None:
        self.classes = list(classes)
        self.probs = None
        self._draw()

    def set_probs(self, probs: np.ndarray | None) -> None:
        self.probs = probs
        self._draw()

    def _rows(self) -> list[int]:
        n = len(self.classes)
        if self.probs is None or n <= MAX_BARS:
            return list(range(min(n, MAX_BARS)))
        return sorted(np.argsort(-self.probs)[:MAX_BARS].tolist())

    def _draw(self) -> None:
        # Redrawing ~40 items is cheaper than tracking them, and keeps resizing trivial.
        self.delete("all")
        rows = self._rows()
        if not rows:
            return
        w, h = self.winfo_width(), self.winfo_height()
        w = w if w > 1 else int(self.cget("width"))
        h = h if h > 1 else int(self.cget("height"))
        row_h = min(px(34), h // len(rows))
        label_w, pct_w = px(86), px(54)
        bar_w = max(10, w - label_w - pct_w - 8)
        top = int(self.probs.argmax()) if self.probs is not None else -1
        for r, k in enumerate(rows):
            y = r * row_h + 2
            p = float(self.probs[k]) if self.probs is not None else 0.0
            self.create_text(label_w - 6, y + row_h / 2, text=self.classes[k][:12], anchor="e")
            self.create_rectangle(
                label_w, y + 3, label_w + bar_w, y + row_h - 3, outline="#b0b0b0", fill="white"
            )
            if p > 0:
                self.create_rectangle(
                    label_w,
                    y + 3,
                    label_w + max(1, p * bar_w),
                    y + row_h - 3,
                    outline="",
                    fill=TOP_COLOR if k == top else BAR_COLOR,
                )
            pct = f"{p:.1%}" if self.probs is not None else ""
            self.create_text(label_w + bar_w + 6, y + row_h / 2, text=pct, anchor="w")


class LogView(ttk.Frame):
    """A read-only, scrolling text log that keeps its last ``limit`` lines."""

    def __init__(self, master: tk.Misc, height: int = 8, limit: int = 2000) -> None:
        super().__init__(master)
        self.limit = limit
        self.text = tk.Text(
            self,
            height=height,
            width=40,
            wrap="word",
            state="disabled",
            relief="sunken",
            borderwidth=1,
            font="TkFixedFont",
        )
        scroll = ttk.Scrollbar(self, orient="vertical", command=self.text.yview)
        self.text.configure(yscrollcommand=scroll.set)
        self.text.pack(side="left", fill="both", expand=True)
        scroll.pack(side="right", fill="y")

    def append(self, line: str) -> None:
        self.text.configure(state="normal")
        self.text.insert("end", line + "\n")
        lines = int(self.text.index("end-1c").split(".")[0])
        if lines > self.limit:
            self.text.delete("1.0", f"{lines - self.limit}.0")
        self.text.configure(state="disabled")
        self.text.see("end")

    def clear(self) -> None:
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        self.text.configure(state="disabled")

    @property
    def lines(self) -> list[str]:
        return self.text.get("1.0", "end-1c").splitlines()


class ArrayView(tk.Canvas):
    """Shows an (H, W, 3) uint8 array enlarged to the canvas with crisp (nearest) pixels."""

    def __init__(self, master: tk.Misc, size: int, **kw) -> None:
        super().__init__(
            master,
            width=size,
            height=size,
            highlightthickness=1,
            highlightbackground="#a0a0a0",
            background="#f0f0f0",
            **kw,
        )
        self.side = size
        self.photo = ImageTk.PhotoImage(
            Image.new("RGB", (size, size), (240, 240, 240)), master=self
        )
        self.item = self.create_image(1, 1, anchor="nw", image=self.photo)
        self.array: np.ndarray | None = None

    def rescale(self, ratio: float) -> None:
        """The zoom changed (scaling.relayout): the same picture, ``ratio`` times as large."""
        self.side = max(8, round(self.side * ratio))
        self.configure(width=self.side, height=self.side)
        self.photo = ImageTk.PhotoImage(Image.new("RGB", (self.side, self.side)), master=self)
        self.itemconfigure(self.item, image=self.photo)
        self.show(self.array)

    keeps_size = True  # rescale() sizes it

    def show(self, rgb: np.ndarray | None) -> None:
        self.array = rgb
        if rgb is None:
            img = Image.new("RGB", (self.side, self.side), (240, 240, 240))
        else:
            img = Image.fromarray(rgb).resize((self.side, self.side), Image.Resampling.NEAREST)
        self.photo.paste(img)


class ChoiceDialog(tk.Toplevel):
    """A modal question with named buttons (Save / Discard / Cancel); ``ask`` gives the choice.

    Tk's message boxes only say Yes / No; a question whose answer loses work deserves
    buttons that say what they do. Escape and the close button mean the last choice.
    """

    def __init__(self, parent: tk.Misc, title: str, message: str, choices: list[str]) -> None:
        super().__init__(parent, name="choice")
        self.title(title)
        self.transient(parent.winfo_toplevel())
        self.resizable(False, False)
        self.choice = choices[-1]
        body = ttk.Frame(self, padding=px(14))
        body.pack(fill="both", expand=True)
        ttk.Label(body, text=message, wraplength=px(460), justify="left").pack(anchor="w")
        buttons = ttk.Frame(body)
        buttons.pack(anchor="e", pady=(px(14), 0))
        for k, label in enumerate(choices):
            b = ttk.Button(buttons, text=label, command=functools.partial(self.pick, label))
            b.pack(side="left", padx=(px(6) if k else 0, 0))
            if k == 0:
                b.focus_set()
        self.protocol("WM_DELETE_WINDOW", lambda: self.pick(choices[-1]))
        self.bind("<Escape>", lambda e: self.pick(choices[-1]))
        self.bind("<Return>", lambda e: self.pick(choices[0]))

    def pick(self, choice: str) -> None:
        self.choice = choice
        self.destroy()

    def ask(self) -> str:
        self.wait_visibility()
        self.grab_set()
        self.wait_window()
        return self.choice


class TabScroller(tk.Canvas):
    """Holds a tab's panel: the panel fills the tab, and scrolls when it asks for more room
    than the tab has (a high zoom on a small screen), so no widget is ever cut off.

    The panel stays a child of the tab (scripts find it by its path); a canvas window
    item may show any descendant of the canvas's parent.
    """

    keeps_size = True  # scaling.relayout: its size follows the panel's, not the factor
    # The tab's size in the design window (1100x740 at 96 dpi): every panel was laid out
    # to fit it, shrinking what stretches. A panel gets at least this times the factor
    # (or what it asks, if less), so it looks as designed at any zoom, and scrolls.
    DESIGN = (1074, 662)

    def __init__(self, tab: ttk.Frame, panel: tk.Widget) -> None:
        bg = ttk.Style(tab).lookup("TFrame", "background") or "#dcdad5"
        super().__init__(tab, highlightthickness=0, borderwidth=0, background=bg, name="scroller")
        self.panel = panel
        self.vbar = ttk.Scrollbar(tab, orient="vertical", command=self.yview, name="vbar")
        self.hbar = ttk.Scrollbar(tab, orient="horizontal", command=self.xview, name="hbar")
        self.configure(xscrollcommand=self.hbar.set, yscrollcommand=self.vbar.set)
        self.grid(row=0, column=0, sticky="nsew", in_=tab)
        tab.rowconfigure(0, weight=1)
        tab.columnconfigure(0, weight=1)
        self.item = self.create_window(0, 0, anchor="nw", window=panel)
        panel.lift(self)
        self.bind("<Configure>", lambda e: self.fit())
        self.fit()

    def rescale(self, ratio: float) -> None:
        self.after_idle(self.fit)

    def fit(self) -> None:
        """The panel at least as large as it asks, and as the tab; scroll bars where needed."""
        try:
            ask_w, ask_h = self.panel.winfo_reqwidth(), self.panel.winfo_reqheight()
            cw, ch = self.winfo_width(), self.winfo_height()
        except tk.TclError:
            return
        rw, rh = min(ask_w, px(self.DESIGN[0])), min(ask_h, px(self.DESIGN[1]))
        if cw <= 1:  # not laid out yet: ask for the panel's size (the window fits to it)
            cw, ch = rw, rh
        self.configure(width=ask_w, height=ask_h)  # what the window grows to, if it can
        w, h = max(cw, rw), max(ch, rh)
        self.itemconfigure(self.item, width=w, height=h)
        self.configure(scrollregion=(0, 0, w, h))
        for bar, needed, place in (
            (self.vbar, rh > ch, (0, 1, "ns")),
            (self.hbar, rw > cw, (1, 0, "ew")),
        ):
            if needed:
                bar.grid(row=place[0], column=place[1], sticky=place[2])
            else:
                bar.grid_remove()
