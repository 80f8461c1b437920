"""Fitness tests for the layering: read every import of the package with ``ast`` and check it.

The rules (docs/architecture.md): no import cycle between modules; core imports neither gui
nor cli; cli does not import gui; a GUI feature folder (gui/draw, gui/train, ... and any
folder added later) imports no other feature folder: they meet only in the modules at gui/'s
top level (the app state, requests, the worker) and gui/common. Function-level imports and imports
under ``if TYPE_CHECKING:`` count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "desktop_cnn"
SHARED_GUI = {"common"}  # gui/ sub-packages every feature folder may use

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``from ... import`` names (relative levels resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path, root: Path, known: set[str]) -> set[str]:
    """Every package module ``path`` imports, anywhere in the file."""
    module = module_name(path, root)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node, module, path.name == "__init__.py")
            # "from .x import y": y may be a module of package x, or a name defined in x
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in known:  # "a.b.c" where c is a name: a.b
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph(root: Path = PACKAGE) -> Graph:
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    return {m: imports_of(p, root, known) for m, p in files.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer(module: str) -> str:
    """'core', 'cli', 'gui' or '' for the package's top-level modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("core", "cli", "gui") else ""


def feature(module: str) -> str | None:
    """The GUI feature folder a module lives in; None for shared GUI modules and non-GUI."""
    parts = module.split(".")
    if len(parts) < 4 or parts[1] != "gui" or parts[2] in SHARED_GUI:
        return None  # gui/app.py, gui/state.py, gui/common/...: shared
    return parts[2]


def violations(graph: Graph) -> list[str]:
    """Every broken rule, one line each (empty when the layering holds)."""
    bad = [f"import cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    forbidden = {"core": {"gui", "cli"}, "cli": {"gui"}}
    for a, targets in sorted(graph.items()):
        for b in sorted(targets):
            if layer(b) in forbidden.get(layer(a), ()):
                bad.append(f"{layer(a)} imports {layer(b)}: {a} -> {b}")
            fa, fb = feature(a), feature(b)
            if fa and fb and fa != fb:
                bad.append(f"feature folder gui/{fa} imports gui/{fb}: {a} -> {b}")
    return bad


# --- the package as it is ---------------------------------------------------------------


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert "desktop_cnn.gui.app" in graph and "desktop_cnn.core.train.training" in graph
    assert "desktop_cnn.gui.state" in graph["desktop_cnn.gui.app"]  # a plain relative import
    # a function-level import: the app builds the Train panel only when matplotlib is in
    assert "desktop_cnn.gui.train.train_panel" in graph["desktop_cnn.gui.app"]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_layers_and_the_feature_folders_hold():
    rules = [v for v in violations(import_graph()) if not v.startswith("import cycle")]
    assert rules == []  # cycles have their own test above


# --- the checks themselves can fail -------------------------------------------------------


def test_a_cycle_through_three_modules_is_found():
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "p.d": {"p.a"}}
    assert cycles(graph) == [["p.a", "p.b", "p.c"]]


@pytest.mark.parametrize(
    ("src", "dst", "words"),
    [
        ("desktop_cnn.core.train.training", "desktop_cnn.gui.state", "core imports gui"),
        ("desktop_cnn.core.data.datasets", "desktop_cnn.cli.train", "core imports cli"),
        ("desktop_cnn.cli.train", "desktop_cnn.gui.worker", "cli imports gui"),
        (
            "desktop_cnn.gui.mistakes.mistakes_panel",
            "desktop_cnn.gui.draw.draw_panel",
            "gui/mistakes imports gui/draw",
        ),
        (
            "desktop_cnn.gui.buildtab.builder",
            "desktop_cnn.gui.train.curves",
            "gui/buildtab imports gui/train",
        ),  # a folder added later is a feature folder too
    ],
)
def test_each_rule_catches_a_bad_import(src, dst, words):
    graph = {src: {dst}, dst: set()}
    assert any(words in v for v in violations(graph))


def test_shared_gui_modules_are_allowed():
    graph = {
        "desktop_cnn.gui.draw.draw_panel": {
            "desktop_cnn.gui.state",
            "desktop_cnn.gui.common.panel",
            "desktop_cnn.gui.draw.steps_view",
        },
        "desktop_cnn.gui.app": {
            "desktop_cnn.gui.draw.draw_panel",
            "desktop_cnn.gui.train.train_panel",
        },
    }
    assert violations(graph) == []


def test_a_bad_import_in_a_copy_of_the_package_fails(tmp_path):
    """The file reader, not only the rules: a lazy TYPE_CHECKING import in a copied panel."""
    import shutil

    copy = tmp_path / "desktop_cnn"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    panel = copy / "gui" / "train" / "curves.py"
    panel.write_text(
        panel.read_text(encoding="utf-8")
        + (
            "\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from ..draw.saliency_view import SaliencyView\n"
            "\n\ndef _late():\n    from ...core.train import training  # noqa: F401\n"
        ),
        encoding="utf-8",
    )
    core = copy / "core" / "errors.py"
    core.write_text(
        core.read_text(encoding="utf-8") + "\n\ndef _bad():\n"
        "    from ..gui import state  # noqa: F401\n",
        encoding="utf-8",
    )
    found = violations(import_graph(copy))
    assert (
        "feature folder gui/train imports gui/draw: desktop_cnn.gui.train.curves -> "
        "desktop_cnn.gui.draw.saliency_view" in found
    )
    assert any(v.startswith("core imports gui: desktop_cnn.core.errors") for v in found)
    assert any(v.startswith("import cycle:") for v in found)  # gui.state -> ... -> errors


@pytest.mark.parametrize("module", ["desktop_cnn.core.gan.presets", "desktop_cnn.core.gan.nets"])
def test_a_module_the_spec_package_loads_can_be_imported_first(module):
    """Importing ``a.b.c`` runs ``a/b/__init__`` first, an edge the graph above leaves out:
    the spec package registers the GAN presets as it loads, so these must not import it back
    at module level (importing core.gan.presets first failed with a partial module)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-1500:]
