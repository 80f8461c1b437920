"""Rewrite the table of layer types in docs/model-specs.md from the layer kinds.

Run from the repository root: python docs/layer_table.py
(tests/test_spec_kinds.py fails while the file's table differs from the kinds).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_cnn.core.spec.kind_table import with_table  # noqa: E402

DOC = Path(__file__).resolve().parent / "model-specs.md"

if __name__ == "__main__":
    DOC.write_text(with_table(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the layer table of {DOC}")
