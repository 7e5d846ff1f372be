"""Re-run detection only, date by date, on a warehouse that a full replay already built, and score it.

The daily aggregates do not change when detection changes, so after one
`python -m flows.detection.replay ... --work RUN` this re-runs only the detection models
(`path:models/intermediate/detection path:models/marts/detection`) and the campaign outputs for
every date in order (campaign identity and tiers are incremental), on a copy of RUN's warehouse
(its incremental detection marts dropped and rebuilt; RUN itself is never written), then scores
the day's CSVs as `evaluate-grid` scores a world (`flows.detection.grid.score_world`):

    PYTHONPATH=$PWD python scripts/detect_rerun.py run --replayed /tmp/x/w100 --work /tmp/x/d100 \\
        --start 2026-11-02 --days 7 --labels /work/worlds/100/labels --json /tmp/x/d100.json

prints, with tiers (published = `campaign_accounts.csv`; `candidates.csv` apart): account
precision and recall, each campaign's first published day counted from its first active day,
benign accounts published and in review by kind; the same figures without tiers (campaign and
candidate accounts together: what was published before the tiers); every reported campaign's
tier, points, size and reason per date; and the linking quality of the last date (per labelled
campaign: share of its accounts in its largest cluster and component, how many are listed).

`--history` also keeps each date's cluster scores, signal points, clustering and membership in
WORK/history.duckdb (tables clusters, points, members, listed, with a run_date column).

    PYTHONPATH=$PWD python scripts/detect_rerun.py summary /tmp/x/d1*.json

prints one line per world and the worst case and median over them.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import duckdb

from flows.csv_output import csv_text
from flows.detection.evaluate import read_rows
from flows.detection.grid import score_world
from flows.detection.outputs import CAMPAIGN_ACCOUNTS_FILE, CANDIDATES_FILE, write_campaign_outputs
from flows.settings import Settings
from flows.transform import run_dbt

DETECTION_SELECTION = "path:models/intermediate/detection path:models/marts/detection"
# the reports' evidence marts: not part of any decision, and they read daily aggregates a
# warehouse replayed before them may lack
EVIDENCE_MARTS = (
    "fct_campaign_members fct_campaign_models fct_campaign_capabilities fct_campaign_access_channels "
    "fct_campaign_prefixes fct_campaign_networks fct_campaign_linking_identifiers"
)
# incremental by date: dropped from the copy and rebuilt date by date, so a change of their
# columns (a new signal adds two to fct_campaigns) does not meet on_schema_change: fail
REBUILT_TABLES = (
    "fct_campaigns",
    "fct_campaign_signals",
    "fct_campaign_accounts",
    "int_detection_campaign_identity",
    "int_detection_campaign_tiers",
)
HISTORY_TABLES = {
    "clusters": "int_detection_clusters_scored",
    "points": "int_detection_cluster_signal_points",
    "members": "int_detection_accounts_clustered",
    "listed": "int_detection_cluster_members",
}


def keep_history(warehouse: Path, history: Path, day: date) -> None:
    """Append the date's cluster tables of `warehouse` to `history` (tables of HISTORY_TABLES)."""
    with duckdb.connect(str(history)) as con:
        quoted = str(warehouse).replace("'", "''")
        con.execute(f"attach '{quoted}' as wh (read_only)")
        for name, table in HISTORY_TABLES.items():
            source = f"wh.main.{table}"
            con.execute(
                f"create table if not exists main.{name} as"
                f" select ?::date as run_date, * from {source} limit 0",
                [day],
            )
            con.execute(f"delete from main.{name} where run_date = ?", [day])
            con.execute(f"insert into main.{name} select ?::date as run_date, * from {source}", [day])
        con.execute("detach wh")


