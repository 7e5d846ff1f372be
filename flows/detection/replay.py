"""Replay a period end to end without Prefect: pull, validate, dbt, campaign outputs per day.

`replay(export_root, work_dir, start, days)` lands every date of the period in order under
`work_dir/landing`, builds `work_dir/warehouse.duckdb` and writes `work_dir/reports/<date>/`
campaign CSVs. Used by the detection tests and for evaluation runs:

    python -m flows.detection.replay --exports /tmp/x/exports --work /tmp/x/run \\
        --start 2026-11-01 --days 14 [--labels /tmp/x/labels]
    python -m flows.detection.replay --scenario coding --scale 0.1 --work /tmp/x/coding \\
        --start 2026-11-01 --days 14          # synthesize, replay and evaluate
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flows.detection.outputs import CampaignOutputs, write_campaign_outputs
from flows.pull import pull_drop
from flows.settings import DEFAULT_WINDOW_DAYS, Settings
from flows.transform import run_dbt
from flows.validate import validate_drop


@dataclass
class ReplayResult:
    warehouse: Path
    reports_dir: Path
    outputs: list[CampaignOutputs] = field(default_factory=list)
    seconds_per_day: list[float] = field(default_factory=list)


def replay(
    export_root: str | Path,
    work_dir: Path,
    start: date,
    days: int,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    progress: Callable[[str], None] | None = None,
) -> ReplayResult:
    """Run every date from `start` for `days` days, in order, into `work_dir`."""
    say = progress or (lambda _message: None)
    work_dir = Path(work_dir).resolve()
    settings = Settings(
        export_root=str(export_root),
        landing_dir=work_dir / "landing",
        warehouse=work_dir / "warehouse.duckdb",
        reports_dir=work_dir / "reports",
        window_days=window_days,
    )
    result = ReplayResult(warehouse=settings.warehouse, reports_dir=settings.reports_dir)
    for offset in range(days):
        day = start + timedelta(days=offset)
        started = time.monotonic()
        landed = pull_drop(settings.export_root, day, settings.landing_dir)
        validate_drop(landed, settings.landing_dir)
        run_dbt(settings, day)  # releases dbt-duckdb's in-process database when done
        outputs = write_campaign_outputs(settings.warehouse, day, settings.reports_dir)
        elapsed = time.monotonic() - started
        result.outputs.append(outputs)
        result.seconds_per_day.append(round(elapsed, 1))
        say(f"replay {day}: {outputs.campaigns} campaign(s), {outputs.accounts} account(s), {elapsed:.1f}s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flows.detection.replay", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--exports", help="export root to replay (default: synthesize one into WORK/exports)")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument(
        "--window-days",
        type=int,
        default=DEFAULT_WINDOW_DAYS,
        help="days of the detection window (default: %(default)s, the window_days setting's)",
    )
    parser.add_argument("--labels", type=Path, help="labels folder: print the evaluation at the end")
    synth = parser.add_argument_group("synthesize the exports first (when --exports is not given)")
    synth.add_argument("--scenario", default="all")
    synth.add_argument("--scale", type=float, default=0.1)
    synth.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    exports, labels = args.exports, args.labels
    if exports is None:
        from flows.synth import generate

        exports = str(args.work.resolve() / "exports")
        labels = labels or args.work.resolve() / "labels"
        generate(
            exports, labels, args.start, args.days, scale=args.scale, seed=args.seed, scenario=args.scenario
        )
        say(f"synthesized {args.scenario} (scale {args.scale}, seed {args.seed}) into {exports}")
    started = time.monotonic()
    result = replay(exports, args.work, args.start, args.days, window_days=args.window_days, progress=say)
    say(f"replay: {time.monotonic() - started:.0f}s for {args.days} day(s)")
    if labels:
        from flows.detection.evaluate import evaluate, format_report

        print(format_report(evaluate(labels, result.reports_dir, warehouse=result.warehouse)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
