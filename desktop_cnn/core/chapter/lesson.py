"""Lesson files: one file a lecturer hands out that opens the app at one place of the chapter.

A lesson is a zip archive (suffix ``.lesson``) of at most four members:

- ``lesson.json`` (required): ``{"format": "desktop-cnn-lesson", "format_version": 1,
  "title": str, "guide_step": int | null (1-based), "tab": str | null (e.g. "playground"),
  "preset": str | null (a Playground preset), "members": [names of the members below]}``
- ``model.pt``: a desktop-cnn checkpoint, read with ``torch.load(weights_only=True)``
- ``spec.json``: a model spec (docs/model-specs.md), shown in the Build tab
- ``drawing.png``: the drawing or image shown in the Draw tab

Reading is as careful as opening a checkpoint: only these names, each member
read up to a size bound whatever its header claims, the JSON's nesting depth
bounded, every member parsed and checked before anything is returned, so a
damaged or crafted file gives one ``LessonError`` line and the app opens
nothing half-way. No Tk here.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CheckpointError, DesktopCnnError
from ..files.atomic import temp_beside

FORMAT = "desktop-cnn-lesson"
FORMAT_VERSION = 1
SUFFIX = ".lesson"
MANIFEST, MODEL, SPEC, IMAGE = "lesson.json", "model.pt", "spec.json", "drawing.png"
LIMITS = {  # bytes a member may hold once unpacked
    MANIFEST: 64 * 1024,
    MODEL: 256 * 1024 * 1024,
    SPEC: 1024 * 1024,
    IMAGE: 16 * 1024 * 1024,
}
MAX_DEPTH = 8  # nesting of the JSON members: a manifest is flat, a spec three deep
MAX_PIXELS = 4096 * 4096
TAB = re.compile(r"^[a-z][a-z0-9 -]{0,31}$")


class LessonError(DesktopCnnError):
    """A lesson file cannot be read or written; the message says why, in one line."""


@dataclass(frozen=True)
class LessonPlan:
    """Where the lesson opens: the manifest's settings."""

    title: str = ""
    guide_step: int | None = None  # 1-based, as the guide numbers its steps
    tab: str | None = None  # a tab's short name: draw, train, features, playground, ...
    preset: str | None = None  # a Playground preset's full name (see preset_name)


@dataclass
class Lesson:
    """A lesson read whole and checked: what the app shows."""

    plan: LessonPlan
    checkpoint: Any = None  # core.files.checkpoints.Checkpoint
    spec: Any = None  # core.spec.layers.NetSpec
    image: Any = None  # PIL.Image.Image


def preset_key(name: str) -> str:
    """A preset's short name for the command line: "Fig. 2: 5x5x3 ..." -> "fig2"."""
    return re.sub(r"[^a-z0-9]", "", name.split(":")[0].lower())


def preset_name(text: str) -> str:
    """A Playground preset's full name from its full or short name; LessonError if none."""
    from ..conv.exercises import PRESETS

    if text in PRESETS:
        return text
    found = [name for name in PRESETS if preset_key(name) == preset_key(text)]
    if len(found) == 1:
        return found[0]
    keys = sorted({preset_key(n) for n in PRESETS if ":" in n})
    raise LessonError(f"unknown Playground preset {text!r}: use one of {', '.join(keys)}")


def _depth(value: object, limit: int) -> int:
    """Nesting depth of parsed JSON, stopping at ``limit + 1``."""
    stack, deepest = [(value, 1)], 0
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def _json(data: bytes, what: str) -> Any:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise LessonError(f"its {what} is not valid JSON ({str(exc)[:80]})") from None
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise LessonError(f"its {what} is nested deeper than {MAX_DEPTH} levels")
    return value


def _plan(manifest: Any, members: set[str]) -> LessonPlan:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise LessonError(f"{MANIFEST} does not describe a desktop-cnn lesson")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LessonError(f"{MANIFEST} has no valid format_version")
    if version > FORMAT_VERSION:
        raise LessonError("it was written by a newer desktop-cnn; please upgrade")
    listed = manifest.get("members", [])
    if not isinstance(listed, list) or not all(isinstance(m, str) for m in listed):
        raise LessonError(f"{MANIFEST}'s members is not a list of names")
    missing = [m for m in listed if m not in members]
    if missing:
        raise LessonError(f"the member {missing[0]} it names is missing (the file is damaged)")
    title, step, tab, preset = (manifest.get(k) for k in ("title", "guide_step", "tab", "preset"))
    if not isinstance(title, str | type(None)) or len(title or "") > 200:
        raise LessonError(f"{MANIFEST}'s title is not a short text")
    if step is not None and (not isinstance(step, int) or isinstance(step, bool)):
        raise LessonError(f"{MANIFEST}'s guide_step is not a step number")
    if tab is not None and (not isinstance(tab, str) or not TAB.match(tab)):
        raise LessonError(f"{MANIFEST}'s tab is not a tab name")
    if preset is not None and not isinstance(preset, str):
        raise LessonError(f"{MANIFEST}'s preset is not a preset name")
    return check_plan(LessonPlan(title or "", step, tab, preset))


