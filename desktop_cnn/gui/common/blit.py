"""A figure whose live lines update in a few ms: blitting instead of full redraws.

A full matplotlib redraw (ticks, labels, text layout) takes 50-500 ms on a small,
busy CPU: far too long to repeat while training. The live lines are ``animated``
(left out of full draws); after each full draw the background is saved, and an
update pastes it back and draws just the lines (``restore_region`` +
``draw_artist`` + ``blit``). Subclasses fix their axes' ranges for a run, so
that a full redraw is needed only when a line leaves them, after a resize or a
zoom, and when the run ends.
See https://matplotlib.org/stable/users/explain/animations/blitting.html
"""

from __future__ import annotations

import tkinter as tk
from typing import Any

from matplotlib.lines import Line2D

from .plots import FigurePane


class BlitPane(FigurePane):
    """A FigurePane with fixed margins whose ``live`` lines can be blitted."""

    def __init__(self, master: tk.Misc, size: tuple[float, float]) -> None:
        # Fixed margins (set by the subclass): the constrained layout engine alone costs
        # more than a blit.
        super().__init__(master, size, layout=None)
        self.live: list[Line2D] = []
        self.background: Any = None
        self._bg_renderer: Any = None
        self.blits = 0  # fast updates, for tests
        self.canvas.mpl_connect("draw_event", self._on_draw)

    def set_live(self, live: bool) -> None:
        """Live: the lines are left out of full draws and blitted; else plain artists."""
        for line in self.live:
            line.set_animated(live)
        self.background = None

    def update_lines(self, fits: bool) -> None:
        """Show the lines' new data: a blit when they still fit the axes, else a redraw."""
        if fits and self.background is not None and self._fresh():
            self.blit()
        else:
            self.redraw()

    def blit(self) -> None:
        self.blits += 1
        self.canvas.restore_region(self.background)
        axes: list[Any] = []
        for line in self.live:
            ax = line.axes
            assert ax is not None  # every live line was plotted on an axes
            ax.draw_artist(line)
            if ax not in axes:
                axes.append(ax)
        for ax in axes:
            self.canvas.blit(ax.bbox)

    def _on_draw(self, event: Any) -> None:
        """After every full draw (ours, a resize, a zoom): keep the background, add the lines."""
        if not self.live or not self.live[0].get_animated():
            return
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._bg_renderer = self.canvas.get_renderer()
        for line in self.live:
            line.draw(event.renderer)

    def _fresh(self) -> bool:
        """The saved background still matches the canvas (not after a resize or savefig)."""
        return self.canvas.get_renderer() is self._bg_renderer
