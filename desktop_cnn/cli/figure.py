"""``desktop-cnn figure``: a Playground preset or a network diagram as PNG, SVG or PDF.

    desktop-cnn figure fig2 --out fig2.svg
    desktop-cnn figure diagram --model lenet5 --out lenet5.pdf

The picture is the one the app shows (the same core code); SVG keeps its text as text.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    from ..core.conv.exercises import FIGURE_NAMES  # cheap: no model is built

    p = sub.add_parser(
        "figure",
        help="save a Playground preset or a network diagram as a .png, .svg or .pdf picture",
    )
    p.add_argument(
        "name",
        metavar="NAME",
        help=f"diagram, or a preset: {', '.join(FIGURE_NAMES)}",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.png, FILE.svg or FILE.pdf")
    p.add_argument(
        "--model",
        metavar="NAME_OR_FILE",
        help="for diagram: a model name, a .json spec file or a .pt checkpoint",
    )
    p.add_argument(
        "--step",
        type=int,
        default=0,
        help="show the layer after this many steps of the kernel (default 0: all of them)",
    )
    p.add_argument(
        "--channel", type=int, default=0, help="the output channel (filter) to show, from 0"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.pictures.save import save_figure

    fig = make_figure(args.name, args.model, args.step, args.channel)
    path = save_figure(fig, args.out)
    print(f"saved {path}")
    return 0


def make_figure(name: str, model: str | None, step: int = 0, channel: int = 0) -> Any:
    """The Figure for ``name``; a FigureError (one line) for anything it cannot draw."""
    from ..core.conv.exercises import FIGURE_NAMES
    from ..core.pictures.save import FigureError

    if name == "diagram":
        if not model:
            raise FigureError("figure diagram needs --model (e.g. --model lenet5)")
        return diagram_of(model)
    if model:
        raise FigureError(f"--model is only for figure diagram, not for {name}")
    if name not in FIGURE_NAMES:
        raise FigureError(
            f"unknown figure {name!r}: choose diagram or one of {', '.join(FIGURE_NAMES)}"
        )
    return preset_figure(FIGURE_NAMES[name], step, channel)


def preset_figure(preset_name: str, step: int, channel: int) -> Any:
    from ..core.conv.exercises import PRESETS
    from ..core.conv.playground import ConvRun, random_data
    from ..core.pictures.layer import layer_figure
    from ..core.pictures.save import FigureError

    preset = PRESETS[preset_name]
    st = preset.settings
    data = preset.data() if preset.data else random_data(st)
    run = ConvRun(st, *data)
    if not 0 <= channel < st.channels_out:
        raise FigureError(f"--channel must be from 0 to {st.channels_out - 1}, not {channel}")
    if not 0 <= step <= len(run.steps):
        raise FigureError(f"--step must be from 0 to {len(run.steps)} for {preset_name}")
    if step:
        for _ in range(step):
            run.advance()
    else:
        run.run_to_end()
    return layer_figure(run, channel, title=preset_name)


def diagram_of(model: str) -> Any:
    from ..core.files.resolve import resolve_model
    from ..core.models import MODELS, spec_for
    from ..core.pictures.diagram import diagram_figure
    from ..core.pictures.save import FigureError
    from ..core.spec.layers import SpecError

    arch = resolve_model(model)
    if isinstance(arch, str):
        try:
            spec = spec_for(arch, dict(MODELS[arch].defaults))
        except SpecError:
            raise FigureError(
                f"cannot draw {arch}: it is not a network of layers a spec describes; "
                "give a preset such as lenet5, a .json spec or a .pt checkpoint"
            ) from None
    else:
        spec = arch
    return diagram_figure(spec)
