"""``desktop-cnn predict``: classify image files with a saved model.

Every readable image gets its answer; each one that cannot be used is named on
stderr and the others still get theirs. Exit status: 0 when every image was
answered, 1 when the model cannot be used or any image failed.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from ..core.data.preprocess import load_image, prepare
from ..core.errors import DesktopCnnError
from ..core.files.checkpoints import Checkpoint, load_checkpoint
from ..core.inspect.evaluation import predict_proba
from .jsonout import dumps
from .prog import PROG

SOME_FAILED = 1  # exit status when at least one image could not be answered


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "predict",
        help="classify image files (digits get MNIST preprocessing); "
        "exit status 1 if any image cannot be read",
    )
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files to classify")
    p.add_argument(
        "--json",
        action="store_true",
        help='print a JSON list on stdout; an image that failed has an "error" instead of a label',
    )
    p.add_argument("--force", action="store_true", help="use a model over the size limits")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    results = predict_files(args.file, args.images, args.force)
    for r in results:  # in the order given: an answer on stdout or the reason on stderr
        if "error" in r:
            print(f"{PROG}: error: {r['error']}", file=sys.stderr, flush=True)
        elif not args.json:
            p = r["probabilities"][r["label"]]
            print(f"{r['image']}: {r['label']} ({p:.1%})", flush=True)
    if args.json:
        print(dumps(results))
    return SOME_FAILED if any("error" in r for r in results) else 0


def predict_files(path: str, images: list[str], force: bool = False) -> list[dict[str, Any]]:
    """One dict per image, in order: its answer, or ``{"image", "error"}`` when it failed."""
    # a model that cannot be used stops everything: one line
    ck = load_checkpoint(path, force=force)
    out: list[dict[str, Any]] = []
    for image in images:
        try:
            out.append(_predict_one(ck, image))
        except DesktopCnnError as exc:
            out.append({"image": image, "error": str(exc)})
    return out


def _predict_one(ck: Checkpoint, image: str) -> dict[str, Any]:
    info = ck.info
    img = load_image(image)
    try:
        x, _ = prepare(img, info.input_shape, info.mean, info.std)
    except (OSError, ValueError) as exc:  # PIL decodes lazily: a damaged image can fail here
        raise DesktopCnnError(f"{image} cannot be used as an image ({exc})") from None
    if x is None:
        raise DesktopCnnError(f"{image}: the image is empty (no ink found)")
    probs = predict_proba(ck.model, x)[0].tolist()
    if not all(math.isfinite(p) for p in probs):  # finite weights can still overflow float32
        raise DesktopCnnError(
            f"{image}: the model's outputs overflow (not finite numbers) for this image, so it "
            "has no answer: the model file is damaged or diverged; retrain it"
        )
    label = max(range(len(probs)), key=probs.__getitem__)
    return {
        "image": image,
        "label": info.classes[label],
        "index": label,
        "probabilities": dict(zip(info.classes, probs, strict=True)),
    }
