"""Labelled distillation campaigns, modelled on the publicly reported case.

Public facts the model follows: roughly 24,000 fraudulent accounts and 16M+ exchanges in
three campaigns aimed at reasoning (with rubric-grading prompts), agentic tool use and
coding; prompts repeated at scale; synchronized, load-balanced traffic across many
accounts; shared payment methods; education / research / startup sign-ups; access through
proxy networks that also relay ordinary traffic; and a pivot of most traffic to a new
model within a day of its release.

Every tactic is drawn per campaign from a range (`KIND_SPECS`, `COMMON`), never a fixed
constant, so detection cannot key on exact numbers:

* accounts are created in bursts (waves of a few minutes to ~1.5 h); each wave lives a few
  days, then goes quiet while the next takes over (rotation);
* accounts are grouped into many small organisations whose payment fingerprints come from
  a small pool of cards, so cards are shared across organisations;
* volume is concentrated on the targeted capabilities, split evenly across the active
  accounts (load balancing) and fired in the same short windows (synchronized timing);
* a pool of prompt templates is shared by every account and repeated thousands of times,
  with high CoT-elicitation (and for reasoning, rubric-grading) shares, short inputs and
  long outputs;
* requests leave through a rotating pool of proxy and hosting prefixes;
* within hours of the new model's release, most traffic moves to it: the operator pauses
  for a short while (re-pointing its pipeline), then resumes with most requests on the new
  model, so more than half of its traffic in the 24 hours after the release uses it.

`campaign_proxy_network` is the harder kind: over a thousand low-volume accounts, each its
own organisation, each on a few rotating proxy prefixes per day, whose traffic mixes
harvesting with relayed ordinary-looking requests (unique prompts, ordinary capability mix
and rhythm).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from flows.synth import cohort
from flows.synth.catalog import (
    BENIGN_CAPABILITY_MIX,
    CAP,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DIURNAL_NAMES,
    SDKS,
)
from flows.synth.context import (
    BuildContext,
    CaseSize,
    company_names,
    dirichlet_rows,
    free_emails,
    individual_names,
    log_uniform,
)
from flows.synth.ids import hex_digest
from flows.synth.labels import CampaignInfo
from flows.synth.networks import draw_prefixes
from flows.synth.population import INDIVIDUALS_ONLY, ordinary_population
from flows.synth.releases import EXISTING_MODELS

MODEL = {name: i for i, (name, _, _) in enumerate(EXISTING_MODELS)}
OPERATOR_SDKS = tuple(
    SDKS.index(s)
    for s in (
        "python-httpx/0.27.2",
        "anthropic-python/0.39.0",
        "python-requests/2.32.3",
        "anthropic-python/0.42.0",
        "litellm/1.55.3",
    )
)

# the sign-up pathways an operator's organisations use, in the order of their drawn weights
OPERATOR_PATHWAYS = tuple(cohort.PATHWAY[name] for name in ("education", "research", "startup", "standard"))


@dataclass(frozen=True)
class Range:
    lo: float
    hi: float

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.lo, self.hi))

    def draw_int(self, rng: np.random.Generator) -> int:
        return int(rng.integers(int(self.lo), int(self.hi) + 1))

    def draw_log(self, rng: np.random.Generator) -> int:
        return round(float(log_uniform(rng, self.lo, self.hi)))


@dataclass(frozen=True)
class KindSpec:
    """What distinguishes one campaign kind; every number is a range drawn per campaign."""

    kind: str
    primary: tuple[str, ...]  # the main target is one of these
    secondary: tuple[str, ...]  # up to `max_secondary` more targets from these
    max_secondary: int
    start: Range  # first day as a fraction of the period (negative: already running)
    templates: Range  # size of the shared template pool (log-uniform)
    cot: Range  # added CoT-elicitation probability
    grader: Range  # added rubric-grading probability
    thinking_p: Range
    thinking_mult: Range
    tools_add: Range  # extra tools offered on agentic / tool-use requests
    batch_share: Range


# What each kind targets: (primary, secondary, max_secondary), as in `KindSpec`.
_TARGETS: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {
    "campaign_reasoning": (("reasoning",), ("agentic_reasoning", "alignment_safety", "data_analysis"), 2),
    "campaign_agentic": (
        ("agentic_reasoning", "tool_use"),
        (
            "agentic_coding",
            "computer_use",
            "computer_vision",
            "data_analysis",
            "tool_use",
            "agentic_reasoning",
        ),
        3,
    ),
    "campaign_coding": (
        ("agentic_coding", "coding"),
        ("tool_use", "coding", "agentic_coding", "data_analysis"),
        2,
    ),
    "campaign_proxy_network": (
        ("coding", "reasoning", "agentic_coding"),
        ("tool_use", "reasoning", "coding"),
        1,
    ),
}
# The tactic ranges (lo, hi) of each kind: one row per `KindSpec` range, one column per kind (in
# `_TARGETS` order), so the kinds are compared tactic by tactic.
# fmt: off
_RANGES: dict[str, tuple[tuple[float, float], ...]] = {
    #                reasoning      agentic        coding         proxy_network
    "start":         ((-0.6, 0.0),  (0.2, 0.4),    (-0.5, 0.1),   (-0.4, 0.2)),
    "templates":     ((15, 80),     (60, 300),     (80, 400),     (10, 60)),
    "cot":           ((0.6, 0.9),   (0.15, 0.45),  (0.2, 0.5),    (0.4, 0.8)),
    "grader":        ((0.12, 0.35), (0.02, 0.1),   (0.0, 0.06),   (0.0, 0.1)),
    "thinking_p":    ((0.7, 1.0),   (0.3, 0.8),    (0.3, 0.8),    (0.4, 0.9)),
    "thinking_mult": ((2.0, 4.0),   (1.0, 2.5),    (1.0, 3.0),    (1.0, 3.0)),
    "tools_add":     ((0, 0),       (10, 35),      (4, 15),       (0, 8)),
    "batch_share":   ((0.0, 0.15),  (0.0, 0.2),    (0.05, 0.3),   (0.0, 0.0)),
}
# fmt: on
KIND_SPECS: dict[str, KindSpec] = {
    kind: KindSpec(kind, primary, secondary, most, **{name: Range(*row[i]) for name, row in _RANGES.items()})
    for i, (kind, (primary, secondary, most)) in enumerate(_TARGETS.items())
}


@dataclass(frozen=True)
class Common:
    """Ranges shared by all kinds (see docs/synthetic-data.md)."""

    concentration: Range = Range(0.75, 0.95)  # share of volume on the targets
    template_skew: Range = Range(1.0, 2.5)
    fresh_templates: Range = Range(0.0, 0.08)
    system_prompt: Range = Range(0.3, 1.0)
    system_prompts: Range = Range(1, 5)
    input_mult: Range = Range(0.25, 0.7)  # short prompts ...
    output_mult: Range = Range(1.6, 3.5)  # ... long answers
    windows_per_day: Range = Range(6, 30)
    window_minutes: Range = Range(4, 25)
    span_hours: Range = Range(12, 24)
    balance_jitter: Range = Range(0.01, 0.08)
    lifespan_days: Range = Range(4, 12)
    wave_every_days: Range = Range(2, 5)
    burst_minutes: Range = Range(10, 90)
    accounts_per_org: Range = Range(1, 4)
    accounts_per_card: Range = Range(6, 30)
    no_card: Range = Range(0.05, 0.3)
    free_mail: Range = Range(0.3, 0.8)
    operation_domains: Range = Range(3, 12)
    no_verification: Range = Range(0.2, 0.6)
    standard_signup: Range = Range(0.05, 0.25)  # the rest: education / research / startup
    exit_pool: Range = Range(150, 2500)
    proxy_share: Range = Range(0.4, 0.9)
    live_exits: Range = Range(20, 300)
    pivot_delay_h: Range = Range(0.25, 2)
    new_model_share: Range = Range(0.85, 0.97)
    strongest_model_share: Range = Range(0.5, 0.9)
    rate_limited: Range = Range(0.03, 0.12)
    refused: Range = Range(0.005, 0.03)
    # proxy network only
    harvest_share: Range = Range(0.3, 0.6)
    proxy_lifespan_days: Range = Range(2, 6)
    proxy_wave_every_days: Range = Range(1, 3)
    exits_per_account: Range = Range(1, 3)


COMMON = Common()


def _start_day(rng: np.random.Generator, spec: KindSpec, ctx: BuildContext) -> int:
    frac = spec.start.draw(rng)
    day = int(np.ceil(frac * ctx.days)) if frac > 0 else int(np.floor(frac * ctx.days))
    # every campaign is running when the new model comes out (the pivot is one of its traits)
    return min(day, ctx.lineup.release_day, ctx.days - 1)


def _targets(rng: np.random.Generator, spec: KindSpec) -> tuple[str, ...]:
    primary = str(rng.choice(spec.primary))
    others = [c for c in spec.secondary if c != primary]
    k = int(rng.integers(0, min(spec.max_secondary, len(others)) + 1))
    return (primary, *map(str, rng.choice(others, size=k, replace=False))) if k else (primary,)


def _capability_mix(rng: np.random.Generator, targets: tuple[str, ...]) -> np.ndarray:
    """`concentration` of the volume on the targets (the first one largest), rest spread."""
    share = COMMON.concentration.draw(rng)
    weights = np.sort(rng.dirichlet(np.full(len(targets), 2.0)))[::-1]
    mix = (1 - share) * BENIGN_CAPABILITY_MIX
    for name, w in zip(targets, weights, strict=True):
        mix[CAP[name]] += share * w
    return mix / mix.sum()


@dataclass(frozen=True)
class Schedule:
    """Which accounts exist when: creation waves and rotation."""

    first_day: np.ndarray
    last_day: np.ndarray
    created_us: np.ndarray
    wave: np.ndarray


def _schedule(
    ctx: BuildContext, rng: np.random.Generator, n: int, start_day: int, lifespan: Range, every: Range
) -> Schedule:
    life = lifespan.draw_int(rng)
    step = min(every.draw_int(rng), life)
    waves = np.arange(start_day, ctx.days, step)
    waves = waves[waves + life - 1 >= 0]  # only waves still alive in the period matter
    if waves.shape[0] == 0:
        waves = np.array([max(start_day, 0)])
    # every wave gets one account, the rest are spread at random (overwriting the first sorted
    # draws instead would take them all from the first wave, leaving it a single account)
    guaranteed = min(waves.shape[0], n)
    wave = np.sort(np.concatenate([np.arange(guaranteed), rng.integers(0, waves.shape[0], n - guaranteed)]))
    first_day = waves[wave]
    last_day = first_day + life - 1 + rng.integers(0, 2, n)
    # each wave is created in one burst: minutes apart, at a wave-specific hour
    burst_hour = rng.uniform(0, 22, waves.shape[0])  # the burst ends on its creation day
    burst_len = COMMON.burst_minutes.draw(rng) * 60e6
    created = (
        ctx.day_us(first_day)
        + (burst_hour[wave] * 3.6e9).astype(np.int64)
        + (rng.random(n) * burst_len).astype(np.int64)
    )
    return Schedule(first_day=first_day, last_day=last_day, created_us=created, wave=wave)


def _rows(
    ctx: BuildContext,
    rng: np.random.Generator,
    n: int,
    schedule: Schedule,
    *,
    per_org: int | None,
    kind: str,
    case: str,
    campaign_id: str,
) -> cohort.AccountRows:
    """Many small organisations, cards from a shared pool, operation domains and free mail.

    Sign-ups go through the education, research and startup pathways (never enterprise or
    reseller, which need a contract)."""
    if per_org is None:
        per_org = COMMON.accounts_per_org.draw_int(rng)
    sizes = rng.integers(1, per_org + 1, n)
    org = np.repeat(np.arange(n), sizes)[:n]  # consecutive accounts (same wave) share an org
    n_orgs = int(org[-1]) + 1 if n else 0
    standard = COMMON.standard_signup.draw(rng)
    pathways = np.append(
        rng.dirichlet([3.0, 2.0, 3.0]) * (1 - standard), standard
    )  # edu, research, startup, std
    org_pathway = rng.choice(OPERATOR_PATHWAYS, size=n_orgs, p=pathways)
    personal = np.isin(org_pathway, [cohort.PATHWAY["education"], cohort.PATHWAY["standard"]])
    names = np.where(
        personal,
        np.array(individual_names(rng, n_orgs), dtype=object),
        np.array(company_names(rng, n_orgs), dtype=object),
    ).tolist()
    org_country = rng.choice(len(COUNTRIES), size=n_orgs, p=COUNTRY_WEIGHTS)
    cards = hex_digest(rng, max(1, int(np.ceil(n / COMMON.accounts_per_card.draw(rng)))))
    no_card = COMMON.no_card.draw(rng)
    card_of = rng.integers(0, len(cards), n).tolist()
    carded = (rng.random(n) >= no_card).tolist()
    payment = [cards[c] if ok else None for c, ok in zip(card_of, carded, strict=True)]
    # a handful of domains registered for the operation, and free mail
    tlds = [".com", ".io", ".ai", ".org"]
    domains = ctx.company_domains(
        rng, [tlds[i] for i in rng.integers(0, 4, COMMON.operation_domains.draw_int(rng))]
    )
    free = (rng.random(n) < COMMON.free_mail.draw(rng)).tolist()
    free_mail = free_emails(rng, [COUNTRIES[c].code for c in org_country[org].tolist()])
    domain_of = rng.integers(0, len(domains), n).tolist()
    email = [free_mail[i] if free[i] else domains[domain_of[i]] for i in range(n)]
    unverified = COMMON.no_verification.draw(rng)
    verification = rng.choice(
        [cohort.VERIFICATION["none"], cohort.VERIFICATION["email"], cohort.VERIFICATION["phone"]],
        size=n,
        p=[unverified, (1 - unverified) * 0.85, (1 - unverified) * 0.15],
    )
    return cohort.AccountRows(
        org=org.astype(np.int64),
        org_names=names,
        created_us=schedule.created_us.astype(np.int64),
        pathway=org_pathway[org].astype(np.int8),
        verification=verification.astype(np.int8),
        billing_country=org_country[org].astype(np.int16),
        payment=payment,
        email_domain=email,
        kind=kind,
        case=case,
        campaign_id=campaign_id,
    )


def _exit_pool(ctx: BuildContext, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Proxy and hosting prefixes the campaign's traffic leaves through."""
    std = ctx.standard
    proxy = rng.random(size) < COMMON.proxy_share.draw(rng)
    # proxy exits favour the countries ordinary customers come from, to blend in
    exit_weight = COUNTRY_WEIGHTS[std.proxy_country]
    entries = np.where(
        proxy,
        rng.choice(std.proxy, size=size, p=exit_weight / exit_weight.sum()),
        std.hosting[rng.integers(0, std.hosting.shape[0], size)],
    )
    return draw_prefixes(rng, ctx.networks.arrays(), entries, 0.1), entries


