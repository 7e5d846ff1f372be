"""What a case builder needs while the world is being built, and small shared draws.

Case builders (`population`, `hard_cases`, `campaigns`) receive one `BuildContext`: the
period, the model line-up, the growing network table and the account book. Each builder
draws from its own named random stream (`ctx.rng("case", name)`) so the cases are
independent of each other and of their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from flows.synth.catalog import (
    AWKWARD_PUNCTUATION,
    AWKWARD_SCRIPTS,
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
        return int(datetime.combine(self.start, datetime.min.time(), tzinfo=UTC).timestamp() * 1_000_000)

    def day_us(self, day_index: np.ndarray | int) -> np.ndarray | int:
        """Start of period day `day_index` (negative: before the period) in µs."""
        return self.start_us + np.asarray(day_index, dtype=np.int64) * DAY_US

    def company_domains(self, rng: np.random.Generator, tlds: list[str]) -> list[str]:
        """One corporate e-mail domain per entry of `tlds`, none used by another organisation."""
        n = len(tlds)
        a = rng.integers(0, len(NAME_WORDS_A), n).tolist()
        b = rng.integers(0, len(NAME_WORDS_B), n).tolist()
        generic = rng.integers(0, len(_GENERIC_TLDS), n).tolist()
        use_generic = (rng.random(n) >= 0.6).tolist()
        numbers = rng.integers(2, 999, n).tolist()
        out: list[str] = []
        for i in range(n):
            stem = f"{NAME_WORDS_A[a[i]]}{NAME_WORDS_B[b[i]]}".lower()
            tld = _GENERIC_TLDS[generic[i]] if use_generic[i] else tlds[i]
            domain = stem + tld
            while domain in self.used_domains:  # taken: add a number, as people do
                domain = f"{stem}{numbers[i]}{tld}"
                numbers[i] += 1
            self.used_domains.add(domain)
            out.append(domain)
        return out

    def company_domain(self, rng: np.random.Generator, tld: str) -> str:
        return self.company_domains(rng, [tld])[0]


_GENERIC_TLDS = (".com", ".io", ".ai", ".co")
_FREE_NAMES = tuple(name for name, _ in FREE_EMAIL)
_FREE_P = np.array([w for _, w in FREE_EMAIL]) / sum(w for _, w in FREE_EMAIL)


def free_emails(rng: np.random.Generator, countries: list[str]) -> list[str]:
    """A free-mail domain per user; regional providers for some users of their country."""
    n = len(countries)
    pick = rng.choice(len(_FREE_NAMES), size=n, p=_FREE_P).tolist()
    regional = (rng.random(n) < 0.3).tolist()
    return [
        REGIONAL_EMAIL[c] if regional[i] and c in REGIONAL_EMAIL else _FREE_NAMES[pick[i]]
        for i, c in enumerate(countries)
    ]


def company_names(rng: np.random.Generator, n: int) -> list[str]:
    a = rng.integers(0, len(NAME_WORDS_A), n).tolist()
    b = rng.integers(0, len(NAME_WORDS_B), n).tolist()
    s = rng.integers(0, len(NAME_SUFFIXES), n).tolist()
    return [f"{NAME_WORDS_A[i]} {NAME_WORDS_B[j]}{NAME_SUFFIXES[k]}" for i, j, k in zip(a, b, s, strict=True)]


def individual_names(rng: np.random.Generator, n: int) -> list[str]:
    """What people type (or leave as the default) for a one-person organisation."""
    r = rng.random(n).tolist()
    first = rng.integers(0, len(FIRST_NAMES), n).tolist()
    word = rng.integers(0, len(NAME_WORDS_B), n).tolist()
    out: list[str] = []
    for x, f, w in zip(r, first, word, strict=True):
        name = FIRST_NAMES[f]
        if x < 0.55:
            out.append(f"{name}'s Individual Org")
        elif x < 0.75:
            out.append("Personal")
        elif x < 0.9:
            out.append(name)
        else:
            out.append(f"{name} {NAME_WORDS_B[w]}")
    return out


def company_name(rng: np.random.Generator) -> str:
    return company_names(rng, 1)[0]


def awkward_names(rng: np.random.Generator, n: int) -> list[str]:
    """Awkward names, alternately from the punctuation and the script group."""
    groups = (AWKWARD_PUNCTUATION, AWKWARD_SCRIPTS)
    picks = rng.integers(0, 1 << 30, n).tolist()
    return [groups[i % 2][p % len(groups[i % 2])] for i, p in enumerate(picks)]


def utc_offset(rng: np.random.Generator, country_index: int) -> float:
    return float(rng.choice(COUNTRIES[country_index].utc_offsets))


def dirichlet_rows(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """One Dirichlet draw per row of `alpha` (vectorized through gamma variates)."""
    g = rng.gamma(np.maximum(alpha, 1e-3))
    total = g.sum(axis=1, keepdims=True)
    uniform = np.full_like(g, 1.0 / g.shape[1])
    return np.where(total > 0, g / np.where(total > 0, total, 1.0), uniform)


def log_uniform(
    rng: np.random.Generator, lo: float, hi: float, size: int | None = None
) -> np.ndarray | float:
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
