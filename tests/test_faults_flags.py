"""Faults in numeric flags and form values: each is one line naming the flag and its range,
before any data is read. NaN and infinities never pass."""

import math

import pytest

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import ConfigError, DesktopCnnError
from desktop_cnn.core.limits import check_range
from desktop_cnn.core.train.config import TRAIN_RANGES
from desktop_cnn.core.train.training import TrainConfig

BAD_FLAGS = [
    ("--label-smoothing", "2", "from 0 to below 1"),
    ("--label-smoothing", "1", "from 0 to below 1"),
    ("--weight-decay", "-1", "from 0 to 10"),
    ("--mixup", "nan", "from 0 to 1000"),
    ("--mixup", "-0.5", "from 0 to 1000"),
    ("--epochs", "0", "whole number from 1 to 100000"),
    ("--batch-size", "-3", "whole number from 1 to"),
    ("--lr", "inf", "above 0 and at most 1000000"),
    ("--lr", "0", "above 0 and at most 1000000"),
    ("--lr", "nan", "above 0"),
    ("--temperature", "0", "above 0"),
    ("--distill-weight", "1.5", "from 0 to 1"),
    ("--seed", "-1", "from 0 to"),
    ("--nproc", "0", "whole number from 1 to 4096"),
]


@pytest.mark.parametrize("flag, value, allowed", BAD_FLAGS)
def test_bad_flag_is_one_line_with_its_range_before_the_data(
    tmp_path, capsys, flag, value, allowed
):
    # The dataset does not exist: the flag must be refused before anything is loaded.
    code = cli_main(
        [
            "train",
            "--dataset",
            f"imagefolder:{tmp_path / 'nope'}",
            "--out",
            str(tmp_path / "m.pt"),
            flag,
            value,
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert flag in err[0] and allowed in err[0] and value in err[0], err[0]
    assert not (tmp_path / "m.pt").exists()


def test_validation_fraction_range(shared_data, tmp_path, capsys):
    code = cli_main(
        [
            "train",
            "--dataset",
            "mnist",
            "--data-dir",
            str(shared_data),
            "--out",
            str(tmp_path / "m.pt"),
            "--validation",
            "1.5",
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1].endswith(
        "--validation must be a number between 0 and 1 (both excluded), not 1.5"
    )


@pytest.mark.parametrize("name, lo, hi, integer, lo_open, hi_open", TRAIN_RANGES)
def test_every_range_has_both_ends_enforced(name, lo, hi, integer, lo_open, hi_open):
    step = 1 if integer else (hi - lo) * 1e-6
    inside_lo, inside_hi = (lo + step if lo_open else lo), (hi - step if hi_open else hi)
    for ok in (inside_lo, inside_hi):
        TrainConfig(**{name: int(ok) if integer else ok}).validate()
    outside = [lo if lo_open else lo - step, hi if hi_open else hi + step]
    if not integer:
        outside += [math.nan, math.inf, -math.inf]
    else:
        outside += [1.5, True, "3"]  # a float, a bool or text is not a whole number
    for bad in outside:
        with pytest.raises(ConfigError) as e:
            TrainConfig(**{name: bad}).validate()
        assert e.value.field == name and "--" + name.replace("_", "-") in str(e.value)


def test_config_error_is_the_projects_own():
    assert issubclass(ConfigError, DesktopCnnError)
    with pytest.raises(ConfigError, match="--x must be a number from 0 to 1, not 'a'"):
        check_range("--x", "a", 0, 1)


@pytest.mark.parametrize(
    "what, text, allowed",
    [
        ("epochs", "ten", "whole number from 1 to 100000"),
        ("batch size", "1.5", "whole number from 1 to 1000000"),
        ("learning rate", "fast", "above 0 and at most 1000000"),
        ("mixup alpha", "x", "from 0 to 1000"),
    ],
)
def test_a_form_entry_that_is_not_a_number_states_its_range(what, text, allowed):
    from desktop_cnn.gui.train.train_form import _float, _int

    parse = _int if what in ("epochs", "batch size") else _float
    with pytest.raises(ConfigError) as err:
        parse(text, what)
    message = str(err.value)
    assert "\n" not in message and what in message and allowed in message and repr(text) in message