def _harvesting(
    ctx: BuildContext,
    rng: np.random.Generator,
    spec: KindSpec,
    n: int,
    schedule: Schedule,
    targets: tuple[str, ...],
    daily: np.ndarray,
) -> cohort.Behaviour:
    """Behaviour of harvesting traffic: one script driving all accounts."""
    mix = _capability_mix(rng, targets)
    strongest = COMMON.strongest_model_share.draw(rng)
    model_pref = np.zeros(len(EXISTING_MODELS))
    model_pref[MODEL["claude-opus-4-1"]] = strongest
    model_pref[MODEL["claude-sonnet-4-5"]] = 1 - strongest
    batch = spec.batch_share.draw(rng)
    sdk_choice = rng.choice(OPERATOR_SDKS, size=int(rng.integers(1, 3)), replace=False)
    refused, limited = COMMON.refused.draw(rng), COMMON.rate_limited.draw(rng)
    pool_size = COMMON.exit_pool.draw_log(rng)
    codes, entries = _exit_pool(ctx, rng, pool_size)
    width = min(COMMON.live_exits.draw_log(rng), pool_size)
    return cohort.Behaviour(
        rate=np.zeros(n),
        p_active=rng.uniform(0.92, 1.0, n),
        first_day=schedule.first_day,
        last_day=schedule.last_day,
        weekend_factor=np.ones(n),
        day_weight=np.ones(ctx.days),
        daily_noise_sigma=0.0,
        balanced_volume=daily,
        balance_jitter=COMMON.balance_jitter.draw(rng),
        timing=cohort.Synchronized(
            windows_per_day=(COMMON.windows_per_day.draw_int(rng),) * 2,
            window_minutes=COMMON.window_minutes.draw(rng),
            first_hour_utc=rng.uniform(0, 24),
            span_hours=COMMON.span_hours.draw(rng),
        ),
        capability_cdf=cohort.cdf_rows(dirichlet_rows(rng, np.tile(300 * mix + 0.01, (n, 1)))),
        cot_mult=np.ones(n),
        cot_add=np.full(n, spec.cot.draw(rng)),
        grader_mult=np.ones(n),
        grader_add=np.full(n, spec.grader.draw(rng)),
        tpl_fresh_p=np.full(n, COMMON.fresh_templates.draw(rng)),
        tpl_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        # at tiny scales the pool shrinks so that each template is still sent dozens of times
        tpl_pool=np.full(
            n, max(5, min(spec.templates.draw_log(rng), int(daily.sum() / 40))), dtype=np.uint64
        ),
        tpl_skew=COMMON.template_skew.draw(rng),
        sys_p=np.full(n, COMMON.system_prompt.draw(rng)),
        sys_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        sys_pool=np.full(n, COMMON.system_prompts.draw_int(rng), dtype=np.uint64),
        in_mult=np.full(n, COMMON.input_mult.draw(rng)) * rng.lognormal(0, 0.05, n),
        out_mult=np.full(n, COMMON.output_mult.draw(rng)) * rng.lognormal(0, 0.05, n),
        thinking_p=np.full(n, spec.thinking_p.draw(rng)),
        thinking_mult=np.full(n, spec.thinking_mult.draw(rng)),
        tools_mult=np.ones(n),
        tools_add=np.full(n, spec.tools_add.draw(rng)),
        channel_cdf=cohort.cdf_rows(np.tile([1 - batch, batch, 0.0, 0.0], (n, 1))),
        sdk_api=sdk_choice[rng.integers(0, sdk_choice.shape[0], n)].astype(np.int16),
        sdk_cloud=np.zeros(n, dtype=np.int16),
        n_keys=np.ones(n, dtype=np.int64),
        networks=cohort.RotatingPool(
            codes=codes,
            entries=entries,
            width=width,
            daily_shift=max(1, int(width * rng.uniform(0.25, 1.0))),
            per_account=False,
        ),
        model_cdf=cohort.cdf_rows(np.tile(model_pref, (n, 1))),
        adopt_delay_h=COMMON.pivot_delay_h.draw(rng) + rng.uniform(0, 0.5, n),
        new_share=np.full(n, COMMON.new_model_share.draw(rng)),
        status_p=np.array([1 - refused - 0.01 - limited, refused, 0.01, limited]),
        pause_until_adopted=True,
    )


