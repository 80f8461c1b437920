"""``desktop-cnn code``: print a model as PyTorch source (an nn.Module class)."""

from __future__ import annotations

import argparse

from ..core.spec.code import spec_code
from .spec import model_as_spec


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("code", help="print a model as a PyTorch nn.Module class")
    p.add_argument(
        "model",
        metavar="NAME_OR_FILE",
        help="a model name (lenet5, cifar-net, ...), a .json spec or a .pt checkpoint",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(spec_code(model_as_spec(args.model)), end="")
    return 0
