"""The Prefect flows: `nightly` for one date and `backfill` over a range, through the same code.

Each task does one thing and calls a plain function that tests call directly. Retries are on
I/O (network, SMTP, object storage), never on logic: a contract violation fails the same way
every time, so retrying it only delays the alert.
"""

from __future__ import annotations

import contextvars
import logging
import multiprocessing
import smtplib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from flows import quality, workers
from flows.checkpoints import checkpoint
from flows.deliver import build_message, deliver, deliver_once
from flows.detection.outputs import CampaignOutputs, write_campaign_outputs
from flows.locking import date_run, warehouse_writer
from flows.publish import (
    CAMPAIGNS_DIR,
    clean_stale,
    discard_staging,
    publish_campaigns,
    publish_day,
    staging_day_dir,
)
from flows.pull import DropIncompleteError, LandedDrop, pull_drop
from flows.quality import CheckResult, GateResult
from flows.report.digest_data import CandidateRow, DigestData, digest_without_figures, load_digest_data
from flows.settings import Settings
from flows.spark_handoff import build_on_duckdb_after_spark
from flows.targets import SHARED_ACROSS_DATES, allows_concurrent_writers, dbt_target
from flows.transform import DbtBuildError, DbtNodeFailure, DbtRunSummary, run_dbt
from flows.validate import ValidationResult, validate_drop

if TYPE_CHECKING:
    from flows.report.campaign_report import CampaignReportJob

# Dates built at once by a backfill on a target that allows concurrent writers: each is a
# process driving the cluster (the cluster does the work), so this is about the cluster's
# capacity, not this machine's.
BACKFILL_CONCURRENCY = 4
# Dates of a DuckDB backfill under way at once: one building (it holds the warehouse), the one
# before it still rendering, publishing and mailing its campaign reports (`backfill`).
DATES_IN_FLIGHT = 2

# Set by `backfill` in the thread that runs one date: called once that date's run has handed
# the warehouse back (`_run_one_day_locked`), so the next date starts building while this one's
# campaign reports render and go out. A context variable, not a flow parameter: it is how one
# call of a backfill talks to the subflow it started, nothing an operator sets.
WAREHOUSE_RELEASED: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "distillwatch_warehouse_released", default=None
)


def yesterday_utc() -> date:
    return (datetime.now(UTC) - timedelta(days=1)).date()


