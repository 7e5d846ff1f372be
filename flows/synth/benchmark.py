"""Measure the generator's speed on one core: `python -m flows.synth.benchmark --requests 2000000`.

Generates `--days` days (default 1) of the `incident` preset at `--requests` per day into a
scratch folder (removed afterwards unless `--keep`), writing Parquet exactly as a real run
does, and prints requests per minute with and without the one-off world build (accounts,
networks, behaviour tables).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from flows.synth.run import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2_000_000, help="requests per day")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)

    scratch = args.out or Path(tempfile.mkdtemp(prefix="distillwatch-synth-bench-"))
    marks: list[float] = []
    started = time.perf_counter()

    def progress(message: str) -> None:
        marks.append(time.perf_counter())
        print(f"{marks[-1] - started:7.1f}s  {message}", flush=True)

    try:
        summary = generate(
            str(scratch / "exports"),
            scratch / "labels",
            date(2026, 3, 2),
            args.days,
            preset="incident",
            requests_per_day=args.requests,
            seed=args.seed,
            progress=progress,
        )
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    total = time.perf_counter() - started
    build = marks[0] - started
    n = summary.total_requests
    print(
        f"{n:,} requests in {total:.1f}s: {n / total * 60 / 1e6:.2f}M requests/minute "
        f"({n / (total - build) * 60 / 1e6:.2f}M/minute after a {build:.1f}s world build)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
