"""What a case builder needs while the world is being built, and small shared draws.

Case builders (`population`, `hard_cases`, `campaigns`) receive one `BuildContext`: the
period, the model line-up, the growing network table and the account book. Each builder
draws from its own named random stream (`ctx.rng("case", name)`) so the cases are
independent of each other and of their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np

from flows.synth.catalog import (
    AWKWARD_ORG_NAMES,
    COUNTRIES,
    FIRST_NAMES,
    FREE_EMAIL,
    NAME_SUFFIXES,
    NAME_WORDS_A,
    NAME_WORDS_B,
    REGIONAL_EMAIL,
)
from flows.synth.cohort import AccountBook
from flows.synth.ids import rng_for
from flows.synth.networks import NetworkTable, StandardNetworks
from flows.synth.releases import ModelLineup

DAY_US = 86_400_000_000


@dataclass
class BuildContext:
    seed: int
    start: date
    days: int
    lineup: ModelLineup
    networks: NetworkTable
    standard: StandardNetworks
    book: AccountBook
    used_domains: set[str]

    def rng(self, *name: str | int) -> np.random.Generator:
        return rng_for(self.seed, *name)

    @property
    def start_us(self) -> int:
        return int(datetime.combine(self.start, datetime.min.time(), tzinfo=timezone.utc).timestamp() * 1_000_000)

    def day_us(self, day_index: np.ndarray | int) -> np.ndarray | int:
        """Start of period day `day_index` (negative: before the period) in µs."""
        return self.start_us + np.asarray(day_index, dtype=np.int64) * DAY_US

    def company_domain(self, rng: np.random.Generator, tld: str) -> str:
        """A corporate e-mail domain no other organisation of this world uses."""
        while True:
            stem = f"{rng.choice(NAME_WORDS_A)}{rng.choice(NAME_WORDS_B)}".lower()
            domain = stem + (tld if rng.random() < 0.6 else rng.choice([".com", ".io", ".ai", ".co"]))
            if domain in self.used_domains:
                domain = f"{stem}{int(rng.integers(2, 999))}{tld}"
            if domain not in self.used_domains:
                self.used_domains.add(domain)
                return domain


def company_domain_or_free(ctx: BuildContext, rng: np.random.Generator, tld: str, *, company: bool) -> str | None:
    """The organisation's own e-mail domain, or None when its members use free mail
    (individuals mostly do; a tenth of them have a domain of their own)."""
    if company or rng.random() < 0.1:
        return ctx.company_domain(rng, tld)
    return None


def free_email(rng: np.random.Generator, country: str) -> str:
    if country in REGIONAL_EMAIL and rng.random() < 0.3:
        return REGIONAL_EMAIL[country]
    names, weights = zip(*FREE_EMAIL)
    return str(rng.choice(names, p=np.array(weights) / sum(weights)))


def company_name(rng: np.random.Generator) -> str:
    return f"{rng.choice(NAME_WORDS_A)} {rng.choice(NAME_WORDS_B)}{rng.choice(NAME_SUFFIXES)}"


def individual_name(rng: np.random.Generator) -> str:
    """What people type (or leave as default) for a one-person organisation."""
    r = rng.random()
    first = str(rng.choice(FIRST_NAMES))
    if r < 0.55:
        return f"{first}'s Individual Org"
    if r < 0.75:
        return "Personal"
    if r < 0.9:
        return first
    return f"{first} {rng.choice(NAME_WORDS_B)}"


def awkward_name(rng: np.random.Generator) -> str:
    return str(rng.choice(AWKWARD_ORG_NAMES))


def utc_offset(rng: np.random.Generator, country_index: int) -> float:
    return float(rng.choice(COUNTRIES[country_index].utc_offsets))


def dirichlet_rows(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """One Dirichlet draw per row of `alpha` (vectorized through gamma variates)."""
    g = rng.gamma(np.maximum(alpha, 1e-3))
    total = g.sum(axis=1, keepdims=True)
    uniform = np.full_like(g, 1.0 / g.shape[1])
    return np.where(total > 0, g / np.where(total > 0, total, 1.0), uniform)


def log_uniform(rng: np.random.Generator, lo: float, hi: float, size: int | None = None) -> np.ndarray | float:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


@dataclass(frozen=True)
class CaseSize:
    """How big one case is, already multiplied by the run's scale.

    Volume is given per day, or (for presets modelled on reported totals) as a total over
    `total_over_days` days, spread over the days the case is active in this period.
    """

    accounts: int
    requests_per_day: float = 0.0
    requests_total: float | None = None
    total_over_days: int | None = None

    def daily_volume(self, days: int, active_days: int) -> float:
        if self.requests_total is None:
            return self.requests_per_day
        total = self.requests_total * days / (self.total_over_days or days)
        return total / max(active_days, 1)
