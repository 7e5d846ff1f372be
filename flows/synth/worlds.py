"""Randomized worlds (`scenario="random"`): which cases a world holds, how big they are and
which tactics each uses are all drawn from the seed, from wide ranges (`RANGES`).

The named scenarios (`flows.synth.scenarios`) are fixed points a test can pin down; a
randomized world is what detection is measured on, because a detector that only ever saw
the named scenarios fits them. Seeds are split so tuning never sees the reported numbers:

* `TUNING_SEEDS` (100-149): tune thresholds and signals on these;
* `REPORT_SEEDS` (1-12): `distillwatch evaluate-grid` / `make eval` report on these.

A world is ordinary `baseline` traffic plus, each in a number of instances drawn per seed:

* campaigns (`campaign_reasoning`, `campaign_agentic`, `campaign_coding`,
  `campaign_proxy_network`): every world has one of each kind and up to two more of any kind.
  Each campaign draws a *harvesting* mix (2-4 of: concentration on its target capabilities,
  CoT prompts, rubric-grading prompts, short prompts with long answers) and a *coordination*
  mix (2-5 of: shared cards, one shared exit pool, accounts farmed in creation bursts,
  synchronized firing windows, load-balanced volume, a shared system prompt), so no single
  tactic is guaranteed. Its templates are exact (a shared pool) or paraphrased (families x
  variants, `cohort.TemplateFamilies`); the first campaign of every world paraphrases;
* benign look-alikes (`hard_cases`): enterprise, university, eval lab, reseller, early
  adopters, each in several instances of different sizes;
* small ordinary teams (`benign_small_team`): 3-6 accounts of one or two organisations that
  share internal templates, a card, a VPN exit or a cloud egress.

`docs/synthetic-data.md` lists every range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from flows.synth import campaigns, cohort, hard_cases
from flows.synth.campaigns import KIND_SPECS, OPERATOR_SDKS, Range, Schedule
from flows.synth.catalog import (
    BENIGN_CAPABILITY_MIX,
    CAP,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    DIURNAL_NAMES,
    SDK_API_WEIGHTS,
)
from flows.synth.context import (
    DAY_US,
    BuildContext,
    CaseSize,
    company_names,
    dirichlet_rows,
    free_emails,
    utc_offset,
)
from flows.synth.ids import hex_digest, rng_for
from flows.synth.labels import CampaignInfo
from flows.synth.networks import draw_prefixes, pick_in_country
from flows.synth.population import OrgMix, ordinary_population

RANDOM_WORLD = "random"
TUNING_SEEDS: tuple[int, ...] = tuple(range(100, 150))
REPORT_SEEDS: tuple[int, ...] = tuple(range(1, 13))
SMALL_TEAM_KIND = "benign_small_team"
CAMPAIGN_KINDS = ("campaign_reasoning", "campaign_agentic", "campaign_coding", "campaign_proxy_network")
HARVEST_TACTICS = ("targeted", "cot", "grader", "output_heavy")
COORDINATION_TACTICS = ("shared_cards", "shared_exits", "farmed", "synchronized", "balanced", "shared_system")


@dataclass(frozen=True)
class WorldRanges:
    """Every range a randomized world draws from (at scale 1; see docs/synthetic-data.md)."""

    # --- what a world holds -------------------------------------------------------------------
    extra_campaigns: Range = Range(0, 2)  # beyond one of each kind
    campaign_accounts: Range = Range(20, 1500)  # log-uniform, x scale (floor 12)
    proxy_accounts: Range = Range(300, 3000)  # log-uniform, x scale (floor 40)
    requests_per_account: Range = Range(3, 300)  # per day, log-uniform: two orders of magnitude
    proxy_requests_per_account: Range = Range(1, 30)
    # --- campaign tactics ---------------------------------------------------------------------
    harvest_tactics: Range = Range(2, 4)  # how many of HARVEST_TACTICS a campaign uses
    coordination_tactics: Range = Range(2, 5)  # how many of COORDINATION_TACTICS
    start_before: Range = Range(-3, 0)  # start day when already running at the period start
    start_inside_share: float = 0.5  # else a start day inside, leaving it two active days at least
    concentration_on: Range = Range(0.6, 0.95)
    concentration_off: Range = Range(0.15, 0.45)
    cot_on: Range = Range(0.3, 0.85)  # CoT share the campaign reaches
    cot_off: Range = Range(0.0, 0.12)
    cot_start: Range = Range(0.0, 0.3)  # CoT at its first day as a fraction of the level reached
    grader_on: Range = Range(0.08, 0.35)
    grader_off: Range = Range(0.0, 0.03)
    input_mult_on: Range = Range(0.25, 0.7)
    output_mult_on: Range = Range(1.6, 3.5)
    input_mult_off: Range = Range(0.7, 1.4)
    output_mult_off: Range = Range(0.8, 1.4)
    template_families: Range = Range(1, 300)  # log-uniform
    variants_per_family: Range = Range(50, 600)  # paraphrased campaigns, log-uniform
    variant_window: Range = Range(0.005, 0.1)  # share of a family's variants one account uses
    family_window: Range = Range(0.05, 1.0)  # share of the families one account uses
    exact_templates: Range = Range(5, 400)  # exact campaigns: one flat pool, log-uniform
    template_skew: Range = Range(0.8, 2.5)
    fresh_templates: Range = Range(0.0, 0.15)
    system_prompts: Range = Range(1, 5)
    accounts_per_org: Range = Range(1, 50)  # log-uniform upper bound (orgs of 1..that)
    accounts_per_card: Range = Range(3, 40)  # log-uniform, cards shared across organisations
    standard_signup: Range = Range(0.0, 0.9)  # rest: education / research / startup (Dirichlet)
    burst_minutes: Range = Range(5, 180)  # farmed creation waves
    aged_days: Range = Range(5, 400)  # unfarmed accounts: created this long before (or spread)
    lifespan_days: Range = Range(2, 30)
    wave_every_days: Range = Range(1, 5)
    exit_pool: Range = Range(20, 2500)  # shared exit pool, log-uniform
    live_exits: Range = Range(3, 300)
    exits_per_account: Range = Range(1, 30)  # per day, private slices of a large pool
    account_volume_sigma: Range = Range(0.2, 1.2)  # unbalanced: log-normal spread per account
    relayed_share: Range = Range(0.05, 0.4)  # half of the scripted campaigns relay ordinary traffic
    proxy_relayed_share: Range = Range(0.3, 0.7)
    pivot_delay_h: Range = Range(0.25, 12)
    slow_pivot_delay_h: Range = Range(24, 120)
    # --- benign cases ---------------------------------------------------------------------------
    enterprise: Range = Range(1, 3)  # instances
    enterprise_accounts: Range = Range(20, 600)
    university: Range = Range(1, 3)
    university_accounts: Range = Range(30, 500)
    eval_company: Range = Range(1, 3)
    eval_company_accounts: Range = Range(3, 40)
    reseller: Range = Range(1, 3)
    reseller_accounts: Range = Range(20, 400)
    early_adopters: Range = Range(1, 2)
    early_adopters_accounts: Range = Range(30, 300)
    small_teams: Range = Range(20, 60)  # x scale, at least 10
    small_team_accounts: Range = Range(3, 6)
    small_team_requests: Range = Range(5, 80)  # per account and day, log-uniform
    campus_share: Range = Range(0.4, 0.9)  # university traffic from the campus network


RANGES = WorldRanges()
BASELINE_REQUESTS_PER_DAY = 85_000.0
BASELINE_REQUESTS_PER_ACCOUNT = 10.0
CAMPAIGN_MIN_ACCOUNTS = 12
PROXY_MIN_ACCOUNTS = 40
SMALL_TEAMS_MIN = 10
CAMPAIGN_MIN_REQUESTS_PER_DAY = 2_000.0  # at scale 1 (~2 % of the baseline)


@dataclass(frozen=True)
class LookAlike:
    build: Callable[..., list[cohort.Cohort]]
    kind: str
    instances: Range
    accounts: Range
    requests_per_account: Range  # per day, log-uniform
    min_accounts: int


LOOK_ALIKES: dict[str, LookAlike] = {
    "enterprise": LookAlike(
        hard_cases.enterprise,
        "benign_enterprise",
        RANGES.enterprise,
        RANGES.enterprise_accounts,
        Range(5, 40),
        8,
    ),
    "university": LookAlike(
        hard_cases.university,
        "benign_university",
        RANGES.university,
        RANGES.university_accounts,
        Range(3, 15),
        8,
    ),
    "eval_company": LookAlike(
        hard_cases.eval_company,
        "benign_eval_company",
        RANGES.eval_company,
        RANGES.eval_company_accounts,
        Range(40, 400),
        3,
    ),
    "reseller": LookAlike(
        hard_cases.reseller, "benign_reseller", RANGES.reseller, RANGES.reseller_accounts, Range(5, 30), 8
    ),
    "early_adopters": LookAlike(
        hard_cases.early_adopters,
        "benign_early_adopter",
        RANGES.early_adopters,
        RANGES.early_adopters_accounts,
        Range(5, 30),
        8,
    ),
}
KINDS: tuple[str, ...] = (
    "benign",
    *(case.kind for case in LOOK_ALIKES.values()),
    SMALL_TEAM_KIND,
    *CAMPAIGN_KINDS,
)


@dataclass(frozen=True)
class PlannedCase:
    name: str  # instance name: the labels' `scenario` column, e.g. "enterprise-2", "coding-1"
    kind: str
    size: CaseSize
    look_alike: str = ""  # key of LOOK_ALIKES for benign cases
    paraphrase: bool = False  # campaigns: the first campaign of a world always paraphrases


@dataclass(frozen=True)
class WorldPlan:
    baseline: CaseSize
    cases: tuple[PlannedCase, ...]
    small_teams: int
    factor: float

    @property
    def requests_per_day(self) -> float:
        """Nominal volume of an active day (small teams at their mean rate)."""
        teams = self.small_teams * 4.5 * 20.0
        return self.baseline.requests_per_day + sum(c.size.requests_per_day for c in self.cases) + teams


def _scaled_accounts(rng: np.random.Generator, accounts: Range, scale: float, floor: int) -> int:
    return max(floor, round(accounts.draw_log(rng) * scale))


def plan_world(seed: int, scale: float, requests_per_day: int | None = None) -> WorldPlan:
    """The cases of the randomized world of `seed` at `scale` (sizes only; tactics come later).

    `requests_per_day` instead sets the scale so that a day has about that many requests."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    if requests_per_day is not None:
        if requests_per_day <= 0:
            raise ValueError(f"requests_per_day must be positive, not {requests_per_day}")
        nominal = plan_world(seed, 1.0).requests_per_day
        return plan_world(seed, requests_per_day / nominal)
    rng = rng_for(seed, "world", "plan")
    volume = BASELINE_REQUESTS_PER_DAY * scale
    baseline = CaseSize(max(20, round(volume / BASELINE_REQUESTS_PER_ACCOUNT)), volume)
    cases: list[PlannedCase] = []
    for name, case in LOOK_ALIKES.items():
        for i in range(case.instances.draw_int(rng)):
            n = _scaled_accounts(rng, case.accounts, scale, case.min_accounts)
            volume = n * case.requests_per_account.draw_log(rng)
            cases.append(PlannedCase(f"{name}-{i + 1}", case.kind, CaseSize(n, volume), look_alike=name))
    extra = RANGES.extra_campaigns.draw_int(rng)
    kinds = [*CAMPAIGN_KINDS, *rng.choice(CAMPAIGN_KINDS, size=extra).tolist()]
    order = rng.permutation(len(kinds)).tolist()
    kinds = [kinds[i] for i in order]
    seen: dict[str, int] = {}
    for i, kind in enumerate(kinds):
        short = kind.removeprefix("campaign_")
        seen[short] = seen.get(short, 0) + 1
        proxy = kind == "campaign_proxy_network"
        n = _scaled_accounts(
            rng,
            RANGES.proxy_accounts if proxy else RANGES.campaign_accounts,
            scale,
            PROXY_MIN_ACCOUNTS if proxy else CAMPAIGN_MIN_ACCOUNTS,
        )
        per_account = (RANGES.proxy_requests_per_account if proxy else RANGES.requests_per_account).draw_log(
            rng
        )
        # a campaign harvests at scale: never less than a small share of the world's traffic
        volume = max(n * per_account, CAMPAIGN_MIN_REQUESTS_PER_DAY * scale)
        cases.append(PlannedCase(f"{short}-{seen[short]}", kind, CaseSize(n, volume), paraphrase=i == 0))
    teams = max(SMALL_TEAMS_MIN, round(RANGES.small_teams.draw(rng) * scale))
    return WorldPlan(baseline=baseline, cases=tuple(cases), small_teams=teams, factor=scale)