def retry_on_io(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only failures that another attempt can fix: I/O and mail transport errors."""
    try:
        state.result()
    except (OSError, smtplib.SMTPException):
        return True
    except Exception:
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
    candidates: int = 0
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


def run_quality_gate(warehouse: Path, run_date: date) -> GateResult:
    """`flows.quality.run_quality_gate` in a child forked from the warm server, which imported
    GX (~3 s) while dbt ran (`flows.workers`)."""
    return workers.run_in_child(quality.run_quality_gate, warehouse, run_date)


@task
def gather_digest_data(
    settings: Settings, run_date: date, validation: ValidationResult, gate: GateResult
) -> DigestData:
    try:
        return load_digest_data(
            settings.warehouse.resolve(),
            run_date,
            validation=validation.to_dict(),
            gate=gate.to_dict(),
        )
    except LookupError:
        if gate.passed:
            raise
        # A failed dbt data test skips the marts after it (on a new warehouse they never
        # existed): the data-quality alert goes out all the same, without the figures.
        get_run_logger().warning("marts missing for %s: the alert carries no figures", run_date)
        return digest_without_figures(run_date, validation=validation.to_dict(), gate=gate.to_dict())


# The render tasks write into the day's staging folder (`flows.publish`), never into
# reports/<date>/ itself: that is replaced whole once everything of the day exists.


@task
def export_campaigns(settings: Settings, run_date: date, staged: Path) -> CampaignOutputs:
    return write_campaign_outputs(settings.warehouse.resolve(), run_date, staged.parent)


# The renderers (WeasyPrint, stix2) are imported by the tasks that use them, not with this
# module: the flow's process start pays only for what every stage needs.


# The job holds worker processes: passed from one task to the next in memory, never cached.
@task(cache_policy=NO_CACHE)
def read_campaigns(settings: Settings, run_date: date, staged: Path) -> CampaignReportJob:
    """Every warehouse read of the day's campaign reports (evidence, account CSVs); their PDFs
    and STIX bundles render on in the workers."""
    from flows.report.campaign_report import start_campaign_reports

    return start_campaign_reports(
        settings.warehouse.resolve(),
        run_date,
        staged / CAMPAIGNS_DIR,
        tlp=settings.tlp,
        workers=settings.render_workers,
    )


@task(cache_policy=NO_CACHE)
def render_campaigns(job: CampaignReportJob) -> list[Path]:
    """One PDF, STIX bundle and account CSV per campaign of the day, once rendered."""
    return [path for report in job.result() for path in report.files]


@task
def render_digest_pdf(settings: Settings, data: DigestData, staged: Path) -> Path:
    return render_digest_file(data, staged, settings.tlp, alert=False)


@task
def render_alert_pdf(settings: Settings, data: DigestData, staged: Path) -> Path:
    return render_digest_file(data, staged, settings.tlp, alert=True)


def render_digest_file(data: DigestData, staged: Path, tlp: str, *, alert: bool) -> Path:
    """The digest (or, `alert`, the data-quality alert) PDF, rendered in a child forked from
    the warm server, which imported WeasyPrint while dbt ran (`flows.workers`): in this
    process the import alone is ~1.2 s of a tiny day's digest, on the path to its mail."""
    from flows.report import digest

    render = digest.render_quality_alert if alert else digest.render_digest
    return workers.run_in_child(render, data, staged, tlp)


# Deliver the day's message of a kind at most once (`flows.ledger`); retried only while it provably
# did not leave (`DeliveryOutcomeUnknownError` is final). The task is `deliver_once` itself, so it
# takes its keywords: `_send_mail` is how the pipeline calls it.
send = task(name="send", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=retry_on_io)(
    deliver_once
)


def _send_mail(
    settings: Settings,
    run_date: date,
    kind: str,
    mail: tuple[str, str],
    files: list[Path],
    *,
    resend: bool,
) -> str:
    """The `send` task, with the task timeout, for the day's `kind` mail (subject, body) with
    `files` attached."""
    subject, body = mail
    return _timed(send, settings)(
        settings, run_date=run_date, kind=kind, subject=subject, body=body, attachments=files, resend=resend
    )


def digest_mail(run_date: date, campaigns: int, candidates: Sequence[CandidateRow] = ()) -> tuple[str, str]:
    """(subject, body) of the day's digest mail (digest PDF, campaigns.csv, campaign_accounts.csv,
    candidates.csv): the campaigns, then a For review section naming each candidate (never a ban
    recommendation: candidates get no report)."""
    day = run_date.isoformat()
    subject = f"distillwatch daily digest {day}: {campaigns} campaign(s)"
    if campaigns == 0:
        lines = [f"Daily digest for {day} attached. No distillation campaign was detected."]
    else:
        lines = [
            f"Daily digest for {day} attached, with campaigns.csv and campaign_accounts.csv for the "
            f"day's {campaigns} campaign(s). The campaign reports (a PDF, a STIX 2.1 bundle and the "
            "full account list per campaign) follow in a separate mail once rendered."
        ]
    if candidates:
        subject += f", {len(candidates)} for review"
        lines += [
            "",
            f"For review: {len(candidates)} candidate(s), flagged but under the publication bar. "
            "They are not campaigns: no threat report, no STIX bundle, no ban recommendation, "
            "and their accounts are not in campaign_accounts.csv (they are in candidates.csv). "
            "A verdict in campaign_verdicts.csv promotes (confirmed) or dismisses (false_positive) one.",
            *(
                f"- {c.campaign_id} ({c.status}, {c.confidence or 'no'} confidence, "
                f"{c.accounts or 0} account(s) of {c.organizations or 0} organization(s)): "
                f"{c.tier_reason}"
                for c in candidates
            ),
        ]
    return subject, "\n".join(lines)


def campaign_reports_mail(run_date: date, campaigns: int) -> tuple[str, str]:
    """(subject, body) of the mail with the day's campaign reports, sent after the digest."""
    day = run_date.isoformat()
    return (
        f"distillwatch campaign reports {day}: {campaigns} campaign(s)",
        f"The {campaigns} campaign report(s) of {day} attached: a PDF, a STIX 2.1 bundle and the "
        "full account list (CSV) per campaign. The day's digest went out in its own mail.",
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
        f"| campaigns | {summary.campaigns} (and {summary.candidates} candidate(s) for review) |",
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


@dataclass
class RunProgress:
    """How far one date's run got, for its failure alert and the backfill summary.

    The run enters each stage as it goes. The Prefect failure hook sees only the flow run and
    its final state, so the exception that ends the run carries this object out with it
    (`run_one_day`, `progress_of`): no state is kept between runs of one process."""

    stage: str = "unknown"
    alerted: bool = False  # the failure already had an alert of its own (late data)

    def enter(self, stage: str) -> None:
        self.stage = stage


_PROGRESS_ATTRIBUTE = "distillwatch_progress"


def progress_of(error: object) -> RunProgress:
    """The progress carried by an exception that ended `run_one_day` (a fresh one for any other)."""
    progress = getattr(error, _PROGRESS_ATTRIBUTE, None)
    return progress if isinstance(progress, RunProgress) else RunProgress()


def _timed(task_: Any, settings: Settings) -> Any:
    """The task with `Settings.task_timeout_s` (a hung transfer or render fails instead of
    holding the writer lock forever)."""
    return task_.with_options(timeout_seconds=settings.task_timeout_s)


def late_data_deadline(run_date: date, hour_utc: int) -> datetime:
    """When the drop for `run_date` is late: `hour_utc` on the day after it."""
    next_day = run_date + timedelta(days=1)
    return datetime(next_day.year, next_day.month, next_day.day, hour_utc, tzinfo=UTC)


def run_one_day(
    settings: Settings, run_date: date, *, built: bool = False, resend: bool = False
) -> RunSummary:
    """The pipeline for one date: what both flows run. `built`: the date was already landed
    and built by `land_and_build` (concurrent backfill); only what follows is run.

    A drop that is not there yet is waited for (outside the writer lock) until
    `late_data_deadline`; past it one late-data alert goes out (once per date, `flows.ledger`)
    and the run fails. `resend`: deliver the day's mail even if the ledger says it went.
    """
    progress = RunProgress()
    workers.start()  # the gate's and the render workers' imports, beside pull, validate and dbt
    try:
        return _run_waiting_for_the_drop(settings, run_date, progress, built=built, resend=resend)
    except BaseException as exc:
        setattr(exc, _PROGRESS_ATTRIBUTE, progress)
        raise


def _run_waiting_for_the_drop(
    settings: Settings, run_date: date, progress: RunProgress, *, built: bool, resend: bool
) -> RunSummary:
    logger = get_run_logger()
    deadline = late_data_deadline(run_date, settings.late_data_alert_hour_utc)
    while True:
        try:
            return _run_one_day_locked(settings, run_date, progress, built=built, resend=resend)
        except DropIncompleteError as exc:
            if progress.stage != "pull":
                raise
            wait_s = (deadline - datetime.now(UTC)).total_seconds()
            if wait_s <= 0:
                _send_late_data_alert(settings, run_date, deadline, exc, resend=resend)
                progress.alerted = True
                raise
            logger.info(
                "%s; waiting for it until %s (next look in %.0f s)",
                exc,
                deadline.isoformat(),
                min(wait_s, settings.drop_poll_interval_s),
            )
            time.sleep(min(wait_s, settings.drop_poll_interval_s))


def _send_late_data_alert(
    settings: Settings, run_date: date, deadline: datetime, exc: Exception, *, resend: bool
) -> None:
    line = (
        f"distillwatch LATE DATA {run_date.isoformat()}: the drop has not arrived by "
        f"{deadline:%Y-%m-%d %H:%M} UTC ({str(exc).splitlines()[0]})"
    )
    body = (
        f"{line}\n\nNo report for {run_date.isoformat()} was produced. Once the drop is there, "
        f"run `distillwatch run --date {run_date.isoformat()}` (or a backfill from the UI)."
    )
    outcome = _send_mail(settings, run_date, "late-data", (line, body), [], resend=resend)
    get_run_logger().error("%s (%s)", line, outcome)


def _run_one_day_locked(
    settings: Settings, run_date: date, progress: RunProgress, *, built: bool, resend: bool
) -> RunSummary:
    logger = get_run_logger()
    summary = RunSummary(run_date=run_date.isoformat())
    warehouse = settings.warehouse.resolve()
    progress.enter("waiting for the writer lock")
    # The date's lock for the whole run (its files and mail); the writer lock until the run no
    # longer reads the warehouse: `release_warehouse`, called early by `_report_day`.
    with (
        date_run(warehouse, run_date, timeout_s=settings.writer_lock_timeout_s, on_wait=logger.info),
        ExitStack() as warehouse_held,
    ):
        warehouse_held.enter_context(
            warehouse_writer(warehouse, timeout_s=settings.writer_lock_timeout_s, on_wait=logger.info)
        )

        def release_warehouse() -> None:
            warehouse_held.close()
            released = WAREHOUSE_RELEASED.get()
            if released is not None:
                released()

        removed = clean_stale(settings.reports_dir, settings.landing_dir, settings.outbox_dir, run_date)
        if removed:
            logger.info("removed what an interrupted run left: %s", ", ".join(map(str, removed)))
        if built:
            progress.enter("validate")
            validation = ValidationResult.load(settings.landing_dir.resolve(), run_date)
            progress.enter("dbt")
            dbt_summary, dbt_failures = _dbt_checked(finish_built_date, settings, run_date)
        else:
            progress.enter("pull")
            landed = _timed(pull, settings)(settings, run_date)
            checkpoint("pull")
            progress.enter("validate")
            validation = _timed(validate, settings)(settings, landed)
            checkpoint("validate")
            progress.enter("dbt")
            dbt_summary, dbt_failures = _dbt_checked(transform, settings, run_date)
        checkpoint("dbt")
        # Readers stay under the lock too: a concurrent writer would make read-only opens fail.
        progress.enter("gate")
        gate = with_dbt_test_failures(_timed(check_quality, settings)(settings, run_date), dbt_failures)
        data = _timed(gather_digest_data, settings)(settings, run_date, validation, gate)
        checkpoint("gate")

        summary.rows_read = validation.requests_read
        summary.rows_kept = validation.requests_kept
        summary.rows_quarantined = validation.requests_quarantined
        summary.quarantine = validation.messages()
        summary.dbt_nodes = dbt_summary.nodes if dbt_summary is not None else 0
        summary.gate_passed = gate.passed
        summary.gate_failures = list(gate.critical_failures)

        # Rendering, publishing and delivery under the date's lock: the ledger's check-then-send
        # must not race with another run of the same date.
        if gate.passed:
            _report_day(settings, run_date, data, summary, progress, release_warehouse, resend=resend)
        else:
            _alert_day(settings, run_date, gate, data, summary, progress, resend=resend)
    progress.enter("done")
    _publish_artifacts(summary, gate)
    logger.info("run %s done: %s", run_date, asdict(summary))
    return summary


def _dbt_checked(
    build: Any, settings: Settings, run_date: date
) -> tuple[DbtRunSummary | None, tuple[DbtNodeFailure, ...]]:
    """The dbt build; failing data tests are returned (they fail the quality gate like a failed
    critical expectation), anything else that fails is raised."""
    try:
        return build(settings, run_date), ()
    except DbtBuildError as exc:
        if not exc.failed_data_tests_only:
            raise
        get_run_logger().warning("%s", exc)
        return exc.summary, exc.failures


def with_dbt_test_failures(gate: GateResult, failures: tuple[DbtNodeFailure, ...]) -> GateResult:
    """The gate with each failed dbt data test as a failed critical check (suite `dbt`)."""
    if not failures:
        return gate
    checks = tuple(
        CheckResult(
            suite="dbt",
            expectation=failure.test_name,
            check="dbt data test",
            column=failure.column,
            severity="critical",
            success=False,
            observed=failure.message,
            expected="no failing rows",
        )
        for failure in failures
    )
    return replace(gate, checks=checks + gate.checks)


def _stage_and_publish(
    settings: Settings, run_date: date, write: Callable[[Path], list[Path]]
) -> tuple[Path, list[Path]]:
    """`write` the day set into a fresh staging folder, then publish it as `reports/<date>/`
    (`flows.publish` step 1); returns that folder and the published paths of what was written.
    If anything fails first, the previous set of the day stays as it was."""
    staged = staging_day_dir(settings.reports_dir, run_date)
    try:
        files = write(staged)
        checkpoint("render")
        published = publish_day(staged, settings.reports_dir, run_date)
    except BaseException:
        discard_staging(staged)
        raise
    return published, [published / path.relative_to(staged) for path in files]


def _alert_day(
    settings: Settings,
    run_date: date,
    gate: GateResult,
    data: DigestData,
    summary: RunSummary,
    progress: RunProgress,
    *,
    resend: bool,
) -> None:
    """A failed gate: the data-quality alert PDF, published as the day's only file, and its mail."""
    progress.enter("render")
    _, files = _stage_and_publish(
        settings, run_date, lambda staged: [_timed(render_alert_pdf, settings)(settings, data, staged)]
    )
    summary.reports = [str(path) for path in files]
    progress.enter("deliver")
    checkpoint("deliver")
    summary.delivered.append(
        _send_mail(
            settings, run_date, "quality-alert", quality_alert_mail(run_date, gate), files, resend=resend
        )
    )


def _report_day(
    settings: Settings,
    run_date: date,
    data: DigestData,
    summary: RunSummary,
    progress: RunProgress,
    release_warehouse: Callable[[], None],
    *,
    resend: bool,
) -> None:
    """A passed gate: the digest goes out as soon as it is ready; the campaign reports follow.

    This process renders the digest first (the workers' start-up, a WeasyPrint import each,
    would take the cores from it), then starts the campaign reports in worker processes
    (`read_campaigns`, one per CPU, below this process's priority) into a staging folder of
    their own. Meanwhile it publishes the day set (digest, campaigns.csv,
    campaign_accounts.csv: `flows.publish` step 1) and mails it, attaching only published
    files. Once the workers have read what they need, it hands the warehouse back
    (`release_warehouse`: in a backfill the next date starts building), then waits for the
    campaign reports, publishes them (step 2) and mails them. If they fail after the digest
    went out, the run fails at stage "campaign reports" and its failure alert names the
    campaigns and says the digest went out without them; a re-run renders them again and does
    not send the digest twice (`flows.ledger`).
    """
    progress.enter("render")
    campaigns_staged: Path | None = None
    reading: PrefectFuture[CampaignReportJob] | None = None
    job: CampaignReportJob | None = None

    def write_day_set(staged: Path) -> list[Path]:
        nonlocal campaigns_staged, reading
        campaigns = _timed(export_campaigns, settings)(settings, run_date, staged)
        summary.campaigns = campaigns.campaigns
        summary.candidates = campaigns.candidates
        digest = _timed(render_digest_pdf, settings)(settings, data, staged)
        if campaigns.campaigns:  # after the digest: on two cores it would wait for them
            campaigns_staged = staging_day_dir(settings.reports_dir, run_date)
            reading = _timed(read_campaigns, settings).submit(settings, run_date, campaigns_staged)
        return [digest, campaigns.campaigns_csv, campaigns.campaign_accounts_csv, campaigns.candidates_csv]

    try:
        published, day_files = _stage_and_publish(settings, run_date, write_day_set)
        summary.reports = [str(path) for path in day_files]

        progress.enter("deliver")
        checkpoint("deliver")
        mail = digest_mail(run_date, summary.campaigns, data.candidates)
        summary.delivered.append(
            _send_mail(settings, run_date, "daily-digest", mail, day_files, resend=resend)
        )

        progress.enter("campaign reports")
        job = reading.result() if reading is not None else None
        release_warehouse()
        rendered = _timed(render_campaigns, settings)(job) if job is not None else []
        checkpoint("campaigns")
        if campaigns_staged is None:
            return
        report_dir = publish_campaigns(campaigns_staged, published)
        report_files = [report_dir / path.relative_to(campaigns_staged / CAMPAIGNS_DIR) for path in rendered]
        summary.reports += [str(path) for path in report_files]
        mail = campaign_reports_mail(run_date, summary.campaigns)
        summary.delivered.append(
            _send_mail(settings, run_date, "campaign-reports", mail, report_files, resend=resend)
        )
    finally:
        if reading is not None:
            reading.wait()  # never leave the date's lock with render workers still writing
            if job is None and reading.state.is_completed():
                job = reading.result()
        if job is not None:
            job.close()
        if campaigns_staged is not None:
            discard_staging(campaigns_staged)  # gone already once published


def quality_alert_mail(run_date: date, gate: GateResult) -> tuple[str, str]:
    """(subject, body) of the data-quality alert mail of a day whose gate failed."""
    day = run_date.isoformat()
    body = "\n".join(
        [
            f"The quality gate failed for {day}; no threat report was sent.",
            "Failed critical checks (Great Expectations and dbt data tests):",
            *[f"- {failure}" for failure in gate.critical_failures],
        ]
    )
    return f"distillwatch DATA-QUALITY ALERT {day}", body


# --- failure alerts (Prefect state hooks) --------------------------------------------------------


def _state_error(state: Any) -> object:
    """What a failed or crashed run raised (None when the state cannot say)."""
    try:
        return state.result(raise_on_failure=False)
    except Exception:
        return None


def _error_line(state: Any) -> str:
    """The error of a failed or crashed run in one line."""
    exc = _state_error(state)
    if isinstance(exc, BaseException) and str(exc):
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:500]
    return (state.message or state.type.value).splitlines()[0][:500]


def _date_of(flow_run: Any) -> str:
    name = str(getattr(flow_run, "name", ""))
    if name.startswith("nightly-"):
        return name.removeprefix("nightly-")
    value = (getattr(flow_run, "parameters", None) or {}).get("run_date")
    return str(value or yesterday_utc())


def failure_alert_line(kind: str, run_date: str, stage: str, error: str) -> str:
    return f"distillwatch nightly {run_date} {kind} at stage {stage}: {error}"


def send_run_alert(settings: Settings, name: str, line: str, detail: str) -> str:
    """A run-failure alert: sent every time (a repeated failure is news), never ledgered."""
    message = build_message(settings, line[:250], f"{line}\n\n{detail}\n", [])
    return str(deliver(settings, message, name=name))


def alert_failed_nightly(flow: Any, flow_run: Any, state: Any) -> None:
    """on_failure / on_crashed hook of `nightly`: one e-mail naming date, stage and error."""
    try:
        run_date = _date_of(flow_run)
        progress = progress_of(_state_error(state))
        if progress.alerted:
            return
        kind = "crashed" if state.is_crashed() else "failed"
        stage = progress.stage
        line = failure_alert_line(kind, run_date, stage, _error_line(state))
        if stage == "campaign reports":
            published = (
                f"The digest of {run_date} went out and is published; its campaign reports are not "
                "(neither published nor mailed). After fixing the cause, a re-run renders and sends "
                "them (the digest is not sent again)"
            )
        else:
            published = (
                f"The published reports of {run_date} (if any) are those of the last complete run. "
                "After fixing the cause"
            )
        detail = (
            f"Prefect flow run {flow_run.name} ({flow_run.id}) is {state.type.value}. {published}: "
            f"distillwatch run --date {run_date}"
        )
        send_run_alert(Settings(), f"{run_date}-run-{kind}", line, detail)
    except Exception:
        logging.getLogger("distillwatch.pipeline").exception("could not send the failure alert")


def alert_failed_backfill(flow: Any, flow_run: Any, state: Any) -> None:
    """on_failure / on_crashed hook of `backfill`: one e-mail with the range and the error."""
    try:
        params = getattr(flow_run, "parameters", None) or {}
        start, end = params.get("start_date"), params.get("end_date")
        span = f"{start}..{end}"
        kind = "crashed" if state.is_crashed() else "failed"
        line = f"distillwatch backfill {span} {kind}: {_error_line(state)}"
        detail = f"Prefect flow run {flow_run.name} ({flow_run.id}): see its backfill summary artifact."
        send_run_alert(Settings(), f"backfill-{start}-to-{end}-{kind}", line, detail)
    except Exception:
        logging.getLogger("distillwatch.pipeline").exception("could not send the failure alert")


# --- flows ---------------------------------------------------------------------------------------


def _nightly_run_name() -> str:
    from prefect.runtime import flow_run

    return f"nightly-{flow_run.parameters.get('run_date') or yesterday_utc()}"


@flow(
    name="nightly",
    log_prints=True,
    flow_run_name=_nightly_run_name,
    on_failure=[alert_failed_nightly],
    on_crashed=[alert_failed_nightly],
)
def nightly(run_date: date | None = None, resend: bool = False) -> RunSummary:
    """Pull, validate, transform, check, detect, render and deliver one date (default: yesterday,
    UTC). `resend`: deliver the day's mail again even if it already went."""
    return run_one_day(Settings(), run_date or yesterday_utc(), resend=resend)


class BackfillIncompleteError(ValueError):
    """Some dates of a backfill failed; the others ran. Final, like a contract violation."""


@dataclass
class DateOutcome:
    """One row of the backfill summary."""

    run_date: str
    status: str  # digest | quality alert | failed
    campaigns: int = 0
    digest: str = ""
    error: str = ""
    summary: RunSummary | None = None

    def row(self) -> dict[str, Any]:
        return {
            "date": self.run_date,
            "status": self.status,
            "campaigns": self.campaigns,
            "digest": self.digest,
            "error": self.error,
        }


def date_range(start_date: date, end_date: date) -> list[date]:
    """Every date from start to end inclusive; a reversed range is refused (`ValueError`)."""
    if end_date < start_date:
        raise ValueError(f"backfill: end_date {end_date} is before start_date {start_date}")
    return [start_date + timedelta(days=offset) for offset in range((end_date - start_date).days + 1)]


def _done(summary: RunSummary) -> DateOutcome:
    from flows.report.digest import ALERT_FILE, DIGEST_FILE

    digest = next((r for r in summary.reports if r.endswith((DIGEST_FILE, ALERT_FILE))), "")
    status = "digest" if summary.gate_passed else "quality alert"
    return DateOutcome(summary.run_date, status, summary.campaigns, digest, summary=summary)


def _failed(day: date, stage: str, error: str) -> DateOutcome:
    return DateOutcome(day.isoformat(), "failed", error=f"{stage}: {error}")


def _backfill_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"backfill-{params.get('start_date')}..{params.get('end_date')}"


@flow(
    name="backfill",
    log_prints=True,
    flow_run_name=_backfill_run_name,
    # Prefect types task_runner as TaskRunner[PrefectFuture[Any]], an invariant generic its own
    # ThreadPoolTaskRunner (TaskRunner[PrefectConcurrentFuture]) does not match (its docs' usage)
    task_runner=ThreadPoolTaskRunner(max_workers=BACKFILL_CONCURRENCY),  # type: ignore[arg-type]
    on_failure=[alert_failed_backfill],
    on_crashed=[alert_failed_backfill],
)
def backfill(start_date: date, end_date: date, resend: bool = False) -> list[RunSummary]:
    """Run the pipeline for each date from start_date to end_date inclusive.

    In date order through `nightly` (a subflow per date, named `nightly-<date>`) when the
    warehouse admits one writer (DuckDB, local Spark): a date starts once the one before it has
    handed the warehouse back, so its build runs while the earlier date's campaign reports
    render and go out (`_run_dates_in_turn`). On a target
    that allows concurrent writers (a Spark cluster), the dates are first pulled, validated and
    built on the cluster BACKFILL_CONCURRENCY at a time; then, in date order, the models shared
    across dates, detection (its rolling window and campaign identities need the earlier
    dates), the gate, the reports and delivery.

    A date that fails does not stop the others. The run publishes a summary artifact (a row per
    date: status, campaigns, digest path, error) and ends Failed, naming the failed dates, if
    any failed. A reversed range fails before any work.
    """
    dates = date_range(start_date, end_date)
    settings = Settings()
    outcomes: list[DateOutcome] = []
    if not allows_concurrent_writers(settings):
        outcomes = _run_dates_in_turn(dates, resend)
    else:
        get_run_logger().info(
            "target %s allows concurrent writers: building %d dates, %d at a time",
            settings.dbt_target,
            len(dates),
            BACKFILL_CONCURRENCY,
        )
        futures = [_timed(land_and_build, settings).submit(settings, day) for day in dates]
        for day, future in zip(dates, futures, strict=True):
            future.wait()
            if not future.state.is_completed():
                outcomes.append(_failed(day, "pull, validate and build", _error_line(future.state)))
                continue
            try:
                outcomes.append(_done(run_one_day(settings, day, built=True, resend=resend)))
            except Exception as exc:
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                outcomes.append(_failed(day, progress_of(exc).stage, error))
    _publish_backfill_summary(start_date, end_date, outcomes)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise BackfillIncompleteError(
            f"backfill {start_date}..{end_date}: {len(failed)} of {len(outcomes)} dates failed: "
            + "; ".join(f"{o.run_date} ({o.error})" for o in failed)
        )
    return [o.summary for o in outcomes if o.summary is not None]


def _nightly_state(day: date, resend: bool) -> State[RunSummary]:
    """One date's `nightly` subflow; its final state, not its result (a failed date is an outcome)."""
    return nightly(run_date=day, resend=resend, return_state=True)


def _run_dates_in_turn(dates: list[date], resend: bool) -> list[DateOutcome]:
    """`nightly` for each date, in order, with at most DATES_IN_FLIGHT under way: the next date
    is started once this one has released the warehouse (`WAREHOUSE_RELEASED`) or ended, so
    only one of them ever waits for the writer lock, and always the later one.

    Each runs in a thread of its own with a copy of this flow's context, so it is still this
    backfill's subflow in Prefect (the pattern Prefect's maintainers give for threads)."""
    running: list[tuple[date, Future[State[RunSummary]]]] = []
    with ThreadPoolExecutor(max_workers=DATES_IN_FLIGHT, thread_name_prefix="backfill-date") as pool:
        for day in dates:
            released = threading.Event()
            context = contextvars.copy_context()
            context.run(WAREHOUSE_RELEASED.set, released.set)
            future = pool.submit(context.run, _nightly_state, day, resend)
            while not released.wait(0.05) and not future.done():
                pass
            running.append((day, future))
    outcomes = []
    for day, future in running:
        try:
            state = future.result()
        except Exception as exc:  # the engine itself failed: the date failed, the others ran
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            outcomes.append(_failed(day, progress_of(exc).stage, error))
            continue
        if state.is_completed():
            outcomes.append(_done(state.result()))
        else:
            outcomes.append(_failed(day, progress_of(_state_error(state)).stage, _error_line(state)))
    return outcomes


def _publish_backfill_summary(start: date, end: date, outcomes: list[DateOutcome]) -> None:
    failed = sum(o.status == "failed" for o in outcomes)
    create_table_artifact(
        [o.row() for o in outcomes],
        key=f"backfill-{start.isoformat()}-{end.isoformat()}",
        description=f"Backfill {start}..{end}: {len(outcomes) - failed} dates done, {failed} failed",
    )
