"""Entry point: no arguments opens the app; anything else is the command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--self-test":
        from .selftest import main as selftest

        return selftest(argv[1:])
    if not argv or argv[0] in ("gui", "--gui"):
        from .gui.app import main as gui

        return gui(argv[1:])
    from .cli import main as cli

    return cli(argv)


if __name__ == "__main__":
    sys.exit(main())
