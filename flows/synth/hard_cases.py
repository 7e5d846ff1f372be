"""Benign customers that look like campaigns on one or two signals, and must not be flagged.

Each case shares some campaign trait but lacks the combination that makes a campaign:

* `benign_enterprise` - hundreds of accounts of ONE verified organisation (enterprise
  pathway, one company card, corporate domain, most seats provisioned on one day by SSO)
  running its own coding product: one system prompt, a handful of templates, shared office
  prefixes on its own business AS. Office hours, weekday-heavy, ordinary output lengths.
* `benign_university` - hundreds of students, each their own organisation (education
  pathway, free credits: no card, the university's e-mail domain, sign-ups bunched at term
  start), on one campus network (education AS), sending the same homework templates with
  many "explain step by step" prompts, in a campus daytime rhythm with a weekly deadline
  spike.
* `benign_eval_company` - an evaluation company: one verified organisation, heavily
  templated benchmark prompts, rubric-grading and CoT prompts, on hosting networks, and a
  burst right after a model release (it evaluates the new model at once).
* `benign_reseller` - a legitimate reseller platform: many end-customer organisations under
  the reseller pathway, all paid with the reseller's card (a payment instrument shared across
  organisations!), all calling from the platform's hosting egress with its SDK, but with the
  ordinary diverse prompts and rhythms of their own users.
* `benign_early_adopter` - ordinary users who move to the new model within hours.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from flows.synth import cohort
from flows.synth.catalog import CAP, COUNTRY_INDEX, DIURNAL_NAMES, SDKS, read_table
from flows.synth.context import (
    DAY_US,
    BuildContext,
    CaseSize,
    company_name,
    company_names,
    dirichlet_rows,
    individual_names,
    log_uniform,
    utc_offset,
)
from flows.synth.ids import hex_digest
from flows.synth.networks import draw_prefixes, pick_near
from flows.synth.population import (
    CHANNEL,
    OrgMix,
    Population,
    calibrate_rates,
    ordinary_population,
)
from flows.synth.releases import EXISTING_MODELS

MODEL = {name: i for i, (name, _, _) in enumerate(EXISTING_MODELS)}


def _mix(weights: dict[str, float]) -> np.ndarray:
    mix = np.zeros(len(CAP))
    for name, w in weights.items():
        mix[CAP[name]] = w
    return mix / mix.sum()


# What the enterprise's product, the university's homework and the evaluation company's benchmarks
# ask of the model (capability weights, data/hard_case_work.csv).
PRODUCT_MIX, HOMEWORK_MIX, BENCHMARK_MIX = (
    _mix({row["capability"]: float(row[case]) for row in read_table("hard_case_work")})
    for case in ("product", "homework", "benchmark")
)


def _channels(weights: dict[str, float], n: int) -> np.ndarray:
    row = np.zeros(4)
    for name, w in weights.items():
        row[CHANNEL[name]] = w
    return cohort.cdf_rows(np.tile(row, (n, 1)))


def _fixed_slots(codes: np.ndarray, entries: np.ndarray, weights: list[float]) -> cohort.SlotNetworks:
    n = len(codes)
    return cohort.SlotNetworks(codes=codes, entries=entries, cdf=cohort.cdf_rows(np.tile(weights, (n, 1))))


def _case_population(
    ctx: BuildContext, name: str, size: CaseSize, mix: OrgMix, kind: str, case: str
) -> Population:
    """The ordinary accounts and behaviour a case starts from, `size.accounts` of them."""
    return ordinary_population(ctx, name, size.accounts, size.requests_per_day, mix=mix, kind=kind, case=case)


def _active_all_period(
    ctx: BuildContext,
    rng: np.random.Generator,
    size: CaseSize,
    p_active: np.ndarray,
    weekend: np.ndarray,
    *,
    sigma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(first_day, rate) of accounts active from before the period on, whose log-normal
    (`sigma`) activity is calibrated to `size.requests_per_day` in all."""
    n = size.accounts
    first_day = np.full(n, -10_000, dtype=np.int64)
    rate = calibrate_rates(
        rng.lognormal(0.0, sigma, n), p_active, weekend, first_day, ctx.days, size.requests_per_day
    )
    return first_day, rate


