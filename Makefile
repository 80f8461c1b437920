# Two commands for a newcomer: `make run` opens the app, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck bench dist clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,build]'
	touch $@

run: $(STAMP)
	$(BIN)/desktop-cnn

# The suite starts its own Xvfb when there is no DISPLAY (tests/conftest.py). The test files
# run in one process per core (pytest-xdist); a file's tests stay together in one process,
# so a GUI module keeps its one app. PYTEST_ARGS adds options: make test PYTEST_ARGS=-x
PYTEST := $(BIN)/python -m pytest -ra -n auto --dist loadfile $(PYTEST_ARGS)

test: $(STAMP)
	$(PYTEST)

# Skips the slow trainings and the PyInstaller build (docs/testing.md).
test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not packaging"

# Style: the linter, and the formatter in check mode (it never rewrites files here).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types: mypy, configured in pyproject.toml (strict on core/ and cli/).
typecheck: $(STAMP)
	$(BIN)/python -m mypy

bench: $(STAMP)
	$(BIN)/python bench/train_throughput.py

# The one-folder app dist/desktop-cnn/ (PyInstaller; work files in build/work/).
# Skipped when already built from the same sources; build/build.py --force rebuilds.
dist: $(STAMP)
	$(BIN)/python build/build.py

clean:
	rm -rf dist build/work .pytest_cache .ruff_cache .mypy_cache
