"""The Playground panel: one convolution layer, its kernel sliding step by step, its arithmetic.

Everything it states about a shape comes from ``core.playground`` (checked
against real torch layers in tests/test_playground.py). The worked exercises
come from ``core.exercises``; a few of them run ``summary`` on a real model
(~0.2 s), so they are worked out as a worker task (gui/worker.py).
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import TYPE_CHECKING

from ...core.conv.exercises import PRESETS, pool_text
from ...core.conv.figures import layer_text
from ...core.conv.formulas import params_formula
from ...core.conv.matrix_view import format_view, matrix_summary, matrix_view
from ...core.conv.playground import (
    ConvRun,
    LayerSettings,
    SettingsError,
    describe_step,
    has_values,
    layer_formula,
    random_bias,
    random_data,
    torch_line,
)
from ...core.conv.quiz import QUIZZES
from ..common.panel import PAD, Panel, set_enabled
from ..common.save_image import ask_and_save
from ..common.scaling import px
from ..requests import ShowPreset, ShowTab
from ..state import AppState
from ..worker import JobFailed, Worker
from .conv_canvas import ConvCanvas
from .exercise_mode import ExerciseMode
from .layer_form import ERROR_COLOUR, LayerForm

if TYPE_CHECKING:  # core.conv.playground imports torch; annotations only
    from torch import Tensor

CUSTOM = "Your own layer"
HIDDEN = "Hidden until you have answered in 'Your answer' (or asked for the worked answer there)."
PLAY_MS = 350  # per step: slow enough to follow one window with the eyes
POLL_MS = 30


class PlaygroundPanel(Panel):
    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = state
        self.settings: LayerSettings | None = None
        # (x, w) tensors, or None for a layer too large for numbers
        self.data: tuple[Tensor, ...] | None = None
        self.run: ConvRun | None = None
        self.seed = 0
        self.playing = False
        self._job: str | None = None
        self._resize_job: str | None = None
        self.answer_text = ""
        self.answers = Worker(
            self, "the exercise", self.answer_ready, state.workers, poll_ms=POLL_MS
        )
        self.matrix_spans: list = []
        self.create_widgets()
        self.apply()
        state.handle(ShowPreset, self.show_preset)

    # --- layout ---------------------------------------------------------------------------
    def create_widgets(self) -> None:
        left = ttk.Frame(self)
        left.grid(row=0, column=0, sticky="ns")
        box = ttk.LabelFrame(left, text="Exercises and examples", padding=PAD)
        box.pack(fill="x")
        self.preset = tk.StringVar(self, CUSTOM)
        self.preset_box = ttk.Combobox(
            box,
            textvariable=self.preset,
            state="readonly",
            values=[CUSTOM, *PRESETS],
            width=36,
            height=20,
        )
        self.preset_box.pack(fill="x")
        self.preset_box.bind("<<ComboboxSelected>>", lambda e: self.load_preset())
        self.exercise_on = tk.BooleanVar(self, True)
        ttk.Checkbutton(
            box, text="Exercise mode: answer before the worked answer", variable=self.exercise_on
        ).pack(anchor="w", pady=(PAD, 0))
        self.form = LayerForm(left, self.apply, self.channel_changed, self.new_numbers)
        self.form.pack(fill="both", expand=True, pady=(PAD, 0))

        right = ttk.Frame(self)
        right.grid(row=0, column=1, sticky="nsew", padx=(PAD * 2, 0))
        # Packed from the bottom up, the canvas last: in a small window the grids
        # shrink (they redraw to fit) rather than the text below them.
        self.texts = ttk.Notebook(right)
        self.texts.pack(side="bottom", fill="x", pady=(PAD, 0))
        self.answer = self._text_tab("Worked answer")
        self.matrices = self._text_tab("Matrix view (im2col)")
        self.exercise = ExerciseMode(self.texts)
        self.texts.add(self.exercise, text="Your answer")
        self.exercise.stop()
        self.matrices.tag_configure("step", background="#ffd27f")
        self.create_arithmetic(right)
        self.create_controls(right)
        self.canvas = ConvCanvas(right, width=px(780), height=px(250))
        self.canvas.pack(side="top", fill="both", expand=True)
        self.canvas.bind("<Configure>", self._resized)
        self.buttons = [
            self.reset_button,
            self.next_button,
            self.play_button,
            self.end_button,
            self.copy_button,
            self.save_button,
        ]
        self.columnconfigure(1, weight=1)
        self.rowconfigure(0, weight=1)

    def create_controls(self, right: ttk.Frame) -> None:
        self.step_text = ttk.Label(right, text="", font="TkFixedFont")
        self.step_text.pack(side="bottom", fill="x", pady=(2, 0))
        bar = ttk.Frame(right)
        bar.pack(side="bottom", fill="x", pady=(PAD, 0))
        self.reset_button = ttk.Button(bar, text="Reset", width=7, command=self.reset)
        self.next_button = ttk.Button(bar, text="Next", width=7, command=self.next_step)
        self.play_button = ttk.Button(bar, text="Play", width=7, command=self.toggle_play)
        self.end_button = ttk.Button(bar, text="End", width=7, command=self.to_end)
        for b in (self.reset_button, self.next_button, self.play_button, self.end_button):
            b.pack(side="left", padx=(0, 4))
        ttk.Label(bar, text="Speed").pack(side="left", padx=(PAD * 2, 4))
        self.speed = tk.DoubleVar(self, 1000 / PLAY_MS)
        ttk.Scale(bar, from_=1, to=30, variable=self.speed, length=110).pack(side="left")
        self.progress = ttk.Label(bar, text="")
        self.progress.pack(side="left", padx=(PAD * 2, 0))
        self.save_button = ttk.Button(bar, text="Save image...", command=self.save_image_dialog)
        self.save_button.pack(side="right")

    def create_arithmetic(self, right: ttk.Frame) -> None:
        box = ttk.LabelFrame(right, text="Arithmetic", padding=(PAD, 2))
        box.pack(side="bottom", fill="x", pady=(PAD, 0))
        self.formula = ttk.Label(box, text="", font="TkFixedFont")
        self.formula.grid(row=0, column=0, columnspan=2, sticky="w")
        self.substituted = ttk.Label(box, text="", font="TkFixedFont")
        self.substituted.grid(row=1, column=0, columnspan=2, sticky="w")
        self.shapes = ttk.Label(box, text="", font="TkFixedFont")
        self.shapes.grid(row=2, column=0, columnspan=2, sticky="w")
        self.line = tk.StringVar(self, "")
        # A named font: View > Zoom re-measures those (a ("TkFixedFont", 9) tuple is not one)
        self.line_entry = ttk.Entry(
            box, textvariable=self.line, state="readonly", font="TkFixedFont"
        )
        self.line_entry.grid(row=3, column=0, sticky="ew", pady=(2, 0))
        self.copy_button = ttk.Button(box, text="Copy", width=7, command=self.copy_line)
        self.copy_button.grid(row=3, column=1, padx=(4, 0), pady=(2, 0))
        box.columnconfigure(0, weight=1)

    def _text_tab(self, title: str) -> tk.Text:
        frame = ttk.Frame(self.texts)
        text = tk.Text(
            frame,
            height=7,
            wrap="none",
            font="TkFixedFont",
            relief="flat",
            borderwidth=0,
            padx=4,
            pady=2,
        )
        ys = ttk.Scrollbar(frame, orient="vertical", command=text.yview)
        xs = ttk.Scrollbar(frame, orient="horizontal", command=text.xview)
        text.configure(yscrollcommand=ys.set, xscrollcommand=xs.set, state="disabled")
        text.grid(row=0, column=0, sticky="nsew")
        ys.grid(row=0, column=1, sticky="ns")
        xs.grid(row=1, column=0, sticky="ew")
        frame.columnconfigure(0, weight=1)
        frame.rowconfigure(0, weight=1)
        self.texts.add(frame, text=title)
        return text

    # --- settings -------------------------------------------------------------------------
    def apply(self) -> None:
        """Read the form; rebuild the layer when it changed, or say what is wrong."""
        try:
            st = self.form.read()
        except SettingsError as exc:
            self.invalid(str(exc))
            return
        if st == self.settings:
            return
        self.pause()
        self.settings = st
        self.form.error.configure(text="")
        if not has_values(st):
            self.data = None
        elif (
            self.data is None
            or tuple(self.data[0].shape) != st.input_shape
            or tuple(self.data[1].shape) != st.weight_shape
        ):
            self.data = self._random(st)
        self.data = self._fit_bias(st, self.data)
        self.run = ConvRun(st, *self.data) if self.data else ConvRun(st)
        for b in self.buttons:
            set_enabled(b, True)
        set_enabled(self.form.reroll, self.data is not None)
        self.redraw()
        self.show_arithmetic(st)
        self.show_matrices()
        preset = PRESETS.get(self.preset.get())
        if preset is None or preset.settings != st:
            self.preset.set(CUSTOM)
            self.answers.drop()  # a preset's answer still being worked out no longer fits
            self.exercise.stop()
            self.set_text(self.answer, pool_text(st) if st.pool else layer_text(st))
        self.show_steppable()

    def _random(self, st: LayerSettings) -> tuple:
        b = random_bias(st, self.seed)
        return (*random_data(st, self.seed), *([] if b is None else [b]))

    def _fit_bias(self, st: LayerSettings, data: tuple | None) -> tuple | None:
        """A layer without bias drops its bias; a random layer that gains one gets one."""
        if data is None:
            return None
        wants = st.bias and not st.pool and not st.transposed
        if not wants or (len(data) > 2 and tuple(data[2].shape) != (st.out_channels,)):
            return data[:2]
        if len(data) == 2 and self.preset.get() == CUSTOM:
            b = random_bias(st, self.seed)
            return data if b is None else (*data, b)
        return data

    def invalid(self, message: str) -> None:
        self.pause()
        self.settings = None
        self.form.error.configure(text=message)
        self.canvas.delete("all")
        self.canvas.create_text(
            12,
            12,
            anchor="nw",
            text=f"No layer: {message}",
            fill=ERROR_COLOUR,
            width=max(200, self.canvas.width - 24),
        )
        for label in (self.formula, self.substituted, self.shapes, self.progress, self.step_text):
            label.configure(text="")
        self.substituted.configure(text="(fix the settings on the left)")
        self.line.set("")
        for b in [*self.buttons, self.form.reroll]:
            set_enabled(b, False)
        self.set_text(self.matrices, "")
        self.answers.drop()
        self.set_text(self.answer, f"No layer: {message}")

    def load_preset(self, quiz: bool = True) -> None:
        preset = PRESETS.get(self.preset.get())
        if preset is None:
            return
        questions = QUIZZES.get(self.preset.get()) if quiz and self.exercise_on.get() else None
        if not questions:  # before drawing: an open exercise draws the output hidden
            self.exercise.stop()
        self.form.show(preset.settings)
        self.data = preset.data() if preset.data else None
        self.settings = None  # rebuild even when the numbers are all that changed
        self.apply()
        self.answer_text = ""
        self.answers.start(lambda task: preset.text())
        if questions:  # exercise mode: the learner answers before the worked answer shows
            self.set_text(self.answer, HIDDEN)
            self.texts.select(self.exercise)
            self.exercise.start(questions, self.reveal)
            self.exercise.entry.focus_set()
        else:
            self.texts.select(self.answer.master)
            self.set_text(self.answer, "Working it out...")
        self.show_steppable()

    def reveal(self) -> None:
        """The exercise is answered: the worked answer, the picture and the stepping come back."""
        self.set_text(self.answer, self.answer_text or "Working it out...")
        self.texts.select(self.answer.master)
        if self.settings is not None:
            self.redraw()
            self.show_arithmetic(self.settings)
            self.show_matrices()
        self.show_steppable()

    def show_steppable(self) -> None:
        """While a question is open, the kernel does not step: its output is the answer."""
        hold = self.exercise.active and self.settings is not None
        for b in (self.next_button, self.play_button, self.end_button):
            set_enabled(b, not hold and self.settings is not None)
        if hold:  # the output's size and numbers are the answers: hidden for now
            self.step_text.configure(
                text="Answer in 'Your answer' below first; then step the kernel to check."
            )
            self.canvas.delete("all")
            self.canvas.create_text(
                px(12),
                px(12),
                anchor="nw",
                text="The layer's picture and arithmetic are hidden until you have answered "
                "(or asked for the worked answer).",
                fill="#777",
                width=max(200, self.canvas.width - px(24)),
            )
            self.substituted.configure(text="out = ?  (your answer first)")
            self.shapes.configure(text="shape and parameters: hidden")
            self.line.set("")
            self.matrix_spans = []
            self.set_text(self.matrices, "Hidden until you have answered: the sizes give it away.")

    def answer_ready(self, event: str | JobFailed) -> None:
        text = f"Cannot work it out: {event.message}" if isinstance(event, JobFailed) else event
        self.answer_text = text
        if not self.exercise.active:
            self.set_text(self.answer, text)

    def show_preset(self, request: ShowPreset) -> None:
        """Bring the Playground up on a preset, stepped ``request.steps`` times."""
        self.app_state.post(ShowTab("Playground"))
        if request.name not in PRESETS:
            return
        self.preset.set(request.name)
        # The guide mostly walks through a worked answer; an exercise it offers asks first.
        self.load_preset(quiz=request.quiz)
        if self.exercise.active:
            return
        for _ in range(request.steps):
            self.next_step()
        if request.view == "matrix":
            self.texts.select(self.matrices.master)

    def new_numbers(self) -> None:
        if self.settings is None or not has_values(self.settings):
            return
        self.seed += 1
        self.preset.set(CUSTOM)  # an exercise's own numbers are gone
        self.data = self._random(self.settings)
        self.settings = None
        self.apply()

    def channel_changed(self) -> None:
        if self.settings is not None:
            self.redraw()

    # --- showing ----------------------------------------------------------------------------
    @property
    def channel(self) -> int:
        assert self.settings is not None  # read only while a layer is shown
        return self.form.channel_index(self.settings.channels_out)

    @property
    def first_slice(self) -> int:
        assert self.settings is not None  # read only while a layer is shown
        return self.form.slice_index(self.settings.in_channels)

    def redraw(self) -> None:
        if self.exercise.active:  # a resize or a channel pick must not give the answer away
            self.show_steppable()
            return
        # callers redraw only while a layer is shown: apply() set both
        assert self.settings is not None and self.run is not None
        self.canvas.show(self.settings, self.run, self.channel, self.first_slice)
        self.show_progress()

    def _resized(self, event: tk.Event) -> None:
        if (event.width, event.height) == self.canvas.size_drawn:
            return
        self.cancel(self._resize_job)
        self._resize_job = self.schedule(80, self._redraw_after_resize)

    def _redraw_after_resize(self) -> None:
        self._resize_job = None
        if self.settings is not None:
            self.redraw()

    def show_arithmetic(self, st: LayerSettings) -> None:
        f = layer_formula(st)
        p = params_formula(st.in_channels, st.out_channels, st.kernel, st.bias)
        self.formula.configure(text=f.general)
        self.substituted.configure(text=f.substituted + (f"\n{f.note}" if f.note else ""))
        c, n, _ = st.input_shape
        oc, m, _ = st.output_shape
        params = "params = 0 (a pooling window learns nothing)" if st.pool else p.substituted
        self.shapes.configure(text=f"shape {c}x{n}x{n} -> {oc}x{m}x{m};   {params}")
        self.line.set(torch_line(st))
        self.copy_button.configure(text="Copy")

    def show_matrices(self) -> None:
        st = self.settings
        assert st is not None  # callers show matrices only while a layer is shown
        if st.pool:
            self.matrix_spans = []
            self.set_text(self.matrices, "Pooling has no weights: it is no matrix product.")
            return
        xw = self.data[:2] if self.data else None  # the matrices leave the bias out
        view = matrix_view(st, *xw) if xw else None
        if view is None:  # too big to draw whole: its sizes and a corner of each matrix
            self.matrix_spans = []
            self.set_text(self.matrices, matrix_summary(st, *xw) if xw else matrix_summary(st))
            self.matrices.xview_moveto(0)
            return
        text, self.matrix_spans = format_view(view, st)
        self.set_text(self.matrices, text)

    def show_progress(self) -> None:
        run = self.run
        assert run is not None  # callers show progress only while a layer is shown
        self.progress.configure(text=f"step {run.done} of {len(run.steps)}")
        last = run.steps[run.done - 1] if run.done else None
        self.step_text.configure(
            text=describe_step(run, last, self.channel)
            if last
            else "Press Next or Play to move the kernel."
        )
        self.matrices.tag_remove("step", "1.0", "end")
        if last and self.matrix_spans:
            spans = self.matrix_spans[run.done - 1]
            for line, a, b in spans:
                self.matrices.tag_add("step", f"{line}.{a}", f"{line}.{b}")
            self.matrices.see(f"{spans[0][0]}.{spans[0][2]}")

    @staticmethod
    def set_text(widget: tk.Text, text: str) -> None:
        widget.configure(state="normal")
        widget.delete("1.0", "end")
        widget.insert("1.0", text)
        widget.configure(state="disabled")

    def figure(self):
        """The layer as the screen shows it, as a matplotlib Figure (core.pictures.layer)."""
        from ...core.pictures.layer import layer_figure

        # only save_image_dialog() asks for it, once it has checked there is a layer
        assert self.settings is not None and self.run is not None
        title = self.preset.get() if self.preset.get() != CUSTOM else torch_line(self.settings)
        return layer_figure(self.run, self.channel, self.first_slice, title)

    def save_image_dialog(self) -> None:
        if self.run is None or self.settings is None:
            return
        ask_and_save(self, self.figure, "playground", self.ask_save_filename, self.show_error)

    def copy_line(self) -> None:
        self.clipboard_clear()
        self.clipboard_append(self.line.get())
        self.copy_button.configure(text="Copied")

    # --- stepping -------------------------------------------------------------------------
    def next_step(self) -> bool:
        if self.run is None or self.settings is None:
            return False
        step = self.run.advance()
        if step is None:
            self.pause()
            return False
        self.canvas.step(step)
        self.show_progress()
        return True

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
            return
        if self.run is None or self.settings is None:
            return
        if self.run.finished:
            self.reset()
        self.playing = True
        self.play_button.configure(text="Pause")
        self._job = self.schedule(self.interval, self._tick)

    @property
    def interval(self) -> int:
        return max(15, round(1000 / max(1.0, float(self.speed.get()))))

    def _tick(self) -> None:
        self._job = None
        if self.playing and self.next_step() and self.run is not None and not self.run.finished:
            self._job = self.schedule(self.interval, self._tick)
        else:
            self.pause()

    def pause(self) -> None:
        self.playing = False
        self.cancel(self._job)
        self._job = None
        self.play_button.configure(text="Play")

    def reset(self) -> None:
        self.pause()
        if self.run is not None and self.settings is not None:
            self.run.reset()
            self.canvas.refresh_output()
            self.show_progress()

    def to_end(self) -> None:
        self.pause()
        if self.run is not None and self.settings is not None:
            self.run.run_to_end()
            self.canvas.refresh_output()
            self.show_progress()

    def destroy(self) -> None:
        self.pause()
        self.answers.drop()
        super().destroy()
