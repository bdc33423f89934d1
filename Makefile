# Two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
STAMP  := $(VENV)/.installed
LOCK   := uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
NODE_STAMP := node_modules/.installed
# Debian packages for browser tests and printable briefings (Chromium and its driver, the headless shell that prints
# briefs, CJK fonts, pdftoppm;
# strace and iproute2 for the test that `wic brief` makes no lookup or connection)
SYSTEM_PKGS := chromium chromium-driver chromium-headless-shell fonts-noto-cjk poppler-utils strace iproute2 nginx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-run assets system-deps warehouse notebook lint lock bench faults clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## what the dashboard and the ETL need, exactly as locked in requirements/run.txt (no test tools)
$(RUN_STAMP): requirements/run.txt pyproject.toml | $(BIN)/python
	$(PIP) --require-hashes -r requirements/run.txt
	$(PIP) --no-deps -e .
	touch $(RUN_STAMP)

install-run: $(RUN_STAMP)

## everything: the test, lint, browser and notebook extras too, as locked in requirements/dev.txt
$(STAMP): requirements/dev.txt pyproject.toml | $(BIN)/python
	$(PIP) --require-hashes -r requirements/dev.txt
	$(PIP) --no-deps -e .
	touch $(STAMP) $(RUN_STAMP)

install: $(STAMP)

## renew the lock files from pyproject.toml (the newest versions within its bounds)
lock: install
	$(BIN)/$(LOCK) -o requirements/run.txt
	$(BIN)/$(LOCK) --extra dev -o requirements/dev.txt

## front-end files served locally, from the npm registry as locked in package-lock.json: Plotly's topojson, and
## the small plotly.js the pages load (its core and the trace types of dashboard/plotly_bundle.js, built by esbuild)
PLOTLY_BUNDLE := build/plotly/plotly.min.js
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(PLOTLY_BUNDLE): dashboard/plotly_bundle.js $(NODE_STAMP)
	node_modules/.bin/esbuild dashboard/plotly_bundle.js --bundle --minify --format=iife --global-name=Plotly \
	  --define:global=window --define:define.amd=false --alias:stream=stream-browserify --loader:.css=empty \
	  --target=es2016 --legal-comments=eof --log-level=warning --outfile=$(PLOTLY_BUNDLE) \
	  "--banner:js=/*! plotly.js (npm package, version in package-lock.json), partial bundle of dashboard/plotly_bundle.js; Copyright (c) Plotly Technologies Inc.; MIT License */"

assets: $(PLOTLY_BUNDLE)

## Debian packages for browser tests and PDF briefings, installed only when missing
system-deps:
	@missing=""; for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

## build the warehouse if it is missing or its inputs changed (a no-op otherwise)
warehouse: install-run
	$(BIN)/wic etl

## serve the dashboard on http://127.0.0.1:8050 with the production server
run: warehouse assets system-deps
	$(BIN)/wic serve --host 127.0.0.1 --port 8050

## JupyterLab on http://127.0.0.1:8888 with notebooks/ as its root and this environment's kernel
notebook: install
	$(BIN)/wic etl
	$(BIN)/wic notebook

lint: install
	$(BIN)/ruff check etl dashboard wic tests bench
	$(BIN)/mypy

## the whole suite: lint, types, tests (browser tests included); bytecode is cached even where the environment
## says not to (PYTHONDONTWRITEBYTECODE), or every run and every process it starts compiles each module again.
## Tests run on TEST_WORKERS pytest-xdist workers (0: in this process), a file's tests on one worker (they share
## its server and browser); the run fails if a collected test reports no result (tests/count_check.py).
TEST_WORKERS ?= 2
test: lint assets system-deps
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

bench: install assets
	$(BIN)/python bench/etl.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/briefing.py
	$(BIN)/python bench/index.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/first_paint.py
	$(BIN)/python bench/scaleout.py
	$(BIN)/python bench/worldbank_api.py

## the fault campaigns: every known bad input through the ETL, crafted requests against a real server
faults: install assets
	$(BIN)/python bench/faults_etl.py
	$(BIN)/python bench/faults_http.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
