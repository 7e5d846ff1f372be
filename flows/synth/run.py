"""`generate`: build a synthetic world, then write one drop per day and the labels.

Order of work: plan the cases (scenario, preset, scale) -> build the network table, the
model line-up and every case's accounts and behaviour cohorts -> freeze the account book ->
write `reference/model_releases.csv` -> for each day, draw all cohorts' requests, write the
drop (request parts of at most `max_part_rows` rows, the accounts snapshot, manifest last)
-> write the labels. Nothing depends on the wall clock, so a seed gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from flows.drop_writer import write_drop
from flows.synth.cohort import AccountBook, Cohort, FrozenBook
from flows.synth.context import DAY_US, BuildContext
from flows.synth.engine import World, day_parts, draw_day
from flows.synth.ids import rng_for
from flows.synth.labels import CampaignInfo, CampaignSummary, write_labels
from flows.synth.networks import NetworkTable, build_standard_networks
from flows.synth.population import baseline
from flows.synth.releases import lineup, write_model_releases
from flows.synth.scenarios import CASES, Plan, plan
from flows.synth.worlds import RANDOM_WORLD, build_world, plan_world

MAX_PART_ROWS = 1_000_000


@dataclass(frozen=True)
class DaySummary:
    day: date
    requests: int
    accounts: int  # rows of the accounts snapshot
    parts: int


@dataclass(frozen=True)
class SynthSummary:
    """What a run wrote (deterministic: no timings)."""

    export_root: str
    labels_dir: Path
    scenario: str
    preset: str | None
    seed: int
    scale_factor: float
    new_model: str
    new_model_released_at: datetime
    days: tuple[DaySummary, ...]
    accounts_by_kind: dict[str, int]
    campaigns: tuple[CampaignSummary, ...]

    @property
    def requests_per_day(self) -> dict[date, int]:
        return {d.day: d.requests for d in self.days}

    @property
    def total_requests(self) -> int:
        return sum(d.requests for d in self.days)

    @property
    def accounts(self) -> int:
        return sum(self.accounts_by_kind.values())

    def __str__(self) -> str:
        lines = [
            f"synthetic exports: {self.export_root} (labels: {self.labels_dir})",
            f"scenario {self.scenario}, preset {self.preset or '-'}, seed {self.seed}, "
            f"scale {self.scale_factor:.4g}",
            f"{len(self.days)} days, {self.total_requests:,} requests, {self.accounts:,} labelled accounts; "
            f"{self.new_model} released {self.new_model_released_at:%Y-%m-%d %H:%MZ}",
        ]
        lines += [
            f"  {d.day}: {d.requests:>10,} requests  {d.accounts:>8,} accounts  {d.parts} part(s)"
            for d in self.days
        ]
        lines += [f"  accounts {kind}: {n:,}" for kind, n in sorted(self.accounts_by_kind.items())]
        lines += [
            f"  campaign {c.campaign_id} ({c.kind}; {', '.join(c.target_capabilities)}): "
            f"{c.accounts:,} accounts, {c.requests:,} requests, {c.first_date} .. {c.last_date}"
            for c in self.campaigns
        ]
        return "\n".join(lines)


def generate(
    out: str,
    labels_dir: Path,
    start: date,
    days: int,
    *,
    scale: float = 1.0,
    seed: int = 0,
    scenario: str = "all",
    preset: str | None = None,
    requests_per_day: int | None = None,
    progress: Callable[[str], None] | None = None,
    storage_options: dict | None = None,
    max_part_rows: int = MAX_PART_ROWS,
) -> SynthSummary:
    """Write `days` daily drops from `start` under export root `out`, labels under `labels_dir`.

    `scenario` is `all` or one named case (see `SCENARIOS`), always on top of ordinary
    traffic, or `random`: a randomized world drawn from `seed` (`flows.synth.worlds`);
    `preset` picks case sizes (see `PRESETS`; `days` is still the caller's);
    `scale` multiplies accounts and volumes; `requests_per_day` instead sets the scale so an
    average day has about that many requests. `storage_options` go to fsspec (e.g. an S3
    endpoint); `max_part_rows` caps the rows of one request part.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    say = progress or (lambda _message: None)
    if scenario == RANDOM_WORLD:
        if preset is not None:
            raise ValueError(f"preset {preset!r} sizes the named scenarios, not a randomized world")
        world_plan = plan_world(seed, scale, requests_per_day)
        factor = world_plan.factor
    else:
        run_plan = plan(scenario, preset, scale, requests_per_day)
        factor = run_plan.factor
    models = lineup(start, days)
    table = NetworkTable(rng_for(seed, "networks"))
    ctx = BuildContext(
        seed=seed,
        start=start,
        days=days,
        lineup=models,
        networks=table,
        standard=build_standard_networks(table),
        book=AccountBook(seed),
        used_domains=set(),
    )
    cohorts, infos = build_world(ctx, world_plan) if scenario == RANDOM_WORLD else _build(ctx, run_plan)
    book = ctx.book.freeze()
    world = World(seed=seed, start=start, days=days, lineup=models, nets=table.arrays(), book=book)
    say(f"synth: {len(book.accounts):,} accounts in {len(cohorts)} cohorts; writing {days} days to {out}")
    write_model_releases(out, models, storage_options)

    n_accounts = len(book.accounts)
    created_day = (book.created_us - ctx.start_us) // DAY_US
    campaign_of = _campaign_index(book, infos)
    seen = np.zeros(n_accounts, dtype=bool)
    campaign_days = np.zeros((len(infos), days), dtype=np.int64)
    summaries: list[DaySummary] = []
    for d in range(days):
        day = start + timedelta(days=d)
        codes = draw_day(cohorts, world, d)
        active = np.zeros(n_accounts, dtype=bool)
        if codes is not None:
            active[codes.acct] = True
            campaign_days[:, d] = np.bincount(campaign_of[codes.acct] + 1, minlength=len(infos) + 1)[1:]
        active |= created_day == d
        seen |= active
        snapshot = book.accounts.take(pa.array(np.flatnonzero(active)))
        manifest = write_drop(out, day, day_parts(codes, world, d, max_part_rows), snapshot, storage_options)
        n_requests = 0 if codes is None else len(codes)
        parts = len(manifest.request_parts)
        summaries.append(DaySummary(day, n_requests, snapshot.num_rows, parts))
        say(f"synth: {day}: {n_requests:,} requests, {snapshot.num_rows:,} accounts, {parts} part(s)")

    campaigns = tuple(
        _campaign_summary(info, i, campaign_days, campaign_of, seen, start) for i, info in enumerate(infos)
    )
    write_labels(Path(labels_dir), book, seen, list(campaigns))
    by_kind: dict[str, int] = {}
    first = 0
    for block in book.blocks:
        count = int(seen[first : first + len(block)].sum())
        by_kind[block.kind] = by_kind.get(block.kind, 0) + count
        first += len(block)
    return SynthSummary(
        export_root=out,
        labels_dir=Path(labels_dir),
        scenario=scenario,
        preset=preset,
        seed=seed,
        scale_factor=factor,
        new_model=models.new.model,
        new_model_released_at=models.new.released_at,
        days=tuple(summaries),
        accounts_by_kind=dict(sorted(by_kind.items())),
        campaigns=campaigns,
    )


def _build(ctx: BuildContext, run_plan: Plan) -> tuple[list[Cohort], list[CampaignInfo]]:
    cohorts = baseline(ctx, run_plan.baseline)
    infos: list[CampaignInfo] = []
    for name, size in run_plan.cases:
        built = CASES[name].build(ctx, size)
        if isinstance(built, tuple):
            built, info = built
            infos.append(info)
        cohorts += built
    return cohorts, infos


def _campaign_index(book: FrozenBook, infos: list[CampaignInfo]) -> np.ndarray:
    """Per account: index into `infos` of its campaign, or -1."""
    index = {info.campaign_id: i for i, info in enumerate(infos)}
    return np.concatenate(
        [np.full(len(b), index.get(b.campaign_id, -1), dtype=np.int64) for b in book.blocks]
    )


def _campaign_summary(
    info: CampaignInfo, i: int, per_day: np.ndarray, campaign_of: np.ndarray, seen: np.ndarray, start: date
) -> CampaignSummary:
    active_days = np.flatnonzero(per_day[i])
    return CampaignSummary(
        campaign_id=info.campaign_id,
        kind=info.kind,
        target_capabilities=info.target_capabilities,
        first_date=start + timedelta(days=int(active_days[0])) if active_days.size else None,
        last_date=start + timedelta(days=int(active_days[-1])) if active_days.size else None,
        accounts=int((seen & (campaign_of == i)).sum()),
        requests=int(per_day[i].sum()),
    )
