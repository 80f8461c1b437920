"""Every preset through everything the app does, and the files written before specs existed.

Each preset is fitted to real MNIST (1x28x28, 10 classes; the Fig. 3 net's own
39x39x3 input is covered by the arithmetic and synthetic-data tests) and goes
through the summary, a short training on 512 real digits, save and load, the
explanation of every conv layer, Grad-CAM and ONNX export.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_cnn.core.data.datasets import Dataset, Split
from desktop_cnn.core.data.preprocess import normalize
from desktop_cnn.core.files.checkpoints import Checkpoint, load_checkpoint, save_checkpoint
from desktop_cnn.core.files.paths import resource_path
from desktop_cnn.core.inspect.explain import explain
from desktop_cnn.core.inspect.saliency import grad_cam
from desktop_cnn.core.inspect.snapshots import snapshot_checkpoint
from desktop_cnn.core.inspect.summary import summary
from desktop_cnn.core.models import MODELS, build_model, classifier_args, spec_for
from desktop_cnn.core.spec import (
    PRESETS,
    analyse,
    build_spec,
    conv_units,
    dataset_mismatch,
    fit_to_data,
    preset_spec,
)
from desktop_cnn.core.spec.layers import SpecError
from desktop_cnn.core.train.events import Snapshot
from desktop_cnn.core.train.training import TrainConfig, Trainer

OLD = Path(__file__).parent / "fixtures" / "old_checkpoints"
TRAINABLE = [name for name, p in PRESETS.items() if p.classifier and name != "empty"]
BUILT_IN = ["lenet5", "lenet5-classic", "cifar-net", "widenet"]


@pytest.fixture(scope="module")
def small(mnist) -> Dataset:
    """512 real training digits and 200 real test digits: a few batches, real shapes."""
    return replace(
        mnist,
        train=Split(mnist.train.images[:512], mnist.train.labels[:512]),
        test=Split(mnist.test.images[:200], mnist.test.labels[:200]),
    )


def check_explanations(model, x: torch.Tensor) -> int:
    """Explain a few pixels of every conv layer's maps (its own and its activation's)."""
    with torch.no_grad():
        acts = model.activations(x)
    done = 0
    for unit in conv_units(model):
        for name in {unit.conv, unit.map}:
            c, h, w = acts[name].shape[1:]
            for ch, r, col in ((0, 0, 0), (c - 1, h // 2, w - 1), (c // 2, h - 1, w // 2)):
                e = explain(model, x, name, ch, r, col)
                assert abs(e.value - float(acts[name][0, ch, r, col])) <= 1e-4, (name, e)
                done += 1
    return done


@pytest.mark.parametrize("name", TRAINABLE)
def test_every_preset_trains_saves_explains_and_exports(name, small, tmp_path):
    args = classifier_args(name, small.input_shape, len(small.classes))
    spec = spec_for(name, args)
    model = build_model(name, **args)
    assert summary(model, small.input_shape).total_params == analyse(spec).total_params
    result = Trainer(small, name, TrainConfig(epochs=1, batch_size=128, device="cpu")).run()
    assert result.status == "finished", result.message
    path = save_checkpoint(tmp_path / f"{name}.pt", result.checkpoint.model, result.checkpoint.info)
    ck = load_checkpoint(path)
    x = normalize(small.test.images[:8].float() / 255, ck.info.mean, ck.info.std)
    with torch.no_grad():
        assert torch.equal(ck.model(x), result.checkpoint.model.eval()(x))
    # The spec's own model, given the trained weights, is the same network (the built-in
    # names are hand-written classes with the same layer names).
    own = build_spec(ck.info.spec).eval()
    own.load_state_dict(ck.model.state_dict())
    with torch.no_grad():
        assert (own(x) - ck.model(x)).abs().max() < 1e-6
    assert check_explanations(own, x[:1]) >= 3 * len(conv_units(own))
    cam = grad_cam(own, x[:1], int(small.test.labels[0]), layer=None)
    assert cam.shape == (28, 28) and torch.isfinite(cam).all() and cam.max() <= 1
    onnx_agrees(Checkpoint(own, ck.info), x, tmp_path / f"{name}.onnx")


def onnx_agrees(ck: Checkpoint, x: torch.Tensor, out: Path) -> None:
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    from desktop_cnn.core.files.export import export_onnx

    export_onnx(ck, out)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    with torch.no_grad():
        assert np.abs(got - ck.model(x).numpy()).max() < 1e-4


def test_fig3_on_its_own_input_snapshots_distillation_mixup_and_resume(tmp_path):
    """The 39x39x3 net trains on synthetic images (no real data set has that shape here)."""
    spec = preset_spec("fig3-convnet")
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (64, 3, 39, 39), generator=g, dtype=torch.uint8)
    split = Split(images, torch.randint(0, 10, (64,), generator=g))
    data = Dataset("synthetic", [str(i) for i in range(10)], split, split, (0.5,) * 3, (0.25,) * 3)
    events: list = []
    cfg = TrainConfig(
        epochs=1,
        batch_size=32,
        device="cpu",
        augment=False,
        snapshots_per_epoch=1,
        schedule="constant",
    )  # constant: resumable longer
    path = tmp_path / "fig3.pt"
    result = Trainer(data, spec, cfg, callback=events.append).run(path)
    assert result.status == "finished"
    info = result.checkpoint.info
    assert info.arch == "fig3-convnet" and info.arch_args["spec"] == spec.to_dict()
    assert [r.out_shape for r in analyse(info.spec).rows if r.type == "conv"][0] == (10, 37, 37)
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert snaps
    again = snapshot_checkpoint(snaps[-1]).model
    x = torch.randn(2, 3, 39, 39)
    with torch.no_grad():
        assert again(x).shape == (2, 10)
    taught = TrainConfig(
        epochs=1, batch_size=32, device="cpu", augment=False, teacher=str(path), mixup=0.4
    )
    assert Trainer(data, spec, taught).run().status == "finished"
    longer = TrainConfig(epochs=2, batch_size=32, device="cpu", augment=False, schedule="constant")
    resumed = Trainer(data, spec, longer, resume=load_checkpoint(path)).run()
    assert resumed.status == "finished" and resumed.checkpoint.info.metrics["epochs"] == 2


def test_a_spec_that_does_not_fit_the_data_is_explained():
    spec = preset_spec("fig3-convnet")
    with pytest.raises(SpecError, match="takes 3-channel images, the data has 1"):
        classifier_args(spec, (1, 28, 28), 10)
    with pytest.raises(SpecError, match="empty gives 1x28x28 numbers, the data has 10 classes"):
        classifier_args(preset_spec("empty"), (1, 28, 28), 10)
    fitted = fit_to_data(spec, (1, 28, 28), 2)  # the offered fix: input shape and classes
    assert dataset_mismatch(fitted, (1, 28, 28), 2) == []
    assert [r.out_shape for r in analyse(fitted).rows][-1] == (2,)
    assert classifier_args(fitted, (1, 28, 28), 2) == {"spec": fitted.to_dict()}
    tiny = fit_to_data(spec, (1, 8, 8), 10)  # shapes that cannot flow are named, not fixed
    assert dataset_mismatch(tiny, (1, 8, 8), 10) == [
        "on 1x8x8 images: conv3: (1 + 2*0 - 5)/2 + 1 = -1: a 5x5 kernel does not fit a 1x1 input"
    ]


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_classes_are_exactly_their_presets(name):
    torch.manual_seed(0)
    model = build_model(name).eval()
    spec = spec_for(name, {})
    own = build_spec(spec).eval()
    assert own.state_dict().keys() == model.state_dict().keys()
    own.load_state_dict(model.state_dict())
    x = torch.randn(4, *model.input_shape)
    with torch.no_grad():
        assert torch.equal(own(x), model(x))


def test_checkpoints_written_before_specs_open_with_identical_outputs(mnist):
    """Files made by the code at e9ac3a4 (tests/fixtures/make_old_checkpoints.py)."""
    logits = torch.load(OLD / "logits.pt", weights_only=True)
    digits = mnist.test.images[:16].float() / 255
    colour = torch.rand(16, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    files = {stem: OLD / f"{stem}.pt" for stem in BUILT_IN}
    files.update({n: resource_path(f"assets/{n}.pt") for n in ("lenet5_mnist", "lenet5_cifar10")})
    for stem, path in files.items():
        ck = load_checkpoint(path)
        x = normalize(digits if ck.info.input_shape[0] == 1 else colour, ck.info.mean, ck.info.std)
        own = build_spec(ck.info.spec).eval()  # and as a spec: the same numbers
        own.load_state_dict(ck.model.state_dict())
        with torch.no_grad():
            now = ck.model(x)
            # The logits were stored on another CPU, whose oneDNN kernels round differently
            # (an AMD EPYC differs in the last bits): equal to float rounding, not bit for bit.
            torch.testing.assert_close(now, logits[stem], rtol=1e-5, atol=1e-6)
            assert torch.equal(own(x), now)  # on one machine, the spec is the very same net


def test_registry_names_every_preset_that_can_train():
    assert set(TRAINABLE) <= set(MODELS)
