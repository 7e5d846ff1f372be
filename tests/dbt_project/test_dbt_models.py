"""The dbt project on a real DuckDB file: staging -> daily aggregates -> marts, per date.

Landing Parquet is written straight into the landing layout from `tests.factories` tables
(validation is not involved), `run_dbt` builds one date at a time outside a Prefect flow (dbt
data tests and unit tests run in the same call), and the marts are read back with DuckDB
`read_only=True` and compared with figures computed here in pandas.

The runs select this layer's nodes (staging, daily aggregates, marts and their tests); the
detection models built on top are tested with the detection code.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from factories import make_accounts, make_requests

from flows.contract import CAPABILITIES, REQUESTS_SCHEMA
from flows.settings import DBT_PROJECT_DIR, Settings
from flows.transform import DbtBuildError, DbtRunSummary, build_models, dbt_target_path, run_dbt

# duckdb's DataFrame export still passes inplace= to pandas 3.1
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop")

DAY1, DAY2, DAY3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
UNKNOWN_CAPABILITY = "jailbreak_research"
STATUS_MIX = ("ok", "ok", "ok", "refused", "error", "rate_limited")

MARTS = {
    "fct_account_daily": ["activity_date", "account_id"],
    "fct_organization_daily": ["activity_date", "organization_id"],
    "fct_capability_daily": ["activity_date", "capability"],
    "fct_quarantine_daily": ["activity_date", "landing_file", "source_file", "rule", "column_name"],
    "quarantined_requests": ["activity_date", "source_file", "rule", "request_id"],
    "dim_accounts": ["account_id"],
    "dim_organizations": ["organization_id"],
    "int_account_template_daily": ["activity_date", "account_id", "prompt_template_hash"],
    "int_account_hour_daily": ["activity_date", "account_id", "activity_hour"],
    "int_capability_daily": ["activity_date", "capability"],
}


def core_selection() -> str:
    """This layer's models and seed (their tests and unit tests come with them)."""
    models = DBT_PROJECT_DIR / "models"
    names = [p.stem for p in sorted((models / "staging").rglob("*.sql"))]
    names += [p.stem for p in sorted((models / "intermediate").glob("*.sql"))]
    names += [p.stem for p in sorted((models / "marts").glob("*.sql"))]
    return " ".join([*names, "capabilities"])


# --- landing data -------------------------------------------------------------------------


def day_requests(day: date) -> pa.Table:
    """A small valid day with every status, proxy/hosting networks, tools and images."""
    seed = day.toordinal()
    n = 160
    rng = np.random.default_rng(seed)
    overrides = {
        "status": [STATUS_MIX[i] for i in rng.integers(0, len(STATUS_MIX), n)],
        "asn_type": [["isp", "isp", "proxy", "hosting"][i] for i in rng.integers(0, 4, n)],
        "image_count": rng.integers(0, 2, n).astype("int32").tolist(),
        "prompt_template_hash": [f"tpl-{t:03d}" for t in rng.integers(0, 40, n)],
        "system_prompt_hash": [None if x < 0.3 else f"sys-{int(x * 10)}" for x in rng.random(n)],
    }
    table = make_requests(n, day, seed=seed, overrides=overrides)
    if day == DAY2:  # a label outside the contract: kept, flagged, warned about
        caps = table.column("capability").to_pylist()
        caps[:7] = [UNKNOWN_CAPABILITY] * 7
        table = table.set_column(
            table.schema.get_field_index("capability"), "capability", pa.array(caps, pa.string())
        )
    return table


def day_accounts(day: date) -> pa.Table:
    accounts = make_accounts(6)
    if day == DAY2:  # a new account in a new organization, without requests yet
        extra = make_accounts(8, created=DAY2).slice(6, 1)  # acct-0006 of org-0003
        accounts = pa.concat_tables([accounts, extra])
    if day == DAY3:  # organization 0 renamed itself
        names = accounts.column("organization_name").to_pylist()
        names = ["Zero Labs" if n == "Organization 0" else n for n in names]
        accounts = accounts.set_column(
            accounts.schema.get_field_index("organization_name"),
            "organization_name",
            pa.array(names, pa.string()),
        )
    return accounts


