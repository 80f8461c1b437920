"""Crafted files cannot exhaust memory, lift a limit, corrupt a run or rewrite the terminal.

Issue classes 3 (the printing part), 4 and 8: activations at the model's input size are
limited before anything runs; a file's own ``"force"`` lifts nothing; every field of a
``--resume`` training state is checked; JSON nesting and non-finite numbers are one line;
class names print as one printable line each and stay distinct; overflowing outputs,
``exercises --no-answers --json`` and resume messages say the right thing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from infos import lenet5_info
from PIL import Image

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.files.jsonsafe import depth, loads
from desktop_cnn.core.files.safetext import clean, clean_all, is_clean
from desktop_cnn.core.limits import MAX_ACTIVATION_BYTES
from desktop_cnn.core.models import build_model
from desktop_cnn.core.spec.layers import parse_spec


def one_line(capsys, *args) -> str:
    code = cli_main([*map(str, args)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def spec(*layers: dict, shape=(1, 28, 28), name="net") -> dict:
    return {"format": "desktop-cnn-spec", "version": 1, "name": name, "input": list(shape),
            "layers": list(layers)}  # fmt: skip


def spec_file(path: Path, data: dict, **args) -> Path:
    """A checkpoint of the spec ``data`` (real weights), with extra ``arch_args``."""
    model = build_model(parse_spec(data), force=True)
    info = lenet5_info(arch=data["name"], arch_args={"spec": data, **args})
    return save_checkpoint(path, model, info)


HUGE_ACTIVATIONS = spec(  # the issue's 23 KB model: 400 x 2029 x 2029 floats = 6.6 GB
    {"type": "conv", "out_channels": 400, "kernel": 1, "padding": 1000},
    {"type": "gap"},
    {"type": "linear", "out_features": 10},
)
MANY_MACS = spec(  # 9.7 G multiply-adds per image, 8 MB of activations
    {"type": "conv", "out_channels": 512, "kernel": 3, "padding": 1},
    {"type": "conv", "out_channels": 512, "kernel": 3, "padding": 1},
    {"type": "gap"},
    {"type": "linear", "out_features": 10},
    shape=(1, 64, 64),
)


# --- class 4: memory and limits ----------------------------------------------------------------
def test_the_issues_7_gb_model_is_refused_before_it_runs(tmp_path, capsys):
    f = spec_file(tmp_path / "big.pt", HUGE_ACTIVATIONS)
    assert f.stat().st_size < 100_000
    with pytest.raises(CheckpointError, match=r"MiB of activations per image \(\w+ alone"):
        load_checkpoint(f)
    img = tmp_path / "x.png"
    Image.new("L", (28, 28), 255).save(img)
    for command in (["predict", f, img], ["eval", f, "--dataset", "mnist"]):
        assert "activations" in one_line(capsys, *command)
    assert load_checkpoint(f, force=True).info.arch == "net"  # the person's --force


@pytest.mark.parametrize(
    "layers",
    [  # other shapes of the same attack: wide, dilated with padding, a pile of small layers
        [{"type": "conv", "out_channels": 4096, "kernel": 1, "padding": 120}],
        [{"type": "conv", "out_channels": 64, "kernel": 3, "padding": 600, "dilation": 2}],
        [{"type": "conv", "out_channels": 16, "kernel": 1, "padding": 1500}],
        [
            {"type": "conv", "out_channels": 8, "kernel": 1, "padding": 400},
            *[{"type": "relu"}] * 12,
        ],
    ],
    ids=["wide", "dilated", "padded", "many"],
)
def test_other_activation_bombs_are_refused_too(tmp_path, layers):
    data = spec(*layers, {"type": "gap"}, {"type": "linear", "out_features": 10})
    from desktop_cnn.core.spec.arith import analyse

    a = analyse(parse_spec(data))
    assert a.total_memory > MAX_ACTIVATION_BYTES and not a.too_big  # inside every other limit
    f = spec_file(tmp_path / "bomb.pt", data)
    with pytest.raises(CheckpointError, match="activations"):
        load_checkpoint(f)


def test_training_a_spec_over_the_activation_limit_is_refused(tmp_path, capsys):
    data = HUGE_ACTIVATIONS
    f = tmp_path / "big.json"
    f.write_text(json.dumps(data))
    from desktop_cnn.core.train.training import new_classifier

    with pytest.raises(CheckpointError, match="activations"):
        new_classifier(parse_spec(data), (1, 28, 28), 10)


def test_force_in_a_file_lifts_no_limit(tmp_path):
    big = spec_file(tmp_path / "macs.pt", MANY_MACS, force=True)
    with pytest.raises(CheckpointError, match="too big"):
        load_checkpoint(big)
    assert "force" not in load_checkpoint(big, force=True).info.arch_args
    bomb = spec_file(tmp_path / "bomb.pt", HUGE_ACTIVATIONS, force=True)
    with pytest.raises(CheckpointError, match="activations"):
        load_checkpoint(bomb)


def test_json_nested_deep_is_one_line(tmp_path, capsys):
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        f = tmp_path / "deep.json"
        f.write_text(text)
        assert "nested" in one_line(capsys, "summary", "--model", f)
    assert depth('{"a": "[[[[[[", "b": [[1]]}') == 3  # brackets in strings do not count


def test_the_build_tabs_reader_and_the_settings_bound_nesting_too(tmp_path):
    """The Build tab opens spec files with load_spec_file; the app reads its settings file:
    both give one line for a deep or non-finite file, never a RecursionError."""
    from desktop_cnn.core.spec.files import load_spec_file
    from desktop_cnn.core.spec.layers import SpecError
    from desktop_cnn.gui.settings import _read

    deep, huge = tmp_path / "deep.json", tmp_path / "huge.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    huge.write_text('{"format": "desktop-cnn-spec", "version": 1, "x": 1e400, "layers": []}')
    for f, why in ((deep, "nested"), (huge, "too large")):
        with pytest.raises(SpecError, match=why) as info:
            load_spec_file(f, shapes=False)
        assert "\n" not in str(info.value)
    values, reason = _read(deep)
    assert values == {} and "nested" in reason


@pytest.mark.parametrize("number", ["1e400", "-1e999", "NaN", "Infinity"])
def test_non_finite_numbers_in_a_spec_are_refused_at_load(tmp_path, capsys, number):
    data = spec({"type": "conv", "out_channels": 2, "kernel": 3}, {"type": "leakyrelu"},
                {"type": "gap"}, {"type": "linear", "out_features": 10})  # fmt: skip
    text = json.dumps(data).replace('"leakyrelu"}', f'"leakyrelu", "slope": {number}}}')
    f = tmp_path / "net.json"
    f.write_text(text)
    assert "net.json" in one_line(capsys, "code", f)
    with pytest.raises(ValueError):
        loads(text)


def test_non_finite_arguments_in_a_checkpoint_are_refused(tmp_path):
    data = spec({"type": "conv", "out_channels": 2, "kernel": 3}, {"type": "leakyrelu"},
                {"type": "gap"}, {"type": "linear", "out_features": 10})  # fmt: skip
    f = spec_file(tmp_path / "m.pt", data)
    ck = torch.load(f, weights_only=True)
    ck["info"]["arch_args"]["spec"]["layers"][1]["slope"] = float("inf")
    torch.save(ck, f)
    with pytest.raises(CheckpointError, match="not finite"):
        load_checkpoint(f)


# --- class 3 (printing) and 8: names, probabilities, answers ---------------------------------
@pytest.mark.parametrize(
    "name, shown",
    [
        ("cat\nsaved fake.pt", "cat\\nsaved fake.pt"),
        ("\x1b[2J\x1b]0;pwned\x07dog", "\\x1b[2J\\x1b]0;pwned\\x07dog"),
        ("bird\u202egnp.exe", "bird\\u202egnp.exe"),
        ("ok-é-数", "ok-é-数"),
    ],
)
def test_class_names_print_as_one_clean_line(tmp_path, capsys, name, shown):
    classes = [name, *(str(i) for i in range(1, 10))]
    f = save_checkpoint(tmp_path / "m.pt", build_model("lenet5"), lenet5_info(classes=classes))
    assert load_checkpoint(f).info.classes[0] == shown
    img = tmp_path / "one.png"
    Image.new("L", (28, 28), 0).save(img)
    ImageDrawLine(img)
    cli_main(["predict", str(f), str(img), "--json"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and len(out.strip().splitlines()) == 1
    assert is_clean(clean(name)) and "\n" not in clean(name)


def ImageDrawLine(path: Path) -> None:  # noqa: N802 - a stroke, so the image is not empty
    from PIL import ImageDraw

    img = Image.open(path)
    ImageDraw.Draw(img).line([(14, 4), (14, 24)], fill=255, width=3)
    img.save(path)


def test_duplicate_class_names_stay_distinct_in_json(tmp_path, capsys):
    f = save_checkpoint(tmp_path / "m.pt", build_model("lenet5"), lenet5_info(classes=["a"] * 10))
    img = tmp_path / "one.png"
    Image.new("L", (28, 28), 0).save(img)
    ImageDrawLine(img)
    assert cli_main(["predict", str(f), str(img), "--json"]) == 0
    probs = json.loads(capsys.readouterr().out)[0]["probabilities"]
    assert len(probs) == 10 and abs(sum(probs.values()) - 1) < 1e-4
    assert clean_all(["a", "b", "a"]) == ["a", "b", "a (2)"]


def test_overflowing_outputs_are_an_error_not_null(tmp_path, capsys):
    model = build_model("lenet5")
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(1e18)  # finite weights whose products overflow float32
    f = save_checkpoint(tmp_path / "m.pt", model, lenet5_info())
    img = tmp_path / "one.png"
    Image.new("L", (28, 28), 0).save(img)
    ImageDrawLine(img)
    assert cli_main(["predict", str(f), str(img), "--json"]) == 1
    captured = capsys.readouterr()
    assert "overflow" in captured.err and "null" not in captured.out


def test_exercises_without_answers_hold_no_answers(capsys):
    assert cli_main(["exercises", "--no-answers", "--json"]) == 0
    text = capsys.readouterr().out
    for answer in ('"Y0"', '"worked"', '"book_answers"', '"output"', "nn.Conv2d", "1090"):
        assert answer not in text
    assert '"question"' in text and '"W0"' in text
    assert cli_main(["exercises", "--json"]) == 0
    assert '"worked"' in capsys.readouterr().out


def test_a_batch_over_the_machines_memory_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import desktop_cnn.core.train.checks as checks

    for c, v in (("a", 0), ("b", 200)):
        for i in range(8):
            (tmp_path / c).mkdir(exist_ok=True)
            Image.new("L", (28, 28), v + i).save(tmp_path / c / f"{i}.png")
    monkeypatch.setattr(checks, "memory_bytes", lambda device: 1 << 20)  # a 1 MiB machine
    flags = ["--epochs", "1", "--batch-size", "8", "--device", "cpu", "--out", tmp_path / "m.pt"]
    line = one_line(capsys, "train", "--dataset", f"imagefolder:{tmp_path}", *flags)
    assert "--batch-size 8" in line and "1 MiB of memory" in line
    assert not (tmp_path / "m.pt").exists()
