# Two commands from a fresh machine: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

# No tool phones home.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_HOME ?= $(CURDIR)/var/prefect
# Prefect's local server can take well over its default 20 s to start on a busy two-core machine.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180

.PHONY: setup demo test test-spark lint lint-sql-fix bench eval clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test,spark,lint]'
	touch $(STAMP)

demo: setup
	mkdir -p "$(PREFECT_HOME)"
	$(VENV)/bin/distillwatch demo

test: setup
	$(VENV)/bin/pytest

# ruff (lint and format), mypy on flows/ and sqlfluff on the dbt models (config in pyproject.toml,
# .sqlfluff); CI runs it before the tests. sqlfluff's dbt templater compiles the
# project against a scratch warehouse in var/lint (nothing is built; no landing data needed).
LINT_ENV := DISTILLWATCH_WAREHOUSE=$(CURDIR)/var/lint/warehouse.duckdb \
	DISTILLWATCH_LANDING_DIR=$(CURDIR)/var/lint/landing DISTILLWATCH_RUN_DATE=2026-11-26 \
	DBT_TARGET_PATH=$(CURDIR)/var/lint/target
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	mkdir -p var/lint/landing
	$(LINT_ENV) $(VENV)/bin/sqlfluff lint dbt_project/models

# sqlfluff's fixes over the models.
lint-sql-fix: setup
	mkdir -p var/lint/landing
	$(LINT_ENV) $(VENV)/bin/sqlfluff fix dbt_project/models

# The dbt project on DuckDB and on Spark (local mode) over the same landing files (Java 17+).
test-spark: setup
	$(VENV)/bin/pytest tests/dbt_project/test_spark_equivalence.py

# The nightly flow on a 2M- and a 10M-request day: per-stage wall time, CPU and peak memory,
# and the raw DuckDB limit (docs/benchmark.md). Synthetic data and warmed warehouses are kept in
# BENCH_SCRATCH (default /tmp/distillwatch-bench, ~20 GB) for the next run; the table goes to
# bench-results/<date>.md and docs/benchmark.md. E.g. `make bench BENCH_ARGS="--sizes 2000000"`.
bench: setup
	$(VENV)/bin/python scripts/bench.py $(BENCH_ARGS)

# Detection across randomized worlds: the REPORT seeds 1-12 (tuning seeds are 100-149), 7 days
# each, replayed end to end two at a time; prints per world, worst case and median and writes
# eval-results/*.md and *.json (docs/synthetic-data.md). About 20-30 minutes on two cores.
EVAL_ARGS ?= --seeds 1-12 --days 7 --jobs 2
eval: setup
	$(VENV)/bin/distillwatch evaluate-grid $(EVAL_ARGS)

clean:
	rm -rf data reports outbox var dbt_project/target dbt_project/logs
