"""File > Open lesson / Save lesson, and ``desktop-cnn FILE.lesson``: the app as a lesson left it.

A mixin of the ``App`` (app.py), like model_files.py. A lesson is read and
checked whole (core/chapter/lesson.py) and its tab checked against the app's before
anything changes, so a bad lesson changes nothing; then the model, spec,
drawing, Playground preset, tab and guide step are applied in that order.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from tkinter import ttk
from typing import TYPE_CHECKING, Any

from .inputs import Source
from .origin import ModelOrigin, Origin
from .requests import ShowPreset

if TYPE_CHECKING:
    from ..core.chapter.lesson import Lesson, LessonPlan
    from .state import AppState

LESSON_TYPES = [("desktop-cnn lessons", "*.lesson"), ("All files", "*")]


class LessonActions:
    """Needs the App's ``app_state``, ``panels``, ``tabs``, ``notebook``, ``guide`` (or None),
    ``times``, ``status`` and a Panel's seams."""

    app_state: AppState
    panels: dict[str, Any]
    tabs: dict[str, ttk.Frame]
    notebook: ttk.Notebook
    status: Any  # common.widgets.StatusBar
    guide: Any  # guide.guide_pane.GuidePane | None

    if TYPE_CHECKING:  # the App's, from its other mixins and Panel

        @property
        def ready(self) -> bool: ...
        def confirm_unsaved(self, doing: str) -> bool: ...
        def ask_open_filename(self, **options: Any) -> str: ...
        def ask_save_filename(self, **options: Any) -> str: ...
        def show_error(self, title: str, message: str) -> None: ...
        def show_guide(self, step: int | None = None) -> Any: ...

    def tab_title(self, short: str) -> str | None:
        """ "playground" -> "Playground": a tab by its Tk name or title, any case."""
        for title, tab in self.tabs.items():
            if short.lower() in (title.lower(), str(tab).rsplit(".", 1)[-1]):
                return title
        return None

    def open_lesson(self, path: str | Path | None = None) -> bool:
        """Open a lesson: all of it, or (with one message) nothing."""
        if not self.ready:
            self.status.set("message", "still loading: try again in a moment")
            return False
        from ..core.chapter.lesson import LessonError, read_lesson

        if not self.confirm_unsaved("opening a lesson"):
            return False
        path = path or self.ask_open_filename(title="Open a lesson", filetypes=LESSON_TYPES)
        if not path:
            return False
        try:
            lesson = read_lesson(path)
            if lesson.plan.tab and self.tab_title(lesson.plan.tab) is None:
                names = ", ".join(str(t).rsplit(".", 1)[-1] for t in self.tabs.values())
                raise LessonError(
                    f"cannot open the lesson {path}: it names the tab {lesson.plan.tab!r}, "
                    f"which this app does not have ({names})"
                )
        except LessonError as exc:
            self.show_error("Cannot open the lesson", str(exc))
            return False
        self.apply_lesson(lesson, Path(path))
        return True

    def apply_lesson(self, lesson: Lesson, path: Path) -> None:
        plan, state = lesson.plan, self.app_state
        if lesson.checkpoint is not None:
            state.set_model(lesson.checkpoint, ModelOrigin(Origin.FILE, f"lesson {path}"))
        if lesson.spec is not None and "Build" in self.panels:
            from .build.draft import Draft

            self.panels["Build"].set_draft(Draft.from_spec(lesson.spec))
        if lesson.image is not None:
            state.set_source(Source("file", f"Lesson drawing ({path.name})", image=lesson.image))
        if plan.preset:
            state.post(ShowPreset(plan.preset))
        if plan.tab:
            self.notebook.select(self.tabs[self.tab_title(plan.tab) or "Draw"])
        if plan.guide_step is not None:
            self.show_guide(plan.guide_step - 1)
        self.status.set("message", f"opened the lesson {plan.title or path}")

    # --- saving -----------------------------------------------------------------------------
    def lesson_plan(self) -> LessonPlan:
        """Where the app is now, as a lesson's plan."""
        from ..core.chapter.guide import SETTING, clamp_step
        from ..core.chapter.lesson import LessonPlan

        guide = self.guide
        if guide is not None and guide.step >= 0:
            step: int | None = guide.step + 1
        else:
            saved = self.app_state.settings.values.get(SETTING)
            step = None if saved is None else clamp_step(saved) + 1
        tab = str(self.notebook.select()).rsplit(".", 1)[-1] or None
        pg = self.panels.get("Playground")
        preset = getattr(pg, "preset", None)
        name = preset.get() if preset is not None else ""
        from ..core.conv.exercises import PRESETS

        return LessonPlan("", step, tab, name if name in PRESETS else None)

    def lesson_members(self) -> tuple[bytes | None, bytes | None, bytes | None]:
        """(model, spec, drawing) as the lesson's bytes."""
        from ..core.files.checkpoints import save_checkpoint

        model = spec = image = None
        ck = self.app_state.checkpoint
        if ck is not None:
            with tempfile.TemporaryDirectory() as tmp:
                save_checkpoint(Path(tmp) / "model.pt", ck.model, ck.info)
                model = (Path(tmp) / "model.pt").read_bytes()
        build = self.panels.get("Build")
        if build is not None:
            try:
                from ..core.spec.files import spec_json

                spec = spec_json(build.draft.spec()).encode()
            except Exception:  # noqa: BLE001 - a draft with a mistake in it: no spec
                spec = None
        src = self.app_state.source
        picture = src.image if src.kind != "drawing" else None
        if picture is None and not self.app_state.sketch.empty:
            picture = self.app_state.sketch.image
        if picture is not None:
            out = io.BytesIO()
            picture.save(out, format="PNG")
            image = out.getvalue()
        return model, spec, image

    def save_lesson(self, path: str | Path | None = None) -> bool:
        """File > Save lesson: the guide step, tab, preset, model, spec and drawing."""
        if not self.ready:
            self.status.set("message", "still loading: try again in a moment")
            return False
        from ..core.chapter.lesson import write_lesson
        from ..core.errors import DesktopCnnError

        path = path or self.ask_save_filename(
            title="Save a lesson", filetypes=LESSON_TYPES, defaultextension=".lesson"
        )
        if not path:
            return False
        try:
            write_lesson(path, self.lesson_plan(), *self.lesson_members())
        except (DesktopCnnError, OSError) as exc:
            self.show_error("Cannot save the lesson", str(exc))
            return False
        self.status.set("message", f"saved the lesson {path}")
        return True