def _daily_volume(ctx: BuildContext, size: CaseSize, start_day: int) -> np.ndarray:
    active_days = ctx.days - max(start_day, 0)
    daily = np.zeros(ctx.days)
    daily[max(start_day, 0) :] = size.daily_volume(ctx.days, active_days)
    return daily


@dataclass(frozen=True)
class _Operation:
    """A campaign as first drawn from its own random stream, in this order: the start day, the
    account schedule, the account rows, the targets. Its harvesting behaviour draws next."""

    kind: str
    case: str
    rng: np.random.Generator
    start_day: int
    schedule: Schedule
    rows: cohort.AccountRows
    targets: tuple[str, ...]

    @property
    def info(self) -> CampaignInfo:
        return CampaignInfo(f"cmp-{self.case}", self.kind, self.case, self.targets)

    def harvesting(self, ctx: BuildContext, daily: np.ndarray) -> cohort.Behaviour:
        spec, n = KIND_SPECS[self.kind], len(self.schedule.first_day)
        return _harvesting(ctx, self.rng, spec, n, self.schedule, self.targets, daily)


def _operation(
    ctx: BuildContext,
    size: CaseSize,
    kind: str,
    case: str,
    *,
    lifespan: Range,
    every: Range,
    per_org: int | None,
) -> _Operation:
    spec = KIND_SPECS[kind]
    rng = ctx.rng("campaign", case)
    start_day = _start_day(rng, spec, ctx)
    schedule = _schedule(ctx, rng, size.accounts, start_day, lifespan, every)
    rows = _rows(
        ctx, rng, size.accounts, schedule, per_org=per_org, kind=kind, case=case, campaign_id=f"cmp-{case}"
    )
    return _Operation(kind, case, rng, start_day, schedule, rows, _targets(rng, spec))


