"""Entry point: no arguments or a file opens the app; anything else is the command line."""

from __future__ import annotations

import sys
from pathlib import Path

# cli/__init__.py's COMMANDS, named here: importing the CLI would import torch (seconds)
SUBCOMMANDS: tuple[str, ...]  # any length: these tuples grow on the lines below
SUBCOMMANDS = ("train", "eval", "predict", "summary", "export", "gui", "lesson", "figure")
SUBCOMMANDS += ("visualize", "attack", "robustness", "gan")
OPENED_TYPES: tuple[str, ...]
OPENED_TYPES = (".pt", ".pth", ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
OPENED_TYPES += (".lesson",)  # a lesson file (core/chapter/lesson.py)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C while torch is still importing: no traceback
        print("desktop-cnn: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--self-test":
        from .selftest import main as selftest

        return selftest(argv[1:])
    if not argv or argv[0] in ("gui", "--gui"):
        from .gui.app import main as gui

        return gui(argv[1:])
    if opens_a_file(argv[0]):  # `desktop-cnn my_model.pt`, a file manager's "Open with"
        from .gui.app import main as gui

        return gui(argv)
    if Path(argv[0]).suffix.lower() in OPENED_TYPES:  # a file that is not there
        print(
            f"desktop-cnn: error: {argv[0]}: no such file (give a model or an image to "
            "open it in the app; --help lists the commands)",
            file=sys.stderr,
        )
        return 1
    from .cli import main as cli

    return cli(argv)


def opens_a_file(arg: str) -> bool:
    """An existing file (not an option, not a subcommand's name) is opened in the app."""
    return not arg.startswith("-") and arg not in SUBCOMMANDS and Path(arg).expanduser().is_file()


if __name__ == "__main__":
    sys.exit(main())
