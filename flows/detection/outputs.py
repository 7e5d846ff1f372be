"""Campaign CSVs of one run date, read from the detection marts.

`write_campaign_outputs(warehouse, run_date, reports_dir)` writes
`<reports_dir>/<date>/campaigns.csv` (one row per campaign reported that day) and
`<reports_dir>/<date>/campaign_accounts.csv` (one row per listed account), sorted and with
`\\n` line ends so the same warehouse always gives the same bytes. The warehouse is opened
read-only: call it after dbt has finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flows.atomic import write_atomic
from flows.csv_output import csv_text
from flows.reader import Catalog, connect_read_only

CAMPAIGN_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "status",
    "verdict",
    "confidence",
    "score",
    "harvesting_points",
    "coordination_points",
    "window_start",
    "accounts",
    "organizations",
    "requests",
    "total_tokens",
    "target_capabilities",
    "models",
    "first_seen",
    "last_seen",
    "founded_date",
    "top_signature_template",
    "confidence_statement",
)
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "account_id",
    "organization_id",
    "score",
    "membership_reason",
    "signature_template_share",
    "requests",
    "total_tokens",
    "first_active_date",
    "last_active_date",
    "verdict",
)
CAMPAIGNS_FILE = "campaigns.csv"
CAMPAIGN_ACCOUNTS_FILE = "campaign_accounts.csv"


@dataclass(frozen=True)
class CampaignOutputs:
    """What one date's outputs hold."""

    run_date: date
    campaigns_csv: Path
    campaign_accounts_csv: Path
    campaigns: int
    accounts: int
    campaign_ids: tuple[str, ...]

    @property
    def files(self) -> tuple[Path, Path]:
        return (self.campaigns_csv, self.campaign_accounts_csv)


def read_campaign_rows(
    warehouse: Path, run_date: date
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(campaign rows, account rows) for the date, in the CSV column order, sorted."""
    with connect_read_only(warehouse) as con:
        tables = Catalog(con)
        if not ("fct_campaigns" in tables and "fct_campaign_accounts" in tables):
            return [], []
        campaigns = con.execute(
            f"select {', '.join(CAMPAIGN_COLUMNS)} from fct_campaigns "
            "where activity_date = ? order by score desc, campaign_id",
            [run_date],
        ).fetchall()
        accounts = con.execute(
            f"select {', '.join(ACCOUNT_COLUMNS)} from fct_campaign_accounts "
            "where activity_date = ? order by campaign_id, account_id",
            [run_date],
        ).fetchall()
    return campaigns, accounts


def write_campaign_outputs(warehouse: Path, run_date: date, reports_dir: Path) -> CampaignOutputs:
    """Write the date's campaigns.csv and campaign_accounts.csv under `reports_dir/<date>/`."""
    campaigns, accounts = read_campaign_rows(Path(warehouse), run_date)
    out_dir = Path(reports_dir) / run_date.isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    campaigns_csv = out_dir / CAMPAIGNS_FILE
    accounts_csv = out_dir / CAMPAIGN_ACCOUNTS_FILE
    write_atomic(campaigns_csv, csv_text(CAMPAIGN_COLUMNS, campaigns))
    write_atomic(accounts_csv, csv_text(ACCOUNT_COLUMNS, accounts))
    return CampaignOutputs(
        run_date=run_date,
        campaigns_csv=campaigns_csv,
        campaign_accounts_csv=accounts_csv,
        campaigns=len(campaigns),
        accounts=len(accounts),
        campaign_ids=tuple(row[0] for row in campaigns),
    )
