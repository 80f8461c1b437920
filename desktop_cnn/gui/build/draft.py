"""The spec being edited in the Build tab, as plain JSON data, and its arithmetic (no Tk).

The layers are kept as the dicts a spec file holds (``{"type": "conv", "name":
"conv1", "kernel": 5, ...}``), so a half-edited layer is still data that
``parse_spec`` can judge and name: every edit re-parses and re-analyses the whole
spec, which takes well under a millisecond for 20 layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...core.spec.arith import SpecArith, analyse
from ...core.spec.layers import (
    LAYER_TYPES,
    FieldInfo,
    NetSpec,
    SpecError,
    layer_fields,
    layer_to_dict,
    parse_spec,
)

INPUT_FIELDS = ("channels", "height", "width")


@dataclass
class Draft:
    """A spec under construction: its name, input (C, H, W) and layers as JSON dicts."""

    name: str = "my-net"
    input_shape: list[int] = field(default_factory=lambda: [1, 28, 28])
    layers: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: NetSpec) -> Draft:
        d = spec.to_dict()
        return cls(d["name"], list(d["input"]), [dict(x) for x in d["layers"]])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input": list(self.input_shape),
            "layers": [dict(x) for x in self.layers],
        }

    def spec(self) -> NetSpec:
        """The checked spec; SpecError names the layer and field of the first mistake."""
        return parse_spec(self.to_dict())

    # --- edits ------------------------------------------------------------------------
    def fresh_name(self, kind: str) -> str:
        """conv3, pool2, ...: the prefix of ``kind`` with the first number not taken."""
        prefix = LAYER_TYPES[kind].prefix
        used = {x.get("name") for x in self.layers}
        n = 1
        while f"{prefix}{n}" in used:
            n += 1
        return f"{prefix}{n}"

    def add(self, kind: str, index: int) -> int:
        """Insert a new ``kind`` layer with its default fields at ``index``; returns it."""
        new = layer_to_dict(LAYER_TYPES[kind](name=self.fresh_name(kind)))
        index = max(0, min(index, len(self.layers)))
        self.layers.insert(index, new)
        return index

    def remove(self, index: int) -> None:
        del self.layers[index]

    def move(self, index: int, delta: int) -> int:
        """Move layer ``index`` by ``delta`` places (kept inside the list); its new index."""
        to = max(0, min(index + delta, len(self.layers) - 1))
        self.layers.insert(to, self.layers.pop(index))
        return to

    def set_value(self, index: int, key: str, value: Any) -> None:
        """A layer's field (index >= 0) or, for index -1, the input's channels/height/width."""
        if index < 0:
            self.input_shape[INPUT_FIELDS.index(key)] = value
        else:
            self.layers[index][key] = value


def parse_text(where: str, info: FieldInfo, text: str) -> Any:
    """A form field's text as its value; SpecError naming layer and field when it is not one.

    The range checks (kernel at least 1, dropout below 1, ...) are ``parse_spec``'s.
    """
    text = text.strip()
    if info.optional and text in ("", "-", "none", "None"):
        return None
    if info.kind is str:  # a text choice: parse_spec checks it against the kind's choices
        return text
    try:
        return int(text) if info.kind is int else float(text)
    except ValueError:
        what = "a whole number" if info.kind is int else "a number"
        blank = " (blank: the kernel size)" if info.optional else ""
        raise SpecError(f"{where}: {info.name} must be {what}{blank}, not {text!r}") from None


def fields_of(kind: str) -> list[FieldInfo]:
    """The form's fields for a layer type, or the input's three sizes for "input"."""
    if kind == "input":
        return [
            FieldInfo(name, int, default, low=1)
            for name, default in zip(INPUT_FIELDS, (1, 28, 28), strict=True)
        ]
    return layer_fields(kind)


@dataclass(frozen=True)
class Judged:
    """What the Build tab shows for a draft: the spec and its arithmetic, or why not."""

    spec: NetSpec | None
    arith: SpecArith | None
    error: str = ""  # a field or layer that is wrong (the first one), for the message area

    @property
    def ok(self) -> bool:
        return not self.error


def judge(draft: Draft, form_error: str = "") -> Judged:
    """Parse and analyse the draft; ``form_error``: a field whose text is not a number."""
    if form_error:
        return Judged(None, None, form_error)
    try:
        spec = draft.spec()
    except SpecError as exc:
        return Judged(None, None, str(exc))
    arith = analyse(spec)
    return Judged(spec, arith, arith.error)
