# The verbs of the project. A fresh machine needs only python3 (3.11+), pip and make;
# `make test` installs the Debian packages it needs (PostgreSQL, Chromium) when run as root.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PGPORT ?= 54329

.PHONY: demo serve install dev test test-sqlite test-postgres lint bench bench-records clean

$(BIN)/deliverology: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/deliverology
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/deliverology

dev: $(VENV)/.dev

## make demo: set up, build the demo system into var/deliverology.sqlite3 and serve it on :8000
demo: install
	$(BIN)/deliverology demo

serve: install
	$(BIN)/deliverology serve

## make test: every check and every test, on SQLite and on PostgreSQL
test: dev
	bash scripts/system-packages.sh
	$(MAKE) lint
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=deliverology.web.settings $(BIN)/django-admin makemigrations --check --dry-run

test-sqlite: dev
	$(BIN)/pytest -q --numprocesses=auto -m "not e2e"
	$(BIN)/pytest -q -m e2e  # the browser journeys, in one process: their live servers on their own

test-postgres: dev
	@url=$$(PGPORT=$(PGPORT) bash scripts/postgres.sh start) && \
	DATABASE_URL=$$url $(BIN)/pytest -q --numprocesses=auto tests/web tests/chains tests/routines && \
	DATABASE_URL=$$url $(BIN)/pytest -q tests/e2e; status=$$?; \
	PGPORT=$(PGPORT) bash scripts/postgres.sh stop; exit $$status

bench: dev
	$(BIN)/python benchmarks/web_pages.py
	$(BIN)/python benchmarks/target_setting.py --write

## make bench-records: record-level data (20M rows side by side, growth to 100M rows, the full
## import into SQLite and PostgreSQL); about 20 minutes and 3 GB in var/bench/, so not in `bench`
bench-records: dev
	$(BIN)/python benchmarks/record_level.py --scaling 1000000,20000000,100000000 \
		--import-into sqlite,postgresql --import-repeats 1 --write

clean:
	rm -rf $(VENV) var test-artifacts
