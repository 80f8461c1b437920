"""The user's settings file: a small JSON dict, never lost and never half written.

A file that cannot be parsed (a hand edit with a trailing comma, a disk error)
is not overwritten with defaults: it is renamed to
``settings.json.broken-YYYYmmdd-HHMMSS`` beside the original, the defaults are
used, and ``warning`` holds one message for the app to show once. If even the
rename fails, saving is switched off for the session, so the file stays as it was.
Writes are atomic (temp file, fsync, rename) and clean up what a killed save left.
No Tk here.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from pathlib import Path
from typing import Any

from ..core.files import jsonsafe
from ..core.files.atomic import remove_stale_temps, temp_beside

MAX_RECENT = 8  # a File menu longer than this is harder to read than an Open dialog
DEFAULT_BRUSH = 20  # px on the 280 px canvas: ~2 px strokes after MNIST's 20 px box


def _read(path: Path) -> tuple[dict[str, Any], str]:
    """(values, why not) for the file at ``path``; why is "" when it parsed or is absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ""
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8
        return {}, str(getattr(exc, "strerror", None) or exc).splitlines()[0][:120]
    try:
        values = jsonsafe.loads(text)  # bounded nesting: a RecursionError is no ValueError
    except ValueError as exc:  # json.JSONDecodeError says where: "line 3 column 1 (char 40)"
        return {}, str(exc)[:120]
    if not isinstance(values, dict):
        return {}, f"it holds a JSON {type(values).__name__}, not an object"
    return values, ""


def keep_aside(path: Path, now: _dt.datetime | None = None) -> Path:
    """Rename ``path`` to ``<name>.broken-<timestamp>`` (never over an existing file)."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
    os.replace(path, target)
    return target


class Settings:
    """A small JSON file of user choices; a missing file means defaults, a broken one is kept."""

    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self.path = path
        self.values: dict[str, Any] = values or {}
        self.warning = ""  # one message for the user, set by load() when the file was broken
        self.writable = True  # False: a broken file could not be moved aside; never save over it

    @classmethod
    def load(cls, path: Path) -> Settings:
        values, why = _read(path)
        settings = cls(path, values)
        if why and path.exists():
            try:
                kept = keep_aside(path)
            except OSError as exc:
                settings.writable = False
                settings.warning = (
                    f"Your settings file {path} could not be read ({why}) nor "
                    f"moved aside ({exc.strerror or exc}): the app uses defaults "
                    "and leaves the file alone; fix or remove it."
                )
            else:
                settings.warning = (
                    f"Your settings file could not be read ({why}). It was kept "
                    f"as {kept}; the app starts with default settings."
                )
        return settings

    def take_warning(self) -> str:
        """The warning, once: later calls return ""."""
        warning, self.warning = self.warning, ""
        return warning

    def save(self) -> None:
        """Write atomically, like checkpoints: a crash never leaves half a settings file."""
        if not self.writable:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(self.path.parent)
            fd, tmp = temp_beside(self.path)
        except OSError:  # a read-only home costs the recent list, not the app
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.values, f, indent=2, default=str)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except (OSError, TypeError, ValueError):  # full disk; values json cannot hold
            with contextlib.suppress(OSError):
                Path(tmp).unlink(missing_ok=True)

    @property
    def recent_models(self) -> list[str]:
        recent = self.values.get("recent_models", [])
        return [str(p) for p in recent] if isinstance(recent, list) else []

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_models if p != path]
        self.values["recent_models"] = [path, *recent][:MAX_RECENT]
        self.save()

    def forget_recent(self, path: str | Path) -> None:
        self.values["recent_models"] = [p for p in self.recent_models if p != str(path)]
        self.save()

    @property
    def data_dir(self) -> str | None:
        value = self.values.get("data_dir")
        return str(value) if value else None

    @data_dir.setter
    def data_dir(self, value: str | None) -> None:
        self.values["data_dir"] = value or None

    @property
    def brush(self) -> int:
        value = self.values.get("brush", DEFAULT_BRUSH)
        return value if isinstance(value, int) and 2 <= value <= 60 else DEFAULT_BRUSH

    @brush.setter
    def brush(self, value: int) -> None:
        self.values["brush"] = int(value)
