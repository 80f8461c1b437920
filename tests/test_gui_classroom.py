"""The app in a classroom: a lesson given on the command line, damaged lessons, the question
before an unsaved trained model is lost, its auto-save, the bundled models under Recent."""

from __future__ import annotations

import tkinter as tk
from pathlib import Path

import pytest

from desktop_cnn.core.chapter.lesson import LessonPlan, write_lesson
from desktop_cnn.core.conv.exercises import PRESETS
from desktop_cnn.core.files.autosave import autosaves
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.files.paths import models_dir
from desktop_cnn.gui.origin import ModelOrigin

from helpers import cached_test_model, launch, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"
FIG2 = "Fig. 2: 5x5x3 -> 3x3x2, p1 s2"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lesson_file(mnist, tmp_path_factory) -> Path:
    from desktop_cnn.cli import main

    out = tmp_path_factory.mktemp("lesson") / "fig2.lesson"
    model = cached_test_model(mnist)  # not the bundled model the app would start with
    argv = ["lesson", "--guide-step", "3", "--tab", "playground", "--preset", "fig2"]
    image = str(ROOT / "assets" / "sample_digit_7.png")
    assert main([*argv, "--model", str(model), "--image", image, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def app(display, shared_data, lesson_file):
    app = launch([str(lesson_file), "--data-dir", str(shared_data)], guide=None)
    yield app
    if not app.closing:
        app.quit_app()


def current_tab(app) -> str:
    return next(name for name, tab in app.tabs.items() if str(tab) == app.notebook.select())


def test_a_lesson_from_the_command_line_opens_there(app, lesson_file, mnist):
    pg = app.panels["Playground"]
    pump(app.root, until=lambda: not pg.answers.running, timeout=20)
    assert current_tab(app) == "Playground" and pg.preset.get() == FIG2
    assert pg.settings == PRESETS[FIG2].settings
    ck = app.app_state.checkpoint
    assert str(lesson_file) in app.app_state.model_source
    assert ck.info.metrics == load_checkpoint(cached_test_model(mnist)).info.metrics
    assert app.guide_shown and app.guide.step == 2  # --guide-step 3, counted from 1
    assert app.app_state.source.kind == "file" and app.app_state.source.image.size == (112, 112)
    pump(app.root, 0.3)
    screenshot(app.root, ARTIFACTS / "classroom_lesson_from_cli.png")


def test_a_damaged_lesson_changes_nothing(app, lesson_file, errors, tmp_path):
    before = (app.app_state.checkpoint, app.notebook.select(), app.guide.step)
    bad = tmp_path / "cut.lesson"
    bad.write_bytes(lesson_file.read_bytes()[:5000])
    assert not app.open_lesson(bad)
    assert len(errors) == 1 and str(bad) in errors[0][1] and "\n" not in errors[0][1]
    unknown = write_lesson(tmp_path / "tab.lesson", LessonPlan(tab="nowhere"))
    assert not app.open_lesson(unknown)
    assert len(errors) == 2 and "nowhere" in errors[1][1]
    assert (app.app_state.checkpoint, app.notebook.select(), app.guide.step) == before


def test_save_lesson_then_open_it(app, tmp_path):
    path = tmp_path / "here.lesson"
    assert app.save_lesson(path)
    app.notebook.select(app.tabs["Draw"])
    assert app.open_lesson(path)
    assert current_tab(app) == "Playground" and app.guide.step == 2


def test_a_trained_model_is_autosaved_and_quitting_asks(app, mnist, monkeypatch):
    before = set(autosaves(models_dir()))
    trained = load_checkpoint(cached_test_model(mnist))
    app.app_state.set_model(trained, ModelOrigin.trained())
    new = set(autosaves(models_dir())) - before
    assert len(new) == 1 and load_checkpoint(new.pop()).info.arch == trained.info.arch
    asked: list[str] = []

    def answer(title: str, message: str, choices: list[str]) -> str:
        asked.append(message)
        return "Cancel"

    monkeypatch.setattr(app, "ask_choice", answer)
    app.quit_app()  # Ctrl+Q's command
    assert not app.closing and len(asked) == 1
    assert str(app.unsaved.autosave) in asked[0]
    assert not app.open_model(str(ROOT / "assets" / "lenet5_mnist.pt"))  # Cancel: kept
    assert app.app_state.checkpoint is trained
    monkeypatch.setattr(app, "ask_choice", lambda *a: "Discard")
    assert app.open_model(str(ROOT / "assets" / "lenet5_mnist.pt")) and app.unsaved is None


def test_recent_models_lists_the_bundled_ones(app):
    menu = app.menu.recent_menu
    labels = [menu.entrycget(i, "label") for i in range(menu.index("end") + 1)
              if menu.type(i) == "command"]  # fmt: skip
    assert "Reopen bundled model: LeNet-5 on MNIST" in labels
    app.app_state.set_model(
        load_checkpoint(ROOT / "assets" / "lenet5_cifar10.pt"), ModelOrigin.file("x")
    )
    menu.invoke("Reopen bundled model: LeNet-5 on MNIST")  # a label pattern
    assert app.app_state.checkpoint.info.dataset == "mnist"
    assert app.app_state.model_source.endswith("lenet5_mnist.pt")


def test_zoom_applies_live_and_the_guide_wraps(app):
    """Ctrl+plus to 175% without a restart: rows, pad, Playground cells and the guide follow."""
    from tkinter import font as tkfont
    from tkinter import ttk

    app.show_guide(0)
    app.notebook.select(app.tabs["Playground"])
    pg, pad = app.panels["Playground"], app.panels["Draw"].pad
    pump(app.root, 0.3)
    before = (
        pad.canvas.winfo_reqwidth(),
        pg.canvas.grids["in"].cell,
        app.guide.text.count("1.0", "end", "displaylines"),
        pg.line_entry.winfo_reqheight(),  # the nn.Conv2d(...) line: a named font
    )
    assert app.zoom.set(1.75) == 1.75
    pump(app.root, 0.5)
    line = tkfont.nametofont("TkDefaultFont", root=app.root).metrics("linespace")
    assert int(ttk.Style(app.root).lookup("Treeview", "rowheight")) >= line
    assert pad.canvas.winfo_reqwidth() >= before[0] * 1.6
    assert pg.canvas.grids["in"].cell > before[1]
    assert pg.line_entry.winfo_reqheight() >= before[3] * 1.5
    guide = app.guide
    right = guide.winfo_rootx() + guide.winfo_width()
    assert right <= app.root.winfo_rootx() + app.root.winfo_width()
    assert guide.text.count("1.0", "end", "displaylines") > before[2]  # wrapped, not cut
    screenshot(app.root, ARTIFACTS / "classroom_zoom175_guide.png")
    app.zoom.set(1.0)
    pump(app.root, 0.3)
    assert int(ttk.Style(app.root).lookup("Treeview", "rowheight")) < line  # Ctrl+0: rows too
    assert abs(pad.canvas.winfo_reqwidth() - before[0]) <= 2


def test_the_guide_cuts_nothing_at_300_percent(app):
    """At 300% on a 1280x1024 screen, on every page of the docked guide: labels and the
    step's button wrap, Back and Next stack, and the pane scrolls where it is still too tall,
    so every widget is whole, inside the pane's width, or scrolled and reachable; the step's
    text keeps a few lines."""
    from tkinter import font as tkfont
    from tkinter import ttk
    from types import SimpleNamespace

    from gui_shots import cut_widgets

    from desktop_cnn.core.chapter.guide import STEPS
    from desktop_cnn.gui.guide.guide_pane import START

    guide = app.show_guide(0)
    app.zoom.set(3.0)
    pump(app.root, 0.4)
    unmapped = ttk.Frame(app.root)  # the pane never scrolls sideways
    lines = tkfont.nametofont("TkTextFont", root=app.root).metrics("linespace")
    left, right = guide.winfo_rootx(), guide.winfo_rootx() + guide.winfo_width()
    try:
        for step in (START, *range(len(STEPS))):
            guide.show(step)
            pump(app.root, 0.1)
            scrolled = SimpleNamespace(hbar=unmapped, vbar=guide.vbar)
            assert cut_widgets(app.root, guide, scrolled) == [], step
            for b in (guide.back_button, guide.next_button, guide.action_button):
                assert left <= b.winfo_rootx() and b.winfo_rootx() + b.winfo_width() <= right
            assert guide.text.winfo_height() >= 3 * lines, step
        assert guide.vbar.winfo_ismapped()  # it did not all fit: it scrolls
        top = guide.viewport.yview()[0]
        guide.heading.event_generate("<Button-5>")  # the wheel (X11) over the pane's text
        assert guide.viewport.yview()[0] > top
        screenshot(app.root, ARTIFACTS / "classroom_guide_zoom300.png")
    finally:
        unmapped.destroy()
        app.zoom.set(1.0)
        pump(app.root, 0.3)
    assert not guide.vbar.winfo_ismapped()  # at 100% it all fits again


def test_every_treeview_column_fits_its_text(app):
    """Build's layer list and arithmetic, the Model tab's tables: each column as wide as its
    longest text and its title (measured in their fonts), at 100% and at 175% applied live
    (tests/test_gui_dpi.py checks every tab at 96, 144 and 192 dpi the same way)."""
    from gui_shots import cut_columns

    try:
        for zoom in (1.0, 1.75):
            app.zoom.set(zoom)
            for name in ("Build", "Model"):
                app.notebook.select(app.tabs[name])
                pump(app.root, 0.2)
                assert cut_columns(app.tabs[name]) == [], (zoom, name)
    finally:
        app.zoom.set(1.0)
        pump(app.root, 0.2)


def test_every_widget_font_follows_the_zoom(app):
    """View > Zoom re-measures Tk's named fonts only: a widget given a font of its own (a
    ("TkFixedFont", 9) tuple) would keep its 100% size. Every widget's font is a named one."""
    from tkinter import font as tkfont

    from desktop_cnn.gui.common.scaling import walk

    named = set(tkfont.names(app.root))
    own = []
    for w in walk(app.root):
        try:
            font = str(w.cget("font"))
        except tk.TclError:  # no font option
            continue
        if font and font not in named:
            own.append(f"{w} {w.winfo_class()} font={font!r}")
    assert own == []


def test_every_tab_title_is_whole_beside_the_guide(app):
    """At 175% and 300% with the guide docked, each tab's title (as the font measures it)
    fits its button, every button lies inside the tab bar, and the guide keeps its width."""
    from tkinter import font as tkfont
    from tkinter import ttk

    from desktop_cnn.gui.app import GUIDE_SHARE, GUIDE_WIDTH
    from desktop_cnn.gui.common.scaling import px
    from desktop_cnn.gui.common.tabbar import TAB

    app.show_guide(0)
    bar = app.tab_bar
    titles = [app.notebook.tab(t, "text") for t in app.notebook.tabs()]
    assert [b.cget("text") for b in bar.buttons] == titles
    bar.buttons[titles.index("Train")].invoke()  # a click on a title selects its tab
    assert current_tab(app) == "Train"
    app.notebook.select(app.tabs["Draw"])  # and a tab selected otherwise is shown as current
    pump(app.root, 0.1)
    assert bar.current.get() == str(app.tabs["Draw"])
    for zoom in (1.75, 3.0):
        app.zoom.set(zoom)
        pump(app.root, 0.4)
        font = tkfont.nametofont(ttk.Style(app.root).lookup(TAB, "font") or "TkDefaultFont")
        for b in bar.buttons:
            assert b.winfo_ismapped(), (zoom, b.cget("text"))
            assert font.measure(b.cget("text")) < b.winfo_width(), (zoom, b.cget("text"))
            assert b.winfo_x() + b.winfo_width() <= bar.winfo_width(), (zoom, b.cget("text"))
            assert b.winfo_y() + b.winfo_height() <= bar.winfo_height(), (zoom, b.cget("text"))
        guide = min(px(GUIDE_WIDTH), int(app.panes.winfo_width() * GUIDE_SHARE))
        assert app.guide_shown and app.guide.winfo_width() >= guide - px(4), zoom
        assert bar.winfo_rootx() + bar.winfo_width() <= app.guide.winfo_rootx(), zoom
        screenshot(app.root, ARTIFACTS / f"classroom_tabs_zoom{round(zoom * 100)}_guide.png")
    assert len(bar.rows) > 1  # at 300% the titles wrap into rows rather than being cut
    app.zoom.set(1.0)
    pump(app.root, 0.3)
    assert len(bar.rows) == 1


def test_a_missing_dataset_offers_choose_data_folder(app, monkeypatch, tmp_path):
    from desktop_cnn.core.data.datasets import _missing
    from desktop_cnn.gui.common.panel import CHOOSE_FOLDER
    from desktop_cnn.gui.common.widgets import ChoiceDialog

    train = app.panels["Train"]
    message = str(_missing(tmp_path, ["MNIST/raw/train-images-idx3-ubyte"], "download failed: x"))
    asked: list[list[str]] = []

    def ask(dialog: ChoiceDialog) -> str:
        asked.append(
            [
                b.cget("text")
                for b in dialog.winfo_children()[0].winfo_children()[-1].winfo_children()
            ]
        )
        dialog.destroy()
        return CHOOSE_FOLDER

    monkeypatch.setattr(ChoiceDialog, "ask", ask)
    monkeypatch.setattr(train.form, "ask_directory", lambda **kw: str(tmp_path / "data"))
    train.show_error("Cannot train", message)
    assert asked == [[CHOOSE_FOLDER, "Close"]]
    assert train.form.data_dir.get() == str(tmp_path / "data")
