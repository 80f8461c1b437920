"""``desktop-cnn robustness``: test accuracy against epsilon (FGSM or PGD, pixel units)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.data.datasets import load_dataset
from ..core.errors import ConfigError
from ..core.files.checkpoints import load_checkpoint
from ..core.inside.attacks import METHODS, AttackConfig
from ..core.inside.pixels import PixelModel
from ..core.inside.robustness import Curve, parse_eps, robustness_curve
from ..core.inspect.mistakes import fit_dataset
from .jsonout import dumps
from .progress import wants_bars


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "robustness",
        help="test accuracy under attack, at each epsilon",
        description="Attack every test image away from its label at each epsilon "
        "(0-255 pixel units, L-infinity, whole pixels) and report the accuracy left.",
    )
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    p.add_argument("--eps", default="0,8,16,32,64", help="comma-separated, 0 to 255")
    p.add_argument("--method", choices=METHODS, default="fgsm", help="the attack")
    p.add_argument("--steps", type=int, default=10, help="PGD steps")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N test images")
    p.add_argument("--dataset", help="default: the dataset recorded in the checkpoint")
    p.add_argument(
        "--data-dir",
        help="dataset folder (default: $DESKTOP_CNN_DATA, else the user's data folder)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = robustness_file(
        args.file, args.eps, args.method, args.steps, args.limit, args.dataset, args.data_dir
    )
    if args.json:
        print(dumps(result))
    else:
        print(f"{result['method']} on {result['images']} test images ({result['dataset']}):")
        for e, acc in zip(result["eps"], result["accuracy"], strict=True):
            print(f"  eps {e:5g}/255  accuracy {acc:.2%}")
    return 0


def robustness_file(
    path: str,
    eps: str,
    method: str = "fgsm",
    steps: int = 10,
    limit: int | None = None,
    dataset: str | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    try:
        values = parse_eps(eps)
    except ValueError as exc:
        raise ConfigError(f"--eps: {exc}", "eps") from None
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be 1 or more, not {limit}", "limit")
    ck = load_checkpoint(path)
    info = ck.info
    cfg = AttackConfig(method, steps=steps)
    cfg.validate(len(info.classes))
    data = fit_dataset(load_dataset(dataset or info.dataset, data_dir), info)
    images, labels = data.test.images[:limit], data.test.labels[:limit]
    pm = PixelModel(ck.model.eval(), info.mean, info.std)
    curve = robustness_curve(pm, images, labels, values, cfg, progress=_progress())
    return {"file": path, "dataset": data.name} | curve.as_dict()


def _progress() -> Any:
    if not wants_bars(sys.stderr):
        return None

    def show(c: Curve) -> None:
        end = "\n" if c.complete else ""
        print(f"\r{c.done}/{c.total} images", end=end, file=sys.stderr, flush=True)

    return show
