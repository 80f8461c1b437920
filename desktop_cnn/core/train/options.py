"""What a training setting says about itself: its help, its range, its flag, its form field.

Each field of TrainConfig is declared with ``option(default, help, ...)``; ``settings()``
reads them back, with the type resolved. The ``train`` command's flags (cli/config_flags.py),
TrainConfig.validate() and the GUI's Train form (gui/train/train_form.py) are all made from
this one description, so adding a field with its option is the whole of adding a setting.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from ..limits import Range

T = TypeVar("T")
KEY = "desktop_cnn.option"  # the key of a field's Option in its metadata


@dataclass(frozen=True)
class FormField:
    """How the GUI's Train form shows a setting (a setting without one is not on the form)."""

    label: str  # the row's label; a switch's checkbox text
    hint: str = ""  # grey words beside the field, e.g. "0: off"
    values: tuple[str, ...] = ()  # a drop-down's entries (the CLI may take more)
    readonly: bool = False  # only the drop-down's entries, no typing
    blank: bool = False  # an empty entry means the field's default (e.g. "blank: none")
    file: str = ""  # a model file chosen with "...": the file dialog's title
    machine: bool = False  # a choice of this computer: choosing a recipe leaves it as it is


@dataclass(frozen=True)
class Option:
    """A setting's metadata: the ``--flag``'s help, the values it allows, how the form shows it."""

    help: str
    range: Range | None = None  # numbers only
    choices: tuple[str, ...] = ()  # names only; anything else is an UnknownNameError
    metavar: str | None = None  # the flag's value in the usage line, e.g. FILE
    flag: bool = True  # False: set by the app and recipes, not from the command line
    form: FormField | None = None


def option(
    default: T,
    help: str,
    *,
    range: Range | None = None,
    choices: tuple[str, ...] = (),
    metavar: str | None = None,
    flag: bool = True,
    form: FormField | None = None,
) -> T:
    """A dataclass field with this default and its Option (typed as the default for checkers)."""
    meta = Option(help, range, choices, metavar, flag, form)
    made: T = field(default=default, metadata={KEY: meta})
    return made


@dataclass(frozen=True)
class Setting:
    """A field of a config dataclass with its Option and its type, ready to make a flag of."""

    name: str
    kind: type  # int, float, str or bool (None aside)
    optional: bool  # None is allowed (it means "the default for the situation")
    default: Any
    option: Option

    @property
    def flag(self) -> str:
        """The command-line flag: ``--batch-size``, or ``--no-augment`` for a switch that is on."""
        name = self.name.replace("_", "-")
        return f"--no-{name}" if self.kind is bool and self.default else f"--{name}"


@functools.cache  # a class's fields do not change: read them once
def settings(cls: type) -> tuple[Setting, ...]:
    """Every field of the dataclass ``cls`` that has an Option, in declaration order."""
    hints = typing.get_type_hints(cls)
    found = []
    for f in fields(cls):
        meta = f.metadata.get(KEY)
        if isinstance(meta, Option):
            kind, optional = _scalar(hints[f.name])
            found.append(Setting(f.name, kind, optional, f.default, meta))
    return tuple(found)


def _scalar(hint: object) -> tuple[type, bool]:
    """(the type, whether None is allowed) of ``int``, ``float | None``, ``str | None``..."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and isinstance(args[0], type):
            return args[0], True
    if isinstance(hint, type):
        return hint, False
    raise TypeError(f"a setting must be int, float, str or bool (or None), not {hint}")
