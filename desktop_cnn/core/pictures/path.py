"""The Feature maps from the input to the answer as one figure (for a slide or a handout).

No Tk, no pyplot. One row per stage of ``core.inspect.answer_path``: maps as small images
(the first few channels, numbered from 0), vectors as a colour strip, and the
softmax as bars with their probabilities written out.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from ..inspect.answer_path import AnswerPath

MAX_MAPS = 8  # maps per row; the label says how many there are


def path_figure(path: AnswerPath, classes: list[str] | None = None, title: str = "") -> Figure:
    stages = path.stages
    rows = len(stages)
    fig = Figure(figsize=(11.0, 1.15 * rows + 0.6))
    grid = fig.add_gridspec(rows, MAX_MAPS + 1, width_ratios=[3.6] + [1] * MAX_MAPS)
    if title:
        fig.suptitle(title, fontsize=10)
    for r, s in enumerate(stages):
        label_ax = fig.add_subplot(grid[r, 0])
        label_ax.axis("off")
        label_ax.text(0, 0.5, f"{s.name}\n{s.label}", fontsize=7, va="center", wrap=True)
        v = s.values
        if v.dim() == 3:
            for k in range(min(v.shape[0], MAX_MAPS)):
                ax = fig.add_subplot(grid[r, k + 1])
                ax.imshow(v[k].numpy(), cmap="viridis", interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{k}", fontsize=6, pad=1)
        elif s.name == "softmax":
            ax = fig.add_subplot(grid[r, 1:])
            names = [classes[k] if classes and k < len(classes) else str(k) for k in range(len(v))]
            ax.bar(range(len(v)), v.numpy(), color="#4a6a8a")
            ax.set_ylim(0, 1.15)
            ax.set_xticks(range(len(v)), names, fontsize=6)
            ax.tick_params(axis="y", labelsize=6)
            for k, p in enumerate(v.tolist()):
                ax.text(k, p + 0.02, f"{p:.3f}", ha="center", fontsize=6)
        else:
            ax = fig.add_subplot(grid[r, 1:])
            ax.imshow(v[None, :].numpy(), aspect="auto", cmap="viridis", interpolation="nearest")
            ax.set_yticks([])
            ax.tick_params(axis="x", labelsize=6)
            if v.numel() <= 12:
                for k, val in enumerate(v.tolist()):
                    ax.text(k, 0, f"{val:.2f}", ha="center", va="center", fontsize=6, color="w")
    return fig
