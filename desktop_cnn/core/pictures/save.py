"""Saving a matplotlib Figure as PNG, SVG or PDF, atomically, with text kept as text.

No pyplot: a ``Figure`` made directly can print itself. The SVG keeps every
label and number as a <text> element (``svg.fonttype: none``), so a slide's
numbers can be searched, copied and edited; the PDF embeds TrueType fonts.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..errors import DesktopCnnError
from ..files.atomic import temp_beside, write_failure

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
DPI = 150  # a PNG sharp enough for a projector


class FigureError(DesktopCnnError):
    """A picture that cannot be drawn or saved; the message says what to do."""


def figure_format(path: str | os.PathLike[str]) -> str:
    """The format named by the file's ending; a FigureError for any other ending."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise FigureError(
            f"cannot save a picture as {Path(path).name!r}: "
            "give a file ending in .png, .svg or .pdf"
        )
    return FORMATS[suffix]


def figure_bytes(fig: Figure, fmt: str, dpi: int = DPI) -> bytes:
    """The whole file in memory first: nothing is written unless drawing succeeded."""
    # Named here so that a frozen build (PyInstaller follows imports) carries the SVG and
    # PDF writers, which savefig would otherwise import by name at run time.
    from matplotlib.backends import backend_pdf, backend_svg  # noqa: F401

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (its ending picks the format) through a temp file and a rename."""
    target = Path(path).expanduser()
    data = figure_bytes(fig, figure_format(target), dpi)
    if not target.parent.is_dir():
        raise FigureError(f"cannot write {target}: folder {target.parent} does not exist")
    if target.is_dir():
        raise FigureError(f"cannot write {target}: it is a folder; give a file name")
    tmp = ""
    try:
        fd, tmp = temp_beside(target)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise FigureError(f"cannot write {target}: {write_failure(exc, target)}") from None
    return target
