"""The chapter guide, docked beside the tabs: a "Start here" page, then one step at a time,
each with a button that opens what the step explains.

The text sits in a read-only Text widget, which wraps to the pane's width by
itself at every dpi and zoom; the headings are labels whose wrap length follows
the pane's width (the pane's width comes from the sash, never from the labels).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from ...core.chapter.guide import SETTING, STEPS, clamp_step
from ..common.panel import PAD
from ..common.scaling import px
from ..state import AppState
from .actions import NOT_READY, perform

START = -1  # the "Start here" page, before step 1
START_TITLE = "Start here"
START_TEXT = (
    "This pane walks you through the chapter on convolutional networks, one section at a "
    "time. Each step explains an idea in a few sentences; its button opens the tab that shows "
    "it, already set up (a Playground figure, a Build preset, a training recipe).\n\n"
    "Try the Draw tab first: draw a digit and watch the network's answer. Then press Next. "
    "Close this pane with F1 or Help > Chapter guide; the same key brings it back."
)


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
        self.create_widgets()
        self.show(self.step)
        self.bind("<Configure>", self._rewrap)

    def create_widgets(self) -> None:
        top = ttk.Frame(self)
        top.pack(fill="x")
        ttk.Label(top, text="Chapter guide", font="TkHeadingFont").pack(side="left")
        ttk.Button(top, text="x", width=2, command=self.on_close).pack(side="right")
        self.where = ttk.Label(self, foreground="#666")
        self.where.pack(anchor="w")
        self.steps_list = tk.Listbox(
            self, height=5, width=24, activestyle="none", exportselection=False
        )
        for k, step in enumerate(STEPS, 1):
            self.steps_list.insert("end", f"{k:>2}. {step.title}")
        self.steps_list.pack(fill="x", pady=(PAD, PAD))
        self.steps_list.bind("<<ListboxSelect>>", self._picked)
        self.heading = ttk.Label(self, font="TkHeadingFont", justify="left")
        self.heading.pack(anchor="w", fill="x")
        self.section = ttk.Label(self, foreground="#666")
        self.section.pack(anchor="w", pady=(0, PAD))
        bar = ttk.Frame(self)
        bar.pack(side="bottom", fill="x", pady=(PAD, 0))
        self.back_button = ttk.Button(bar, text="< Back", command=lambda: self.show(self.step - 1))
        self.back_button.pack(side="left")
        self.next_button = ttk.Button(bar, text="Next >", command=lambda: self.show(self.step + 1))
        self.next_button.pack(side="left", padx=(PAD, 0))
        self.message = ttk.Label(self, foreground="#666", justify="left")
        self.message.pack(side="bottom", anchor="w", fill="x")
        self.action_button = ttk.Button(self, command=self.act)
        self.action_button.pack(side="bottom", anchor="w", pady=(PAD, 0))
        body = ttk.Frame(self)
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

    def _rewrap(self, event: tk.Event) -> None:
        room = max(px(80), event.width - px(PAD * 3))
        for label in (self.heading, self.message):
            label.configure(wraplength=room)

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
