"""Faults in settings.json: a file that cannot be parsed is kept (renamed with a timestamp),
the user is told once, and nothing overwrites what they had."""

import datetime as dt
import json
import os

import pytest

from desktop_cnn.gui.settings import Settings, keep_aside

GOOD = {"recent_models": ["/models/a.pt", "/models/b.pt"], "data_dir": "/data", "brush": 24}


@pytest.mark.parametrize(
    "broken",
    [
        json.dumps(GOOD)[:-1] + ",}",  # one trailing comma, as a hand edit leaves it
        json.dumps(GOOD)[: len(json.dumps(GOOD)) // 2],  # cut off by a crash of another program
        "[1, 2, 3]",  # JSON, but not an object
        "",
    ],
)
def test_a_broken_file_is_kept_and_reported_once(tmp_path, broken):
    path = tmp_path / "settings.json"
    path.write_text(broken, encoding="utf-8")
    s = Settings.load(path)
    kept = list(tmp_path.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == broken
    assert s.recent_models == [] and s.data_dir is None  # defaults for this session
    warning = s.take_warning()
    assert str(kept[0]) in warning and "\n" not in warning
    assert s.take_warning() == ""  # once
    s.add_recent(tmp_path / "new.pt")  # the app saves: a new file, the broken one untouched
    assert kept[0].read_text(encoding="utf-8") == broken
    assert Settings.load(path).recent_models == [str((tmp_path / "new.pt").resolve())]
    assert Settings.load(path).warning == ""


def test_not_utf8_is_kept_too(tmp_path):
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"data_dir": "\xff\xfe"}')
    s = Settings.load(path)
    kept = list(tmp_path.glob("settings.json.broken-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b'{"data_dir": "\xff\xfe"}'
    assert s.warning


def test_a_second_break_in_the_same_second_keeps_both(tmp_path):
    now = dt.datetime(2026, 11, 29, 13, 5, 1)
    for text in ("{one", "{two"):
        (tmp_path / "settings.json").write_text(text)
        keep_aside(tmp_path / "settings.json", now)
    names = sorted(p.name for p in tmp_path.iterdir())
    stamp = "settings.json.broken-20261129-130501"
    assert names == [stamp, f"{stamp}-2"]


def test_a_good_file_is_read_and_not_moved(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(GOOD))
    s = Settings.load(path)
    assert (s.recent_models, s.data_dir, s.brush, s.warning) == (
        GOOD["recent_models"],
        "/data",
        24,
        "",
    )
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can rename in read-only folders")
def test_when_the_file_cannot_be_moved_it_is_never_overwritten(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "settings.json"
    path.write_text("{broken,")
    folder.chmod(0o555)
    try:
        s = Settings.load(path)
        assert not s.writable and "leaves the file alone" in s.warning
        s.add_recent(tmp_path / "x.pt")
        assert path.read_text() == "{broken,"
    finally:
        folder.chmod(0o755)


def test_values_json_cannot_hold_do_not_destroy_the_file(tmp_path):
    path = tmp_path / "settings.json"
    s = Settings.load(path)
    s.values["data_dir"] = "/data"
    s.save()
    before = path.read_bytes()
    s.values["oops"] = {1, 2}  # a set: json.dump falls back to str(), the file stays JSON
    s.save()
    assert json.loads(path.read_text())["data_dir"] == "/data" and path.read_bytes() != before
