"""``--nproc`` is checked and capped before any process starts; workers die with the launcher;
``--device`` is validated (issue class 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

import desktop_cnn.cli.launch as launch_mod
import desktop_cnn.core.train.checks as checks
from desktop_cnn.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ["train", "--dataset", "mnist", "--epochs", "1", "--device", "cpu"]


def one_line(capsys, *args) -> str:
    code = cli_main([*map(str, args)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.fixture
def no_spawning(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("a worker was started")

    monkeypatch.setattr(launch_mod.subprocess, "Popen", refuse)


@pytest.mark.parametrize("extra", [0, 1, 980])  # the issue: 20 and 1000 on a small machine
def test_more_processes_than_cores_is_refused_before_spawning(tmp_path, capsys, no_spawning, extra):
    n = checks.cores() + 1 + extra
    line = one_line(capsys, *TRAIN, "--nproc", n, "--out", tmp_path / "m.pt")
    assert f"at most {checks.cores()}" in line and "CPU core" in line


def test_every_flag_is_checked_before_spawning(tmp_path, capsys, no_spawning, monkeypatch):
    monkeypatch.setattr(checks, "cores", lambda: 64)
    out = tmp_path / "m.pt"
    cases = [
        (["--nproc", "20", "--batch-size", "64"], "shared evenly"),  # the order
        (["--nproc", "3", "--batch-size", "64"], "multiple of 3"),
        (["--nproc", "2", "--lr", "-1"], "--lr"),
        (["--nproc", "2", "--resume", tmp_path / "none.pt"], "no such file"),
        (["--nproc", "2", "--teacher", tmp_path / "none.pt"], "no such file"),
        (["--nproc", "2", "--device", "meta"], "unknown device"),
    ]
    for flags, words in cases:
        assert words in one_line(capsys, *TRAIN, *flags, "--out", out)


@pytest.mark.parametrize("device", ["meta", "xla", "", "cpu:1", "CUDA:x", "cuda:9999"])
def test_a_bad_device_is_one_line(tmp_path, capsys, device):
    line = one_line(capsys, *TRAIN, "--device", device, "--out", tmp_path / "m.pt")
    assert "device" in line or "CUDA" in line or "cuda" in line
    line = one_line(capsys, "eval", tmp_path / "m.pt", "--device", device)
    assert "device" in line or "CUDA" in line or "cuda" in line


def children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}").exists() else ""
    return " Z " not in stat  # a zombie has ended


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_killing_the_launcher_ends_its_workers(tmp_path, sig):
    if checks.cores() < 2:
        pytest.skip("needs 2 cores for 2 workers")
    for label, value in (("dark", 30), ("bright", 220)):
        (tmp_path / "d" / label).mkdir(parents=True)
        for i in range(40):
            Image.new("L", (28, 28), value + i).save(tmp_path / "d" / label / f"{i}.png")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "desktop_cnn", "train", "--dataset", f"imagefolder:{tmp_path / 'd'}",
         "--epochs", "1000", "--batch-size", "8", "--device", "cpu", "--nproc", "2",
         "--out", str(tmp_path / "m.pt")],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 60
        while len(children(launcher.pid)) < 2 and time.time() < deadline:
            time.sleep(0.2)
        workers = children(launcher.pid)
        assert len(workers) == 2
        time.sleep(1.5)  # the workers are up (and their watchdogs started)
        launcher.send_signal(sig)
        deadline = time.time() + 20
        while any(alive(w) for w in workers) and time.time() < deadline:
            time.sleep(0.2)
        assert not any(alive(w) for w in workers)
    finally:
        for pid in [launcher.pid, *children(launcher.pid)]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        launcher.wait(10)
