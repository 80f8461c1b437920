"""The command line: the same core as the app, from a terminal.

    desktop-cnn train --dataset mnist --model lenet5 --epochs 5 --out m.pt
    desktop-cnn eval m.pt --dataset mnist --json
    desktop-cnn predict m.pt digit.png --json
    desktop-cnn summary --model cifar-net --input 3x32x32
    desktop-cnn export m.pt --onnx m.onnx
    desktop-cnn spec lenet5 > my_net.json; desktop-cnn code my_net.json
    desktop-cnn figure fig2 --out fig2.svg; desktop-cnn figure diagram --model lenet5 --out n.pdf

Each subcommand is one module here with ``add_parser(sub)`` and ``run(args)``; the work
itself is a function that returns data, so tests can call it without parsing output.
"""

from __future__ import annotations

import argparse
import sys
from typing import Protocol

from ..core.errors import DesktopCnnError
from ..core.files.safetext import clean
from . import (
    attack,
    code,
    evaluate,
    exercises,
    export,
    figure,
    gan,
    helpformat,
    lesson,
    pipes,
    predict,
    progress,
    robustness,
    spec,
    summary,
    train,
    visualize,
)
from .prog import PROG


class Command(Protocol):
    """A subcommand's module: ``add_parser`` adds it, its ``run(args)`` set as ``func``."""

    def add_parser(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


COMMANDS: tuple[Command, ...]
COMMANDS = (train, evaluate, predict, summary, export, spec, code, exercises, lesson, figure)
COMMANDS += (gan,)
COMMANDS += (visualize, attack, robustness)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Learn CNNs: train, evaluate, predict. Run with no arguments, or with a "
        "model (.pt) or image file, to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    progress.add_quiet(sub.choices["train"])
    helpformat.apply(parser)  # each default once, and the exit codes in every --help
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    progress.QUIET = getattr(args, "quiet", False)
    pipes.guard_output()  # a reader that leaves ends the output, never the run or its save
    try:
        code: int = args.func(args)  # the subcommand's run(args)
        return code
    except DesktopCnnError as exc:  # may quote a file's text: shown without control characters
        print(f"{PROG}: error: {clean(exc, limit=2000)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
