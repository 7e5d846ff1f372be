"""dbt targets (flows.targets) and how run_dbt selects and places a Spark run. No dbt, no Java."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import flows.targets as targets
from flows.settings import DBT_PROJECT_DIR, Settings
from flows.targets import SPARK_EXCLUDE, allows_concurrent_writers, dbt_target
from flows.transform import _selection_args, dbt_target_path

CLUSTER_PROFILES = """
distillwatch:
  target: duckdb
  outputs:
    duckdb: {type: duckdb, path: "{{ env_var('DISTILLWATCH_WAREHOUSE') }}"}
    spark: {type: spark, method: session, host: NA, schema: distillwatch}
    spark_thrift:
      {type: spark, method: thrift, host: "{{ env_var('DISTILLWATCH_SPARK_HOST') }}", schema: distillwatch}
    spark_http: {type: spark, method: http, host: example.cloud, schema: distillwatch}
"""


@pytest.fixture
def cluster_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profiles.yml with the cluster targets uncommented."""
    (tmp_path / "profiles.yml").write_text(CLUSTER_PROFILES)
    monkeypatch.setattr(targets, "DBT_PROJECT_DIR", tmp_path)


def test_project_targets() -> None:
    assert dbt_target(Settings()).type == "duckdb"
    spark = dbt_target(Settings(dbt_target="spark"))
    assert (spark.type, spark.method, spark.is_spark, spark.is_local_spark) == (
        "spark",
        "session",
        True,
        True,
    )
    with pytest.raises(ValueError, match=r"'sparkk' is not in .*profiles\.yml.*duckdb, spark"):
        dbt_target(Settings(dbt_target="sparkk"))


def test_concurrent_writers_only_on_a_spark_cluster(cluster_profiles: None) -> None:
    assert allows_concurrent_writers(Settings(dbt_target="duckdb")) is False
    # one embedded Derby metastore: one process at a time
    assert allows_concurrent_writers(Settings(dbt_target="spark")) is False
    assert allows_concurrent_writers(Settings(dbt_target="spark_thrift")) is True
    assert allows_concurrent_writers(Settings(dbt_target="spark_http")) is True


def test_spark_runs_leave_out_detection_and_unit_tests() -> None:
    duck, spark = Settings(), Settings(dbt_target="spark")
    assert _selection_args(duck, None, None) == []
    assert _selection_args(duck, "a b", "c") == ["--select", "a b", "--exclude", "c"]
    assert _selection_args(spark, None, None) == ["--selector", "spark"]
    excluded = " ".join(SPARK_EXCLUDE)
    assert _selection_args(spark, "a", None) == ["--select", "a", "--exclude", excluded]
    assert _selection_args(spark, None, "c") == ["--exclude", f"c {excluded}"]


def test_spark_selector_matches_the_exclusions() -> None:
    """selectors.yml `spark` and SPARK_EXCLUDE leave out the same things."""
    selectors = yaml.safe_load((DBT_PROJECT_DIR / "selectors.yml").read_text())["selectors"]
    spark = next(s for s in selectors if s["name"] == "spark")
    union = spark["definition"]["union"]
    excluded = next(part["exclude"] for part in union if "exclude" in part)
    assert tuple(f"{e['method']}:{e['value']}" for e in excluded) == SPARK_EXCLUDE


def test_spark_artifacts_are_kept_per_target_and_folder(tmp_path: Path) -> None:
    duck = Settings(warehouse=tmp_path / "wh.duckdb")
    spark = Settings(warehouse=tmp_path / "wh.duckdb", dbt_target="spark", spark_dir=tmp_path / "s")
    other = Settings(warehouse=tmp_path / "wh.duckdb", dbt_target="spark", spark_dir=tmp_path / "t")
    assert dbt_target_path(duck).name.startswith("wh-")
    assert dbt_target_path(spark).name.startswith("spark-")
    assert len({dbt_target_path(duck), dbt_target_path(spark), dbt_target_path(other)}) == 3
