"""The same dbt project on DuckDB and on Apache Spark gives the same tables, row for row.

A two-day landing zone is written from `tests.factories`; `run_dbt` builds it on the DuckDB
target and on the `spark` target (Spark local mode inside this process, dbt-spark's session
method, `local[2]`, 2 shuffle partitions, UI off). Spark loads the days in the other order:
day 2 first (the run that creates every table), then day 1 as a backfill (insert_overwrite into
existing tables, fct_capability_daily rewriting day 2, every data test). Then day 1 is re-pulled
without its quarantine files and re-run on both engines: its quarantine rows must go on Spark as
on DuckDB (replace_dates semantics, macros/replace_dates.sql).

Every table the Spark target builds (seed, daily aggregates, marts) is read back (DuckDB
`read_only=True`; Spark through the same SparkSession dbt used) and compared: same columns,
same types (DuckDB TIMESTAMPTZ = Spark TIMESTAMP, both compared as UTC epoch microseconds),
same rows, floats to 1e-9 relative. DuckDB also reads Spark's table files directly, the
hand-off for detection, which is not built on Spark (docs/spark.md).

Needs Java 17+ and the `spark` extra (in `test`); skipped only when no Java runtime is found.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from factories import make_accounts, make_requests

from flows.contract import CAPABILITIES, REQUESTS_SCHEMA
from flows.quality import run_quality_gate
from flows.settings import Settings
from flows.spark_handoff import attach_spark_tables, build_on_duckdb_after_spark, duckdb_twin
from flows.targets import SPARK_EXCLUDE, allows_concurrent_writers, dbt_target
from flows.transform import dbt_target_path, run_dbt


def _java() -> str | None:
    """The java pyspark would start: $JAVA_HOME/bin/java, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


pytestmark = [
    pytest.mark.skipif(
        _java() is None,
        reason="no Java runtime (JAVA_HOME or java on PATH): Spark cannot start; "
        "`make setup` installs openjdk-17-jre-headless",
    ),
    # duckdb's DataFrame export still passes inplace= to pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop"),
    # pyspark 4.3 checks the pandas version on import; no pandas conversion is used here
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
]

DAY1, DAY2 = date(2026, 3, 1), date(2026, 3, 2)
REQUESTS_PER_DAY = 150
UNKNOWN_CAPABILITY = "jailbreak_research"
STATUSES = ("ok", "ok", "refused", "error", "rate_limited")
SPARK_SCHEMA = "distillwatch"  # profiles.yml default (DISTILLWATCH_SPARK_SCHEMA)
QUARANTINE_MARTS = "fct_quarantine_daily quarantined_requests"

