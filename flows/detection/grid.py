"""Detection measured across randomized worlds (`distillwatch evaluate-grid`, `make eval`).

Each seed is one randomized world (`flows.synth.worlds`): it is synthesized, then replayed end
to end (`flows.detection.replay`: pull, validate, dbt build, campaign outputs, day by day,
without Prefect) in its own work folder with its own DuckDB file, and scored against its
labels (`flows.detection.evaluate`). Worlds run in parallel worker processes (`jobs`).

Seeds: **tune on `TUNING_SEEDS` (100-149), report on `REPORT_SEEDS` (1-12)** - a number
quoted from the report seeds was never used to choose a threshold.

Per world: account precision and recall over the whole period (published = listed in some
`reports/<date>/campaign_accounts.csv`); each campaign's first flagged day counted from its
first active day (1 = flagged on its first day; `None` = never); benign accounts published,
by label kind; and, when the reports hold a `candidates.csv` review tier
(flows.detection.outputs), the accounts listed there on some date and never published, campaign
and benign, counted apart (a candidate is never published). Across worlds: the worst case and
the median.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from flows.detection.outputs import CAMPAIGN_ACCOUNTS_FILE, CANDIDATES_FILE
from flows.synth.worlds import RANDOM_WORLD, REPORT_SEEDS, TUNING_SEEDS

__all__ = [
    "CANDIDATES_FILE",
    "DEFAULT_SCALE",
    "GRID_START",
    "REPORT_SEEDS",
    "TUNING_SEEDS",
    "CampaignDelay",
    "GridResult",
    "WorldResult",
    "format_grid",
    "parse_seeds",
    "run_grid",
    "run_world",
    "write_grid",
]

# A Monday, so every 7-day world holds one weekend; nothing depends on the wall clock.
GRID_START = date(2026, 11, 2)
# Scale of `make eval`: 12 worlds x 7 days fit in 30 minutes on two cores (docs/synthetic-data.md).
DEFAULT_SCALE = 0.1


@dataclass(frozen=True)
class CampaignDelay:
    campaign_id: str
    kind: str
    accounts: int
    flagged: int
    first_active: str | None
    first_flagged: str | None
    flagged_on_day: int | None  # 1 = its first active day; None = never flagged


@dataclass(frozen=True)
class WorldResult:
    seed: int
    days: int
    scale: float
    requests: int
    accounts: int
    truth: int
    published: int
    true_positives: int
    precision: float
    recall: float
    campaigns: tuple[CampaignDelay, ...]
    benign_published_by_kind: dict[str, int]
    candidates: int | None  # accounts in candidates.csv on some date, never published (None: no such tier)
    candidate_campaign_accounts: int | None
    candidate_benign_by_kind: dict[str, int] | None
    seconds: float

    @property
    def benign_published(self) -> int:
        return sum(self.benign_published_by_kind.values())

    @property
    def latest_flag_day(self) -> int | None:
        """Worst campaign: its first flagged day (None if some campaign was never flagged)."""
        days = [c.flagged_on_day for c in self.campaigns]
        flagged = [d for d in days if d is not None]
        return None if len(flagged) < len(days) else max(flagged, default=0)


@dataclass(frozen=True)
class GridResult:
    seeds: tuple[int, ...]
    days: int
    scale: float
    jobs: int
    worlds: tuple[WorldResult, ...]
    wall_seconds: float
    summary: dict[str, dict[str, float | int | None]] = field(default_factory=dict)


def parse_seeds(text: str) -> tuple[int, ...]:
    """`1-12`, `1,3,5` or `100-104,120`: the seeds in order, without repeats."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise ValueError(f"invalid seeds {text!r}: expected e.g. 1-12 or 1,3,5") from None
        if last < first:
            raise ValueError(f"invalid seed range {part!r}: {last} is below {first}")
        seeds += [s for s in range(first, last + 1) if s not in seeds]
    if not seeds:
        raise ValueError(f"invalid seeds {text!r}: no seed given")
    return tuple(seeds)


def _candidate_accounts(reports_dir: Path, dates: Iterable[date]) -> set[str] | None:
    """Accounts listed in some date's candidates.csv and in no date's campaign_accounts.csv
    (review only); None when no date has a candidates.csv. A candidate row without account
    (a carried candidate) lists nobody."""
    from flows.detection.evaluate import read_rows

    found: set[str] | None = None
    published: set[str] = set()
    for day in dates:
        folder = reports_dir / day.isoformat()
        if (folder / CANDIDATES_FILE).is_file():
            found = found or set()
            found |= {
                row["account_id"] for row in read_rows(folder / CANDIDATES_FILE) if row.get("account_id")
            }
        if (folder / CAMPAIGN_ACCOUNTS_FILE).is_file():
            published |= {row["account_id"] for row in read_rows(folder / CAMPAIGN_ACCOUNTS_FILE)}
    return None if found is None else found - published


