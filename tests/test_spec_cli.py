"""``spec``, ``code``, ``summary --model FILE`` and ``train --model FILE`` from the command line;
generated code run in a fresh interpreter gives the spec model's outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from desktop_cnn.cli import main
from desktop_cnn.core.spec import PRESETS, build_spec, layer, preset_spec, spec_code, spec_of
from desktop_cnn.core.spec.files import load_spec_file, spec_json

ROOT = Path(__file__).resolve().parents[1]
OLD = Path(__file__).parent / "fixtures" / "old_checkpoints"


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_spec_prints_json_that_model_accepts_back(capsys, tmp_path):
    code, out, _ = run(capsys, "spec", "cifar-net")
    assert code == 0
    data = json.loads(out)
    assert data["input"] == [3, 32, 32] and data["layers"][0] == {
        "type": "conv",
        "name": "conv1",
        "out_channels": 16,
        "kernel": 3,
        "stride": 1,
        "padding": 1,
        "dilation": 1,
        "bias": True,
    }
    path = tmp_path / "mine.json"
    path.write_text(out)
    code, table, _ = run(capsys, "summary", "--model", path)
    assert code == 0 and table.strip().endswith("Total parameters: 18090")
    assert "(32 + 2*1 - 3)/1 + 1 = 32" in table and "16*3*3*3 + 16 = 448" in table
    assert run(capsys, "spec", path)[1] == out  # a spec file prints as itself


def test_spec_of_a_checkpoint_written_before_specs(capsys):
    code, out, _ = run(capsys, "spec", OLD / "lenet5-classic.pt")
    assert code == 0
    assert json.loads(out) == preset_spec("lenet5-classic").to_dict()


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not JSON (Expecting property name enclosed in double quotes at line 1"),
        (
            '{"input": [1, 28, 28], "layers": [{"type": "conv3d"}]}',
            "layer 1: unknown layer type 'conv3d'",
        ),
        (
            '{"input": [1, 28, 28], "layers": [{"type": "conv", "out_channels": 4, "kernel": 3, '
            '"kernal": 3}]}',
            "layer 1: unknown field 'kernal' for conv",
        ),
        (
            '{"input": [1, 28, 28], "layers": [{"type": "conv", "name": "c", "out_channels": 0, '
            '"kernel": 3}]}',
            "c: out_channels must be at least 1, not 0",
        ),
        (
            '{"input": [1, 28, 28], "layers": [{"type": "maxpool", "kernel": -2}]}',
            "layer 1: kernel must be at least 1, not -2",
        ),
        ('{"input": [1, 0, 28], "layers": []}', "input: must be [channels, height, width]"),
        (
            '{"input": [1, 7, 7], "layers": [{"type": "conv", "out_channels": 2, "kernel": 9}]}',
            "conv1: (7 + 2*0 - 9)/1 + 1 = -1: a 9x9 kernel does not fit a 7x7 input",
        ),
        (
            '{"input": [1, 8, 8], "layers": [{"type": "linear", "out_features": 3}]}',
            "fc1: gets 1x8x8 maps: put a flatten",
        ),
    ],
)
@pytest.mark.parametrize("command", ["summary", "train", "code"])
def test_a_bad_spec_file_is_one_line_naming_layer_and_field(
    capsys, tmp_path, text, message, command
):
    path = tmp_path / "bad.json"
    path.write_text(text)
    args = {
        "summary": ["summary", "--model", path],
        "code": ["code", path],
        "train": ["train", "--dataset", "mnist", "--model", path, "--out", tmp_path / "m.pt"],
    }[command]
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and str(path) in lines[0], lines
    assert not (tmp_path / "m.pt").exists()


def test_too_big_is_refused_unless_forced(capsys, tmp_path):
    spec = spec_of(
        "huge",
        (3, 256, 256),
        [
            layer("conv", out_channels=128, kernel=3),
            layer("flatten"),
            layer("linear", out_features=10),
        ],
    )
    path = tmp_path / "huge.json"
    path.write_text(spec_json(spec))
    code, _, err = run(capsys, "summary", "--model", path)
    assert code == 1 and "too big for a desktop" in err
    code, out, _ = run(capsys, "summary", "--model", path, "--force")
    assert code == 0 and "too big" in out


def test_generated_code_in_a_fresh_interpreter_gives_the_same_outputs(tmp_path):
    specs = [preset_spec(n) for n in PRESETS if n != "empty"]
    specs.append(
        spec_of(
            "odd-one",
            (2, 17, 13),
            [
                layer(
                    "conv", out_channels=5, kernel=3, stride=2, padding=2, dilation=2, bias=False
                ),
                layer("batchnorm"),
                layer("leakyrelu", slope=0.2),
                layer("avgpool", kernel=3, stride=1, padding=1),
                layer("conv", out_channels=4, kernel=1),
                layer("sigmoid"),
                layer("dropout", p=0.3),
                layer("flatten"),
                layer("linear", out_features=6, bias=False),
                layer("batchnorm"),
                layer("tanh"),
                layer("linear", out_features=3),
            ],
        )
    )
    torch.manual_seed(0)
    for i, spec in enumerate(specs):
        model = build_spec(spec).eval()
        with torch.no_grad():
            for name, b in model.named_buffers():
                if "running" in name:
                    b.uniform_(0.5, 1.5)
        x = torch.randn(3, *spec.input_shape)
        with torch.no_grad():
            y = model(x)
        (tmp_path / f"net{i}.py").write_text(spec_code(spec))
        torch.save({"state": model.state_dict(), "x": x, "y": y}, tmp_path / f"net{i}.pt")
    script = (
        "import importlib, sys, torch\n"
        "from pathlib import Path\n"
        "for i in range(int(sys.argv[1])):\n"
        "    mod = importlib.import_module(f'net{i}')\n"
        "    cls = [v for k, v in vars(mod).items() if isinstance(v, type)\n"
        "           and issubclass(v, torch.nn.Module) and v.__module__ == mod.__name__][0]\n"
        "    d = torch.load(f'net{i}.pt', weights_only=True)\n"
        "    m = cls(); m.load_state_dict(d['state']); m.eval()\n"
        "    with torch.no_grad():\n"
        "        print(i, cls.__name__, float((m(d['x']) - d['y']).abs().max()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(len(specs))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split("\n")[:-1]
    assert len(lines) == len(specs)
    for line in lines:
        assert float(line.split()[-1]) < 1e-6, line
    assert "class Lenet5(nn.Module)" in spec_code(specs[0])
    assert "x.view(-1, 16 * 5 * 5)" in spec_code(specs[0])


@pytest.mark.slow
def test_train_a_spec_file_on_real_mnist_from_the_command_line(tmp_path, shared_data):
    spec = spec_of(
        "tiny",
        (1, 28, 28),
        [
            layer("conv", out_channels=8, kernel=5, stride=2),
            layer("relu"),
            layer("conv", out_channels=16, kernel=3, stride=2),
            layer("relu"),
            layer("gap"),
            layer("linear", out_features=10),
        ],
    )
    path = tmp_path / "tiny.json"
    path.write_text(spec_json(spec))
    out = tmp_path / "tiny.pt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_cnn",
            "train",
            "--dataset",
            "mnist",
            "--model",
            str(path),
            "--epochs",
            "1",
            "--data-dir",
            str(shared_data),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        load_spec_file(path).to_dict()
        == torch.load(out, weights_only=True)["info"]["arch_args"]["spec"]
    )