def _one_org_rows(
    ctx: BuildContext,
    rng: np.random.Generator,
    n: int,
    name: str,
    country: str,
    created_us: np.ndarray,
    kind: str,
    case: str,
) -> cohort.AccountRows:
    """Accounts of a single verified company on the enterprise pathway with one card."""
    domain = ctx.company_domain(rng, ".com")
    card = hex_digest(rng, 1)[0]
    return cohort.AccountRows(
        org=np.zeros(n, dtype=np.int64),
        org_names=[name],
        created_us=created_us,
        pathway=np.full(n, cohort.PATHWAY["enterprise"], dtype=np.int8),
        verification=np.full(n, cohort.VERIFICATION["id"], dtype=np.int8),
        billing_country=np.full(n, COUNTRY_INDEX[country], dtype=np.int16),
        payment=[card] * n,
        email_domain=[domain] * n,
        kind=kind,
        case=case,
    )


def enterprise(ctx: BuildContext, size: CaseSize, instance: str = "") -> list[cohort.Cohort]:
    case = f"enterprise{instance}"
    rng = ctx.rng("case", case)
    n = size.accounts
    country = str(rng.choice(["US", "GB", "DE", "JP", "IN", "FR", "CA"]))
    # SSO roll-out: most seats created within two hours of one day, the rest trickle in
    rollout = ctx.start_us - int(rng.uniform(30, 300)) * DAY_US + int(rng.uniform(8, 16) * 3.6e9)
    created = rollout + rng.integers(0, 2 * 3_600_000_000, n)
    later = rng.random(n) < 0.4
    created[later] = rollout + rng.integers(DAY_US, max(ctx.start_us - rollout, DAY_US + 1), int(later.sum()))
    rows = _one_org_rows(ctx, rng, n, _name(rng), country, created, "benign_enterprise", case)
    base = _case_population(
        ctx, f"enterprise-seats{instance}", size, OrgMix(0, 1, 0), "benign_enterprise", case
    ).behaviour

    # its own AS and office prefixes, shared by every seat
    entry = ctx.networks.add("business", country, size=16)
    nets = ctx.networks.arrays()
    office = draw_prefixes(rng, nets, np.full(int(rng.integers(2, 7)), entry))
    codes = office[rng.integers(0, office.shape[0], (n, 3))]
    p_active = rng.uniform(0.75, 0.95, n)
    weekend = rng.uniform(0.05, 0.2, n)
    first_day, rate = _active_all_period(ctx, rng, size, p_active, weekend, sigma=0.5)
    delay = rng.uniform(4, 9) * 24 + rng.uniform(0, 12, n)  # rolled out after an internal evaluation
    model_pref = np.zeros((n, len(EXISTING_MODELS)))
    model_pref[:, MODEL["claude-sonnet-4-5"]] = 0.8
    model_pref[:, MODEL["claude-haiku-4-5"]] = 0.2
    behaviour = replace(
        base,
        rate=rate,
        p_active=p_active,
        first_day=first_day,
        weekend_factor=weekend,
        daily_noise_sigma=0.3,  # seats of one company: steadier than the population at large
        timing=cohort.Diurnal(
            np.full(n, DIURNAL_NAMES.index("office"), dtype=np.int8),
            np.full(n, utc_offset(rng, COUNTRY_INDEX[country])),
        ),
        capability_cdf=cohort.cdf_rows(dirichlet_rows(rng, np.tile(60 * PRODUCT_MIX + 0.01, (n, 1)))),
        cot_mult=np.full(n, 0.5),
        grader_mult=np.full(n, 0.2),
        grader_add=np.zeros(n),
        tpl_fresh_p=rng.uniform(0.02, 0.08, n),
        tpl_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        tpl_pool=np.full(n, rng.integers(3, 9), dtype=np.uint64),
        tpl_skew=1.3,
        sys_p=rng.uniform(0.95, 1.0, n),
        sys_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        sys_pool=np.ones(n, dtype=np.uint64),
        in_mult=rng.lognormal(0.7, 0.3, n),
        out_mult=rng.lognormal(0.0, 0.2, n),
        thinking_p=np.full(n, 0.3),
        tools_add=np.full(n, rng.uniform(3, 8)),
        channel_cdf=_channels({"api": 0.9, "batch": 0.1}, n),
        sdk_api=np.full(n, SDKS.index("anthropic-typescript/0.32.1"), dtype=np.int16),
        n_keys=rng.integers(1, 3, n),
        networks=_fixed_slots(codes, np.full((n, 3), entry), [0.6, 0.3, 0.1]),
        model_cdf=cohort.cdf_rows(model_pref),
        adopt_delay_h=delay,
        new_share=np.full(n, rng.uniform(0.4, 0.7)),
    )
    return [cohort.Cohort(case, ctx.book.add(rows), behaviour)]


