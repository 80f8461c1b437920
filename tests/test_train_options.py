"""TrainConfig's fields describe themselves: one field with its option is a flag, a range
check and (with a form field) a Train form entry; nothing else lists the settings."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields

import pytest

from desktop_cnn.cli import build_parser
from desktop_cnn.cli.config_flags import add_flags, config_from
from desktop_cnn.core.errors import ConfigError, UnknownNameError
from desktop_cnn.core.limits import Range
from desktop_cnn.core.train.config import TRAIN_RANGES, TrainConfig
from desktop_cnn.core.train.options import FormField, option, settings


@dataclass
class Toy:
    """A config as a new setting would be added: each field with its option, nothing else."""

    steps: int = option(3, "how many steps", range=Range(1, 10), metavar="N")
    rate: float | None = option(None, "a rate (default: chosen)", range=Range(0, 1))
    kind: str = option("a", "which kind", choices=("a", "b"))
    shuffle: bool = option(True, "do not shuffle", form=FormField("Shuffle"))
    quiet: bool = option(False, "say less")
    hidden: int = option(7, "set by the app only", flag=False)


def toy_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_flags(parser, Toy)
    return parser


def test_a_field_with_an_option_is_a_flag_with_its_type_default_and_help():
    parser = toy_parser()
    assert config_from(parser.parse_args([]), Toy) == Toy()
    args = parser.parse_args(
        ["--steps", "5", "--rate", "0.5", "--kind", "b", "--no-shuffle", "--quiet"]
    )
    assert config_from(args, Toy) == Toy(5, 0.5, "b", False, True, 7)
    text = " ".join(parser.format_help().split())
    assert "--steps N how many steps" in text and "--no-shuffle do not shuffle" in text
    assert "--hidden" not in text
    with pytest.raises(SystemExit):
        parser.parse_args(["--kind", "c"])  # choices come from the option too


def test_settings_resolve_types_and_optional_values():
    by_name = {s.name: s for s in settings(Toy)}
    assert (by_name["steps"].kind, by_name["steps"].optional) == (int, False)
    assert (by_name["rate"].kind, by_name["rate"].optional) == (float, True)
    assert by_name["shuffle"].flag == "--no-shuffle" and by_name["quiet"].flag == "--quiet"


def test_every_train_config_field_is_a_setting_and_every_flag_is_in_train_help():
    assert [f.name for f in fields(TrainConfig)] == [s.name for s in settings(TrainConfig)]
    train = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    ).choices["train"]
    flags = {flag for action in train._actions for flag in action.option_strings}
    for s in settings(TrainConfig):
        assert (s.flag in flags) == s.option.flag, s.name
    assert {r[0] for r in TRAIN_RANGES} == {
        s.name for s in settings(TrainConfig) if s.option.range is not None
    }


def test_validate_checks_each_settings_range_and_choices():
    TrainConfig(max_steps=5).validate()
    with pytest.raises(ConfigError, match="--max-steps must be a whole number from 0 to"):
        TrainConfig(max_steps=-1).validate()
    with pytest.raises(UnknownNameError, match="unknown schedule 'linear'"):
        TrainConfig(schedule="linear").validate()
