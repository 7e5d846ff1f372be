"""The quality gate on a small hand-built warehouse: real GX runs on real DuckDB tables.

`build_warehouse` writes a DuckDB file the way dbt would leave it after a run: the marts for
the run date plus trailing days, aggregated from factory-made requests with SQL. Each test then
breaks one thing with SQL and checks what the gate says about it. Keys and reconciliation are
dbt's data tests, not the gate's (expectations/README.md; tests/test_dbt_models.py).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from factories import make_accounts, make_requests

from flows.contract import CAPABILITIES
from flows.quality import (
    CHECKS,
    DBT_OWNED_CHECKS,
    EXPECTATIONS_DIR,
    SEVERITIES,
    GateResult,
    SuiteDefinitionError,
    gate_parameters,
    load_suite_files,
    referenced_parameters,
    run_quality_gate,
)

RUN_DATE = date(2026, 3, 10)
ACCOUNTS = 8

_MARTS_SQL = """
create or replace temp view day_requests as
    select *, cast(ts at time zone 'UTC' as date) as activity_date,
           input_tokens + output_tokens + thinking_tokens as total_tokens
    from new_requests;

insert into fct_account_daily
with per_capability as (
    select activity_date, account_id, capability, count(*) as n,
           count(*) / sum(count(*)) over (partition by activity_date, account_id) as share
    from day_requests group by activity_date, account_id, capability
),
top as (
    select activity_date, account_id,
           arg_max(capability, n) as top_capability, max(share) as top_capability_share,
           sum(-share * ln(share) / ln(2)) as capability_entropy_bits
    from per_capability group by activity_date, account_id
)
select r.activity_date, r.account_id, any_value(r.organization_id) as organization_id,
       count(*) as requests, count(*) filter (where status = 'ok') as ok_requests,
       sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
       sum(thinking_tokens) as thinking_tokens, sum(total_tokens) as total_tokens,
       count(distinct prompt_template_hash) as distinct_prompt_templates,
       any_value(t.top_capability) as top_capability,
       any_value(t.top_capability_share) as top_capability_share,
       any_value(t.capability_entropy_bits) as capability_entropy_bits,
       count(distinct hour(ts at time zone 'UTC')) as hours_active
from day_requests r join top t using (activity_date, account_id)
group by r.activity_date, r.account_id;

insert into fct_organization_daily
with per_capability as (
    select activity_date, organization_id, capability, count(*) as n
    from day_requests group by activity_date, organization_id, capability
),
top as (
    select activity_date, organization_id, arg_max(capability, n) as top_capability,
           max(n) / sum(n) as top_capability_share
    from per_capability group by activity_date, organization_id
)
select r.activity_date, r.organization_id, count(distinct r.account_id) as accounts_active,
       0 as new_accounts, count(*) as requests, sum(input_tokens) as input_tokens,
       sum(output_tokens) as output_tokens, sum(thinking_tokens) as thinking_tokens,
       sum(total_tokens) as total_tokens, any_value(t.top_capability) as top_capability,
       any_value(t.top_capability_share) as top_capability_share
from day_requests r join top t using (activity_date, organization_id)
group by r.activity_date, r.organization_id;

insert into fct_capability_daily
select activity_date, capability, count(*) as requests, count(distinct account_id) as accounts,
       count(distinct organization_id) as organizations, sum(input_tokens) as input_tokens,
       sum(output_tokens) as output_tokens, sum(thinking_tokens) as thinking_tokens,
       sum(total_tokens) as total_tokens,
       count(*) / sum(count(*)) over (partition by activity_date) as request_share,
       list_contains(?::varchar[], capability) as is_known_capability
from day_requests group by activity_date, capability;
"""

_CREATE_MARTS_SQL = """
create table fct_account_daily (
    activity_date date, account_id varchar, organization_id varchar, requests bigint,
    ok_requests bigint, input_tokens bigint, output_tokens bigint, thinking_tokens bigint,
    total_tokens bigint, distinct_prompt_templates bigint, top_capability varchar,
    top_capability_share double, capability_entropy_bits double, hours_active bigint);
create table fct_organization_daily (
    activity_date date, organization_id varchar, accounts_active bigint, new_accounts bigint,
    requests bigint, input_tokens bigint, output_tokens bigint, thinking_tokens bigint,
    total_tokens bigint, top_capability varchar, top_capability_share double);
