"""Exercise mode: the worked answer stays hidden until the learner has answered.

One question at a time from ``core.conv.quiz``: an entry, Check (or Return), a
line saying what is right or what is wrong, and "Show the worked answer" for a
learner who gives up. When every question is answered (or the learner gives up)
``on_done`` reveals the worked answer and lets the kernel step again.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from ...core.conv.quiz import Question
from ..common.panel import PAD
from ..common.scaling import px

RIGHT, WRONG = "#1b7a2b", "#b00020"


class ExerciseMode(ttk.Frame):
    """``start(questions, on_done)`` asks them in turn; ``active`` while one is open."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, padding=PAD)
        self.questions: list[Question] = []
        self.index = 0
        self.on_done: Callable[[], None] = lambda: None
        self.active = False
        self.prompt = ttk.Label(self, text="", wraplength=px(700), justify="left")
        self.prompt.grid(row=0, column=0, columnspan=4, sticky="w")
        self.hint = ttk.Label(self, text="", foreground="#666")
        self.hint.grid(row=1, column=0, columnspan=4, sticky="w")
        self.answer = tk.StringVar(self, "")
        self.entry = ttk.Entry(self, textvariable=self.answer, width=36, font="TkFixedFont")
        self.entry.grid(row=2, column=0, sticky="w", pady=(PAD, 0))
        self.entry.bind("<Return>", lambda e: self.check())
        self.check_button = ttk.Button(self, text="Check", command=self.check)
        self.check_button.grid(row=2, column=1, padx=(PAD, 0), pady=(PAD, 0))
        self.give_up = ttk.Button(self, text="Show the worked answer", command=self.finish)
        self.give_up.grid(row=2, column=2, padx=(PAD, 0), pady=(PAD, 0))
        self.feedback = ttk.Label(self, text="", wraplength=px(700), justify="left")
        self.feedback.grid(row=3, column=0, columnspan=4, sticky="w", pady=(PAD, 0))
        self.columnconfigure(3, weight=1)

    def start(self, questions: list[Question], on_done: Callable[[], None]) -> None:
        self.questions, self.index, self.on_done = list(questions), 0, on_done
        self.active = bool(questions)
        self.feedback.configure(text="")
        self._show()

    def stop(self) -> None:
        self.active = False
        self.questions = []
        self.prompt.configure(text="No exercise open: pick Exercise 1, 2 or 3 on the left.")
        self.hint.configure(text="")
        self.answer.set("")

    def _show(self) -> None:
        if not self.active:
            self.stop()
            return
        q = self.questions[self.index]
        n = len(self.questions)
        self.prompt.configure(text=f"Question {self.index + 1} of {n}. {q.prompt}")
        self.hint.configure(text=f"Write {q.hint}; the worked answer stays hidden until then.")
        self.answer.set("")

    def check(self) -> None:
        if not self.active:
            return
        q = self.questions[self.index]
        verdict = q.check(self.answer.get())
        self.feedback.configure(text=verdict.message, foreground=RIGHT if verdict.ok else WRONG)
        if not verdict.ok:
            return
        self.index += 1
        if self.index == len(self.questions):
            self.finish(done=True)
        else:
            self._show()

    def finish(self, done: bool = False) -> None:
        """Every question answered, or the learner asked for the answer."""
        if not self.active:
            return
        self.active = False
        if not done:
            q = self.questions[self.index]
            self.feedback.configure(text=f"The answer: {q.answer}.", foreground=WRONG)
        self.prompt.configure(text="Exercise done: the worked answer is in its tab.")
        self.hint.configure(text="")
        self.on_done()
