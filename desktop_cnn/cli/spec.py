"""``desktop-cnn spec``: print a model's spec as JSON (a preset, a spec file or a checkpoint)."""

from __future__ import annotations

import argparse

from ..core.files.resolve import resolve_model
from ..core.models import spec_for
from ..core.spec.files import spec_json
from ..core.spec.layers import NetSpec


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("spec", help="print a model's layers as a JSON spec (--model accepts it)")
    p.add_argument(
        "model",
        metavar="NAME_OR_FILE",
        help="a model name (lenet5, cifar-net, ...), a .json spec or a .pt checkpoint",
    )
    p.set_defaults(func=run)


def model_as_spec(text: str) -> NetSpec:
    """The spec behind a model name, spec file or checkpoint (SpecError when there is none)."""
    found = resolve_model(text)
    return found if isinstance(found, NetSpec) else spec_for(found, {})


def run(args: argparse.Namespace) -> int:
    print(spec_json(model_as_spec(args.model)), end="")
    return 0
