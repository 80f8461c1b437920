"""Remake docs/draw.png: the bundled model, a drawn 4, Grad-CAM and the preprocessing steps.

Run on a display (or `xvfb-run -s "-screen 0 1280x900x24"`):
    python docs/screenshot.py
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the stroke paths the drawn-digit test uses

from digit_strokes import variants  # noqa: E402
from helpers import draw_stroke, launch, pump, screenshot  # noqa: E402


def main() -> None:
    app = launch([])
    pump(app.root, 2)
    panel = app.panels["Draw"]
    panel.brush.set(20)
    panel.brush_changed()
    strokes, _ = next(iter(variants(4, 1, canvas=panel.pad.side)))
    for stroke in strokes:
        draw_stroke(panel.pad.canvas, stroke, each=app.root.update)
    panel.why.radios["gradcam"].invoke()
    panel.steps_check.invoke()
    pump(app.root, 1)
    screenshot(app.root, ROOT / "docs" / "draw.png")
    app.quit_app()


if __name__ == "__main__":
    main()
