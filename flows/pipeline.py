"""The Prefect flows: `nightly` for one date and `backfill` over a range, through the same code.

Each task does one thing and calls a plain function that tests call directly. Retries are on
I/O (network, SMTP, object storage), never on logic: a contract violation fails the same way
every time, so retrying it only delays the alert.
"""

from __future__ import annotations

import multiprocessing
import smtplib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from flows.deliver import build_message, deliver
from flows.detection.outputs import CampaignOutputs, write_campaign_outputs
from flows.locking import warehouse_writer
from flows.pull import LandedDrop, pull_drop
from flows.quality import GateResult, run_quality_gate
from flows.report.campaign_report import render_campaign_reports
from flows.report.digest import render_digest, render_quality_alert
from flows.report.digest_data import DigestData, load_digest_data
from flows.settings import Settings
from flows.spark_handoff import build_on_duckdb_after_spark
from flows.targets import SHARED_ACROSS_DATES, allows_concurrent_writers, dbt_target
from flows.transform import DbtRunSummary, run_dbt
from flows.validate import ValidationResult, validate_drop

# Dates built at once by a backfill on a target that allows concurrent writers: each is a
# process driving the cluster (the cluster does the work), so this is about the cluster's
# capacity, not this machine's.
BACKFILL_CONCURRENCY = 4


def yesterday_utc() -> date:
    return (datetime.now(timezone.utc) - timedelta(days=1)).date()


def retry_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only failures that another attempt can fix: I/O and mail transport errors."""
    try:
        state.result()
    except (OSError, smtplib.SMTPException):
        return True
    except Exception:  # noqa: BLE001 - logic and data errors are final
        return False
    return False


@dataclass
class RunSummary:
    """What one date's run did; returned by the flow and summarized as an artifact."""

    run_date: str
    rows_read: int = 0
    rows_kept: int = 0
    rows_quarantined: int = 0
    quarantine: list[str] = field(default_factory=list)
    dbt_nodes: int = 0
    gate_passed: bool = False
    gate_failures: list[str] = field(default_factory=list)
    campaigns: int = 0
    reports: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)


@task(retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=retry_on_io)
def pull(settings: Settings, run_date: date) -> LandedDrop:
    return pull_drop(
        settings.export_root,
        run_date,
        settings.landing_dir.resolve(),
        s3_endpoint_url=settings.s3_endpoint_url,
    )


@task
def validate(settings: Settings, landed: LandedDrop) -> ValidationResult:
    result = validate_drop(landed, settings.landing_dir.resolve())
    logger = get_run_logger()
    for line in result.messages():
        logger.warning(line)
    return result


def transform(settings: Settings, run_date: date) -> DbtRunSummary:
    """dbt build for the date; called from the flow itself so every dbt node is its own task.

    On a Spark target the marts are built on Spark, then handed to the DuckDB file that
    detection, the gate and the reports read (flows/spark_handoff.py)."""
    return _build_date(settings, run_date)


def _build_date(settings: Settings, run_date: date, *, select: str | None = None) -> DbtRunSummary:
    """`run_dbt` for the date and, on a Spark target, the hand-off to DuckDB after it."""
    summary = run_dbt(settings, run_date, select=select)
    if dbt_target(settings).is_spark:
        summary = _combined(summary, build_on_duckdb_after_spark(settings, run_date))
    return summary


def _combined(first: DbtRunSummary, second: DbtRunSummary) -> DbtRunSummary:
    """Two invocations for one date as one summary (node counts and time added)."""
    return replace(
        first,
        models_passed=first.models_passed + second.models_passed,
        seeds_passed=first.seeds_passed + second.seeds_passed,
        data_tests_passed=first.data_tests_passed + second.data_tests_passed,
        unit_tests_passed=first.unit_tests_passed + second.unit_tests_passed,
        warnings=first.warnings + second.warnings,
        skipped=first.skipped + second.skipped,
        elapsed_s=round(first.elapsed_s + second.elapsed_s, 3),
    )


@task
def check_quality(settings: Settings, run_date: date) -> GateResult:
    return run_quality_gate(settings.warehouse.resolve(), run_date)


@task
def gather_digest_data(
    settings: Settings, run_date: date, validation: ValidationResult, gate: GateResult
) -> DigestData:
    return load_digest_data(
        settings.warehouse.resolve(),
        run_date,
        validation=validation.to_dict(),
        gate=gate.to_dict(),
    )


