# Two commands on a fresh machine: `make demo` and `make test`.
# .venv is made with the first Python 3.11+ (with venv) of: the distribution's own, python3 on PATH.
# Debian's and Ubuntu's are linked statically and built with profile-guided optimisation: validation runs
# about a quarter faster than on a default source build (pyenv's). `make PYTHON=...` chooses another.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do "$$p" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$$p"; exit; }; done; echo python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint lint-workflows unit servers bench clean lock

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/socialops demo

test: $(STAMP) lint unit

unit: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP) lint-workflows
	$(BIN)/ruff check tools tests benchmarks

lint-workflows: $(STAMP)
	$(BIN)/zizmor --offline --no-progress .github/workflows/
	$(BIN)/actionlint .github/workflows/*.yml

# The workflows that hold tokens install exactly this (pip install --require-hashes -r requirements.lock, then
# pip install --no-deps --no-build-isolation .). Run after changing the dependencies or [build-system] in
# pyproject.toml; needs uv (pip install uv). setuptools is in the lock to build socialops without fetching.
lock:
	printf 'setuptools>=77\n' | uv pip compile pyproject.toml - --generate-hashes --universal --python-version 3.11 \
	    --custom-compile-command 'make lock' --quiet -o requirements.lock

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .socialops .pytest_cache
