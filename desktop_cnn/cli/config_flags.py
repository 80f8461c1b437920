"""Command-line flags made from a config dataclass's options, and the config read back."""

from __future__ import annotations

import argparse
from typing import Any, TypeVar

from ..core.train.options import Setting, settings

C = TypeVar("C")


def add_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup, cls: type) -> None:
    """One flag for each field of ``cls`` whose option has one, in the fields' order."""
    for s in settings(cls):
        if s.option.flag:
            _add(parser, s)


def _add(parser: argparse.ArgumentParser | argparse._ArgumentGroup, s: Setting) -> None:
    o = s.option
    if s.kind is bool:  # a switch: --no-augment turns off what is on by default
        action = "store_false" if s.default else "store_true"
        parser.add_argument(s.flag, dest=s.name, action=action, help=o.help)
        return
    extra: dict[str, Any] = {"choices": o.choices} if o.choices else {}
    if o.metavar:
        extra["metavar"] = o.metavar
    parser.add_argument(s.flag, type=s.kind, default=s.default, help=o.help, **extra)


def config_from(args: argparse.Namespace, cls: type[C]) -> C:
    """The config the flags ask for (fields without a flag keep their defaults)."""
    given = vars(args)
    # widened to plain ``type``: mypy does not see ``type[C]`` as Hashable for the cached lookup
    klass: type = cls
    return cls(**{s.name: given[s.name] for s in settings(klass) if s.option.flag})
