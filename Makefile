# superset-review: `make run` starts Superset with the extension on 127.0.0.1:8088; `make test` runs every test.
# Both work on a fresh machine that has only Python 3.11, pip, Node and npm.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FRONTEND := superset_frontend_plugin
BUNDLE := superset_review/static/dist/workspace.js
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(FRONTEND)/package.json $(FRONTEND)/vite.config.ts $(FRONTEND)/vite.entry.config.ts
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
PYTEST_ARGS ?=
# Every Python dependency, resolved once (`make lock`): each install is the same product.
LOCK := requirements.lock
# The installers themselves, pinned too: a newer pip or setuptools changes how the project builds.
BOOTSTRAP := pip==26.3 setuptools==84.2.1 wheel==0.48.0

.PHONY: run test test-python test-frontend bench lint build install system-deps clean translations lock

run: install build
	$(BIN)/superset-review up

test: install system-deps build test-frontend test-python

test-python: install
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

test-frontend: $(FRONTEND)/node_modules/.installed
	cd $(FRONTEND) && npm test

bench: install build
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check superset_review tests bench migrations superset_config.py
	$(BIN)/ruff format --check superset_review tests bench migrations superset_config.py
	$(BIN)/mypy superset_review

# The server's messages in every language of superset_review/translations: extract them from the code, merge them
# into each messages.po (translate the new entries there), compile the .mo files that are shipped.
TRANSLATIONS := superset_review/translations
translations: install
	$(BIN)/pybabel -q extract -F $(TRANSLATIONS)/babel.cfg -k Text -k lazy_gettext --no-location --omit-header \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching -w 120 -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

install: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(BOOTSTRAP)

$(INSTALLED): $(BIN)/python setup.py $(LOCK)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[dev]"
	touch $@

# Refresh the lock deliberately: every dependency of setup.py (with the dev extra) at its newest allowed release.
# uv is pinned in the lock itself (dev extra); review the diff, run `make test`, commit requirements.lock.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) uv
	$(BIN)/uv pip compile setup.py --extra dev --python-version 3.11 --upgrade --quiet -o $(LOCK)

build: $(BUNDLE)

$(BUNDLE): $(FRONTEND)/node_modules/.installed $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run build

$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

# docker-compose (v1, from Debian) validates docker-compose.yml without a Docker engine; Debian's Chromium runs
# the browser tests (Playwright cannot download its own browser here).
system-deps:
	@command -v docker-compose >/dev/null 2>&1 || \
		( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq docker-compose >/dev/null )
	@command -v chromium >/dev/null 2>&1 || \
		( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null )

clean:
	rm -rf $(VENV) $(FRONTEND)/node_modules superset_review/static/dist .pytest_cache .mypy_cache .ruff_cache
