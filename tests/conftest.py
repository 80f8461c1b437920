"""Shared fixtures: real data, a private user home, a virtual display.

The real datasets come from $DESKTOP_CNN_TEST_DATA, by default ../shared/data beside the
checkout (docs/testing.md says what it must hold).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DESKTOP_CNN_TEST_DATA", ROOT.parent / "shared" / "data"))
# Under pytest-xdist (make test: -n auto --dist loadfile) each worker is a process: "gw0", ...
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
if "PYTEST_XDIST_WORKER" in os.environ:
    # One torch thread per worker: as many workers as cores already fill them, and OpenMP
    # threads that outnumber the cores wait for each other. Set before torch is imported.
    os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory):
    """Keep tests away from the developer's own models, settings and caches.

    The image-folder cache is shared across the session (and with later runs,
    under .cache/) because decoding 60,000 CIFAR-10 JPEGs takes ~15 s.
    """
    home = tmp_path_factory.mktemp("home")
    os.environ["DESKTOP_CNN_HOME"] = str(home)
    cache = ROOT / ".cache" / "test-imagefolders"
    cache.mkdir(parents=True, exist_ok=True)
    (home / "cache").mkdir()
    os.symlink(cache, home / "cache" / "imagefolders")
    yield home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists():
        pytest.skip(
            f"real MNIST not found in {SHARED_DATA}: set DESKTOP_CNN_TEST_DATA "
            "(see docs/testing.md)"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def mnist(shared_data):
    from desktop_cnn.core.data.datasets import load_dataset

    return load_dataset("mnist", shared_data, download=False)


@pytest.fixture(scope="session")
def cifar_zip(shared_data) -> Path:
    z = shared_data / "cifar10-jpg.zip"
    if not z.exists():
        pytest.skip(f"{z} not found")
    return z


# The virtual screen GUI tests run on: any size from 1280x1024 to 2560x1600 must pass
# (e.g. DESKTOP_CNN_TEST_SCREEN=2560x1600 DESKTOP_CNN_TEST_DPI=192 pytest -m gui ...).
TEST_SCREEN = os.environ.get("DESKTOP_CNN_TEST_SCREEN", "1280x1024")
TEST_DPI = int(os.environ.get("DESKTOP_CNN_TEST_DPI", "0")) or None


def _start_xvfb() -> subprocess.Popen | None:
    from helpers import start_xvfb

    started = start_xvfb(TEST_SCREEN, TEST_DPI, first=90 + 10 * WORKER)  # a screen per worker
    if started is None:
        return None
    proc, display = started
    os.environ["DISPLAY"] = display
    return proc


@pytest.fixture(scope="session")
def display():
    """A usable X display: the one we have, else a private Xvfb started here."""
    proc = None
    if not os.environ.get("DISPLAY"):
        proc = _start_xvfb()
        if proc is None:
            pytest.skip("no DISPLAY and Xvfb is not installed (apt-get install xvfb)")
    yield os.environ["DISPLAY"]
    if proc is not None:
        proc.terminate()
        proc.wait(5)


# --- GUI tests ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(display, mnist, shared_data):
    """One real app per module, with a quickly trained MNIST model; modules that need
    another start (no model, a clean personal set) define their own ``app``."""
    from helpers import cached_test_model, launch

    app = launch(["--model", str(cached_test_model(mnist)), "--data-dir", str(shared_data)])
    yield app
    if not app.closing:
        app.quit_app()


@pytest.fixture
def no_real_dialogs(monkeypatch):
    """A modal dialog would wait for a click forever: fail the test instead."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected dialog: {args}")

    for name in ("showerror", "showinfo"):
        monkeypatch.setattr(f"tkinter.messagebox.{name}", refuse)
    for name in ("askopenfilename", "asksaveasfilename", "askdirectory"):
        monkeypatch.setattr(f"tkinter.filedialog.{name}", refuse)


@pytest.fixture
def errors(app, monkeypatch):
    """Message boxes, captured instead of shown (every panel's ``show_error`` seam)."""
    shown: list[tuple[str, str]] = []
    for panel in [app, *app.panels.values()]:
        monkeypatch.setattr(panel, "show_error", lambda t, m: shown.append((t, m)))
    return shown


# tests/digit_strokes.py is a helper module beside the tests, imported by name.
import sys as _sys  # noqa: E402

_sys.path.insert(0, str(Path(__file__).parent))
