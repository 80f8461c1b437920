"""Outputs never destroy inputs, documents or device nodes; a finished run is never lost.

Issue classes 1 and 2: an output that is an input of the same command, a non-regular file
or somebody else's file is refused before any work (``--force`` replaces a document);
a character device is written through, never renamed over; every temp and fallback name
fits the file system in bytes; a closed stdout ends the output, not the run; Ctrl+C
during a save finishes it and exits 130; two runs to one --out: the second says so.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from infos import lenet5_info
from PIL import Image

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import SaveError
from desktop_cnn.core.files.atomic import fit_bytes, temp_beside
from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.files.outputs import CHECKPOINT, ONNX, OutputLock, check_output, is_ours
from desktop_cnn.core.files.save_policy import _fallback_path
from desktop_cnn.core.models import build_model

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ["train", "--epochs", "1", "--batch-size", "8", "--no-augment", "--device", "cpu"]


def one_line(capsys, *args) -> str:
    code = cli_main([*map(str, args)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def model_file(path: Path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(path, build_model("lenet5"), lenet5_info())


def two_classes(root: Path, per_class: int = 10) -> Path:
    for label, value in (("dark", 30), ("bright", 220)):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            Image.new("L", (28, 28), value + i).save(root / label / f"{i}.png")
    return root


def cli(*args, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_cnn", *map(str, args)], cwd=ROOT, env=env, **kw
    )


# --- class 1: an output that is an input, a device, somebody else's file --------------------
def test_export_onto_its_own_model_is_refused_and_the_model_kept(tmp_path, capsys):
    m = model_file(tmp_path / "m.pt")
    before = m.read_bytes()
    line = one_line(capsys, "export", m, "--onnx", m)
    assert "also an input" in line
    assert m.read_bytes() == before


def test_train_onto_its_spec_or_dataset_is_refused_even_with_force(tmp_path, capsys):
    spec = tmp_path / "mynet.json"
    assert cli_main(["spec", "lenet5"]) == 0
    spec.write_text(capsys.readouterr().out)
    text = spec.read_text()
    for force in ([], ["--force"]):
        line = one_line(
            capsys, *TRAIN, "--dataset", "mnist", "--model", spec, "--out", spec, *force
        )
        assert "also an input" in line
    assert spec.read_text() == text
    data = two_classes(tmp_path / "pets")
    zipped = tmp_path / "pets.zip"
    subprocess.run(["zip", "-qr", zipped, "pets"], cwd=tmp_path, check=True)
    before = zipped.read_bytes()
    line = one_line(
        capsys, *TRAIN, "--dataset", f"imagefolder:{zipped}", "--out", zipped, "--force"
    )
    assert "also an input" in line and zipped.read_bytes() == before
    assert data.exists()


def test_somebody_elses_file_needs_force(tmp_path, capsys):
    doc = tmp_path / "thesis.pt"
    doc.write_text("three years of work")
    line = one_line(capsys, *TRAIN, "--dataset", "imagefolder:", "--out", doc)
    assert "not a desktop-cnn model" in line and "--force" in line
    assert doc.read_text() == "three years of work"
    with pytest.raises(SaveError, match="not an ONNX file exported by desktop-cnn"):
        check_output(doc, ONNX)
    assert check_output(doc, CHECKPOINT, force=True) == doc  # the person asked for it


def test_our_files_and_empty_files_may_be_replaced(tmp_path):
    m = model_file(tmp_path / "m.pt")
    assert is_ours(m, CHECKPOINT) and not is_ours(m, ONNX)
    assert check_output(m, CHECKPOINT) == m
    (tmp_path / "empty.pt").touch()
    assert check_output(tmp_path / "empty.pt", CHECKPOINT)
    # a book-style bare state_dict is a .pt, but not ours: the person's own file
    torch.save(build_model("lenet5").state_dict(), tmp_path / "book.pt")
    with pytest.raises(SaveError, match="--force"):
        check_output(tmp_path / "book.pt", CHECKPOINT)


def test_fifos_and_folders_are_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(SaveError, match="not a regular file"):
        check_output(tmp_path / "pipe", CHECKPOINT, force=True)
    with pytest.raises(SaveError, match="folder"):
        check_output(tmp_path, ONNX, force=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_character_device_is_written_through_never_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # our own /dev/null, not /dev's
    assert check_output(null, CHECKPOINT) == null
    save_checkpoint(null, build_model("lenet5"), lenet5_info())
    assert stat.S_ISCHR(null.stat().st_mode)
    from desktop_cnn.core.files.export import _write

    _write(b"onnx bytes", null)
    assert stat.S_ISCHR(null.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temp file left
    blk = tmp_path / "blk"
    os.mknod(blk, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    with pytest.raises(SaveError, match="not a regular file"):
        check_output(blk, CHECKPOINT, force=True)
    with pytest.raises(SaveError):
        save_checkpoint(blk, build_model("lenet5"), lenet5_info())
    assert stat.S_ISBLK(blk.stat().st_mode)


# --- class 2: names in bytes, a closed stdout, Ctrl+C, two runs to one file ----------------
@pytest.mark.parametrize(
    "name",
    ["m" * 252 + ".pt", "é" * 126 + ".pt", "数" * 83 + ".pt"],
    ids=["ascii", "2-byte", "3-byte"],
)
def test_a_legal_long_name_saves_and_its_temp_fits(tmp_path, name):
    assert len(name.encode()) <= 255
    out = tmp_path / name
    check_output(out, CHECKPOINT)
    fd, tmp = temp_beside(out)
    os.close(fd)
    assert len(Path(tmp).name.encode()) <= 255
    os.unlink(tmp)
    save_checkpoint(out, build_model("lenet5"), lenet5_info())
    assert load_checkpoint(out).info.arch == "lenet5"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_fallback_names_fit_in_bytes(tmp_path):
    for stem in ("m" * 253, "é" * 127, "数" * 90):
        assert len(_fallback_path(stem).name.encode()) <= 255
    assert fit_bytes("é" * 3, 5) == "éé"  # never half a character


def test_a_name_over_255_bytes_is_refused_up_front(tmp_path):
    with pytest.raises(SaveError, match="255 bytes"):
        check_output(tmp_path / ("é" * 128 + ".pt"), CHECKPOINT)


@pytest.mark.slow
def test_a_closed_stdout_does_not_stop_the_run_or_its_save(tmp_path):
    data = two_classes(tmp_path / "pets")
    out = tmp_path / "m.pt"
    train = cli(
        *TRAIN, "--dataset", f"imagefolder:{data}", "--epochs", "3", "--out", out,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    train.stdout.readline()  # `| head -1`: one line, then the reader leaves
    train.stdout.close()
    _, err = train.communicate(timeout=300)
    assert train.returncode == 0, err
    assert b"Traceback" not in err and load_checkpoint(out).info.arch == "lenet5"


def test_ctrl_c_during_a_save_finishes_it_then_interrupts(tmp_path, monkeypatch):
    out = tmp_path / "m.pt"
    model_file(out)
    real = torch.save

    def interrupted(obj, f):  # Ctrl+C arrives in the middle of writing
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        real(obj, f)

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):  # not swallowed as "cannot write"
        save_checkpoint(out, build_model("lenet5"), lenet5_info(dataset="saved-whole"))
    monkeypatch.undo()
    assert load_checkpoint(out).info.dataset == "saved-whole"  # finished, whole
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_ctrl_c_in_the_first_second_is_one_line_and_130():
    proc = cli("summary", "--model", "lenet5", stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    time.sleep(0.3)  # still importing torch
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the command finished before the signal")
    assert proc.returncode == 130, err
    assert b"Traceback" not in err


def test_a_second_run_to_the_same_out_says_another_run_writes_it(tmp_path, capsys):
    out = tmp_path / "m.pt"
    with OutputLock(out):
        line = one_line(capsys, *TRAIN, "--dataset", "mnist", "--out", out)
        assert "another run" in line and str(os.getpid()) in line
        with pytest.raises(SaveError, match="another run"), OutputLock(out):
            pass
    with OutputLock(out):  # released: the next run may write it
        pass
    assert not any(p.name.endswith(".lock") for p in tmp_path.iterdir())


def test_the_lock_dies_with_its_process(tmp_path):
    out = tmp_path / "m.pt"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys,time; from desktop_cnn.core.files.outputs import "
         "OutputLock; l = OutputLock(sys.argv[1]).__enter__(); print(1, flush=True); "
         "time.sleep(60)", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    holder.stdout.readline()
    with pytest.raises(SaveError, match="another run"), OutputLock(out):
        pass
    holder.kill()
    holder.wait()
    with OutputLock(out):  # SIGKILL left the file, but not the lock
        pass


def test_export_writes_a_legal_255_byte_name(tmp_path):
    """The issue: export refused a legal 255-character name (its temp name was longer)."""
    from desktop_cnn.core.files.export import _write

    for name in ("x" * 250 + ".onnx", "é" * 125 + ".onnx"):
        out = tmp_path / name
        assert len(name.encode()) == 255 and check_output(out, ONNX) == out
        _write(b"bytes", out)
        assert out.read_bytes() == b"bytes"
    assert len(list(tmp_path.iterdir())) == 2  # and no temp file left
