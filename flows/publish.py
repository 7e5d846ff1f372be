"""A day's outputs (`reports/<date>/`) produced aside and published in two renames.

1. The day set: the digest or quality alert, campaigns.csv and campaign_accounts.csv are written
   into `reports/.publishing-<date>-<id>/<date>/`; once all of them exist, that folder is
   exchanged with `reports/<date>/` (`renameat2(RENAME_EXCHANGE)`, the landing zone's swap,
   `publish_day`), so a reader sees the previous set or the new one, never a mix. The digest
   mail goes out after this step and attaches only these published files.
2. The campaign reports (a PDF, STIX bundle and account CSV per campaign), rendered meanwhile
   into a staging folder of their own, are then moved in as `reports/<date>/campaigns/` in one
   rename (`publish_campaigns`). Between the steps a reader sees the new day set without
   campaign reports, never the earlier run's campaign reports beside the new digest.

A run that fails or is killed before step 1 leaves the previous set untouched; one that fails
between the steps leaves the new day set without campaigns/ (what the digest mail said), and
the run's failure alert says so. A re-run whose gate flipped leaves no digest or campaign file
of the earlier run beside the alert (the new folder replaces the old one whole). Staging folders
left by a killed run are removed at the next run's start (`clean_stale`), under the warehouse
writer lock, so no other run is using them.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path

# The landing zone's atomic folder swap (same filesystem, exchange of two names).
from flows.pull import day_dir, swap_folders

STAGING_PREFIX = ".publishing-"
CAMPAIGNS_DIR = "campaigns"


def staging_day_dir(reports_dir: Path, run_date: date) -> Path:
    """A fresh, empty `reports/.publishing-<date>-<id>/<date>/` to write the day's outputs into."""
    root = Path(reports_dir) / f"{STAGING_PREFIX}{run_date.isoformat()}-{uuid.uuid4().hex[:12]}"
    staged = root / run_date.isoformat()
    staged.mkdir(parents=True)
    return staged


def publish_day(staged: Path, reports_dir: Path, run_date: date) -> Path:
    """Swap the staged day folder in as `reports/<date>/` and drop the previous set."""
    target = Path(reports_dir) / run_date.isoformat()
    swap_folders(staged, target)
    shutil.rmtree(staged.parent, ignore_errors=True)  # now the previous set, if any
    return target


def publish_campaigns(staged: Path, published: Path) -> Path:
    """Step 2: move `staged/campaigns/` (a `staging_day_dir`) in as `published/campaigns/` and
    drop the staging folder. `published` is the folder `publish_day` returned."""
    target = published / CAMPAIGNS_DIR
    swap_folders(staged / CAMPAIGNS_DIR, target)  # one rename: step 1 left no campaigns/ there
    shutil.rmtree(staged.parent, ignore_errors=True)
    return target


def discard_staging(staged: Path) -> None:
    shutil.rmtree(staged.parent, ignore_errors=True)


def clean_stale(reports_dir: Path, landing_dir: Path, outbox_dir: Path, run_date: date) -> list[Path]:
    """Remove what a killed run of `run_date` left half-done; returns what was removed.

    Only this date's temporaries: on a cluster target other dates may be landing meanwhile.
    """
    day = run_date.isoformat()
    landing_day = day_dir(landing_dir, run_date)
    candidates = [
        *Path(reports_dir).glob(f"{STAGING_PREFIX}{day}-*"),
        *Path(reports_dir).glob(f"{day}/**/*.partial"),
        *Path(landing_dir).glob(f".{landing_day.name}.pulling-*"),
        *(Path(landing_dir) / "reference").glob(f".model_releases.csv..{landing_day.name}.pulling-*"),
        *landing_day.glob(".validating-*"),
        *Path(outbox_dir).glob(f"{day}-*.eml.partial"),
    ]
    for path in candidates:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return candidates
