"""One place picks the compute device: CUDA, then Apple MPS, else the CPU."""

from __future__ import annotations

import torch

from .errors import DesktopCnnError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """Resolve ``auto``/``cpu``/``cuda``/``cuda:N``/``mps`` to an available device."""
    name = (name or "auto").lower()
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
