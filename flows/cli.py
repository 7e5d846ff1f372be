"""The `distillwatch` console script.

Flags override `DISTILLWATCH_*` environment variables; both feed the one `Settings` object.
The flows read their settings from the environment (that is how a Prefect deployment gets
them too), so the CLI exports its flags into the environment before it starts a flow.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from flows.contract import DropError
from flows.settings import Settings

# CLI flag → Settings field, for the flags every subcommand shares.
PATH_FLAGS: dict[str, str] = {
    "--export-root": "export_root",
    "--landing-dir": "landing_dir",
    "--warehouse": "warehouse",
    "--reports-dir": "reports_dir",
    "--outbox-dir": "outbox_dir",
    "--labels-dir": "labels_dir",
}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line instead of usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, expected YYYY-MM-DD") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return value


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("locations (also DISTILLWATCH_<NAME> environment variables)")
    for flag, field_name in PATH_FLAGS.items():
        default = Settings.model_fields[field_name].default
        group.add_argument(flag, dest=field_name, default=None, help=f"default: {default}")


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="distillwatch",
        description="Nightly detection of distillation campaigns in API usage exports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    synth = commands.add_parser("synth", help="write synthetic exports and their labels")
    synth.add_argument("--start", type=iso_date, help="first date (default: 14 days before yesterday)")
    synth.add_argument("--days", type=positive_int, default=None, help="default: 14, or the preset's")
    synth.add_argument("--out", help="export root to write (default: the export root setting)")
    synth.add_argument("--scale", type=positive_float, default=1.0)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument(
        "--scenario", default="all", help="all, one named case, or random (a world drawn from --seed)"
    )
    synth.add_argument("--preset", choices=["incident"], default=None)
    synth.add_argument("--requests-per-day", type=positive_int, default=None)
    _add_settings_flags(synth)

    run = commands.add_parser("run", help="run the nightly pipeline for one date")
    run.add_argument("--date", type=iso_date, default=None, help="run date (default: yesterday, UTC)")
    run.add_argument("--resend", action="store_true", help="send the day's mail even if it already went")
    _add_settings_flags(run)

    backfill = commands.add_parser("backfill", help="run the pipeline for each date of a range")
    backfill.add_argument("--start", type=iso_date, required=True)
    backfill.add_argument("--end", type=iso_date, required=True)
    backfill.add_argument(
        "--resend", action="store_true", help="send each day's mail even if it already went"
    )
    _add_settings_flags(backfill)

    demo = commands.add_parser("demo", help="synthesize 14 days and run the nightly flow for each")
    demo.add_argument("--days", type=positive_int, default=14)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--scale", type=positive_float, default=1.0)
    _add_settings_flags(demo)

    serve = commands.add_parser("serve", help="serve the nightly and backfill deployments")
    serve.add_argument("--cron", default="0 5 * * *", help="nightly schedule, UTC (default: 05:00)")
    _add_settings_flags(serve)

    evaluate = commands.add_parser(
        "evaluate", help="score the campaign reports against the generator's labels"
    )
    evaluate.add_argument("--labels", type=Path, required=True, help="labels folder from synth")
    evaluate.add_argument("--reports", type=Path, required=True, help="reports folder of the runs")

    grid = commands.add_parser(
        "evaluate-grid",
        help="replay randomized worlds end to end and score detection on each",
        description="Synthesize, replay (pull, validate, dbt, outputs) and score one randomized world "
        "per seed; print per world, worst case and median. Tuning seeds: 100-149; report seeds: 1-12 "
        "(quote only those).",
    )
    grid.add_argument("--seeds", default="1-12", help="e.g. 1-12 (report seeds, default) or 100-149 (tuning)")
    grid.add_argument("--days", type=positive_int, default=7)
    grid.add_argument("--scale", type=positive_float, default=None, help="default: 0.1 (make eval's)")
    grid.add_argument("--jobs", type=positive_int, default=2, help="worlds at a time (default 2)")
    grid.add_argument("--work", type=Path, default=Path("var/eval-grid"), help="one folder per world")
    grid.add_argument("--out", type=Path, default=Path("eval-results"), help="where the .md and .json go")

    return parser


def _settings_from(args: argparse.Namespace) -> Settings:
    """Apply flags on top of the environment, and export them so flows see the same values."""
    for field_name in PATH_FLAGS.values():
        value = getattr(args, field_name, None)
        if value is not None:
            os.environ[f"DISTILLWATCH_{field_name.upper()}"] = str(value)
    return Settings()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cmd_synth(args: argparse.Namespace, settings: Settings) -> int:
    from flows.synth import PRESETS, generate

    days = args.days or (PRESETS[args.preset].days if args.preset else 14)
    start = args.start or (date.today() - timedelta(days=days))
    summary = generate(
        args.out or settings.export_root,
        settings.labels_dir,
        start,
        days,
        scale=args.scale,
        seed=args.seed,
        scenario=args.scenario,
        preset=args.preset,
        requests_per_day=args.requests_per_day,
        progress=_progress,
    )
    print(summary)
    return 0


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from flows.pipeline import nightly

    summary = nightly(run_date=args.date, resend=args.resend)
    print(summary)
    return 0


def _cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    if args.end < args.start:
        raise ValueError(f"--end {args.end} is before --start {args.start}")
    from flows.pipeline import backfill

    for summary in backfill(start_date=args.start, end_date=args.end, resend=args.resend):
        print(summary)
    return 0


def _cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from flows.pipeline import backfill
    from flows.synth import generate

    end = date.today() - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    _progress(f"demo: writing {args.days} days of synthetic exports to {settings.export_root}")
    generate(
        settings.export_root,
        settings.labels_dir,
        start,
        args.days,
        scale=args.scale,
        seed=args.seed,
        progress=_progress,
    )
    _progress(f"demo: running the nightly flow for {start} .. {end}")
    summaries = backfill(start_date=start, end_date=end)
    for summary in summaries:
        _progress(
            f"{summary.run_date}: gate {'passed' if summary.gate_passed else 'FAILED'}, "
            f"{summary.campaigns} campaigns, reports {len(summary.reports)}, "
            f"delivered {len(summary.delivered)}"
        )
    _progress(f"demo: PDFs under {settings.reports_dir}/, e-mails under {settings.outbox_dir}/")
    return 0


def _cmd_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from flows.detection.evaluate import evaluate, format_report

    print(format_report(evaluate(args.labels, args.reports)))
    return 0


def _cmd_evaluate_grid(args: argparse.Namespace, settings: Settings) -> int:
    from flows.detection.grid import DEFAULT_SCALE, format_grid, parse_seeds, run_grid, write_grid

    seeds = parse_seeds(args.seeds)
    scale = args.scale or DEFAULT_SCALE
    grid = run_grid(
        seeds, days=args.days, scale=scale, jobs=args.jobs, work_root=args.work, progress=_progress
    )
    print(format_grid(grid))
    name = f"grid-seeds-{args.seeds.replace(',', '_')}-days-{args.days}-scale-{scale:g}"
    for path in write_grid(grid, args.out, name):
        _progress(f"evaluate-grid: wrote {path}")
    print(f"wall time: {grid.wall_seconds:.0f}s ({grid.wall_seconds / 60:.1f} min) for {len(seeds)} world(s)")
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from flows.deployments import serve_deployments

    serve_deployments(args.cron)
    return 0


COMMANDS = {
    "synth": _cmd_synth,
    "run": _cmd_run,
    "backfill": _cmd_backfill,
    "demo": _cmd_demo,
    "serve": _cmd_serve,
    "evaluate": _cmd_evaluate,
    "evaluate-grid": _cmd_evaluate_grid,
}


class _DataErrorsInOneLine(logging.Filter):
    """Drop the traceback Prefect logs with a failed flow or task run when the failure is a data
    error: its message is the whole story (date, file, column, rule), and the CLI prints it
    once more as its last line. Other failures keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], DropError):
            record.exc_info = None
            record.exc_text = None
        return True