def quarantine_requests(day: date) -> pa.Table:
    """What validate writes: contract columns (integers as int64) + _source_file, _rule, _column."""
    bad = make_requests(3, day, id_prefix=f"q{day:%Y%m%d}")
    fields = [pa.field(f.name, pa.int64()) if pa.types.is_integer(f.type) else f for f in REQUESTS_SCHEMA]
    bad = bad.cast(pa.schema(fields))
    bad = bad.set_column(
        bad.schema.get_field_index("input_tokens"),
        "input_tokens",
        pa.array([-5, 10, 10], pa.int64()),
    )
    return (
        bad.append_column("_source_file", pa.array(["requests-00000.parquet"] * 3))
        .append_column("_rule", pa.array(["non_negative", "duplicate_key", "duplicate_key"]))
        .append_column("_column", pa.array(["input_tokens", "request_id", "request_id"]))
    )


def quarantine_accounts(day: date, rows: int) -> pa.Table:
    bad = make_accounts(rows)
    return (
        bad.append_column("_source_file", pa.array(["accounts.parquet"] * rows, pa.string()))
        .append_column("_rule", pa.array(["not_null"] * rows, pa.string()))
        .append_column("_column", pa.array(["organization_name"] * rows, pa.string()))
    )


def write_day(landing: Path, day: date, requests: pa.Table, accounts: pa.Table) -> None:
    base = landing / f"date={day.isoformat()}"
    (base / "clean").mkdir(parents=True, exist_ok=True)
    pq.write_table(requests, base / "clean" / "requests.parquet")
    pq.write_table(accounts, base / "clean" / "accounts.parquet")
    quarantine = base / "quarantine"
    if day == DAY1:  # bad rows in both files
        quarantine.mkdir(exist_ok=True)
        pq.write_table(quarantine_requests(day), quarantine / "requests.parquet")
        pq.write_table(quarantine_accounts(day, 1), quarantine / "accounts.parquet")
    elif day == DAY3:  # validate's empty quarantine files
        quarantine.mkdir(exist_ok=True)
        pq.write_table(quarantine_requests(day).slice(0, 0), quarantine / "requests.parquet")
        pq.write_table(quarantine_accounts(day, 0), quarantine / "accounts.parquet")
    # DAY2: no quarantine folder at all


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    (root / "reference").mkdir()
    (root / "reference" / "model_releases.csv").write_text(
        "model,released_at\nclaude-opus-4-5,2025-11-24T18:00:00Z\nclaude-sonnet-4-5,2025-09-29T17:00:00Z\n"
    )
    for day in (DAY1, DAY2, DAY3):
        write_day(root, day, day_requests(day), day_accounts(day))
    return root


_WAREHOUSES: list[Settings] = []


def settings_for(landing: Path, warehouse: Path) -> Settings:
    settings = Settings(landing_dir=landing, warehouse=warehouse, window_days=7)
    _WAREHOUSES.append(settings)
    return settings


@pytest.fixture(scope="module", autouse=True)
def _remove_dbt_artifacts():
    """dbt writes per-warehouse artifacts under dbt_project/target: drop this module's after."""
    yield
    for settings in _WAREHOUSES:
        shutil.rmtree(dbt_target_path(settings), ignore_errors=True)


def build(settings: Settings, day: date) -> DbtRunSummary:
    return run_dbt(settings, day, select=core_selection())


def read_table(warehouse: Path, name: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.sql(f"select * from main.{name}").df()
    return frame.sort_values(MARTS.get(name, list(frame.columns))).reset_index(drop=True)


def snapshot(warehouse: Path) -> dict[str, pd.DataFrame]:
    return {name: read_table(warehouse, name) for name in MARTS}


def assert_same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    for name in MARTS:
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=False, rtol=1e-12, obj=name)


# --- the runs (module-scoped: each dbt build takes seconds) ---------------------------------


