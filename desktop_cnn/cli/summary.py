"""``desktop-cnn summary``: a model's layers, output shapes and parameter counts.

The model is built on PyTorch's "meta" device: shapes and parameter counts
without memory, so a large input or model costs nothing to summarise.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import torch

from ..core.errors import ConfigError, DesktopCnnError
from ..core.files.resolve import resolve_model
from ..core.files.safetext import clean
from ..core.inspect.summary import format_summary, summary
from ..core.limits import MAX_CHANNELS, MAX_CLASSES, MAX_SIDE, check_range
from ..core.models import MODELS, build_model, model_spec
from ..core.spec.arith import check
from ..core.spec.files import fit_to_data
from ..core.spec.layers import NetSpec
from ..core.spec.table import format_table


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("summary", help="layers, output shapes and parameters of a model")
    p.add_argument(
        "--model",
        required=True,
        metavar="NAME_OR_FILE",
        help=f"one of {', '.join(MODELS)}, or a .json spec file or .pt checkpoint "
        "(then with the arithmetic of every layer)",
    )
    p.add_argument(
        "--input",
        help=f"CxHxW, e.g. 3x32x32 (default: the model's own; at most "
        f"{MAX_CHANNELS} channels and {MAX_SIDE} pixels a side)",
    )
    p.add_argument("--classes", type=int, help=f"number of output classes (1 to {MAX_CLASSES})")
    p.add_argument(
        "--force",
        action="store_true",
        help="show a spec even when it is too big to train on a desktop",
    )
    p.set_defaults(func=run)


def parse_shape(text: str) -> tuple[int, int, int]:
    try:
        c, h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ConfigError(
            f"bad --input {text!r}: write it as CxHxW, e.g. 1x28x28", "input"
        ) from None
    if min(c, h, w) < 1:
        raise ConfigError(f"bad --input {text!r}: every size must be at least 1", "input")
    if c > MAX_CHANNELS or max(h, w) > MAX_SIDE:
        raise ConfigError(
            f"bad --input {text!r}: at most {MAX_CHANNELS} channels and {MAX_SIDE} pixels a side",
            "input",
        )
    return c, h, w


def spec_summary(
    spec: NetSpec, shape: tuple[int, int, int] | None, classes: int | None, force: bool
) -> str:
    """The arithmetic table of a spec; SpecError (one line) when a layer cannot be built."""
    if classes:
        spec = fit_to_data(spec, shape or spec.input_shape, classes)
    elif shape:
        spec = replace(spec, input_shape=shape)
    return f"{spec.name}, input {'x'.join(map(str, spec.input_shape))}\n" + format_table(
        check(spec, force=force)
    )


def run(args: argparse.Namespace) -> int:
    shape = parse_shape(args.input) if args.input else None
    if args.classes is not None:
        check_range("--classes", args.classes, 1, MAX_CLASSES, integer=True, field="classes")
    found = args.model if args.model in MODELS else resolve_model(args.model)
    if isinstance(found, NetSpec):
        table = spec_summary(found, shape, args.classes, args.force)
        print("\n".join(clean(line, 100_000) for line in table.splitlines()))  # a file's names
        return 0
    kwargs: dict[str, int] = {}
    if model_spec(found).classifier:
        if shape:
            kwargs.update(in_channels=shape[0], input_size=shape[1])
        if args.classes:
            kwargs["num_classes"] = args.classes
    elif shape:
        kwargs["nz"] = shape[0]
    with torch.device("meta"):  # shapes and counts only: nothing is allocated
        # so the desktop's size limit (for real weights and activations) need not hold here
        model = build_model(found, force=True, **kwargs)
        try:
            print(format_summary(summary(model, shape or model.input_shape)))
        except ValueError as exc:
            raise DesktopCnnError(str(exc)) from None
    return 0
