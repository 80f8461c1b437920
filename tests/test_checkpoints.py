import os
import pickle

import pytest
import torch
from infos import lenet5_info

from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.models import build_model


def info(**kw):
    history = {"batch_loss": [2.3, 1.0, 0.5], "epochs": [{"epoch": 1}]}
    return lenet5_info(**{"metrics": {"test_accuracy": 0.9}, "history": history, **kw})


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = build_model("lenet5")
    path = save_checkpoint(tmp_path / "m.pt", model, info())
    ck = load_checkpoint(path)
    for k, v in model.state_dict().items():
        assert torch.equal(v, ck.model.state_dict()[k])
    assert ck.info.arch == "lenet5" and ck.info.classes[3] == "3"
    assert ck.info.input_shape == (1, 28, 28) and ck.info.mean == (0.13,)
    assert ck.info.history["batch_loss"] == pytest.approx([2.3, 1.0, 0.5])
    assert ck.info.versions["torch"] == str(torch.__version__) and ck.info.created
    assert not ck.model.training
    assert os.path.getsize(path) < 300_000  # weights plus a little metadata


def test_save_is_atomic_and_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    save_checkpoint(path, build_model("lenet5"), info())
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        save_checkpoint(path, build_model("lenet5"), info())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temp file left


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/desktop-cnn-pwned",))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(os.urandom(2000)), "not a PyTorch model file"),
        (lambda p: p.write_text("hello\n"), "not a PyTorch model file"),
        (lambda p: torch.save(Evil(), p), "would run code"),
        (lambda p: p.write_bytes(pickle.dumps(Evil())), "would run code"),
        (lambda p: torch.save([1, 2, 3], p), "not a model checkpoint"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, make, match):
    p = tmp_path / "bad.pt"
    make(p)
    with pytest.raises(CheckpointError, match=match) as e:
        load_checkpoint(p)
    assert "\n" not in str(e.value)
    assert not os.path.exists("/tmp/desktop-cnn-pwned")


@pytest.mark.parametrize("seed", range(40))
def test_random_bytes_never_escape_as_other_errors(tmp_path, seed):
    # Random bytes once reached torch's unpickler as an IndexError ("pop from empty list"):
    # seeded so that any such case found stays found.
    import random

    p = tmp_path / "noise.pt"
    p.write_bytes(random.Random(seed).randbytes(2000))
    with pytest.raises(CheckpointError, match="not a PyTorch model file|cannot be read"):
        load_checkpoint(p)


def test_truncated_checkpoint(tmp_path):
    p = save_checkpoint(tmp_path / "m.pt", build_model("lenet5"), info())
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(p)


def test_unknown_architecture_and_mismatched_weights(tmp_path):
    p = save_checkpoint(tmp_path / "a.pt", build_model("lenet5"), info(arch="vgg16"))
    with pytest.raises(CheckpointError, match="unknown model 'vgg16'"):
        load_checkpoint(p)
    p = save_checkpoint(
        tmp_path / "b.pt",
        build_model("lenet5"),
        info(arch_args={"num_classes": 2, "in_channels": 1, "input_size": 28}),
    )
    with pytest.raises(CheckpointError, match="do not fit lenet5"):
        load_checkpoint(p)


def test_books_bare_state_dicts_are_recognised(tmp_path):
    # The book saves weights only: torch.save(model.state_dict(), path).
    net = build_model("cifar-net")
    torch.save(net.state_dict(), tmp_path / "birds_vs_airplanes.pt")
    ck = load_checkpoint(tmp_path / "birds_vs_airplanes.pt")
    assert ck.info.arch == "cifar-net" and ck.info.classes == ["airplane", "bird"]
    assert any("assumed" in n for n in ck.info.notes)
    x = torch.randn(1, 3, 32, 32)
    assert torch.equal(ck.model(x), net.eval()(x))

    lenet = build_model("lenet5", in_channels=3, input_size=32)
    torch.save(lenet.state_dict(), tmp_path / "cifar_net.pth")
    ck = load_checkpoint(tmp_path / "cifar_net.pth")
    assert ck.info.arch == "lenet5" and ck.info.input_shape == (3, 32, 32)
    assert len(ck.info.classes) == 10 and ck.info.dataset == "cifar10"


def test_bare_state_dict_matching_nothing(tmp_path):
    torch.save(torch.nn.Linear(4, 2).state_dict(), tmp_path / "lin.pt")
    with pytest.raises(CheckpointError, match="match no known architecture"):
        load_checkpoint(tmp_path / "lin.pt")


def test_saved_on_another_device_loads_on_cpu(tmp_path):
    # map_location="cpu" is what makes a GPU-saved file open on a CPU-only machine;
    # the CUDA half of this runs on a GPU machine (test_training.py, test_cuda_training_step...).
    p = save_checkpoint(tmp_path / "m.pt", build_model("lenet5"), info())
    ck = load_checkpoint(p, map_location="cpu")
    assert all(t.device.type == "cpu" for t in ck.model.state_dict().values())


def test_title_says_what_the_accuracy_was_measured_on():
    assert info(metrics={"test_accuracy": 0.9932}).title.endswith("test accuracy 99.3%")
    held = info(metrics={"test_accuracy": 0.9954, "evaluated_on": "validation"})
    assert held.title.endswith("validation accuracy 99.5%") and held.held_out == "validation"