def build_world(ctx: BuildContext, world: WorldPlan) -> tuple[list[cohort.Cohort], list[CampaignInfo]]:
    """Every cohort of the planned world (baseline first) and its campaigns."""
    from flows.synth.population import baseline

    cohorts = baseline(ctx, world.baseline)
    infos: list[CampaignInfo] = []
    for case in world.cases:
        if case.kind.startswith("campaign_"):
            built, info = random_campaign(ctx, case)
            cohorts += built
            infos.append(info)
        else:  # the hard case's own builder, its streams named after the instance, then varied
            instance = case.name.removeprefix(case.look_alike)
            built = LOOK_ALIKES[case.look_alike].build(ctx, case.size, instance=instance)
            cohorts += vary_look_alike(ctx, case, built)
    cohorts += small_teams(ctx, world.small_teams)
    return cohorts, infos


# --- look-alikes, varied ---------------------------------------------------------------------

PRODUCTS = {  # what a company's product sends (enterprise look-alikes)
    "coding_assistant": {"coding": 0.55, "agentic_coding": 0.30, "tool_use": 0.10, "other": 0.05},
    "support_bot": {"general_chat": 0.5, "summarization": 0.2, "translation": 0.15, "tool_use": 0.15},
    "document_pipeline": {"summarization": 0.45, "data_analysis": 0.3, "translation": 0.15, "other": 0.1},
}