@task
def export_campaigns(settings: Settings, run_date: date) -> CampaignOutputs:
    return write_campaign_outputs(settings.warehouse.resolve(), run_date, settings.reports_dir)


@task
def render_campaigns(settings: Settings, run_date: date) -> list[Path]:
    """One PDF, STIX bundle and account CSV per campaign of the day."""
    files = render_campaign_reports(
        settings.warehouse.resolve(),
        run_date,
        settings.reports_dir / run_date.isoformat() / "campaigns",
        tlp=settings.tlp,
    )
    return [path for report in files for path in report.files]


@task
def render_digest_pdf(settings: Settings, data: DigestData) -> Path:
    return render_digest(data, settings.reports_dir / data.run_date.isoformat(), settings.tlp)


@task
def render_alert_pdf(settings: Settings, data: DigestData) -> Path:
    return render_quality_alert(data, settings.reports_dir / data.run_date.isoformat(), settings.tlp)


@task(retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=retry_on_io)
def send(settings: Settings, subject: str, body: str, attachments: list[Path], name: str) -> str:
    message = build_message(settings, subject, body, attachments)
    receipt = deliver(settings, message, name=name)
    return str(receipt)


def digest_mail_body(run_date: date, campaigns: int) -> str:
    day = run_date.isoformat()
    if campaigns == 0:
        return f"Daily digest for {day} attached. No distillation campaign was detected."
    return (
        f"Daily digest for {day} attached, with {campaigns} campaign report(s): a PDF, a STIX 2.1 "
        "bundle and the full account list (CSV) per campaign, plus campaigns.csv and "
        "campaign_accounts.csv for the day."
    )


def _publish_artifacts(summary: RunSummary, gate: GateResult | None) -> None:
    lines = [
        f"# distillwatch run for {summary.run_date}",
        "",
        "| stage | result |",
        "|---|---|",
        f"| pull + validate | {summary.rows_kept:,} of {summary.rows_read:,} request rows kept, "
        f"{summary.rows_quarantined:,} quarantined |",
        f"| dbt | {summary.dbt_nodes} nodes built and tested |",
        f"| quality gate | {'passed' if summary.gate_passed else 'FAILED'} |",
        f"| campaigns | {summary.campaigns} |",
        f"| reports | {', '.join(summary.reports) or 'none'} |",
        f"| delivered | {', '.join(summary.delivered) or 'nothing'} |",
    ]
    if summary.quarantine:
        lines += ["", "## Quarantine", "", *[f"- {line}" for line in summary.quarantine]]
    if summary.gate_failures:
        lines += ["", "## Failed critical expectations", "", *[f"- {f}" for f in summary.gate_failures]]
    key = f"run-{summary.run_date}"
    create_markdown_artifact("\n".join(lines), key=key, description=f"Run summary {summary.run_date}")
    if gate is not None:
        create_table_artifact(
            gate.rows(), key=f"quality-gate-{summary.run_date}", description="Quality gate results"
        )


def land_and_build_date(settings: Settings, run_date: date) -> str:
    """Pull, validate and build one date on a target that allows concurrent writers, leaving
    out the models shared across dates (`SHARED_ACROSS_DATES`). Plain function: the backfill
    runs it in a process of its own per date, several at once."""
    landed = pull.fn(settings, run_date)  # the task's function, outside Prefect's machinery
    validate_drop(landed, settings.landing_dir.resolve())
    run_dbt(settings, run_date, exclude=" ".join(SHARED_ACROSS_DATES))
    return run_date.isoformat()


@task(retries=2, retry_delay_seconds=[30, 120], retry_condition_fn=retry_on_io)
def land_and_build(settings: Settings, run_date: date) -> str:
    # A process per date: dbt's in-process runner is not safe to run from several threads.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as process:
        return process.submit(land_and_build_date, settings, run_date).result()


def finish_built_date(settings: Settings, run_date: date) -> DbtRunSummary:
    """After `land_and_build_date`: the shared models for the date, then (Spark) the hand-off
    to DuckDB with staging and detection."""
    return _build_date(settings, run_date, select=" ".join(SHARED_ACROSS_DATES))


