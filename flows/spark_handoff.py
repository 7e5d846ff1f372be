"""Hand the tables Spark built to DuckDB, where detection, the quality gate and the reports run.

On a Spark target dbt builds the seed, the daily aggregates and the marts as Parquet tables
(docs/spark.md); detection's Python models and the readers (gate, digest, campaign reports) work
on the DuckDB file `Settings.warehouse`. `attach_spark_tables` makes that file see Spark's
tables: one view per table over its Parquet files (`activity_date=` partition folders read as
the `activity_date` column), so nothing is copied and a date Spark rewrites is what the views
show. Spark writes instants as UTC microseconds (profiles.yml), so DuckDB reads the same types
as its own build (tests/test_spark_equivalence.py checks it).

A table without any file (an incremental table whose every partition is empty, e.g. the
quarantine marts of a clean period) has nothing to read a schema from: those are built empty on
the DuckDB target (`dbt run --empty`), with the very types the DuckDB build would give them.

Table names come from Spark's warehouse folder; one that is not a plain identifier is refused
(it would have to be quoted into SQL), and paths go into SQL as escaped string literals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from flows.settings import Settings
from flows.sql import quote_identifier, string_literal
from flows.transform import DbtRunSummary, build_empty, run_dbt

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,127}")
PARTITION = "activity_date="


# What the DuckDB target builds itself on a Spark-built warehouse: staging views over the run
# date's landing files (the gate reconciles the marts with them) and detection.
DUCKDB_SELECTION = "path:models/staging fqn:*.detection.*"


@dataclass(frozen=True)
class AttachedTables:
    views: tuple[str, ...]  # tables read from Spark's Parquet files
    missing: tuple[str, ...]  # tables without a file and not yet in DuckDB: to build empty


def spark_tables_dir(settings: Settings) -> Path:
    """`<spark.sql.warehouse.dir>/<schema>.db`: where Spark keeps the project's tables."""
    return settings.spark_dir.resolve() / "warehouse" / f"{settings.spark_schema}.db"


def _parquet_glob(folder: Path) -> tuple[str, bool] | None:
    """The glob of a table's data files and whether it is partitioned; None when it has none."""
    partitioned = any(p.is_dir() and p.name.startswith(PARTITION) for p in folder.iterdir())
    pattern = "*/*.parquet" if partitioned else "*.parquet"
    if next(folder.glob(pattern), None) is None:
        return None
    return str(folder / pattern), partitioned


def attach_spark_tables(settings: Settings) -> AttachedTables:
    """Create or replace one view per Spark table in `settings.warehouse` (schema `main`)."""
    root = spark_tables_dir(settings)
    if not root.is_dir():
        raise FileNotFoundError(f"no Spark tables at {root}: has the spark target built the marts?")
    views: list[str] = []
    missing: list[str] = []
    settings.warehouse.resolve().parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse.resolve())) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        )
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            name = folder.name
            if not IDENTIFIER.fullmatch(name):
                raise ValueError(f"Spark table folder {folder}: name is not a plain identifier; refused")
            files = _parquet_glob(folder)
            if files is None:
                if kinds.get(name) == "VIEW":  # its files are gone: built empty instead
                    con.execute(f"drop view main.{quote_identifier(name)}")
                if kinds.get(name) != "BASE TABLE":
                    missing.append(name)
                continue
            if kinds.get(name) == "BASE TABLE":
                con.execute(
                    f"drop table main.{quote_identifier(name)}"
                )  # an empty stand-in from an earlier run
            glob, partitioned = files
            con.execute(
                f"create or replace view main.{quote_identifier(name)} as select * from read_parquet("
                f"{string_literal(glob)}, hive_partitioning = {'true' if partitioned else 'false'})"
            )
            views.append(name)
    return AttachedTables(views=tuple(views), missing=tuple(missing))


def duckdb_twin(settings: Settings) -> Settings:
    """The same settings on the DuckDB target: same warehouse file, landing zone and window."""
    return settings.model_copy(update={"dbt_target": "duckdb"})


def build_on_duckdb_after_spark(settings: Settings, run_date: date) -> DbtRunSummary:
    """After the Spark build of `run_date`: attach its tables, then build staging and detection
    on DuckDB (tables without files first, empty). Returns the DuckDB build's summary."""
    attached = attach_spark_tables(settings)
    twin = duckdb_twin(settings)
    if attached.missing:
        # with the staging views they read (rebuilt with rows just below)
        build_empty(twin, run_date, ["path:models/staging", *attached.missing])
    return run_dbt(twin, run_date, select=DUCKDB_SELECTION, suite_tests=False)
