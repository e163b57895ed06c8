# The quick start: `make run` (set up + main job) and `make test` (set up if needed + fast tests).
PYTHON ?= $(shell PYENV_VERSION=3.12.1 command -v python3.12 >/dev/null 2>&1 && echo "env PYENV_VERSION=3.12.1 python3.12" || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-slow validate bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), "Python >= 3.12 is required (on these machines: PYENV_VERSION=3.12.1 python3.12)"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/forecast run

test: $(STAMP)
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

validate: $(STAMP)
	$(VENV)/bin/forecast validate all

bench: $(STAMP)
	$(PY) benchmarks/run_benchmarks.py

lint: $(STAMP)
	$(VENV)/bin/ruff check forecast tests benchmarks data/build
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV)
