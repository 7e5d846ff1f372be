"""Ordinary customers: organisations, their accounts and how they use the API.

Model of behaviour (all parameters drawn per organisation or account, never shared
constants):

* Organisations are individuals (one account), small companies (2-12 accounts) or large
  companies (Pareto-tailed, up to several hundred accounts): many small, a few big. Each
  has a billing country, a time zone in it, a name typed by a human (a few are awkward:
  quotes, ampersands, non-Latin scripts), corporate or free-mail e-mail, and - for
  companies - one company card shared by its accounts.
* Accounts are people (individuals, company staff) or apps (service accounts). People work
  to a local daily rhythm with a weekday effect (company staff hardly work weekends), write
  mostly never-repeated prompts, rarely set a system prompt and reach us from home ISPs,
  mobile carriers and the office line. Apps run around the clock on hosting networks, reuse
  their product's few prompt templates and system prompt, and send far more.
* Each organisation has its own capability mix around the population mix (coding and
  general chat dominate); each account varies around its organisation's.
* Volume per account is log-normal (heavy tail) with day-to-day noise; rates are scaled so
  the case sends its target volume on an average day.
* Models: each account prefers some of the existing models; it moves to the new model after
  a log-normal delay (median four days, a quarter never in the period) and then sends a
  share of its traffic there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flows.contract import ACCESS_CHANNELS
from flows.synth import cohort
from flows.synth.catalog import (
    BENIGN_CAPABILITY_MIX,
    COUNTRIES,
    COUNTRY_CODES,
    COUNTRY_WEIGHTS,
    DIURNAL_NAMES,
    SDK_API_WEIGHTS,
    SDK_CLOUD,
)
from flows.synth.context import (
    DAY_US,
    BuildContext,
    CaseSize,
    awkward_names,
    company_names,
    dirichlet_rows,
    free_emails,
    individual_names,
    log_uniform,
    utc_offset,
)
from flows.synth.ids import hex_digest
from flows.synth.networks import draw_prefixes, pick_in_country, pick_near
from flows.synth.releases import EXISTING_MODELS

INDIVIDUAL, SMALL, LARGE = 0, 1, 2
PERSON, STAFF, APP = 0, 1, 2
CHANNEL = {name: i for i, name in enumerate(ACCESS_CHANNELS)}
EXISTING_SHARES = np.array([share for _, _, share in EXISTING_MODELS])
ORDINARY_STATUS = np.array([0.966, 0.008, 0.012, 0.014])  # ok, refused, error, rate_limited


@dataclass(frozen=True)
class OrgMix:
    """Share of organisations that are individuals / small companies / large companies."""

    individual: float
    small: float
    large: float

    def p(self) -> np.ndarray:
        w = np.array([self.individual, self.small, self.large])
        return w / w.sum()


BASELINE_MIX = OrgMix(0.64, 0.33, 0.03)
INDIVIDUALS_ONLY = OrgMix(1.0, 0.0, 0.0)


@dataclass(frozen=True)
class Population:
    """Ordinary accounts of one case before they are registered in the book."""

    rows: cohort.AccountRows
    behaviour: cohort.Behaviour
    org_country: np.ndarray  # per local org
    account_type: np.ndarray  # PERSON / STAFF / APP per account


def calibrate_rates(
    rate: np.ndarray,
    p_active: np.ndarray,
    weekend: np.ndarray,
    first_day: np.ndarray,
    days: int,
    target: float,
) -> np.ndarray:
    """Scale relative rates so the accounts send `target` requests on an average day of the
    period (a week has five weekdays and two weekend days; new accounts count from sign-up)."""
    alive_share = np.clip((days - np.maximum(first_day, 0)) / days, 0.0, 1.0)
    expected = float((rate * p_active * alive_share * (5 + 2 * weekend) / 7).sum())
    return rate * (target / expected) if expected > 0 else rate * 0.0


def _org_sizes(rng: np.random.Generator, n_accounts: int, mix: OrgMix) -> tuple[np.ndarray, np.ndarray]:
    """Organisation kinds and sizes adding up to exactly `n_accounts`."""
    kinds = rng.choice(3, size=n_accounts, p=mix.p())
    sizes = np.ones(n_accounts, dtype=np.int64)
    small = kinds == SMALL
    sizes[small] = np.minimum(2 + rng.geometric(0.3, int(small.sum())) - 1, 12)
    large = kinds == LARGE
    # heavy tail, but no single organisation may swallow a small run
    cap = max(12, min(600, n_accounts // 15))
    sizes[large] = np.minimum((10 * (1 + rng.pareto(1.5, int(large.sum())))).astype(np.int64), cap)
    total = np.cumsum(sizes)
    last = int(np.searchsorted(total, n_accounts))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(total[last] - n_accounts)
    return kinds[: last + 1], sizes


def ordinary_population(
    ctx: BuildContext,
    name: str,
    n_accounts: int,
    requests_per_day: float,
    *,
    mix: OrgMix,
    kind: str,
    case: str,
    new_account_share_per_day: float = 0.003,
) -> Population:
    """Build `n_accounts` ordinary accounts sending about `requests_per_day` in all."""
    rng = ctx.rng("population", name)
    days = ctx.days
    org_kind, sizes = _org_sizes(rng, n_accounts, mix)
    n_orgs = len(sizes)
    org = np.repeat(np.arange(n_orgs), sizes)

    # --- organisations -----------------------------------------------------------------
    org_country = rng.choice(len(COUNTRIES), size=n_orgs, p=COUNTRY_WEIGHTS)
    org_tz = np.array([utc_offset(rng, int(c)) for c in org_country])
    solo_org = org_kind == INDIVIDUAL
    names = np.where(
        solo_org,
        np.array(individual_names(rng, n_orgs), dtype=object),
        np.array(company_names(rng, n_orgs), dtype=object),
    ).tolist()
    n_awkward = min(max(2, n_orgs // 250), n_orgs)
    for i, name in zip(
        np.sort(rng.choice(n_orgs, size=n_awkward, replace=False)).tolist(),
        awkward_names(rng, n_awkward),
        strict=True,
    ):
        names[i] = name
    # companies have their own domain; a tenth of individuals too, the rest use free mail
    has_domain = ~solo_org | (rng.random(n_orgs) < 0.1)
    domains: list[str | None] = [None] * n_orgs
    for i, domain in zip(
        np.flatnonzero(has_domain).tolist(),
        ctx.company_domains(rng, [COUNTRIES[c].tld for c in org_country[has_domain].tolist()]),
        strict=True,
    ):
        domains[i] = domain
    # companies pay with one company card; some individuals run on free credits
    org_card = hex_digest(rng, n_orgs)
    paid = (rng.random(n_orgs) < np.where(solo_org, 0.75, 0.93)).tolist()
    cards: list[str | None] = [card if ok else None for card, ok in zip(org_card, paid, strict=True)]
    # cloud-marketplace customers: billed through the cloud partner, traffic mostly there
    org_cloud = rng.random(n_orgs) < np.select([org_kind == LARGE, org_kind == SMALL], [0.4, 0.12], 0.04)

    # --- accounts ----------------------------------------------------------------------
    a_kind = org_kind[org]
    account_type = np.where(a_kind == INDIVIDUAL, PERSON, STAFF)
    account_type = np.where(
        rng.random(n_accounts) < np.where(a_kind == INDIVIDUAL, 0.05, 0.25), APP, account_type
    )
    country = org_country[org]
    free = free_emails(rng, [COUNTRY_CODES[c] for c in country.tolist()])
    use_org_domain = (rng.random(n_accounts) < 0.93).tolist()
    email = [
        org_domain if (org_domain := domains[o]) is not None and use_org_domain[i] else free[i]
        for i, o in enumerate(org.tolist())
    ]
    pathway = np.select(
        [a_kind == INDIVIDUAL, a_kind == SMALL],
        [
            rng.choice(
                [
                    cohort.PATHWAY["standard"],
                    cohort.PATHWAY["education"],
                    cohort.PATHWAY["research"],
                    cohort.PATHWAY["startup"],
                ],
                size=n_accounts,
                p=[0.88, 0.06, 0.02, 0.04],
            ),
            rng.choice(
                [cohort.PATHWAY["standard"], cohort.PATHWAY["startup"], cohort.PATHWAY["research"]],
                size=n_accounts,
                p=[0.7, 0.25, 0.05],
            ),
        ],
        rng.choice(
            [cohort.PATHWAY["enterprise"], cohort.PATHWAY["standard"], cohort.PATHWAY["startup"]],
            size=n_accounts,
            p=[0.6, 0.35, 0.05],
        ),
    )
    # the same organisation signed up one way: take the pathway of its first account
    first_of_org = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pathway = pathway[first_of_org][org].astype(np.int8)
    verification = np.select(
        [a_kind == INDIVIDUAL, a_kind == SMALL],
        [
            rng.choice(4, size=n_accounts, p=[0.05, 0.55, 0.35, 0.05]),
            rng.choice(4, size=n_accounts, p=[0.02, 0.33, 0.3, 0.35]),
        ],
        rng.choice(4, size=n_accounts, p=[0.0, 0.05, 0.1, 0.85]),
    ).astype(np.int8)
    assert cohort.VERIFICATION["none"] == 0 and cohort.VERIFICATION["id"] == 3

    # creation: most accounts predate the period; a few sign up during it
    org_age_days = np.minimum(rng.exponential(320, n_orgs), 1_400) + 1
    age = org_age_days[org] * rng.uniform(0.05, 1.0, n_accounts)
    created = ctx.start_us - (age * DAY_US).astype(np.int64)
    first_day = np.full(n_accounts, -10_000, dtype=np.int64)
    is_new = rng.random(n_accounts) < min(new_account_share_per_day * days, 0.5)
    new_day = rng.integers(0, days, n_accounts)
    created = np.where(is_new, ctx.day_us(new_day) + rng.integers(0, DAY_US, n_accounts), created)
    first_day = np.where(is_new, new_day, first_day)
    rows = cohort.AccountRows(
        org=org,
        org_names=names,
        created_us=created.astype(np.int64),
        pathway=pathway,
        verification=verification,
        billing_country=country.astype(np.int16),
        payment=[cards[o] for o in org.tolist()],
        email_domain=email,
        kind=kind,
        case=case,
    )

    # --- volume and rhythm ---------------------------------------------------------------
    person, staff, app = (account_type == t for t in (PERSON, STAFF, APP))
    rate = np.select(
        [person, staff],
        [rng.lognormal(np.log(5), 1.0, n_accounts), rng.lognormal(np.log(9), 0.9, n_accounts)],
        rng.lognormal(np.log(15), 1.2, n_accounts),
    )
    rate = np.minimum(rate, 4_000.0)
    rate[is_new & (rng.random(n_accounts) < 0.3)] = 0.0  # signed up, never used it (yet)
    p_active = np.select(
        [person, staff],
        [rng.uniform(0.15, 0.7, n_accounts), rng.uniform(0.45, 0.9, n_accounts)],
        rng.uniform(0.8, 1.0, n_accounts),
    )
    weekend = np.select(
        [person, staff],
        [rng.uniform(0.7, 1.2, n_accounts), rng.uniform(0.1, 0.35, n_accounts)],
        rng.uniform(0.5, 1.0, n_accounts),
    )
    rate = calibrate_rates(rate, p_active, weekend, first_day, days, requests_per_day)
    profile = np.select(
        [person, staff],
        [
            np.where(
                rng.random(n_accounts) < 0.7, DIURNAL_NAMES.index("consumer"), DIURNAL_NAMES.index("office")
            ),
            DIURNAL_NAMES.index("office"),
        ],
        DIURNAL_NAMES.index("automated"),
    ).astype(np.int8)

    # --- content -----------------------------------------------------------------------
    org_mix = dirichlet_rows(rng, np.tile(8.0 * BENIGN_CAPABILITY_MIX + 0.02, (n_orgs, 1)))
    concentration = np.where(app, 4.0, 20.0)[:, None]  # an app does one or two things
    capability = dirichlet_rows(rng, concentration * org_mix[org] + 0.01)
    org_salt = rng.integers(0, 2**62, n_orgs, dtype=np.uint64)
    own_salt = rng.integers(0, 2**62, n_accounts, dtype=np.uint64)
    tpl_salt = np.where(app, org_salt[org], own_salt)  # an org's apps share its product's templates
    tpl_fresh = np.where(app, rng.uniform(0.02, 0.4, n_accounts), rng.uniform(0.85, 0.99, n_accounts))
    tpl_pool = np.where(app, log_uniform(rng, 2, 60, n_accounts), rng.integers(3, 21, n_accounts)).astype(
        np.uint64
    )
    sys_salt = np.where(app, org_salt[org] ^ np.uint64(0x5A5A), own_salt ^ np.uint64(0xA5A5))
    sys_p = np.where(app, rng.uniform(0.6, 1.0, n_accounts), rng.beta(0.6, 3.0, n_accounts) * 0.6)
    sys_pool = np.where(app, rng.integers(1, 5, n_accounts), rng.integers(1, 4, n_accounts)).astype(np.uint64)
    # a few apps are LLM-as-judge pipelines: legitimate rubric-grading traffic
    grader_add = np.where(app & (rng.random(n_accounts) < 0.02), rng.uniform(0.05, 0.4, n_accounts), 0.0)
    thinking_p = np.where(
        app,
        np.where(rng.random(n_accounts) < 0.2, rng.uniform(0.8, 1.0, n_accounts), 0.0),
        rng.beta(0.5, 2.5, n_accounts),
    )
    tools_add = np.where(app & (rng.random(n_accounts) < 0.25), rng.uniform(1, 8, n_accounts), 0.0)

    # --- channel, client, keys ---------------------------------------------------------------
    console = rng.beta(2, 2, n_accounts)
    channel = np.zeros((n_accounts, 4))
    cloud = org_cloud[org]
    channel[:, CHANNEL["api"]] = np.select([app, staff], [0.88, 0.75], 1.0 - console)
    channel[:, CHANNEL["batch"]] = np.select([app, staff], [0.12, 0.03], 0.0)
    channel[:, CHANNEL["console"]] = np.select([app, staff], [0.0, 0.22], console)
    channel[cloud] = np.where(app[cloud, None], [0.05, 0.05, 0.9, 0.0], [0.1, 0.0, 0.8, 0.1])
    org_sdk = rng.choice(len(SDK_API_WEIGHTS), size=n_orgs, p=SDK_API_WEIGHTS)
    own_sdk = rng.choice(len(SDK_API_WEIGHTS), size=n_accounts, p=SDK_API_WEIGHTS)
    sdk_api = np.where(rng.random(n_accounts) < 0.7, org_sdk[org], own_sdk).astype(np.int16)
    sdk_cloud = np.array(SDK_CLOUD)[rng.integers(0, 2, n_orgs)][org].astype(np.int16)
    n_keys = np.where(app, rng.integers(1, 5, n_accounts), 1 + (rng.random(n_accounts) < 0.2)).astype(
        np.int64
    )

    networks = _slot_networks(ctx, rng, org, org_kind, org_country, account_type)

    # --- models ----------------------------------------------------------------------------
    model_pref = dirichlet_rows(rng, np.tile(10.0 * EXISTING_SHARES, (n_accounts, 1)))
    delay = rng.lognormal(np.log(96.0), 1.1, n_accounts)
    delay[rng.random(n_accounts) < 0.25] = np.inf

    behaviour = cohort.Behaviour(
        rate=rate,
        p_active=p_active,
        first_day=first_day,
        last_day=np.full(n_accounts, days + 10_000, dtype=np.int64),
        weekend_factor=weekend,
        day_weight=np.ones(days),
        daily_noise_sigma=0.5,
        balanced_volume=None,
        balance_jitter=0.0,
        timing=cohort.Diurnal(profile=profile, utc_offset_h=org_tz[org]),
        capability_cdf=cohort.cdf_rows(capability),
        cot_mult=rng.lognormal(0.0, 0.6, n_accounts),
        cot_add=np.zeros(n_accounts),
        grader_mult=rng.lognormal(0.0, 0.8, n_accounts),
        grader_add=grader_add,
        tpl_fresh_p=tpl_fresh,
        tpl_salt=tpl_salt.astype(np.uint64),
        tpl_pool=np.maximum(tpl_pool, 1),
        tpl_skew=1.5,
        sys_p=sys_p,
        sys_salt=sys_salt.astype(np.uint64),
        sys_pool=sys_pool,
        in_mult=np.where(app, rng.lognormal(0.3, 0.5, n_accounts), rng.lognormal(0.0, 0.35, n_accounts)),
        out_mult=rng.lognormal(0.0, 0.3, n_accounts),
        thinking_p=thinking_p,
        thinking_mult=rng.lognormal(0.0, 0.4, n_accounts),
        tools_mult=rng.lognormal(0.0, 0.4, n_accounts),
        tools_add=tools_add,
        channel_cdf=cohort.cdf_rows(channel),
        sdk_api=sdk_api,
        sdk_cloud=sdk_cloud,
        n_keys=n_keys,
        networks=networks,
        model_cdf=cohort.cdf_rows(model_pref),
        adopt_delay_h=delay,
        new_share=rng.uniform(0.25, 0.85, n_accounts),
        status_p=ORDINARY_STATUS,
    )
    return Population(rows=rows, behaviour=behaviour, org_country=org_country, account_type=account_type)


def _slot_networks(
    ctx: BuildContext,
    rng: np.random.Generator,
    org: np.ndarray,
    org_kind: np.ndarray,
    org_country: np.ndarray,
    account_type: np.ndarray,
) -> cohort.SlotNetworks:
    """Three networks per account: people use home / mobile / elsewhere (or the office),
    apps use their organisation's hosting region (and the office)."""
    std = ctx.standard
    n_orgs = len(org_kind)
    n = len(org)
    country = org_country[org]
    # organisation-level networks: the office line (large companies run their own AS)
    office_entry = pick_in_country(rng, std.business, org_country)
    for o in np.flatnonzero(org_kind == LARGE):
        office_entry[o] = ctx.networks.add("business", COUNTRY_CODES[int(org_country[o])], size=16)
    hosting_entry = pick_near(rng, std.hosting, std.hosting_country, org_country, local_p=0.6)
    nets = ctx.networks.arrays()
    office_codes = np.stack([draw_prefixes(rng, nets, office_entry) for _ in range(3)], axis=1)
    hosting_codes = np.stack([draw_prefixes(rng, nets, hosting_entry, 0.2) for _ in range(2)], axis=1)

    home_entry = pick_in_country(rng, std.isp, country)
    mobile_entry = pick_in_country(rng, std.mobile, country)
    other_entry = pick_in_country(rng, std.isp, country)
    home = draw_prefixes(rng, nets, home_entry, 0.3)
    mobile = draw_prefixes(rng, nets, mobile_entry, 0.5)
    other = draw_prefixes(rng, nets, other_entry, 0.3)
    office_pick = rng.integers(0, 3, n)
    office = office_codes[org, office_pick]
    hosting = hosting_codes[org, rng.integers(0, 2, n)]
    hosting2 = hosting_codes[org, rng.integers(0, 2, n)]

    office2 = office_codes[org, (office_pick + 1) % 3]
    # some companies run their apps in a cloud region, most on their own network
    on_prem = (rng.random(n_orgs) < 0.6)[org][:, None]
    person = (account_type == PERSON)[:, None]
    staff = (account_type == STAFF)[:, None]
    solo = (org_kind[org] == INDIVIDUAL)[:, None]
    conditions = [person, staff, solo, on_prem]
    codes = np.select(
        conditions,
        [
            np.stack([home, mobile, other], axis=1),
            np.stack([office, home, mobile], axis=1),
            np.stack([hosting, home, mobile], axis=1),  # a hobbyist's server, or their laptop
            np.stack([office, office2, hosting], axis=1),
        ],
        np.stack([hosting, hosting2, office], axis=1),
    )
    entries = np.select(
        conditions,
        [
            np.stack([home_entry, mobile_entry, other_entry], axis=1),
            np.stack([office_entry[org], home_entry, mobile_entry], axis=1),
            np.stack([hosting_entry[org], home_entry, mobile_entry], axis=1),
            np.stack([office_entry[org], office_entry[org], hosting_entry[org]], axis=1),
        ],
        np.stack([hosting_entry[org], hosting_entry[org], office_entry[org]], axis=1),
    )
    weights = np.select(
        conditions,
        [
            np.array([[0.72, 0.25, 0.03]]),
            np.array([[0.65, 0.25, 0.10]]),
            np.array([[0.5, 0.4, 0.1]]),
            np.array([[0.6, 0.35, 0.05]]),
        ],
        np.array([[0.6, 0.35, 0.05]]),
    )
    return cohort.SlotNetworks(
        codes=codes, entries=entries, cdf=cohort.cdf_rows(np.broadcast_to(weights, (n, 3)))
    )


def baseline(ctx: BuildContext, size: CaseSize) -> list[cohort.Cohort]:
    """Ordinary traffic, the background of every scenario (label kind `benign`)."""
    pop = ordinary_population(
        ctx,
        "baseline",
        size.accounts,
        size.requests_per_day,
        mix=BASELINE_MIX,
        kind="benign",
        case="baseline",
    )
    return [cohort.Cohort("baseline", ctx.book.add(pop.rows), pop.behaviour)]
