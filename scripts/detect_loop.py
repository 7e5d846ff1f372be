"""Detection-only replay of a world already replayed once (fast loop for tuning detection).

The daily aggregates do not change when detection changes, so this copies the warehouse of an
earlier `python -m flows.detection.replay` run, re-runs only the detection models date by date
(in order: campaign identity is incremental), writes the day's campaign CSVs, and prints the
evaluation plus the linking quality of the last date:

* per labelled campaign: accounts in the window, the share of them in its largest cluster and
  in its largest connected component, and how many of them are listed;
* benign accounts that sit in a cluster holding campaign accounts (by label kind), and benign
  accounts listed as members.

    PYTHONPATH=$PWD python scripts/detect_loop.py --base /tmp/x/w100 --work /tmp/x/d100 \\
        --labels /work/worlds/100/labels --start 2026-11-02 --days 7 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb

from flows.detection.evaluate import evaluate, format_report, read_rows
from flows.detection.outputs import write_campaign_outputs
from flows.settings import Settings
from flows.transform import run_dbt

DETECTION = "path:models/intermediate/detection path:models/marts/detection"


def linking_quality(warehouse: Path, labels: Path) -> dict:
    """How the last run's clusters and listed members line up with the labelled campaigns."""
    kinds = {row["account_id"]: row for row in read_rows(labels / "accounts.csv")}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        clustered = con.sql(
            "select account_id, cluster_id, component_id from int_detection_accounts_clustered"
        ).fetchall()
        listed = {
            row[0]
            for row in con.sql(
                "select account_id from int_detection_cluster_members where is_listed"
            ).fetchall()
        }
    finally:
        con.close()
    by_campaign: dict[str, list[tuple[str, str, str]]] = {}
    cluster_campaigns: dict[str, Counter] = {}
    for account, cluster, component in clustered:
        label = kinds.get(account, {})
        campaign = label.get("campaign_id") or ""
        cluster_campaigns.setdefault(cluster, Counter())[campaign or "-"] += 1
        if campaign:
            by_campaign.setdefault(campaign, []).append((account, cluster, component))
    campaigns = {}
    for campaign, rows in sorted(by_campaign.items()):
        clusters = Counter(r[1] for r in rows)
        components = Counter(r[2] for r in rows)
        top_cluster = clusters.most_common(1)[0][0]
        campaigns[campaign] = {
            "accounts": len(rows),
            "largest_cluster_share": round(clusters[top_cluster] / len(rows), 3),
            "clusters": len(clusters),
            "largest_component_share": round(components.most_common(1)[0][1] / len(rows), 3),
            "listed": sum(1 for r in rows if r[0] in listed),
            "benign_in_largest_cluster": cluster_campaigns[top_cluster]["-"],
        }
    benign_in_campaign_clusters: Counter = Counter()
    for account, cluster, _ in clustered:
        label = kinds.get(account, {})
        if not label.get("campaign_id") and sum(n for c, n in cluster_campaigns[cluster].items() if c != "-"):
            benign_in_campaign_clusters[label.get("kind", "?")] += 1
    benign_listed = Counter(
        kinds.get(a, {}).get("kind", "?") for a in listed if not kinds.get(a, {}).get("campaign_id")
    )
    return {
        "campaigns": campaigns,
        "benign_in_campaign_clusters": dict(benign_in_campaign_clusters),
        "benign_listed_last_day": dict(benign_listed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="work folder of an earlier full replay")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--labels", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--window-days", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy2(args.base.resolve() / "warehouse.duckdb", work / "warehouse.duckdb")
    settings = Settings(
        export_root=str(work / "unused"),
        landing_dir=args.base.resolve() / "landing",
        warehouse=work / "warehouse.duckdb",
        reports_dir=work / "reports",
        window_days=args.window_days,
    )
    started = time.monotonic()
    for offset in range(args.days):
        day = args.start + timedelta(days=offset)
        run_dbt(settings, day, select=DETECTION, unit_tests=False)
        out = write_campaign_outputs(settings.warehouse, day, settings.reports_dir)
        print(f"{day}: {out.campaigns} campaign(s), {out.accounts} account(s)", file=sys.stderr, flush=True)
    report = evaluate(args.labels, settings.reports_dir, warehouse=settings.warehouse)
    print(format_report(report))
    quality = linking_quality(settings.warehouse, args.labels)
    print(json.dumps(quality, indent=1))
    print(f"detection loop: {time.monotonic() - started:.0f}s", file=sys.stderr)
    if args.json:
        delays = [c.delay_days for c in report.campaigns]
        args.json.write_text(
            json.dumps(
                {
                    "precision": report.precision,
                    "recall": report.recall,
                    "false_positives_by_kind": report.false_positives_by_kind,
                    "delays": delays,
                    "linking": quality,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
