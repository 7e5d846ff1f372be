"""The edges of operating the pipeline: kills at every stage, a gate that flips, a failing dbt
test, a backfill over a missing date, a nightly and a backfill of one date at once.

One tiny world (one day of exports) in one folder for the whole module: every run uses the same
warehouse path, so dbt re-uses its parse; `World.reset` empties it between scenarios. Runs that
must die are `distillwatch run` subprocesses with `DISTILLWATCH_TEST_KILL_AT` (flows/checkpoints.py);
the others run in this process against the session's Prefect server.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from factories import make_accounts, make_requests, mart_fingerprint, pdf_text, write_world_exports

from flows.checkpoints import KILL_AT_ENV, STAGES
from flows.drop_writer import write_drop
from flows.ledger import DeliveryLedger, ledger_path
from flows.settings import Settings

DAY = date(2026, 11, 10)
MISSING_DAY = DAY + timedelta(days=1)
CLI = [sys.executable, "-m", "flows.cli"]
# What a killed run may leave behind, and a clean run must not.
TEMPORARY_MARKERS = (".publishing-", ".pulling-", ".validating-", ".partial", ".model_releases.csv.")


@dataclass
class World:
    root: Path
    exports: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            "DISTILLWATCH_EXPORT_ROOT": str(self.exports),
            "DISTILLWATCH_LANDING_DIR": str(self.root / "landing"),
            "DISTILLWATCH_WAREHOUSE": str(self.root / "warehouse" / "warehouse.duckdb"),
            "DISTILLWATCH_REPORTS_DIR": str(self.root / "reports"),
            "DISTILLWATCH_OUTBOX_DIR": str(self.root / "outbox"),
        }

    @property
    def settings(self) -> Settings:
        with self.applied():
            return Settings()

    @contextmanager
    def applied(self, **extra: str) -> Iterator[None]:
        with mock.patch.dict(os.environ, {**self.env, **extra}):
            yield

    def reset(self) -> None:
        for folder in ("landing", "warehouse", "reports", "outbox"):
            shutil.rmtree(self.root / folder, ignore_errors=True)

    def cli(self, *args: str, kill_at: str | None = None) -> subprocess.Popen[str]:
        from prefect.settings import PREFECT_API_URL

        env = {**os.environ, **self.env, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
        env.pop(KILL_AT_ENV, None)
        if kill_at:
            env[KILL_AT_ENV] = kill_at
        return subprocess.Popen(
            [*CLI, *args],
            env=env,
            cwd=self.root,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def nightly(self, day: date = DAY, **extra: str) -> Any:
        from flows.pipeline import nightly

        with self.applied(**extra):
            return nightly(run_date=day)


@dataclass(frozen=True)
class Outputs:
    """What a user checks after a run: the marts, the published files, the mail that went out."""

    marts: dict[str, str]
    reports: dict[str, str]
    mail: dict[str, str]  # .eml name -> Message-ID


def report_files(world: World) -> dict[str, str]:
    """Every published file under reports/ and its sha256."""
    reports = world.root / "reports"
    return {
        str(path.relative_to(reports)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(reports.rglob("*"))
        if path.is_file()
    }


def outputs(world: World) -> Outputs:
    return Outputs(mart_fingerprint(world.settings.warehouse), report_files(world), mails(world))


def mails(world: World) -> dict[str, str]:
    return {
        path.name: str(message(path)["Message-ID"]) for path in sorted((world.root / "outbox").glob("*.eml"))
    }


def message(path: Path) -> Any:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def leftovers(world: World) -> list[str]:
    return [
        str(path)
        for folder in ("landing", "reports", "outbox")
        for path in (world.root / folder).rglob("*")
        if any(marker in path.name for marker in TEMPORARY_MARKERS)
    ]


def delivered(world: World, kind: str, day: date = DAY) -> int:
    entries = DeliveryLedger(ledger_path(world.settings)).entries()
    return sum(e.outcome == "delivered" and e.kind == kind and e.run_date == day.isoformat() for e in entries)


@pytest.fixture(scope="module")
def world(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("operations")
    write_world_exports(root / "exports", DAY, 1)
    return World(root, root / "exports")


@pytest.fixture(scope="module")
def baseline(world: World) -> Outputs:
    """An uninterrupted first run of DAY."""
    world.reset()
    summary = world.nightly()
    assert summary.gate_passed
    result = outputs(world)
    assert set(result.mail) == {f"{DAY}-daily-digest.eml"}
    assert {
        f"{DAY}/{name}"
        for name in ("daily-digest.pdf", "campaigns.csv", "campaign_accounts.csv", "candidates.csv")
    } <= set(result.reports)
    return result


def ensure_published(world: World, baseline: Outputs) -> None:
    """The world as the uninterrupted run left it (cheap when the previous test ended there)."""
    if outputs(world) != baseline:
        world.reset()
        world.nightly()
    assert outputs(world) == baseline


def test_kill_at_every_stage_then_a_nightly_and_a_backfill_together_give_the_uninterrupted_result(
    world: World, baseline: Outputs
) -> None:
    """Each run is killed one stage later than the one before, on what the previous one left;
    at `gate` by SIGTERM (Prefect marks the run Crashed and the crash alert goes out), else as
    by `kill -9`. Then a nightly and a backfill of the date start at once: the writer lock
    serializes them, both finish, one digest mail, and everything equals the uninterrupted run."""
    world.reset()
    day_set = {name for name in baseline.reports if "/campaigns/" not in name}
    for stage in STAGES:
        how = f"{stage}:TERM" if stage == "gate" else stage
        killed = world.cli("run", "--date", DAY.isoformat(), kill_at=how)
        _, err = killed.communicate(timeout=900)
        assert killed.returncode != 0, f"{stage}: the run was not killed\n{err[-2000:]}"
        if stage != "gate":
            assert killed.returncode == 137, f"{stage}: {err[-2000:]}"
        published = world.root / "reports" / DAY.isoformat()
        if stage in ("deliver", "campaigns"):  # the day set published whole, no campaign report
            assert set(outputs(world).reports) == day_set, stage
        else:  # nothing half-published
            assert not published.exists(), f"{stage}: {sorted(published.rglob('*'))}"
        # the digest mail goes out once the day set is published, before the campaign reports
        assert (f"{DAY}-daily-digest.eml" in mails(world)) == (stage == "campaigns"), stage

    crash = message(world.root / "outbox" / f"{DAY}-run-crashed.eml")
    assert str(crash["Subject"]).strip().startswith(f"distillwatch nightly {DAY} crashed at stage gate: ")

    together = [
        world.cli("run", "--date", DAY.isoformat()),
        world.cli("backfill", "--start", DAY.isoformat(), "--end", DAY.isoformat()),
    ]
    for run in together:
        _, err = run.communicate(timeout=900)
        assert run.returncode == 0, err[-3000:]
    after = outputs(world)
    assert after.marts == baseline.marts
    assert after.reports == baseline.reports
    digest = f"{DAY}-daily-digest.eml"
    assert after.mail[digest] == baseline.mail[digest]  # same content, same Message-ID
    assert delivered(world, "daily-digest") == 1
    assert leftovers(world) == []


def test_a_gate_that_flips_between_runs_leaves_only_that_runs_files(
    world: World, baseline: Outputs, tmp_path: Path
) -> None:
    """pass -> fail: the alert alone (no digest or campaign file of the passing run beside it);
    fail -> pass: the digest set again, no alert file."""
    ensure_published(world, baseline)
    empty = tmp_path / "empty-exports"
    write_world_exports(empty, DAY, 0)  # the reference file only
    write_drop(str(empty), DAY, [make_requests(0, DAY)], make_accounts())

    failed = world.nightly(DISTILLWATCH_EXPORT_ROOT=str(empty))
    assert not failed.gate_passed
    assert set(outputs(world).reports) == {f"{DAY}/quality-alert.pdf"}
    alert = message(world.root / "outbox" / f"{DAY}-quality-alert.eml")
    assert "Failed critical checks" in alert.get_body().get_content()

    passed = world.nightly()
    assert passed.gate_passed
    after = outputs(world)
    assert (after.marts, after.reports) == (baseline.marts, baseline.reports)
    assert delivered(world, "daily-digest") == 1  # the same digest again: not re-sent
    assert leftovers(world) == []


def test_backfill_runs_past_a_missing_date_and_ends_failed(world: World, baseline: Outputs) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterName,
    )

    from flows.pipeline import BackfillIncompleteError, backfill

    ensure_published(world, baseline)
    with world.applied(), pytest.raises(BackfillIncompleteError) as caught:
        backfill(start_date=DAY, end_date=MISSING_DAY)
    assert str(caught.value).startswith(
        f"backfill {DAY}..{MISSING_DAY}: 1 of 2 dates failed: {MISSING_DAY} (pull: DropIncompleteError: "
    )
    assert outputs(world).reports == baseline.reports

    key = f"backfill-{DAY}-{MISSING_DAY}"
    names = [f"nightly-{DAY}", f"nightly-{MISSING_DAY}"]
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=names)))
    data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    rows = {row["date"]: row for row in data}
    assert rows[DAY.isoformat()]["status"] == "digest"
    assert rows[DAY.isoformat()]["digest"].endswith(f"reports/{DAY}/daily-digest.pdf")
    assert rows[MISSING_DAY.isoformat()]["status"] == "failed"
    assert "_manifest.json: rule manifest_present" in rows[MISSING_DAY.isoformat()]["error"]
    assert {run.name for run in runs} == set(names)

    # The missing drop: one late-data alert (no separate failure alert), also after a re-run;
    # the backfill's own failure alert names the range.
    late = message(world.root / "outbox" / f"{MISSING_DAY}-late-data.eml")
    assert (
        str(late["Subject"])
        .strip()
        .startswith(f"distillwatch LATE DATA {MISSING_DAY}: the drop has not arrived by")
    )
    with pytest.raises(Exception, match=re.escape("_manifest.json: rule manifest_present")):
        world.nightly(MISSING_DAY)
    assert delivered(world, "late-data", MISSING_DAY) == 1
    assert not (world.root / "outbox" / f"{MISSING_DAY}-run-failed.eml").exists()
    backfill_alert = message(world.root / "outbox" / f"backfill-{DAY}-to-{MISSING_DAY}-failed.eml")
    assert f"1 of 2 dates failed: {MISSING_DAY}" in str(backfill_alert["Subject"])


def test_reversed_range_is_refused_before_any_work(world: World) -> None:
    from flows.pipeline import backfill

    def files() -> list[Path]:  # all but the outbox, where the failed run's alert goes
        return [p for p in sorted(world.root.rglob("*")) if "outbox" not in p.parts]

    before = files()
    with (
        world.applied(),
        pytest.raises(ValueError, match=f"end_date {DAY} is before start_date {MISSING_DAY}"),
    ):
        backfill(start_date=MISSING_DAY, end_date=DAY)
    assert files() == before
    alert = message(world.root / "outbox" / f"backfill-{MISSING_DAY}-to-{DAY}-failed.eml")
    assert (
        str(alert["Subject"])
        .strip()
        .startswith(f"distillwatch backfill {MISSING_DAY}..{DAY} failed: ValueError")
    )


def test_failing_dbt_data_test_sends_the_quality_alert_and_no_threat_report(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dbt data test that fails on the day's data takes the path of a failed critical
    expectation. The project is a copy with one extra singular test (a real dbt run)."""
    from flows import transform
    from flows.settings import DBT_PROJECT_DIR

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "tests" / "assert_no_request_of_the_day_is_unchecked.sql").write_text(
        "-- fails whenever the run date has requests: drives the data-quality path in tests\n"
        "select account_id from {{ ref('fct_account_daily') }}\n"
        "where activity_date = '{{ run_date() }}'\n"
    )
    monkeypatch.setattr(transform, "DBT_PROJECT_DIR", project)
    world.reset()
    summary = world.nightly()
    assert not summary.gate_passed
    [failure] = [f for f in summary.gate_failures if f.startswith("dbt:")]
    assert failure.startswith("dbt: assert_no_request_of_the_day_is_unchecked (dbt data test)")
    # the marts after the failed test were skipped: only the published files are compared
    assert set(report_files(world)) == {f"{DAY}/quality-alert.pdf"}
    assert "assert_no_request_of_the_day_is_unchecked" in pdf_text(
        world.root / "reports" / DAY.isoformat() / "quality-alert.pdf"
    ).replace("\n", "")
    alert = message(world.root / "outbox" / f"{DAY}-quality-alert.eml")
    assert "assert_no_request_of_the_day_is_unchecked" in alert.get_body().get_content()
    assert set(mails(world)) == {f"{DAY}-quality-alert.eml"}
    world.reset()  # this warehouse was built by another project copy


