"""The dbt targets of `dbt_project/profiles.yml` and what each allows.

`Settings.dbt_target` (`DISTILLWATCH_DBT_TARGET`) names a target; `run_dbt` passes it as
`--target`. The targets are:

- `duckdb` (default): one DuckDB file, one writer at a time (`flows.locking`).
- `spark`: Apache Spark in local mode inside the dbt process (dbt-spark `session` method), with
  its table files and an embedded Derby metastore under `Settings.spark_dir`.
- `spark_thrift` / `spark_http` (commented out in profiles.yml until a cluster exists): a Spark
  cluster with a shared metastore.

Spark targets build seeds, staging, the daily aggregates and the marts, not detection nor unit
tests (`SPARK_EXCLUDE`, the same as the `spark` selector in `dbt_project/selectors.yml`; see
docs/spark.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from flows.settings import DBT_PROJECT_DIR, Settings

PROFILE = "distillwatch"
# Models every date's run rewrites whole (the dimensions) or that reach into the next date
# (fct_capability_daily rewrites run_date + 1): kept out of concurrent runs of several dates and
# built date by date afterwards (flows.pipeline.backfill).
SHARED_ACROSS_DATES = ("dim_accounts", "dim_organizations", "fct_capability_daily")
SPARK_SELECTOR = "spark"
# What Spark targets leave out when run_dbt is given its own selection (selectors.yml `spark`).
SPARK_EXCLUDE = ("fqn:*.detection.*", "resource_type:unit_test")


@dataclass(frozen=True)
class DbtTarget:
    """One output of the profile: its name, adapter type and (Spark) connection method."""

    name: str
    type: str
    method: str | None = None

    @property
    def is_spark(self) -> bool:
        return self.type == "spark"

    @property
    def is_local_spark(self) -> bool:
        """Spark inside this process (session method): its metastore is an embedded Derby."""
        return self.is_spark and self.method == "session"


def dbt_target(settings: Settings) -> DbtTarget:
    """The profile output named by `settings.dbt_target`; ValueError when there is none."""
    targets = _profile_targets()
    if settings.dbt_target not in targets:
        known = ", ".join(sorted(targets))
        raise ValueError(
            f"dbt target {settings.dbt_target!r} is not in dbt_project/profiles.yml (targets: {known})"
        )
    return targets[settings.dbt_target]


def allows_concurrent_writers(settings: Settings) -> bool:
    """Whether runs of different dates may write the warehouse at the same time.

    False for DuckDB: one process writes the file at a time (`flows.locking.warehouse_writer`).
    False for local Spark (`spark`, session method): its embedded Derby metastore can be opened
    by one JVM, that is one process, at a time; and dbt runs one invocation per process.
    True for a Spark cluster (thrift/http/odbc): each date's incremental models overwrite only
    that date's `activity_date` partitions, and staging is ephemeral on Spark, so runs of
    different dates share no relation that names a date.

    Even there, three things are shared by all dates and are best kept out of the concurrent
    runs: the seeds (load them once first, `seed_dbt`), the dimensions `dim_accounts` /
    `dim_organizations` (rebuilt whole by every run: build them once after the dates), and
    `fct_capability_daily`, whose rows for D + 1 depend on D (re-run it date by date after the
    concurrent batch, or run the dates in order for that model only).
    """
    target = dbt_target(settings)
    if not target.is_spark:
        return False
    return not target.is_local_spark


def _profile_targets() -> dict[str, DbtTarget]:
    profiles = DBT_PROJECT_DIR / "profiles.yml"
    return _targets(profiles, profiles.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _targets(profiles: Path, _mtime_ns: int) -> dict[str, DbtTarget]:
    """The outputs of the profile (read again when the file changes)."""
    data = yaml.safe_load(profiles.read_text()) or {}
    outputs = (data.get(PROFILE) or {}).get("outputs") or {}
    return {
        name: DbtTarget(name=name, type=str(spec.get("type")), method=spec.get("method"))
        for name, spec in outputs.items()
        if isinstance(spec, dict)
    }
