"""Command-line conventions: help for every option with its default once, exit codes in --help,
progress bars only on a terminal, one line per epoch in a log, --quiet, JSON alone on stdout."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_cnn.cli import build_parser
from desktop_cnn.cli.progress import ProgressPrinter
from desktop_cnn.core.train.events import BatchEnd, EpochEnd, Started

ROOT = Path(__file__).resolve().parents[1]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_option_has_help_and_its_default_once(name):
    parser = subcommands()[name]
    text = parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        label = action.option_strings or [action.dest]
        assert action.help and action.help != argparse.SUPPRESS, f"{name} {label}: no help"
        shown = parser._get_formatter()._expand_help(action)
        assert shown.count("default") <= 1, f"{name} {label}: {shown}"
        for useless in ("(default: None)", "(default: True)", "(default: False)"):
            assert useless not in shown, f"{name} {label}: {shown}"
    assert "exit status:" in text and "130" in text and "  2 " in text


def test_train_help_names_the_defaults_that_matter():
    text = " ".join(subcommands()["train"].format_help().split())
    assert "passes over the training images (the new total with --resume) (default: 10)" in text
    assert text.count("$DESKTOP_CNN_DATA") == 1
    assert "--no-augment turn off batch augmentation (on by default)" in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(printer: ProgressPrinter, epochs: int = 2, steps: int = 30) -> None:
    printer(Started("cpu", 100, 50, steps, epochs, 0))
    for epoch in range(1, epochs + 1):
        for step in range(1, steps + 1):
            printer(BatchEnd(epoch, epochs, step, steps, step, 0.5, 1e-3, 1000.0, 1.0))
        printer(EpochEnd(epoch, 0.4, 0.9, 0.3, 0.91, 1.0))


@pytest.mark.parametrize("tty", [True, False])
def test_bars_only_on_a_terminal(monkeypatch, capsys, tty):
    err = Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    feed(ProgressPrinter())
    out = capsys.readouterr().out
    assert out.count("\n") == 2 and out.startswith("epoch 1: train loss")
    assert ("\r" in err.getvalue()) is tty  # tqdm's redraws, on a terminal only
    assert "training on cpu" in err.getvalue()


def test_quiet_leaves_only_the_epoch_lines(monkeypatch, capsys):
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    feed(ProgressPrinter(quiet=True))
    assert err.getvalue() == "" and capsys.readouterr().out.count("epoch ") == 2


@pytest.fixture(scope="module")
def tiny_digits(shared_data, tmp_path_factory) -> Path:
    """Real MNIST test digits 0 and 1 as an image folder: 120 to train on, 40 to test."""
    from torchvision.datasets import MNIST

    root = tmp_path_factory.mktemp("digits")
    test = MNIST(shared_data, train=False, download=False)
    counts: dict[tuple[str, int], int] = {}
    for i in range(len(test)):
        img, label = test[i]
        if label > 1:
            continue
        n = sum(counts.get((s, label), 0) for s in ("train", "test"))
        split = "train" if n < 60 else "test" if n < 80 else None
        if split is None:
            continue
        folder = root / split / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        img.save(folder / f"{i}.png")
        counts[split, label] = counts.get((split, label), 0) + 1
        if len(counts) == 4 and all(
            v >= (60 if s == "train" else 20) for (s, _), v in counts.items()
        ):
            break
    return root


def run_cli(*args, stdout, stderr) -> int:
    return subprocess.run(
        [sys.executable, "-m", "desktop_cnn", *map(str, args)],
        stdout=stdout,
        stderr=stderr,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).returncode


@pytest.mark.slow  # a training in a fresh interpreter, twice
@pytest.mark.parametrize("quiet", [False, True])
def test_piped_training_writes_one_line_per_epoch(tiny_digits, tmp_path, quiet):
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    model = tmp_path / "m.pt"
    with out.open("w") as o, err.open("w") as e:
        code = run_cli(
            "train",
            "--dataset",
            f"imagefolder:{tiny_digits}",
            "--epochs",
            "3",
            "--batch-size",
            "16",
            "--out",
            model,
            *(["--quiet"] if quiet else []),
            stdout=o,
            stderr=e,
        )
    stdout, stderr = out.read_text(), err.read_text()
    assert code == 0, stderr
    assert "\r" not in stdout + stderr  # no progress-bar frames in a log
    lines = stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["epoch 1", "epoch 2", "epoch 3"]
    assert len(lines) == 4 and lines[3].startswith(f"saved {model} (test accuracy")
    assert (stderr == "") is quiet
    with out.open("w") as o, err.open("w") as e:
        assert run_cli("eval", model, "--json", stdout=o, stderr=e) == 0
    assert json.loads(out.read_text())["n"] == 40  # stdout is the JSON and nothing else
