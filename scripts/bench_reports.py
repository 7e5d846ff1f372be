"""Time the campaign reports of one day with N campaigns: PDFs, STIX bundles and account CSVs.

Issue 4's target: a day with ten campaigns renders all its PDFs in under 30 s on two cores, with
peak memory under 1 GiB. Few synthetic days have ten campaigns, so this copies a real warehouse
into a scratch folder and, in the copy only, adds campaigns until the day has N: each added one
is an existing campaign of the day under a new id (its rows in fct_campaigns,
fct_campaign_accounts, fct_campaign_signals and the identity state), so it has the same size
and evidence as a real one. Then it runs the production path, `render_campaign_reports`
(evidence from DuckDB, account CSVs, two spawned renderers), and prints wall time, CPU time and
peak memory of this process and of the largest renderer.

    .venv/bin/python scripts/bench_reports.py --warehouse W.duckdb --date 2026-11-14 \\
        [--campaigns 10] [--scratch /tmp/distillwatch-bench-reports]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

from flows.report.campaign_report import render_campaign_reports

# Campaign-keyed tables of one run date that the reports read.
CAMPAIGN_TABLES = (
    "fct_campaigns",
    "fct_campaign_accounts",
    "fct_campaign_signals",
    "int_detection_campaign_identity",
)


def pad_campaigns(warehouse: Path, run_date: date, wanted: int) -> list[str]:
    """Copy the day's campaigns under new ids until it has `wanted`; returns the day's ids."""
    with duckdb.connect(str(warehouse)) as con:
        ids = [
            r[0]
            for r in con.execute(
                "select campaign_id from fct_campaigns where activity_date = ? "
                "order by score desc, campaign_id",
                [run_date],
            ).fetchall()
        ]
        if not ids:
            raise SystemExit(f"no campaign on {run_date} in {warehouse}: pick a day with campaigns")
        existing = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        originals, copies = list(ids), 0
        while len(ids) < wanted:
            source = originals[copies % len(originals)]
            copies += 1
            new_id = f"{source}-copy{copies}"
            for table in CAMPAIGN_TABLES:
                if table not in existing:
                    continue
                columns = [
                    r[0]
                    for r in con.execute(
                        "select column_name from information_schema.columns where table_name = ? "
                        "order by ordinal_position",
                        [table],
                    ).fetchall()
                ]
                select = ", ".join("? as campaign_id" if c == "campaign_id" else f'"{c}"' for c in columns)
                con.execute(
                    f'insert into "{table}" select {select} from "{table}" '
                    "where activity_date = ? and campaign_id = ?",
                    [new_id, run_date, source],
                )
            ids.append(new_id)
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--date", type=date.fromisoformat, required=True)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/distillwatch-bench-reports"))
    args = parser.parse_args(argv)

    shutil.rmtree(args.scratch, ignore_errors=True)
    args.scratch.mkdir(parents=True)
    warehouse = args.scratch / "warehouse.duckdb"
    shutil.copyfile(args.warehouse, warehouse)
    ids = pad_campaigns(warehouse, args.date, args.campaigns)

    out = args.scratch / "campaigns"
    cpu0, wall0 = os.times(), time.monotonic()
    files = render_campaign_reports(warehouse, args.date, out, tlp="TLP:AMBER")
    wall = time.monotonic() - wall0
    cpu1 = os.times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    cpu += (cpu1.children_user - cpu0.children_user) + (cpu1.children_system - cpu0.children_system)
    pages = sum(_pages(f.pdf) for f in files)
    mib = 1024  # ru_maxrss is in KiB on Linux
    print(f"campaigns        {len(files)} on {args.date} ({len(ids)} in the day)")
    print(f"PDF pages        {pages}  ({pages / max(len(files), 1):.1f} per report)")
    print(f"PDF bytes        {sum(f.pdf.stat().st_size for f in files):,}")
    print(f"wall             {wall:.1f} s   (target < 30 s)")
    print(f"cpu              {cpu:.1f} s")
    print(f"peak RSS parent  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mib:.0f} MiB")
    print(
        f"peak RSS child   {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mib:.0f} MiB "
        "(largest renderer)"
    )
    print(f"load average     {os.getloadavg()[0]:.2f}")
    return 0


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


if __name__ == "__main__":
    sys.exit(main())
