import zipfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from desktop_cnn.core.data.batches import BatchLoader, random_crop_flip, reflect_pad
from desktop_cnn.core.data.datasets import channel_stats, load_dataset
from desktop_cnn.core.errors import DatasetNotFoundError, UnknownNameError


def test_real_mnist_loads_as_uint8_tensors(mnist):
    assert mnist.train.images.dtype == torch.uint8
    assert mnist.train.images.shape == (17435, 1, 28, 28)
    assert mnist.test.images.shape == (10000, 1, 28, 28)
    assert mnist.classes == [str(i) for i in range(10)]
    assert mnist.input_shape == (1, 28, 28) and mnist.is_digits
    assert abs(mnist.mean[0] - 0.1307) < 0.005 and abs(mnist.std[0] - 0.3081) < 0.005
    assert mnist.test.labels.bincount().tolist()[:3] == [980, 1135, 1032]  # genuine test set


def test_missing_dataset_offline_names_dir_and_files(tmp_path):
    with pytest.raises(DatasetNotFoundError) as e:
        load_dataset("mnist", tmp_path, download=False)
    msg = str(e.value)
    assert str(tmp_path) in msg and "t10k-images-idx3-ubyte" in msg and "\n" not in msg


def test_unknown_dataset_and_class():
    with pytest.raises(UnknownNameError, match="unknown dataset"):
        load_dataset("imagenet")


def test_class_subset_relabels(mnist):
    sub = mnist.with_classes(["7", "1"])
    assert sub.classes == ["7", "1"]
    assert set(sub.train.labels.tolist()) == {0, 1}
    assert (sub.test.labels == 0).sum() == 1028  # the genuine test set's sevens
    with pytest.raises(UnknownNameError, match="no class cat"):
        mnist.with_classes(["cat", "1"])


def test_holdout_carves_validation_from_train(mnist):
    v = mnist.holdout(0.1)
    assert len(v.test) == 1743 and len(v.train) == 17435 - 1743 and v.validation == 0.1


def make_tree(root, split_layout, n=6, mode="RGB"):
    for split in ["train", "test"] if split_layout else [""]:
        for c, colour in (("cat", 40), ("dog", 200)):
            d = root / split / c
            d.mkdir(parents=True)
            for i in range(n):
                Image.new(mode, (32, 32), (colour + i,) * len(mode)).save(d / f"{i}.png")


@pytest.mark.parametrize("split_layout", [True, False])
def test_imagefolder(tmp_path, split_layout):
    make_tree(tmp_path / "pets", split_layout)
    ds = load_dataset(f"imagefolder:{tmp_path / 'pets'}")
    assert ds.classes == ["cat", "dog"]
    assert ds.input_shape == (3, 32, 32)
    total = len(ds.train) + len(ds.test)
    assert total == (24 if split_layout else 12) and len(ds.test) >= 1
    # Labels follow the folders: cats are dark, dogs are bright.
    dark = ds.train.images.float().mean((1, 2, 3)) < 128
    assert torch.equal(dark, ds.train.labels == 0)


def test_imagefolder_zip_and_cache(tmp_path):
    make_tree(tmp_path / "src" / "pets", True, mode="L")
    z = tmp_path / "pets.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in (tmp_path / "src").rglob("*.png"):
            zf.write(p, p.relative_to(tmp_path / "src"))
    a = load_dataset(f"imagefolder:{z}")
    b = load_dataset(f"imagefolder:{z}")  # from the cache
    assert a.input_shape == (1, 32, 32) and torch.equal(a.train.images, b.train.images)


