"""Shared test set-up: no telemetry, a private PREFECT_HOME, one Prefect test server a session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

# Before anything imports prefect, dbt or GX: no telemetry, and Prefect's state kept out of ~.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="distillwatch-prefect-home-")


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real Prefect server (SQLite) for the whole session; it takes ~15 s to start on two cores."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
