"""Where things live: user data, caches, and bundled resources (frozen or not).

Datasets, saved models and settings go to the platform's user directories
(platformdirs), so the app never writes next to its own code. Environment
variables override them (flags override those in turn, at the call sites).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "desktop-cnn"
ENV_HOME = "DESKTOP_CNN_HOME"  # root for everything the app writes
ENV_DATA = "DESKTOP_CNN_DATA"  # datasets only (e.g. a shared, read-only copy)


def user_home() -> Path:
    """Root of the app's user data: ``$DESKTOP_CNN_HOME`` or the platform's data dir."""
    env = os.environ.get(ENV_HOME)
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP_NAME))


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Dataset root: the flag, else ``$DESKTOP_CNN_DATA``, else ``<home>/datasets``."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_DATA)
    return Path(env).expanduser() if env else user_home() / "datasets"


def models_dir() -> Path:
    """Default folder for saved models."""
    return user_home() / "models"


def cache_dir() -> Path:
    """Converted datasets (uint8 tensors) and other files that can be rebuilt."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir(APP_NAME))


def settings_file() -> Path:
    return user_home() / "settings.json"


def resource_path(relative: str) -> Path:
    """Path of a bundled resource such as ``assets/lenet5_mnist.pt``.

    PyInstaller unpacks data files under ``sys._MEIPASS``; from a source
    checkout they sit at the project root, one level above the package
    (this file is desktop_cnn/core/files/paths.py: three folders down).
    """
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) if base else Path(__file__).resolve().parents[3]
    return root / relative
