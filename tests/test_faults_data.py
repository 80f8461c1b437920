"""Faults in datasets: unreadable images, missing splits, one class, damaged IDX files, a cache
that must follow the files on disk. Each ends in one DatasetError line that names the file.
"""

import os
import shutil
import time
from pathlib import Path

import pytest
import torch
from PIL import Image

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.data.datasets import load_dataset
from desktop_cnn.core.data.idx import SPLITS
from desktop_cnn.core.errors import DatasetError, DatasetNotFoundError, DesktopCnnError

ROOT = Path(__file__).resolve().parents[1]


def tree(root: Path, classes=("cat", "dog"), split=True, n=4, fmt="png") -> Path:
    for s in ("train", "test") if split else ("",):
        for k, c in enumerate(classes):
            d = root / s / c
            d.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                Image.new("RGB", (16, 16), (40 * k + i, 0, 0)).save(d / f"{i}.{fmt}")
    return root


def one_line(exc_info) -> str:
    msg = str(exc_info.value)
    assert "\n" not in msg and msg
    return msg


@pytest.mark.parametrize("bad", [b"", b"\xff\xd8\xff\xe0 not really a jpeg", b"GIF89a\x01"])
def test_an_unreadable_image_is_named(tmp_path, bad):
    root = tree(tmp_path / "pets")
    (root / "train" / "dog" / "broken.jpg").write_bytes(bad)
    (root / "test" / "cat" / "zero.png").write_bytes(b"")
    with pytest.raises(DatasetError) as e:
        load_dataset(f"imagefolder:{root}")
    msg = one_line(e)
    # The first in load order is named, the others counted.
    assert str(root / "test" / "cat" / "zero.png") in msg or "broken.jpg" in msg
    assert "and 1 other file" in msg and "fix or remove" in msg


