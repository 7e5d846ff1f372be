"""The SMTP password is a SecretStr: settings dumps, repr and the Prefect run (parameters, logs,
artifacts) never show it, while delivery still logs in with it (tests/test_deliver.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from factories import make_accounts, make_requests

from flows.drop_writer import write_drop
from flows.settings import Settings

PASSWORD = "hunter2-Qx7!pw"
DAY = date(2026, 11, 26)


def test_settings_never_show_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTILLWATCH_SMTP_PASSWORD", PASSWORD)
    settings = Settings()
    shown = [
        repr(settings),
        str(settings),
        str(settings.model_dump()),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
    ]
    assert all(PASSWORD not in text for text in shown)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == PASSWORD  # still there for deliver.py


def test_the_run_in_prefect_never_shows_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None
) -> None:
    """The pipeline's pull and validate tasks and its run artifact, run by a real Prefect server
    with the password set and the settings logged carelessly; then everything the API holds for
    the run (flow and task runs, logs, artifacts) is searched for it."""
    from prefect import flow, get_client, get_run_logger

    from flows.pipeline import RunSummary, _publish_artifacts, pull, validate

    root = tmp_path / "export"
    write_drop(str(root), DAY, [make_requests(10, DAY)], make_accounts())
    (root / "reference").mkdir()
    (root / "reference/model_releases.csv").write_text("model,released_at\n")
    monkeypatch.setenv("DISTILLWATCH_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("DISTILLWATCH_EXPORT_ROOT", str(root))
    monkeypatch.setenv("DISTILLWATCH_LANDING_DIR", str(tmp_path / "landing"))

    @flow(name="secrets-check")
    def run(settings: Settings) -> str:
        get_run_logger().info("settings: %r / %s", settings, settings.model_dump())
        result = validate(settings, pull(settings, DAY))
        _publish_artifacts(RunSummary(str(DAY), result.requests_read, result.requests_kept), None)
        return str(get_run_logger().extra["flow_run_id"])

    state = run(Settings(), return_state=True)
    flow_run_id = state.result()

    import asyncio

    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # logs go to the API in batches

    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    async def everything() -> str:
        async with get_client() as client:
            flow_run = await client.read_flow_run(flow_run_id)
            tasks = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            )
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
            )
        assert any("settings:" in log.message for log in logs)  # the careless log line arrived
        assert artifacts  # and the run summary
        return json.dumps(
            [flow_run.model_dump(mode="json")]
            + [t.model_dump(mode="json") for t in tasks]
            + [x.model_dump(mode="json") for x in logs]
            + [a.model_dump(mode="json") for a in artifacts]
        )

    text = asyncio.run(everything())
    assert "**********" in text and PASSWORD not in text