def university(ctx: BuildContext, size: CaseSize, instance: str = "") -> list[cohort.Cohort]:
    case = f"university{instance}"
    rng = ctx.rng("case", case)
    n = size.accounts
    country = str(rng.choice(["US", "GB", "DE", "IN", "CA", "AU", "JP", "KR", "SG", "NL"]))
    ci = COUNTRY_INDEX[country]
    word = str(
        rng.choice(
            ["northfield", "lakeside", "riverton", "eastbrook", "hillcrest", "westmoor", "kingsbridge"]
        )
    )
    domain = {
        "US": f"{word}.edu",
        "GB": f"{word}.ac.uk",
        "AU": f"{word}.edu.au",
        "JP": f"{word}.ac.jp",
        "KR": f"{word}.ac.kr",
        "IN": f"{word}.ac.in",
    }.get(country, f"uni-{word}.{country.lower()}")
    # term started weeks ago: most students signed up in its first days
    term_start = -int(rng.uniform(14, 45))
    created_day = np.where(
        rng.random(n) < 0.7, term_start + rng.integers(0, 4, n), rng.integers(term_start, 0, n)
    )
    created = ctx.day_us(created_day) + rng.integers(int(8 * 3.6e9), int(23 * 3.6e9), n)
    cards = hex_digest(rng, n)
    rows = cohort.AccountRows(
        org=np.arange(n, dtype=np.int64),  # each student is their own organisation
        org_names=individual_names(rng, n),
        created_us=created.astype(np.int64),
        pathway=np.full(n, cohort.PATHWAY["education"], dtype=np.int8),
        verification=np.where(
            rng.random(n) < 0.8, cohort.VERIFICATION["email"], cohort.VERIFICATION["phone"]
        ).astype(np.int8),
        billing_country=np.full(n, ci, dtype=np.int16),
        payment=[cards[i] if rng.random() < 0.1 else None for i in range(n)],  # education credits
        email_domain=[domain] * n,
        kind="benign_university",
        case=case,
    )
    base = _case_population(
        ctx, f"university-students{instance}", size, OrgMix(1, 0, 0), "benign_university", case
    ).behaviour
    campus = ctx.networks.add("education", country)
    nets = ctx.networks.arrays()
    campus_prefixes = draw_prefixes(rng, nets, np.full(int(rng.integers(4, 13)), campus))
    home = base.networks
    assert isinstance(home, cohort.SlotNetworks)
    codes = np.stack(
        [campus_prefixes[rng.integers(0, campus_prefixes.shape[0], n)], home.codes[:, 0], home.codes[:, 1]],
        axis=1,
    )
    entries = np.stack([np.full(n, campus), home.entries[:, 0], home.entries[:, 1]], axis=1)
    # one weekly deadline: the day before is busiest
    deadline = int(rng.integers(0, 5))
    weekday = np.array([(ctx.start.weekday() + d) % 7 for d in range(ctx.days)])
    day_weight = np.where(weekday == (deadline - 1) % 7, 1.6, np.where(weekday == deadline, 1.3, 1.0))
    p_active = rng.uniform(0.4, 0.8, n)
    weekend = rng.uniform(0.3, 0.6, n)
    first_day, rate = _active_all_period(ctx, rng, size, p_active, weekend, sigma=0.8)
    behaviour = replace(
        base,
        rate=rate / day_weight.mean(),
        p_active=p_active,
        first_day=first_day,
        weekend_factor=weekend,
        day_weight=day_weight,
        timing=cohort.Diurnal(
            np.full(n, DIURNAL_NAMES.index("campus"), dtype=np.int8), np.full(n, utc_offset(rng, ci))
        ),
        capability_cdf=cohort.cdf_rows(dirichlet_rows(rng, np.tile(15 * HOMEWORK_MIX + 0.01, (n, 1)))),
        cot_mult=rng.lognormal(np.log(3.0), 0.3, n),
        cot_add=np.full(n, 0.05),
        tpl_fresh_p=rng.uniform(0.3, 0.6, n),
        tpl_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),  # the same problem sets
        tpl_pool=np.full(n, rng.integers(5, 16), dtype=np.uint64),
        tpl_skew=1.2,
        sys_p=np.full(n, 0.05),
        channel_cdf=_channels({"console": 0.6, "api": 0.4}, n),
        sdk_api=np.where(rng.random(n) < 0.8, SDKS.index("anthropic-python/0.40.0"), base.sdk_api).astype(
            np.int16
        ),
        networks=cohort.SlotNetworks(
            codes=codes, entries=entries, cdf=cohort.cdf_rows(np.tile([0.7, 0.2, 0.1], (n, 1)))
        ),
    )
    return [cohort.Cohort(case, ctx.book.add(rows), behaviour)]


