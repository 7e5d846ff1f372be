"""Campaign CSVs of one run date, read from the detection marts.

`write_campaign_outputs(warehouse, run_date, reports_dir)` writes, under
`<reports_dir>/<date>/`:

* `campaigns.csv`: one row per *campaign* (publication tier `campaign`, fct_campaigns.tier);
* `campaign_accounts.csv`: one row per listed account of those campaigns - the ban list;
* `candidates.csv`: the *candidates* (tier `candidate`: flagged, but under the publication bar),
  one row per listed account with the candidate's figures and `tier_reason` repeated, and one
  row without account for a candidate that lists no account today (carried, not flagged). For
  review only: a candidate is never in campaign_accounts.csv, never gets a PDF or a STIX bundle.

All sorted, written by the one formula-safe CSV writer with `\\n` line ends, so the same
warehouse always gives the same bytes. The warehouse is opened read-only: call it after dbt
has finished.
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
    "independent_organizations",
    "tier_reason",
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
# candidates.csv: the candidate's figures (fct_campaigns), then one listed account's (fct_campaign_accounts)
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "status",
    "confidence",
    "score",
    "harvesting_points",
    "coordination_points",
    "accounts",
    "organizations",
    "independent_organizations",
    "first_seen",
    "last_seen",
    "tier_reason",
    # a candidate's account carries no verdict, and the score and campaign_id are the candidate's
    *(column for column in ACCOUNT_COLUMNS if column not in ("campaign_id", "score", "verdict")),
)
CAMPAIGNS_FILE = "campaigns.csv"
CAMPAIGN_ACCOUNTS_FILE = "campaign_accounts.csv"
CANDIDATES_FILE = "candidates.csv"
# fct_campaigns.tier: what is published (PDF, STIX, ban list) and what is only for review
TIER_CAMPAIGN = "campaign"
TIER_CANDIDATE = "candidate"


@dataclass(frozen=True)
class CampaignOutputs:
    """What one date's outputs hold."""

    run_date: date
    campaigns_csv: Path
    campaign_accounts_csv: Path
    candidates_csv: Path
    campaigns: int
    accounts: int
    campaign_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...] = ()
    candidate_accounts: int = 0

    @property
    def candidates(self) -> int:
        return len(self.candidate_ids)

    @property
    def files(self) -> tuple[Path, Path, Path]:
        return (self.campaigns_csv, self.campaign_accounts_csv, self.candidates_csv)


def read_output_rows(
    warehouse: Path, run_date: date
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(campaign rows, campaign account rows, candidate rows) for the date, in the column order
    of the three CSVs, sorted."""
    with connect_read_only(warehouse) as con:
        tables = Catalog(con)
        if not ("fct_campaigns" in tables and "fct_campaign_accounts" in tables):
            return [], [], []
        campaigns = con.execute(
            f"select {', '.join(CAMPAIGN_COLUMNS)} from fct_campaigns "
            "where activity_date = ? and tier = ? order by score desc, campaign_id",
            [run_date, TIER_CAMPAIGN],
        ).fetchall()
        accounts = con.execute(
            f"select {', '.join(ACCOUNT_COLUMNS)} from fct_campaign_accounts "
            "where activity_date = ? and tier = ? order by campaign_id, account_id",
            [run_date, TIER_CAMPAIGN],
        ).fetchall()
        account_columns = set(CANDIDATE_COLUMNS) & set(ACCOUNT_COLUMNS) - {"campaign_id"}
        select = ", ".join(f"{'a' if c in account_columns else 'c'}.{c}" for c in CANDIDATE_COLUMNS)
        candidates = con.execute(
            f"""
            select {select}
            from fct_campaigns c
            left join fct_campaign_accounts a
              on a.activity_date = c.activity_date and a.campaign_id = c.campaign_id
            where c.activity_date = ? and c.tier = ?
            order by c.score desc, c.campaign_id, a.account_id nulls first
            """,
            [run_date, TIER_CANDIDATE],
        ).fetchall()
    return campaigns, accounts, candidates


def write_campaign_outputs(warehouse: Path, run_date: date, reports_dir: Path) -> CampaignOutputs:
    """Write the date's campaigns.csv, campaign_accounts.csv and candidates.csv under
    `reports_dir/<date>/`."""
    campaigns, accounts, candidates = read_output_rows(Path(warehouse), run_date)
    out_dir = Path(reports_dir) / run_date.isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    campaigns_csv = out_dir / CAMPAIGNS_FILE
    accounts_csv = out_dir / CAMPAIGN_ACCOUNTS_FILE
    candidates_csv = out_dir / CANDIDATES_FILE
    write_atomic(campaigns_csv, csv_text(CAMPAIGN_COLUMNS, campaigns))
    write_atomic(accounts_csv, csv_text(ACCOUNT_COLUMNS, accounts))
    write_atomic(candidates_csv, csv_text(CANDIDATE_COLUMNS, candidates))
    account_at = CANDIDATE_COLUMNS.index("account_id")
    return CampaignOutputs(
        run_date=run_date,
        campaigns_csv=campaigns_csv,
        campaign_accounts_csv=accounts_csv,
        candidates_csv=candidates_csv,
        campaigns=len(campaigns),
        accounts=len(accounts),
        campaign_ids=tuple(row[0] for row in campaigns),
        candidate_ids=tuple(dict.fromkeys(row[0] for row in candidates)),
        candidate_accounts=sum(1 for row in candidates if row[account_at] is not None),
    )
