"""``desktop-cnn visualize``: the input a conv channel, an fc unit or a class responds to most.

Gradient ascent from faint noise (or ``--from`` an image) with the regularisers of
core/inside/featurevis.py. ``--out`` writes the image at the model's input size, 0-255;
a layer without ``--channel`` writes every channel's image as one grid.
"""

from __future__ import annotations

import argparse
from typing import Any

import torch

from ..core.errors import ConfigError
from ..core.files.checkpoints import load_checkpoint
from ..core.inside.featurevis import PARAMS, Objective, VisConfig, objectives_for, run_to_end
from ..core.inside.images import pixels_from_file, save_png, tile
from ..core.inside.pixels import PixelModel, to_pixels
from .jsonout import dumps


def add_parser(sub: Any) -> None:
    d = VisConfig()
    p = sub.add_parser(
        "visualize",
        help="the input a channel, a unit or a class responds to most",
        description="Activation maximisation: gradient ascent on the input, with jitter, "
        "blur (or a 1/f Fourier parametrisation) and an L2 penalty to keep it readable.",
    )
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--layer", help="a layer, e.g. conv1, conv2, fc1 (see summary)")
    what.add_argument("--class", dest="klass", type=int, metavar="CLASS", help="a class index")
    p.add_argument("--channel", type=int, help="the channel (conv) or unit (fc); default: all")
    p.add_argument("--steps", type=int, default=d.steps, help="gradient-ascent steps")
    p.add_argument("--lr", type=float, default=d.lr, help="Adam's learning rate")
    p.add_argument("--jitter", type=int, default=d.jitter, help="random shift per step, pixels")
    p.add_argument("--blur", type=float, default=d.blur, help="Gaussian sigma, pixels (0: off)")
    p.add_argument("--param", choices=PARAMS, default=d.param, help="how the image is made")
    p.add_argument("--l2", type=float, default=d.l2, help="penalty on the pixels (0: off)")
    p.add_argument("--from", dest="start", metavar="IMAGE", help="start from this image")
    p.add_argument("--seed", type=int, default=d.seed, help="the starting noise")
    p.add_argument("--out", metavar="FILE", help="write the image here (.png)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = VisConfig(
        args.steps,
        args.lr,
        args.jitter,
        args.blur,
        args.param,
        args.l2,
        "image" if args.start else "noise",
        args.seed,
    )
    result = visualize_file(args.file, args.layer, args.channel, args.klass, cfg, args.start)
    image = result.pop("_image")
    if args.out:
        save_png(args.out, image)
        result["out"] = args.out
    if args.json:
        print(dumps(result))
    else:
        for o in result["objectives"]:
            print(f"{o['objective']}: {o['start']:.3g} -> {o['end']:.3g}")
    return 0


def visualize_file(
    path: str,
    layer: str | None,
    channel: int | None,
    klass: int | None,
    cfg: VisConfig,
    start: str | None = None,
) -> dict[str, Any]:
    """The visualisation as a dict (``_image``: the pixels, a grid for several objectives)."""
    ck = load_checkpoint(path)
    info = ck.info
    pm = PixelModel(ck.model.eval(), info.mean, info.std)
    objectives = _objectives(ck.model, info.input_shape, len(info.classes), layer, channel, klass)
    x0 = pixels_from_file(start, info.input_shape, info.mean, info.std) / 255 if start else None
    first = run_to_end(pm, objectives, VisConfig(**{**cfg.__dict__, "steps": 1}), x0)
    last = run_to_end(pm, objectives, cfg, x0)
    pixels = to_pixels(last.images)
    with torch.no_grad():
        probs = pm(pixels).softmax(1)
    return {
        "settings": cfg.__dict__,
        "objectives": [
            {"objective": o.text, "start": s, "end": e}
            | ({"probability": float(probs[i, o.index])} if o.kind == "class" else {})
            for i, (o, s, e) in enumerate(zip(objectives, first.values, last.values, strict=True))
        ],
        "_image": pixels[0] if len(objectives) == 1 else tile(pixels),
    }


def _objectives(
    model: torch.nn.Module,
    shape: tuple[int, int, int],
    classes: int,
    layer: str | None,
    channel: int | None,
    klass: int | None,
) -> list[Objective]:
    if klass is not None:
        if not 0 <= klass < classes:
            raise ConfigError(f"--class must be from 0 to {classes - 1}, not {klass}", "class")
        return [Objective("class", klass)]
    every = objectives_for(model, torch.zeros(1, *shape), layer or "")
    if channel is None:
        return every
    if not 0 <= channel < len(every):
        raise ConfigError(
            f"--channel must be from 0 to {len(every) - 1} for {layer}, not {channel}", "channel"
        )
    return [every[channel]]
