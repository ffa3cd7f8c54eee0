# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint lint-workflows unit servers bench clean

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

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .socialops .pytest_cache