def _quiet_data_error_tracebacks() -> None:
    # Filters on a logger apply to the records created on it: the flow and task run loggers.
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DataErrorsInOneLine) for f in logger.filters):
            logger.addFilter(_DataErrorsInOneLine())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet_data_error_tracebacks()
    try:
        settings = _settings_from(args)
        return COMMANDS[args.command](args, settings)
    except DropError as exc:
        # A bad drop: one line naming date, file, column and rule; exit 1, nothing retried.
        print(f"distillwatch {args.command}: error: {exc}", file=sys.stderr)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        print(f"distillwatch {args.command}: error: setting {where}: {first['msg']}", file=sys.stderr)
    except (ValueError, OSError, TimeoutError) as exc:
        # Data, contract and I/O errors already carry a one-line message naming what failed.
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"distillwatch {args.command}: error: {message}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"distillwatch {args.command}: interrupted", file=sys.stderr)
        return 130
    return 1


def program(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script: `main`, then exit without tearing the interpreter down.

    After a nightly, Python's own shutdown (freeing the modules and objects of Prefect, dbt,
    GX, DuckDB) took 4-6 s on two cores with nothing left to do (docs/benchmark.md, "The
    floor: a tiny day"). The exit handlers still run (Prefect sends its last logs and events,
    logging flushes), then the process ends. Tests call `main`, which returns.
    """
    code = main(argv)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    program()
