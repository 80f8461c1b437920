"""``desktop-cnn lesson``: write a lesson file that opens the app at one place of the chapter."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from ..core.chapter.lesson import SUFFIX, LessonError, LessonPlan, write_lesson


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "lesson",
        help="write a lesson file: guide step, tab, Playground preset, model, spec, drawing",
        description="Write a lesson file (docs/classroom.md); `desktop-cnn FILE.lesson` opens "
        "the app exactly there.",
    )
    p.add_argument("--guide-step", type=int, help="the chapter guide's step, from 1")
    p.add_argument("--tab", help="the tab to show: draw, train, features, model, build, ...")
    p.add_argument("--preset", help="a Playground preset, e.g. fig2, fig3, exercise1")
    p.add_argument("--title", default="", help="a title shown when the lesson opens")
    p.add_argument("--model", help="a model file (.pt) to open")
    p.add_argument("--spec", help="a model spec (.json) to show in the Build tab")
    p.add_argument("--image", help="an image (e.g. a drawing, .png) to show in the Draw tab")
    p.add_argument("--out", required=True, help=f"the lesson file to write ({SUFFIX})")
    p.set_defaults(func=run)


def _model(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()  # checked with the lesson, as the app will read it
    except OSError as exc:
        raise LessonError(f"cannot read the model {path}: {exc.strerror or exc}") from None


def _spec(path: str | None) -> bytes | None:
    from ..core.spec.files import load_spec_file, spec_json

    return None if path is None else spec_json(load_spec_file(path, shapes=False)).encode()


def _image(path: str | None) -> bytes | None:
    from ..core.data.preprocess import load_image

    if path is None:
        return None
    out = io.BytesIO()
    load_image(path).save(out, format="PNG")
    return out.getvalue()


def build(args: argparse.Namespace) -> Path:
    out = Path(args.out)
    if out.suffix.lower() != SUFFIX:
        raise LessonError(f"--out {out}: a lesson file's name ends in {SUFFIX}")
    plan = LessonPlan(
        args.title, args.guide_step, args.tab.lower() if args.tab else None, args.preset
    )
    return write_lesson(out, plan, _model(args.model), _spec(args.spec), _image(args.image))


def run(args: argparse.Namespace) -> int:
    path = build(args)
    print(f"wrote {path}: open it with desktop-cnn {path}")
    return 0