@pytest.fixture(scope="module")
def in_order(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Warehouse A: day 1, day 2 (snapshot), day 2 again (snapshot), day 3."""
    settings = settings_for(landing, tmp_path_factory.mktemp("wh-a") / "warehouse.duckdb")
    summaries = [build(settings, DAY1), build(settings, DAY2)]
    after_two_days = snapshot(settings.warehouse)
    summaries.append(build(settings, DAY2))
    after_rerun = snapshot(settings.warehouse)
    summaries.append(build(settings, DAY3))
    return {
        "settings": settings,
        "summaries": summaries,
        "after_two_days": after_two_days,
        "after_rerun": after_rerun,
        "final": snapshot(settings.warehouse),
    }


@pytest.fixture(scope="module")
def backfilled(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Warehouse B: day 2, then day 1 (a backfill), then day 3."""
    settings = settings_for(landing, tmp_path_factory.mktemp("wh-b") / "warehouse.duckdb")
    build(settings, DAY2)
    build(settings, DAY1)
    after_two_days = snapshot(settings.warehouse)
    build(settings, DAY3)
    final = snapshot(settings.warehouse)
    return {"settings": settings, "after_two_days": after_two_days, "final": final}


# --- expected figures, computed here --------------------------------------------------------


def requests_frame(day: date) -> pd.DataFrame:
    frame = day_requests(day).to_pandas()
    frame["total_tokens"] = frame.input_tokens + frame.output_tokens + frame.thinking_tokens
    frame["hour"] = frame.ts.dt.tz_convert("UTC").dt.hour
    return frame


def entropy_bits(counts: pd.Series) -> float:
    shares = counts / counts.sum()
    return float(-(shares * np.log2(shares)).sum())


def top_capability(counts: pd.Series) -> tuple[str, float]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[0][0], ranked[0][1] / counts.sum()


def expected_account_daily(day: date) -> pd.DataFrame:
    rows = []
    for account_id, g in requests_frame(day).groupby("account_id"):
        caps = g.capability.value_counts()
        top, share = top_capability(caps)
        rows.append(
            {
                "activity_date": day,
                "account_id": account_id,
                "organization_id": g.organization_id.iloc[0],
                "requests": len(g),
                "ok_requests": int((g.status == "ok").sum()),
                "refused_requests": int((g.status == "refused").sum()),
                "error_requests": int((g.status == "error").sum()),
                "rate_limited_requests": int((g.status == "rate_limited").sum()),
                "input_tokens": int(g.input_tokens.sum()),
                "output_tokens": int(g.output_tokens.sum()),
                "thinking_tokens": int(g.thinking_tokens.sum()),
                "total_tokens": int(g.total_tokens.sum()),
                "distinct_prompt_templates": g.prompt_template_hash.nunique(),
                "distinct_system_prompts": g.system_prompt_hash.nunique(),
                "distinct_models": g.model.nunique(),
                "distinct_ip_prefixes": g.ip_prefix.nunique(),
                "distinct_api_keys": g.api_key_id.nunique(),
                "distinct_capabilities": len(caps),
                "capability_entropy_bits": entropy_bits(caps),
                "top_capability": top,
                "top_capability_share": share,
                "cot_elicitation_requests": int(g.cot_elicitation.sum()),
                "grader_prompt_requests": int(g.grader_prompt.sum()),
                "tool_requests": int((g.tool_count > 0).sum()),
                "image_requests": int((g.image_count > 0).sum()),
                "hours_active": g.hour.nunique(),
                "proxy_requests": int((g.asn_type == "proxy").sum()),
                "hosting_requests": int((g.asn_type == "hosting").sum()),
                "proxy_hosting_requests": int(g.asn_type.isin(["proxy", "hosting"]).sum()),
                "first_request_at": g.ts.min(),
                "last_request_at": g.ts.max(),
            }
        )
    return pd.DataFrame(rows)


def capability_shares(day: date) -> pd.Series:
    counts = requests_frame(day).capability.value_counts()
    return counts / counts.sum()


# --- tests --------------------------------------------------------------------------------


def test_capabilities_seed_matches_the_contract() -> None:
    with open(DBT_PROJECT_DIR / "seeds" / "capabilities.csv", newline="") as f:
        seeded = [row["capability"] for row in csv.DictReader(f)]
    assert seeded == list(CAPABILITIES)


def test_each_run_builds_and_tests_the_date(in_order: dict) -> None:
    first = in_order["summaries"][0]
    assert first.run_date == DAY1
    assert first.models_passed >= 22  # 5 staging views, 9 daily aggregates, 8 marts
    assert first.seeds_passed == 1
    assert first.unit_tests_passed >= 10
    assert first.data_tests_passed >= 30  # keys, relationships, values; one not_null_columns a model
    assert first.nodes == first.models_passed + first.seeds_passed + first.tests_passed
    assert first.target_path.is_relative_to(DBT_PROJECT_DIR / "target")
    assert (first.target_path / "run_results.json").exists()
    assert (first.target_path / "logs" / "dbt.log").exists()
    # the unknown capability of day 2 is no build failure: it is kept, flagged
    # (is_known_capability) and reported by the quality gate's known-values warning
    assert in_order["summaries"][1].nodes == first.nodes


def test_account_daily_matches_hand_computed_figures(in_order: dict) -> None:
    actual = in_order["final"]["fct_account_daily"]
    for day in (DAY1, DAY2, DAY3):
        expected = expected_account_daily(day).sort_values("account_id").reset_index(drop=True)
        got = actual[actual.activity_date == pd.Timestamp(day)].reset_index(drop=True)
        assert list(got.columns) == list(expected.columns)
        assert len(got) == len(expected)
        for column in expected.columns:
            if column == "activity_date":
                assert (got[column] == pd.Timestamp(day)).all()
            elif column in ("first_request_at", "last_request_at"):
                assert list(got[column]) == list(expected[column]), column
            elif expected[column].dtype == float:
                np.testing.assert_allclose(got[column], expected[column], rtol=1e-12, err_msg=column)
            else:
                assert list(got[column]) == list(expected[column]), column


def test_token_totals_reconcile_with_the_landing_files(in_order: dict) -> None:
    accounts = in_order["final"]["fct_account_daily"]
    organizations = in_order["final"]["fct_organization_daily"]
    for day in (DAY1, DAY2, DAY3):
        raw = requests_frame(day)
        ts = pd.Timestamp(day)
        assert accounts[accounts.activity_date == ts].total_tokens.sum() == raw.total_tokens.sum()
        assert organizations[organizations.activity_date == ts].requests.sum() == len(raw)


def test_organization_daily(in_order: dict) -> None:
    orgs = in_order["final"]["fct_organization_daily"]
    raw = requests_frame(DAY1)
    day1 = orgs[orgs.activity_date == pd.Timestamp(DAY1)].set_index("organization_id")
    for org_id, g in raw.groupby("organization_id"):
        row = day1.loc[org_id]
        caps = g.capability.value_counts()
        top, share = top_capability(caps)
        assert row.accounts_active == g.account_id.nunique()
        assert row.requests == len(g)
        assert row.total_tokens == g.total_tokens.sum()
        assert row.distinct_prompt_templates == g.prompt_template_hash.nunique()
        assert (row.top_capability, row.top_capability_share) == (top, pytest.approx(share))
        assert row.new_accounts == 0
    # day 2: org-0003 only created an account (no traffic): it still has a row
    day2 = orgs[orgs.activity_date == pd.Timestamp(DAY2)].set_index("organization_id")
    assert day2.loc["org-0003", "new_accounts"] == 1
    assert day2.loc["org-0003", "accounts_active"] == 0
    assert day2.loc["org-0003", "requests"] == 0
    assert pd.isna(day2.loc["org-0003", "top_capability"])


def test_capability_daily_shares_changes_and_unknown_labels(in_order: dict) -> None:
    caps = in_order["final"]["fct_capability_daily"]
    for day, previous in ((DAY1, None), (DAY2, DAY1), (DAY3, DAY2)):
        got = caps[caps.activity_date == pd.Timestamp(day)].set_index("capability")
        shares = capability_shares(day)
        assert sorted(got.index) == sorted(shares.index)
        assert got.request_share.sum() == pytest.approx(1.0)
        raw = requests_frame(day)
        for capability, share in shares.items():
            row = got.loc[capability]
            assert row.request_share == pytest.approx(share, rel=1e-12)
            assert row.requests == (raw.capability == capability).sum()
            assert row.accounts == raw[raw.capability == capability].account_id.nunique()
            assert bool(row.is_known_capability) == (capability in CAPABILITIES)
            if previous is None:
                assert pd.isna(row.request_share_change)
            else:
                before = capability_shares(previous).get(capability, 0.0)
                assert row.previous_request_share == pytest.approx(before, rel=1e-12)
                change = pytest.approx(share - before, rel=1e-9, abs=1e-12)
                assert row.request_share_change == change
    unknown = caps[caps.capability == UNKNOWN_CAPABILITY]
    assert list(unknown.activity_date) == [pd.Timestamp(DAY2)]
    assert unknown.requests.tolist() == [7]
    assert unknown.is_known_capability.tolist() == [False]


def test_dimensions_take_the_latest_snapshot(in_order: dict) -> None:
    accounts = in_order["final"]["dim_accounts"].set_index("account_id")
    assert len(accounts) == 7
    assert accounts.loc["acct-0000", "organization_name"] == "Zero Labs"
    assert accounts.loc["acct-0000", "first_seen_date"] == pd.Timestamp(DAY1)
    assert accounts.loc["acct-0000", "last_seen_date"] == pd.Timestamp(DAY3)
    assert accounts.loc["acct-0000", "active_days"] == 3
    new = accounts.loc["acct-0006"]
    assert (new.first_seen_date, new.last_seen_date) == (pd.Timestamp(DAY2), pd.Timestamp(DAY2))
    assert pd.isna(new.first_active_date) and new.active_days == 0
    orgs = in_order["final"]["dim_organizations"].set_index("organization_id")
    assert orgs.loc["org-0000", "organization_name"] == "Zero Labs"
    assert orgs.loc["org-0000", "accounts"] == 2
    assert orgs.loc["org-0003", "accounts"] == 1


def test_quarantine_marts(in_order: dict) -> None:
    counts = in_order["final"]["fct_quarantine_daily"]
    assert set(counts.activity_date) == {pd.Timestamp(DAY1)}  # day 2 has no files, day 3 empty ones
    got = {
        (r.landing_file, r.source_file, r.rule, r.column_name): r.quarantined_rows
        for r in counts.itertuples()
    }
    assert got == {
        ("requests", "requests-00000.parquet", "non_negative", "input_tokens"): 1,
        ("requests", "requests-00000.parquet", "duplicate_key", "request_id"): 2,
        ("accounts", "accounts.parquet", "not_null", "organization_name"): 1,
    }
    kept = in_order["final"]["quarantined_requests"]
    assert len(kept) == 3
    assert sorted(kept.input_tokens) == [-5, 10, 10]
    assert set(kept.request_id) == {"q20260301-0000000", "q20260301-0000001", "q20260301-0000002"}


def test_mart_columns_have_reader_friendly_types(in_order: dict) -> None:
    """Counts and sums are BIGINT (never DuckDB's HUGEINT), shares DOUBLE (never FLOAT)."""
    with duckdb.connect(str(in_order["settings"].warehouse), read_only=True) as con:
        types = con.sql(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'main'"
        ).fetchall()
    odd = [(t, c, d) for t, c, d in types if d in ("HUGEINT", "FLOAT", "DECIMAL(38,0)")]
    assert odd == []
    typed = {(t, c): d for t, c, d in types}
    assert typed[("fct_account_daily", "ok_requests")] == "BIGINT"
    assert typed[("fct_account_daily", "capability_entropy_bits")] == "DOUBLE"
    assert typed[("fct_account_daily", "first_request_at")] == "TIMESTAMP WITH TIME ZONE"


def test_missing_landing_date_fails_before_dbt(landing: Path, tmp_path: Path) -> None:
    settings = settings_for(landing, tmp_path / "warehouse.duckdb")
    with pytest.raises(FileNotFoundError, match="2026-02-01"):
        run_dbt(settings, date(2026, 2, 1))
    assert not settings.warehouse.exists()


def test_rerunning_a_date_leaves_the_marts_identical(in_order: dict) -> None:
    assert_same_tables(in_order["after_two_days"], in_order["after_rerun"])


def test_backfill_order_gives_the_same_marts(in_order: dict, backfilled: dict) -> None:
    assert_same_tables(in_order["after_two_days"], backfilled["after_two_days"])
    assert_same_tables(in_order["final"], backfilled["final"])


def test_failing_test_raises_with_the_failing_nodes(landing: Path, backfilled: dict, tmp_path: Path) -> None:
    """A clean request off its date (validation missed it) fails the reconciliation test."""
    day = DAY3 + timedelta(days=1)
    requests = make_requests(20, day, seed=4)
    ts = requests.column("ts").to_pylist()
    ts[0] = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=1)
    requests = requests.set_column(
        requests.schema.get_field_index("ts"), "ts", pa.array(ts, REQUESTS_SCHEMA.field("ts").type)
    )
    write_day(landing, day, requests, make_accounts(6))
    with pytest.raises(DbtBuildError) as raised:
        build(backfilled["settings"], day)
    failing = raised.value.failing_nodes
    assert "test.distillwatch.assert_fct_account_daily_reconciles_with_staging" in failing
    assert "assert_fct_account_daily_reconciles_with_staging" in str(raised.value)
    # the days already loaded are untouched
    before = backfilled["final"]["fct_account_daily"]
    after = read_table(backfilled["settings"].warehouse, "fct_account_daily")
    untouched = after[after.activity_date != pd.Timestamp(day)].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, untouched)


