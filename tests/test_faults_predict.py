"""A batch command keeps going: `predict model good bad good2` answers both good images, names
the bad one on stderr and exits 1; every answer also comes in strict JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from desktop_cnn.cli import main as cli_main
from desktop_cnn.cli.predict import SOME_FAILED

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "assets" / "lenet5_mnist.pt"
SEVEN = ROOT / "assets" / "sample_digit_7.png"


@pytest.fixture
def images(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(SEVEN.read_bytes())
    good2 = tmp_path / "good2.png"
    Image.open(SEVEN).convert("L").resize((200, 200)).save(good2)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)  # readable, but no ink to classify
    return good, bad, good2, empty, blank, tmp_path / "missing.png", tmp_path


def test_every_readable_image_is_answered_and_each_failure_named(images, capsys):
    good, bad, good2, empty, blank, missing, folder = images
    code = cli_main(
        [
            "predict",
            str(MODEL),
            str(good),
            str(bad),
            str(good2),
            str(empty),
            str(blank),
            str(missing),
            str(folder),
        ]
    )
    out, err = capsys.readouterr()
    assert code == SOME_FAILED == 1
    answers = [line.split(": ") for line in out.splitlines()]
    assert [(image, label.split()[0]) for image, label in answers] == [
        (str(good), "7"),
        (str(good2), "7"),
    ]
    lines = err.strip().splitlines()
    assert len(lines) == 5 and "Traceback" not in err
    for path, line in zip([bad, empty, blank, missing, folder], lines, strict=True):
        assert str(path) in line and line.startswith("desktop-cnn: error: ")


def test_json_lists_answers_and_errors_in_order(images, capsys):
    good, bad, good2, *_ = images
    assert cli_main(["predict", str(MODEL), str(good), str(bad), str(good2), "--json"]) == 1
    out, err = capsys.readouterr()
    results = json.loads(out, parse_constant=lambda c: pytest.fail(c))
    assert [r["image"] for r in results] == [str(good), str(bad), str(good2)]
    assert results[0]["label"] == results[2]["label"] == "7"
    assert "error" in results[1] and "label" not in results[1]
    assert str(bad) in err and len(err.strip().splitlines()) == 1


def test_all_good_exits_0_and_a_bad_model_stops_at_once(images, capsys):
    good, *_ = images
    assert cli_main(["predict", str(MODEL), str(good)]) == 0
    capsys.readouterr()
    assert cli_main(["predict", str(good), str(good)]) == 1  # an image is not a model
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # the CLI in fresh interpreters
def test_as_a_user_runs_it(images):
    good, bad, good2, *_ = images
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_cnn",
            "predict",
            str(MODEL),
            str(good),
            str(bad),
            str(good2),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 2 and str(bad) in proc.stderr