def test_an_unreadable_image_in_a_zip_is_named(tmp_path):
    import zipfile

    root = tree(tmp_path / "src" / "pets", split=False)
    (root / "cat" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    z = tmp_path / "pets.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in root.rglob("*.png"):
            zf.write(p, p.relative_to(tmp_path / "src"))
    with pytest.raises(DatasetError, match=r"pets\.zip!pets/cat/bad\.png"):
        load_dataset(f"imagefolder:{z}")


def test_train_without_test_and_test_without_train_are_explained(tmp_path):
    root = tree(tmp_path / "a")
    shutil.rmtree(root / "test")
    with pytest.raises(DatasetError, match="has train/ but no test/"):
        load_dataset(f"imagefolder:{root}")
    root = tree(tmp_path / "b")
    shutil.rmtree(root / "train")
    with pytest.raises(DatasetError, match="has test/ but no train/"):
        load_dataset(f"imagefolder:{root}")
    root = tree(tmp_path / "c")
    shutil.rmtree(root / "train" / "dog")
    with pytest.raises(DatasetError, match="'dog' has test images but no training images"):
        load_dataset(f"imagefolder:{root}")


@pytest.mark.parametrize("split", [True, False])
def test_a_single_class_is_refused(tmp_path, split):
    root = tree(tmp_path / "one", classes=("cat",), split=split)
    with pytest.raises(DatasetError, match="only one class"):
        load_dataset(f"imagefolder:{root}")


def test_training_images_of_one_class_only_are_refused(tmp_path):
    # One image per class: the carved-off test split takes one, training sees one class.
    root = tree(tmp_path / "few", split=False, n=1)
    with pytest.raises(DatasetError, match="show 1 of its 2 classes"):
        load_dataset(f"imagefolder:{root}")


def test_a_training_run_on_a_bad_folder_is_one_line(tmp_path, capsys):
    root = tree(tmp_path / "pets")
    (root / "train" / "cat" / "0.png").write_bytes(b"")
    code = cli_main(["train", "--dataset", f"imagefolder:{root}", "--out", str(tmp_path / "m.pt")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and str(root / "train" / "cat" / "0.png") in err[0]
    assert not (tmp_path / "m.pt").exists()


def test_the_cache_never_serves_stale_pixels(tmp_path):
    root = tree(tmp_path / "pets", fmt="bmp")  # BMP: new pixels, same file size
    first = load_dataset(f"imagefolder:{root}")
    target = root / "train" / "cat" / "0.bmp"
    size = target.stat().st_size
    time.sleep(0.01)
    Image.new("RGB", (16, 16), (0, 255, 0)).save(target)
    assert target.stat().st_size == size
    again = load_dataset(f"imagefolder:{root}")
    assert not torch.equal(first.train.images, again.train.images)
    green = (again.train.images[:, 1] == 255).all(dim=(1, 2))
    assert green.sum() == 1  # exactly the rewritten image, decoded afresh
    assert torch.equal(load_dataset(f"imagefolder:{root}").train.images, again.train.images)


def test_imagefiles_does_not_import_data():
    # The old function-level `from .data import Split` hid a cycle; Split lives in split.py now.
    src = (ROOT / "desktop_cnn" / "core" / "data" / "imagefiles.py").read_text()
    assert "from .datasets" not in src and "from .split import Split" in src
    from desktop_cnn.core.data import datasets as data
    from desktop_cnn.core.data import imagefiles, split

    assert data.Split is split.Split is imagefiles.Split


# --- MNIST-style IDX files: intact ones linked from the test data, damaged ones written here ---


@pytest.fixture
def mnist_copy(shared_data, tmp_path):
    """A data dir whose MNIST/raw links to the real files; tests replace some with copies."""
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for names in SPLITS.values():
        for name in names:
            os.symlink(shared_data / "MNIST" / "raw" / name, raw / name)
    return raw


def replace_with(raw: Path, name: str, mutate) -> Path:
    data = bytearray((raw / name).read_bytes())
    (raw / name).unlink()
    (raw / name).write_bytes(bytes(mutate(data)))
    return raw / name


def set_bytes(at: int, value: bytes):
    def mutate(data: bytearray) -> bytearray:
        data[at : at + len(value)] = value
        return data

    return mutate


@pytest.mark.parametrize(
    "name, mutate, match",
    [
        ("t10k-images-idx3-ubyte", set_bytes(2, b"\x0d"), "bad magic number"),
        ("t10k-images-idx3-ubyte", set_bytes(3, b"\x02"), "bad magic number"),
        ("train-labels-idx1-ubyte", lambda d: b"", "is empty"),
        ("t10k-images-idx3-ubyte", lambda d: d[: len(d) // 2], "bytes but its header"),
        ("t10k-images-idx3-ubyte", lambda d: d[:10], "cut off inside its header"),
        ("t10k-labels-idx1-ubyte", set_bytes(4, (9999).to_bytes(4, "big")), "bytes but its header"),
        ("t10k-labels-idx1-ubyte", set_bytes(100, b"\x0c"), "has label 12"),
    ],
)
def test_damaged_idx_files_are_named(mnist_copy, name, mutate, match):
    path = replace_with(mnist_copy, name, mutate)
    with pytest.raises(DatasetError, match=match) as e:
        load_dataset("mnist", mnist_copy.parents[1], download=False)
    assert str(path) in one_line(e)


def test_images_and_labels_that_do_not_belong_together(mnist_copy):
    # The training labels in place of the test labels: 10,000 images, 17,435 labels.
    train_labels = (mnist_copy / "train-labels-idx1-ubyte").read_bytes()
    (mnist_copy / "t10k-labels-idx1-ubyte").unlink()
    (mnist_copy / "t10k-labels-idx1-ubyte").write_bytes(train_labels)
    match = "10,000 images but t10k-labels-idx1-ubyte 17,435 labels"
    with pytest.raises(DatasetError, match=match):
        load_dataset("mnist", mnist_copy.parents[1], download=False)


def test_a_missing_test_split_is_explained(mnist_copy):
    for name in SPLITS["test"]:
        (mnist_copy / name).unlink()
    with pytest.raises(DatasetNotFoundError) as e:
        load_dataset("mnist", mnist_copy.parents[1], download=False)
    msg = one_line(e)
    assert "the test split" in msg and "t10k-images-idx3-ubyte" in msg
    assert "train-images" not in msg


def test_intact_links_still_load(mnist_copy):
    ds = load_dataset("mnist", mnist_copy.parents[1], download=False)
    assert (len(ds.train), len(ds.test)) == (17435, 10000)  # the shared subset


def test_every_dataset_error_is_a_desktop_cnn_error():
    assert issubclass(DatasetError, DesktopCnnError)
