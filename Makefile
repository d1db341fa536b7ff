# The two commands the README starts with: `make dev` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: dev test lint typecheck check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Run the embedded default (SQLite + in-process broker) on 127.0.0.1:8000.
dev: $(STAMP)
	$(BIN)/hookrelay dev

## Install and run the whole suite (needs PostgreSQL, RabbitMQ and Redis on 127.0.0.1).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python tests/bench/bench_delivery.py --shape production

clean:
	rm -rf $(VENV) .hookrelay .pytest_cache .mypy_cache .ruff_cache