def _product_mix(rng: np.random.Generator) -> np.ndarray:
    mix = np.zeros(len(CAP))
    for capability, w in PRODUCTS[str(rng.choice(list(PRODUCTS)))].items():
        mix[CAP[capability]] = w
    return mix


def vary_look_alike(
    ctx: BuildContext, case: PlannedCase, cohorts: list[cohort.Cohort]
) -> list[cohort.Cohort]:
    """Draw the look-alike's own parameters from wide ranges (its named-scenario values are one
    point of them). Each keeps the one family of traits it mimics: enterprise and reseller look
    coordinated but do not harvest; eval labs and universities look like harvesting but are one
    organisation or unconnected students; early adopters only pivot fast."""
    rng = ctx.rng("world", "vary", case.name)
    kind = case.look_alike
    # drawn once per instance (an eval lab's steady load and its release burst share them)
    mix = _product_mix(rng)
    templates = RANGES.exact_templates.draw_log(rng)
    eval_templates = Range(50, 3000).draw_log(rng)
    homework = Range(5, 200).draw_log(rng)
    system_prompts = int(rng.integers(1, 4))
    eval_system_prompts = int(rng.integers(1, 11))
    cot, grader = rng.uniform(0.1, 0.6), rng.uniform(0.05, 0.5)
    cot_mult, fresh_mult = rng.uniform(0.4, 1.4), rng.uniform(0.5, 1.5)
    campus = RANGES.campus_share.draw(rng)
    cloud = rng.random() < 0.4  # an enterprise product running in a cloud region: hosting egress
    delay_mult, fastest = rng.uniform(0.3, 1.5), rng.uniform(1, 12)
    out: list[cohort.Cohort] = []
    for group in cohorts:
        b = group.behaviour
        n = len(group.accounts)
        if kind == "enterprise":
            b = replace(
                b,
                capability_cdf=cohort.cdf_rows(dirichlet_rows(rng, np.tile(60 * mix + 0.01, (n, 1)))),
                tpl_pool=np.full(n, templates, dtype=np.uint64),
                sys_pool=np.full(n, system_prompts, dtype=np.uint64),
            )
            if cloud:
                size = int(rng.integers(2, 21))
                entry = ctx.standard.hosting[rng.integers(0, ctx.standard.hosting.shape[0], size)]
                codes = draw_prefixes(rng, ctx.networks.arrays(), entry, 0.1)
                pick = rng.integers(0, size, (n, 3))
                weights = cohort.cdf_rows(np.tile([0.6, 0.3, 0.1], (n, 1)))
                b = replace(b, networks=cohort.SlotNetworks(codes[pick], entry[pick], weights))
        elif kind == "university":
            assert isinstance(b.networks, cohort.SlotNetworks)
            weights = cohort.cdf_rows(np.tile([campus, (1 - campus) * 0.7, (1 - campus) * 0.3], (n, 1)))
            b = replace(
                b,
                cot_mult=b.cot_mult * cot_mult,
                tpl_pool=np.full(n, homework, dtype=np.uint64),
                tpl_fresh_p=np.clip(b.tpl_fresh_p * fresh_mult, 0.05, 0.95),
                networks=replace(b.networks, cdf=weights),
            )
        elif kind == "eval_company":
            b = replace(
                b,
                cot_add=np.full(n, cot),
                grader_add=np.full(n, grader),
                tpl_pool=np.full(n, eval_templates, dtype=np.uint64),
                sys_pool=np.full(n, eval_system_prompts, dtype=np.uint64),
            )
        elif kind == "reseller":
            b = replace(b, adopt_delay_h=b.adopt_delay_h * delay_mult)
        elif kind == "early_adopters":
            b = replace(b, adopt_delay_h=rng.uniform(0.1, fastest, n))
        out.append(replace(group, behaviour=b))
    return out


