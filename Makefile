# The two commands the README starts with: `make dev` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every install of the project's own commands takes exactly these versions (`make lock` writes it).
LOCK   := constraints.txt

TS       := clients/typescript
TS_STAMP := $(TS)/node_modules/.installed

.PHONY: dev test lint typecheck check bench bench-publish bench-inbound faults fuzz clean clients \
        clients-check lock test-latest portal-screenshots

# The project with its dev tools, and the generated Python SDK (the SDK tests use it).
$(STAMP): pyproject.toml clients/python/pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]' -e clients/python
	touch $(STAMP)

$(TS_STAMP): $(TS)/package.json $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(TS_STAMP)

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

## Regenerate clients/openapi.json and the Python and TypeScript clients from the code.
clients: $(STAMP) $(TS_STAMP)
	clients/generate.sh

## Fail if clients/ differs from what the code generates; type-check the TypeScript client.
clients-check: $(STAMP) $(TS_STAMP)
	clients/check.sh

## The benchmark suite on the production shape (PostgreSQL, RabbitMQ): a table, and rows in
## tests/bench/RESULTS.md; fails when a delivery is lost or duplicated.
bench: $(STAMP)
	$(BIN)/python tests/bench/bench_delivery.py --suite

## Screenshots of every portal screen, light and dark, into docs/portal/ (starts `hookrelay dev`,
## seeds a tenant with endpoints, messages and attempts, drives Debian's chromium).
portal-screenshots: $(STAMP)
	$(BIN)/python tests/e2e/portal_screenshots.py --out docs/portal

## The publish path against a minimal INSERT-and-COMMIT app on the same stack, alternated in one
## run (issue 15): single and batch publishes/s, latency, API CPU per publish; a section in RESULTS.md.
bench-publish: $(STAMP)
	$(BIN)/python tests/bench/bench_publish.py

## The inbound ingest benchmark (issue 14): ack latency at 500 requests/s of Stripe-signed events
## with destinations down and up, and one API's ingest rate against a plain INSERT+COMMIT endpoint;
## rows in tests/bench/RESULTS.md (about 3 min).
bench-inbound: $(STAMP)
	$(BIN)/python tests/bench/bench_inbound.py

## The fault suite at full length on the production shape (about 25 min: a receiver stays down
## for 10 real minutes); `make test` runs the same tests scaled down.
faults: $(STAMP)
	$(BIN)/pytest tests/e2e/test_faults.py -m faults --full-length --timeout 3600

## Fuzz the API on the production shape (PostgreSQL, RabbitMQ): schemathesis, every phase
## (stateful included), over 5,000 cases; fails on any 5xx or schema violation; prints the figures.
fuzz: $(STAMP)
	HOOKRELAY_FUZZ_SHAPES=production HOOKRELAY_FUZZ_EXAMPLES=300 \
	  $(BIN)/pytest tests/e2e/test_schemathesis.py -q -p no:cacheprovider

## Pin every dependency (the project's and its dev tools') to what resolves today, into $(LOCK).
## Run `make test-latest` first: the lock should only ever move to versions the suite passed with.
lock:
	$(PYTHON) -m pip install --quiet 'uv>=0.9'
	$(PYTHON) -m uv pip compile --quiet --universal --python-version 3.11 --extra dev \
	  --no-emit-package hookrelay-client --output-file $(LOCK) \
	  pyproject.toml clients/python/pyproject.toml

## The whole suite on the newest versions pyproject.toml allows, in a scratch venv (.venv-latest):
## drift shows here, before a new user meets it. Not part of `make test`.
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade 'pip>=24'
	.venv-latest/bin/python -m pip install --quiet --upgrade -e '.[dev]' -e clients/python
	.venv-latest/bin/ruff check . && .venv-latest/bin/ruff format --check .
	.venv-latest/bin/mypy
	.venv-latest/bin/pytest
	VENV_BIN=$(CURDIR)/.venv-latest/bin clients/check.sh

clean:
	rm -rf $(VENV) .hookrelay .pytest_cache .mypy_cache .ruff_cache $(TS)/node_modules
