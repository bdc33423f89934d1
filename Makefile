# Two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install warehouse lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## build the warehouse if it is missing or its inputs changed (a no-op otherwise)
warehouse: install
	$(BIN)/wic etl

## serve the dashboard on http://127.0.0.1:8050
run: warehouse
	$(BIN)/wic serve --host 127.0.0.1 --port 8050

lint: install
	$(BIN)/ruff check etl dashboard tests bench
	$(BIN)/mypy

## the whole suite: lint, types, tests
test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/etl.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
