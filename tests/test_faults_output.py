"""Faults at the output path: a folder, a file in the way, no room, a save that fails late.

Each is checked before training where it can be; a save that still fails after
training puts the model in the user's models folder and says where. The full
disk is a real one: a small tmpfs (root only, else skipped).
"""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from infos import lenet5_info
from PIL import Image

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import SaveError
from desktop_cnn.core.files.checkpoints import ModelInfo, load_checkpoint, save_checkpoint
from desktop_cnn.core.files.paths import models_dir
from desktop_cnn.core.files.save_policy import (
    check_output_path,
    checkpoint_bytes,
    save_with_fallback,
)
from desktop_cnn.core.models import build_model

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, home: Path | None = None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if home is not None:
        env["DESKTOP_CNN_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "desktop_cnn", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env=env,
    )


def one_line(proc) -> str:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def digits_folder(root: Path, per_class: int = 12) -> Path:
    """Two classes of 28x28 grayscale images, different enough to learn in one epoch."""
    for label, value in (("dark", 30), ("bright", 220)):
        d = root / label
        d.mkdir(parents=True)
        for i in range(per_class):
            Image.new("L", (28, 28), value + i).save(d / f"{i}.png")
    return root


info = lenet5_info


TRAIN = [
    "train",
    "--model",
    "lenet5",
    "--epochs",
    "1",
    "--batch-size",
    "8",
    "--no-augment",
    "--device",
    "cpu",
]


def in_process(capsys, *args) -> str:
    """Run the CLI here (no torch import per test); its one stderr line."""
    code = cli_main([*map(str, args)])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_out_is_a_folder_fails_before_the_data_is_read(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    # The dataset does not even exist: the output path is checked first.
    line = in_process(
        capsys, *TRAIN, "--dataset", f"imagefolder:{tmp_path / 'nope'}", "--out", tmp_path / "runs"
    )
    assert "is a folder" in line and str(tmp_path / "runs") in line


def test_out_under_a_file_fails_before_the_data_is_read(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    line = in_process(
        capsys,
        *TRAIN,
        "--dataset",
        f"imagefolder:{tmp_path / 'nope'}",
        "--out",
        tmp_path / "notes.txt" / "m.pt",
    )
    assert "is a file, not a folder" in line
    assert (tmp_path / "notes.txt").read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(SaveError, match="not writable"):
            check_output_path(ro / "m.pt")
    finally:
        ro.chmod(0o755)


def test_a_save_that_fails_after_training_goes_to_the_models_folder(tmp_path, monkeypatch, capsys):
    data = digits_folder(tmp_path / "digits")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    import desktop_cnn.core.files.checkpoints as ck

    real = ck.temp_beside

    def full_disk(path):  # the disk fills up while training: only --out's folder fails
        if path.parent == out_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path)

    monkeypatch.setattr(ck, "temp_beside", full_disk)
    before = set(models_dir().glob("*.pt")) if models_dir().exists() else set()
    code = cli_main([*TRAIN, "--dataset", f"imagefolder:{data}", "--out", str(out_dir / "m.pt")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert "cannot write" in err[-1] and "the disk is full" in err[-1] and "saved as" in err[-1]
    new = sorted(set(models_dir().glob("m-*.pt")) - before)
    assert len(new) == 1 and str(new[0]) in err[-1]
    assert load_checkpoint(new[0]).info.classes == ["bright", "dark"]  # the trained model
    assert list(out_dir.iterdir()) == []  # and no temp file litter


def test_a_per_epoch_save_that_fails_keeps_the_run_going(tmp_path, monkeypatch, capsys):
    """--checkpoint-every-epoch on a disk that fills up: the run is not lost mid-way."""
    data = digits_folder(tmp_path / "digits")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    import desktop_cnn.core.files.checkpoints as ck

    real = ck.temp_beside

    def full_disk(path):
        if path.parent == out_dir:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path)

    monkeypatch.setattr(ck, "temp_beside", full_disk)
    before = set(models_dir().glob("*.pt")) if models_dir().exists() else set()
    args = [*TRAIN, "--dataset", f"imagefolder:{data}", "--out", str(out_dir / "m.pt")]
    code = cli_main([*args, "--epochs", "2", "--checkpoint-every-epoch"])
    out = capsys.readouterr()
    assert code == 1  # the final save could not reach --out either: said in one line
    notes = [line for line in out.err.splitlines() if "note:" in line]
    assert len(notes) == 1 and "the disk is full" in notes[0]  # said once, not per epoch
    assert out.out.count("epoch ") == 2  # both epochs trained
    kept = sorted(set(models_dir().glob("m-*.pt")) - before)
    assert kept and all(load_checkpoint(k).training_state for k in kept), out.err  # resumable
    assert max(load_checkpoint(k).training_state["epoch"] for k in kept) == 2
    assert list(out_dir.iterdir()) == []


def test_save_with_fallback_reports_both_failures(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKTOP_CNN_HOME", str(tmp_path / "home-is-a-file"))
    (tmp_path / "home-is-a-file").write_text("")
    (tmp_path / "dir.pt").mkdir()
    with pytest.raises(SaveError, match="fallback failed too"):
        save_with_fallback(tmp_path / "dir.pt", build_model("lenet5"), info())


@pytest.fixture
def tiny_disk(tmp_path):
    """A 600 KiB tmpfs: room for one LeNet-5 file (250 KB), not for two plus margin."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {proc.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


@pytest.mark.slow  # trains
def test_full_disk_is_refused_before_training_and_the_old_file_kept(tmp_path, tiny_disk):
    old = save_checkpoint(tiny_disk / "m.pt", build_model("lenet5"), info())
    before = old.read_bytes()
    data = digits_folder(tmp_path / "digits")
    line = one_line(cli(*TRAIN, "--dataset", f"imagefolder:{data}", "--out", old))
    assert "MB free" in line and "make room" in line
    assert old.read_bytes() == before and [p.name for p in tiny_disk.iterdir()] == ["m.pt"]


def test_full_disk_during_a_save_keeps_the_old_file_and_leaves_no_litter(tiny_disk):
    old = save_checkpoint(tiny_disk / "m.pt", build_model("lenet5"), info())
    before = old.read_bytes()
    (tiny_disk / "filler").write_bytes(
        b"\0" * (os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize - 20_000)
    )
    with pytest.raises(SaveError) as e:
        save_checkpoint(old, build_model("lenet5"), info())
    assert "the disk is full" in str(e.value) and "previous file is unchanged" in str(e.value)
    assert "\n" not in str(e.value)
    assert old.read_bytes() == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "m.pt"]
    saved = save_with_fallback(old, build_model("lenet5"), info())
    assert saved.path.parent == models_dir() and "disk is full" in saved.error
    assert load_checkpoint(saved.path).info.classes == info().classes


def test_room_estimate_covers_a_real_checkpoint(tmp_path):
    model = build_model("widenet")
    size = save_checkpoint(tmp_path / "w.pt", model, info_for(model)).stat().st_size
    assert size <= checkpoint_bytes(model) < size + 2 * (1 << 20)


def info_for(model) -> ModelInfo:
    return ModelInfo(
        arch="widenet",
        arch_args={},
        dataset="mnist",
        classes=[str(i) for i in range(10)],
        input_shape=(1, 28, 28),
        mean=(0.13,),
        std=(0.31,),
    )
