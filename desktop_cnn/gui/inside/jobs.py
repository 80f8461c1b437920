"""The Inside tab's background work, as functions of a worker ``Task`` (no Tk here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from ...core.files.checkpoints import Checkpoint
from ...core.inside.attacks import AttackConfig, attack_one, smallest_eps
from ...core.inside.featurevis import Objective, VisConfig, visualise
from ...core.inside.pixels import MAX_PIXEL, PixelModel
from ...core.inside.robustness import Curve, robustness_curve
from ...core.inspect.mistakes import fit_dataset
from ..datasets import DatasetCache
from ..worker import Task
from .events import Attacked, CurveDone, CurveProgress, VisDone, VisFrame

EXAMPLES = 8  # real test images shown beside a class's visualisation


def pixel_model(ck: Checkpoint) -> PixelModel:
    return PixelModel(ck.model, ck.info.mean, ck.info.std)


def attacked(pm: PixelModel, x: torch.Tensor, cfg: AttackConfig, smallest: bool) -> Attacked:
    """Attack (or search the smallest epsilon for) ``x``, whole pixels (C, H, W)."""
    found = True
    if smallest:
        search = smallest_eps(pm, x, cfg)
        found = search.result is not None
        r = search.result or attack_one(pm, x, replace(cfg, eps=0.0))
    else:
        r = attack_one(pm, x, cfg)
    return Attacked(
        r.original.numpy(),
        r.adversarial.numpy(),
        r.before.numpy(),
        r.after.numpy(),
        r.eps,
        smallest,
        found,
    )


def visualise_job(
    ck: Checkpoint,
    objectives: list[Objective],
    cfg: VisConfig,
    start: torch.Tensor | None,
    job: str,
    cache: DatasetCache | None,
    data_dir: str | None,
) -> Callable[[Task], VisDone | None]:
    """A work function: frames as the images grow, then VisDone (with real examples)."""
    pm = pixel_model(ck)

    def work(task: Task) -> VisDone | None:
        last = None
        for frame in visualise(pm, objectives, cfg, start):
            if task.cancelled:
                return None
            last = frame
            task.emit(VisFrame(job, frame.step, cfg.steps, frame.images.numpy(), frame.values))
        if len(objectives) != 1 or objectives[0].kind != "class" or last is None:
            return VisDone(job)
        k = objectives[0].index
        with torch.no_grad():
            prob = float(pm(last.images * MAX_PIXEL).softmax(1)[0, k])
        return VisDone(job, _examples(ck, k, cache, data_dir), prob)

    return work


def _examples(
    ck: Checkpoint, k: int, cache: DatasetCache | None, data_dir: str | None
) -> np.ndarray | None:
    """A few real test images of class ``k`` (0..1), or None when the data is not at hand."""
    if cache is None:
        return None
    from ...core.errors import DesktopCnnError

    try:
        data = fit_dataset(cache.load(ck.info.dataset, data_dir, download=False), ck.info)
    except DesktopCnnError:
        return None
    idx = (data.test.labels == k).nonzero().flatten()[:EXAMPLES]
    images: np.ndarray = data.test.images[idx].float().numpy() / MAX_PIXEL
    return images


def curve_job(
    ck: Checkpoint,
    key: str,
    label: str,
    eps: list[float],
    cfg: AttackConfig,
    cache: DatasetCache,
    data_dir: str | None,
    limit: int | None = None,
) -> Callable[[Task], CurveDone]:
    """A work function: the robustness curve with progress, cancellable between batches."""
    pm = pixel_model(ck)

    def work(task: Task) -> CurveDone:
        data = fit_dataset(cache.load(ck.info.dataset, data_dir), ck.info)
        images, labels = data.test.images[:limit], data.test.labels[:limit]

        def progress(c: Curve) -> None:
            task.emit(CurveProgress(key, c.done, c.total, c.eps, c.accuracy))

        c = robustness_curve(pm, images, labels, eps, cfg, 250, progress, lambda: task.cancelled)
        return CurveDone(key, label, c.eps, c.accuracy, c.done, c.complete)

    return work


def as_pixels(seen: np.ndarray) -> torch.Tensor:
    """The analysis's 0..1 preview of the model input, as whole pixels (C, H, W)."""
    return (torch.from_numpy(np.asarray(seen, dtype=np.float32)).clamp(0, 1) * MAX_PIXEL).round()