def run_one_day(settings: Settings, run_date: date, *, built: bool = False) -> RunSummary:
    """The pipeline for one date: what both flows run. `built`: the date was already landed
    and built by `land_and_build` (concurrent backfill); only what follows is run."""
    logger = get_run_logger()
    summary = RunSummary(run_date=run_date.isoformat())
    with warehouse_writer(
        settings.warehouse.resolve(),
        timeout_s=settings.writer_lock_timeout_s,
        on_wait=logger.info,
    ):
        if built:
            validation = ValidationResult.load(settings.landing_dir.resolve(), run_date)
            dbt_summary = finish_built_date(settings, run_date)
        else:
            landed = pull(settings, run_date)
            validation = validate(settings, landed)
            dbt_summary = transform(settings, run_date)
        # Readers stay under the lock too: staging holds only this date until the next run's
        # dbt build, and a concurrent writer would make read-only opens fail.
        gate = check_quality(settings, run_date)
        data = gather_digest_data(settings, run_date, validation, gate)
        campaign_files: list[Path] = []
        if gate.passed:
            campaigns = export_campaigns(settings, run_date)
            summary.campaigns = campaigns.campaigns
            campaign_files = [
                campaigns.campaigns_csv,
                campaigns.campaign_accounts_csv,
                *render_campaigns(settings, run_date),
            ]
    summary.rows_read = validation.requests_read
    summary.rows_kept = validation.requests_kept
    summary.rows_quarantined = validation.requests_quarantined
    summary.quarantine = validation.messages()
    summary.dbt_nodes = dbt_summary.nodes
    summary.gate_passed = gate.passed
    summary.gate_failures = list(gate.critical_failures)

    if gate.passed:
        digest = render_digest_pdf(settings, data)
        summary.reports += [str(digest), *(str(path) for path in campaign_files)]
        summary.delivered.append(
            send(
                settings,
                f"distillwatch daily digest {run_date.isoformat()}: "
                f"{summary.campaigns} campaign(s)",
                digest_mail_body(run_date, summary.campaigns),
                [digest, *campaign_files],
                name=f"{run_date.isoformat()}-daily-digest",
            )
        )
    else:
        alert = render_alert_pdf(settings, data)
        summary.reports.append(str(alert))
        body = "\n".join(
            [
                f"The quality gate failed for {run_date.isoformat()}; no threat report was sent.",
                "Failed critical expectations:",
                *[f"- {failure}" for failure in gate.critical_failures],
            ]
        )
        summary.delivered.append(
            send(
                settings,
                f"distillwatch DATA-QUALITY ALERT {run_date.isoformat()}",
                body,
                [alert],
                name=f"{run_date.isoformat()}-quality-alert",
            )
        )
    _publish_artifacts(summary, gate)
    logger.info("run %s done: %s", run_date, asdict(summary))
    return summary


@flow(name="nightly", log_prints=True)
def nightly(run_date: date | None = None) -> RunSummary:
    """Pull, validate, transform, check, detect, render and deliver one date (default: yesterday, UTC)."""
    return run_one_day(Settings(), run_date or yesterday_utc())


@flow(name="backfill", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=BACKFILL_CONCURRENCY))
def backfill(start_date: date, end_date: date) -> list[RunSummary]:
    """Run the pipeline for each date from start_date to end_date inclusive.

    One date at a time, in order, through `nightly` (a subflow per date) when the warehouse
    admits one writer (DuckDB, local Spark). On a target that allows concurrent writers (a
    Spark cluster), the dates are first pulled, validated and built on the cluster
    BACKFILL_CONCURRENCY at a time; then, in date order, the models shared across dates,
    detection (its rolling window and campaign identities need the earlier dates), the gate,
    the reports and delivery.
    """
    if end_date < start_date:
        raise ValueError(f"backfill: end_date {end_date} is before start_date {start_date}")
    dates = [start_date + timedelta(days=offset) for offset in range((end_date - start_date).days + 1)]
    settings = Settings()
    if not allows_concurrent_writers(settings):
        return [nightly(run_date=day) for day in dates]
    get_run_logger().info(
        "target %s allows concurrent writers: building %d dates, %d at a time",
        settings.dbt_target, len(dates), BACKFILL_CONCURRENCY,
    )  # fmt: skip
    built = [land_and_build.submit(settings, day) for day in dates]
    for future in built:
        future.result()  # raises the first failure: the ordered part needs every date
    return [run_one_day(settings, day, built=True) for day in dates]
