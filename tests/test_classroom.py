"""Classroom files without a display: auto-saves, lesson files, the shipped MNIST test set."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from desktop_cnn.core.chapter.lesson import (
    IMAGE,
    MANIFEST,
    MODEL,
    LessonError,
    LessonPlan,
    read_lesson,
    write_lesson,
)
from desktop_cnn.core.data.datasets import download_reason, load_dataset
from desktop_cnn.core.data.testset import load_test_data, shipped_mnist_test
from desktop_cnn.core.files.autosave import KEEP, autosave, autosaves
from desktop_cnn.core.files.checkpoints import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "assets" / "lenet5_mnist.pt"


def test_autosave_names_the_run_and_keeps_the_newest(tmp_path):
    ck = load_checkpoint(BUNDLED)
    t0 = dt.datetime(2026, 1, 2, 3, 4, 5)
    paths = [
        autosave(ck.model, ck.info, tmp_path, t0 + dt.timedelta(minutes=k), keep=2)
        for k in range(3)
    ]
    assert paths[0].name == "autosave-lenet5-mnist-99.4pct-20260102-030405.pt"
    kept = autosaves(tmp_path)
    assert kept == paths[::-1][:2]  # the oldest was pruned
    (tmp_path / "mine.pt").write_bytes(BUNDLED.read_bytes())
    autosave(ck.model, ck.info, tmp_path, t0 + dt.timedelta(hours=1), keep=2)
    assert (tmp_path / "mine.pt").exists()  # a model saved by name is never pruned
    again = load_checkpoint(kept[0])
    assert again.info.metrics["test_accuracy"] == ck.info.metrics["test_accuracy"]
    assert KEEP == 10  # the count docs/classroom.md gives


def test_a_failed_download_names_its_real_cause():
    tv = RuntimeError(
        "Error downloading train-images-idx3-ubyte.gz:\nTried https://a/, got:\n"
        "<urlopen error [Errno -3] Temporary failure in name resolution>\n"
    )
    assert "Temporary failure in name resolution" in download_reason(tv)
    try:
        try:
            raise OSError("network is unreachable")
        except OSError as inner:
            raise RuntimeError("") from inner
    except RuntimeError as exc:
        assert download_reason(exc) == "network is unreachable"
    assert (
        download_reason(RuntimeError("Error downloading x:")).strip(" :") != "Error downloading x"
    )


def test_the_shipped_test_set_is_mnists(shared_data):
    real = load_dataset("mnist", shared_data, download=False).test
    shipped = shipped_mnist_test()
    assert torch.equal(shipped.images, real.images) and torch.equal(shipped.labels, real.labels)


@pytest.mark.slow
def test_eval_offline_with_no_data_folder(tmp_path, monkeypatch, capsys):
    """No data folder, no network: `eval` of the bundled model gives its 99.4%."""
    from desktop_cnn.cli import main

    monkeypatch.setenv("DESKTOP_CNN_DATA", str(tmp_path / "none"))
    assert main(["eval", str(BUNDLED), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 10_000 and round(result["accuracy"], 3) == 0.994
    assert load_test_data("mnist", tmp_path / "none").train.images.shape[0] == 0


@pytest.fixture(scope="module")
def lesson(tmp_path_factory) -> Path:
    from PIL import Image

    img = io.BytesIO()
    Image.new("L", (28, 28), 0).save(img, format="PNG")
    path = tmp_path_factory.mktemp("lesson") / "fig2.lesson"
    plan = LessonPlan("Fig. 2", 3, "playground", "fig2")
    return write_lesson(path, plan, BUNDLED.read_bytes(), None, img.getvalue())


def test_a_lesson_round_trips(lesson):
    got = read_lesson(lesson)
    assert got.plan == LessonPlan("Fig. 2", 3, "playground", "Fig. 2: 5x5x3 -> 3x3x2, p1 s2")
    assert got.checkpoint.info.arch == "lenet5" and got.image.size == (28, 28)


def _rezip(src: Path, dst: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name not in change:
                zout.writestr(name, zin.read(name))
        for name, data in change.items():
            if data is not None:
                zout.writestr(name, data)
    return dst


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_damaged_or_crafted_lessons_are_refused_in_one_line(lesson, tmp_path):
    raw = lesson.read_bytes()
    deep = {"format": "desktop-cnn-lesson", "format_version": 1, "x": [[[[[[[[[[1]]]]]]]]]]}
    crafted = io.BytesIO()
    torch.save({"format": "desktop-cnn-checkpoint"}, crafted)  # a real zip, then a bad pickle
    with zipfile.ZipFile(crafted.getvalue() and io.BytesIO(crafted.getvalue())) as z:
        pkl = next(n for n in z.namelist() if n.endswith("data.pkl"))
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(crafted.getvalue())) as zin, zipfile.ZipFile(buf, "w") as zo:
        for name in zin.namelist():
            zo.writestr(name, pickle.dumps(Boom()) if name == pkl else zin.read(name))
    cases = {
        "truncated": (tmp_path / "t.lesson", raw[: len(raw) // 2]),
        "pickle": (_rezip(lesson, tmp_path / "p.lesson", {MODEL: buf.getvalue()}), None),
        "missing": (_rezip(lesson, tmp_path / "m.lesson", {IMAGE: None}), None),
        "deep": (
            _rezip(lesson, tmp_path / "d.lesson", {MANIFEST: json.dumps(deep).encode()}),
            None,
        ),
        "stranger": (_rezip(lesson, tmp_path / "s.lesson", {"../evil.py": b"x"}), None),
    }
    why = {}
    for case, (path, data) in cases.items():
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(LessonError) as err:
            read_lesson(path)
        message = str(err.value)
        assert "\n" not in message and str(path) in message, (case, message)
        why[case] = message
    assert "would run code" in why["pickle"], why["pickle"]
    assert "missing" in why["missing"] and "deeper" in why["deep"]


def test_the_lesson_command(tmp_path, capsys):
    from desktop_cnn.cli import main

    out = tmp_path / "l.lesson"
    args = ["lesson", "--guide-step", "2", "--tab", "playground", "--preset", "fig3"]
    assert main([*args, "--model", str(BUNDLED), "--out", str(out)]) == 0
    assert read_lesson(out).plan.preset.startswith("Fig. 3")
    capsys.readouterr()
    assert main(["lesson", "--preset", "fig9", "--out", str(tmp_path / "x.lesson")]) == 1
    err = capsys.readouterr().err
    assert "fig2" in err and len(err.splitlines()) == 1 and not (tmp_path / "x.lesson").exists()