def eval_company(ctx: BuildContext, size: CaseSize, instance: str = "") -> list[cohort.Cohort]:
    case = f"eval_company{instance}"
    rng = ctx.rng("case", case)
    n = size.accounts
    country = str(rng.choice(["US", "GB"]))
    created = ctx.start_us - rng.integers(20, 700, n) * DAY_US - rng.integers(0, DAY_US, n)
    rows = _one_org_rows(ctx, rng, n, _name(rng, " Evals"), country, created, "benign_eval_company", case)
    base = _case_population(
        ctx, f"eval-runners{instance}", size, OrgMix(0, 1, 0), "benign_eval_company", case
    ).behaviour
    regions = pick_near(
        rng, ctx.standard.hosting, ctx.standard.hosting_country, np.full(2, COUNTRY_INDEX[country]), 0.8
    )
    office_entry = ctx.networks.add("business", country, size=16)
    nets = ctx.networks.arrays()
    runners = draw_prefixes(rng, nets, np.repeat(regions, 3))
    office = draw_prefixes(rng, nets, np.array([office_entry]))
    pick = rng.integers(0, runners.shape[0], (n, 2))
    codes = np.column_stack([runners[pick], np.full(n, office[0])])
    entries = np.column_stack([np.repeat(regions, 3)[pick], np.full(n, office_entry)])
    p_active = np.full(n, 0.9)
    weekend = np.full(n, 0.4)
    first_day, rate = _active_all_period(ctx, rng, size, p_active, weekend, sigma=0.6)
    steady = replace(
        base,
        rate=rate,
        p_active=p_active,
        first_day=first_day,
        weekend_factor=weekend,
        timing=cohort.Diurnal(np.full(n, DIURNAL_NAMES.index("automated"), dtype=np.int8), np.zeros(n)),
        capability_cdf=cohort.cdf_rows(np.tile(BENCHMARK_MIX, (n, 1))),
        cot_add=np.full(n, rng.uniform(0.3, 0.6)),
        grader_add=np.full(n, rng.uniform(0.25, 0.5)),
        tpl_fresh_p=np.full(n, rng.uniform(0.03, 0.1)),
        tpl_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        tpl_pool=np.full(n, int(log_uniform(rng, 400, 2000)), dtype=np.uint64),
        tpl_skew=1.0,
        sys_p=np.full(n, 0.6),
        sys_salt=np.full(n, rng.integers(0, 2**62, dtype=np.uint64)),
        sys_pool=np.full(n, 3, dtype=np.uint64),
        thinking_p=np.full(n, 0.5),
        tools_add=np.full(n, 4.0),
        channel_cdf=_channels({"batch": 0.5, "api": 0.5}, n),
        sdk_api=np.full(n, SDKS.index("anthropic-python/0.42.0"), dtype=np.int16),
        networks=_fixed_slots(codes, entries, [0.45, 0.4, 0.15]),
        model_cdf=cohort.cdf_rows(np.ones((n, len(EXISTING_MODELS)))),  # it evaluates every model
        adopt_delay_h=rng.uniform(0.1, 1.0, n),
        new_share=np.full(n, 0.6),
    )
    # release-day burst: the whole benchmark suite against the new model, right away
    burst_days = np.zeros(ctx.days)
    burst_days[ctx.lineup.release_day] = 1.0
    if ctx.lineup.release_day + 1 < ctx.days:
        burst_days[ctx.lineup.release_day + 1] = 0.6
    burst = replace(
        steady,
        rate=rate * rng.uniform(3, 5),
        p_active=np.ones(n),
        daily_noise_sigma=0.2,
        weekend_factor=np.ones(n),
        day_weight=burst_days,
        timing=cohort.AfterRelease(),
        adopt_delay_h=np.zeros(n),
        new_share=np.full(n, 0.95),
    )
    accounts = ctx.book.add(rows)
    return [cohort.Cohort(case, accounts, steady), cohort.Cohort(f"{case}-burst", accounts, burst)]


