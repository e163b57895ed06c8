# The quick start: `make run` (set up + main job) and `make test` (set up if needed + lint, types, fast tests).
# The interpreter: the first of these that runs and is Python >= 3.12 (a pyenv shim for a version that is not
# selected fails the check and is skipped). Override with `make PYTHON=/path/to/python3.12`.
PYTHON_CANDIDATES := python3.12 "env PYENV_VERSION=3.12.1 python3.12" python3
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell for c in $(PYTHON_CANDIDATES); do \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo "$$c"; break; }; done)
endif
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements-lock.txt

.PHONY: setup run test test-slow validate bench lint lock clean

# The locked environment (every package pinned with its hashes), then the package itself without dependencies.
$(STAMP): pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { echo "make: no Python >= 3.12 found (tried python3.12, PYENV_VERSION=3.12.1" \
		"python3.12, python3); install one, or run: make PYTHON=/path/to/python3.12 $(MAKECMDGOALS)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { echo "make: PYTHON=$(PYTHON)" \
		"does not run or is older than 3.12; give a Python >= 3.12: make PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# The default model, then the specs its [forecast] side_by_side lists (saved runs of the same spec, data and
# seed are reused), then the forecasts and the report showing the default beside them.
run: $(STAMP)
	$(VENV)/bin/forecast run --side-by-side

test: lint
	$(PY) -m pytest -q

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

validate: $(STAMP)
	$(VENV)/bin/forecast validate all

bench: $(STAMP)
	$(PY) benchmarks/run_benchmarks.py

lint: $(STAMP)
	$(VENV)/bin/ruff check forecast tests benchmarks data/build setup.py
	$(VENV)/bin/mypy

# Regenerate the lock after changing dependencies in pyproject.toml (uv in a throwaway venv).
lock:
	$(PYTHON) -m venv /tmp/forecast-lock-tools
	/tmp/forecast-lock-tools/bin/pip install --quiet uv
	/tmp/forecast-lock-tools/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.12 \
		--python-platform x86_64-manylinux_2_28 -o $(LOCK)

clean:
	rm -rf $(VENV)
