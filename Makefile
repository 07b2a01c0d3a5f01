# Strategy Monitor — `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install check-lock lock lock-upgrade sysdeps run test bench clean messages

ASSETS := src/stratmon/web/static/vendor/.complete
# Every Python package, runtime and test, pinned with its hashes: installs give the same result tomorrow.
LOCK := requirements.lock
UV := build/lock-tools/bin/uv
UV_VERSION := 0.13.8

install: $(STAMP) $(ASSETS)

# Only what the lock pins, each file checked against its hash; then the project itself, built with the
# locked setuptools (no isolated build environment, which would fetch an unpinned one).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/check_lock.py $(LOCK)
	touch $(STAMP)

# Fails, naming each package, when what is installed differs from the lock.
check-lock:
	$(BIN)/python scripts/check_lock.py $(LOCK)

# Refresh the lock on purpose: `make lock` after changing dependencies in pyproject.toml (keeps every
# pin it can), `make lock-upgrade` to move every package to its newest release. Then `make test`.
$(UV):
	$(PYTHON) -m venv build/lock-tools
	build/lock-tools/bin/pip install --quiet uv==$(UV_VERSION)

LOCK_COMPILE = $(UV) pip compile pyproject.toml requirements/tools.in --extra test --generate-hashes \
	--python-version 3.11 --python-platform linux --custom-compile-command "make lock" --quiet -o $(LOCK)

lock: $(UV)
	$(LOCK_COMPILE)

lock-upgrade: $(UV)
	$(LOCK_COMPILE) --upgrade

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