def score_world(
    seed: int, days: int, scale: float, labels_dir: Path, reports_dir: Path, warehouse: Path, start: date
) -> WorldResult:
    """Score one replayed world (see the module doc)."""
    from flows.detection.evaluate import evaluate, read_rows

    dates = [start + timedelta(days=i) for i in range(days)]
    report = evaluate(labels_dir, reports_dir, dates=dates, warehouse=warehouse)
    kind_of = {row["account_id"]: row["kind"] for row in read_rows(labels_dir / "accounts.csv")}
    campaign_kind = {a for a, k in kind_of.items() if k.startswith("campaign_")}
    delays = tuple(
        CampaignDelay(
            campaign_id=c.campaign_id,
            kind=c.kind,
            accounts=c.accounts,
            flagged=c.flagged,
            first_active=c.first_active.isoformat() if c.first_active else None,
            first_flagged=c.first_flagged.isoformat() if c.first_flagged else None,
            flagged_on_day=None if c.delay_days is None else c.delay_days + 1,
        )
        for c in report.campaigns
        if c.accounts  # a campaign with no active account in the period cannot be found
    )
    candidates = _candidate_accounts(reports_dir, dates)
    benign_candidates = (
        None
        if candidates is None
        else dict(sorted(Counter(kind_of.get(a, "unlabelled") for a in candidates - campaign_kind).items()))
    )
    from flows.reader import connect_read_only, fetch_one

    with connect_read_only(warehouse) as con:
        requests, accounts = fetch_one(
            con, "select coalesce(sum(requests), 0), count(distinct account_id) from fct_account_daily"
        )
    return WorldResult(
        seed=seed,
        days=days,
        scale=scale,
        requests=int(requests),
        accounts=int(accounts),
        truth=report.truth,
        published=report.flagged,
        true_positives=report.true_positives,
        precision=round(report.precision, 4),
        recall=round(report.recall, 4),
        campaigns=delays,
        benign_published_by_kind=report.false_positives_by_kind,
        candidates=None if candidates is None else len(candidates),
        candidate_campaign_accounts=None if candidates is None else len(candidates & campaign_kind),
        candidate_benign_by_kind=benign_candidates,
        seconds=0.0,
    )


def run_world(seed: int, days: int, scale: float, work_root: Path, start: date = GRID_START) -> WorldResult:
    """Synthesize, replay and score the randomized world of `seed` under `work_root/world-<seed>`.

    dbt's and the replay's output go to `world-<seed>/replay.log`.
    """
    from flows.detection.replay import replay
    from flows.synth import generate

    started = time.monotonic()
    root = Path(work_root).resolve() / f"world-{seed}"
    if root.exists():  # a fresh world every time: a stale warehouse would carry old days
        import shutil

        shutil.rmtree(root)
    root.mkdir(parents=True)
    log = root / "replay.log"
    with open(log, "w", encoding="utf-8") as stream, _redirected(stream):
        generate(
            str(root / "exports"), root / "labels", start, days, scale=scale, seed=seed, scenario=RANDOM_WORLD
        )
        result = replay(
            str(root / "exports"), root / "run", start, days, progress=lambda m: print(m, flush=True)
        )
    scored = score_world(seed, days, scale, root / "labels", result.reports_dir, result.warehouse, start)
    return _with_seconds(scored, time.monotonic() - started)


def _with_seconds(result: WorldResult, seconds: float) -> WorldResult:
    from dataclasses import replace

    return replace(result, seconds=round(seconds, 1))


@contextlib.contextmanager
def _redirected(stream: TextIO) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors too: dbt logs) to `stream`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(stream.fileno(), 1)
    os.dup2(stream.fileno(), 2)
    try:
        with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _summary(worlds: Sequence[WorldResult]) -> dict[str, dict[str, float | int | None]]:
    if not worlds:
        return {}
    flag_days = [w.latest_flag_day for w in worlds]
    never = any(d is None for d in flag_days)

    def median(values: Sequence[float]) -> float:
        return round(statistics.median(values), 4)

    known = [d for d in flag_days if d is not None]
    return {
        "worst": {
            "precision": min(w.precision for w in worlds),
            "recall": min(w.recall for w in worlds),
            "latest_first_flag_day": None if never else max(known, default=0),
            "campaigns_never_flagged": sum(
                1 for w in worlds for c in w.campaigns if c.flagged_on_day is None
            ),
            "benign_published": max(w.benign_published for w in worlds),
        },
        "median": {
            "precision": median([w.precision for w in worlds]),
            "recall": median([w.recall for w in worlds]),
            "latest_first_flag_day": median(known) if known else None,
            "benign_published": median([w.benign_published for w in worlds]),
        },
    }


