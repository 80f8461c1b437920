"""Property-based fuzzing of the settings loader and the config validators: any input either
loads or validates, or raises the project's own error with one line; nothing else escapes,
and a settings file that is not read is never lost."""

import json
import math
import tempfile
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_cnn.core.errors import ConfigError, DesktopCnnError, UnknownNameError
from desktop_cnn.core.limits import check_range
from desktop_cnn.core.train.config import TRAIN_RANGES
from desktop_cnn.core.train.training import TrainConfig
from desktop_cnn.gui.settings import Settings

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

GOOD = json.dumps({"recent_models": ["/m/a.pt"], "data_dir": "/data", "brush": 24}, indent=2)
json_value = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def check_settings_file(folder: Path, raw: bytes) -> None:
    for p in folder.iterdir():
        p.unlink()
    path = folder / "settings.json"
    path.write_bytes(raw)
    s = Settings.load(path)
    # Whatever was in the file, the properties the app reads have their types.
    assert isinstance(s.recent_models, list) and all(isinstance(p, str) for p in s.recent_models)
    assert s.data_dir is None or isinstance(s.data_dir, str)
    assert isinstance(s.brush, int) and 2 <= s.brush <= 60
    kept = list(folder.glob("settings.json.broken-*"))
    if s.warning:  # not read: kept byte for byte, one line saying where
        assert len(kept) == 1 and kept[0].read_bytes() == raw and "\n" not in s.warning
    else:
        assert kept == [] and path.read_bytes() == raw
    s.add_recent(folder / "new.pt")  # saving never raises and never touches the kept file
    assert json.loads(path.read_text(encoding="utf-8"))["recent_models"][0].endswith("new.pt")
    assert all(k.read_bytes() == raw for k in kept)


@FUZZ
@given(st.binary(max_size=200))
def test_settings_from_any_bytes(folder, raw):
    check_settings_file(folder, raw)


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(GOOD) - 1), st.sampled_from(list(',{}[]":\\x 0'))),
        min_size=1,
        max_size=4,
    )
)
def test_settings_with_typos(folder, edits):
    text = list(GOOD)
    for at, ch in edits:
        text[at] = ch
    check_settings_file(folder, "".join(text).encode())


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["recent_models", "data_dir", "brush", "other"]), json_value, max_size=4
    )
)
def test_settings_with_odd_values(folder, values):
    check_settings_file(folder, json.dumps(values).encode())


NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.text(max_size=3),
)
NUMERIC_FIELDS = [r[0] for r in TRAIN_RANGES]


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(NUMERIC_FIELDS + ["optimizer", "schedule", "teacher"]), NUMBERS, max_size=4
    )
)
def test_train_config_validate(changes):
    config = TrainConfig(**changes)
    try:
        config.validate()
    except (ConfigError, UnknownNameError) as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    # Accepted: every numeric field is inside its range, so training can use it.
    for name, lo, hi, integer, lo_open, hi_open in TRAIN_RANGES:
        v = getattr(config, name)
        if v is None and name in ("lr", "weight_decay"):
            continue
        assert not isinstance(v, bool) and (isinstance(v, int) or not integer)
        assert math.isfinite(v) and lo <= v <= hi and not (lo_open and v == lo)
        assert not (hi_open and v == hi)
    assert config.peak_lr() > 0 and config.decay() >= 0


@FUZZ
@given(
    NUMBERS, st.floats(-1e6, 1e6), st.floats(0, 1e6), st.booleans(), st.booleans(), st.booleans()
)
def test_check_range(value, lo, width, integer, lo_open, hi_open):
    hi = lo + width
    try:
        check_range("--x", value, lo, hi, integer=integer, lo_open=lo_open, hi_open=hi_open)
    except DesktopCnnError as exc:
        assert type(exc) is ConfigError and str(exc).startswith("--x must be ")
        return
    assert lo <= value <= hi and value == value  # noqa: PLR0124 - NaN is not equal to itself


def test_every_numeric_field_has_a_range():
    numeric = {f.name for f in fields(TrainConfig) if f.type in ("int", "float", "float | None")}
    assert numeric <= set(NUMERIC_FIELDS), numeric - set(NUMERIC_FIELDS)
