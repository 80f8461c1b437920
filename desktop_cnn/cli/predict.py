"""``desktop-cnn predict``: classify image files with a saved model."""

from __future__ import annotations

import json
from typing import Any

from ..core.checkpoints import load_checkpoint
from ..core.errors import DesktopCnnError
from ..core.evaluation import predict_proba
from ..core.preprocess import load_image, prepare


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="classify image files (digits get MNIST preprocessing)")
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files to classify")
    p.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    results = predict_files(args.file, args.images)
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            p = r["probabilities"][r["label"]]
            print(f"{r['image']}: {r['label']} ({p:.1%})")
    return 0


def predict_files(path: str, images: list[str]) -> list[dict[str, Any]]:
    ck = load_checkpoint(path)
    info = ck.info
    out = []
    for image in images:
        x, _ = prepare(load_image(image), info.input_shape, info.mean, info.std)
        if x is None:
            raise DesktopCnnError(f"{image}: the image is empty (no ink found)")
        probs = predict_proba(ck.model, x)[0].tolist()
        label = max(range(len(probs)), key=probs.__getitem__)
        out.append({"image": image, "label": info.classes[label], "index": label,
                    "probabilities": dict(zip(info.classes, probs, strict=True))})
    return out
