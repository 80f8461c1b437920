"""Errors the user can act on.

Everything raised as a ``DesktopCnnError`` carries a one-line message meant for
a person: the CLI prints it to stderr and exits non-zero, the GUI shows it in a
dialog. Anything else that escapes is a bug and keeps its traceback.
"""


class DesktopCnnError(Exception):
    """Base class: its ``str()`` is a complete, one-line explanation."""


class DatasetNotFoundError(DesktopCnnError):
    """A dataset is not on disk and could not be downloaded."""


class CheckpointError(DesktopCnnError):
    """A model file is missing, corrupt, unsafe or does not fit its architecture."""


class UnknownNameError(DesktopCnnError):
    """An unknown model, dataset, optimizer, ... name."""


class TrainingError(DesktopCnnError):
    """Training cannot go on (NaN loss, out of memory, ...)."""


class ConfigError(DesktopCnnError, ValueError):
    """A setting or flag outside its allowed range; the message names it and the range.

    ``field`` is the setting's name (e.g. ``"label_smoothing"``), so a form can
    point at the widget; the message itself names the command-line flag.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class DatasetError(DesktopCnnError):
    """A dataset is on disk but cannot be used: an unreadable file, a missing split, ..."""


class SaveError(CheckpointError, OSError):
    """A file could not be written (disk full, read-only, a folder in the way).

    Also an ``OSError``, so callers that caught the raw error keep working.
    """
