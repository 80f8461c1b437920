"""Faults in model files: NaN weights, metadata that does not fit the weights, absurd sizes,
and JSON output that must stay strict. Each bad file is one CheckpointError line, and every
command that opens a model (predict, eval, export) exits 1 with that line.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from infos import lenet5_info

from desktop_cnn.cli import jsonout
from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import (
    FORMAT,
    ModelInfo,
    _plain,
    load_checkpoint,
    save_checkpoint,
)
from desktop_cnn.core.limits import MAX_CLASSES, MAX_SIDE
from desktop_cnn.core.models import build_model

ROOT = Path(__file__).resolve().parents[1]
DIGIT = ROOT / "assets" / "sample_digit_7.png"


def info(**kw) -> ModelInfo:
    return lenet5_info(**{"metrics": {"test_accuracy": 0.994}, **kw})


def write_raw(path: Path, info_dict: dict, state: dict) -> Path:
    """A checkpoint written by hand, as a crafted file would be: no checks on the way in."""
    torch.save(
        {
            "format": FORMAT,
            "format_version": 1,
            "info": info_dict,
            "state_dict": state,
            "training_state": None,
        },
        path,
    )
    return path


@pytest.fixture
def good(tmp_path) -> Path:
    return save_checkpoint(tmp_path / "good.pt", build_model("lenet5"), info())


def refused(path: Path, match: str) -> str:
    with pytest.raises(CheckpointError, match=match) as e:
        load_checkpoint(path)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg
    return msg


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_weights_are_refused(tmp_path, value):
    model = build_model("lenet5")
    with torch.no_grad():
        model.fc2.weight[3, 7] = value
    path = save_checkpoint(tmp_path / "diverged.pt", model, info())
    msg = refused(path, "weights in fc2.weight")
    assert ("NaN" if math.isnan(value) else "infinite") in msg and "diverged" in msg


def test_nan_in_a_bare_state_dict_is_refused(tmp_path):
    sd = build_model("lenet5").state_dict()
    sd["conv1.bias"][0] = math.nan
    torch.save(sd, tmp_path / "bare.pt")
    refused(tmp_path / "bare.pt", "NaN weights in conv1.bias")


@pytest.mark.parametrize(
    "change, match",
    [
        ({"classes": ["0", "1", "2"]}, "10 outputs but the file names 3 classes"),
        ({"classes": [str(i) for i in range(MAX_CLASSES + 1)]}, "10,001 class names"),
        ({"classes": []}, "0 class names"),
        ({"classes": "0123456789"}, "list of strings"),
        ({"input_shape": [1, 0, 28]}, "input shape 1x0x28"),
        (
            {"input_shape": [3, 28, 28], "mean": [0.1] * 3, "std": [0.3] * 3},
            "input shape \\(3, 28, 28\\) does not fit",
        ),
        ({"input_shape": [1, 28, 100_000]}, f"sides 1 to {MAX_SIDE}"),
        ({"input_shape": [1, 28]}, "not channels x height x width"),
        ({"mean": [0.1, 0.2]}, "mean"),
        ({"std": [0.0]}, "must be positive"),
        ({"std": [math.nan]}, "finite"),
        (
            {"arch_args": {"num_classes": 10**9, "in_channels": 1, "input_size": 28}},
            "do not fit lenet5|too big for a desktop",
        ),
        (
            {"arch_args": {"num_classes": -5, "in_channels": 1, "input_size": 28}},
            "cannot build|out_features must be at least 1",
        ),
        ({"arch_args": ["x"]}, "not a dict"),
        ({"arch": "vgg16"}, "unknown model 'vgg16'"),
        ({"metrics": "99.4%"}, "metrics is str"),
    ],
)
def test_metadata_that_does_not_fit_is_refused(tmp_path, change, match):
    d = {**_plain(info()), **change}
    path = write_raw(tmp_path / "crafted.pt", d, build_model("lenet5").state_dict())
    refused(path, match)


def test_a_billion_classes_allocate_nothing(tmp_path):
    # The metadata asks for a 336 GB layer; the meta-device build sees it without allocating.
    args = {"variant": "modern", "in_channels": 1, "num_classes": 10**9, "input_size": 28}
    d = _plain(info(arch_args=args))
    sd = build_model("lenet5").state_dict()
    sd["fc3.weight"] = torch.zeros(0, 84)
    # refused by the size check on the arguments, before any layer is built
    refused(
        write_raw(tmp_path / "huge.pt", d, sd), "fc3.weight is \\(0, 84\\)|too big for a desktop"
    )


def test_weights_that_are_not_tensors(tmp_path):
    path = write_raw(tmp_path / "w.pt", _plain(info()), {"conv1.weight": [1, 2, 3]})
    refused(path, "not a dict of named tensors")


def test_the_good_file_still_loads(good):
    ck = load_checkpoint(good)
    assert ck.info.title == "lenet5 on mnist, test accuracy 99.4%"


def test_title_never_shows_nan():
    assert "nan" not in info(metrics={"test_accuracy": math.nan}).title


def test_every_command_that_opens_a_bad_model_exits_1_with_one_line(tmp_path, capsys):
    model = build_model("lenet5")
    with torch.no_grad():
        model.fc3.bias[0] = math.nan
    bad = save_checkpoint(tmp_path / "nan.pt", model, info())
    for argv in (
        ["predict", str(bad), str(DIGIT)],
        ["predict", str(bad), str(DIGIT), "--json"],
        ["eval", str(bad), "--json"],
        ["export", str(bad), "--onnx", str(tmp_path / "x.onnx")],
    ):
        code = cli_main(argv)
        out, err = capsys.readouterr()
        assert code == 1 and out == "", argv
        assert len(err.strip().splitlines()) == 1 and "NaN weights in fc3.bias" in err, argv
    assert not (tmp_path / "x.onnx").exists()


def test_json_output_is_strict():
    text = jsonout.dumps(
        {
            "accuracy": math.nan,
            "loss": math.inf,
            "per_class": {"a": -math.inf},
            "confusion": [[1, 2]],
            "n": 0,
            "ok": 0.5,
        }
    )
    strict = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert strict == {
        "accuracy": None,
        "loss": None,
        "per_class": {"a": None},
        "confusion": [[1, 2]],
        "n": 0,
        "ok": 0.5,
    }


def test_summary_of_a_huge_input_is_refused_with_the_limit():
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_cnn",
            "summary",
            "--model",
            "cifar-net",
            "--input",
            "3x100000x100000",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(MAX_SIDE) in lines[0] and "3x100000x100000" in lines[0]


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--model", "lenet5", "--classes", "0"], "--classes must be a whole number from 1 to"),
        (["--model", "lenet5", "--classes", "20000"], "from 1 to 10000"),
        (["--model", "widenet", "--input", "5000x32x32"], "at most 4096 channels"),
        (["--model", "lenet5", "--input", "1x0x28"], "at least 1"),
    ],
)
def test_summary_limits(capsys, argv, match):
    assert cli_main(["summary", *argv]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and match in err


def test_summary_of_a_large_input_allocates_nothing(capsys):
    # 3x4096x4096 through widenet would need gigabytes of activations; the meta device none.
    assert cli_main(["summary", "--model", "widenet", "--input", "3x4096x4096"]) == 0
    assert capsys.readouterr().out.strip().endswith("Total parameters: 35962")
