# Two commands on a fresh machine: `make demo` and `make test`.
# .venv is made with the first Python 3.11+ (with venv) of: the distribution's own, python3 on PATH.
# Debian's and Ubuntu's are linked statically and built with profile-guided optimisation: validation runs
# about a quarter faster than on a default source build (pyenv's). `make PYTHON=...` chooses another.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do "$$p" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$$p"; exit; }; done; echo python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# uv installs the lock file's versions (checked by hash) in seconds, showing what it does; the one on PATH,
# else one that pip fetches into the virtualenv first.
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
UV     := $(if $(UV_ON_PATH),$(UV_ON_PATH),$(BIN)/uv)

.PHONY: demo test lint lint-workflows unit servers bench clean lock

$(BIN)/python:
	$(if $(UV_ON_PATH),$(UV) venv --python $(PYTHON) $(VENV),$(PYTHON) -m venv $(VENV))

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check uv

# What the workflows install (requirements.lock), then socialops itself, editable, built without fetching.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python $(UV)
	$(UV) pip install --python $(BIN)/python --require-hashes -r requirements.lock
	$(UV) pip install --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $@

# The test tools (pyproject.toml's [test] extra) on top; the lock's versions stay.
$(TEST_STAMP): $(STAMP)
	$(UV) pip install --python $(BIN)/python -r pyproject.toml --extra test
	touch $@

demo: $(STAMP)
	$(BIN)/socialops demo

test: $(TEST_STAMP) lint unit

unit: $(TEST_STAMP)
	$(BIN)/python -m pytest -q

lint: $(TEST_STAMP) lint-workflows
	$(BIN)/ruff check tools tests benchmarks

lint-workflows: $(TEST_STAMP)
	$(BIN)/zizmor --offline --no-progress .github/workflows/
	$(BIN)/actionlint .github/workflows/*.yml

# The workflows that hold tokens install exactly this (pip install --require-hashes -r requirements.lock, then
# pip install --no-deps --no-build-isolation .). Run after changing the dependencies or [build-system] in
# pyproject.toml. setuptools is in the lock to build socialops without fetching.
lock: | $(UV)
	printf 'setuptools>=77\n' | $(UV) pip compile pyproject.toml - --generate-hashes --universal --python-version 3.11 \
	    --custom-compile-command 'make lock' --quiet -o requirements.lock

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .socialops .pytest_cache
