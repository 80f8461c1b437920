"""DCGAN: preset shapes against the formulas and a real forward pass, the recipe on real MNIST,
seeds, generator files, `gan train` / `gan sample`, wrong-file-kind errors, divergence."""

from __future__ import annotations

import math

import pytest
import torch
from PIL import Image

from desktop_cnn.cli import main
from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.files.paths import resource_path
from desktop_cnn.core.gan.divergence import DivergenceWatch
from desktop_cnn.core.gan.files import load_generator, save_generator
from desktop_cnn.core.gan.nets import activations, build_net, net_json
from desktop_cnn.core.gan.quality import measure, quality_of
from desktop_cnn.core.gan.sample import sample
from desktop_cnn.core.gan.steps import generator_steps, out_side
from desktop_cnn.core.gan.train import (
    GanConfig,
    GanData,
    GanTrainer,
    generate,
    load_gan_data,
    new_state,
)
from desktop_cnn.core.spec import PRESETS, analyse, build_spec, preset_spec, spec_code

SIZES = [(28, 1), (32, 3), (64, 3)]


@pytest.fixture(autouse=True)
def one_thread():
    """On 2 shared cores, two threads make these small convolutions many times slower."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def conv_side(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


@pytest.mark.parametrize(("size", "nc"), SIZES)
def test_generator_shapes_follow_the_transposed_conv_formula_and_a_forward_pass(size, nc):
    spec = net_json("g", size, nc, 8)
    g = build_net(spec).eval()
    acts = activations(g, torch.randn(2, 100, 1, 1))
    side, chans = 1, 100
    for layer in spec["layers"]:
        if layer["type"] == "convtranspose":
            side = out_side(side, layer["kernel"], layer["stride"], layer["padding"])
            chans = layer["out_channels"]
        assert tuple(acts[layer["name"]].shape) == (2, chans, side, side), layer["name"]
    assert side == size and chans == nc
    out = acts["tanh"]
    assert out.min() >= -1 and out.max() <= 1


@pytest.mark.parametrize(("size", "nc"), SIZES)
def test_discriminator_shapes_follow_the_conv_formula_and_end_in_one_logit(size, nc):
    spec = net_json("d", size, nc, 8)
    d = build_net(spec).eval()
    acts = activations(d, torch.randn(2, nc, size, size))
    side, chans = size, nc
    for layer in spec["layers"]:
        if layer["type"] == "conv":
            side = conv_side(side, layer["kernel"], layer["stride"], layer["padding"])
            chans = layer["out_channels"]
        if layer["type"] != "flatten":
            assert tuple(acts[layer["name"]].shape) == (2, chans, side, side), layer["name"]
    assert tuple(acts["logit"].shape) == (2, 1)


@pytest.mark.parametrize("name", ["dcgan-g28", "dcgan-d28", "dcgan-g32", "dcgan-d32"])
def test_presets_are_in_the_spec_table_and_their_generated_code_reproduces_them(name):
    spec = preset_spec(name)
    assert not PRESETS[name].classifier
    rows = analyse(spec).rows
    model = build_spec(spec).eval()
    x = torch.randn(2, *spec.input_shape)
    acts = model.activations(x)
    assert [tuple(acts[r.name].shape[1:]) for r in rows] == [tuple(r.out_shape) for r in rows]
    scope: dict = {}
    exec(spec_code(spec), scope)  # noqa: S102 - our own generated source
    cls = next(v for k, v in scope.items() if isinstance(v, type) and k != "nn" and
               issubclass(v, torch.nn.Module) and v.__module__ == "builtins")  # fmt: skip
    twin = cls()
    twin.load_state_dict(model.state_dict())
    twin.eval()
    with torch.no_grad():
        assert torch.allclose(twin(x), model(x), atol=1e-6)


def test_generator_steps_give_each_layers_numbers():
    state = new_state(GanConfig(), GanData("mnist", ["0"], torch.zeros(4, 1, 28, 28), 28))
    steps = generator_steps(state, state.fixed_noise[0])
    assert [(s.in_side, s.out_side) for s in steps] == [(1, 7), (7, 14), (14, 28)]
    assert [tuple(s.maps.shape) for s in steps] == [(64, 7, 7), (32, 14, 14), (1, 28, 28)]
    assert steps[1].formula == "(7 - 1) x 2 - 2 x 1 + 4 = 14"


def tiny_data(mnist, n: int = 256) -> GanData:
    return GanData("mnist", mnist.classes, mnist.train.images[:n], 28)


def test_same_seed_same_run_and_same_samples(mnist):
    cfg = GanConfig(max_steps=4, batch_size=32, sample_every=100, seed=7)
    runs = [GanTrainer(tiny_data(mnist), cfg).run() for _ in range(2)]
    a, b = (generate(r.state.generator, r.state.fixed_noise) for r in runs)
    assert torch.equal(a, b)
    s = runs[0].state
    assert torch.equal(sample(s, 5, seed=3), sample(s, 5, seed=3))
    assert not torch.equal(sample(s, 5, seed=3), sample(s, 5, seed=4))
    other = GanTrainer(tiny_data(mnist), GanConfig(max_steps=4, batch_size=32, seed=8)).run()
    assert not torch.equal(a, generate(other.state.generator, other.state.fixed_noise))


def test_a_generator_file_round_trips_and_resumes(mnist, tmp_path):
    cfg = GanConfig(max_steps=3, batch_size=32, sample_every=100)
    result = GanTrainer(tiny_data(mnist), cfg).run()
    path = save_generator(tmp_path / "g.pt", result.state)
    back = load_generator(path)
    assert back.step == 3 and back.dataset == "mnist" and back.image_shape == (1, 28, 28)
    assert back.history["loss_d"] == pytest.approx(result.state.history["loss_d"])
    assert torch.equal(back.fixed_noise, result.state.fixed_noise)
    assert torch.equal(sample(back, 4, 1), sample(result.state, 4, 1))
    assert back.config.batch_size == 32
    cfg2 = GanConfig(max_steps=5, batch_size=32, sample_every=100)
    again = GanTrainer(tiny_data(mnist), cfg2, back).run()
    assert again.state.step == 5 and len(again.state.history["loss_d"]) == 5


def test_wrong_file_kinds_fail_with_one_line(mnist, tmp_path, capsys):
    result = GanTrainer(tiny_data(mnist), GanConfig(max_steps=1, batch_size=32)).run()
    gen = save_generator(tmp_path / "g.pt", result.state)
    classifier = resource_path("assets/lenet5_mnist.pt")
    with pytest.raises(CheckpointError, match="is a classifier .*not a generator"):
        load_generator(classifier)
    with pytest.raises(CheckpointError, match="is a GAN generator, not a classifier"):
        load_checkpoint(gen)
    assert main(["gan", "sample", str(classifier), "--out", str(tmp_path / "x.png")]) == 1
    assert main(["predict", str(gen), str(resource_path("assets/sample_digit_7.png"))]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("desktop-cnn: error: ") for line in err)
    assert "not a generator" in err[0] and "gan sample" in err[1]


def test_gan_train_then_sample_writes_the_documented_images(shared_data, tmp_path, capsys):
    out = tmp_path / "g.pt"
    argv = ["gan", "train", "--dataset", "mnist", "--data-dir", str(shared_data)]
    assert main([*argv, "--steps", "2", "--batch-size", "16", "--out", str(out), "-q"]) == 0
    stdout = capsys.readouterr().out
    assert "quality:" in stdout and f"saved {out}" in stdout
    assert [line[:17] for line in stdout.splitlines() if "(epoch" in line] == ["step 2/2 (epoch 1"]
    assert load_generator(out).quality["count"] == 300
    assert (
        main(
            ["gan", "sample", str(out), "--count", "7", "--seed", "2", "--out", str(tmp_path / "d")]
        )
        == 0
    )
    files = sorted((tmp_path / "d").glob("*.png"))
    assert len(files) == 7 and all(Image.open(f).size == (28, 28) for f in files)
    assert main(["gan", "sample", str(out), "--count", "10", "--out", str(tmp_path / "g.png")]) == 0
    # 10 images: 4 columns, 3 rows of 28 px with a 2 px gap around each
    assert Image.open(tmp_path / "g.png").size == (4 * 30 + 2, 3 * 30 + 2)
    assert "wrote a grid of 10 images of 28x28" in capsys.readouterr().out


def test_gan_train_refuses_bad_flags_before_reading_data(tmp_path, capsys):
    argv = ["gan", "train", "--dataset", "mnist", "--out", str(tmp_path / "g.pt")]
    assert main([*argv, "--batch-size", "1"]) == 1
    assert "--batch-size must be at least 2" in capsys.readouterr().err


def test_divergence_is_said_in_one_line():
    w = DivergenceWatch(patience=5, warmup=3)
    assert w.update(1, 1.0, 1.0, 0.5, 0.5) is None
    assert "NaN" in (w.update(2, math.nan, 1.0, 0.5, 0.5) or "")
    w = DivergenceWatch(patience=5, warmup=3)
    said = [w.update(i, 0.01, 9.0, 0.999, 0.001) for i in range(1, 10)]
    assert said[:4] == [None] * 4 and "wins outright" in (said[4] or "")
    same = torch.zeros(8, 1, 28, 28)
    real = torch.rand(8, 1, 28, 28) * 2 - 1
    assert "mode collapse" in (w.check_samples(10, same + 0.01 * torch.rand_like(same), real) or "")
    assert w.check_samples(10, real.flip(0), real) is None


def test_quality_of_counts_confident_reads_and_evenness():
    probs = torch.eye(10).repeat(3, 1)  # 30 sure answers, 3 of each digit
    q = quality_of(probs)
    assert q.confident == 1 and q.evenness == pytest.approx(1) and q.balanced == pytest.approx(1)
    one = quality_of(torch.eye(10)[[3] * 30])
    assert one.confident == 1 and one.evenness == 0 and one.balanced == pytest.approx(0.1)
    assert not one.reaches_target and q.reaches_target


@pytest.mark.slow
def test_a_short_real_mnist_run_beats_the_untrained_generator(shared_data):
    """600 steps of the recipe on real MNIST: the fakes become digits LeNet-5 reads."""
    cfg = GanConfig(data_dir=str(shared_data), max_steps=600, sample_every=1000)
    data = load_gan_data(cfg)
    trainer = GanTrainer(data, cfg)
    z = torch.randn(300, 100, 1, 1, generator=torch.Generator().manual_seed(5))
    before = measure(generate(trainer.g, z))
    result = trainer.run()
    assert result.status == "done", result.message
    after = measure(generate(result.state.generator, z))
    # The untrained blobs are all read as one digit (often with p ~ 1): count each class up
    # to its fair tenth, and ask for a spread over the digits.
    assert before.balanced <= 0.1 + 1e-9 and before.evenness < 0.2
    assert after.balanced > before.balanced + 0.1, (before.line(), after.line())
    assert after.evenness > before.evenness + 0.3, (before.line(), after.line())


def test_the_bundled_generator_is_small_and_draws_digits():
    path = resource_path("assets/dcgan_mnist.pt")
    if not path.exists():
        pytest.skip("no bundled generator")
    assert path.stat().st_size < 5 << 20
    state = load_generator(path)
    assert state.image_shape == (1, 28, 28) and state.quality["count"] == 300
    q = measure(sample(state, 300, state.quality["seed"]))
    # the stored number, give or take a few fakes near p = 0.9 on another CPU's rounding
    assert q.confident == pytest.approx(state.quality["confident"], abs=0.02)
    assert q.evenness > 0.8 and q.confident > 0.5
