"""No litter: a save killed with SIGKILL leaves its hidden temp file; the next save into that
folder removes it. Only our own temp files go, and only when their writer is gone."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop_cnn.core.files.atomic import STALE_AFTER_S, is_stale, remove_stale_temps
from desktop_cnn.core.files.checkpoints import ModelInfo, load_checkpoint, save_checkpoint
from desktop_cnn.core.models import build_model
from desktop_cnn.gui.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# A child that starts a real save and is stopped for good between writing and renaming.
CHILD = textwrap.dedent("""
    import os, sys, time
    from desktop_cnn.core.files import checkpoints
    from desktop_cnn.core.models import build_model
    from desktop_cnn.core.files.checkpoints import ModelInfo

    def hang(src, dst):
        print("written", flush=True)
        time.sleep(600)

    checkpoints.os.replace = hang  # the temp file is whole; the rename never comes
    info = ModelInfo("lenet5", {}, "mnist", [str(i) for i in range(10)], (1, 28, 28),
                     (0.13,), (0.31,))
    checkpoints.save_checkpoint(sys.argv[1], build_model("lenet5"), info)
""")


def info() -> ModelInfo:
    return ModelInfo(
        "lenet5", {}, "mnist", [str(i) for i in range(10)], (1, 28, 28), (0.13,), (0.31,)
    )


@pytest.mark.slow  # a fresh interpreter, killed
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL and pids")
def test_a_save_killed_mid_way_leaves_litter_that_the_next_save_removes(tmp_path):
    target = tmp_path / "m.pt"
    previous = save_checkpoint(target, build_model("lenet5"), info()).read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    litter = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(litter) == 1 and litter[0].name.startswith(f".m.pt.{child.pid}.")
    assert target.read_bytes() == previous  # the killed save changed nothing
    assert is_stale(litter[0])  # its writer is dead
    # Someone else's files beside it are not ours to delete.
    theirs = [tmp_path / ".notes.tmp", tmp_path / "draft.tmp", tmp_path / ".x.abc.tmp"]
    for p in theirs:
        p.write_text("keep")
    save_checkpoint(tmp_path / "other.pt", build_model("lenet5"), info())
    assert not litter[0].exists()
    assert all(p.read_text() == "keep" for p in theirs)
    assert load_checkpoint(target).info.classes == info().classes


def test_a_live_writers_file_is_kept(tmp_path):
    mine = tmp_path / f".m.pt.{os.getpid()}.abcd1234.tmp"  # this process is alive
    mine.write_bytes(b"in progress")
    young = tmp_path / ".m.pt.abcd1234.tmp"  # an older version's name, without a pid
    young.write_bytes(b"in progress")
    assert remove_stale_temps(tmp_path) == []
    old = time.time() - STALE_AFTER_S - 5
    os.utime(young, (old, old))
    assert remove_stale_temps(tmp_path) == [young] and mine.exists()


def test_a_dead_pid_is_stale_at_once(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = tmp_path / f".settings.json.{proc.pid}.zz_9abcd.tmp"
    dead.write_text("{")
    assert is_stale(dead)


def test_settings_saves_clean_up_too(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    left = tmp_path / f".settings.json.{proc.pid}.k2j4h5g6.tmp"
    left.write_text('{"half": ')
    s = Settings.load(tmp_path / "settings.json")
    s.data_dir = "/data"
    s.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]
