"""The chapter guide, docked beside the tabs: a "Start here" page, then one step at a time,
each with a button that opens what the step explains.

The text sits in a read-only Text widget, which wraps to the pane's width by
itself at every dpi and zoom; the headings are labels whose wrap length follows
the pane's width (the pane's width comes from the sash, never from the labels).
So do the buttons: the step's action button wraps its text, Back and Next go
on two rows when one is too narrow for both, and the list of steps shows fewer
rows when the pane is too short for all it holds; when even that is not enough
(300% on a 1280x1024 screen) the whole pane scrolls, so nothing is ever cut.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from ...core.chapter.guide import SETTING, STEPS, clamp_step
from ..common.panel import PAD
from ..common.scaling import px, walk
from ..state import AppState
from .actions import NOT_READY, perform

BUTTON_STYLE = "Guide.TButton"  # the action button: its text wraps to the pane's width
LIST_ROWS = (2, 5)  # the list of steps shows this many rows, fewest to most

START = -1  # the "Start here" page, before step 1
START_TITLE = "Start here"
START_TEXT = (
    "This pane walks you through the chapter on convolutional networks, one section at a "
    "time. Each step explains an idea in a few sentences; its button opens the tab that shows "
    "it, already set up (a Playground figure, a Build preset, a training recipe).\n\n"
    "Try the Draw tab first: draw a digit and watch the network's answer. Then press Next. "
    "Close this pane with F1 or Help > Chapter guide; the same key brings it back."
)


class _Viewport(tk.Canvas):
    """The pane's scrolled area: its size follows the content, not the zoom factor."""

    keeps_size = True  # scaling.relayout leaves its width and height alone


