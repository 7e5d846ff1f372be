"""Run the dbt project (`dbt_project/`) for one date: `dbt build` of seeds, models, data tests
and unit tests, in dependency order.

dbt runs in-process through plain `dbtRunner`. Inside a Prefect flow or task run, each node's
result line (model, seed, test: status and time) goes to the run's log and one table artifact,
`dbt-<command>-nodes`, lists every node with its status and time: per-model visibility in the
Prefect UI without a Prefect task run per node. (prefect-dbt's `PrefectDbtRunner` made each of
the ~205 nodes, 157 of them data tests, a task run: about 35 s of API round trips on a tiny day
against 25 s of dbt work; docs/benchmark.md, "The floor: a tiny day".)

Everything dbt needs comes from `Settings`: the warehouse file and the landing zone are passed
as absolute paths in `DISTILLWATCH_WAREHOUSE` / `DISTILLWATCH_LANDING_DIR` (read by
`profiles.yml` and the sources), the window as a dbt var, the date in `DISTILLWATCH_RUN_DATE`
(var `run_date` is a fixed placeholder, so dbt re-uses its parse from one night to the next:
`RUN_DATE_PLACEHOLDER`). dbt's artifacts and logs go
to `dbt_project/target/<warehouse>-<hash>/` (git-ignored): one folder per warehouse, so runs
against different warehouses (tests, backfills into a scratch file) never share a manifest.

`Settings.dbt_target` picks the profile output, passed as `--target` (`flows.targets`). On a
Spark target (`DISTILLWATCH_DBT_TARGET=spark`) the build is the `spark` selector (everything
but detection and unit tests), `DISTILLWATCH_SPARK_DIR` is the local Spark's folder, and the
artifacts go to `dbt_project/target/<target>-<hash>/`. The local Spark (session method) starts
inside this process on the first run and stays up for the next ones (docs/spark.md).

One dbt invocation at a time per process: dbt keeps global state. Writers of one warehouse are
serialized by `flows.locking.warehouse_writer` (the caller holds it).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flows.settings import DBT_PROJECT_DIR, Settings
from flows.targets import SPARK_EXCLUDE, SPARK_SELECTOR, dbt_target

# dbt's own telemetry stays off whatever the caller's environment says.
_DBT_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}
# The generic test that checks several columns for nulls at once (tests/generic/).
NOT_NULL_COLUMNS = "not_null_columns"
# Data tests tagged so (dbt_project.yml `data_tests:`) run in the test suite, not nightly.
SUITE_ONLY_TAG = "suite_only"
_FAILED = {"error", "fail", "runtime error"}
_PASSED = {"success", "pass"}


@dataclass(frozen=True)
class DbtNodeFailure:
    """One dbt node that did not succeed."""

    unique_id: str
    resource_type: str
    status: str
    message: str
    column: str = ""  # the column a generic data test checks, if any

    def __str__(self) -> str:
        return f"{self.resource_type} {self.unique_id} {self.status}: {self.message}"

    @property
    def test_name(self) -> str:
        """`not_null_fct_account_daily_account_id` of `test.distillwatch.not_null_….<hash>`."""
        parts = self.unique_id.split(".")
        return parts[2] if len(parts) >= 3 else self.unique_id


class DbtBuildError(RuntimeError):
    """dbt failed: a node errored or a test failed, or dbt could not run at all (parse error).

    `summary` counts what did pass when dbt ran to the end (None when it could not run)."""

    def __init__(
        self,
        message: str,
        failures: tuple[DbtNodeFailure, ...] = (),
        summary: DbtRunSummary | None = None,
    ) -> None:
        self.failures = failures
        self.summary = summary
        detail = "".join(f"\n  - {f}" for f in failures)
        super().__init__(message + detail)

    @property
    def failing_nodes(self) -> tuple[str, ...]:
        return tuple(f.unique_id for f in self.failures)

    @property
    def failed_data_tests_only(self) -> bool:
        """dbt ran and only data tests failed: the data is suspect, the pipeline is not (the
        caller treats these like failed critical expectations of the quality gate)."""
        return (
            self.summary is not None
            and bool(self.failures)
            and all(f.resource_type == "test" and f.status == "fail" for f in self.failures)
        )


@dataclass(frozen=True)
class DbtRunSummary:
    """Counts of what one dbt invocation did (warnings count as passed, and separately)."""

    run_date: date | None
    command: str
    models_passed: int
    seeds_passed: int
    data_tests_passed: int
    unit_tests_passed: int
    warnings: int
    skipped: int
    elapsed_s: float
    target_path: Path

    @property
    def tests_passed(self) -> int:
        """Data tests and unit tests that passed (or warned)."""
        return self.data_tests_passed + self.unit_tests_passed

    @property
    def nodes(self) -> int:
        """Nodes built or tested successfully."""
        return self.models_passed + self.seeds_passed + self.tests_passed


def dbt_target_path(settings: Settings) -> Path:
    """dbt manifest, run results and logs for this warehouse: dbt_project/target/<name>-<hash>.

    DuckDB: named after the warehouse file. Spark: after the target and its local folder.
    """
    target = dbt_target(settings)
    if target.is_spark:
        key = f"{target.name}:{settings.spark_dir.resolve()}"
        digest = hashlib.sha1(key.encode()).hexdigest()[:10]
        return DBT_PROJECT_DIR / "target" / f"{target.name}-{digest}"
    warehouse = settings.warehouse.resolve()
    digest = hashlib.sha1(str(warehouse).encode()).hexdigest()[:10]
    return DBT_PROJECT_DIR / "target" / f"{warehouse.stem}-{digest}"


def run_dbt(
    settings: Settings,
    run_date: date,
    *,
    select: str | None = None,
    exclude: str | None = None,
    suite_tests: bool | None = None,
) -> DbtRunSummary:
    """`dbt build` for one date: seeds, models and data tests (and unit tests), in DAG order.

    Reads `<landing_dir>/date=<run_date>/clean|quarantine/*.parquet`, replaces that date in the
    incremental models, rebuilds the dimensions and runs every data test of the selected
    nodes. `select` / `exclude` take dbt selection syntax.
    The test suite's tests are left out of the whole-project build the nightly runs (no
    `select`): unit tests (model logic on fixed fixtures, not the day's data) and the data tests
    tagged `suite_only` (detection's intermediate models: dbt_project.yml, README "What runs
    every night"), ~100 nodes, seconds a night (docs/benchmark.md). `suite_tests=True` runs
    them; with `select` they come with the selected models unless `suite_tests=False`.
    On a Spark target, detection and unit tests are always left out (`flows.targets`).
    Raises `DbtBuildError` listing the failing nodes when anything fails, `FileNotFoundError`
    when the date's clean requests are not in the landing zone.
    """
    day_dir = settings.landing_dir.resolve() / f"date={run_date.isoformat()}"
    clean = day_dir / "clean" / "requests.parquet"
    if not clean.is_file():
        raise FileNotFoundError(f"no clean requests for {run_date.isoformat()}: {clean} (validate writes it)")
    args = ["build", *_common_args(settings), "--vars", _vars(settings)]
    if suite_tests is None:
        suite_tests = select is not None
    if not suite_tests:
        args += ["--exclude-resource-type", "unit_test"]
        if not dbt_target(settings).is_spark:  # Spark leaves out detection, where they are
            exclude = " ".join([*([exclude] if exclude else []), f"tag:{SUITE_ONLY_TAG}"])
    return _invoke(settings, args + _selection_args(settings, select, exclude), run_date)


def _selection_args(settings: Settings, select: str | None, exclude: str | None) -> list[str]:
    """--select/--exclude as given; Spark targets add their exclusions (or use their selector)."""
    args: list[str] = []
    if dbt_target(settings).is_spark:
        if not select and not exclude:
            return ["--selector", SPARK_SELECTOR]
        exclude = " ".join([*([exclude] if exclude else []), *SPARK_EXCLUDE])
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    return args


def build_empty(settings: Settings, run_date: date, models: list[str]) -> DbtRunSummary:
    """`dbt run --empty` of `models`: tables with their columns and types and no rows."""
    args = [
        "run",
        *_common_args(settings),
        "--vars",
        _vars(settings),
        "--empty",
        "--select",
        " ".join(models),
    ]
    return _invoke(settings, args, run_date)


def build_models(settings: Settings, run_date: date, models: list[str]) -> DbtRunSummary:
    """`dbt build` of `models` alone (with their data tests) for `run_date`, over whatever
    relations their refs name in the warehouse: no landing zone is read."""
    args = ["build", *_common_args(settings), "--vars", _vars(settings), "--select", " ".join(models)]
    return _invoke(settings, args, run_date)


def parse_dbt(settings: Settings) -> Path:
    """`dbt parse` for the settings' target (nothing runs); returns the manifest it wrote."""
    target_path = dbt_target_path(settings)
    target_path.mkdir(parents=True, exist_ok=True)
    with _dbt_environment(settings, None):
        result = _invoke_plain(["parse", *_common_args(settings), "--vars", _vars(settings)], target_path)
    if not result.success:
        raise DbtBuildError(f"dbt parse failed: {result.exception}")
    return target_path / "manifest.json"


def seed_dbt(settings: Settings) -> DbtRunSummary:
    """`dbt seed`: load the reference seeds (capabilities) without building anything else.

    `run_dbt` builds the seeds too; this is for a warehouse that only needs them, or before a
    `run_dbt(select=...)` on a fresh warehouse.
    """
    args = ["seed", *_common_args(settings), "--vars", _vars(settings)]
    if dbt_target(settings).is_spark:
        args += ["--exclude", *SPARK_EXCLUDE]
    return _invoke(settings, args, None)


# dbt re-parses the whole project when a --vars value changes (4-5 s a run on two cores), so
# var run_date is this fixed placeholder and the date itself goes in DISTILLWATCH_RUN_DATE, read
# when nodes run (dbt_project/macros/run_date.sql): night after night dbt re-uses its parse.
RUN_DATE_PLACEHOLDER = "__distillwatch_run_date__"


def _vars(settings: Settings) -> str:
    return json.dumps({"run_date": RUN_DATE_PLACEHOLDER, "window_days": settings.window_days})


def _common_args(settings: Settings) -> list[str]:
    target_path = dbt_target_path(settings)
    return [
        "--target",
        settings.dbt_target,
        "--log-path",
        str(target_path / "logs"),
        "--log-level-file",
        settings.dbt_log_level_file,
        "--no-use-colors",
    ]


def _invoke(settings: Settings, args: list[str], run_date: date | None) -> DbtRunSummary:
    target_path = dbt_target_path(settings)
    target_path.mkdir(parents=True, exist_ok=True)
    if dbt_target(settings).is_local_spark:
        # the JVM's temporary folder must exist before Spark starts (profiles.yml)
        (settings.spark_dir.resolve() / "tmp").mkdir(parents=True, exist_ok=True)
    else:
        settings.warehouse.resolve().parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with _dbt_environment(settings, run_date):
        try:
            in_prefect = _in_prefect_run()
            # dbt writes manifest.json twice a run (~2 s on two cores, before the first node
            # and after the last); nothing reads it after a build, so only run_results.json is
            # written, from the result (`dbt parse` still writes the manifest: parse_dbt).
            result = _invoke_plain([*args, "--no-write-json"], target_path, log_nodes=in_prefect)
        finally:
            release_duckdb()
    if result.result is not None and hasattr(result.result, "write"):
        result.result.write(str(target_path / "run_results.json"))
    if in_prefect:
        _publish_node_table(result, args[0], run_date)
    warehouse = None if dbt_target(settings).is_spark else settings.warehouse.resolve()
    return _summarize(result, args[0], run_date, time.monotonic() - started, target_path, warehouse)


def release_duckdb() -> None:
    """Close the DuckDB database that dbt-duckdb keeps open in this process after a run.

    dbt runs in-process (so each node is a Prefect task); its adapter caches one DuckDB
    instance per process. Left open, it blocks the read-only connections of the quality gate
    and the reports ("different configuration than existing connections"), and it would hold
    the file lock against the next run in another process.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        # dbt-duckdb declares `_ENV = None` on the class (so a checker takes it for always None)
        environment: Any = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
            DuckDBConnectionManager._ENV = None


def _in_prefect_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


# dbt events whose message is one node's outcome ("12 of 205 PASS not_null_… [PASS in 0.07s]")
# or the run's totals: what the Prefect run log shows of dbt.
_NODE_EVENTS = {
    "LogModelResult",
    "LogTestResult",
    "LogSeedResult",
    "LogSnapshotResult",
    "LogNodeResult",
    "LogNodeNoOpResult",
    "SkippingDetails",
    "RunResultError",
    "RunResultFailure",
    "EndOfRunSummary",
    "StatsLine",
    "FoundStats",
}


def _prefect_log_callback() -> Any:
    """A dbt callback that sends each node's result line to the Prefect run's log."""
    import logging

    from prefect import get_run_logger

    logger = get_run_logger()
    levels = {"warn": logging.WARNING, "error": logging.ERROR}

    def forward(event: Any) -> None:
        if event.info.name in _NODE_EVENTS and event.info.msg:
            logger.log(levels.get(event.info.level, logging.INFO), event.info.msg)

    return forward


def _invoke_plain(args: list[str], target_path: Path, *, log_nodes: bool = False) -> Any:
    from dbt.cli.main import dbtRunner

    callbacks = [_prefect_log_callback()] if log_nodes else []
    return dbtRunner(callbacks=callbacks).invoke(
        [
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target_path),
        ]
    )


def _publish_node_table(result: Any, command: str, run_date: date | None) -> None:
    """One Prefect table artifact: every dbt node of this invocation, status and seconds."""
    if result.result is None or not hasattr(result.result, "results"):
        return
    from prefect.artifacts import create_table_artifact

    rows = [
        {
            "node": node_result.node.unique_id,
            "type": str(node_result.node.resource_type),
            "status": str(node_result.status),
            "seconds": round(float(node_result.execution_time or 0.0), 3),
            "message": str(node_result.message or "")[:200],
        }
        for node_result in result.result.results
    ]
    where = f" for {run_date.isoformat()}" if run_date else ""
    create_table_artifact(
        key=f"dbt-{command}-nodes",
        table=rows,
        description=f"dbt {command}{where}: {len(rows)} nodes, status and time of each",
    )


@contextmanager
def _dbt_environment(settings: Settings, run_date: date | None) -> Iterator[None]:
    """Run date, absolute warehouse, landing and Spark paths (telemetry off), for the invocation only."""
    wanted = {
        "DISTILLWATCH_RUN_DATE": run_date.isoformat() if run_date else "",
        "DISTILLWATCH_WAREHOUSE": str(settings.warehouse.resolve()),
        "DISTILLWATCH_LANDING_DIR": str(settings.landing_dir.resolve()),
        "DISTILLWATCH_SPARK_DIR": str(settings.spark_dir.resolve()),
        "DISTILLWATCH_SPARK_SCHEMA": settings.spark_schema,
        "DISTILLWATCH_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        **_DBT_ENV,
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _summarize(
    result: Any,
    command: str,
    run_date: date | None,
    elapsed_s: float,
    target_path: Path,
    warehouse: Path | None = None,
) -> DbtRunSummary:
    if result.exception is not None or result.result is None:
        raise DbtBuildError(f"dbt {command} did not run: {result.exception}")
    counts = {"model": 0, "seed": 0, "test": 0, "unit_test": 0}
    warnings = skipped = 0
    failures: list[DbtNodeFailure] = []
    for node_result in result.result.results:
        node = node_result.node
        status = str(node_result.status)
        resource_type = str(node.resource_type)
        if status in _FAILED:
            failures.append(
                DbtNodeFailure(
                    node.unique_id,
                    resource_type,
                    status,
                    str(node_result.message or ""),
                    _checked_column(node, status, warehouse),
                )
            )
        elif status == "skipped":
            skipped += 1
        elif status in _PASSED or status == "warn":
            warnings += status == "warn"
            if resource_type in counts:
                counts[resource_type] += 1
    summary = DbtRunSummary(
        run_date=run_date,
        command=command,
        models_passed=counts["model"],
        seeds_passed=counts["seed"],
        data_tests_passed=counts["test"],
        unit_tests_passed=counts["unit_test"],
        warnings=warnings,
        skipped=skipped,
        elapsed_s=round(elapsed_s, 3),
        target_path=target_path,
    )
    if failures or not result.success:
        where = f" for {run_date.isoformat()}" if run_date else ""
        raise DbtBuildError(
            f"dbt {command}{where} failed: {len(failures)} node(s) failed, {skipped} skipped",
            tuple(failures),
            summary,
        )
    return summary


def _checked_column(node: Any, status: str, warehouse: Path | None) -> str:
    """The column a failing generic data test checks; for `not_null_columns` (one test over
    several columns) the columns that have nulls, with their null rows, read back from the
    test's own compiled query (read-only, DuckDB only: on Spark the test name alone)."""
    column = str(getattr(node, "column_name", None) or "")
    metadata = getattr(node, "test_metadata", None)
    if column or status != "fail" or warehouse is None or getattr(metadata, "name", "") != NOT_NULL_COLUMNS:
        return column
    import duckdb

    from flows.reader import connect_read_only

    try:
        with connect_read_only(warehouse) as connection:
            rows = connection.execute(str(node.compiled_code)).fetchall()
    except duckdb.Error:
        return ""  # the failure itself is reported either way; this only names its columns
    return ", ".join(f"{name} ({nulls} null)" for name, nulls in rows)
