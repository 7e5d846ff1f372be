"""Ground-truth labels, written outside the export root (the pipeline never sees them).

`<labels_dir>/accounts.csv`: one row per account that appears in any drop of the period -
`account_id, organization_id, kind, campaign_id, scenario` where `kind` is `benign`, a hard
benign case (`benign_enterprise`, `benign_university`, `benign_eval_company`,
`benign_reseller`, `benign_early_adopter`), `benign_small_team` (randomized worlds) or a
campaign kind (`campaign_reasoning`, `campaign_agentic`, `campaign_coding`,
`campaign_proxy_network`); `campaign_id` is empty for
benign kinds; `scenario` is the case that made the account (`baseline` for ordinary
traffic, else the scenario name of the case, e.g. `enterprise`, `coding`; in a randomized
world the instance, e.g. `enterprise-2`, `coding-1`, `small_teams`).

`<labels_dir>/campaigns.csv`: one row per campaign - `campaign_id, kind,
target_capabilities` (`;`-joined, main target first), `first_date, last_date` (first and
last day with campaign traffic in the period) and `accounts` (labelled accounts).

Both files are sorted and written with `\\n` line ends, so a seed always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from flows.csv_output import csv_text
from flows.synth.cohort import FrozenBook

ACCOUNT_COLUMNS = ("account_id", "organization_id", "kind", "campaign_id", "scenario")
CAMPAIGN_COLUMNS = ("campaign_id", "kind", "target_capabilities", "first_date", "last_date", "accounts")


@dataclass(frozen=True)
class CampaignInfo:
    """What a campaign builder declares about its campaign."""

    campaign_id: str
    kind: str
    case: str
    target_capabilities: tuple[str, ...]


@dataclass(frozen=True)
class CampaignSummary:
    campaign_id: str
    kind: str
    target_capabilities: tuple[str, ...]
    first_date: date | None
    last_date: date | None
    accounts: int
    requests: int


def write_labels(
    labels_dir: Path, book: FrozenBook, seen: np.ndarray, campaigns: list[CampaignSummary]
) -> None:
    """Write both label files; `seen` marks the accounts that appear in some drop."""
    labels_dir.mkdir(parents=True, exist_ok=True)
    account_ids = book.account_ids.to_pylist()
    org_ids = book.org_ids.to_pylist()
    rows: list[tuple[object, ...]] = []
    first = 0
    for block in book.blocks:
        for i in range(first, first + len(block)):
            if seen[i]:
                rows.append(
                    (account_ids[i], org_ids[book.acct_org[i]], block.kind, block.campaign_id, block.case)
                )
        first += len(block)
    rows.sort()
    (labels_dir / "accounts.csv").write_bytes(csv_text(ACCOUNT_COLUMNS, rows).encode("utf-8"))
    campaign_rows = sorted(
        (
            c.campaign_id,
            c.kind,
            ";".join(c.target_capabilities),
            c.first_date.isoformat() if c.first_date else "",
            c.last_date.isoformat() if c.last_date else "",
            c.accounts,
        )
        for c in campaigns
    )
    (labels_dir / "campaigns.csv").write_bytes(csv_text(CAMPAIGN_COLUMNS, campaign_rows).encode("utf-8"))