# Every table the Spark target builds, with the columns that identify a row.
TABLES = {
    "fct_account_daily": ["activity_date", "account_id"],
    "fct_organization_daily": ["activity_date", "organization_id"],
    "fct_capability_daily": ["activity_date", "capability"],
    "dim_accounts": ["account_id"],
    "dim_organizations": ["organization_id"],
    "fct_quarantine_daily": ["activity_date", "landing_file", "source_file", "rule", "column_name"],
    "quarantined_requests": ["activity_date", "source_file", "rule", "request_id"],
    "int_account_template_daily": ["activity_date", "account_id", "prompt_template_hash"],
    "int_account_system_prompt_daily": ["activity_date", "account_id", "system_prompt_hash"],
    "int_account_ip_prefix_daily": ["activity_date", "account_id", "ip_prefix"],
    "int_account_hour_daily": ["activity_date", "account_id", "activity_hour"],
    "int_account_model_daily": ["activity_date", "account_id", "model"],
    "int_account_capability_daily": ["activity_date", "account_id", "capability"],
    "int_account_snapshots_daily": ["activity_date", "account_id"],
    "int_capability_daily": ["activity_date", "capability"],
    "capabilities": ["capability"],
}
# DuckDB type -> Spark type (simpleString) of the same column
SAME_TYPE = {
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


# --- landing zone ---------------------------------------------------------------------------


def day_requests(day: date) -> pa.Table:
    """Every status and network kind, tools, images, null system prompts, the day's first and
    last microsecond; day 2 has a capability outside the contract."""
    seed = day.toordinal()
    n = REQUESTS_PER_DAY
    rng = np.random.default_rng(seed)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    ts = sorted(start + timedelta(seconds=int(s)) for s in rng.integers(0, 86_400, n))
    ts[0], ts[-1] = start, start + timedelta(days=1) - timedelta(microseconds=1)
    capabilities = [CAPABILITIES[i] for i in rng.integers(0, len(CAPABILITIES), n)]
    if day == DAY2:
        capabilities[:5] = [UNKNOWN_CAPABILITY] * 5
    overrides = {
        "ts": ts,
        "capability": capabilities,
        "status": [STATUSES[i] for i in rng.integers(0, len(STATUSES), n)],
        "asn_type": [("isp", "isp", "proxy", "hosting")[i] for i in rng.integers(0, 4, n)],
        "image_count": rng.integers(0, 2, n).astype("int32").tolist(),
        "prompt_template_hash": [f"tpl-{t:03d}" for t in rng.integers(0, 30, n)],
        "system_prompt_hash": [None if x < 0.3 else f"sys-{int(x * 10)}" for x in rng.random(n)],
    }
    return make_requests(n, day, accounts=8, seed=seed, overrides=overrides)


def day_accounts(day: date) -> pa.Table:
    accounts = make_accounts(8)
    if day == DAY2:  # a new account of a new organization, without requests yet
        accounts = pa.concat_tables([accounts, make_accounts(10, created=DAY2).slice(8, 1)])
    return accounts


def quarantine_requests(day: date) -> pa.Table:
    """What validate writes: contract columns (integers as int64) + _source_file, _rule, _column."""
    bad = make_requests(3, day, id_prefix=f"q{day:%Y%m%d}")
    fields = [pa.field(f.name, pa.int64()) if pa.types.is_integer(f.type) else f for f in REQUESTS_SCHEMA]
    bad = bad.cast(pa.schema(fields))
    bad = bad.set_column(bad.schema.get_field_index("input_tokens"), "input_tokens", pa.array([-5, 10, 10]))
    return (
        bad.append_column("_source_file", pa.array(["requests-00000.parquet"] * 3))
        .append_column("_rule", pa.array(["non_negative", "duplicate_key", "duplicate_key"]))
        .append_column("_column", pa.array(["input_tokens", "request_id", "request_id"]))
    )


def quarantine_accounts() -> pa.Table:
    bad = make_accounts(1)
    return (
        bad.append_column("_source_file", pa.array(["accounts.parquet"]))
        .append_column("_rule", pa.array(["not_null"]))
        .append_column("_column", pa.array(["organization_name"]))
    )


def write_landing(root: Path) -> None:
    (root / "reference").mkdir(parents=True)
    (root / "reference" / "model_releases.csv").write_text(
        "model,released_at\nclaude-opus-4-5,2025-11-24T18:00:00Z\nclaude-sonnet-4-5,2025-09-29T17:00:00Z\n"
    )
    for day in (DAY1, DAY2):
        clean = root / f"date={day.isoformat()}" / "clean"
        clean.mkdir(parents=True)
        pq.write_table(day_requests(day), clean / "requests.parquet")
        pq.write_table(day_accounts(day), clean / "accounts.parquet")
    quarantine = root / f"date={DAY1.isoformat()}" / "quarantine"  # day 2 has none
    quarantine.mkdir()
    pq.write_table(quarantine_requests(DAY1), quarantine / "requests.parquet")
    pq.write_table(quarantine_accounts(), quarantine / "accounts.parquet")


# --- reading both warehouses ------------------------------------------------------------------


def read_duckdb(warehouse: Path) -> dict[str, tuple[dict[str, str], list[dict[str, Any]]]]:
    """{table: ({column: type}, rows)}; timestamps as UTC epoch microseconds."""
    tables = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in TABLES:
            types = dict(
                con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'main' and table_name = ? order by ordinal_position",
                    [name],
                ).fetchall()
            )
            select = ", ".join(
                f"epoch_us({c}) as {c}" if t.startswith("TIMESTAMP") else c for c, t in types.items()
            )
            cursor = con.execute(f"select {select} from main.{name}")
            columns = [d[0] for d in cursor.description]
            tables[name] = (types, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()])
    return tables


def read_spark(spark: Any) -> dict[str, tuple[dict[str, str], list[dict[str, Any]]]]:
    """{table: ({column: type}, rows)}; timestamps as UTC epoch microseconds."""
    tables = {}
    for name in TABLES:
        schema = spark.table(f"{SPARK_SCHEMA}.{name}").schema
        types = {f.name: f.dataType.simpleString() for f in schema.fields}
        select = ", ".join(f"unix_micros({c}) as {c}" if t == "timestamp" else c for c, t in types.items())
        rows = spark.sql(f"select {select} from {SPARK_SCHEMA}.{name}").collect()
        tables[name] = (types, [row.asDict() for row in rows])
    return tables


