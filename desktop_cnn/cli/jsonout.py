"""Strict JSON for ``--json``: NaN and infinities become null, never the invalid ``NaN``."""

from __future__ import annotations

import json
import math
from typing import Any


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def dumps(obj: Any) -> str:
    """``json.dumps`` that any JSON parser accepts (``allow_nan=False`` after mapping to null)."""
    return json.dumps(_finite(obj), allow_nan=False)