def scripted_campaign(
    ctx: BuildContext, size: CaseSize, kind: str, case: str
) -> tuple[list[cohort.Cohort], CampaignInfo]:
    """A reasoning, agentic or coding campaign."""
    op = _operation(
        ctx, size, kind, case, lifespan=COMMON.lifespan_days, every=COMMON.wave_every_days, per_org=None
    )
    behaviour = op.harvesting(ctx, _daily_volume(ctx, size, op.start_day))
    return [cohort.Cohort(case, ctx.book.add(op.rows), behaviour)], op.info


def proxy_network(
    ctx: BuildContext, size: CaseSize, case: str = "proxy_network"
) -> tuple[list[cohort.Cohort], CampaignInfo]:
    """Many one-account organisations on rotating proxies; harvesting mixed with relayed traffic."""
    kind = "campaign_proxy_network"
    op = _operation(
        ctx,
        size,
        kind,
        case,
        lifespan=COMMON.proxy_lifespan_days,
        every=COMMON.proxy_wave_every_days,
        per_org=1,
    )
    rng, n = op.rng, size.accounts
    daily = _daily_volume(ctx, size, op.start_day)
    harvest_share = COMMON.harvest_share.draw(rng)
    harvest = op.harvesting(ctx, daily * harvest_share)
    # each account owns a few exits of a large pool, and they change every day
    pool_size = max(200, int(n * rng.uniform(1.5, 4.0)))
    codes, entries = _exit_pool(ctx, rng, pool_size)
    exits = cohort.RotatingPool(
        codes=codes,
        entries=entries,
        width=COMMON.exits_per_account.draw_int(rng),
        daily_shift=int(rng.integers(pool_size // 3, pool_size)),
        per_account=True,
    )
    tz = rng.choice([c.utc_offsets[0] for c in COUNTRIES], size=n)
    harvest = replace(
        harvest,
        networks=exits,
        # spread thin over the day instead of firing in windows: harder to see
        timing=cohort.Diurnal(np.full(n, DIURNAL_NAMES.index("automated"), dtype=np.int8), tz),
    )
    # relayed traffic of the proxy's own customers: ordinary prompts, through the same exits
    relay = relayed_behaviour(
        ctx,
        case,
        kind,
        harvest,
        {"balanced_volume": daily * (1 - harvest_share), "balance_jitter": harvest.balance_jitter * 3},
    )
    accounts = ctx.book.add(op.rows)
    return [
        cohort.Cohort(case, accounts, harvest),
        cohort.Cohort(f"{case}-relayed", accounts, relay),
    ], op.info


def relayed_behaviour(
    ctx: BuildContext, case: str, kind: str, harvest: cohort.Behaviour, volume: dict[str, object]
) -> cohort.Behaviour:
    """Ordinary prompts relayed through the harvesting accounts and exits (a gateway's customers):
    active when the harvest is, over its SDK, exits and models; `volume` sets how much."""
    n = len(harvest.sdk_api)
    base = ordinary_population(
        ctx, f"{case}-relayed", n, 1.0, mix=INDIVIDUALS_ONLY, kind=kind, case=case
    ).behaviour
    return replace(
        base,
        p_active=harvest.p_active,
        first_day=harvest.first_day,
        last_day=harvest.last_day,
        weekend_factor=np.ones(n),
        channel_cdf=cohort.cdf_rows(np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))),
        sdk_api=harvest.sdk_api,
        networks=harvest.networks,
        model_cdf=harvest.model_cdf,
        adopt_delay_h=harvest.adopt_delay_h,  # the gateway routes everything to the newest model
        new_share=harvest.new_share,
        pause_until_adopted=harvest.pause_until_adopted,
        **volume,  # type: ignore[arg-type]
    )


def reasoning(ctx: BuildContext, size: CaseSize) -> tuple[list[cohort.Cohort], CampaignInfo]:
    return scripted_campaign(ctx, size, "campaign_reasoning", "reasoning")


def agentic(ctx: BuildContext, size: CaseSize) -> tuple[list[cohort.Cohort], CampaignInfo]:
    return scripted_campaign(ctx, size, "campaign_agentic", "agentic")


def coding(ctx: BuildContext, size: CaseSize) -> tuple[list[cohort.Cohort], CampaignInfo]:
    return scripted_campaign(ctx, size, "campaign_coding", "coding")
