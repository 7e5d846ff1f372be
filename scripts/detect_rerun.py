"""Re-run detection only, date by date, on a warehouse that a full replay already built.

The daily aggregates do not change when detection changes, so after one
`python -m flows.detection.replay ... --work RUN` this re-runs only the detection models
(`path:models/intermediate/detection path:models/marts/detection`) and the campaign outputs for
every date in order, on a copy of RUN's warehouse (its detection marts dropped and rebuilt),
and prints the evaluation:

    PYTHONPATH=$PWD python scripts/detect_rerun.py --replayed /tmp/x/w100 --work /tmp/x/d100 \\
        --start 2026-11-02 --days 7 --labels /work/worlds/100/labels [--vars '{...}']

`--history` also keeps each date's cluster scores, signal points and cluster membership in
WORK/history.duckdb (tables clusters, points, members, with a run_date column) for diagnosis.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from flows.detection.evaluate import evaluate, format_report
from flows.detection.outputs import write_campaign_outputs
from flows.settings import Settings
from flows.transform import run_dbt

DETECTION_SELECTION = "path:models/intermediate/detection path:models/marts/detection"
# incremental by date: dropped from the copy and rebuilt date by date, so a change of their
# columns (a new signal adds two to fct_campaigns) does not meet on_schema_change: fail
REBUILT_TABLES = (
    "fct_campaigns",
    "fct_campaign_signals",
    "fct_campaign_accounts",
    "int_detection_campaign_identity",
)
HISTORY_TABLES = {
    "clusters": "int_detection_clusters_scored",
    "points": "int_detection_cluster_signal_points",
    "members": "int_detection_accounts_clustered",
    "listed": "int_detection_cluster_members",
}


def keep_history(warehouse: Path, history: Path, day: date) -> None:
    """Append the date's cluster tables of `warehouse` to `history` (tables of HISTORY_TABLES)."""
    import duckdb

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
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        for table in REBUILT_TABLES:
            con.execute(f"drop table if exists main.{table}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replayed", type=Path, required=True, help="work folder of a full replay")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--window-days", type=int, default=7)
    parser.add_argument("--history", action="store_true", help="keep each date's cluster tables")
    args = parser.parse_args(argv)
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
    for offset in range(args.days):
        day = args.start + timedelta(days=offset)
        started = time.monotonic()
        run_dbt(settings, day, select=DETECTION_SELECTION, unit_tests=False)
        outputs = write_campaign_outputs(settings.warehouse, day, settings.reports_dir)
        if args.history:
            keep_history(settings.warehouse, history, day)
        print(
            f"{day}: {outputs.campaigns} campaign(s), {outputs.accounts} account(s), "
            f"{time.monotonic() - started:.1f}s",
            file=sys.stderr,
            flush=True,
        )
    if args.labels:
        report = evaluate(args.labels, settings.reports_dir, warehouse=settings.warehouse)
        print(format_report(report))
        summary = {
            "precision": round(report.precision, 3),
            "recall": round(report.recall, 3),
            "benign_published": report.false_positives,
            "delays": {c.campaign_id: c.delay_days for c in report.campaigns},
        }
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
