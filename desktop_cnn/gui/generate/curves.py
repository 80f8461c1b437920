"""The GAN's two losses and D(x), D(G(z)) per step, blitted while a run goes on.

The step axis spans the whole run from its start and D's axis is 0..1, so an
update (each new sample grid) only blits four smoothed lines; a full redraw
happens when a loss leaves its range, after a resize or zoom, and at the end.
"""

from __future__ import annotations

import tkinter as tk

import numpy as np

from ..common.blit import BlitPane

SERIES = (  # key, axes (0 losses, 1 probabilities), colour, label
    ("loss_d", 0, "#1f5fa8", "loss D"),
    ("loss_g", 0, "#c0392b", "loss G (non-saturating)"),
    ("d_x", 1, "#27864a", "D(x): real called real"),
    ("d_gz", 1, "#8e44ad", "D(G(z)): fake called real"),
)


def smoothed(y: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Steps and a moving average over up to 25 steps (a tenth of the run when short)."""
    values = np.asarray(y, dtype=float)
    if not len(values):
        return np.zeros(0), np.zeros(0)
    k = max(1, min(25, len(values) // 10))
    mean = np.convolve(values, np.ones(k) / k, mode="valid")
    return np.arange(len(mean)) + k, mean


class GanCurves(BlitPane):
    """Losses above, D's two probabilities below, on one step axis."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (5.2, 4.2))
        self.figure.subplots_adjust(left=0.14, right=0.97, bottom=0.11, top=0.93, hspace=0.12)
        self.loss_ax, self.d_ax = self.figure.subplots(2, 1, sharex=True)
        axes = (self.loss_ax, self.d_ax)
        self.lines = {
            key: axes[i].plot([], [], color=color, lw=1.4, label=label)[0]
            for key, i, color, label in SERIES
        }
        self.live = list(self.lines.values())
        self.loss_ax.set(title="Losses (BCE)", ylabel="loss", xlim=(0, 1), ylim=(0, 1))
        self.d_ax.set(xlabel="step", ylabel="probability", ylim=(0, 1))
        for ax in axes:
            ax.grid(alpha=0.3)
            ax.legend(loc="upper right", fontsize="small")

    def start(self, first_step: int, total_steps: int) -> None:
        """A run begins: fix the step axis for all of it, so that updates never move it."""
        self.loss_ax.set_xlim(0, max(total_steps, first_step + 1))
        self.set_live(True)
        self.redraw()

    def show(self, history: dict[str, list[float]], live: bool = False) -> None:
        """Draw ``history`` (per step); ``live``: blit if it fits, else a plain full draw."""
        for key, line in self.lines.items():
            line.set_data(*smoothed(history.get(key, [])))
        losses = [float(line.get_ydata().max()) for k, line in self.lines.items()
                  if k.startswith("loss") and len(line.get_ydata())]  # fmt: skip
        top = max(losses, default=0.0)
        if live:
            fits = top <= self.loss_ax.get_ylim()[1]
            if not fits:
                self.loss_ax.set_ylim(0, top * 1.25)  # room to grow before the next redraw
            self.update_lines(fits)
            return
        self.set_live(False)
        steps = max((len(v) for v in history.values()), default=0)
        self.loss_ax.set_xlim(0, max(steps, 1))
        self.loss_ax.set_ylim(0, max(top * 1.08, 1.0))
        self.redraw()
