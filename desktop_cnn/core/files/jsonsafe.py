"""JSON from files anyone can write: bounded nesting, finite numbers, one-line errors.

Python's json parser recurses once per ``[`` or ``{``: a file nested 100,000 deep raises
RecursionError, not a parse error. ``1e400`` parses as ``inf`` and ``NaN`` is accepted,
so a slope of 1e400 would become an infinite weight. ``loads`` refuses both, as
ValueError with one line.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

MAX_DEPTH = 64  # a spec is 3 deep, an index 3: far above either, far below the recursion limit


def depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON text, strings skipped (no recursion)."""
    deepest = level = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            level += 1
            deepest = max(deepest, level)
        elif ch in "]}":
            level -= 1
    return deepest


def _finite(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"the number {text[:40]} is too large to be used")
    return x


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a file may hold")


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` with nesting at most ``max_depth`` and only finite numbers."""
    d = depth(text)
    if d > max_depth:
        raise ValueError(f"nested {d} levels deep (at most {max_depth} allowed)")
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:  # a nesting the scan misjudged: still one line
        raise ValueError("nested too deeply") from None


def finite_tree(value: Any, max_depth: int = MAX_DEPTH) -> str:
    """Why a nested structure of builtins is unusable (too deep, a non-finite number), or ""."""
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if d > max_depth:
            return f"nested more than {max_depth} levels deep"
        if isinstance(v, float) and not math.isfinite(v):
            return f"holds the number {v}, which is not finite"
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list | tuple):
            stack.extend((x, d + 1) for x in v)
    return ""


def check_json_file(path: Path) -> None:
    """SpecError (one line) when ``path`` holds JSON nested too deep or a non-finite number;
    unreadable or non-JSON files are left to the spec reader, which says so."""
    from ..spec.layers import SpecError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    try:
        loads(text)
    except ValueError as exc:
        if not str(exc).startswith("not JSON"):
            raise SpecError(f"{path}: {exc}") from None
