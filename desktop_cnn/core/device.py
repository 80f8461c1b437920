"""One place picks the compute device: CUDA, then Apple MPS, else the CPU."""

from __future__ import annotations

import re

import torch

from .errors import DesktopCnnError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """Resolve ``auto``/``cpu``/``cuda``/``cuda:N``/``mps`` to an available device."""
    name = "auto" if name is None else str(name).strip().lower()
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d{1,4})?", name):  # meta, xla, cpu:1, "": no
        raise DesktopCnnError(f"unknown device {name!r}: choose auto, cpu, cuda, cuda:N or mps")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DesktopCnnError("CUDA was requested but no CUDA device is available")
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise DesktopCnnError("MPS was requested but it is not available on this machine")
    if name.startswith("cuda:") and int(name[5:]) >= torch.cuda.device_count():
        raise DesktopCnnError(
            f"there is no {name}: this machine has {torch.cuda.device_count()} CUDA device(s), "
            "numbered from 0"
        )
    try:
        return torch.device(name)
    except RuntimeError as exc:
        raise DesktopCnnError(f"unknown device {name!r}: choose one of {DEVICE_CHOICES}") from exc


def device_name(device: torch.device | str) -> str:
    """A readable name for the status bar and logs, e.g. ``CUDA: NVIDIA H100``."""
    device = torch.device(device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"CUDA: {torch.cuda.get_device_name(index)}"
    if device.type == "mps":
        return "Apple MPS"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' * (n != 1)})"


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so timings measure work and not just launches."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