def check_plan(plan: LessonPlan) -> LessonPlan:
    """The plan with its preset's full name; LessonError for a step or preset that is not."""
    from .guide import STEPS

    if plan.guide_step is not None and not 1 <= plan.guide_step <= len(STEPS):
        raise LessonError(f"guide step {plan.guide_step} does not exist (1 to {len(STEPS)})")
    if plan.tab is not None and not TAB.match(plan.tab):
        raise LessonError(f"{plan.tab!r} is not a tab name")
    preset = preset_name(plan.preset) if plan.preset else None
    return LessonPlan(plan.title, plan.guide_step, plan.tab, preset)


def _read_members(path: Path) -> dict[str, bytes]:
    """Every member, each read up to its bound (a header may lie about the size)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if len(names) != len(set(names)):
                raise LessonError("it holds two members of the same name")
            unknown = [n for n in names if n not in LIMITS]
            if unknown:
                raise LessonError(f"it holds {unknown[0][:60]!r}, which no lesson has")
            out = {}
            for name in names:
                with zf.open(name) as f:
                    data = f.read(LIMITS[name] + 1)
                if len(data) > LIMITS[name]:
                    raise LessonError(f"its {name} is larger than {LIMITS[name]:,} bytes")
                out[name] = data
            return out
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise LessonError(f"it is damaged or cut off ({str(exc)[:80] or 'bad zip'})") from None
    except (NotImplementedError, RuntimeError) as exc:  # encrypted, unknown compression
        raise LessonError(f"it cannot be unpacked ({str(exc)[:80]})") from None


def _checkpoint(data: bytes) -> Any:
    from ..files.checkpoints import load_checkpoint  # weights_only, checked and rebuilt

    fd, tmp = tempfile.mkstemp(suffix=".pt")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        ck = load_checkpoint(tmp)
    except CheckpointError as exc:
        raise LessonError(f"its model: {str(exc).replace(tmp, MODEL)}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    ck.path = None  # the temp file is gone: the model is the lesson's
    return ck


def _spec(data: bytes) -> Any:
    from ..spec.layers import SpecError, parse_spec

    try:
        return parse_spec(_json(data, SPEC))
    except SpecError as exc:
        raise LessonError(f"its {SPEC}: {exc}") from None


def _image(data: bytes) -> Any:
    from PIL import Image

    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise LessonError(f"its {IMAGE} is larger than {MAX_PIXELS:,} pixels")
        img.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise LessonError(f"its {IMAGE} is not a readable image ({str(exc)[:80]})") from None
    return img


def read_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read and check a whole lesson; LessonError (naming the file) for anything wrong."""
    path = Path(path)
    try:
        if not path.is_file():
            raise LessonError("no such file")
        if not zipfile.is_zipfile(path):
            raise LessonError("it is not a lesson file (not a zip archive), or it is cut off")
        members = _read_members(path)
        if MANIFEST not in members:
            raise LessonError(f"it has no {MANIFEST} (the file is damaged)")
        plan = _plan(_json(members[MANIFEST], MANIFEST), set(members))
        return Lesson(
            plan,
            _checkpoint(members[MODEL]) if MODEL in members else None,
            _spec(members[SPEC]) if SPEC in members else None,
            _image(members[IMAGE]) if IMAGE in members else None,
        )
    except LessonError as exc:
        raise LessonError(f"cannot open the lesson {path}: {exc}") from None
    except OSError as exc:
        raise LessonError(f"cannot open the lesson {path}: {exc.strerror or exc}") from None


def write_lesson(
    path: str | os.PathLike[str],
    plan: LessonPlan,
    model: bytes | None = None,
    spec: bytes | None = None,
    image: bytes | None = None,
) -> Path:
    """Write a lesson atomically, after reading it back whole: a lesson that would not open
    is never written (LessonError says why)."""
    path = Path(path)
    plan = check_plan(plan)
    members = {k: v for k, v in ((MODEL, model), (SPEC, spec), (IMAGE, image)) if v is not None}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "title": plan.title,
        "guide_step": plan.guide_step,
        "tab": plan.tab,
        "preset": plan.preset,
        "members": sorted(members),
    }
    try:
        fd, tmp = temp_beside(path)
    except OSError as exc:
        raise LessonError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
            for name, data in members.items():
                zf.writestr(name, data)
        read_lesson(tmp)  # the same checks as opening it
        os.replace(tmp, path)
    except LessonError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise LessonError(str(exc).replace(f"the lesson {tmp}", f"the lesson {path}")) from None
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise LessonError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
