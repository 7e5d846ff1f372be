"""What the publication tiers change on a replayed world: the same marts scored with and without.

    PYTHONPATH=$PWD .venv/bin/python -m flows.detection.replay --exports /work/worlds/100/exports \\
        --work /tmp/w100 --start 2026-11-02 --days 7
    PYTHONPATH=$PWD .venv/bin/python scripts/tier_eval.py --work /tmp/w100 \\
        --labels /work/worlds/100/labels --start 2026-11-02 --days 7

Writes the day's CSVs again from the warehouse into `<work>/reports-tiered/` (what the nightly
publishes) and, as the "no tiers" baseline, `<work>/reports-untiered/<date>/campaign_accounts.csv`
holding the campaign and the candidate accounts together (what was published before the tiers:
every reported campaign's accounts). Both are scored as `evaluate-grid` scores a world
(`flows.detection.grid.score_world`); then every campaign's tier, points, size and reason per day.
"""

from __future__ import annotations

import argparse
import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb

from flows.csv_output import csv_text
from flows.detection.grid import score_world
from flows.detection.outputs import CAMPAIGN_ACCOUNTS_FILE, CANDIDATES_FILE, write_campaign_outputs


def _accounts(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as stream:
        return [(r["campaign_id"], r["account_id"]) for r in csv.DictReader(stream) if r.get("account_id")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="a replay's work folder")
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    args = parser.parse_args()
    warehouse = args.work / "warehouse.duckdb"
    dates = [args.start + timedelta(days=i) for i in range(args.days)]
    tiered, untiered = args.work / "reports-tiered", args.work / "reports-untiered"
    for folder in (tiered, untiered):
        shutil.rmtree(folder, ignore_errors=True)
    for day in dates:
        write_campaign_outputs(warehouse, day, tiered)
        rows = _accounts(tiered / day.isoformat() / CAMPAIGN_ACCOUNTS_FILE)
        rows += _accounts(tiered / day.isoformat() / CANDIDATES_FILE)
        (untiered / day.isoformat()).mkdir(parents=True)
        (untiered / day.isoformat() / CAMPAIGN_ACCOUNTS_FILE).write_text(
            csv_text(["campaign_id", "account_id"], rows), encoding="utf-8"
        )
    for name, reports in (("no tiers", untiered), ("tiers", tiered)):
        world = score_world(0, args.days, 0.0, args.labels, reports, warehouse, args.start)
        review = "-" if world.candidates is None else world.candidate_campaign_accounts
        print(
            f"{args.work.name} {name}: precision {world.precision:.3f} recall {world.recall:.3f} "
            f"benign published {world.benign_published} {world.benign_published_by_kind} "
            f"review-only campaign accounts {review} benign {world.candidate_benign_by_kind}"
        )
        for c in world.campaigns:
            print(f"   {c.campaign_id:24} {c.kind:24} {c.flagged:4} of {c.accounts:4} day {c.flagged_on_day}")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select activity_date, campaign_id, tier, confidence, harvesting_points, coordination_points, "
            "accounts, independent_organizations, tier_reason from fct_campaigns order by 2, 1"
        ).fetchall()
    for row in rows:
        print("  ", *row)


if __name__ == "__main__":
    main()
