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
