# Strategy Monitor — `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install sysdeps run test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

sysdeps:
	bash scripts/sysdeps.sh

run: install
	bash scripts/run.sh

test: install sysdeps
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
