"""Build the one-folder bundle dist/desktop-cnn/ and check it: ``python build/build.py``.

Works on Linux, Windows and macOS from the project's virtualenv (with the
``build`` extra installed). PyInstaller's work files go to build/work/ (git
ignored). A build is skipped when dist/desktop-cnn/ was built from exactly the
current sources, spec and installed packages (``--force`` rebuilds anyway); on
a fresh checkout, as in CI, there is nothing to skip.

After building, on Linux, every library in the bundle must find what it NEEDS
inside the bundle or on the system (libc and the NVIDIA driver): this is what
proves that bundle_rules.py removed nothing a CUDA run links against.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "desktop-cnn.spec"
WORK = HERE / "work"
DIST = ROOT / "dist"
BUNDLE = DIST / "desktop-cnn"
EXE = BUNDLE / ("desktop-cnn.exe" if sys.platform == "win32" else "desktop-cnn")
STAMP = WORK / "fingerprint.json"  # outside the bundle: nothing extra ships

sys.path.insert(0, str(HERE))
import bundle_rules as rules  # noqa: E402


def fingerprint() -> str:
    """Hash of everything the bundle is made from: sources, assets, build files, packages."""
    h = hashlib.sha256()
    files = sorted(
        [*ROOT.glob("desktop_cnn/**/*.py"), *ROOT.glob("assets/**/*"), *HERE.glob("*.py"), SPEC]
    )
    for f in files:
        if f.is_file():  # assets/mnist/ is a folder: its files are in the list themselves
            h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes() + b"\0")
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    h.update("\n".join([sys.version, platform.platform(), *dists]).encode())
    return h.hexdigest()


def up_to_date(fp: str) -> bool:
    try:
        return EXE.exists() and json.loads(STAMP.read_text())["fingerprint"] == fp
    except (OSError, ValueError, KeyError):
        return False


def run_pyinstaller() -> float:
    t0 = time.perf_counter()
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--log-level",
        "WARN",
        "--workpath",
        str(WORK),
        "--distpath",
        str(DIST),
    ]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - t0


def size_mib(path: Path) -> int:
    """What ``du -sm`` reports: allocated blocks, symlinks not followed."""
    total = 0
    for f in path.rglob("*"):
        if not f.is_symlink() and f.is_file():
            st = f.stat()
            total += st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size
    return round(total / 2**20)


def internal() -> Path:
    return BUNDLE / "_internal"


def check_rules() -> list[str]:
    """Dropped files absent, run-time (dlopen) libraries present, no dangling links."""
    problems = [
        f"dangling link: {f.relative_to(BUNDLE)}"
        for f in internal().rglob("*")
        if f.is_symlink() and not f.exists()
    ]
    for pattern in rules.DROPPED_BINARIES:
        problems += [f"dropped but present: {p}" for p in glob.glob(str(internal() / pattern))]
    for pattern in rules.REQUIRED_AT_RUN_TIME:
        if not glob.glob(str(internal() / pattern)):
            problems.append(f"missing, loaded at run time: {pattern}")
    return problems


def elf_files() -> list[Path]:
    out = []
    for f in internal().rglob("*"):
        if f.is_file() and not f.is_symlink() and (".so" in f.name or f.suffix == ""):
            with open(f, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(f)
    return [EXE, *out]


def left_to_system(name: str) -> bool:
    """The C library, the loader, the NVIDIA driver, X's libxcb: PyInstaller's own list."""
    from PyInstaller.depend.dylib import include_library

    return name in rules.SYSTEM_LIBRARIES or not include_library(name)


def imports_torch(f: Path) -> bool:
    """A Python extension module of a package that imports torch before loading it."""
    rel = f.relative_to(internal()).parts
    return len(rel) > 1 and rel[0] in ("torch", "torchvision")


def check_linking() -> list[str]:
    """ldd every ELF file with the loader path the bootloader sets: each library it NEEDS
    must be in the bundle, or be one that PyInstaller leaves to the system on purpose."""
    env = {**os.environ, "LD_LIBRARY_PATH": str(internal())}
    # torch's own libraries are in the process before anything that imports torch loads:
    # torchvision's extension NEEDS them without a usable RUNPATH, and the loader finds
    # them by name among the loaded libraries, in the bundle as in the virtualenv.
    loaded_by_torch = {f.name for f in (internal() / "torch" / "lib").glob("*.so*")}
    problems = []
    for f in elf_files():
        res = subprocess.run(["ldd", str(f)], capture_output=True, text=True, env=env)
        for line in res.stdout.splitlines():
            name, _, where = line.strip().partition(" => ")
            name, where = name.split(" (")[0], where.split(" (")[0]
            if not where or left_to_system(name):
                continue
            rel = f.relative_to(BUNDLE)
            if where == "not found":
                if not (name in loaded_by_torch and imports_torch(f)):
                    problems.append(f"{rel}: {name} not found")
            elif not Path(where).resolve().is_relative_to(BUNDLE.resolve()):
                problems.append(f"{rel}: {name} comes from outside the bundle ({where})")
    return problems


def check() -> list[str]:
    if not EXE.exists():
        return [f"{EXE} was not built"]
    problems = []
    if sys.platform.startswith("linux"):
        problems += check_rules() + check_linking()
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--force", action="store_true", help="rebuild even when up to date")
    p.add_argument("--check-only", action="store_true", help="check the existing bundle")
    args = p.parse_args(argv)
    fp = fingerprint()
    if args.check_only:
        seconds = None
    elif not args.force and up_to_date(fp):
        print(f"{BUNDLE.relative_to(ROOT)} is up to date (build/build.py --force rebuilds)")
        seconds = None
    else:
        STAMP.unlink(missing_ok=True)
        seconds = run_pyinstaller()
        STAMP.write_text(json.dumps({"fingerprint": fp, "seconds": round(seconds, 1)}))
    t0 = time.perf_counter()
    problems = check()
    for line in problems:
        print("bundle check:", line, file=sys.stderr)
    built = f"built in {seconds:.0f} s, " if seconds is not None else ""
    print(
        f"{BUNDLE.relative_to(ROOT)}: {size_mib(BUNDLE)} MiB, {built}checked in "
        f"{time.perf_counter() - t0:.0f} s: {'FAILED' if problems else 'ok'}",
        flush=True,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