def test_missing_imagefolder(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="does not exist"):
        load_dataset(f"imagefolder:{tmp_path / 'nope'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetNotFoundError, match="no images found"):
        load_dataset(f"imagefolder:{tmp_path / 'empty'}")


def test_channel_stats_match_float_computation():
    x = torch.randint(0, 256, (50, 3, 8, 8), dtype=torch.uint8)
    mean, std = channel_stats(x)
    f = x.double().div(255).transpose(0, 1).reshape(3, -1)
    assert torch.allclose(torch.tensor(mean, dtype=torch.float64), f.mean(1), atol=1e-9)
    assert torch.allclose(torch.tensor(std, dtype=torch.float64), f.std(1), atol=1e-9)


def test_batch_loader_shuffles_normalises_and_covers_everything(mnist):
    loader = BatchLoader(mnist.test, 1000, mnist.mean, mnist.std, shuffle=True, seed=1)
    seen = torch.cat([y for _, y in loader])
    assert len(seen) == 10000 and torch.equal(seen.sort().values, mnist.test.labels.sort().values)
    assert not torch.equal(seen, mnist.test.labels)  # shuffled
    x, _ = next(iter(BatchLoader(mnist.train, 4096, mnist.mean, mnist.std)))
    assert abs(x.mean().item()) < 0.05 and abs(x.std().item() - 1) < 0.05


def test_digit_augmentation_keeps_digits_recognisable(mnist):
    plain = BatchLoader(mnist.test, 256, mnist.mean, mnist.std)
    aug = BatchLoader(mnist.test, 256, mnist.mean, mnist.std, augment="digits")
    (x0, y0), (x1, y1) = next(iter(plain)), next(iter(aug))
    assert torch.equal(y0, y1) and x0.shape == x1.shape
    diff = (x0 - x1).abs().mean().item()
    assert 0.05 < diff < 1.0  # changed, but not destroyed


def test_crop_flip_is_an_exact_shift_or_mirror():
    x = torch.rand(64, 3, 8, 8)
    out = random_crop_flip(x, torch.Generator().manual_seed(0), pad=2)
    assert out.shape == x.shape
    # Every output is a crop of the reflect-padded input or of its mirror image.
    xp = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect")
    for i in range(8):
        hits = [
            torch.equal(out[i], v[:, dy : dy + 8, dx : dx + 8])
            for v in (xp[i], xp[i].flip(2))
            for dy in range(5)
            for dx in range(5)
        ]
        assert any(hits)


DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not DEBIAN_FASHION.exists(), reason="apt-get install dataset-fashion-mnist")
def test_fashion_mnist_through_torchvision(tmp_path):
    import gzip

    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for gz in DEBIAN_FASHION.glob("*.gz"):
        (raw / gz.stem).write_bytes(gzip.decompress(gz.read_bytes()))
    ds = load_dataset("fashion-mnist", tmp_path, download=False)
    assert (len(ds.train), len(ds.test), ds.input_shape) == (60000, 10000, (1, 28, 28))
    assert ds.classes[0] == "T-shirt/top" and ds.classes[-1] == "Ankle boot"
    assert ds.test.labels.bincount().tolist() == [1000] * 10


def test_cropping_the_padded_uint8_images_equals_padding_each_batch():
    """BatchLoader pads a colour dataset once and crops uint8 windows: same pixels, same draws."""
    x = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8)
    per_batch = random_crop_flip(x.float() / 255, torch.Generator().manual_seed(3))
    padded = reflect_pad(x, 4)
    assert padded.dtype == torch.uint8 and padded.shape == (64, 3, 40, 40)
    once = random_crop_flip(padded, torch.Generator().manual_seed(3), padded=True)
    assert once.dtype == torch.uint8 and torch.equal(once.float() / 255, per_batch)


@pytest.mark.parametrize("shape,pad", [((5, 3, 32, 32), 4), ((2, 1, 7, 9), 3), ((1, 2, 6, 5), 1)])
def test_reflect_pad_of_uint8_matches_f_pad_of_floats(shape, pad):
    """Rows, columns and corners: the same pixels as F.pad's reflection (which wants floats)."""
    x = torch.randint(0, 256, shape, dtype=torch.uint8)
    want = torch.nn.functional.pad(x.float(), (pad,) * 4, mode="reflect").to(torch.uint8)
    assert torch.equal(reflect_pad(x, pad), want)
    with pytest.raises(ValueError, match="over 5 pixels"):
        reflect_pad(x[..., :5, :5], 5)
