"""File-provided text made safe to print: no raw newlines, no terminal escape sequences.

Class names, model names and notes come from files anyone can write. Printed raw, a
newline forges an extra line of output and an ESC sequence can rewrite the terminal
(move the cursor, change the title, hide text). ``clean`` keeps every printable
character, shows the others as Python escapes (``\\n``, ``\\x1b``, ``\\u202e``), and
caps the length, so what is shown is what the file holds, one line.
"""

from __future__ import annotations

import unicodedata

MAX_SHOWN = 200  # characters of one name; a longer one is cut with "..."
# Control (Cc), format (Cf: bidi overrides, zero-width), line/paragraph separators, unassigned
# and surrogates: none of them prints as itself.
_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _shown(ch: str) -> str:
    if unicodedata.category(ch) not in _HIDDEN:
        return ch
    return repr(ch)[1:-1] if ch not in "'\"" else ch


def clean(text: object, limit: int = MAX_SHOWN) -> str:
    """``text`` as one printable line: control and format characters escaped, length capped."""
    s = "".join(_shown(ch) for ch in str(text))
    return s if len(s) <= limit else s[: limit - 3] + "..."


def is_clean(text: str) -> bool:
    """Whether ``text`` prints as itself (nothing ``clean`` would escape)."""
    return all(unicodedata.category(ch) not in _HIDDEN for ch in text)


def clean_all(names: list[str]) -> list[str]:
    """``clean`` each name; names that become equal stay distinguishable (``a``, ``a (2)``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        c = clean(name)
        n = seen.get(c, 0) + 1
        seen[c] = n
        out.append(c if n == 1 else f"{c} ({n})")
    return out
