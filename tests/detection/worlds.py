"""Hand-made detection worlds: write a few days of exports and replay them end to end.

The worlds of test_detection_pipeline.py and test_harvest.py differ in their cohorts (the
requests and accounts they pass here), not in how they are written and replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from flows.detection.replay import ReplayResult, replay
from flows.drop_writer import write_drop

MODEL_RELEASES = (
    "model,released_at\nclaude-sonnet-4-5,2025-09-29T17:00:00Z\nclaude-opus-4-5,2025-11-24T18:00:00Z\n"
)


def replay_world(
    root: Path,
    start: date,
    days: int,
    accounts: pa.Table,
    requests_of_day: Callable[[date, int], list[pa.Table]],
) -> ReplayResult:
    """Exports under root/exports (the day's requests: `requests_of_day(day, offset)`), replayed
    into root/run."""
    exports = root / "exports"
    (exports / "reference").mkdir(parents=True)
    (exports / "reference" / "model_releases.csv").write_text(MODEL_RELEASES)
    for offset in range(days):
        day = start + timedelta(days=offset)
        write_drop(str(exports), day, requests_of_day(day, offset), accounts)
    return replay(exports, root / "run", start, days)
