"""The docs' table of layer types, written from the kinds themselves (so it cannot go stale)."""

from __future__ import annotations

import json

from .kind import LAYER_TYPES, FieldInfo, Layer

BEGIN = "<!-- layer types: written by docs/layer_table.py from core/spec/kinds; do not edit -->"
END = "<!-- end of layer types -->"


def _field_text(info: FieldInfo) -> str:
    facts = ["required" if info.required else json.dumps(info.default)]
    if info.range_text():
        facts.append(info.range_text())
    return f"`{info.name}` ({', '.join(facts)}): {info.help}"


def _row(cls: type[Layer]) -> str:
    fields = "; ".join(_field_text(f) for f in cls.fields()) or "-"
    return f"| `{cls.type}` | {cls.title}: {cls.summary} | {fields} |"


def markdown_table() -> str:
    """Every layer type, its words and its fields (default, range, meaning), as Markdown."""
    lines = [
        BEGIN,
        "| type | what it does | fields (default, range): meaning |",
        "| --- | --- | --- |",
        *(_row(cls) for cls in LAYER_TYPES.values()),
        END,
    ]
    return "\n".join(lines)


def with_table(doc: str) -> str:
    """``doc`` with the text between the markers replaced by today's table."""
    start, end = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[:start] + markdown_table() + doc[end:]