def reseller(ctx: BuildContext, size: CaseSize, instance: str = "") -> list[cohort.Cohort]:
    case = f"reseller{instance}"
    rng = ctx.rng("case", case)
    n = size.accounts
    country = str(rng.choice(["US", "SG", "GB", "DE", "NL"]))
    # each end customer is one account in its own organisation: a person or a small business
    pop = _case_population(
        ctx, f"reseller-customers{instance}", size, OrgMix(1, 0, 0), "benign_reseller", case
    )
    card = hex_digest(rng, 1)[0]
    rows = replace(
        pop.rows,
        org_names=[
            c if b else name
            for name, c, b in zip(
                pop.rows.org_names, company_names(rng, n), (rng.random(n) < 0.4).tolist(), strict=True
            )
        ],
        pathway=np.full(n, cohort.PATHWAY["reseller"], dtype=np.int8),
        verification=np.full(n, cohort.VERIFICATION["email"], dtype=np.int8),
        billing_country=np.full(n, COUNTRY_INDEX[country], dtype=np.int16),
        payment=[card] * n,  # the reseller pays for all of its customers
    )
    regions = pick_near(
        rng, ctx.standard.hosting, ctx.standard.hosting_country, np.full(2, COUNTRY_INDEX[country]), 0.7
    )
    nets = ctx.networks.arrays()
    egress_entries = np.repeat(regions, int(rng.integers(1, 4)))
    egress = draw_prefixes(rng, nets, egress_entries)
    pick = rng.integers(0, egress.shape[0], (n, 3))
    platform_delay = rng.uniform(24, 72)  # the platform lists the new model after a day or more
    b = pop.behaviour
    behaviour = replace(
        b,
        channel_cdf=_channels({"api": 1.0}, n),
        sdk_api=np.full(n, SDKS.index("anthropic-typescript/0.30.1"), dtype=np.int16),
        networks=_fixed_slots(egress[pick], egress_entries[pick], [0.5, 0.3, 0.2]),
        adopt_delay_h=np.maximum(b.adopt_delay_h, platform_delay),
    )
    return [cohort.Cohort(case, ctx.book.add(rows), behaviour)]


def early_adopters(ctx: BuildContext, size: CaseSize, instance: str = "") -> list[cohort.Cohort]:
    case = f"early_adopters{instance}"
    rng = ctx.rng("case", case)
    n = size.accounts
    pop = _case_population(
        ctx, f"early-adopters{instance}", size, OrgMix(0.8, 0.2, 0), "benign_early_adopter", case
    )
    behaviour = replace(
        pop.behaviour,
        adopt_delay_h=rng.uniform(0.1, 4.0, n),
        new_share=rng.uniform(0.75, 1.0, n),
        thinking_p=np.maximum(pop.behaviour.thinking_p, rng.uniform(0.2, 0.6, n)),
    )
    return [cohort.Cohort(case, ctx.book.add(pop.rows), behaviour)]


def _name(rng: np.random.Generator, suffix: str = "") -> str:
    return company_name(rng).split(" Inc.")[0] + suffix
