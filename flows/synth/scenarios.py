"""Scenarios (which cases a run contains), presets (how big they are) and scaling.

Every scenario is ordinary `baseline` traffic plus cases: `all` has every hard benign case
and every campaign kind; a named scenario has just that case. Sizes are given at scale 1.0
(`DEFAULT_SIZES`: a day of `all` is about 140k requests on a weekday, less at weekends);
`scale` multiplies accounts and volume alike (with small floors so tiny test scales still
have enough accounts to show a campaign's coordination); `requests_per_day` sets the scale
so that an average day has that many requests.

The `incident` preset sizes the three main campaigns as reported publicly over 28 days
(about 150k, 3.4M and 13M exchanges) and puts about 24,000 accounts into the campaigns in
all, inside about 1.5M ordinary requests a day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from flows.synth import campaigns, hard_cases
from flows.synth.cohort import Cohort
from flows.synth.context import BuildContext, CaseSize
from flows.synth.labels import CampaignInfo

Builder = Callable[[BuildContext, CaseSize], list[Cohort] | tuple[list[Cohort], CampaignInfo]]


@dataclass(frozen=True)
class Case:
    kind: str  # label kind of its accounts
    build: Builder
    min_accounts: int  # floor at tiny scales
    min_requests_per_account: float  # floor of the daily volume per account at tiny scales


CASES: Mapping[str, Case] = MappingProxyType(
    {
        "enterprise": Case("benign_enterprise", hard_cases.enterprise, 12, 10),
        "university": Case("benign_university", hard_cases.university, 12, 4),
        "eval_company": Case("benign_eval_company", hard_cases.eval_company, 4, 40),
        "reseller": Case("benign_reseller", hard_cases.reseller, 12, 5),
        "early_adopters": Case("benign_early_adopter", hard_cases.early_adopters, 12, 8),
        "reasoning": Case("campaign_reasoning", campaigns.reasoning, 12, 15),
        "agentic": Case("campaign_agentic", campaigns.agentic, 12, 15),
        "coding": Case("campaign_coding", campaigns.coding, 12, 15),
        "proxy_network": Case("campaign_proxy_network", campaigns.proxy_network, 40, 3),
    }
)
SCENARIOS: tuple[str, ...] = ("all", *CASES)
BASELINE = "baseline"
BASELINE_REQUESTS_PER_ACCOUNT = 10.0  # average requests per ordinary account and day


@dataclass(frozen=True)
class Preset:
    name: str
    days: int  # the period the sizes are meant for (the CLI's default --days for it)
    description: str
    baseline_requests_per_day: float
    sizes: Mapping[str, CaseSize]  # at scale 1.0


DEFAULT_BASELINE_REQUESTS_PER_DAY = 85_000.0
DEFAULT_SIZES: Mapping[str, CaseSize] = MappingProxyType(
    {
        "enterprise": CaseSize(300, 6_000),
        "university": CaseSize(320, 2_500),
        "eval_company": CaseSize(20, 3_000),
        "reseller": CaseSize(220, 3_000),
        "early_adopters": CaseSize(160, 3_000),
        "reasoning": CaseSize(60, 4_000),
        "agentic": CaseSize(200, 8_000),
        "coding": CaseSize(300, 10_000),
        "proxy_network": CaseSize(1_300, 6_000),
    }
)

PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        "incident": Preset(
            name="incident",
            days=28,
            description=(
                "the reported incident: ~24,000 campaign accounts; reasoning ~150k, agentic ~3.4M, "
                "coding ~13M exchanges over 28 days; ~1.5M ordinary requests a day"
            ),
            baseline_requests_per_day=1_500_000.0,
            sizes=MappingProxyType(
                {
                    "enterprise": CaseSize(1_200, 24_000),
                    "university": CaseSize(1_280, 10_000),
                    "eval_company": CaseSize(80, 12_000),
                    "reseller": CaseSize(880, 12_000),
                    "early_adopters": CaseSize(640, 12_000),
                    "reasoning": CaseSize(700, requests_total=150_000, total_over_days=28),
                    "agentic": CaseSize(3_300, requests_total=3_400_000, total_over_days=28),
                    "coding": CaseSize(16_000, requests_total=13_000_000, total_over_days=28),
                    "proxy_network": CaseSize(4_000, 40_000),
                }
            ),
        ),
    }
)


@dataclass(frozen=True)
class Plan:
    """The cases of one run with their scaled sizes, in build order (baseline first)."""

    baseline: CaseSize
    cases: tuple[tuple[str, CaseSize], ...]
    factor: float


def _nominal_daily(size: CaseSize) -> float:
    if size.requests_total is not None:
        return size.requests_total / (size.total_over_days or 1)
    return size.requests_per_day


def plan(scenario: str, preset: str | None, scale: float, requests_per_day: int | None) -> Plan:
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    if requests_per_day is not None and requests_per_day <= 0:
        raise ValueError(f"requests_per_day must be positive, not {requests_per_day}")
    sizes = PRESETS[preset].sizes if preset else DEFAULT_SIZES
    baseline_volume = (
        PRESETS[preset].baseline_requests_per_day if preset else DEFAULT_BASELINE_REQUESTS_PER_DAY
    )
    names = tuple(CASES) if scenario == "all" else (scenario,)
    factor = scale
    if requests_per_day is not None:
        factor = requests_per_day / (baseline_volume + sum(_nominal_daily(sizes[name]) for name in names))
    cases = tuple((name, _scaled(sizes[name], factor, CASES[name])) for name in names)
    volume = baseline_volume * factor
    baseline = CaseSize(max(20, round(volume / BASELINE_REQUESTS_PER_ACCOUNT)), volume)
    return Plan(baseline=baseline, cases=cases, factor=factor)


def _scaled(size: CaseSize, factor: float, case: Case) -> CaseSize:
    accounts = max(case.min_accounts, round(size.accounts * factor))
    floor = accounts * case.min_requests_per_account
    if size.requests_total is not None:
        total = size.requests_total * factor
        over = size.total_over_days or 1
        return replace(size, accounts=accounts, requests_total=max(total, floor * over))
    return replace(size, accounts=accounts, requests_per_day=max(size.requests_per_day * factor, floor))
