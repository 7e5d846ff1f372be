"""Small hand-made export tables for tests: valid by default, every column overridable.

`make_requests` / `make_accounts` build contract-typed Arrow tables with a handful of accounts
and organizations, deterministic for a given seed. Tests that need a specific shape pass
`overrides` (column name → list of values) to replace whole columns.

`make_campaign_evidence` is one campaign's `CampaignEvidence` with everything present (proxy and
hosting networks, shared templates and payment, a creation burst, a research-pathway majority,
fired signals) and hostile customer text: an organization name with markup, a bidi override and
quotes, and an e-mail domain that tries to break out of a STIX pattern. Tests remove pieces with
keyword overrides (`dataclasses.replace`) to show each output appears only with its evidence.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pypdf import PdfReader

from flows.contract import ACCOUNTS_SCHEMA, CAPABILITIES, REQUESTS_SCHEMA
from flows.report.evidence import (
    CampaignEvidence,
    CapabilityUse,
    Count,
    CreationBurst,
    DayRequests,
    LinkingIdentifier,
    ModelRelease,
    ModelUse,
    NetworkUse,
    PrefixUse,
    Signal,
    Tokens,
    TopAccount,
    WindowFigures,
)


def make_requests(
    n: int,
    day: date,
    *,
    accounts: int = 6,
    seed: int = 0,
    id_prefix: str | None = None,
    overrides: dict[str, list[Any]] | None = None,
) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    acct = rng.integers(0, accounts, n)
    prefix = id_prefix or f"r{day:%Y%m%d}"
    columns: dict[str, list[Any]] = {
        "request_id": [f"{prefix}-{i:07d}" for i in range(n)],
        "ts": [start + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 86_400, n))],
        "account_id": [f"acct-{a:04d}" for a in acct],
        "organization_id": [f"org-{a // 2:04d}" for a in acct],
        "api_key_id": [f"key-{a:04d}" for a in acct],
        "model": ["claude-opus-4-5" if x < 0.7 else "claude-sonnet-4-5" for x in rng.random(n)],
        "access_channel": ["api"] * n,
        "capability": [CAPABILITIES[i] for i in rng.integers(0, 8, n)],
        "input_tokens": rng.integers(50, 4_000, n).tolist(),
        "output_tokens": rng.integers(10, 2_000, n).tolist(),
        "thinking_tokens": rng.integers(0, 1_000, n).tolist(),
        "tool_count": rng.integers(0, 3, n).astype("int32").tolist(),
        "image_count": [0] * n,
        "cot_elicitation": (rng.random(n) < 0.05).tolist(),
        "grader_prompt": (rng.random(n) < 0.01).tolist(),
        "prompt_template_hash": [f"tpl-{t:05d}" for t in rng.integers(0, max(n, 1), n)],
        "system_prompt_hash": [None if x < 0.5 else "sys-0001" for x in rng.random(n)],
        "ip_prefix": [f"198.51.{a}.0/24" for a in acct],
        "asn": [64_500 + int(a) for a in acct],
        "asn_type": ["isp"] * n,
        "ip_country": ["US"] * n,
        "sdk": ["anthropic-python/0.42.0"] * n,
        "status": ["ok"] * n,
    }
    columns.update(overrides or {})
    return pa.Table.from_pydict(columns, schema=REQUESTS_SCHEMA)


def make_detection_requests(
    day: date,
    who: list[str],
    *,
    organization: Callable[[str], str],
    seed: int,
    id_prefix: str,
    templates: list[str],
    capability: list[str],
    prefixes: list[str],
    asn_type: list[str],
    cot: list[bool],
    input_tokens: np.ndarray,
    output_tokens: np.ndarray,
) -> pa.Table:
    """Requests of the detection worlds: one per entry of `who`, no system prompt, no grader
    prompt, no thinking, keys and organizations derived from the account, one ASN per /16."""
    n = len(who)
    return make_requests(
        n,
        day,
        seed=seed,
        id_prefix=id_prefix,
        overrides={
            "account_id": who,
            "organization_id": [organization(a) for a in who],
            "api_key_id": [f"key-{a}" for a in who],
            "capability": capability,
            "prompt_template_hash": templates,
            "system_prompt_hash": [None] * n,
            "ip_prefix": prefixes,
            "asn": [64_500 + zlib.crc32(p.rsplit(".", 2)[0].encode()) % 1000 for p in prefixes],
            "asn_type": asn_type,
            "cot_elicitation": cot,
            "grader_prompt": [False] * n,
            "input_tokens": input_tokens.tolist(),
            "output_tokens": output_tokens.tolist(),
            "thinking_tokens": [0] * n,
        },
    )


def make_accounts(
    accounts: int = 6,
    *,
    created: date | None = None,
    overrides: dict[str, list[Any]] | None = None,
) -> pa.Table:
    created_at = datetime(*(created or date(2026, 1, 1)).timetuple()[:3], tzinfo=UTC)
    columns: dict[str, list[Any]] = {
        "account_id": [f"acct-{a:04d}" for a in range(accounts)],
        "organization_id": [f"org-{a // 2:04d}" for a in range(accounts)],
        "organization_name": [f"Organization {a // 2}" for a in range(accounts)],
        "created_at": [created_at] * accounts,
        "signup_pathway": ["standard"] * accounts,
        "verification": ["email"] * accounts,
        "billing_country": ["US"] * accounts,
        "payment_fingerprint": [f"pay-{a // 2:04d}" for a in range(accounts)],
        "email_domain": [f"org{a // 2}.example" for a in range(accounts)],
    }
    columns.update(overrides or {})
    return pa.Table.from_pydict(columns, schema=ACCOUNTS_SCHEMA)


# --- campaign evidence ----------------------------------------------------------------------------

CAMPAIGN_RUN_DATE = date(2026, 3, 10)
HOSTILE_ORG = "<script>alert(1)</script> Acme\u202e\"' Labs"
HOSTILE_DOMAIN = "evil.example'] OR [ipv4-addr:value = '0.0.0.0/0"


def campaign_signal(name: str, family: str, value: float | None, threshold: float, points: float) -> Signal:
    return Signal(name, family, value, threshold, ">=", points, 2.0, f"{name} description")


def make_campaign_evidence(**overrides: Any) -> CampaignEvidence:
    evidence = CampaignEvidence(
        campaign_id="DW-2026-03-04-1a2b3c4d",
        run_date=CAMPAIGN_RUN_DATE,
        status="growing",
        score=14.0,
        confidence="moderate",
        confidence_statement="Moderate confidence: harvesting and coordination both present.",
        first_seen=date(2026, 3, 4),
        last_seen=CAMPAIGN_RUN_DATE,
        window=WindowFigures(
            window_start=date(2026, 3, 4),
            accounts=12,
            organizations=6,
            requests=91_234,
            total_tokens=98_765_432,
            requests_on_run_date=15_321,
            accounts_active_on_run_date=11,
        ),
        accounts=12,
        organizations=6,
        requests=100_000,
        tokens=Tokens(input=20_000_000, output=60_000_000, thinking=30_000_000, total=110_000_000),
        cot_elicitation_requests=62_000,
        grader_prompt_requests=18_000,
        proxy_requests=55_000,
        hosting_requests=30_000,
        ip_prefixes=40,
        models=(
            ModelUse("claude-opus-4-5", 80_000, 50_000_000),
            ModelUse("claude-sonnet-4-5", 20_000, 10_000_000),
        ),
        capabilities=(
            CapabilityUse("agentic_coding", 70_000, 0.7, 0.1, 7.0),
            CapabilityUse("reasoning", 30_000, 0.3, 0.2, 1.5),
        ),
        signup_pathways=(Count("research", 9), Count("standard", 3)),
        access_channels=(Count("api", 90_000), Count("cloud_partner", 10_000)),
        verification_levels=(Count("email", 10), Count("phone", 2)),
        daily=tuple(DayRequests(date(2026, 3, d), 10_000 + d) for d in range(4, 11)),
        model_releases=(ModelRelease("claude-opus-4-5", datetime(2026, 3, 5, 18, tzinfo=UTC)),),
        linking=(
            LinkingIdentifier("payment_fingerprint", "pay-7f3a", 8, 5, 8),
            LinkingIdentifier("prompt_template", "tpl-00042", 11, 6, 12),
            LinkingIdentifier("prompt_template", "tpl-00043", 7, 4, 9),
            # a popular public template: shared, but mostly by unrelated accounts
            LinkingIdentifier("prompt_template", "tpl-public", 10, 6, 5000),
            LinkingIdentifier("system_prompt", "sys-9", 6, 3, 6),
            LinkingIdentifier("ip_prefix", "203.0.113.0/24", 9, 5, 10),
            LinkingIdentifier("email_domain", "harvest-labs.example", 5, 3, 5),
            LinkingIdentifier("email_domain", "university.example", 4, 2, 900),
            LinkingIdentifier("email_domain", HOSTILE_DOMAIN, 3, 2, 3),
        ),
        infrastructure=(
            PrefixUse("203.0.113.0/24", 64500, "proxy", 40_000, 9, 10),
            PrefixUse("2001:db8:1::/48", 64501, "hosting", 30_000, 4, 5),
            # hosting but shared with many unrelated accounts: never an indicator
            PrefixUse("198.51.100.0/24", 64502, "hosting", 10_000, 2, 40),
            # residential ISP: never an indicator
            PrefixUse("192.0.2.0/24", 64503, "isp", 15_000, 3, 3),
        ),
        dedicated_prefixes=(
            PrefixUse("203.0.113.0/24", 64500, "proxy", 40_000, 9, 10),
            PrefixUse("2001:db8:1::/48", 64501, "hosting", 30_000, 4, 5),
        ),
        networks=(
            NetworkUse(64500, "proxy", 3, 40_000, 9),
            NetworkUse(64501, "hosting", 1, 30_000, 4),
            NetworkUse(64502, "hosting", 1, 10_000, 2),
            NetworkUse(64503, "isp", 1, 15_000, 3),
        ),
        creation_bursts=(CreationBurst(date(2026, 3, 1), 8), CreationBurst(date(2026, 3, 2), 2)),
        signals=(
            campaign_signal("signature_template_share", "extraction", 0.8, 0.3, 2),
            campaign_signal("capability_targeting", "targeting", 0.7, 0.5, 2),
            campaign_signal("cot_elicitation_rate", "extraction", 0.62, 0.25, 2),
            campaign_signal("proxy_share", "concealment", 0.55, 0.3, 2),
            campaign_signal("ip_churn", "concealment", 3.5, 3.0, 1),
            campaign_signal("creation_burst", "farming", 0.66, 0.5, 1),
            campaign_signal("farming_pathways", "farming", 0.75, 0.5, 1),
        ),
        top_accounts=(
            TopAccount("acct-0001", "org-1", HOSTILE_ORG, 20_000, 7.0),
            TopAccount("acct-0002", "org-2", "Benign Name GmbH", 15_000, 6.0),
            TopAccount("acct-0003", "org-3", None, 9_000, None),
        ),
        verdict=None,
    )
    return replace(evidence, **overrides)


# --- PDFs read back --------------------------------------------------------------------------------


def bare_campaign_evidence(**overrides: Any) -> CampaignEvidence:
    """The same campaign with no supporting evidence beyond its accounts and traffic."""
    return make_campaign_evidence(
        **{
            "cot_elicitation_requests": 0,
            "grader_prompt_requests": 0,
            "proxy_requests": 0,
            "hosting_requests": 0,
            "capabilities": (CapabilityUse("general_chat", 100_000, 1.0, 1.0, 1.0),),
            "signup_pathways": (Count("standard", 12),),
            "access_channels": (Count("api", 100_000),),
            "verification_levels": (Count("id", 12),),
            "linking": (),
            "infrastructure": (PrefixUse("192.0.2.0/24", 64503, "isp", 100_000, 12, 12),),
            "dedicated_prefixes": (),
            "networks": (NetworkUse(64503, "isp", 1, 100_000, 12),),
            "creation_bursts": (),
            "signals": (),
            "organizations": 1,
            **overrides,
        }
    )


def pdf_text(path: Path) -> str:
    """The text of every page, as a reader would copy it."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def squash(text: str) -> str:
    """Text without whitespace: table cells and paragraphs wrap over lines."""
    return re.sub(r"\s+", "", text)


