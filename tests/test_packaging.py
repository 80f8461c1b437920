"""The self-test, from source and in the PyInstaller bundle.

The bundle test builds dist/desktop-cnn/ with build/build.py, as ``make dist``
does (a few minutes; the build is skipped only when the bundle was made from
exactly these sources and packages, which never happens on a fresh CI
checkout), then runs ``desktop-cnn --self-test`` from it on the virtual display.
Skip it locally with ``-m 'not packaging'`` (``make test-fast``); CI runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_cnn import selftest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "build.py"
EXE = (
    ROOT
    / "dist"
    / "desktop-cnn"
    / ("desktop-cnn.exe" if sys.platform == "win32" else "desktop-cnn")
)
BUILD_TIMEOUT_S = 1200  # a hang guard: a fresh build took 4-6 min on 2 shared cores
EXPECTED = (
    "desktop-cnn self-test",
    "versions: ",
    "device: ",
    "model: ",
    "predict: ",
    "train: one step on ",
    "window: ",
    "self-test passed",
)


def lines_by_check(out: str) -> dict[str, str]:
    return {line.split(":")[0]: line for line in out.splitlines()}


def test_self_test_from_source(capsys):
    assert selftest.main(["--no-window"]) == 0
    checks = lines_by_check(capsys.readouterr().out)
    assert "from source" in checks["versions"]
    assert "-> 7 " in checks["predict"]
    assert "skipped (--no-window)" in checks["window"]


def test_self_test_failure_is_one_clear_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(selftest, "resource_path", lambda rel: tmp_path / rel)
    assert selftest.main(["--no-window"]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("self-test FAILED: model: ")
    assert "lenet5_mnist.pt" in last


@pytest.fixture(scope="module")
def bundle() -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.fail(
            "the packaging test needs PyInstaller: pip install -e '.[build]' (make dist "
            "does), or skip it with -m 'not packaging'"
        )
    res = subprocess.run(
        [sys.executable, str(BUILD)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    print(res.stdout[-2000:])
    assert res.returncode == 0, f"build failed:\n{res.stdout[-4000:]}\n{res.stderr[-8000:]}"
    return EXE


@pytest.mark.packaging
@pytest.mark.gui
@pytest.mark.timeout(BUILD_TIMEOUT_S + 300)  # the fixture's build counts against the test
def test_bundle_self_test(bundle, display, tmp_path):
    # A clean environment: the bundle must not lean on the venv or on a PYTHONPATH.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["DESKTOP_CNN_HOME"] = str(tmp_path)
    res = subprocess.run(
        [str(bundle), "--self-test"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = res.stdout
    assert res.returncode == 0, f"{out}\n{res.stderr[-8000:]}"
    assert [e for e in EXPECTED if not any(line.startswith(e) for line in out.splitlines())] == []
    checks = lines_by_check(out)
    assert "frozen" in checks["versions"]
    assert str(EXE.parent) in checks["model"]  # the bundled model, found through _MEIPASS
    assert "-> 7 " in checks["predict"]
    assert "main window shown" in checks["window"]
    assert "FAILED" not in out
