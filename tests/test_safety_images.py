"""Image folders are read as torchvision's ImageFolder reads them, and nothing is dropped or
mangled silently (issue class 7)."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.data.datasets import MIN_STD, channel_stats, load_dataset
from desktop_cnn.core.errors import DatasetError, DatasetNotFoundError


def img(path: Path, value: int = 128, size=(28, 28), mode="L") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = (np.arange(size[0] * size[1]).reshape(size[1], size[0]) * 7 + value) % 256
    Image.fromarray(arr.astype(np.uint8), "L").convert(mode).save(path)
    return path


def classes_of(root) -> dict[str, int]:
    ds = load_dataset(f"imagefolder:{root}")
    counts = torch.bincount(torch.cat([ds.train.labels, ds.test.labels]), minlength=2).tolist()
    return dict(zip(ds.classes, counts, strict=True))


def test_images_in_sub_folders_of_a_class_are_that_class(tmp_path):
    for i in range(6):
        img(tmp_path / "cat" / f"{i}.png", i)
        img(tmp_path / "bird" / "sub" / f"{i}.png", 100 + i)  # the issue: all in bird/sub/
        img(tmp_path / "dog" / "a" / "b" / f"{i}.png", 200 + i)
    assert classes_of(tmp_path) == {"bird": 6, "cat": 6, "dog": 6}


def test_split_layout_is_recursive_too(tmp_path):
    for split, n in (("train", 6), ("test", 2)):
        for i in range(n):
            img(tmp_path / split / "cat" / "x" / f"{i}.png", i)
            img(tmp_path / split / "dog" / f"{i}.png", 100 + i)
    ds = load_dataset(f"imagefolder:{tmp_path}")
    assert ds.classes == ["cat", "dog"] and len(ds.train) == 12 and len(ds.test) == 4


def test_hidden_entries_are_not_classes_nor_images(tmp_path):
    for i in range(6):
        img(tmp_path / "cat" / f"{i}.png", i)
        img(tmp_path / "dog" / f"{i}.png", 100 + i)
        img(tmp_path / ".thumbnails" / f"{i}.png", i)  # the issue: became a class
        img(tmp_path / "cat" / ".cache" / f"{i}.png", i)
        img(tmp_path / "dog" / f".{i}.png", i)
    ds = load_dataset(f"imagefolder:{tmp_path}")
    assert ds.classes == ["cat", "dog"] and len(ds.train) + len(ds.test) == 12
    assert any("hidden" in n for n in ds.notes)


def zip_of(tmp_path: Path, members: dict[str, Path]) -> Path:
    z = tmp_path / "pets.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name, path in members.items():
            zf.write(path, name)
    return z


@pytest.mark.parametrize(
    "extra",
    [
        {"__MACOSX/pets/cat/._0.png": "junk"},  # the issue: a macOS zip
        {"readme.png": "image"},  # the issue: one stray top-level member
        {"pets/cover.png": "image", "__MACOSX/._pets": "junk"},
    ],
)
def test_zips_with_one_folder_and_strays(tmp_path, extra):
    src = {f"pets/{c}/{i}.png": img(tmp_path / "src" / c / f"{i}.png", v + i)
           for c, v in (("cat", 0), ("dog", 100)) for i in range(6)}  # fmt: skip
    for name, kind in extra.items():
        path = tmp_path / "src" / name.replace("/", "_")
        if kind == "junk":
            path.write_bytes(b"\x00\x05\x16\x07 not an image")
        else:
            img(path, 50)
        src[name] = path
    ds = load_dataset(f"imagefolder:{zip_of(tmp_path, src)}")
    assert ds.classes == ["cat", "dog"] and len(ds.train) + len(ds.test) == 12


def test_class_folders_beside_train_and_test_are_reported_not_ignored(tmp_path):
    for i in range(4):
        img(tmp_path / "train" / "cat" / f"{i}.png", i)
        img(tmp_path / "test" / "cat" / f"{i}.png", i)
        img(tmp_path / "train" / "dog" / f"{i}.png", 100 + i)
        img(tmp_path / "test" / "dog" / f"{i}.png", 100 + i)
        img(tmp_path / "bird" / f"{i}.png", 200 + i)  # the issue: silently dropped
    with pytest.raises(DatasetError, match="bird"):
        load_dataset(f"imagefolder:{tmp_path}")


def test_16_bit_pngs_are_scaled_not_clipped(tmp_path):
    for i in range(6):
        for c, level in (("dark", 8000), ("grey", 32896)):
            arr = np.full((28, 28), level + i, dtype=np.uint16)
            arr[10:18, 10:18] = 65535
            (tmp_path / c).mkdir(exist_ok=True)
            Image.fromarray(arr).save(tmp_path / c / f"{i}.png")  # mode I;16
    ds = load_dataset(f"imagefolder:{tmp_path}")
    pixels = torch.cat([ds.train.images, ds.test.images])
    labels = torch.cat([ds.train.labels, ds.test.labels])
    grey = pixels[labels == ds.classes.index("grey")]
    assert int(grey[0, 0, 0, 0]) in (127, 128, 129)  # 32896/65535 of 255, not clipped to 255
    assert int(grey[0, 0, 12, 12]) == 255
    dark = pixels[labels == ds.classes.index("dark")]
    assert 28 <= int(dark[0, 0, 0, 0]) <= 33


@pytest.mark.slow
def test_constant_images_give_no_nan_and_a_word_on_the_data(tmp_path, capsys):
    for c in ("a", "b"):
        for i in range(12):
            (tmp_path / c).mkdir(exist_ok=True)
            Image.new("L", (28, 28), 0).save(tmp_path / c / f"{i}.png")
    ds = load_dataset(f"imagefolder:{tmp_path}")
    assert ds.std == (MIN_STD,) and "same value" in ds.remark()
    flags = ["--epochs", "1", "--batch-size", "4", "--device", "cpu"]
    code = cli_main(
        ["train", "--dataset", f"imagefolder:{tmp_path}", *flags, "--out", str(tmp_path / "m.pt")]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "same value" in err and "a 10+2, b 10+2" in err
    assert all(
        math.isfinite(s) and s > 0
        for s in channel_stats(torch.zeros(3, 3, 4, 4, dtype=torch.uint8))[1]
    )


def test_one_class_of_identical_images_is_named(tmp_path):
    for i in range(6):
        img(tmp_path / "varied" / f"{i}.png", i * 40)
        img(tmp_path / "same" / f"{i}.png", 7)
    assert "same" in load_dataset(f"imagefolder:{tmp_path}").remark()


@pytest.mark.parametrize("odd", [(1, 1), (300, 200), (5, 90)])
def test_one_odd_sized_image_does_not_set_the_size(tmp_path, odd):
    img(tmp_path / "a" / "0.png", 0, size=odd)  # first in sorted order
    for i in range(1, 8):
        img(tmp_path / "a" / f"{i}.png", i)
        img(tmp_path / "b" / f"{i}.png", 100 + i)
    assert load_dataset(f"imagefolder:{tmp_path}").input_shape == (1, 28, 28)


@pytest.mark.parametrize("name", ["imagefolder:", "imagefolder:  "])
def test_an_empty_imagefolder_path_is_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    img(tmp_path / "a" / "0.png")  # the current folder has images: still not walked
    with pytest.raises(DatasetNotFoundError, match="needs a folder"):
        load_dataset(name)


def test_odd_folder_names_are_printable_class_names(tmp_path):
    for i in range(6):
        img(tmp_path / "cat\nsaved x.pt" / f"{i}.png", i)
        img(tmp_path / "\x1b[31mdog" / f"{i}.png", 100 + i)
    ds = load_dataset(f"imagefolder:{tmp_path}")
    assert sorted(ds.classes) == ["\\x1b[31mdog", "cat\\nsaved x.pt"]
