"""Read-only access to the warehouse: the one place that opens it for reading, names its tables
and columns, quotes what goes into SQL and turns what DuckDB returns into dates.

Every reader (the digest, the campaign reports, the quality gate, detection's outputs and the
evaluation) goes through here; the writer side is `flows.locking.warehouse_writer` and dbt.
Table and column names come from the catalog, never from data, and are quoted
(`flows.sql.quote_identifier`); every value is a bound parameter.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from flows.sql import quote_identifier, string_literal

__all__ = [
    "CAMPAIGN_STATUS_ORDER",
    "READER_MEMORY_LIMIT",
    "Catalog",
    "as_date",
    "campaign_order_sql",
    "connect_bounded",
    "connect_read_only",
    "fetch_one",
]

# DuckDB caches what it reads up to its memory limit (80% of RAM by default): a report worker
# reading a large warehouse would hold well over a gigabyte. The report queries are small
# aggregates over a campaign's accounts and fit this easily; DuckDB spills past it if needed.
READER_MEMORY_LIMIT = "512MB"


@contextmanager
def connect_read_only(warehouse: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection with DuckDB's defaults (all cores, its own memory limit)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


@contextmanager
def connect_bounded(warehouse: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection with a bounded memory footprint, for report workers.

    What DuckDB spills past its limit goes to a folder of this connection's own: by default
    every connection to a file spills into `<file>.tmp`, and report workers reading the same
    warehouse at once would overwrite each other's spill files (DuckDB 1.4 crashes on it)."""
    with tempfile.TemporaryDirectory(prefix="distillwatch-reader-") as spill:
        con = duckdb.connect(
            str(warehouse),
            read_only=True,
            config={
                "memory_limit": READER_MEMORY_LIMIT,
                "temp_directory": spill,
                # one thread: workers run side by side, one per core, and each thread needs
                # its own share of the memory limit
                "threads": 1,
            },
        )
        try:
            con.execute("set enable_progress_bar = false")  # no bar on stderr in logs
            yield con
        finally:
            con.close()


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    """The one row of a query that always returns one (an aggregate without `group by`)."""
    row = con.execute(sql, list(params)).fetchone()
    if row is None:
        raise LookupError(f"no row from a query that returns one: {sql}")
    return row


class Catalog:
    """Qualified, quoted names of the warehouse's tables and views, and their columns.

    Over every schema of the database, `main` first (dbt's default; a name in a later schema
    is shadowed by the same name in `main`), or, with `current_schema_only`, the schema that
    unqualified names resolve to.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, *, current_schema_only: bool = False) -> None:
        where = "table_schema = current_schema()" if current_schema_only else "true"
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_catalog = current_database() and {where} "
            "order by table_schema = 'main' desc, table_schema, ordinal_position"
        ).fetchall()
        self._names: dict[str, str] = {}
        self._schemas: dict[str, str] = {}
        self.columns: dict[str, list[str]] = {}
        for schema, name, column in rows:
            if self._schemas.setdefault(name, schema) != schema:
                continue  # same name in a later schema: the first (main) wins
            self._names[name] = f"{quote_identifier(schema)}.{quote_identifier(name)}"
            self.columns.setdefault(name, []).append(column)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def get(self, name: str) -> str | None:
        """`name` qualified and quoted, or None when the warehouse has no such table."""
        return self._names.get(name)

    def __getitem__(self, name: str) -> str:
        qualified = self._names.get(name)
        if qualified is None:
            raise LookupError(f"warehouse has no table {name!r}: has dbt built the marts?")
        return qualified

    def has(self, table: str, column: str) -> bool:
        return column in self.columns.get(table, ())


# How campaigns are listed everywhere (digest, reports): new ones first, dormant ones last.
CAMPAIGN_STATUS_ORDER: tuple[str, ...] = ("new", "growing", "active", "dormant")


def campaign_order_sql() -> str:
    """The `order by` terms of a campaign list (fct_campaigns columns): status in
    CAMPAIGN_STATUS_ORDER (any other after them), then score, highest first, then id."""
    statuses = ", ".join(string_literal(s) for s in CAMPAIGN_STATUS_ORDER)
    return f"coalesce(list_position([{statuses}], status), 99), score desc nulls last, campaign_id"


def as_date(value: Any) -> date | None:
    """A date from what DuckDB or pandas hands back: a date, a datetime or pandas Timestamp
    (its date), an ISO string (its first ten characters), or None."""
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):  # datetime / pandas Timestamp
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# Nullable columns as Python values: NULL stays None (a measure that does not apply), never 0.
def int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