def run_grid(
    seeds: Sequence[int],
    *,
    days: int = 7,
    scale: float = DEFAULT_SCALE,
    jobs: int = 2,
    work_root: Path,
    progress: Callable[[str], None] | None = None,
) -> GridResult:
    """Run every seed's world (at most `jobs` at a time) and summarise them."""
    if days < 2:
        raise ValueError(f"days must be at least 2 (a campaign needs two active days), not {days}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    say = progress or (lambda _message: None)
    started = time.monotonic()
    results: dict[int, WorldResult] = {}
    # spawn: each world gets a clean interpreter (dbt and DuckDB keep process-wide state)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(run_world, seed, days, scale, work_root): seed for seed in seeds}
        for future in as_completed(futures):
            seed = futures[future]
            try:
                world = future.result()
            except Exception as exc:  # one broken world must not hide the others' numbers
                raise RuntimeError(
                    f"world {seed} failed: {exc} (log: {Path(work_root) / f'world-{seed}' / 'replay.log'})"
                ) from exc
            results[seed] = world
            say(
                f"world {seed}: precision {world.precision:.3f} recall {world.recall:.3f} "
                f"latest first flag day {world.latest_flag_day} benign published {world.benign_published} "
                f"({world.seconds:.0f}s, {len(results)}/{len(seeds)})"
            )
    worlds = tuple(results[s] for s in seeds)
    return GridResult(
        seeds=tuple(seeds),
        days=days,
        scale=scale,
        jobs=jobs,
        worlds=worlds,
        wall_seconds=round(time.monotonic() - started, 1),
        summary=_summary(worlds),
    )


def _day(value: float | None) -> str:
    return "never" if value is None else f"day {value}"


def _kinds(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "-"
    return ", ".join(f"{k.removeprefix('benign_') or k} {n}" for k, n in counts.items()) or "0"


def format_grid(grid: GridResult) -> str:
    """Markdown: one row per world, then the worst case and the median, then every campaign."""
    tier = any(w.candidates is not None for w in grid.worlds)
    head = (
        "| seed | requests | accounts | precision | recall | first flagged (latest campaign) "
        "| benign published | by kind |"
    )
    rule = "|---|---|---|---|---|---|---|---|"
    if tier:
        head += " candidates (campaign / benign) |"
        rule += "---|"
    lines = [
        f"Randomized worlds {_seed_text(grid.seeds)}: {grid.days} days each, scale {grid.scale:g}, "
        f"{grid.jobs} job(s), wall time {grid.wall_seconds / 60:.1f} min",
        "",
        head,
        rule,
    ]
    for w in grid.worlds:
        row = (
            f"| {w.seed} | {w.requests:,} | {w.accounts:,} | {w.precision:.3f} | {w.recall:.3f} | "
            f"{_day(w.latest_flag_day)} | {w.benign_published} | {_kinds(w.benign_published_by_kind)} |"
        )
        if tier:
            row += (
                f" {w.candidate_campaign_accounts} / {sum((w.candidate_benign_by_kind or {}).values())} |"
                if w.candidates is not None
                else " - |"
            )
        lines.append(row)
    worst, median = grid.summary.get("worst", {}), grid.summary.get("median", {})
    if worst:
        lines += [
            f"| **worst** | | | **{worst['precision']:.3f}** | **{worst['recall']:.3f}** | "
            f"**{_day(worst['latest_first_flag_day'])}** ({worst['campaigns_never_flagged']} never) | "
            f"**{worst['benign_published']}** | |" + (" |" if tier else ""),
            f"| median | | | {median['precision']:.3f} | {median['recall']:.3f} | "
            f"{'-' if median['latest_first_flag_day'] is None else median['latest_first_flag_day']} | "
            f"{median['benign_published']} | |" + (" |" if tier else ""),
        ]
    lines += [
        "",
        "| seed | campaign | kind | accounts | flagged | first active | first flagged | flagged on |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for w in grid.worlds:
        for c in w.campaigns:
            lines.append(
                f"| {w.seed} | {c.campaign_id} | {c.kind.removeprefix('campaign_')} | {c.accounts} "
                f"| {c.flagged} | "
                f"{c.first_active or '-'} | {c.first_flagged or '-'} | {_day(c.flagged_on_day)} |"
            )
    return "\n".join(lines) + "\n"


def _seed_text(seeds: Sequence[int]) -> str:
    if list(seeds) == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return ",".join(map(str, seeds))


def write_grid(grid: GridResult, out_dir: Path, name: str) -> tuple[Path, Path]:
    """`<out_dir>/<name>.md` (the table) and `<out_dir>/<name>.json` (every number)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, data = out_dir / f"{name}.md", out_dir / f"{name}.json"
    markdown.write_text(format_grid(grid), encoding="utf-8")
    payload = asdict(grid)
    for world, result in zip(payload["worlds"], grid.worlds, strict=True):
        world["latest_flag_day"] = result.latest_flag_day
        world["benign_published"] = result.benign_published
    data.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return markdown, data