# --- small worlds for whole-pipeline tests ----------------------------------------------------------

MODEL_RELEASES_CSV = (
    "model,released_at\nclaude-sonnet-4-5,2025-09-29T17:00:00Z\nclaude-opus-4-5,2025-11-24T18:00:00Z\n"
)
DAILY_MARTS = (
    "fct_account_daily",
    "fct_organization_daily",
    "fct_capability_daily",
    "dim_accounts",
    "dim_organizations",
)


def write_world_exports(root: Path, start: date, days: int) -> None:
    """`days` small daily drops from `start` (two parts each) and the model-release reference."""
    from flows.drop_writer import write_drop

    (root / "reference").mkdir(parents=True, exist_ok=True)
    (root / "reference" / "model_releases.csv").write_text(MODEL_RELEASES_CSV)
    for offset in range(days):
        day = start + timedelta(days=offset)
        parts = [
            make_requests(300, day, seed=offset, id_prefix=f"a{offset}"),
            make_requests(200 + 50 * offset, day, seed=10 + offset, id_prefix=f"b{offset}"),
        ]
        write_drop(str(root), day, parts, make_accounts())


def mart_fingerprint(warehouse: Path, marts: tuple[str, ...] = DAILY_MARTS) -> dict[str, str]:
    """A content hash per mart, independent of row order."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        prints = {}
        for mart in marts:
            rows = con.execute(f"select * from {mart} order by all").fetchall()
            prints[mart] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return prints
