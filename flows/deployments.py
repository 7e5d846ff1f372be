"""Deployments of the two flows: nightly on a UTC cron schedule, backfill on demand.

`prefect.yaml` declares the same two deployments for a work pool; `distillwatch serve` is the
single-machine way to run them without one.
"""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.pipeline import backfill, nightly
from flows.prefect_sync import resolved

NIGHTLY_CRON_UTC = "0 5 * * *"


def serve_deployments(cron: str = NIGHTLY_CRON_UTC) -> None:
    """Serve both deployments until interrupted. The backfill's typed date parameters give the
    Prefect UI a date form; one run at a time per deployment, and the warehouse writer lock
    serializes a nightly run against a running backfill."""
    serve(
        resolved(
            nightly.to_deployment(
                name="nightly",
                schedules=[Cron(cron, timezone="UTC")],
                concurrency_limit=1,
                description="Yesterday's exports (UTC) through the whole pipeline.",
                tags=["distillwatch"],
            )
        ),
        resolved(
            backfill.to_deployment(
                name="backfill",
                concurrency_limit=1,
                description=(
                    "Re-run the pipeline for every date of a range: in order on DuckDB, dates built "
                    "concurrently on a Spark cluster."
                ),
                tags=["distillwatch"],
            )
        ),
    )
