# Two commands do all the set-up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# `make run` serves the portal on the embedded SQLite file with demo data.
RUN_ENV := DEBUG=true

.PHONY: run test bench lint format check typecheck typecheck-baseline migrate seed install install-dev clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(RUN_ENV) $(BIN)/python manage.py seed_demo

run: seed
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install-dev
	$(RUN_ENV) $(BIN)/python manage.py check
	$(RUN_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# mypy with django-stubs against mypy-baseline.txt: a new error fails, and so does one fixed but still
# listed (run `make typecheck-baseline` to take it off), so the baseline only shrinks.
typecheck: install-dev
	$(RUN_ENV) $(BIN)/mypy | $(BIN)/mypy-baseline filter --no-colors --hide-stats

typecheck-baseline: install-dev
	$(RUN_ENV) $(BIN)/mypy | $(BIN)/mypy-baseline sync --sort-baseline

# Two workers: the machines here have two cores. `make test PYTEST_ARGS=` runs in one process.
PYTEST_ARGS ?= -n 2

test: install-dev lint check typecheck
	./scripts/ensure-chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# Not part of the tests: a large partner's data on PostgreSQL (BENCH_DATABASE_URL), measured.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
BENCH_ARGS ?=

bench: install-dev
	./scripts/ensure-package /usr/bin/wrk wrk
	$(BIN)/python bench/run.py --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
