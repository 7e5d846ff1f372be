"""The read-only warehouse layer: catalog (main first, quoted names), dates, one-row queries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.reader import Catalog, as_date, campaign_order_sql, connect_bounded, connect_read_only, fetch_one


def _warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema other")
        con.execute('create table other.t (a int, "odd ""name""" int)')
        con.execute("create table main.t (b int)")
        con.execute('create table other."we""ird" (x int)')
        con.execute(
            "create table fct_campaigns as select * from (values "
            "('c-dormant', 'dormant', 9.0), ('c-new-low', 'new', 1.0), ('c-odd', 'other', 99.0), "
            "('c-new-high', 'new', 5.0), ('c-growing', 'growing', null)) as v(campaign_id, status, score)"
        )
    return path


def test_catalog_prefers_main_quotes_names_and_is_read_only(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb")
    with connect_read_only(warehouse) as con:
        t = Catalog(con)
        assert t["t"] == '"main"."t"' and t.columns["t"] == ["b"]  # other.t is shadowed
        assert t['we"ird'] == '"other"."we""ird"'
        weird = t['we"ird']
        assert con.execute(f"select count(*) from {weird}").fetchone() == (0,)
        assert t.get("missing") is None and "missing" not in t and "t" in t
        assert t.has("t", "b") and not t.has("t", "nope")
        with pytest.raises(LookupError, match="no table 'missing'"):
            t["missing"]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table main.u (c int)")
    with connect_bounded(warehouse) as con:
        assert fetch_one(con, "select current_setting('threads')") == (1,)


def test_catalog_of_the_current_schema_only(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb")
    with connect_read_only(warehouse) as con:
        con.execute("use other")
        t = Catalog(con, current_schema_only=True)
        assert t["t"] == '"other"."t"' and t.columns["t"] == ["a", 'odd "name"']
        assert "fct_campaigns" not in t


def test_campaigns_listed_new_first_then_by_score(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb")
    with connect_read_only(warehouse) as con:
        rows = con.execute(
            f"select campaign_id from fct_campaigns order by {campaign_order_sql()}"
        ).fetchall()
    assert [r[0] for r in rows] == ["c-new-high", "c-new-low", "c-growing", "c-dormant", "c-odd"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (date(2026, 3, 1), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 59, tzinfo=UTC), date(2026, 3, 1)),
        (pd.Timestamp("2026-03-01 12:00"), date(2026, 3, 1)),
        ("2026-03-01T05:00:00", date(2026, 3, 1)),
    ],
)
def test_as_date(value: object, expected: date | None) -> None:
    assert as_date(value) == expected