create table fct_capability_daily (
    activity_date date, capability varchar, requests bigint, accounts bigint,
    organizations bigint, input_tokens bigint, output_tokens bigint, thinking_tokens bigint,
    total_tokens bigint, request_share double, is_known_capability boolean);
"""


def build_warehouse(
    path: Path,
    *,
    run_date: date = RUN_DATE,
    run_day_requests: int = 300,
    trailing_days: int = 7,
    trailing_requests: int = 300,
    run_day_overrides: dict[str, list[object]] | None = None,
) -> Path:
    """A warehouse as dbt leaves it after building `run_date` (plus `trailing_days` before it)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(_CREATE_MARTS_SQL)
        days = [run_date - timedelta(days=d) for d in range(trailing_days, 0, -1)] + [run_date]
        for i, day in enumerate(days):
            is_run_date = day == run_date
            requests = make_requests(
                run_day_requests if is_run_date else trailing_requests,
                day,
                accounts=ACCOUNTS,
                seed=i,
                overrides=run_day_overrides if is_run_date else None,
            )
            con.register("new_requests", requests)
            for statement in _MARTS_SQL.split(";\n"):
                if statement.strip():
                    params = [list(CAPABILITIES)] if "?::varchar[]" in statement else []
                    con.execute(statement, params)
            con.unregister("new_requests")
        accounts = make_accounts(ACCOUNTS)
        con.register("new_accounts", accounts)
        con.execute("create table dim_accounts as select * from new_accounts")
        con.execute(
            "create table dim_organizations as "
            "select distinct organization_id, organization_name from new_accounts"
        )
    finally:
        con.close()
    return path


def sql(path: Path, statement: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(statement)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "warehouse.duckdb")


def failing(result: GateResult, severity: str) -> list[dict[str, object]]:
    return [r for r in result.rows() if r["severity"] == severity and r["success"] is False]


# --- suite files -------------------------------------------------------------------------------


def test_every_suite_file_is_tagged_and_loads_in_gx_whole() -> None:
    from great_expectations.core import ExpectationSuite

    suites = load_suite_files(EXPECTATIONS_DIR)
    assert {s.name for s in suites} == {
        "fct_account_daily",
        "fct_organization_daily",
        "fct_capability_daily",
        "dim_accounts",
        "dim_organizations",
    }
    for suite in suites:
        assert all(e["meta"]["severity"] in SEVERITIES for e in suite.expectations)
        # GX drops expectations it cannot build (only logging it): all must survive
        built = ExpectationSuite(name=suite.name, expectations=list(suite.expectations))
        assert len(built.expectations) == len(suite.expectations)


