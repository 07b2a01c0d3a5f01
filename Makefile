# Strategy Monitor — `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install sysdeps run test bench clean messages

ASSETS := src/stratmon/web/static/vendor/.complete

install: $(STAMP) $(ASSETS)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Vega, Leaflet and the world atlas from the npm registry, vendored into the package (offline pages).
$(ASSETS): web-assets/package.json web-assets/package-lock.json scripts/vendor_assets.sh
	bash scripts/vendor_assets.sh

sysdeps:
	bash scripts/sysdeps.sh

run: install
	bash scripts/run.sh

test: install sysdeps
	$(BIN)/python -m pytest

# One table for issue 8's benchmarks; e.g. make bench BENCH_ARGS="--scales 1,10 --engines sqlite".
bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache src/stratmon/web/static/vendor

# Refresh the Spanish catalog after changing user-facing strings, then translate what is new.
messages: install
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 --no-location --sort-output -o build/stratmon.pot src/stratmon
	$(BIN)/pybabel update -i build/stratmon.pot -d src/stratmon/locales -D stratmon -l es --ignore-obsolete --width 100