def read_spark_files(spark_dir: Path) -> dict[str, tuple[dict[str, str], list[dict[str, Any]]]]:
    """The Spark tables' Parquet files read by DuckDB (activity_date from the partition folders)."""
    tables = {}
    with duckdb.connect() as con:
        for name in TABLES:
            folder = spark_dir / "warehouse" / f"{SPARK_SCHEMA}.db" / name
            partitioned = any(folder.glob("activity_date=*"))
            files = sorted(folder.glob("*/*.parquet" if partitioned else "*.parquet"))
            if not files:  # a table without rows has no file
                tables[name] = ({}, [])
                continue
            relation = con.read_parquet([str(f) for f in files], hive_partitioning=partitioned)
            types = {c: str(t) for c, t in zip(relation.columns, relation.types, strict=True)}
            select = ", ".join(
                f"epoch_us({c}) as {c}" if t.startswith("TIMESTAMP") else c for c, t in types.items()
            )
            cursor = relation.query("t", f"select {select} from t")
            tables[name] = (types, [dict(zip(cursor.columns, row, strict=True)) for row in cursor.fetchall()])
    return tables


def _sort_key(row: dict[str, Any], columns: list[str]) -> tuple:
    return tuple((row[c] is None, "" if row[c] is None else row[c]) for c in columns)


def assert_same_tables(duck: dict, spark: dict, same_type: dict[str, str] = SAME_TYPE) -> None:
    problems: list[str] = []
    for name, keys in TABLES.items():
        duck_types, duck_rows = duck[name]
        spark_types, spark_rows = spark[name]
        if not duck_rows and not spark_rows:
            continue
        if set(duck_types) != set(spark_types):
            problems.append(f"{name}: columns {sorted(duck_types)} != {sorted(spark_types)}")
            continue
        for column, duck_type in duck_types.items():
            if same_type.get(duck_type) != spark_types[column]:
                problems.append(f"{name}.{column}: {duck_type} on DuckDB, {spark_types[column]} on Spark")
        if len(duck_rows) != len(spark_rows):
            problems.append(f"{name}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark")
            continue
        order = keys + sorted(set(duck_types) - set(keys))
        pairs = zip(
            sorted(duck_rows, key=lambda r: _sort_key(r, order)),
            sorted(spark_rows, key=lambda r: _sort_key(r, order)),
            strict=True,
        )
        for duck_row, spark_row in pairs:
            for column in order:
                if not _same(duck_row[column], spark_row[column]):
                    key = {k: duck_row[k] for k in keys}
                    problems.append(
                        f"{name} {key}: {column} = {duck_row[column]!r} on DuckDB, "
                        f"{spark_row[column]!r} on Spark"
                    )
    assert not problems, "DuckDB and Spark differ:\n" + "\n".join(problems[:40])


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is right
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return left == right and type(left) is type(right)


