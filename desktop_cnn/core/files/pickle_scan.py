"""Which code a pickle would import: named when a model file is refused for running code.

``torch.load(weights_only=True)`` refuses such a file without saying why; the GLOBAL
opcodes of its pickle stream name the functions and classes it would have imported.
"""

from __future__ import annotations

import pickletools
import zipfile
from pathlib import Path


def code_globals(path: Path) -> list[str]:
    """Names a pickle would import (GLOBAL opcodes) other than torch's own rebuild helpers."""
    raw = path.read_bytes()
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith("data.pkl")]
                raw = zf.read(names[0]) if names else b""
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            return []  # a damaged container: "cannot be read", not "would run code"
    found, strings = [], []
    try:
        for op, arg, _ in pickletools.genops(raw):
            if isinstance(arg, str):
                strings.append(arg)
            if op.name == "GLOBAL":
                found.append(str(arg).replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]}.{strings[-1]}")
    except Exception:  # not a pickle stream at all
        pass
    return [g for g in found if not g.startswith(("torch.", "collections.OrderedDict"))]
