"""Sizes the app accepts, and one range check that names the setting and its range.

A model file, a flag or a form field can ask for any number; these limits keep
a typo or a crafted file from allocating hundreds of gigabytes. They are far
above anything this app trains (LeNet-scale models on small images).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from .errors import ConfigError

MAX_CLASSES = 10_000
MAX_SIDE = 4096  # pixels per image side
MAX_CHANNELS = 4096
# Bytes of layer outputs for ONE image (float32, all layers summed): what a forward pass
# holds. LeNet-5 needs 28 KB, the widest network here a few MB; 256 MiB is above the largest
# input allowed of 3 channels (3 x 4096 x 4096 x 4 B = 192 MiB), and a batch of 32 for
# training then holds at most 8 GiB, what a desktop can give. A crafted 23 KB file (400
# channels, padding 1000) asks for 6.6 GB per image: refused before anything runs.
MAX_ACTIVATION_BYTES = 256 << 20


@dataclass(frozen=True)
class Range:
    """The numbers a setting allows: ``lo`` to ``hi``, either end excluded where it says so.

    Wide on purpose: a range catches typos and nonsense, not unusual but meaningful choices.
    TrainConfig's fields carry theirs in their metadata (core/train/options.py).
    """

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def text(self) -> str:
        """The range in words, e.g. "from 0 to below 1"."""
        return range_text(self.lo, self.hi, self.lo_open, self.hi_open)

    def check(self, flag: str, value: object, *, integer: bool = False, field: str = "") -> None:
        """Raise ConfigError naming ``flag`` and this range unless ``value`` is inside."""
        check_range(
            flag,
            value,
            self.lo,
            self.hi,
            integer=integer,
            lo_open=self.lo_open,
            hi_open=self.hi_open,
            field=field,
        )


def _fmt(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))  # 1000000, not 1e+06
    return f"{x:g}" if isinstance(x, float) else str(x)


def range_text(lo: float, hi: float, lo_open: bool = False, hi_open: bool = False) -> str:
    """The allowed range in words, e.g. "from 0 to below 1"."""
    lo_s, hi_s = _fmt(lo), _fmt(hi)
    if lo_open and hi_open:
        return f"between {lo_s} and {hi_s} (both excluded)"
    if lo_open:
        return f"above {lo_s} and at most {hi_s}"
    return f"from {lo_s} to {'below ' if hi_open else ''}{hi_s}"


def check_range(
    flag: str,
    value: object,
    lo: float,
    hi: float,
    *,
    integer: bool = False,
    lo_open: bool = False,
    hi_open: bool = False,
    field: str = "",
) -> None:
    """Raise ConfigError unless ``lo <= value <= hi`` (open ends excluded); NaN never passes."""
    kind = "a whole number" if integer else "a number"
    allowed = range_text(lo, hi, lo_open, hi_open)
    ok_type = isinstance(value, int) if integer else isinstance(value, Real)
    if isinstance(value, bool) or not ok_type:
        raise ConfigError(f"{flag} must be {kind} {allowed}, not {value!r}", field)
    x = value if integer else _as_float(value)  # ints compared exactly, even beyond 2**53
    # Written as "not inside" so that NaN, which fails every comparison, is refused too.
    inside = (lo < x if lo_open else lo <= x) and (x < hi if hi_open else x <= hi)  # type: ignore
    if not inside:
        raise ConfigError(f"{flag} must be {kind} {allowed}, not {_fmt(value)}", field)  # type: ignore


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int too large for a float is outside every range here
        return math.inf