# one mart figure off on DAY3 (the last built date), and the figure the test names
TAMPERED = {
    "thinking_tokens": "update fct_organization_daily set thinking_tokens = thinking_tokens + 1 "
    "where activity_date = '{day}' and organization_id = "
    "(select min(organization_id) from fct_organization_daily where activity_date = '{day}')",
    "request_share": "update fct_capability_daily set request_share = request_share * 0.9 "
    "where activity_date = '{day}'",
    "accounts_active": "update fct_organization_daily set accounts_active = accounts_active + 1 "
    "where activity_date = '{day}' and organization_id = "
    "(select min(organization_id) from fct_organization_daily where activity_date = '{day}')",
}


@pytest.mark.parametrize("figure", sorted(TAMPERED))
def test_marts_that_do_not_add_up_fail_the_build(in_order: dict, tmp_path: Path, figure: str) -> None:
    """Reconciliation is dbt's (the quality gate does not repeat it): a mart figure that does
    not add up fails `assert_daily_marts_agree_on_totals`, which names the figure."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(in_order["settings"].warehouse, warehouse)
    settings = settings_for(in_order["settings"].landing_dir, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(TAMPERED[figure].format(day=DAY3))
    with pytest.raises(DbtBuildError) as raised:
        build_models(settings, DAY3, ["assert_daily_marts_agree_on_totals"])
    assert "test.distillwatch.assert_daily_marts_agree_on_totals" in raised.value.failing_nodes
    compiled = dbt_target_path(settings) / "compiled" / "distillwatch" / "tests"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute((compiled / "assert_daily_marts_agree_on_totals.sql").read_text()).fetchall()
    assert [row[1] for row in rows] == [figure]


# a daily aggregate off on DAY3, and the check of the reconciliation test that names it
ACCESS_CHANNEL_ROW = (
    "where activity_date = '{day}' and account_id = (select min(account_id) "
    "from int_account_access_channel_daily where activity_date = '{day}')"
)
TAMPERED_AGGREGATE = {
    "requests and total tokens per account equal staging": "update int_account_access_channel_daily "
    "set requests = requests + 1 " + ACCESS_CHANNEL_ROW,
    "no null account_id or access_channel": "update int_account_access_channel_daily "
    "set access_channel = null " + ACCESS_CHANNEL_ROW,
}


@pytest.mark.parametrize("check", sorted(TAMPERED_AGGREGATE))
def test_daily_aggregates_that_do_not_add_up_fail_the_build(
    in_order: dict, tmp_path: Path, check: str
) -> None:
    """The daily aggregates carry no generic tests: one reconciliation test checks their sums
    and keys against staging, and names the aggregate and the check that failed."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(in_order["settings"].warehouse, warehouse)
    settings = settings_for(in_order["settings"].landing_dir, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(TAMPERED_AGGREGATE[check].format(day=DAY3))
    test = "assert_daily_aggregates_reconcile_with_staging"
    with pytest.raises(DbtBuildError) as raised:
        build_models(settings, DAY3, [test])
    assert f"test.distillwatch.{test}" in raised.value.failing_nodes
    compiled = dbt_target_path(settings) / "compiled" / "distillwatch" / "tests" / f"{test}.sql"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(compiled.read_text()).fetchall()
    assert [(row[0], row[1]) for row in rows] == [("int_account_access_channel_daily", check)]


def test_a_null_in_a_mart_key_fails_the_build_and_names_the_column(in_order: dict, tmp_path: Path) -> None:
    """The marts' not-null checks are one `not_null_columns` test per model (a dbt node each,
    not one per column); a failure still names the column and its null rows, which the
    quality alert shows (`DbtNodeFailure.column`)."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(in_order["settings"].warehouse, warehouse)
    settings = settings_for(in_order["settings"].landing_dir, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update fct_account_daily set organization_id = null where activity_date = ? and "
            "account_id in (select account_id from fct_account_daily where activity_date = ? "
            "order by account_id limit 2)",
            [DAY3, DAY3],
        )
    with pytest.raises(DbtBuildError) as raised:
        build_models(settings, DAY3, ["fct_account_daily,test_name:not_null_columns"])
    [failure] = raised.value.failures
    assert failure.test_name.startswith("not_null_columns_fct_account_daily")
    assert failure.column == "organization_id (2 null)"
    assert raised.value.failed_data_tests_only