def test_digest_goes_out_when_a_campaign_report_fails_and_the_alert_names_it(
    world: World, baseline: Outputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The campaign reports render after the digest went out: one that fails leaves the digest
    mailed and published (without campaigns/), fails the run, and its alert names the campaign
    and says what was and was not sent. The re-run sends the reports, not the digest again.

    The operations world has no campaign of its own: the day's outputs report one more than
    detection found, and its render fails as WeasyPrint would."""
    from flows import pipeline
    from flows.report import campaign_report
    from flows.report.campaign_report import CampaignReportError

    real_outputs = pipeline.write_campaign_outputs

    def one_more_campaign(*args: Any) -> Any:
        found = real_outputs(*args)
        return replace(found, campaigns=found.campaigns + 1)

    def failing_render(self: Any) -> Any:  # the renders' end, where WeasyPrint's error surfaces
        raise CampaignReportError({"DW-2026-11-10-0000beef": "RuntimeError: WeasyPrint ran out of pages"})

    world.reset()
    monkeypatch.setattr(pipeline, "write_campaign_outputs", one_more_campaign)
    monkeypatch.setattr(campaign_report.CampaignReportJob, "result", failing_render)
    with pytest.raises(CampaignReportError, match="DW-2026-11-10-0000beef"):
        world.nightly()
    monkeypatch.undo()

    assert set(mails(world)) == {f"{DAY}-daily-digest.eml", f"{DAY}-run-failed.eml"}
    digest = message(world.root / "outbox" / f"{DAY}-daily-digest.eml")
    attached = {part.get_filename() for part in digest.iter_attachments()}
    assert attached == {"daily-digest.pdf", "campaigns.csv", "campaign_accounts.csv", "candidates.csv"}
    published = world.root / "reports" / DAY.isoformat()
    assert sorted(p.name for p in published.iterdir()) == sorted(attached)  # what the mail said
    alert = message(world.root / "outbox" / f"{DAY}-run-failed.eml")
    assert (
        str(alert["Subject"])
        .strip()
        .startswith(
            f"distillwatch nightly {DAY} failed at stage campaign reports: CampaignReportError: "
            "1 campaign report(s) failed: DW-2026-11-10-0000beef: RuntimeError: WeasyPrint ran out of pages"
        )
    )
    assert "went out and is published; its campaign reports are not" in alert.get_body().get_content()
    assert leftovers(world) == []
    assert delivered(world, "daily-digest") == 1

    # fixed: the re-run publishes the day as the uninterrupted run did, without a second digest
    summary = world.nightly()
    assert summary.gate_passed
    assert outputs(world).reports == baseline.reports
    assert delivered(world, "daily-digest") == 1
