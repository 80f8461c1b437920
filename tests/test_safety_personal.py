"""Paths in the personal-handwriting index stay in their folder (issue class 5).

``index.json`` is a file anyone can edit or send: a ``file`` that is absolute or climbs out
with ``../`` is ignored with a reason (never read, shown or deleted), a missing PNG is shown
as missing, and a bad or repeated id never breaks the next save. Hypothesis then writes
arbitrary indexes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from desktop_cnn.core.data.personal import PersonalDataError, PersonalSet


def stroke() -> Image.Image:
    img = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(img).line([(140, 50), (140, 230)], fill=255, width=20)
    return img


def with_index(tmp_path: Path, entries: list) -> PersonalSet:
    p = PersonalSet("mnist", home=tmp_path)
    p.add(stroke(), "1")  # a real drawing: 00001.png
    raw = json.loads((p.dir / "index.json").read_text())
    raw["drawings"] += entries
    (p.dir / "index.json").write_text(json.dumps(raw))
    return p


def entry(id_, file, label="7"):
    return {"id": id_, "file": file, "label": label, "predicted": "", "created": ""}


@pytest.mark.parametrize(
    "file",
    [
        "VICTIM",  # the issue: an absolute path (filled in below)
        "../../victim.txt",
        "sub/../../victim.txt",
        "..",
        "",
        "a\\..\\..\\victim.txt",
        "link.png",  # a symlink out of the folder
    ],
)
def test_a_path_out_of_the_folder_is_ignored_never_deleted(tmp_path, file):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if file == "VICTIM":
        file = str(victim)
    p = PersonalSet("mnist", home=tmp_path)
    p.dir.mkdir(parents=True)
    os.symlink(victim, p.dir / "link.png")
    p = with_index(tmp_path, [entry(2, file)])
    items = p.items()
    assert [d.id for d in items] == [1]
    assert len(p.skipped) == 1 and "ignored" in p.skipped[0]
    p.delete(2)
    p.clear()
    assert victim.read_text() == "keep me"
    assert p.items() == []


def test_bad_and_repeated_ids_do_not_break_the_next_save(tmp_path):
    p = with_index(tmp_path, [entry("x", "00002.png"), entry(1, "00003.png"), entry(-4, "a.png"),
                              entry(True, "b.png"), entry(2.5, "c.png")])  # fmt: skip
    assert [d.id for d in p.items()] == [1] and len(p.skipped) == 5
    new = p.add(stroke(), "7")  # the issue: "id": "x" broke this
    assert new.id == 2 and [d.id for d in p.items()] == [1, 2]


def test_a_new_drawing_never_replaces_an_unlisted_png(tmp_path):
    p = PersonalSet("mnist", home=tmp_path)
    p.add(stroke(), "1")
    stroke().save(p.dir / "00002.png")  # left by a crash, or by an entry that was ignored
    before = (p.dir / "00002.png").read_bytes()
    assert p.add(stroke(), "7").file == "00003.png"
    assert (p.dir / "00002.png").read_bytes() == before


def test_a_missing_png_is_reported_not_a_traceback(tmp_path):
    p = PersonalSet("mnist", home=tmp_path)
    d1, d2 = p.add(stroke(), "1"), p.add(stroke(), "7")
    (p.dir / d1.file).unlink()
    (p.dir / d2.file).write_bytes(b"not a png")
    for d, why in ((d1, "missing"), (d2, "cannot be read")):
        with pytest.raises(PersonalDataError, match=why):
            p.image(d)
    split, kept = p.load(["1", "7"], (1, 28, 28))
    assert kept == [] and len(split) == 0 and len(p.skipped) == 2


def test_deep_or_non_finite_indexes_are_one_line(tmp_path):
    p = PersonalSet("mnist", home=tmp_path)
    p.dir.mkdir(parents=True)
    for text in ('{"drawings": ' + "[" * 50_000 + "]" * 50_000 + "}", '{"drawings": [1e400]}'):
        (p.dir / "index.json").write_text(text)
        with pytest.raises(PersonalDataError) as e:
            p.items()
        assert "\n" not in str(e.value)


@pytest.mark.gui
def test_my_drawings_shows_a_missing_png_as_missing(tmp_path, display, monkeypatch):
    from infos import lenet5_info

    from desktop_cnn.gui.personal.correction import PersonalPanel
    from desktop_cnn.gui.settings import Settings
    from desktop_cnn.gui.state import AppState

    from helpers import new_root, screenshot

    monkeypatch.setenv("DESKTOP_CNN_HOME", str(tmp_path))
    p = PersonalSet("mnist")
    gone = p.add(stroke(), "1")
    p.add(stroke(), "7")
    (p.dir / gone.file).unlink()
    raw = json.loads((p.dir / "index.json").read_text())
    raw["drawings"].append(entry(9, "/etc/passwd"))
    (p.dir / "index.json").write_text(json.dumps(raw))

    class Model:  # only what the panel reads
        info = lenet5_info()

    root = new_root()
    try:
        state = AppState(Settings(tmp_path / "settings.json"))
        state.checkpoint = Model()
        panel = PersonalPanel(root, state)
        panel.pack()
        root.update()
        captions = [t.caption for t in panel.grid_view.thumbs]
        assert captions[0] == "is 1\nimage missing" and captions[1].startswith("is 7")
        assert "1 damaged entry of the index ignored" in panel.header.cget("text")
        screenshot(root, Path(__file__).parent / "artifacts" / "personal-missing.png")
    finally:
        root.destroy()


# --- fuzzing -----------------------------------------------------------------------------------
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["../x", "/etc/passwd", "..", ".", "00001.png", "a/b.png", "\x00", "link"]),
)
ENTRY = st.one_of(
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.integers(-3, 5), st.text(max_size=2), st.floats(), st.booleans()),
            "file": TEXT,
            "label": st.one_of(TEXT, st.integers()),
            "predicted": TEXT,
            "created": TEXT,
        }  # fmt: skip
    ),
    st.integers(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(ENTRY, max_size=6))
def test_fuzzed_indexes_never_leave_the_folder(tmp_path, entries):
    home = tmp_path / "home"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    p = PersonalSet("mnist", home=home)
    p.dir.mkdir(parents=True, exist_ok=True)
    (p.dir / "index.json").write_text(json.dumps({"drawings": entries}))
    try:
        items = p.items()
    except PersonalDataError as exc:
        assert "\n" not in str(exc)
        return
    for d in items:
        assert (p.dir / d.file).resolve().parent == p.dir.resolve()
        with pytest.raises(PersonalDataError):  # none of them has a PNG
            p.image(d)
    p.add(stroke(), "1")  # a save always works after reading
    for d in p.items():
        p.delete(d.id)
    assert victim.read_text() == "keep me"