def drop_rebuilt(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for table in REBUILT_TABLES:
            con.execute(f"drop table if exists main.{table}")


def _accounts(path: Path) -> list[tuple[str, str]]:
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as stream:
        return [(r["campaign_id"], r["account_id"]) for r in csv.DictReader(stream) if r.get("account_id")]


def write_untiered(reports: Path, untiered: Path, dates: list[date]) -> None:
    """Campaign and candidate accounts together as each date's ban list: what went out before the tiers."""
    shutil.rmtree(untiered, ignore_errors=True)
    for day in dates:
        rows = _accounts(reports / day.isoformat() / CAMPAIGN_ACCOUNTS_FILE)
        rows += _accounts(reports / day.isoformat() / CANDIDATES_FILE)
        (untiered / day.isoformat()).mkdir(parents=True)
        (untiered / day.isoformat() / CAMPAIGN_ACCOUNTS_FILE).write_text(
            csv_text(["campaign_id", "account_id"], rows), encoding="utf-8"
        )


def linking_quality(warehouse: Path, labels: Path) -> dict:
    """How the last run's clusters and listed members line up with the labelled campaigns."""
    kinds = {row["account_id"]: row for row in read_rows(labels / "accounts.csv")}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        clustered = con.sql(
            "select account_id, cluster_id, component_id from int_detection_accounts_clustered"
        ).fetchall()
        listed = {
            row[0]
            for row in con.sql(
                "select account_id from int_detection_cluster_members where is_listed"
            ).fetchall()
        }
    by_campaign: dict[str, list[tuple[str, str, str]]] = {}
    cluster_campaigns: dict[str, Counter] = {}
    for account, cluster, component in clustered:
        campaign = kinds.get(account, {}).get("campaign_id") or ""
        cluster_campaigns.setdefault(cluster, Counter())[campaign or "-"] += 1
        if campaign:
            by_campaign.setdefault(campaign, []).append((account, cluster, component))
    campaigns = {}
    for campaign, rows in sorted(by_campaign.items()):
        clusters = Counter(r[1] for r in rows)
        top_cluster = clusters.most_common(1)[0][0]
        campaigns[campaign] = {
            "accounts": len(rows),
            "largest_cluster_share": round(clusters[top_cluster] / len(rows), 3),
            "clusters": len(clusters),
            "largest_component_share": round(Counter(r[2] for r in rows).most_common(1)[0][1] / len(rows), 3),
            "listed": sum(1 for r in rows if r[0] in listed),
            "benign_in_largest_cluster": cluster_campaigns[top_cluster]["-"],
        }
    benign_listed = Counter(
        kinds.get(a, {}).get("kind", "?") for a in listed if not kinds.get(a, {}).get("campaign_id")
    )
    return {"campaigns": campaigns, "benign_listed_last_day": dict(benign_listed)}


def tier_rows(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select activity_date, campaign_id, tier, confidence, harvesting_points, coordination_points,"
            " accounts, independent_organizations, tier_reason from fct_campaigns order by 2, 1"
        ).fetchall()


def _world_line(name: str, world) -> str:
    review = "-" if world.candidates is None else world.candidate_campaign_accounts
    return (
        f"{name}: precision {world.precision:.3f} recall {world.recall:.3f} "
        f"benign published {world.benign_published} {world.benign_published_by_kind} "
        f"review-only campaign accounts {review} benign in review {world.candidate_benign_by_kind}"
    )


def run(args: argparse.Namespace) -> int:
    replayed, work = args.replayed.resolve(), args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(replayed / "warehouse.duckdb", work / "warehouse.duckdb")
    drop_rebuilt(work / "warehouse.duckdb")
    shutil.rmtree(work / "reports", ignore_errors=True)
    history = work / "history.duckdb"
    history.unlink(missing_ok=True)
    settings = Settings(
        export_root=str(replayed / "exports"),
        landing_dir=replayed / "landing",  # read only: run_dbt checks the date's clean drop exists
        warehouse=work / "warehouse.duckdb",
        reports_dir=work / "reports",
        window_days=args.window_days,
    )
    dates = [args.start + timedelta(days=offset) for offset in range(args.days)]
    started = time.monotonic()
    for day in dates:
        day_started = time.monotonic()
        run_dbt(settings, day, select=DETECTION_SELECTION, exclude=EVIDENCE_MARTS, suite_tests=False)
        outputs = write_campaign_outputs(settings.warehouse, day, settings.reports_dir)
        if args.history:
            keep_history(settings.warehouse, history, day)
        print(
            f"{day}: {outputs.campaigns} campaign(s), {outputs.accounts} account(s), "
            f"{time.monotonic() - day_started:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    seconds = time.monotonic() - started
    if not args.labels:
        return 0
    tiered = score_world(0, args.days, 0.0, args.labels, settings.reports_dir, settings.warehouse, args.start)
    write_untiered(settings.reports_dir, work / "reports-untiered", dates)
    untiered = score_world(
        0, args.days, 0.0, args.labels, work / "reports-untiered", settings.warehouse, args.start
    )
    for name, world, verb in ((" tiers", tiered, "published"), (" no tiers", untiered, "reported")):
        print(_world_line(work.name + name, world))
        for c in world.campaigns:
            size = f"{c.flagged:4} of {c.accounts:4}"
            print(f"   {c.campaign_id:22} {c.kind:24} {size} {verb} day {c.flagged_on_day}")
    for row in tier_rows(settings.warehouse):
        print("  ", *row)
    quality = linking_quality(settings.warehouse, args.labels)
    print(json.dumps(quality, indent=1))
    if args.json:
        result = {
            "world": work.name,
            "seconds": round(seconds, 1),
            "tiers": asdict(tiered),
            "no_tiers": asdict(untiered),
            "linking": quality,
        }
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


def summary(args: argparse.Namespace) -> int:
    """One line per world (with tiers) and the worst case and median over the worlds."""
    worlds = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.results]
    rows = []
    for world in worlds:
        tiers = world["tiers"]
        days = [c["flagged_on_day"] for c in tiers["campaigns"]]
        latest = None if any(d is None for d in days) else max(days, default=0)
        benign = sum(tiers["benign_published_by_kind"].values())
        rows.append((world["world"], tiers["precision"], tiers["recall"], latest, benign, tiers))
        never = sum(1 for d in days if d is None)
        late = sum(1 for d in days if d is not None and d > 2)
        print(
            f"{world['world']:8} precision {tiers['precision']:.3f} recall {tiers['recall']:.3f} "
            f"campaigns {len(days)} (published by day 2: {len(days) - never - late}, "
            f"later: {late}, never: {never}) "
            f"latest {'never' if latest is None else latest} benign published {benign} "
            f"{tiers['benign_published_by_kind']} benign in review {tiers['candidate_benign_by_kind']}"
        )
    precision = [r[1] for r in rows]
    recall = [r[2] for r in rows]
    campaign_days = [c["flagged_on_day"] for r in rows for c in r[5]["campaigns"]]
    published_days = sorted(d for d in campaign_days if d is not None)
    print(
        f"worst: precision {min(precision):.3f} recall {min(recall):.3f} "
        f"benign published {max(r[4] for r in rows)} (one world); "
        f"campaigns never published {sum(1 for d in campaign_days if d is None)} of {len(campaign_days)}, "
        f"published after day 2 {sum(1 for d in published_days if d > 2)}"
    )
    print(
        f"median: precision {statistics.median(precision):.3f} recall {statistics.median(recall):.3f} "
        f"benign published {statistics.median(r[4] for r in rows)}; "
        f"first published day of published campaigns "
        f"{statistics.median(published_days) if published_days else '-'}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run", help="re-run detection on a replayed world and score it")
    one.add_argument("--replayed", type=Path, required=True, help="work folder of a full replay (read only)")
    one.add_argument("--work", type=Path, required=True)
    one.add_argument("--start", type=date.fromisoformat, required=True)
    one.add_argument("--days", type=int, required=True)
    one.add_argument("--labels", type=Path)
    one.add_argument("--window-days", type=int, default=7)
    one.add_argument("--history", action="store_true", help="keep each date's cluster tables")
    one.add_argument("--json", type=Path, help="also write the figures as JSON (for `summary`)")
    many = commands.add_parser("summary", help="worst case and median over `run --json` results")
    many.add_argument("results", nargs="+", type=Path)
    args = parser.parse_args(argv)
    return run(args) if args.command == "run" else summary(args)


if __name__ == "__main__":
    sys.exit(main())
