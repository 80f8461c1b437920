"""The chapter guide window: one step at a time, a button that opens what the step explains."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from ...core.guide import SETTING, STEPS, clamp_step
from ..common.panel import PAD
from ..common.scaling import px
from ..state import AppState
from .actions import NOT_READY, perform


class GuideWindow(tk.Toplevel):
    """One per app (``open`` brings it to the front); remembers the step in the settings."""

    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master)
        self.state = state
        self.title("Chapter guide")
        self.geometry(f"{px(900)}x{px(440)}")
        self.minsize(px(640), px(340))
        self.step = clamp_step(state.settings.values.get(SETTING))
        self.create_widgets()
        self.show(self.step)
        self.protocol("WM_DELETE_WINDOW", self.destroy)
        self.bind("<Escape>", lambda e: self.destroy())

    @classmethod
    def open(cls, root: tk.Misc, state: AppState) -> GuideWindow:
        for child in root.winfo_children():
            if isinstance(child, cls):
                child.deiconify()
                child.lift()
                return child
        return cls(root, state)

    def create_widgets(self) -> None:
        outer = ttk.Frame(self, padding=PAD * 2)
        outer.pack(fill="both", expand=True)
        self.steps_list = tk.Listbox(outer, width=46, activestyle="none", exportselection=False)
        for k, step in enumerate(STEPS, 1):
            self.steps_list.insert("end", f"{k:>2}. {step.title}")
        self.steps_list.grid(row=0, column=0, rowspan=2, sticky="ns")
        self.steps_list.bind("<<ListboxSelect>>", self._picked)
        page = ttk.Frame(outer, padding=(PAD * 2, 0, 0, 0))
        page.grid(row=0, column=1, sticky="nsew")
        self.heading = ttk.Label(page, font="TkHeadingFont")
        self.heading.pack(anchor="w")
        self.section = ttk.Label(page, foreground="#666")
        self.section.pack(anchor="w", pady=(0, PAD))
        self.text = ttk.Label(page, wraplength=400, justify="left")
        self.text.pack(anchor="w", fill="x")
        # Wrap to the room left of the list as the window is resized. (Binding the page
        # itself feeds back: a label's wrap sets the page's width, which sets the wrap.)
        outer.bind("<Configure>", self._rewrap)
        self.action_button = ttk.Button(page, command=self.act)
        self.action_button.pack(anchor="w", pady=(PAD * 2, 0))
        self.message = ttk.Label(page, foreground="#666", wraplength=400)
        self.message.pack(anchor="w", pady=(PAD, 0))
        bar = ttk.Frame(outer)
        bar.grid(row=1, column=1, sticky="sew", padx=(PAD * 2, 0))
        self.back_button = ttk.Button(bar, text="< Back", command=lambda: self.show(self.step - 1))
        self.back_button.pack(side="left")
        self.next_button = ttk.Button(bar, text="Next >", command=lambda: self.show(self.step + 1))
        self.next_button.pack(side="left", padx=(4, 0))
        self.where = ttk.Label(bar, foreground="#666")
        self.where.pack(side="right")
        outer.columnconfigure(1, weight=1)
        outer.rowconfigure(0, weight=1)

    def _rewrap(self, event: tk.Event) -> None:
        room = event.width - self.steps_list.winfo_width() - px(PAD * 6)
        for label in (self.heading, self.text, self.message):
            label.configure(wraplength=max(px(200), room))

    def show(self, k: int) -> None:
        """Show step ``k`` (0-based) and remember it as how far the learner got."""
        self.step = k = max(0, min(k, len(STEPS) - 1))
        s = STEPS[k]
        self.heading.configure(text=s.title)
        self.section.configure(text=f"Chapter section {s.section}")
        self.text.configure(text=s.text)
        self.action_button.configure(text=s.button)
        self.message.configure(text="")
        self.where.configure(text=f"step {k + 1} of {len(STEPS)}")
        self.back_button.state(["!disabled"] if k > 0 else ["disabled"])
        self.next_button.state(["!disabled"] if k < len(STEPS) - 1 else ["disabled"])
        self.steps_list.selection_clear(0, "end")
        self.steps_list.selection_set(k)
        self.steps_list.see(k)
        self.state.settings.values[SETTING] = k
        self.state.settings.save()

    def _picked(self, event=None) -> None:
        chosen = self.steps_list.curselection()
        if chosen and chosen[0] != self.step:
            self.show(chosen[0])

    def act(self) -> bool:
        """Open what the step shows; says so when that part of the app is not loaded yet."""
        done = perform(self.state, STEPS[self.step].action)
        self.message.configure(text="" if done else NOT_READY)
        return done