class GuidePane(ttk.Frame):
    """One per app; remembers the step in the settings. ``on_close``: the pane's x button."""

    def __init__(
        self, master: tk.Misc, app_state: AppState, on_close: Callable[[], object]
    ) -> None:
        super().__init__(master, name="guide", padding=PAD)
        self.app_state = app_state
        self.on_close = on_close
        saved = app_state.settings.values.get(SETTING)
        self.step = START if saved is None else clamp_step(saved)
        self.create_viewport()
        self.create_widgets(self.inner)
        self.bind_wheel()
        self.show(self.step)
        self.viewport.bind("<Configure>", self._resized)
        self.inner.bind("<Configure>", lambda e: self._fit())  # and after each show()

    def create_viewport(self) -> None:
        """A canvas showing ``inner``: as tall as the pane, or taller and scrolled."""
        bg = self._background()
        self.viewport = _Viewport(self, highlightthickness=0, borderwidth=0, background=bg)
        self.vbar = ttk.Scrollbar(self, orient="vertical", command=self.viewport.yview)
        self.viewport.configure(yscrollcommand=self.vbar.set)
        self.viewport.pack(side="left", fill="both", expand=True)
        self.inner = ttk.Frame(self.viewport)
        self.item = self.viewport.create_window(0, 0, anchor="nw", window=self.inner)

    def bind_wheel(self) -> None:
        """The wheel over the pane scrolls it (the step's text and the list scroll themselves)."""
        for w in walk(self.viewport):
            if not isinstance(w, tk.Text | tk.Listbox):
                w.bind("<Button-4>", lambda e: self._scroll(-1), add="+")
                w.bind("<Button-5>", lambda e: self._scroll(1), add="+")
                w.bind("<MouseWheel>", lambda e: self._scroll(-e.delta // 120), add="+")

    def _scroll(self, units: int) -> None:
        if self.vbar.winfo_ismapped():
            self.viewport.yview_scroll(units, "units")

    def _fit(self) -> None:
        """The content as wide as the pane and at least as tall; a scroll bar when taller."""
        width, height = self.viewport.winfo_width(), self.viewport.winfo_height()
        need_w, need_h = self.inner.winfo_reqwidth(), self.inner.winfo_reqheight()
        self.viewport.configure(width=need_w, height=need_h)  # what the pane asks for
        if width <= 1:  # not on screen yet
            return
        self.viewport.itemconfigure(self.item, width=width, height=max(height, need_h))
        self.viewport.configure(scrollregion=(0, 0, width, max(height, need_h)))
        if need_h > height and not self.vbar.winfo_ismapped():
            self.vbar.pack(side="right", fill="y", before=self.viewport)
        elif need_h <= height and self.vbar.winfo_ismapped():
            self.vbar.pack_forget()
            self.viewport.yview_moveto(0)

    def create_widgets(self, pane: ttk.Frame) -> None:
        top = ttk.Frame(pane)
        top.pack(fill="x")
        self.close_button = ttk.Button(top, text="x", width=2, command=self.on_close)
        self.close_button.pack(side="right")
        self.title_label = ttk.Label(top, text="Chapter guide", font="TkHeadingFont")
        self.title_label.pack(side="left")
        self.where = ttk.Label(pane, foreground="#666")
        self.where.pack(anchor="w")
        self.steps_list = tk.Listbox(
            pane, height=LIST_ROWS[1], width=24, activestyle="none", exportselection=False
        )
        for k, step in enumerate(STEPS, 1):
            self.steps_list.insert("end", f"{k:>2}. {step.title}")
        self.steps_list.pack(fill="x", pady=(PAD, PAD))
        self.steps_list.bind("<<ListboxSelect>>", self._picked)
        self.heading = ttk.Label(pane, font="TkHeadingFont", justify="left")
        self.heading.pack(anchor="w", fill="x")
        self.section = ttk.Label(pane, foreground="#666")
        self.section.pack(anchor="w", pady=(0, PAD))
        self.bar = bar = ttk.Frame(pane)
        bar.pack(side="bottom", fill="x", pady=(PAD, 0))
        self.back_button = ttk.Button(
            bar, text="< Back", width=-6, command=lambda: self.show(self.step - 1)
        )
        self.next_button = ttk.Button(
            bar, text="Next >", width=-6, command=lambda: self.show(self.step + 1)
        )
        self._place_buttons(one_row=True)
        self.message = ttk.Label(pane, foreground="#666", justify="left")
        self.message.pack(side="bottom", anchor="w", fill="x")
        self.action_button = ttk.Button(pane, command=self.act, style=BUTTON_STYLE)
        self.action_button.pack(side="bottom", anchor="w", pady=(PAD, 0))
        body = ttk.Frame(pane)
        body.pack(fill="both", expand=True)
        self.text = tk.Text(
            body, wrap="word", width=24, height=6, relief="flat", borderwidth=0,
            font="TkTextFont", background=self._background(), cursor="arrow",
            highlightthickness=0,
        )  # fmt: skip
        scroll = ttk.Scrollbar(body, orient="vertical", command=self.text.yview)
        self.text.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")  # a long step at a high zoom scrolls
        self.text.pack(side="left", fill="both", expand=True)

    def _background(self) -> str:
        return str(ttk.Style(self).lookup("TFrame", "background") or "#f0f0f0")

    def rescale(self, ratio: float) -> None:
        """A zoom (scaling.relayout) scaled the wrap lengths by the factor: the pane's width
        may not have changed, so wrap to it again once the re-layout is done."""
        self.after_idle(self._rewrap)

    def _resized(self, event: tk.Event) -> None:
        self._rewrap(event.width, event.height)

    def _rewrap(self, width: int = 0, height: int = 0) -> None:
        """Everything to the pane's new size (or its size now): wrap lengths, button rows,
        list rows."""
        width = width or self.viewport.winfo_width()
        height = height or self.viewport.winfo_height()
        room = max(px(80), width - px(PAD))
        for label in (self.where, self.heading, self.section, self.message):
            label.configure(wraplength=room)
        self.title_label.configure(
            wraplength=max(px(40), room - self.close_button.winfo_reqwidth())
        )
        # A button's padding, border and focus ring take about 20 design px of its width
        ttk.Style(self).configure(BUTTON_STYLE, wraplength=max(px(40), room - px(20)))
        both = self.back_button.winfo_reqwidth() + self.next_button.winfo_reqwidth() + px(PAD)
        self._place_buttons(one_row=both <= width)
        self._fit_list(height)
        self.after_idle(self._fit)  # once Tk has measured the new wrapping

    def _place_buttons(self, one_row: bool) -> None:
        """Back and Next side by side, or Next under Back when the pane is too narrow."""
        row, column = (0, 1) if one_row else (1, 0)
        self.back_button.grid(row=0, column=0, sticky="w")
        self.next_button.grid(
            row=row, column=column, sticky="w", padx=(PAD, 0) if one_row else 0,
            pady=0 if one_row else (PAD, 0),
        )  # fmt: skip

    def _fit_list(self, height: int) -> None:
        """As many rows of the list as leave the step's text the lines it asks for; the
        list scrolls (and follows the step) when it shows fewer than all."""
        rows = int(self.steps_list.cget("height"))
        line = max(1, self.steps_list.winfo_reqheight() // max(1, rows))
        missing = self.inner.winfo_reqheight() + (LIST_ROWS[1] - rows) * line - height
        want = max(LIST_ROWS[0], min(LIST_ROWS[1], LIST_ROWS[1] - -(-missing // line)))
        if want != rows:
            self.steps_list.configure(height=want)
            if self.step >= 0:
                self.steps_list.see(self.step)

    @property
    def body(self) -> str:
        """The step's text as shown."""
        return self.text.get("1.0", "end-1c")

    def show(self, k: int) -> None:
        """Show step ``k`` (0-based; START for the first page); remember how far the learner
        got."""
        self.step = k = max(START, min(k, len(STEPS) - 1))
        if k == START:
            title, section, text, button = START_TITLE, "", START_TEXT, "Open the Draw tab"
            where = "start"
        else:
            s = STEPS[k]
            title, section, text, button = s.title, f"Chapter section {s.section}", s.text, s.button
            where = f"step {k + 1} of {len(STEPS)}"
        self.heading.configure(text=title)
        self.section.configure(text=section)
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        self.text.insert("1.0", text)
        self.text.configure(state="disabled")
        self.action_button.configure(text=button)
        self.message.configure(text="")
        self.where.configure(text=where)
        self.after_idle(self._fit)  # the new texts may wrap to more lines
        self.back_button.state(["!disabled"] if k > START else ["disabled"])
        self.next_button.state(["!disabled"] if k < len(STEPS) - 1 else ["disabled"])
        self.steps_list.selection_clear(0, "end")
        if k >= 0:
            self.steps_list.selection_set(k)
            self.steps_list.see(k)
            self.app_state.settings.values[SETTING] = k
            self.app_state.settings.save()

    def _picked(self, event: object = None) -> None:
        chosen = self.steps_list.curselection()
        if chosen and chosen[0] != self.step:
            self.show(chosen[0])

    def act(self) -> bool:
        """Open what the step shows; says so when that part of the app is not loaded yet."""
        if self.step == START:
            from ..requests import ShowTab

            return self.app_state.post(ShowTab("Draw"))
        done = perform(self.app_state, STEPS[self.step].action)
        self.message.configure(text="" if done else NOT_READY)
        return done