def test_every_parameter_a_suite_uses_is_computed(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        params = gate_parameters(con, RUN_DATE)
    used = {n for s in load_suite_files() for e in s.expectations for n in referenced_parameters(e)}
    assert used and used <= params.keys()


def test_an_untagged_expectation_is_refused(tmp_path: Path) -> None:
    suite = {
        "name": "x",
        "meta": {"table": "x"},
        "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}],
    }
    (tmp_path / "x.json").write_text(json.dumps(suite))
    with pytest.raises(SuiteDefinitionError, match=re.escape("meta.severity")):
        load_suite_files(tmp_path)


def test_an_expectation_gx_cannot_build_is_refused_not_dropped(warehouse: Path, tmp_path: Path) -> None:
    suite = {
        "name": "dim_accounts",
        "meta": {"table": "dim_accounts"},
        "expectations": [
            {
                "type": "expect_column_values_to_not_be_nul",  # misspelt
                "kwargs": {"column": "account_id"},
                "meta": {"severity": "critical", "check": "completeness"},
            },
        ],
    }
    (tmp_path / "dim_accounts.json").write_text(json.dumps(suite))
    with pytest.raises(SuiteDefinitionError, match="expect_column_values_to_not_be_nul"):
        run_quality_gate(warehouse, RUN_DATE, expectations_dir=tmp_path)


@pytest.mark.parametrize("check", DBT_OWNED_CHECKS)
def test_a_check_dbt_owns_is_refused(tmp_path: Path, check: str) -> None:
    # keys and reconciliation are dbt data tests: the same check in a suite would be a second owner
    suite = {
        "name": "fct_account_daily",
        "meta": {"table": "fct_account_daily", "date_column": "activity_date"},
        "expectations": [
            {
                "type": "expect_compound_columns_to_be_unique",
                "kwargs": {"column_list": ["activity_date", "account_id"]},
                "meta": {"severity": "critical", "check": check},
            },
        ],
    }
    (tmp_path / "fct_account_daily.json").write_text(json.dumps(suite))
    with pytest.raises(SuiteDefinitionError, match="dbt data test"):
        load_suite_files(tmp_path)


# --- the gate on data --------------------------------------------------------------------------


def test_clean_day_passes_with_every_suite_checked(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where a file-backed GX context would write its gx/ folder
    result = run_quality_gate(warehouse, RUN_DATE)

    assert result.passed, result.critical_failures
    assert result.critical_failures == [] and result.warnings == []
    rows = result.rows()
    assert {r["suite"] for r in rows} == {s.name for s in load_suite_files()}
    assert all(r["success"] is True for r in rows), [r for r in rows if r["success"] is not True]
    assert {r["check"] for r in rows} == set(CHECKS)  # volume too: 7 trailing days
    ranges = {r["column"]: r for r in rows if r["suite"] == "fct_account_daily" and r["check"] == "range"}
    assert ranges["requests"]["expected"] == ">= 1"
    assert ranges["hours_active"]["expected"] == "between 1 and 24"
    assert json.loads(json.dumps(result.to_dict()))["passed"] is True
    # read-only and closed: a writer can open the file again; GX left nothing on disk
    duckdb.connect(str(warehouse)).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]


def test_negative_tokens_are_a_critical_failure_naming_the_expectation(warehouse: Path) -> None:
    sql(
        warehouse,
        f"update fct_account_daily set output_tokens = -5 "
        f"where activity_date = '{RUN_DATE}' and account_id = 'acct-0003'",
    )
    result = run_quality_gate(warehouse, RUN_DATE)

    assert not result.passed
    assert result.critical_failures == [
        "fct_account_daily: expect_column_values_to_be_between (range) on column output_tokens: "
        f"observed 1 of {_rows(warehouse, 'fct_account_daily')} rows fail, e.g. -5; expected >= 0"
    ]


def _rows(path: Path, table: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        (n,) = con.execute(f"select count(*) from {table} where activity_date = ?", [RUN_DATE]).fetchone()
    return int(n)


def test_unknown_capability_is_a_warning_only(tmp_path: Path) -> None:
    capabilities = ["model_extraction" if i % 10 == 0 else "coding" for i in range(300)]
    path = build_warehouse(tmp_path / "w.duckdb", run_day_overrides={"capability": capabilities})
    result = run_quality_gate(path, RUN_DATE)

    assert result.passed, result.critical_failures
    [warning] = [w for w in result.warnings if w.startswith("fct_capability_daily:")]
    assert "expect_column_values_to_be_in_set" in warning and "column capability" in warning
    assert '"model_extraction"' in warning and "1 of 2 rows" in warning


def test_volume_collapse_against_trailing_days_is_a_warning(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", run_day_requests=40, trailing_requests=400)
    result = run_quality_gate(path, RUN_DATE)

    assert result.passed, result.critical_failures
    [volume] = [r for r in failing(result, "warning") if r["check"] == "volume" and r["column"] == "requests"]
    assert volume["observed"] == "40" and volume["expected"] == "between 100 and 1600"


def test_volume_is_skipped_with_too_few_trailing_days(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", trailing_days=2, run_day_requests=40, trailing_requests=400)
    result = run_quality_gate(path, RUN_DATE)

    assert result.passed and result.warnings == []
    volume = [r for r in result.rows() if r["check"] == "volume"]
    assert len(volume) == 2  # requests and active accounts
    assert all(r["success"] is None and "2 of the 7" in str(r["observed"]) for r in volume)


def test_no_rows_for_the_run_date_is_a_critical_freshness_failure(warehouse: Path) -> None:
    sql(warehouse, f"delete from fct_organization_daily where activity_date = '{RUN_DATE}'")
    result = run_quality_gate(warehouse, RUN_DATE)

    assert not result.passed
    [fresh] = [r for r in failing(result, "critical") if r["check"] == "freshness"]
    assert fresh["suite"] == "fct_organization_daily" and fresh["observed"] == "0"
    assert fresh["expectation"] == "expect_table_row_count_to_be_between"