# --- campaigns --------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, names: tuple[str, ...], count: Range) -> frozenset[str]:
    k = min(count.draw_int(rng), len(names))
    return frozenset(str(x) for x in rng.choice(names, size=k, replace=False))


def _drift(rng: np.random.Generator, days: int, start_day: int, level: float) -> np.ndarray:
    """Chance added per period day: flat, rising over the campaign's first days, or a late jump."""
    pattern = int(rng.integers(0, 3))
    first = level * RANGES.cot_start.draw(rng)
    rel = np.arange(days) - max(start_day, 0)
    if pattern == 0:  # flat
        return np.full(days, level)
    if pattern == 1:  # rising linearly over 2-6 days
        ramp = float(rng.uniform(2, 6))
        return first + (level - first) * np.clip(rel / ramp, 0.0, 1.0)
    jump = int(rng.integers(1, 5))  # low, then a jump after 1-4 days
    return np.where(rel >= jump, level, first)


def _campaign_schedule(
    ctx: BuildContext, rng: np.random.Generator, n: int, start_day: int, farmed: bool
) -> Schedule:
    if farmed:  # creation waves of a few minutes, each living a while (campaigns' own model)
        return campaigns._schedule(ctx, rng, n, start_day, RANGES.lifespan_days, RANGES.wave_every_days)
    # accounts bought or aged: created long before, or trickling in, each on its own
    first_day = np.full(n, start_day, dtype=np.int64)
    spread = rng.random() < 0.5
    if spread and start_day < ctx.days - 1:
        first_day = rng.integers(start_day, ctx.days - 1, n)
        first_day[: max(2, n // 4)] = start_day
        created = ctx.day_us(np.maximum(first_day, 0)) + rng.integers(0, DAY_US // 2, n)
        created = np.where(first_day < 0, ctx.day_us(first_day), created)
    else:
        age = RANGES.aged_days.draw_log(rng)
        created = ctx.day_us(min(start_day, 0)) - (rng.uniform(1, age, n) * DAY_US).astype(np.int64)
    last_day = np.full(n, ctx.days + 10_000, dtype=np.int64)
    return Schedule(
        first_day=first_day,
        last_day=last_day,
        created_us=created.astype(np.int64),
        wave=np.zeros(n, dtype=np.int64),
    )


def _campaign_rows(
    ctx: BuildContext,
    rng: np.random.Generator,
    n: int,
    schedule: Schedule,
    *,
    per_org: int,
    shared_cards: bool,
    kind: str,
    case: str,
    campaign_id: str,
) -> cohort.AccountRows:
    rows = campaigns._rows(
        ctx, rng, n, schedule, per_org=per_org, kind=kind, case=case, campaign_id=campaign_id
    )
    n_orgs = len(rows.org_names)
    # sign-up pathways: anything from almost all `standard` to none
    standard = RANGES.standard_signup.draw(rng)
    weights = np.append(rng.dirichlet([1.0, 1.0, 1.0]) * (1 - standard), standard)
    pathway = rng.choice(campaigns.OPERATOR_PATHWAYS, size=n_orgs, p=weights)
    payment = rows.payment
    if not shared_cards:  # each organisation pays with its own card (or runs on credits)
        cards = hex_digest(rng, n_orgs)
        paid = rng.random(n_orgs) < rng.uniform(0.5, 1.0)
        payment = [cards[o] if paid[o] else None for o in rows.org.tolist()]
    else:
        per_card = RANGES.accounts_per_card.draw_log(rng)
        cards = hex_digest(rng, max(1, int(np.ceil(n / per_card))))
        pick = rng.integers(0, len(cards), n).tolist()
        payment = [cards[p] if had is not None else None for p, had in zip(pick, rows.payment, strict=True)]
    return replace(rows, pathway=pathway[rows.org].astype(np.int8), payment=payment)


def _exits(ctx: BuildContext, rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """An exit pool mixing hosting, proxy and residential ISP networks in drawn shares."""
    std = ctx.standard
    share = rng.dirichlet([1.0, 1.0, 0.6])  # hosting, proxy, residential ISP
    kind = rng.choice(3, size=size, p=share)
    countries = rng.choice(len(COUNTRIES), size=size, p=COUNTRY_WEIGHTS)
    proxy_weight = COUNTRY_WEIGHTS[std.proxy_country]
    entries = np.select(
        [kind == 0, kind == 1],
        [
            std.hosting[rng.integers(0, std.hosting.shape[0], size)],
            rng.choice(std.proxy, size=size, p=proxy_weight / proxy_weight.sum()),
        ],
        pick_in_country(rng, std.isp, countries),
    )
    return draw_prefixes(rng, ctx.networks.arrays(), entries, 0.1), entries


def _capability_mix(rng: np.random.Generator, targets: tuple[str, ...], share: float) -> np.ndarray:
    weights = np.sort(rng.dirichlet(np.full(len(targets), 2.0)))[::-1]
    mix = (1 - share) * BENIGN_CAPABILITY_MIX
    for name, w in zip(targets, weights, strict=True):
        mix[CAP[name]] += share * w
    return mix / mix.sum()


def random_campaign(ctx: BuildContext, case: PlannedCase) -> tuple[list[cohort.Cohort], CampaignInfo]:
    """One campaign of a randomized world: tactics drawn per seed (see the module doc)."""
    kind = case.kind
    spec = KIND_SPECS[kind]
    rng = ctx.rng("world", "campaign", case.name)
    campaign_id = f"cmp-{case.name}"
    n = case.size.accounts
    proxy = kind == "campaign_proxy_network"
    harvest = _pick(rng, HARVEST_TACTICS, RANGES.harvest_tactics)
    coordination = _pick(rng, COORDINATION_TACTICS, RANGES.coordination_tactics)
    # start: before the period, or inside it leaving at least two active days
    inside = rng.random() < RANGES.start_inside_share and ctx.days >= 3
    start_day = int(rng.integers(1, ctx.days - 1)) if inside else RANGES.start_before.draw_int(rng)
    schedule = _campaign_schedule(ctx, rng, n, start_day, "farmed" in coordination)
    per_org = 1 if proxy else RANGES.accounts_per_org.draw_log(rng)
    rows = _campaign_rows(
        ctx,
        rng,
        n,
        schedule,
        per_org=per_org,
        shared_cards="shared_cards" in coordination,
        kind=kind,
        case=case.name,
        campaign_id=campaign_id,
    )
    targets = campaigns._targets(rng, spec)
    daily = np.zeros(ctx.days)
    daily[max(start_day, 0) :] = case.size.requests_per_day
    relayed = (
        RANGES.proxy_relayed_share.draw(rng)
        if proxy
        else (RANGES.relayed_share.draw(rng) if rng.random() < 0.5 else 0.0)
    )
    base = campaigns._harvesting(ctx, rng, spec, n, schedule, targets, daily * (1 - relayed))

    concentration = (RANGES.concentration_on if "targeted" in harvest else RANGES.concentration_off).draw(rng)
    mix = _capability_mix(rng, targets, concentration)
    cot_level = (RANGES.cot_on if "cot" in harvest else RANGES.cot_off).draw(rng)
    grader_level = (RANGES.grader_on if "grader" in harvest else RANGES.grader_off).draw(rng)
    heavy = "output_heavy" in harvest
    in_mult = (RANGES.input_mult_on if heavy else RANGES.input_mult_off).draw(rng)
    out_mult = (RANGES.output_mult_on if heavy else RANGES.output_mult_off).draw(rng)

    templates = _templates(rng, n, case.paraphrase or rng.random() < 0.4)
    shared_system = "shared_system" in coordination
    system_mode = "shared" if shared_system else str(rng.choice(["none", "per_account"]))
    sys_salt = rng.integers(0, 2**62, dtype=np.uint64)
    behaviour = replace(
        base,
        capability_cdf=cohort.cdf_rows(dirichlet_rows(rng, np.tile(300 * mix + 0.01, (n, 1)))),
        cot_add=np.zeros(n),
        cot_day_add=_drift(rng, ctx.days, start_day, cot_level),
        grader_add=np.zeros(n),
        grader_day_add=_drift(rng, ctx.days, start_day, grader_level),
        in_mult=in_mult * rng.lognormal(0, 0.1, n),
        out_mult=out_mult * rng.lognormal(0, 0.1, n),
        tpl_fresh_p=np.full(n, RANGES.fresh_templates.draw(rng)),
        tpl_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        tpl_pool=templates.pool,
        tpl_skew=RANGES.template_skew.draw(rng),
        tpl_families=templates.families,
        sys_p=np.full(n, rng.uniform(0.5, 1.0) if system_mode != "none" else rng.uniform(0.0, 0.1)),
        sys_salt=(
            np.full(n, sys_salt) if system_mode == "shared" else rng.integers(0, 2**62, n, dtype=np.uint64)
        ),
        sys_pool=np.full(n, RANGES.system_prompts.draw_int(rng) if shared_system else 1, dtype=np.uint64),
        sdk_api=_sdks(rng, n),
    )
    behaviour = _volume(ctx, rng, behaviour, n, schedule, daily * (1 - relayed), "balanced" in coordination)
    behaviour = replace(behaviour, networks=_campaign_networks(ctx, rng, n, "shared_exits" in coordination))
    if "synchronized" not in coordination:
        behaviour = replace(behaviour, timing=_spread_timing(rng, n))
    if rng.random() < 0.3:  # no pivot: it drifts to the new model like anyone else
        behaviour = replace(
            behaviour,
            adopt_delay_h=RANGES.slow_pivot_delay_h.draw(rng) + rng.uniform(0, 24, n),
            new_share=np.full(n, rng.uniform(0.3, 0.7)),
            pause_until_adopted=False,
        )
    else:
        behaviour = replace(behaviour, adopt_delay_h=RANGES.pivot_delay_h.draw(rng) + rng.uniform(0, 1, n))
    accounts = ctx.book.add(rows)
    cohorts = [cohort.Cohort(case.name, accounts, behaviour)]
    if relayed > 0:
        # relayed volume is `relayed` of the total: harvest volume x relayed / (1 - relayed)
        cohorts.append(
            _relayed(ctx, case, accounts, behaviour, daily * (1 - relayed), relayed / (1 - relayed))
        )
    return cohorts, CampaignInfo(campaign_id, kind, case.name, targets)


@dataclass(frozen=True)
class _Templates:
    pool: np.ndarray  # tpl_pool per account
    families: cohort.TemplateFamilies | None


def _templates(rng: np.random.Generator, n: int, paraphrase: bool) -> _Templates:
    if not paraphrase:
        return _Templates(np.full(n, RANGES.exact_templates.draw_log(rng), dtype=np.uint64), None)
    families = max(1, RANGES.template_families.draw_log(rng))
    variants = RANGES.variants_per_family.draw_log(rng)
    window = max(1, round(families * RANGES.family_window.draw(rng)))
    width = max(1, round(variants * RANGES.variant_window.draw(rng)))
    return _Templates(
        pool=np.full(n, window, dtype=np.uint64),
        families=cohort.TemplateFamilies(
            families=families,
            variants=variants,
            family_offset=rng.integers(0, families, n).astype(np.uint64),
            variant_offset=rng.integers(0, variants, n).astype(np.uint64),
            variant_width=np.maximum(1, rng.integers(max(1, width // 2), width + 1, n)).astype(np.uint64),
        ),
    )


def _sdks(rng: np.random.Generator, n: int) -> np.ndarray:
    if rng.random() < 0.6:  # one or two operator clients
        choice = rng.choice(OPERATOR_SDKS, size=int(rng.integers(1, 3)), replace=False)
        return choice[rng.integers(0, choice.shape[0], n)].astype(np.int16)
    return rng.choice(len(SDK_API_WEIGHTS), size=n, p=SDK_API_WEIGHTS).astype(np.int16)  # disguised


def _volume(
    ctx: BuildContext,
    rng: np.random.Generator,
    b: cohort.Behaviour,
    n: int,
    schedule: Schedule,
    daily: np.ndarray,
    balanced: bool,
) -> cohort.Behaviour:
    if balanced:
        return replace(b, balanced_volume=daily)
    # each account sends at its own rate (log-normal), noisy from day to day
    rel = rng.lognormal(0.0, RANGES.account_volume_sigma.draw(rng), n)
    alive = np.array([((schedule.first_day <= d) & (d <= schedule.last_day)).sum() for d in range(ctx.days)])
    per_alive = (
        float(np.mean(daily[alive > 0] / np.maximum(alive[alive > 0], 1))) if (alive > 0).any() else 0.0
    )
    rate = rel / rel.mean() * per_alive / float(np.mean(b.p_active))
    return replace(
        b,
        balanced_volume=None,
        rate=rate,
        weekend_factor=np.full(n, rng.uniform(0.6, 1.0)),
        daily_noise_sigma=float(rng.uniform(0.1, 0.5)),
    )


def _campaign_networks(
    ctx: BuildContext, rng: np.random.Generator, n: int, shared: bool
) -> cohort.RotatingPool:
    if shared:  # one pool, any request through any of its live exits
        size = RANGES.exit_pool.draw_log(rng)
        codes, entries = _exits(ctx, rng, size)
        width = max(1, min(RANGES.live_exits.draw_log(rng), size))
        return cohort.RotatingPool(
            codes, entries, width, max(1, int(width * rng.uniform(0.1, 1.0))), per_account=False
        )
    # each account its own few exits a day, in a pool large enough that few are shared
    per_account = RANGES.exits_per_account.draw_log(rng)
    size = max(200, int(n * per_account * rng.uniform(1.5, 4.0)))
    codes, entries = _exits(ctx, rng, size)
    return cohort.RotatingPool(
        codes, entries, per_account, int(rng.integers(1, max(2, size))), per_account=True
    )


def _spread_timing(rng: np.random.Generator, n: int) -> cohort.Diurnal:
    """Not fired in windows: a flat automated rhythm, or a human-looking one, per account zone."""
    profile = rng.choice(
        [DIURNAL_NAMES.index(p) for p in ("automated", "office", "consumer")], p=[0.5, 0.25, 0.25]
    )
    tz = rng.choice([c.utc_offsets[0] for c in COUNTRIES], size=n)
    return cohort.Diurnal(np.full(n, profile, dtype=np.int8), tz)


def _relayed(
    ctx: BuildContext,
    case: PlannedCase,
    accounts: np.ndarray,
    harvest: cohort.Behaviour,
    daily: np.ndarray,
    ratio: float,
) -> cohort.Cohort:
    """Ordinary prompts relayed through the same accounts and exits (a gateway's customers)."""
    volume: dict[str, object]
    if harvest.balanced_volume is not None:
        volume = {"balanced_volume": daily * ratio, "balance_jitter": harvest.balance_jitter * 3}
    else:  # each account relays in proportion to what it harvests
        volume = {"rate": harvest.rate * ratio, "balanced_volume": None}
    relay = campaigns.relayed_behaviour(ctx, case.name, case.kind, harvest, volume)
    return cohort.Cohort(f"{case.name}-relayed", accounts, relay)


# --- small ordinary teams ---------------------------------------------------------------------


TEAM_TRAITS = ("templates", "card", "vpn", "cloud")
TEAM_MIX = {
    "general_chat": 0.3,
    "summarization": 0.2,
    "translation": 0.15,
    "coding": 0.2,
    "data_analysis": 0.1,
    "creative_writing": 0.05,
}


def small_teams(ctx: BuildContext, teams: int, name: str = "small_teams") -> list[cohort.Cohort]:
    """`teams` small ordinary teams in one cohort (label kind `benign_small_team`)."""
    rng = ctx.rng("world", name)
    sizes = rng.integers(int(RANGES.small_team_accounts.lo), int(RANGES.small_team_accounts.hi) + 1, teams)
    n = int(sizes.sum())
    team = np.repeat(np.arange(teams), sizes)
    per_account = np.array([RANGES.small_team_requests.draw_log(rng) for _ in range(n)], dtype=float)
    pop = ordinary_population(
        ctx,
        f"{name}-staff",
        n,
        float(per_account.sum()),
        mix=OrgMix(0, 1, 0),
        kind=SMALL_TEAM_KIND,
        case=name,
    )
    # one or two organisations per team (a founder's two companies, a client and a contractor)
    two_orgs = rng.random(teams) < 0.4
    second = (rng.random(n) < 0.5) & two_orgs[team]
    org = 2 * team + second
    _, org = np.unique(org, return_inverse=True)
    n_orgs = int(org.max()) + 1
    org_country = rng.choice(len(COUNTRIES), size=n_orgs, p=COUNTRY_WEIGHTS)
    team_country = np.zeros(teams, dtype=np.int64)
    team_country[team] = org_country[org]
    traits = [_pick(rng, TEAM_TRAITS, Range(1, 3)) for _ in range(teams)]
    domains = ctx.company_domains(rng, [COUNTRIES[c].tld for c in org_country.tolist()])
    org_cards = hex_digest(rng, n_orgs)
    team_cards = hex_digest(rng, teams)
    payment = [
        team_cards[t] if "card" in traits[t] else org_cards[o]
        for t, o in zip(team.tolist(), org.tolist(), strict=True)
    ]
    free = free_emails(rng, [COUNTRIES[c].code for c in org_country[org].tolist()])
    use_domain = (rng.random(n) < 0.8).tolist()
    rows = replace(
        pop.rows,
        org=org.astype(np.int64),
        org_names=company_names(rng, n_orgs),
        pathway=rng.choice(
            [cohort.PATHWAY["standard"], cohort.PATHWAY["startup"]], size=n_orgs, p=[0.7, 0.3]
        )[org].astype(np.int8),
        verification=rng.choice(
            [cohort.VERIFICATION["email"], cohort.VERIFICATION["phone"], cohort.VERIFICATION["id"]],
            size=n,
            p=[0.5, 0.3, 0.2],
        ).astype(np.int8),
        billing_country=org_country[org].astype(np.int16),
        payment=payment,
        email_domain=[domains[o] if use_domain[i] else free[i] for i, o in enumerate(org.tolist())],
    )
    mix = np.zeros(len(CAP))
    for capability, w in TEAM_MIX.items():
        mix[CAP[capability]] = w
    mix = 0.7 * mix / mix.sum() + 0.3 * BENIGN_CAPABILITY_MIX
    team_mix = dirichlet_rows(rng, np.tile(10 * mix + 0.02, (teams, 1)))
    has_templates = np.array(["templates" in t for t in traits])[team]
    team_salt = rng.integers(0, 2**62, teams, dtype=np.uint64)
    base = pop.behaviour
    tz = np.array([utc_offset(rng, int(c)) for c in team_country])
    behaviour = replace(
        base,
        rate=base.rate * 0 + per_account / np.maximum(base.p_active, 0.05) * rng.uniform(0.8, 1.2, n),
        timing=cohort.Diurnal(
            np.where(
                rng.random(n) < 0.8, DIURNAL_NAMES.index("office"), DIURNAL_NAMES.index("consumer")
            ).astype(np.int8),
            tz[team],
        ),
        capability_cdf=cohort.cdf_rows(dirichlet_rows(rng, 30 * team_mix[team] + 0.01)),
        tpl_salt=np.where(has_templates, team_salt[team], base.tpl_salt).astype(np.uint64),
        tpl_fresh_p=np.where(has_templates, rng.uniform(0.2, 0.7, n), base.tpl_fresh_p),
        tpl_pool=np.where(has_templates, rng.integers(3, 40, teams)[team], base.tpl_pool).astype(np.uint64),
        sys_salt=np.where(has_templates, team_salt[team] ^ np.uint64(0x77), base.sys_salt).astype(np.uint64),
        sys_p=np.where(has_templates, rng.uniform(0.3, 0.9, n), base.sys_p),
        networks=_team_networks(ctx, rng, team, traits, team_country, base.networks),
    )
    return [cohort.Cohort(name, ctx.book.add(rows), behaviour)]


def _team_networks(
    ctx: BuildContext,
    rng: np.random.Generator,
    team: np.ndarray,
    traits: list[frozenset[str]],
    team_country: np.ndarray,
    own: object,
) -> cohort.SlotNetworks:
    """Each account: its own usual network, plus the team's VPN exit or cloud egress if it has one."""
    assert isinstance(own, cohort.SlotNetworks)
    std = ctx.standard
    nets = ctx.networks.arrays()
    n = len(team)
    teams = len(traits)
    vpn_entry = np.where(
        rng.random(teams) < 0.7,
        std.hosting[rng.integers(0, std.hosting.shape[0], teams)],
        std.proxy[rng.integers(0, std.proxy.shape[0], teams)],
    )
    cloud_entry = std.hosting[rng.integers(0, std.hosting.shape[0], teams)]
    vpn = np.stack([draw_prefixes(rng, nets, vpn_entry) for _ in range(2)], axis=1)
    cloud = np.stack([draw_prefixes(rng, nets, cloud_entry) for _ in range(2)], axis=1)
    has_vpn = np.array(["vpn" in t for t in traits])[team]
    has_cloud = np.array(["cloud" in t for t in traits])[team]
    pick = rng.integers(0, 2, n)
    codes = own.codes.copy()
    entries = own.entries.copy()
    # the third slot (rarely used by default) becomes the shared exit, used for a good share
    codes[:, 2] = np.select([has_vpn, has_cloud], [vpn[team, pick], cloud[team, pick]], codes[:, 2])
    entries[:, 2] = np.select([has_vpn, has_cloud], [vpn_entry[team], cloud_entry[team]], entries[:, 2])
    shared = has_vpn | has_cloud
    share = np.where(shared, rng.uniform(0.15, 0.7, n), 0.03)
    weights = np.stack([(1 - share) * 0.7, (1 - share) * 0.3, share], axis=1)
    return cohort.SlotNetworks(codes=codes, entries=entries, cdf=cohort.cdf_rows(weights))
