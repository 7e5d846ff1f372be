"""Quality gate: the GX Core suites in ``expectations/`` run over one date of the marts.

``run_quality_gate(warehouse, run_date)`` reads each suite's table from DuckDB (the run date's
rows of a daily mart, the whole of a dimension) into a pandas DataFrame and validates it with
GX Core. GX's SQL data source fails on DuckDB, and the marts are aggregates (account × day at
most), so a DataFrame of one date is small. The trailing-days volume baseline is computed in
SQL and passed to the suites as ``$PARAMETER`` values.

The gate guards publishing: freshness and presence, value ranges and business rules, known
labels and volume against the baseline. Build integrity (keys, not-null, relationships,
reconciliation with staging) is dbt's (its data tests, which stop the build); a failed dbt data
test joins the gate's result as a failed critical check (``flows.pipeline.with_dbt_test_failures``)
so both end in the same data-quality alert. A suite cannot hold a check kind dbt owns
(``DBT_OWNED_CHECKS``); expectations/README.md has the split.

Each expectation carries ``meta.severity``: a failed ``critical`` expectation fails the gate,
a failed ``warning`` is reported only. ``meta.check`` names what kind of check it is.
An expectation whose parameter cannot be computed is skipped (``success`` None): volume with
too few trailing days.

GX runs in an ephemeral context with progress bars, analytics and Data Docs off, so nothing is
written to disk and nothing is fetched from the network. Prefect is not used here; the flow
turns a ``GateResult`` into a table artifact with ``rows()``.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import duckdb

from flows.contract import CAPABILITIES
from flows.reader import Catalog, connect_read_only
from flows.settings import EXPECTATIONS_DIR
from flows.sql import quote_identifier

if TYPE_CHECKING:  # GX (~2.5 s) and pandas (~0.5 s) to import: only the gate itself pays for them
    import pandas as pd
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext

SEVERITIES: tuple[str, ...] = ("critical", "warning")
# Kinds of check a suite may hold, in the order a reader wants them: is the data there, are
# values sane, then the softer signals.
CHECKS: tuple[str, ...] = (
    "presence",
    "freshness",
    "completeness",
    "range",
    "known_values",
    "volume",
)
# What dbt's data tests own (build integrity): a suite naming one of these is refused, so no
# check lives in both places.
DBT_OWNED_CHECKS: tuple[str, ...] = ("uniqueness", "reconciliation", "relationships")
# Volume baseline: daily totals of fct_account_daily over the days before the run date.
VOLUME_TABLE = "fct_account_daily"
VOLUME_TRAILING_DAYS = 7
VOLUME_MIN_TRAILING_DAYS = 3
OBSERVED_MAX_CHARS = 300

_RESULT_FORMAT: Final = "BASIC"  # counts plus up to 20 sample values: enough to name the bad rows
_PARAMETER_NAME = re.compile(r"\b([A-Za-z_]\w*)\b(?!\s*\()")  # identifiers, not function calls


class SuiteDefinitionError(ValueError):
    """A suite file in expectations/ is malformed: a config bug, not a data problem."""


# --- suite files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuiteFile:
    """One expectations/*.json file: a GX suite plus which table (and date column) it reads."""

    name: str
    table: str
    date_column: str | None  # None: the table is not dated and is validated whole
    expectations: tuple[dict[str, Any], ...]  # GX expectation configurations, as in the file


def load_suite_files(directory: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    """Read and check every suite file (sorted by name) without importing GX."""
    files = sorted(directory.glob("*.json"))
    if not files:
        raise SuiteDefinitionError(f"no suite files (*.json) in {directory}")
    return [_load_suite_file(path) for path in files]


def _load_suite_file(path: Path) -> SuiteFile:
    try:
        raw = json.loads(path.read_text())
        name = str(raw["name"])
        meta = raw["meta"]
        table = str(meta["table"])
        expectations = tuple(raw["expectations"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SuiteDefinitionError(f"{path.name}: not a suite file ({exc!r})") from exc
    date_column = meta.get("date_column")
    for i, expectation in enumerate(expectations):
        if not isinstance(expectation, dict) or "type" not in expectation:
            raise SuiteDefinitionError(f"{path.name}: expectation {i} is not a GX configuration")
        exp_meta = expectation.get("meta") or {}
        where = f"{path.name}: expectation {i} ({expectation.get('type')})"
        if exp_meta.get("severity") not in SEVERITIES:
            raise SuiteDefinitionError(f"{where}: meta.severity must be one of {SEVERITIES}")
        if exp_meta.get("check") in DBT_OWNED_CHECKS:
            raise SuiteDefinitionError(
                f"{where}: {exp_meta['check']} is a dbt data test's job (build integrity), not the gate's"
            )
        if exp_meta.get("check") not in CHECKS:
            raise SuiteDefinitionError(f"{where}: meta.check must be one of {CHECKS}")
    return SuiteFile(name, table, str(date_column) if date_column else None, expectations)


def referenced_parameters(expectation: Mapping[str, Any]) -> set[str]:
    """Names used by the expectation's ``{"$PARAMETER": "expression"}`` kwargs."""
    names: set[str] = set()
    for value in (expectation.get("kwargs") or {}).values():
        if isinstance(value, Mapping) and "$PARAMETER" in value:
            names |= set(_PARAMETER_NAME.findall(str(value["$PARAMETER"])))
    return names


# --- parameters computed in DuckDB -------------------------------------------------------------


@dataclass(frozen=True)
class Unavailable:
    """A parameter that could not be computed: expectations using it are skipped, saying why."""

    reason: str


def gate_parameters(con: duckdb.DuckDBPyConnection, run_date: date) -> dict[str, Any]:
    """Every ``$PARAMETER`` the suites may use, for one run date."""
    params: dict[str, Any] = {"known_capabilities": list(CAPABILITIES)}
    params.update(volume_baseline(con, run_date))
    return params


def volume_baseline(con: duckdb.DuckDBPyConnection, run_date: date) -> dict[str, Any]:
    """Median daily requests and active accounts over the trailing days, from the mart itself.

    Reading daily totals of the mart (not staging) is what makes a backfill work: staging only
    ever holds the run date. Days with no rows at all are not counted as trailing days.
    """
    sql = f"""
        with days as (
            select activity_date, sum(requests) as requests, count(*) as accounts
            from {VOLUME_TABLE}
            where activity_date >= ? and activity_date < ?
            group by activity_date
        )
        select count(*), median(requests), median(accounts) from days
    """
    start = run_date - timedelta(days=VOLUME_TRAILING_DAYS)
    try:
        row = con.execute(sql, [start, run_date]).fetchone()
    except duckdb.Error as exc:
        reason = f"{VOLUME_TABLE} unreadable: {_first_line(str(exc))}"
        return dict.fromkeys(("trailing_median_requests", "trailing_median_accounts"), Unavailable(reason))
    assert row is not None
    days, median_requests, median_accounts = row
    if days < VOLUME_MIN_TRAILING_DAYS:
        reason = (
            f"{days} of the {VOLUME_TRAILING_DAYS} trailing days have data, {VOLUME_MIN_TRAILING_DAYS} needed"
        )
        return dict.fromkeys(("trailing_median_requests", "trailing_median_accounts"), Unavailable(reason))
    return {
        "trailing_median_requests": float(median_requests),
        "trailing_median_accounts": float(median_accounts),
    }


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one expectation on one suite's data."""

    suite: str
    expectation: str  # GX expectation type, e.g. expect_column_sum_to_be_between
    check: str  # meta.check, e.g. reconciliation
    column: str  # column(s) it looks at; "" for a table-level expectation
    severity: str  # critical | warning
    success: bool | None  # None: skipped (not enough data to judge)
    observed: str
    expected: str

    def line(self) -> str:
        """One line naming suite, expectation, column and observed value (alerts, logs)."""
        target = f"column {self.column}" if self.column else "table"
        return (
            f"{self.suite}: {self.expectation} ({self.check}) on {target}: "
            f"observed {self.observed}; expected {self.expected}"
        )


@dataclass(frozen=True)
class GateResult:
    """All expectation outcomes of one gate run; ``passed`` means no critical failure."""

    run_date: date
    checks: tuple[CheckResult, ...]
    seconds: float

    @property
    def passed(self) -> bool:
        return not any(c.severity == "critical" and c.success is False for c in self.checks)

    @property
    def critical_failures(self) -> list[str]:
        return [c.line() for c in self.checks if c.severity == "critical" and c.success is False]

    @property
    def warnings(self) -> list[str]:
        return [c.line() for c in self.checks if c.severity == "warning" and c.success is False]

    @property
    def evaluated(self) -> int:
        return sum(1 for c in self.checks if c.success is not None)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per expectation, for a Prefect table artifact."""
        return [
            {
                "suite": c.suite,
                "expectation": c.expectation,
                "check": c.check,
                "column": c.column,
                "severity": c.severity,
                "success": c.success,
                "observed": c.observed,
                "expected": c.expected,
            }
            for c in self.checks
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (what the digest report reads)."""
        return {
            "run_date": self.run_date.isoformat(),
            "passed": self.passed,
            "evaluated": self.evaluated,
            "seconds": round(self.seconds, 3),
            "critical_failures": self.critical_failures,
            "warnings": self.warnings,
            "checks": self.rows(),
        }


# --- the gate ----------------------------------------------------------------------------------


def run_quality_gate(
    warehouse: Path, run_date: date, *, expectations_dir: Path = EXPECTATIONS_DIR
) -> GateResult:
    """Validate the marts of ``run_date`` in the DuckDB file ``warehouse`` against every suite."""
    started = time.perf_counter()
    suites = load_suite_files(expectations_dir)
    context = _ephemeral_context()
    checks: list[CheckResult] = []
    with connect_read_only(warehouse) as con:
        params = gate_parameters(con, run_date)
        # only the schema unqualified names resolve to
        tables = Catalog(con, current_schema_only=True)
        for suite in suites:
            if suite.table not in tables:
                checks.append(_missing_table(suite))
                continue
            frame = _read_frame(con, tables, suite, run_date)
            checks.extend(_run_suite(context, suite, frame, params))
    seconds = time.perf_counter() - started
    return GateResult(run_date=run_date, checks=tuple(checks), seconds=seconds)


def import_gx() -> None:
    """Import GX, without pyspark unless this process has imported it already (a Spark target).

    GX imports pyspark when it is installed, for Spark data sources the gate does not use. In
    the warm server of `flows.workers` (a `python -c` process) that import exits the process:
    pyspark takes a `__main__` without a file for its own doctests and, lacking grpc, calls
    `sys.exit`. GX works without pyspark (its stand-ins report "not installed"), so pyspark is
    hidden while GX loads and visible again afterwards.
    """
    if "great_expectations" in sys.modules or "pyspark" in sys.modules:
        import great_expectations

        return
    sys.modules["pyspark"] = None  # type: ignore[assignment]  # `import pyspark` raises ImportError
    try:
        import great_expectations  # noqa: F401
    finally:
        if sys.modules.get("pyspark", "") is None:
            del sys.modules["pyspark"]


def _ephemeral_context() -> AbstractDataContext:
    """An in-memory GX context: no gx/ folder, no Data Docs, no analytics, no progress bars."""
    import_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _read_frame(
    con: duckdb.DuckDBPyConnection, tables: Catalog, suite: SuiteFile, run_date: date
) -> pd.DataFrame:
    """The suite's rows, only the columns its expectations name (and that exist).

    A column the suite names but the table lacks is left out here, so GX reports it as an
    error of the expectations that use it rather than the whole read failing.
    """
    table = tables[suite.table]
    wanted = [c for c in suite_columns(suite) if tables.has(suite.table, c)]
    select = ", ".join(map(quote_identifier, wanted)) or "1 as _row"
    if suite.date_column is None:
        return con.execute(f"select {select} from {table}").df()
    return con.execute(
        f"select {select} from {table} where {quote_identifier(suite.date_column)} = ?", [run_date]
    ).df()


def suite_columns(suite: SuiteFile) -> list[str]:
    """Columns the suite's expectations look at, in first-use order."""
    names: list[str] = []
    for expectation in suite.expectations:
        kwargs = expectation.get("kwargs") or {}
        found = [
            kwargs.get("column"),
            *(kwargs.get("column_list") or []),
            kwargs.get("column_A"),
            kwargs.get("column_B"),
        ]
        names += [str(n) for n in found if n and str(n) not in names]
    return names


def _missing_table(suite: SuiteFile) -> CheckResult:
    return CheckResult(
        suite=suite.name,
        expectation="table exists",
        check="presence",
        column="",
        severity="critical",
        success=False,
        observed=f"no table or view {suite.table} in the warehouse",
        expected="the table built by dbt",
    )


def _run_suite(
    context: AbstractDataContext,
    suite: SuiteFile,
    frame: pd.DataFrame,
    params: Mapping[str, Any],
) -> list[CheckResult]:
    from great_expectations.core import ExpectationSuite

    runnable: list[dict[str, Any]] = []
    checks: list[CheckResult] = []
    for expectation in suite.expectations:
        names = referenced_parameters(expectation)
        unknown = names - params.keys()
        if unknown:
            raise SuiteDefinitionError(
                f"{suite.name}: {expectation['type']} uses unknown parameter(s) {sorted(unknown)}"
            )
        blocked = [params[n] for n in sorted(names) if isinstance(params[n], Unavailable)]
        if blocked:
            checks.append(_not_run(suite, expectation, blocked[0]))
        else:
            # meta.severity is the source of truth; GX's own severity field mirrors it so that
            # GX-side consumers of the result (if any) agree with the gate.
            runnable.append({**expectation, "severity": expectation["meta"]["severity"]})

    if runnable:
        gx_suite = ExpectationSuite(name=suite.name, expectations=runnable)
        # ExpectationSuite logs and drops an expectation it cannot build (unknown type, bad
        # kwargs) instead of raising: a silently shorter suite would pass, so refuse it.
        if len(gx_suite.expectations) != len(runnable):
            built = {e.expectation_type for e in gx_suite.expectations}
            dropped = sorted({e["type"] for e in runnable} - built) or ["(see GX log)"]
            raise SuiteDefinitionError(f"{suite.name}: GX rejected expectation(s) {dropped}")
        source = context.data_sources.add_pandas(name=f"gate_{suite.name}")
        batch = (
            source.add_dataframe_asset(name=suite.table)
            .add_batch_definition_whole_dataframe("run_date")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        concrete = {k: v for k, v in params.items() if not isinstance(v, Unavailable)}
        validation = batch.validate(gx_suite, result_format=_RESULT_FORMAT, expectation_parameters=concrete)
        checks.extend(_check_result(suite.name, r) for r in validation.results)

    order = {check: i for i, check in enumerate(CHECKS)}
    return sorted(
        checks,
        key=lambda c: (SEVERITIES.index(c.severity), order[c.check], c.column, c.expectation),
    )


def _not_run(suite: SuiteFile, expectation: Mapping[str, Any], why: Unavailable) -> CheckResult:
    return CheckResult(
        suite=suite.name,
        expectation=str(expectation["type"]),
        check=str(expectation["meta"]["check"]),
        column=_columns(expectation.get("kwargs") or {}),
        severity=str(expectation["meta"]["severity"]),
        success=None,
        observed=f"skipped: {why.reason}",
        expected=_expected(str(expectation["type"]), expectation.get("kwargs") or {}),
    )


def _check_result(suite: str, result: ExpectationValidationResult) -> CheckResult:
    config = result.expectation_config
    assert config is not None  # GX always attaches the configuration it ran
    kwargs = dict(config.kwargs)
    meta = config.meta or {}
    return CheckResult(
        suite=suite,
        expectation=config.type,
        check=str(meta["check"]),
        column=_columns(kwargs),
        severity=str(meta["severity"]),
        success=bool(result.success),
        observed=_observed(result),
        expected=_expected(config.type, kwargs),
    )


# --- formatting GX results into words ------------------------------------------------------------


def _columns(kwargs: Mapping[str, Any]) -> str:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_list" in kwargs:
        return ", ".join(map(str, kwargs["column_list"]))
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    return ""


def _expected(expectation_type: str, kwargs: Mapping[str, Any]) -> str:
    if expectation_type.endswith("_to_be_unique"):
        return "no duplicate key"
    if expectation_type == "expect_column_values_to_not_be_null":
        return "no nulls"
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"= {_number(low)}" if low == high else f"between {_number(low)} and {_number(high)}"
    if low is not None:
        return f">= {_number(low)}"
    if high is not None:
        return f"<= {_number(high)}"
    if "value" in kwargs:
        return f"= {_number(kwargs['value'])}"
    if "value_set" in kwargs:
        values = kwargs["value_set"]
        if isinstance(values, Mapping):  # not substituted (the expectation did not run)
            return f"in {_number(values)}"
        return f"in the known set ({len(values)} values)"
    if "column_A" in kwargs:
        op = ">=" if kwargs.get("or_equal") else ">"
        return f"{kwargs['column_A']} {op} {kwargs['column_B']} on every row"
    return "no failing rows"


def _observed(result: ExpectationValidationResult) -> str:
    errors = _exception_messages(result.exception_info or {})
    if errors:
        return _clip("error: " + "; ".join(errors))
    outcome = result.result or {}
    if "observed_value" in outcome:
        return _clip(_number(outcome["observed_value"]))
    if "unexpected_count" in outcome:
        text = f"{outcome['unexpected_count']} of {outcome.get('element_count', '?')} rows fail"
        samples = _distinct(outcome.get("partial_unexpected_list") or [])[:3]
        if samples:
            text += ", e.g. " + ", ".join(json.dumps(s, ensure_ascii=False) for s in samples)
        return _clip(text)
    return ""


def _exception_messages(info: Mapping[str, Any]) -> list[str]:
    # GX puts one flat record here, or one record per failed metric keyed by metric id.
    records = [info] if "raised_exception" in info else list(info.values())
    messages = {
        _first_line(str(r.get("exception_message"))).removeprefix("Error: ")
        for r in records
        if isinstance(r, Mapping) and r.get("raised_exception")
    }
    return sorted(messages)


def _distinct(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        plain = _plain(value)
        if plain not in seen:
            seen.append(plain)
    return seen


def _plain(value: Any) -> Any:
    """JSON-ready copy of a sample value (numpy scalars, pandas timestamps, dict rows)."""
    import pandas as pd

    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (pd.Timestamp, datetime)):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _number(value: Any) -> str:
    """A number as a reader wants it; an unsubstituted parameter as its expression."""
    if isinstance(value, Mapping) and "$PARAMETER" in value:
        return str(value["$PARAMETER"])
    value = _plain(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else f"{round(value, 6)}"
    return str(value)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _clip(text: str) -> str:
    return text if len(text) <= OBSERVED_MAX_CHARS else text[: OBSERVED_MAX_CHARS - 1] + "…"
