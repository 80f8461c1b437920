"""The frozen app's entry point: ``desktop-cnn [args]`` is ``python -m desktop_cnn [args]``.

PyInstaller freezes a script, not a package's ``__main__`` (whose relative
imports need a parent package), hence this file.
"""

import multiprocessing
import sys

from desktop_cnn.__main__ import main

if __name__ == "__main__":
    # A frozen child process re-runs this executable: without freeze_support() a
    # torch DataLoader worker or any multiprocessing child would start a second app.
    multiprocessing.freeze_support()
    sys.exit(main())
