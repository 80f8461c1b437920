""" "Watch it learn": follow a training run's weights live, then replay the run with a slider.

While a run trains with Follow on, every ``FOLLOW_MS`` this asks the trainer
for a copy of its weights (taken between two batches, never mid-update) and
makes the newest one the current model, so the Draw and Feature maps panels
show the model as it learns. The run's kept snapshots (a few per epoch) are
replayed afterwards with the slider, from the random weights to the end.

Those models are labelled (their source, and a note in their info) and never
added to the recent files; the run's final model is still what becomes
current when it ends, and the slider's last stop is that very model. Every
model change makes every panel re-predict and redraw (~15-40 ms), so a
dragged slider is coalesced into one pick per ``PICK_MS``.
"""

from __future__ import annotations

import math
import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from ...core.files.checkpoints import Checkpoint
from ...core.inspect.snapshots import SnapshotRecorder, cpu_state, describe, snapshot_checkpoint
from ...core.train.events import Snapshot
from ..common.images import filter_tiles, grid, layout_for
from ..common.panel import PAD, Panel, set_enabled
from ..origin import ModelOrigin
from ..state import AppState

FOLLOW_MS = 300  # a new model ~3 times a second: live, and the panels' redraws stay cheap
PICK_MS = 60  # a dragged slider shows ~15 models a second
FOLLOW_TEXT = "Follow training: Draw and Feature maps use the latest weights"
IDLE_TEXT = "After a run, slide from its random weights (step 0) to the trained model."


