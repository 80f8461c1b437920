"""``desktop-cnn train --recipe book|app``: the chapter's run (or the app's) with its figures."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..core.errors import DesktopCnnError
from ..core.files.outputs import OutputLock
from ..core.files.save_policy import check_output_path, save_with_fallback
from ..core.train import recipes
from ..core.train.config import TrainConfig
from .progress import ProgressPrinter


def run_recipe(args: argparse.Namespace) -> int:
    """Train the recipe named by ``args.recipe``, save it, print the chapter's figures beside."""
    if args.resume or args.validation:
        raise DesktopCnnError(
            "--recipe runs the chapter's experiment from scratch and tests "
            "on the test set: leave out --resume and --validation"
        )
    r, config = recipes.apply_to_args(args.recipe, args)
    assert r is not None and config is not None  # called only when --recipe names one
    print(
        f"{r.title}: {r.arch} on {r.dataset}"
        + (f" ({', '.join(r.classes)})" if r.classes else "")
        + f", {config.optimizer} lr {config.peak_lr():g}, batch {config.batch_size}, "
        f"{config.epochs} epochs"
        + (", pixels scaled to [-1, 1]" if r.book_scaling else "")
        + f"; takes {r.minutes_here}",
        file=sys.stderr,
    )
    out = Path(args.out)
    config.validate()  # a bad flag or an unwritable --out fails before the data is read
    check_output_path(out)
    with OutputLock(out):  # a second run to the same --out says so and stops
        return _train_recipe(r, config, args, out)


def _train_recipe(
    r: recipes.Recipe, config: TrainConfig, args: argparse.Namespace, out: Path
) -> int:
    t0 = time.perf_counter()
    result, _ = recipes.train_recipe(r, config, args.data_dir, ProgressPrinter())
    if result.status == "failed":
        raise DesktopCnnError(result.message)
    saved = save_with_fallback(out, result.checkpoint.model, result.checkpoint.info)
    if saved.error:  # the model is safe in the user's models folder: say where
        raise DesktopCnnError(saved.error)
    print(f"saved {out}")
    print(recipes.comparison_text(r, result.checkpoint.info.metrics, time.perf_counter() - t0))
    print("\n".join(recipes.epoch_lines(r, result.checkpoint.info.history.get("epochs") or [])))
    return 0
