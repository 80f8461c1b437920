"""The app tells the user, in a message box and once, that a broken settings.json was kept."""

from __future__ import annotations

import pytest

from helpers import launch, pump

pytestmark = pytest.mark.gui


def test_a_broken_settings_file_is_reported_in_a_dialog_once(display, tmp_path, monkeypatch):
    monkeypatch.setenv("DESKTOP_CNN_HOME", str(tmp_path))
    (tmp_path / "settings.json").write_text('{"recent_models": ["/m/a.pt"],}')
    shown: list[tuple[str, str]] = []
    # A long message comes as a bold headline and its details: the user sees both.
    monkeypatch.setattr(
        "tkinter.messagebox.showerror",
        lambda title, message, **kw: shown.append((title, f"{message} {kw.get('detail') or ''}")),
    )
    app = launch(["--no-model"])
    try:
        pump(app.root, until=lambda: bool(shown), timeout=30)
        pump(app.root, 0.3)
        assert len(shown) == 1
        kept = list(tmp_path.glob("settings.json.broken-*"))
        assert len(kept) == 1 and str(kept[0]) in shown[0][1]
        assert kept[0].read_text() == '{"recent_models": ["/m/a.pt"],}'
    finally:
        app.quit_app()
    # Quitting saved fresh settings; the kept copy is untouched.
    assert kept[0].read_text() == '{"recent_models": ["/m/a.pt"],}'
