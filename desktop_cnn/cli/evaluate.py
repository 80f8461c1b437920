"""``desktop-cnn eval``: a saved model's test accuracy, per class, and its confusion matrix."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..core.data.batches import BatchLoader
from ..core.data.testset import load_test_data
from ..core.device import pick_device
from ..core.errors import DesktopCnnError
from ..core.files.checkpoints import load_checkpoint
from ..core.inspect.evaluation import evaluate
from .jsonout import dumps


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="test accuracy, per-class accuracy, confusion matrix")
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    p.add_argument("--dataset", help="default: the dataset recorded in the checkpoint")
    p.add_argument(
        "--data-dir",
        help="dataset folder (default: $DESKTOP_CNN_DATA, else the user's data folder)",
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--force", action="store_true", help="use a model over the size limits")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = evaluate_file(args.file, args.dataset, args.data_dir, args.device, args.force)
    if args.json:
        print(dumps(result))  # strict: NaN (no images) becomes null
    else:
        print(
            f"test accuracy: {result['accuracy']:.2%} on {result['n']} images ({result['dataset']})"
        )
        width = max(len(c) for c in result["per_class"])
        for name, acc in result["per_class"].items():
            shown = f"{acc:6.1%}" if math.isfinite(acc) else "   n/a"  # no test images
            print(f"  {name:<{width}}  {shown}")
    return 0


def evaluate_file(
    path: str,
    dataset: str | None,
    data_dir: str | None,
    device: str = "auto",
    force: bool = False,
) -> dict[str, Any]:
    pick_device(device)  # a wrong --device: one line before anything is read
    ck = load_checkpoint(path, force=force)
    info = ck.info
    subset = info.classes if dataset is None or dataset == info.dataset else None
    data = load_test_data(dataset or info.dataset, data_dir)  # MNIST's ships with the app
    if set(info.classes) != set(data.classes):
        if not set(info.classes) <= set(data.classes):
            raise DesktopCnnError(
                f"{path} knows classes {info.classes}, which {data.name} does not have"
            )
        subset = info.classes
    if subset and list(subset) != data.classes:
        data = data.with_classes(subset)
    if data.input_shape != tuple(info.input_shape):
        raise DesktopCnnError(
            f"{path} takes {info.input_shape} images, {data.name} has {data.input_shape}"
        )
    if len(data.test) == 0:
        raise DesktopCnnError(f"{data.name} has no test images to evaluate {path} on")
    dev = pick_device(device)
    loader = BatchLoader(data.test, 1000, info.mean, info.std, dev)  # the model's own stats
    result = evaluate(ck.model.to(dev), loader, len(info.classes))
    return {
        "file": str(path),
        "dataset": data.name,
        "n": len(data.test),
        "accuracy": result.accuracy,
        "loss": result.loss,
        "per_class": result.per_class_named(info.classes),
        "confusion": result.confusion.tolist(),
        "classes": info.classes,
    }
