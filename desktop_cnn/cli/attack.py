"""``desktop-cnn attack``: an adversarial version of an image, within an epsilon in pixels.

``--out`` writes the image the model reads (its input size, 8-bit, before normalisation):
with ``--eps 0`` the unchanged input, otherwise the attacked one, whose answer is the one
printed. ``--smallest`` searches the smallest whole epsilon that changes the answer.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.errors import DesktopCnnError
from ..core.files.checkpoints import load_checkpoint
from ..core.inside.attacks import METHODS, AttackConfig, AttackResult, attack_one, smallest_eps
from ..core.inside.images import pixels_from_file, save_png
from ..core.inside.pixels import MAX_PIXEL, PixelModel
from .jsonout import dumps

SCALE = "0-255 pixel units (L-infinity, on the model's input before normalisation)"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "attack",
        help="fool a model with a small change to an image (FGSM or PGD)",
        description="Change every pixel of the model's input by at most EPS of 255 so that "
        "the model's answer changes (or becomes --target).",
    )
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    p.add_argument(
        "image",
        help="an image: one of the model's input size is taken as stored, "
        "any other is preprocessed as predict does",
    )
    p.add_argument("--method", choices=METHODS, default="fgsm", help="fgsm: one step; pgd: many")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--eps", type=float, default=8.0, help="the bound, 0 to 255 pixel units")
    how.add_argument(
        "--smallest", action="store_true", help="find the smallest whole epsilon that fools it"
    )
    p.add_argument("--target", type=int, metavar="CLASS", help="a class index to make it answer")
    p.add_argument("--steps", type=int, default=20, help="PGD steps")
    p.add_argument("--seed", type=int, default=0, help="PGD's random start")
    p.add_argument("--out", metavar="FILE", help="write the attacked input here (.png)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = attack_file(
        args.file,
        args.image,
        args.method,
        args.eps,
        args.smallest,
        args.target,
        args.steps,
        args.seed,
    )
    adv = result.pop("_adversarial")
    if args.out:
        save_png(args.out, adv)
        result["out"] = args.out
    if args.json:
        print(dumps(result))
    else:
        b, a = result["before"], result["after"]
        print(
            f"{args.image}: {b['label']} ({b['probability']:.1%}) -> {a['label']} "
            f"({a['probability']:.1%}) at eps {result['eps']:g}/255"
            + (f", written to {args.out}" if args.out else "")
        )
    if not result["fooled"] and result["eps"] > 0:
        print("the answer did not change: try a larger --eps or --method pgd", file=sys.stderr)
    return 0


def attack_file(
    path: str,
    image: str,
    method: str = "fgsm",
    eps: float = 8.0,
    smallest: bool = False,
    target: int | None = None,
    steps: int = 20,
    seed: int = 0,
) -> dict[str, Any]:
    """The attack as a dict (``_adversarial``: the attacked pixels, for ``--out``)."""
    ck = load_checkpoint(path)
    info = ck.info
    cfg = AttackConfig(method, eps, target, steps, seed=seed)
    cfg.validate(len(info.classes))
    pm = PixelModel(ck.model.eval(), info.mean, info.std)
    x = pixels_from_file(image, info.input_shape, info.mean, info.std)
    r: AttackResult | None
    if smallest:
        found = smallest_eps(pm, x, cfg)
        if found.eps is None or found.result is None:
            raise DesktopCnnError(
                f"{image}: no epsilon up to 255 changes the answer with {method}; "
                "try --method pgd or another --target"
            )
        r = found.result
    else:
        r = attack_one(pm, x, cfg)
    return describe(r, info.classes, image, cfg) | {"_adversarial": r.adversarial}


def describe(r: AttackResult, classes: list[str], image: str, cfg: AttackConfig) -> dict[str, Any]:
    """The JSON record of one attack."""
    fooled = (
        r.label_after == cfg.target if cfg.target is not None else (r.label_after != r.label_before)
    )

    def answer(probs: Any, label: int) -> dict[str, Any]:
        return {"label": classes[label], "index": label, "probability": float(probs[label])}

    return {
        "image": image,
        "method": cfg.method,
        "target": cfg.target,
        "eps": r.eps,
        "eps_scale": SCALE,
        "eps_fraction": r.eps / MAX_PIXEL,
        "linf": r.linf,
        "fooled": bool(fooled),
        "before": answer(r.before, r.label_before),
        "after": answer(r.after, r.label_after),
        "probabilities": dict(zip(classes, r.after.tolist(), strict=True)),
    }
