"""Score the campaign outputs of a period against the synthetic generator's labels.

`evaluate(labels_dir, reports_dir, dates=None)` reads `<labels>/accounts.csv` and
`<labels>/campaigns.csv` (flows.synth.labels) and every `<reports>/<date>/campaign_accounts.csv`
(flows.detection.outputs) and measures:

* account level: flagged = union of the listed accounts over the report dates; truth = the
  campaign-labelled accounts that sent traffic (by default every campaign-labelled account in
  the labels, which lists accounts that appear in a drop; pass `active_accounts` or
  `warehouse` to restrict it to accounts with requests in the evaluated dates);
  precision, recall, F1, and false positives by label kind;
* per true campaign: completeness (share of its accounts flagged), the detected campaign id
  that holds most of them and that campaign's purity (share of its accounts that belong to the
  true campaign), and the first report date that listed any of its accounts against its first
  active date.

`format_report(report)` renders it as plain text.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flows.detection.outputs import CAMPAIGN_ACCOUNTS_FILE

CAMPAIGN_KIND_PREFIX = "campaign_"


@dataclass(frozen=True)
class CampaignResult:
    """How one labelled campaign was detected."""

    campaign_id: str
    kind: str
    accounts: int  # labelled accounts counted as truth
    flagged: int  # of those, flagged on some date
    best_match: str | None  # detected campaign id holding most of its accounts
    best_match_accounts: int  # accounts listed under best_match (all dates)
    best_match_purity: float | None  # share of best_match's accounts in this campaign
    detected_campaigns: int  # detected ids holding any of its accounts
    first_active: date | None
    first_flagged: date | None

    @property
    def completeness(self) -> float:
        return self.flagged / self.accounts if self.accounts else 0.0

    @property
    def delay_days(self) -> int | None:
        if self.first_active is None or self.first_flagged is None:
            return None
        return (self.first_flagged - self.first_active).days


@dataclass(frozen=True)
class EvaluationReport:
    dates: tuple[date, ...]
    truth: int
    flagged: int
    true_positives: int
    false_positives_by_kind: dict[str, int]
    campaigns: tuple[CampaignResult, ...]
    detected_campaign_ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def false_positives(self) -> int:
        return sum(self.false_positives_by_kind.values())

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def report_dates(reports_dir: Path) -> list[date]:
    """Dates that have a campaign_accounts.csv under `reports_dir`."""
    found = []
    for child in Path(reports_dir).iterdir():
        if not (child / CAMPAIGN_ACCOUNTS_FILE).is_file():
            continue
        try:
            found.append(date.fromisoformat(child.name))
        except ValueError:
            continue
    return sorted(found)


def active_accounts_in(warehouse: Path, dates: Iterable[date]) -> set[str]:
    """Accounts with requests on any of `dates` (fct_account_daily, opened read-only)."""
    from flows.reader import connect_read_only  # lazy: duckdb only where a warehouse is read

    days = sorted(dates)
    if not days:
        return set()
    with connect_read_only(warehouse) as con:
        rows = con.execute(
            "select distinct account_id from fct_account_daily where activity_date between ? and ?",
            [days[0], days[-1]],
        ).fetchall()
    return {row[0] for row in rows}


def evaluate(
    labels_dir: Path,
    reports_dir: Path,
    *,
    dates: Iterable[date] | None = None,
    active_accounts: Iterable[str] | None = None,
    warehouse: Path | None = None,
) -> EvaluationReport:
    """Account- and campaign-level scores of the outputs under `reports_dir` (see module doc)."""
    labels_dir, reports_dir = Path(labels_dir), Path(reports_dir)
    days = sorted(dates) if dates is not None else report_dates(reports_dir)
    labels = read_rows(labels_dir / "accounts.csv")
    kind_of = {row["account_id"]: row["kind"] for row in labels}
    campaign_of = {
        row["account_id"]: row["campaign_id"]
        for row in labels
        if row["kind"].startswith(CAMPAIGN_KIND_PREFIX) and row["campaign_id"]
    }
    active: set[str] | None = None
    if active_accounts is not None:
        active = set(active_accounts)
    elif warehouse is not None:
        active = active_accounts_in(Path(warehouse), days)
    truth = {a for a in campaign_of if active is None or a in active}

    flagged: set[str] = set()
    first_flagged: dict[str, date] = {}
    detected: dict[str, set[str]] = defaultdict(set)  # detected campaign id -> accounts
    for day in days:
        path = reports_dir / day.isoformat() / CAMPAIGN_ACCOUNTS_FILE
        if not path.is_file():
            continue
        for row in read_rows(path):
            account = row["account_id"]
            flagged.add(account)
            first_flagged.setdefault(account, day)
            detected[row["campaign_id"]].add(account)

    false_positives = Counter(kind_of.get(a, "unlabelled") for a in flagged if a not in campaign_of)
    campaign_rows = {row["campaign_id"]: row for row in read_rows(labels_dir / "campaigns.csv")}
    members: dict[str, set[str]] = defaultdict(set)
    for account in truth:
        members[campaign_of[account]].add(account)

    results = []
    for campaign_id in sorted(set(campaign_rows) | set(members)):
        row = campaign_rows.get(campaign_id, {})
        accounts = members.get(campaign_id, set())
        hits = accounts & flagged
        overlaps = sorted(
            ((len(found & accounts), det_id) for det_id, found in detected.items() if found & accounts),
            key=lambda item: (-item[0], item[1]),
        )
        best = overlaps[0][1] if overlaps else None
        purity = None
        if best is not None:
            best_accounts = detected[best]
            purity = sum(1 for a in best_accounts if campaign_of.get(a) == campaign_id) / len(best_accounts)
        first = min((first_flagged[a] for a in hits), default=None)
        first_active = row.get("first_date") or None
        results.append(
            CampaignResult(
                campaign_id=campaign_id,
                kind=row.get("kind", ""),
                accounts=len(accounts),
                flagged=len(hits),
                best_match=best,
                best_match_accounts=len(detected[best]) if best else 0,
                best_match_purity=purity,
                detected_campaigns=len(overlaps),
                first_active=date.fromisoformat(first_active) if first_active else None,
                first_flagged=first,
            )
        )
    return EvaluationReport(
        dates=tuple(days),
        truth=len(truth),
        flagged=len(flagged),
        true_positives=len(flagged & truth),
        false_positives_by_kind=dict(sorted(false_positives.items())),
        campaigns=tuple(results),
        detected_campaign_ids=tuple(sorted(detected)),
    )


def format_report(report: EvaluationReport) -> str:
    span = f"{report.dates[0]} .. {report.dates[-1]}" if report.dates else "no report dates"
    lines = [
        f"evaluation over {len(report.dates)} report date(s): {span}",
        f"accounts: flagged {report.flagged}, truth {report.truth}, true positives {report.true_positives}",
        f"precision {report.precision:.3f}  recall {report.recall:.3f}  F1 {report.f1:.3f}",
        f"detected campaigns: {len(report.detected_campaign_ids)}",
        "",
        "false positives by label kind: "
        + (", ".join(f"{k} {n}" for k, n in report.false_positives_by_kind.items()) or "none"),
        "",
        "true campaign            kind                      accounts  complete  best match                 "
        "purity  found  first active  first flagged  delay",
    ]
    for c in report.campaigns:
        purity = f"{c.best_match_purity:.3f}" if c.best_match_purity is not None else "-"
        delay = f"{c.delay_days:+d}d" if c.delay_days is not None else "-"
        lines.append(
            f"{c.campaign_id:<24} {c.kind:<25} {c.accounts:>8}  {c.completeness:>8.3f}  "
            f"{(c.best_match or '-'):<26} {purity:>6}  {c.detected_campaigns:>5}  "
            f"{(c.first_active.isoformat() if c.first_active else '-'):<12}  "
            f"{(c.first_flagged.isoformat() if c.first_flagged else '-'):<13}  {delay}"
        )
    return "\n".join(lines)