# --- the runs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("spark-equivalence")
    landing = root / "landing"
    write_landing(landing)
    duck = Settings(landing_dir=landing, warehouse=root / "warehouse.duckdb", dbt_target="duckdb")
    spark_settings = Settings(
        landing_dir=landing,
        warehouse=root / "unused.duckdb",
        dbt_target="spark",
        spark_dir=root / "spark",
    )
    timings: dict[str, float] = {}
    spark = None
    patch = pytest.MonkeyPatch()
    # a short-lived JVM on two shared cores: the quick C1 JIT and serial GC start it ~30% faster
    patch.setenv("DISTILLWATCH_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    try:
        started = time.monotonic()
        # DuckDB builds the same nodes as the Spark target (no detection, no unit tests)
        for day in (DAY1, DAY2):
            run_dbt(duck, day, exclude=" ".join(SPARK_EXCLUDE))
        timings["duckdb"] = time.monotonic() - started

        started = time.monotonic()
        # Day 2 first, without data tests (they pass on DuckDB, and the tables are compared
        # below; each costs Spark a job): the run that creates every table. Day 1 next, with
        # every data test: the incremental run into existing tables.
        spark_summaries = [
            run_dbt(spark_settings, DAY2, exclude="resource_type:test"),
            run_dbt(spark_settings, DAY1),
        ]
        timings["spark"] = time.monotonic() - started

        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        both_days = (read_duckdb(duck.warehouse), read_spark(spark))

        # Day 1 re-pulled, now without bad rows: its quarantine rows go on both engines.
        # (Only the quarantine marts: the other models were re-run into existing tables above.)
        shutil.rmtree(landing / f"date={DAY1.isoformat()}" / "quarantine")
        started = time.monotonic()
        run_dbt(duck, DAY1, select=QUARANTINE_MARTS, exclude=" ".join(SPARK_EXCLUDE))
        run_dbt(spark_settings, DAY1, select=QUARANTINE_MARTS)
        timings["re-run of day 1, both"] = time.monotonic() - started
        after_rerun = (read_duckdb(duck.warehouse), read_spark(spark))

        # The hand-off: a DuckDB file over Spark's tables, where staging and detection are
        # built on the DuckDB target and the quality gate runs, as the nightly flow does.
        started = time.monotonic()
        handoff = build_on_duckdb_after_spark(spark_settings, DAY1)
        gate = run_quality_gate(spark_settings.warehouse.resolve(), DAY1)
        timings["hand-off + detection on DuckDB"] = time.monotonic() - started

        print("\ndbt timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
        yield {
            "duck": duck,
            "spark_settings": spark_settings,
            "spark_summaries": spark_summaries,
            "both_days": both_days,
            "after_rerun": after_rerun,
            "handoff": handoff,
            "handoff_gate": gate,
            "handoff_tables": read_duckdb(spark_settings.warehouse),
        }
    finally:
        patch.undo()
        if spark is not None:
            spark.stop()
        for settings in (duck, spark_settings, duckdb_twin(spark_settings)):
            shutil.rmtree(dbt_target_path(settings), ignore_errors=True)


def test_spark_target_is_local_spark_without_concurrent_writers(built: dict) -> None:
    target = dbt_target(built["spark_settings"])
    assert (target.type, target.method) == ("spark", "session")
    assert not allows_concurrent_writers(built["spark_settings"])
    assert not allows_concurrent_writers(built["duck"])


def test_spark_builds_and_tests_every_non_detection_model(built: dict) -> None:
    backfill = built["spark_summaries"][1]
    assert backfill.models_passed == 17  # 9 daily aggregates + 8 marts (staging is ephemeral)
    assert backfill.seeds_passed == 1
    assert backfill.data_tests_passed >= 30  # keys, relationships, values; one not_null_columns a model
    assert backfill.unit_tests_passed == 0
    assert backfill.target_path.name.startswith("spark-")


def test_marts_are_the_same_on_duckdb_and_spark(built: dict) -> None:
    duck, spark = built["both_days"]
    assert_same_tables(duck, spark)
    # the comparison is not vacuous
    rows = {name: len(duck[name][1]) for name in TABLES}
    assert rows["fct_account_daily"] == 16  # 8 accounts x 2 days
    assert rows["dim_accounts"] == 9
    assert rows["fct_quarantine_daily"] == 3
    assert {r["capability"] for r in duck["fct_capability_daily"][1]} >= {UNKNOWN_CAPABILITY}


def test_a_rerun_without_rows_for_the_date_replaces_it_on_spark_too(built: dict) -> None:
    duck, spark = built["after_rerun"]
    assert_same_tables(duck, spark)
    assert spark["fct_quarantine_daily"][1] == []
    assert spark["quarantined_requests"][1] == []


def test_duckdb_reads_the_spark_tables_files_as_the_same_marts(built: dict) -> None:
    """The hand-off for detection (docs/spark.md): DuckDB reads Spark's Parquet files as they
    are, with the types of its own build."""
    duck, _ = built["after_rerun"]
    files = read_spark_files(built["spark_settings"].spark_dir)
    assert_same_tables(duck, files, same_type={t: t for t in SAME_TYPE})


def test_the_nightly_hand_off_reads_spark_tables_in_duckdb_and_runs_detection_and_the_gate(
    built: dict, tmp_path: Path
) -> None:
    """On a Spark target the flow hands the marts to DuckDB (flows/spark_handoff.py): views over
    Spark's files (tables without a file built empty), staging and detection built there, the
    quality gate passing on them."""
    duck, _ = built["after_rerun"]
    assert_same_tables(duck, built["handoff_tables"], same_type={t: t for t in SAME_TYPE})
    handoff = built["handoff"]
    assert handoff.models_passed >= 20 and handoff.seeds_passed == 3  # staging + detection
    assert built["handoff_gate"].passed, built["handoff_gate"].critical_failures
    with duckdb.connect(str(built["spark_settings"].warehouse), read_only=True) as con:
        kinds = dict(
            con.execute(
                "select table_name, table_type from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        )
    assert kinds["fct_account_daily"] == "VIEW" and kinds["dim_accounts"] == "VIEW"
    # the quarantine marts lost every row in the re-run: no file, so built empty on DuckDB
    assert kinds["fct_quarantine_daily"] == kinds["quarantined_requests"] == "BASE TABLE"
    assert kinds["fct_campaigns"] == "BASE TABLE"  # detection ran
    # Attaching again (the next night) keeps the empty stand-ins until files appear.
    again = attach_spark_tables(built["spark_settings"])
    assert again.missing == () and "fct_account_daily" in again.views