class LearnTimeline(Panel):
    """The Train panel's "Watch it learn" box; ``log`` takes lines for the panel's log."""

    def __init__(self, master: tk.Misc, state: AppState, log: Callable[[str], None]) -> None:
        super().__init__(master, padding=0)
        self.app_state, self.log = state, log
        self.recorder = SnapshotRecorder()
        self.final: Checkpoint | None = None  # the run's final model: the slider's last stop
        self.final_origin = ModelOrigin.trained()
        self.before: tuple[Checkpoint | None, ModelOrigin] = (None, ModelOrigin.trained())
        self.shown: Checkpoint | None = None  # the followed or replayed model made current
        self.shown_step = -1
        self.latest: Snapshot | None = None  # the newest weights the running job sent
        self.follows = 0  # models shown by following (tests read it)
        self.follow_ms: list[float] = []  # what each of those cost the Tk thread
        self.index = 0  # the snapshot on show (or about to be)
        self._request: Callable[[], None] | None = None  # asks the running job for a copy
        self._tick: str | None = None
        self._pending: str | None = None
        self._photo: ImageTk.PhotoImage | None = None
        self.create_widgets()
        state.subscribe("model", self.model_changed)

    def create_widgets(self) -> None:
        box = ttk.LabelFrame(self, text="Watch it learn", padding=PAD)
        box.pack(fill="both", expand=True)
        self.follow = tk.BooleanVar(self, True)
        self.follow_box = ttk.Checkbutton(
            box, text=FOLLOW_TEXT, variable=self.follow, command=self.follow_changed
        )
        self.follow_box.grid(row=0, column=0, columnspan=4, sticky="w")
        ttk.Label(box, text="Replay").grid(row=1, column=0, sticky="w", padx=(0, PAD))
        self.prev_button = ttk.Button(
            box, text="\u25c0", width=2, command=lambda: self.pick(self.index - 1)
        )
        self.prev_button.grid(row=1, column=1)
        # The variable, not set(): a disabled ttk.Scale ignores set(), and the variable moves
        # it without calling the command (only people's moves should pick a model).
        self.position = tk.DoubleVar(self, 0)
        self.slider = ttk.Scale(
            box, from_=0, to=1, orient="horizontal", variable=self.position, command=self._moved
        )
        self.slider.grid(row=1, column=2, sticky="ew", padx=2)
        self.slider.bind("<Button-1>", self._jump)
        self.next_button = ttk.Button(
            box, text="\u25b6", width=2, command=lambda: self.pick(self.index + 1)
        )
        self.next_button.grid(row=1, column=3)
        self.text = ttk.Label(box, text=IDLE_TEXT, foreground="#444")
        self.text.grid(row=2, column=0, columnspan=5, sticky="w", pady=(2, 0))
        self.prediction = ttk.Label(box, text="", anchor="e")
        self.prediction.grid(row=0, column=4, sticky="e", padx=(PAD * 2, 0))
        self.filters = ttk.Label(box)
        self.filters.grid(row=1, column=4, sticky="e", padx=(PAD * 2, 0))
        box.columnconfigure(2, weight=1)
        self.set_entries(0)

    # --- the widgets ------------------------------------------------------------------------
    def set_entries(self, count: int, enabled: bool = True) -> None:
        """``count`` snapshots to slide over; the slider moves to the last."""
        self.index = max(0, count - 1)
        self.slider.configure(to=max(1, count - 1))
        self.position.set(self.index)
        for w in (self.slider, self.prev_button, self.next_button):
            set_enabled(w, enabled and count >= 2)

    def say(self, text: str) -> None:
        self.text.configure(text=text)

    def show_preview(self, ck: Checkpoint) -> None:
        """conv1's filters as small tiles, and the Draw panel's prediction, beside the slider."""
        from ..predictor import conv1_filters

        a = self.app_state.analysis  # the Draw panel re-predicted in set_model, before we got here
        self.prediction.configure(
            text=""
            if a is None
            else (f"Draw panel: {ck.info.classes[a.predicted]}, {a.probs[a.predicted]:.0%} sure")
        )
        weights = conv1_filters(ck)
        if weights is None:
            self.filters.configure(image="")
            self._photo = None
            return
        img = Image.fromarray(preview_filters(weights))
        if self._photo is None or (self._photo.width(), self._photo.height()) != img.size:
            self._photo = ImageTk.PhotoImage(img, master=self)
            self.filters.configure(image=self._photo)
        else:
            self._photo.paste(img)

    # --- a run, as the Train panel reports it -----------------------------------------------
    @property
    def running(self) -> bool:
        return self._request is not None

    def run_starting(self) -> None:
        self.recorder.clear()
        self.final, self.shown, self.latest, self.shown_step = None, None, None, -1
        self.before = (
            self.app_state.checkpoint,
            self.app_state.origin,
        )  # current when the run began
        self.set_entries(0, enabled=False)
        self.say("The run's snapshots will be here to replay when it ends.")

    def run_started(self, request_copy: Callable[[], None]) -> None:
        self._request = request_copy
        self._tick = self.schedule(FOLLOW_MS, self.follow_tick)

    def snapshot_arrived(self, e: Snapshot) -> None:
        if e.kept:
            self.recorder.add(e)
            self.set_entries(len(self.recorder), enabled=False)
        if self.latest is None or e.step >= self.latest.step:
            self.latest = e

    def run_ended(self, final: Checkpoint | None) -> None:
        """``final``: the model the run leaves (now current), None when it leaves none."""
        self.cancel(self._tick)
        self._tick = self._request = None
        if final is not None:
            self.add_final(final)
            self.shown, self.final, self.final_origin = None, final, ModelOrigin.trained()
        else:
            self.unfollow()
        if len(self.recorder) >= 2:
            self.set_entries(len(self.recorder))
            self.say(self.replay_label(len(self.recorder) - 1))
            self.log(
                f"kept {len(self.recorder)} snapshots of the weights "
                f"({self.recorder.bytes / 2**20:.1f} MB): replay them with the slider "
                f"under the curves"
            )

    # --- following ----------------------------------------------------------------------------
    def follow_tick(self) -> None:
        """Every FOLLOW_MS while training: ask for the weights (they come as a Snapshot)."""
        self._tick = None
        if self._request is None:
            return
        if self.follow.get():
            self._request()
        self._tick = self.schedule(FOLLOW_MS, self.follow_tick)

    def follow_latest(self) -> None:
        """After the panel drained its queue: show the newest weights if following and new."""
        e = self.latest
        if e is None or not self.running or not self.follow.get() or e.step <= self.shown_step:
            return
        t0 = self.now()
        self.show_snapshot(e, ModelOrigin.following(describe(e)))
        self.follows += 1
        self.follow_ms.append((self.now() - t0) * 1000)
        self.say(f"following: {describe(e)}")

    def follow_changed(self) -> None:
        if self.follow.get() and self._request is not None:
            self._request()
        elif not self.follow.get():
            self.unfollow()

    def unfollow(self) -> None:
        """Give the panels back the model from before the run, if following replaced it."""
        ck, origin = self.before
        if self.shown is not None and self.app_state.checkpoint is self.shown and ck is not None:
            self.shown, self.shown_step = None, -1
            self.app_state.set_model(ck, origin)
            self.log("the panels are back on the model from before the run")

    def show_snapshot(self, snap: Snapshot, origin: ModelOrigin) -> None:
        ck = snapshot_checkpoint(snap)
        self.shown, self.shown_step = ck, snap.step  # before set_model: model_changed reads it
        self.app_state.set_model(ck, origin)
        self.show_preview(ck)

    def model_changed(self) -> None:
        ck = self.app_state.checkpoint
        if ck is None or ck is self.shown or ck is self.final:
            return
        self.shown = None  # another model (opened from a file): not one of this run's
        if len(self.recorder) >= 2 and not self.running:
            self.say(
                f"The current model is not from the last run ({ck.info.title}): move the "
                f"slider to load the run's weights."
            )

    # --- replaying ----------------------------------------------------------------------------
    def add_final(self, ck: Checkpoint) -> None:
        """The final weights as the last stop (a stopped run ends between two snapshots)."""
        step = len(ck.info.history.get("batch_loss", []))
        spe = self.latest.steps_per_epoch if self.latest is not None else step
        if not step or (len(self.recorder) and self.recorder[-1].step >= step):
            return
        epoch = math.ceil(step / spe)
        self.recorder.add(
            Snapshot(step, epoch, step - (epoch - 1) * spe, spe, cpu_state(ck.model), ck.info, True)
        )

    def replay(self, k: int) -> None:
        """Make snapshot ``k`` current; the last stop is the run's final model itself."""
        if self.running or not 0 <= k < len(self.recorder):
            return
        if self.final is not None and self.app_state.checkpoint is self.final:
            self.final_origin = self.app_state.origin  # e.g. the file it was saved to since
        if k == len(self.recorder) - 1 and self.final is not None:
            self.shown = None
            self.app_state.set_model(self.final, self.final_origin)
            self.show_preview(self.final)
        else:
            snap = self.recorder[k]
            self.show_snapshot(snap, ModelOrigin.replay(describe(snap)))
        self.say(self.replay_label(k))

    def replay_label(self, k: int) -> str:
        snap = self.recorder[k]
        text = f"{k + 1}/{len(self.recorder)}: {describe(snap)}"
        if snap.test_accuracy is not None:
            held_out = snap.info.metrics.get("evaluated_on", "test")
            text += f", {held_out} accuracy {snap.test_accuracy:.1%}"
        if k == len(self.recorder) - 1 and self.final is not None:
            text += ", the final model"
        return text

    # --- the slider -------------------------------------------------------------------------
    def pick(self, index: int) -> None:
        """Move to snapshot ``index`` now (the arrow buttons)."""
        if len(self.recorder) < 2 or "disabled" in self.slider.state():
            return
        index = min(len(self.recorder) - 1, max(0, index))
        self.position.set(index)
        self.cancel(self._pending)
        self._pending = None
        self.index = index
        self.replay(index)

    def _moved(self, value: str) -> None:
        k = round(float(value))
        if float(value) != k:
            self.position.set(k)  # snap to a snapshot
        if k == self.index or len(self.recorder) < 2:
            return
        self.index = k
        if self._pending is None:
            self._pending = self.schedule(PICK_MS, self._fire)

    def _fire(self) -> None:
        self._pending = None
        self.replay(self.index)

    def _jump(self, event: tk.Event) -> str | None:
        """A click on the trough jumps there (ttk's default creeps one step per click)."""
        if "disabled" in self.slider.state():
            return None
        self.slider.tk.call("ttk::scale::Jump", str(self.slider), event.x, event.y)
        return "break"


def preview_filters(weights: np.ndarray) -> np.ndarray:
    """conv1's weights (out, in, k, k) as one small RGB grid image."""
    tiles = filter_tiles(weights)
    return grid(tiles, layout_for(len(tiles), tiles[0].shape[0], target=24))
