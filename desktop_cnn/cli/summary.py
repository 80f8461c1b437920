"""``desktop-cnn summary``: a model's layers, output shapes and parameter counts."""

from __future__ import annotations

from ..core.errors import DesktopCnnError
from ..core.models import MODELS, build_model, model_spec
from ..core.summary import format_summary, summary


def add_parser(sub) -> None:
    p = sub.add_parser("summary", help="layers, output shapes and parameters of a model")
    p.add_argument("--model", required=True, choices=list(MODELS), help="the network to describe")
    p.add_argument("--input", help="CxHxW, e.g. 3x32x32 (default: the model's own)")
    p.add_argument("--classes", type=int, help="number of output classes")
    p.set_defaults(func=run)


def parse_shape(text: str) -> tuple[int, int, int]:
    try:
        c, h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise DesktopCnnError(f"bad --input {text!r}: write it as CxHxW, e.g. 1x28x28") from None
    if min(c, h, w) < 1:
        raise DesktopCnnError(f"bad --input {text!r}: every size must be at least 1")
    return c, h, w


def run(args) -> int:
    kwargs = {}
    shape = parse_shape(args.input) if args.input else None
    if model_spec(args.model).classifier:
        if shape:
            kwargs.update(in_channels=shape[0], input_size=shape[1])
        if args.classes:
            kwargs["num_classes"] = args.classes
    elif shape:
        kwargs["nz"] = shape[0]
    model = build_model(args.model, **kwargs)
    try:
        print(format_summary(summary(model, shape or model.input_shape)))
    except ValueError as exc:
        raise DesktopCnnError(str(exc)) from None
    return 0
