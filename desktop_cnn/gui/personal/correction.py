"""Your own handwriting: save drawings the model got wrong, look at them, fine-tune on them.

``CorrectionBar`` sits under the Draw panel's prediction ("That's wrong, it
is a [3] [Save]"; the app puts it there) and stores the current drawing, read
from the app state, with its label in the personal dataset (core/data/personal.py).
``PersonalWindow`` lists the saved drawings, deletes them, and fine-tunes the
current model on them (finetune_pane.py).
The Draw panel is built before torch is imported, so the core is imported
here only when something is saved or the window opens.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from ...core.files.safetext import clean
from ..common.panel import PAD, Panel, set_enabled
from ..common.scaling import px
from ..state import AppState

if TYPE_CHECKING:
    from ...core.data.personal import Drawing, PersonalSet
    from ...core.train.finetune import FinetuneReport

THUMB = 56  # px: a 280 px drawing at a fifth, about what the network's 28x28 shows
WRONG, RIGHT = "#b02a1a", "#276b3a"


class CorrectionBar(Panel):
    """Enabled for a drawing (not a test image or a photo) when the model reads digits."""

    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master, padding=0, name="correction")
        self.app_state = state
        self.saved_version = -1  # the sketch version last saved: one drawing, one save
        self.create_widgets()
        state.subscribe("model", self.model_changed)
        state.subscribe("analysis", self.update_state)
        state.subscribe("input", self.update_state)

    def create_widgets(self) -> None:
        row = ttk.Frame(self)
        row.pack(fill="x")
        ttk.Label(row, text="That's wrong, it is a").pack(side="left")
        self.choice = ttk.Combobox(row, width=6, state="readonly", values=[])
        self.choice.pack(side="left", padx=PAD)
        self.choice.bind("<<ComboboxSelected>>", lambda e: self.update_state())
        self.save_button = ttk.Button(row, text="Save", width=6, command=self.save)
        self.save_button.pack(side="left")
        self.open_button = ttk.Button(row, text="My drawings...", command=self.open_window)
        self.open_button.pack(side="right")
        self.status = ttk.Label(self, text="", foreground="#555", wraplength=380, justify="left")
        self.status.pack(fill="x", pady=(2, 0))
        self.update_state()

    def model_changed(self) -> None:
        ck = self.app_state.checkpoint
        self.choice.configure(values=list(ck.info.classes) if ck is not None else [])
        self.choice.set("")
        self.update_state()

    @property
    def usable(self) -> bool:
        """A drawing the model has read, new since the last save, and a digit model."""
        ck, state = self.app_state.checkpoint, self.app_state
        return (
            ck is not None
            and ck.info.is_digits
            and state.source.kind == "drawing"
            and state.analysis is not None
            and state.sketch.version != self.saved_version
        )

    def update_state(self) -> None:
        usable = self.usable
        set_enabled(self.choice, usable)
        self.choice.state(["readonly"])  # enabling would otherwise make it editable
        set_enabled(self.save_button, usable and bool(self.choice.get()))

    def save(self) -> None:
        from ...core.data.personal import PersonalDataError, PersonalSet

        if not (self.usable and self.choice.get()):
            return
        ck, label = self.app_state.checkpoint, self.choice.get()
        assert ck is not None and self.app_state.analysis is not None  # self.usable says so
        said = ck.info.classes[self.app_state.analysis.predicted]
        personal = PersonalSet(ck.info.dataset)
        try:
            personal.add(self.app_state.sketch.image, label, said)
        except PersonalDataError as exc:
            self.show_error("Cannot save the drawing", str(exc))
            return
        self.saved_version = self.app_state.sketch.version
        verdict = "it said so too" if said == label else f"the model said {said!r}"
        self.status.configure(
            text=f"Saved as a {label!r} ({verdict}): {len(personal)} drawings in your set."
        )
        self.choice.set("")
        self.update_state()
        PersonalWindow.refresh_open(self.winfo_toplevel())

    def open_window(self) -> PersonalWindow | None:
        return PersonalWindow.open(self.winfo_toplevel(), self.app_state)


class PersonalWindow(tk.Toplevel):
    """One per app: ``open`` brings the existing one to the front."""

    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master)
        self.title("My handwriting")
        self.geometry("860x720")
        self.minsize(720, 600)
        self.panel = PersonalPanel(self, state)
        self.panel.pack(fill="both", expand=True)
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Escape>", lambda e: self.close())

    @classmethod
    def open(cls, root: tk.Misc, state: AppState) -> PersonalWindow | None:
        if state.datasets is None:  # torch is still loading: the core cannot read PNGs yet
            return None
        for child in root.winfo_children():
            if isinstance(child, cls):
                child.panel.refresh()
                child.deiconify()
                child.lift()
                return child
        return cls(root, state)

    @classmethod
    def refresh_open(cls, root: tk.Misc) -> None:
        for child in root.winfo_children():
            if isinstance(child, cls):
                child.panel.refresh()

    def close(self) -> None:
        self.panel.finetune.shutdown()
        self.destroy()


class PersonalPanel(Panel):
    """The window's content: the drawings of the current model's dataset, and the fine-tune."""

    def __init__(self, master: tk.Misc, state: AppState) -> None:
        super().__init__(master)
        self.app_state = state
        self.drawings: list[Drawing] = []
        self.after_run: dict[int, tuple[int, int]] = {}  # drawing id -> (before, after) class
        self.create_widgets()
        self.refresh()

    def create_widgets(self) -> None:
        from ..common.gallery import ThumbGrid
        from .finetune_pane import FinetunePane

        self.header = ttk.Label(self, wraplength=820, justify="left")
        self.header.pack(fill="x")
        box = ttk.LabelFrame(self, text="My drawings", padding=PAD)
        box.pack(fill="both", expand=True, pady=(PAD, 0))
        self.grid_view = ThumbGrid(box, self.select, tile=THUMB, height=290)
        self.grid_view.pack(fill="both", expand=True)
        bar = ttk.Frame(box)
        bar.pack(fill="x", pady=(PAD, 0))
        self.delete_button = ttk.Button(bar, text="Delete", command=self.delete_selected)
        self.delete_button.pack(side="left")
        self.selection = ttk.Label(bar, text="Click a drawing to select it.", foreground="#555")
        self.selection.pack(side="left", padx=PAD)
        tune = ttk.LabelFrame(self, text="Fine-tune the current model on them", padding=PAD)
        tune.pack(fill="x", pady=(PAD, 0))
        self.finetune = FinetunePane(tune, self.app_state, self.report_ready)
        self.finetune.pack(fill="x")
        self.winfo_toplevel().bind("<Delete>", lambda e: self.delete_selected())
        set_enabled(self.delete_button, False)

    def personal(self) -> PersonalSet | None:
        from ...core.data.personal import PersonalSet

        ck = self.app_state.checkpoint
        return PersonalSet(ck.info.dataset) if ck is not None else None

    def refresh(self) -> None:
        from ...core.data.personal import PersonalDataError

        personal = self.personal()
        if personal is None:
            self.header.configure(text="There is no model yet: open or train one first.")
            self.drawings = []
        else:
            try:
                self.drawings = personal.items()
            except PersonalDataError as exc:
                self.drawings = []
                self.show_error("Cannot read your drawings", str(exc))
            n = len(personal.skipped)  # entries of the index that were not followed
            ignored = f" {n} damaged entr{'y' if n == 1 else 'ies'} of the index ignored." * bool(n)
            self.header.configure(
                text=(
                    f"{len(self.drawings)} drawings for {personal.dataset} models, kept in "
                    f'{personal.dir}. Add one with "That\'s wrong, it is a ..." under the '
                    f"Draw panel's prediction.{ignored}"
                )
            )
        self.show_drawings(personal)
        set_enabled(self.finetune.start_button, bool(self.drawings) and not self.finetune.running)

    def show_drawings(self, personal: PersonalSet | None) -> None:
        from ...core.data.personal import PersonalDataError
        from ..common.gallery import Thumb

        thumbs = []
        for d in self.drawings:
            assert personal is not None  # the drawings were read from it
            try:
                img = personal.image(d).resize((px(THUMB), px(THUMB)), Image.Resampling.LANCZOS)
            except PersonalDataError:  # its PNG was deleted or damaged: shown as missing
                img = Image.new("L", (px(THUMB), px(THUMB)), 90)
                thumbs.append(Thumb(np.repeat(np.asarray(img)[:, :, None], 3, 2), *self.missing(d)))
                continue
            rgb = np.repeat(np.asarray(img)[:, :, None], 3, 2)
            thumbs.append(Thumb(rgb, *self.caption(d)))
        self.grid_view.show(thumbs, "No drawings yet.")
        self.select(None)

    def missing(self, d: Drawing) -> tuple[str, str]:
        return f"is {clean(d.label)}\nimage missing", WRONG

    def caption(self, d: Drawing) -> tuple[str, str]:
        """'is 1' and what the model said (before and after the last fine-tune, if any)."""
        classes = self.app_state.checkpoint.info.classes if self.app_state.checkpoint else []
        if d.id in self.after_run and classes:
            before, after = (classes[k] for k in self.after_run[d.id])
            shown = f"is {clean(d.label)}\n{before} \u2192 {after}"
            return shown, RIGHT if after == d.label else WRONG
        said = d.predicted or "?"
        return f"is {clean(d.label)}\nsaid {clean(said)}", RIGHT if said == d.label else WRONG

    def select(self, i: int | None) -> None:
        self.grid_view.select(i)
        set_enabled(self.delete_button, i is not None)
        if i is None:
            self.selection.configure(text="Click a drawing to select it.")
            return
        d = self.drawings[i]
        self.selection.configure(
            text=f"Drawing {d.id}: a {clean(d.label)!r}, saved {clean(d.created)} "
            f"(the model said {clean(d.predicted)!r})."
        )

    def delete_selected(self) -> None:
        i, personal = self.grid_view.selected, self.personal()
        if i is None or personal is None or i >= len(self.drawings):
            return
        personal.delete(self.drawings[i].id)
        self.refresh()

    def report_ready(self, drawings: list, report: FinetuneReport) -> None:
        if report.predicted_after:
            self.after_run = {
                d.id: (b, a)
                for d, b, a in zip(
                    drawings, report.predicted_before, report.predicted_after, strict=True
                )
            }
        self.refresh()
