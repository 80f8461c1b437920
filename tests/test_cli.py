"""The command line as a user runs it: subprocesses, exit codes, stdout and stderr."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, check=True, cwd=None):
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_cnn", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_summary_of_the_books_cifar_net():
    out = cli("summary", "--model", "cifar-net", "--input", "3x32x32").stdout
    assert out.strip().splitlines()[-1] == "Total parameters: 18090"
    assert "conv1" in out and "16x32x32" in out


def test_summary_of_lenet5_and_the_generator():
    assert cli("summary", "--model", "lenet5").stdout.strip().endswith("Total parameters: 61706")
    out = cli("summary", "--model", "dcgan-generator").stdout
    assert "3x64x64" in out and "512x4x4" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["summary", "--model", "lenet5", "--input", "1x5x5"], "cannot build lenet5"),
        (["summary", "--model", "cifar-net", "--input", "3xAx32"], "bad --input"),
        (["train", "--dataset", "imagenet", "--out", "x.pt"], "unknown dataset"),
        (["eval", "nope.pt", "--dataset", "mnist"], "no such file"),
    ],
)
def test_bad_input_is_one_clear_line(args, message):
    proc = cli(*args, check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_missing_dataset_offline(tmp_path):
    proc = cli(
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        tmp_path,
        "--out",
        tmp_path / "m.pt",
        check=False,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert str(tmp_path) in proc.stderr and "t10k-images-idx3-ubyte" in proc.stderr


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_bad_model_files_exit_non_zero_with_one_line(tmp_path, shared_data):
    (tmp_path / "random.pt").write_bytes(os.urandom(4096))
    torch.save(Evil(), tmp_path / "evil.pt")
    torch.save({"w": torch.zeros(10_000)}, tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    (tmp_path / "truncated.pt").write_bytes(data[: len(data) // 3])
    for name in ("random.pt", "evil.pt", "truncated.pt"):
        proc = cli(
            "eval", tmp_path / name, "--dataset", "mnist", "--data-dir", shared_data, check=False
        )
        assert proc.returncode != 0, name
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
        assert "pwned" not in proc.stdout
    img = tmp_path / "broken.png"
    img.write_bytes(b"not a png")
    proc = cli("predict", ROOT / "nope.pt", img, check=False)
    assert proc.returncode != 0


@pytest.mark.slow
def test_train_one_epoch_on_real_mnist_then_eval_and_predict(tmp_path, shared_data):
    out = tmp_path / "m.pt"
    proc = cli(
        "train",
        "--dataset",
        "mnist",
        "--model",
        "lenet5",
        "--epochs",
        "1",
        "--data-dir",
        shared_data,
        "--out",
        out,
    )
    assert "epoch 1:" in proc.stdout and out.exists()
    result = json.loads(
        cli("eval", out, "--dataset", "mnist", "--data-dir", shared_data, "--json").stdout
    )
    assert result["accuracy"] >= 0.97, result["accuracy"]  # genuine 10,000-image test set
    assert set(result["per_class"]) == {str(i) for i in range(10)}
    assert len(result["confusion"]) == 10 and sum(map(sum, result["confusion"])) == 10000

    # predict: real test digits, written as dark-on-light PNGs of another size.
    from PIL import Image, ImageOps
    from torchvision.datasets import MNIST

    test = MNIST(shared_data, train=False, download=False)
    paths, labels = [], []
    for i in range(20):
        img, label = test[i]
        p = tmp_path / f"digit{i}.png"
        ImageOps.invert(img).resize((140, 140), Image.Resampling.BICUBIC).save(p)
        paths.append(p)
        labels.append(str(label))
    preds = json.loads(cli("predict", out, *paths, "--json").stdout)
    assert [set(p) >= {"image", "label", "probabilities"} for p in preds] == [True] * 20
    right = sum(p["label"] == y for p, y in zip(preds, labels, strict=True))
    assert right >= 18, right


@pytest.fixture(scope="session")
def cifar_dir(cifar_zip) -> Path:
    """The JPEG copy of CIFAR-10 unzipped once into the project's .cache/."""
    target = ROOT / ".cache" / "cifar10-jpg"
    if not (target / "test" / "truck").exists():
        with zipfile.ZipFile(cifar_zip) as zf:
            zf.extractall(target.parent)
    return target


@pytest.mark.slow
def test_books_cifar2_experiment_beats_88_percent(tmp_path, cifar_dir):
    """Section 11.4: the 18,090-parameter net on airplanes vs birds; the book reports 88%."""
    out = tmp_path / "cifar2.pt"
    cli(
        "train",
        "--dataset",
        f"imagefolder:{cifar_dir}",
        "--classes",
        "airplane,bird",
        "--model",
        "cifar-net",
        "--epochs",
        "20",
        "--out",
        out,
    )
    result = json.loads(cli("eval", out, "--json").stdout)
    assert result["classes"] == ["airplane", "bird"] and result["n"] == 2000
    # Measured 89.5% with the defaults (89.45% with --lr 3e-3, which won on a validation
    # split); the book's figure is the bar, the 90% goal is not reached yet.
    assert result["accuracy"] > 0.88, result["accuracy"]
