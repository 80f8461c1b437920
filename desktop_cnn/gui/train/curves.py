"""Live training curves that cost the Tk thread a few ms per update (common/blit.py).

The batch axis spans the whole run from the start, so that an update only blits
the lines; a full redraw happens at an epoch's end, when a loss leaves the y
range, after a resize or zoom, and when the run ends.
"""

from __future__ import annotations

import tkinter as tk

import numpy as np
from matplotlib.ticker import MaxNLocator

from ...core.inspect.compare import SMOOTH
from ..common.blit import BlitPane
from ..common.plots import thin

LIVE_POINTS = 800  # per line while training: ~2 points per pixel of the axes


class CurvesPane(BlitPane):
    """Loss per batch (raw, smoothed) with the test loss per epoch; test accuracy per epoch."""

    def __init__(self, master: tk.Misc) -> None:
        super().__init__(master, (7, 3.6))
        self.figure.subplots_adjust(left=0.09, right=0.97, bottom=0.14, top=0.91, wspace=0.3)
        self.loss_ax, self.acc_ax = self.figure.subplots(1, 2)
        (self.raw_line,) = self.loss_ax.plot([], [], color="#9ec3e6", lw=0.8, label="per batch")
        (self.smooth_line,) = self.loss_ax.plot([], [], color="#1f5fa8", lw=1.8, label="smoothed")
        (self.test_loss_line,) = self.loss_ax.plot(
            [], [], "o-", color="#c0392b", ms=5, label="test, per epoch"
        )
        (self.acc_line,) = self.acc_ax.plot([], [], "s-", color="#27864a")
        self.loss_ax.set(title="Loss", xlabel="batch", ylabel="cross-entropy")
        self.acc_ax.set(title="Test accuracy", xlabel="epoch")
        self.loss_ax.legend(loc="upper right", fontsize="small")
        for ax in (self.loss_ax, self.acc_ax):
            ax.grid(alpha=0.3)
        self.hint = self.loss_ax.text(
            0.5,
            0.5,
            "Press Start: the curves\nappear here as it trains",
            ha="center",
            va="center",
            color="#666",
            transform=self.loss_ax.transAxes,
        )
        self.live = [self.raw_line, self.smooth_line, self.test_loss_line, self.acc_line]
        self.clear()

    # --- a run's life -------------------------------------------------------------------
    def clear(self, redraw: bool = True) -> None:
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.epochs: list[dict] = []
        self._avg = 0.0
        self.first_step, self.steps_per_epoch = 0, 1
        for line in self.live:
            line.set_data([], [])
        self.hint.set_visible(True)
        for ax in (self.loss_ax, self.acc_ax):
            ax.set(xlim=(0, 1), ylim=(0, 1))
        self.set_live(False)
        if redraw:
            self.redraw()

    def set_loss_label(self, text: str) -> None:
        """Name what the batch losses are: cross-entropy, or a distillation loss."""
        self.loss_ax.set_ylabel(text)

    def start(self, first_step: int, total_steps: int, epochs: int) -> None:
        """Fix the x axes for the whole run, so that updates never move them."""
        self.first_step = first_step
        self.steps_per_epoch = max(1, total_steps // max(epochs, 1))
        self.hint.set_visible(False)
        span = max(total_steps - first_step, 1)
        self.loss_ax.set_xlim(first_step, total_steps + max(1, span // 40))  # room for the dot
        self.acc_ax.set_xlim(0.5, epochs + 0.5)
        self.acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        self.set_live(True)
        self.redraw()

    def add_losses(self, losses: list[float]) -> None:
        """New batch losses (the whole list so far): blit, or redraw when they leave the axes."""
        self._smooth_more(losses)
        self.losses = losses
        self._set_loss_data(LIVE_POINTS)
        self.update_lines(max(losses[-50:], default=0) <= self.loss_ax.get_ylim()[1])

    def set_epochs(self, epochs: list[dict]) -> None:
        """Per-epoch test results; the accuracy axis rescales only when a point leaves it."""
        self.epochs = epochs
        ep = [e["epoch"] for e in epochs]
        acc = [e["test_accuracy"] for e in epochs]
        self.test_loss_line.set_data(
            [e * self.steps_per_epoch for e in ep], [e["test_loss"] for e in epochs]
        )
        self.acc_line.set_data(ep, acc)
        lo, hi = self.acc_ax.get_ylim()
        fits = lo <= min(acc) and max(acc) <= hi and not (lo, hi) == (0, 1)
        if not fits:  # 5% steps below the lowest accuracy: 0.982 -> (0.95, 1.0)
            self.acc_ax.set_ylim(max(0.0, int((min(acc) - 0.03) * 20) / 20), 1.0)
        self.update_lines(
            fits and max(e["test_loss"] for e in epochs) <= self.loss_ax.get_ylim()[1]
        )

    def finish(self) -> None:
        """Back to a plain figure: all points, every line in normal draws and saved PNGs."""
        self.set_live(False)
        self._set_loss_data(4 * LIVE_POINTS)
        self.redraw()

    # --- drawing --------------------------------------------------------------------------
    def redraw(self) -> None:
        tops = self.losses + [e["test_loss"] for e in self.epochs]
        if tops:
            self.loss_ax.set_ylim(0, max(tops) * 1.08)
        super().redraw()

    def _smooth_more(self, losses: list[float]) -> None:
        for i in range(len(self.smoothed), len(losses)):
            self._avg = SMOOTH * self._avg + (1 - SMOOTH) * losses[i]
            self.smoothed.append(self._avg / (1 - SMOOTH ** (i + 1)))  # bias-corrected

    def _set_loss_data(self, limit: int) -> None:
        x = np.arange(self.first_step + 1, self.first_step + 1 + len(self.losses))
        self.raw_line.set_data(*thin(x, np.asarray(self.losses), limit))
        self.smooth_line.set_data(*thin(x, np.asarray(self.smoothed), limit))

    @property
    def points(self) -> int:
        return len(self.losses)
