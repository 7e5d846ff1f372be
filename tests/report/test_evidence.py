"""`load_campaign_evidence` / `list_campaigns` on a tiny hand-built warehouse.

The tables carry only the columns the loader reads (the marts have more). One campaign
(DW-A: accounts a1, a2 of organizations o1, o2, first seen 2026-03-08) runs beside an unrelated
account a3 that shares a hosting prefix with it and gives the platform baseline; activity on
2026-03-07 is before the campaign and must not count. DW-D is a dormant campaign whose accounts
are only in the identity state.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from flows.report.evidence import (
    LINK_KINDS,
    CapabilityUse,
    Count,
    CreationBurst,
    DayRequests,
    LinkingIdentifier,
    ModelUse,
    WindowFigures,
    list_campaigns,
    load_campaign_evidence,
)
from flows.settings import Settings
from flows.transform import build_models, dbt_target_path

# What dbt builds over the hand-made tables (detection's period aggregates of a campaign).
CAMPAIGN_PERIOD_MARTS = [
    "fct_campaign_members",
    "fct_campaign_models",
    "fct_campaign_capabilities",
    "fct_campaign_access_channels",
    "fct_campaign_prefixes",
    "fct_campaign_networks",
    "fct_campaign_linking_identifiers",
]

RUN = date(2026, 3, 10)
D7, D8, D9 = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)
W0 = date(2026, 3, 4)  # first day of the 7-day detection window ending at RUN
HOSTILE_ORG = "<img src=x onerror=alert(1)>'; drop table dim_accounts; --"

SCHEMA = """
create table fct_campaigns (
    activity_date date, campaign_id varchar, status varchar, score double, confidence varchar,
    confidence_statement varchar, first_seen date, last_seen date, verdict varchar,
    verdict_analyst varchar, verdict_date date, window_start date, accounts bigint,
    organizations bigint, requests bigint, total_tokens bigint, requests_on_run_date bigint,
    accounts_active_on_run_date bigint);
create table fct_campaign_accounts (
    activity_date date, campaign_id varchar, account_id varchar, organization_id varchar,
    score double);
create table fct_campaign_signals (
    activity_date date, campaign_id varchar, signal_order integer, signal varchar,
    family varchar, value double, direction varchar, threshold double, reference double,
    points integer, max_points integer, description varchar);
create table int_detection_campaign_identity (
    activity_date date, campaign_id varchar, identifier_kind varchar, identifier_value varchar);
create table fct_account_daily (
    activity_date date, account_id varchar, organization_id varchar, requests bigint,
    input_tokens bigint, output_tokens bigint, thinking_tokens bigint, total_tokens bigint,
    cot_elicitation_requests bigint, grader_prompt_requests bigint, proxy_requests bigint,
    hosting_requests bigint);
create table dim_accounts (
    account_id varchar, organization_id varchar, organization_name varchar,
    created_at timestamptz, signup_pathway varchar, verification varchar,
    payment_fingerprint varchar, email_domain varchar);
create table dim_organizations (organization_id varchar, organization_name varchar);
create table int_account_snapshots_daily (
    activity_date date, account_id varchar, organization_id varchar, payment_fingerprint varchar,
    email_domain varchar);
create table int_account_model_daily (
    activity_date date, account_id varchar, model varchar, requests bigint, output_tokens bigint);
create table int_account_capability_daily (
    activity_date date, account_id varchar, capability varchar, requests bigint);
create table int_capability_daily (activity_date date, capability varchar, requests bigint);
create table int_account_template_daily (
    activity_date date, account_id varchar, prompt_template_hash varchar, requests bigint);
create table int_account_system_prompt_daily (
    activity_date date, account_id varchar, system_prompt_hash varchar, requests bigint);
create table int_account_ip_prefix_daily (
    activity_date date, account_id varchar, ip_prefix varchar, asn bigint, asn_type varchar,
    requests bigint);
create table dim_model_releases (model varchar, released_at timestamptz, released_date date);
create table int_account_access_channel_daily (
    activity_date date, account_id varchar, access_channel varchar, requests bigint);
create table detection_free_email_domains (email_domain varchar);
"""


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def build_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA)
    con.executemany(
        "insert into fct_campaigns values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            # detection's window figures (window_start .. RUN) differ on purpose from the
            # whole-period sums the evidence computes from the daily marts
            (
                RUN,
                "DW-A",
                "growing",
                12.0,
                "moderate",
                "Moderate confidence: review.",
                D8,
                RUN,
                "confirmed",
                "analyst-1",
                D9,
                W0,
                2,
                2,
                340,
                15_000,
                120,
                1,
            ),
            (
                RUN,
                "DW-D",
                "dormant",
                8.0,
                "low",
                None,
                date(2026, 2, 20),
                D8,
                None,
                None,
                None,
                W0,
                1,
                1,
                30,
                900,
                0,
                0,
            ),
            (RUN, "DW-N", "new", 9.0, "high", None, RUN, RUN, None, None, None, W0, 0, 0, 0, 0, 0, 0),
            (RUN, "DW-G", "growing", 20.0, "high", None, D8, RUN, None, None, None, W0, 1, 1, 10, 80, 10, 1),
            (D9, "DW-OLD", "active", 99.0, "high", None, D8, D9, None, None, None, W0, 1, 1, 5, 5, 5, 1),
            (RUN, "DW-C", "new", 30.0, "high", None, RUN, RUN, None, None, None, W0, 2, 1, 9, 9, 9, 2),
        ],
    )
    # publication tier: DW-C is a candidate (for review only: no report, no STIX)
    con.execute("alter table fct_campaigns add column tier varchar default 'campaign'")
    con.execute("update fct_campaigns set tier = 'candidate' where campaign_id = 'DW-C'")
    con.executemany(
        "insert into fct_campaign_accounts values (?, ?, ?, ?, ?)",
        [
            (RUN, "DW-A", "a1", "o1", 7.0),
            (RUN, "DW-A", "a2", "o2", 5.0),
            (D9, "DW-A", "a3", "o3", 1.0),
        ],  # another day's membership: ignored
    )
    con.executemany(
        "insert into int_detection_campaign_identity values (?, ?, ?, ?)",
        [
            (RUN, "DW-D", "account", "a2"),
            (RUN, "DW-D", "template", "t1"),
            (RUN, "DW-A", "account", "a9"),
        ],  # identity is only the fallback: DW-A has listed accounts
    )
    con.executemany(
        "insert into fct_campaign_signals values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (RUN, "DW-A", 2, "cot_elicitation_rate", "harvesting", 0.6, ">=", 0.25, 0.05, 2, 2, "CoT"),
            (RUN, "DW-A", 1, "signature_template_share", "harvesting", 0.8, ">=", 0.3, None, 2, 2, "sig"),
            (RUN, "DW-A", 3, "launch_pivot", "harvesting", None, ">=", 0.5, None, 0, 2, "launch"),
            (RUN, "DW-G", 1, "signature_template_share", "harvesting", 0.1, ">=", 0.3, None, 0, 2, "x"),
        ],
    )
    # account, day, requests, cot, grader, proxy, hosting (tokens are fixed multiples)
    daily = [
        ("a1", "o1", D7, 1000, 0, 0, 0, 0),  # before first_seen
        ("a1", "o1", D8, 100, 60, 10, 50, 20),
        ("a1", "o1", RUN, 200, 120, 20, 100, 50),
        ("a2", "o2", D8, 50, 30, 5, 0, 40),
        ("a3", "o3", D8, 400, 0, 0, 0, 10),  # not in the campaign
    ]
    con.executemany(
        "insert into fct_account_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(d, a, o, r, r * 10, r * 30, r * 5, r * 45, c, g, p, h) for a, o, d, r, c, g, p, h in daily],
    )
    con.executemany(
        "insert into dim_accounts values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("a1", "o1", HOSTILE_ORG, _utc(2026, 3, 1, 9), "research", "email", "pay-1", "Harvest.Example"),
            ("a2", "o2", "Second Org", _utc(2026, 3, 1, 11), "research", "none", "pay-1", "harvest.example"),
            ("a3", "o3", "Bystander", _utc(2025, 1, 1), "standard", "id", "pay-3", "gmail.com"),
            ("a9", "o9", "Not listed", _utc(2025, 1, 1), "standard", "id", None, " HARVEST.example"),
        ],
    )
    # the linking identifiers come from each account's latest snapshot up to the run date: an
    # older card and a later one (after the run date) must both be ignored
    con.execute(
        "insert into int_account_snapshots_daily select ?, account_id, organization_id,"
        " payment_fingerprint, email_domain from dim_accounts",
        [D8],
    )
    con.executemany(
        "insert into int_account_snapshots_daily values (?, ?, ?, ?, ?)",
        [
            (D7, "a1", "o1", "pay-old", "harvest.example"),
            (date(2026, 3, 11), "a2", "o2", "pay-later", "harvest.example"),
        ],
    )
    con.executemany(
        "insert into dim_organizations values (?, ?)",
        [("o1", HOSTILE_ORG), ("o2", "Second Org"), ("o3", "Bystander")],
    )
    con.executemany(
        "insert into int_account_model_daily values (?, ?, ?, ?, ?)",
        [
            (D8, "a1", "model-x", 100, 3000),
            (RUN, "a1", "model-x", 150, 4500),
            (RUN, "a1", "model-y", 50, 1500),
            (D8, "a2", "model-y", 50, 1500),
            (D7, "a1", "model-z", 1000, 1),
        ],
    )
    con.executemany(
        "insert into int_account_capability_daily values (?, ?, ?, ?)",
        [
            (D8, "a1", "coding", 100),
            (RUN, "a1", "coding", 200),
            (D8, "a2", "reasoning", 50),
            (D8, "a3", "general_chat", 400),
            (D7, "a1", "translation", 1000),
        ],
    )
    # platform = every account: coding 300, reasoning 50, general_chat 400 over the period
    con.executemany(
        "insert into int_capability_daily values (?, ?, ?)",
        [
            (D8, "coding", 100),
            (RUN, "coding", 200),
            (D8, "reasoning", 50),
            (D8, "general_chat", 400),
            (D7, "translation", 1000),
        ],
    )
    con.executemany(
        "insert into int_account_template_daily values (?, ?, ?, ?)",
        [
            (D8, "a1", "t1", 80),
            (RUN, "a1", "t1", 150),
            (D8, "a2", "t1", 40),
            (D8, "a1", "t-solo", 20),
            (D7, "a2", "t-early", 5),
            (D7, "a1", "t-early", 5),
            (D8, "a3", "t1", 10),
        ],  # a bystander sends t1 too
    )
    con.executemany(
        "insert into int_account_system_prompt_daily values (?, ?, ?, ?)",
        [(D8, "a1", None, 100), (D8, "a2", None, 50), (RUN, "a1", "s1", 200), (D8, "a2", "s1", 1)],
    )
    con.executemany(
        "insert into int_account_ip_prefix_daily values (?, ?, ?, ?, ?, ?)",
        [
            (D8, "a1", "203.0.113.0/24", 64500, "proxy", 50),
            (RUN, "a1", "203.0.113.0/24", 64500, "proxy", 100),
            (D8, "a2", "203.0.113.0/24", 64500, "proxy", 10),
            (D8, "a1", "198.51.100.0/24", 64501, "hosting", 20),
            (D8, "a2", "198.51.100.0/24", 64501, "hosting", 40),
            (D8, "a3", "198.51.100.0/24", 64501, "hosting", 10),  # shared with bystanders
            (D9, "a4", "198.51.100.0/24", 64501, "hosting", 10),
            (RUN, "a5", "198.51.100.0/24", 64501, "hosting", 10),
            (D7, "a6", "203.0.113.0/24", 64500, "proxy", 10),  # before the period: not counted
            (D8, "a1", "192.0.2.0/24", 64502, "isp", 30),
            (D8, "a3", "192.0.2.0/24", 64502, "isp", 390),
            (RUN, "a1", "2001:db8::/48", 64501, "hosting", 100),
        ],
    )
    con.executemany(
        "insert into dim_model_releases values (?, ?, ?)",
        [("model-y", _utc(2026, 3, 9, 18), D9), ("model-old", _utc(2026, 1, 1), date(2026, 1, 1))],
    )
    con.execute("insert into detection_free_email_domains values ('gmail.com')")
    con.executemany(
        "insert into int_account_access_channel_daily values (?, ?, ?, ?)",
        [
            (D8, "a1", "api", 100),
            (RUN, "a1", "batch", 200),
            (D8, "a2", "api", 50),
            (D8, "a3", "console", 400),
        ],
    )
    con.close()
    # the period aggregates are the warehouse's (dbt builds them from the tables above)
    settings = Settings(landing_dir=path.parent / "landing", warehouse=path)
    try:
        build_models(settings, RUN, CAMPAIGN_PERIOD_MARTS)
    finally:
        shutil.rmtree(dbt_target_path(settings), ignore_errors=True)
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once (dbt runs the campaign period marts on it); every test only reads it."""
    return build_warehouse(tmp_path_factory.mktemp("evidence") / "warehouse.duckdb")


def test_campaign_head_and_totals(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    assert (e.campaign_id, e.status, e.score, e.confidence) == ("DW-A", "growing", 12.0, "moderate")
    assert e.confidence_statement == "Moderate confidence: review."
    assert (e.first_seen, e.last_seen) == (D8, RUN)
    assert (e.accounts, e.organizations) == (2, 2)
    assert e.window == WindowFigures(W0, 2, 2, 340, 15_000, 120, 1)  # as fct_campaigns states it
    # a1 on D8 + RUN and a2 on D8; not a1's D7 traffic, not a3.
    assert e.requests == 350
    assert (e.tokens.input, e.tokens.output, e.tokens.thinking, e.tokens.total) == (3500, 10500, 1750, 15750)
    assert (e.cot_elicitation_requests, e.grader_prompt_requests) == (210, 35)
    assert (e.proxy_requests, e.hosting_requests) == (150, 110)
    assert e.verdict is not None and (e.verdict.verdict, e.verdict.analyst, e.verdict.verdict_date) == (
        "confirmed",
        "analyst-1",
        D9,
    )


def test_series_models_capabilities(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    assert e.daily == (DayRequests(D8, 150), DayRequests(D9, 0), DayRequests(RUN, 200))
    assert e.models == (ModelUse("model-x", 250, 7500), ModelUse("model-y", 100, 3000))
    assert [c.capability for c in e.capabilities] == ["coding", "reasoning"]
    coding, reasoning = e.capabilities
    assert (coding.requests, coding.share) == (300, pytest.approx(300 / 350))
    assert coding.platform_share == pytest.approx(300 / 750)
    assert coding.lift == pytest.approx((300 / 350) / (300 / 750))
    approx = pytest.approx
    assert reasoning == CapabilityUse("reasoning", 50, approx(50 / 350), approx(50 / 750), approx(750 / 350))
    assert [(r.model, r.released_at) for r in e.model_releases] == [("model-y", _utc(2026, 3, 9, 18))]


def test_accounts_pathways_and_bursts(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    assert e.signup_pathways == (Count("research", 2),)
    assert e.verification_levels == (Count("email", 1), Count("none", 1))
    assert e.creation_bursts == (CreationBurst(date(2026, 3, 1), 2),)
    top = [
        (a.account_id, a.organization_id, a.organization_name, a.requests, a.score) for a in e.top_accounts
    ]
    assert top == [("a1", "o1", HOSTILE_ORG, 300, 7.0), ("a2", "o2", "Second Org", 50, 5.0)]


def test_linking_identifiers(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    # (kind, value, campaign accounts, their organizations, accounts of the whole platform)
    assert set(e.linking) == {
        LinkingIdentifier("payment_fingerprint", "pay-1", 2, 2, 2),
        LinkingIdentifier("prompt_template", "t1", 2, 2, 3),  # t-early is before the period
        LinkingIdentifier("system_prompt", "s1", 2, 2, 2),  # requests without one do not link
        LinkingIdentifier("ip_prefix", "203.0.113.0/24", 2, 2, 2),  # a6 was there before
        LinkingIdentifier("ip_prefix", "198.51.100.0/24", 2, 2, 5),  # ISP 192.0.2.0/24 never links
        LinkingIdentifier("email_domain", "harvest.example", 2, 2, 3),  # case-folded, trimmed
    }
    dedicated = {link.value for link in e.linking if link.is_dedicated}
    assert dedicated == {"pay-1", "t1", "s1", "203.0.113.0/24", "harvest.example"}
    kinds = [link.kind for link in e.linking]
    assert kinds == sorted(kinds, key=LINK_KINDS.index)


def test_infrastructure_counts_every_account_on_a_prefix(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    assert e.ip_prefixes == 4
    prefixes = {p.ip_prefix: p for p in e.infrastructure}
    assert [p.ip_prefix for p in e.infrastructure] == [
        "203.0.113.0/24",
        "2001:db8::/48",
        "198.51.100.0/24",
        "192.0.2.0/24",
    ]
    proxy = prefixes["203.0.113.0/24"]
    assert (proxy.asn, proxy.asn_type, proxy.requests, proxy.accounts, proxy.platform_accounts) == (
        64500,
        "proxy",
        160,
        2,
        2,
    )
    assert proxy.is_dedicated
    shared = prefixes["198.51.100.0/24"]
    assert (shared.accounts, shared.platform_accounts) == (2, 5)  # a3, a4, a5 use it too
    assert not shared.is_dedicated
    assert not prefixes["192.0.2.0/24"].is_concealing
    # The block list: every dedicated hosting/proxy prefix, not just the top ones.
    assert [p.ip_prefix for p in e.dedicated_prefixes] == ["203.0.113.0/24", "2001:db8::/48"]
    networks = {(n.asn, n.asn_type, n.prefixes, n.requests, n.accounts) for n in e.networks}
    assert networks == {(64500, "proxy", 1, 160, 2), (64501, "hosting", 2, 160, 2), (64502, "isp", 1, 30, 1)}


def test_signals_in_spec_order(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    assert [s.name for s in e.signals] == ["signature_template_share", "cot_elicitation_rate", "launch_pivot"]
    launch = e.signal("launch_pivot")
    assert launch is not None and launch.value is None and not launch.fired
    assert e.fired("cot_elicitation_rate") and not e.fired("launch_pivot", "proxy_share")


def test_dormant_campaign_reads_its_accounts_from_the_identity_state(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-D")
    assert e.accounts == 1 and [a.account_id for a in e.top_accounts] == ["a2"]
    assert e.top_accounts[0].score is None  # carried, not scored today
    assert e.first_seen == date(2026, 2, 20)
    assert len(e.daily) == 19 and sum(d.requests for d in e.daily) == 50


def test_access_channels_over_the_period(warehouse: Path) -> None:
    e = load_campaign_evidence(warehouse, RUN, "DW-A")
    assert e.access_channels == (Count("batch", 200), Count("api", 150))  # a3's console is not theirs


def test_list_campaigns_orders_by_status_then_score(warehouse: Path, tmp_path: Path) -> None:
    # the candidate DW-C (new, highest score) is not a campaign: it gets no report
    assert list_campaigns(warehouse, RUN) == ["DW-N", "DW-G", "DW-A", "DW-D"]
    assert list_campaigns(warehouse, date(2026, 1, 1)) == []
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert list_campaigns(empty, RUN) == []  # detection has not run: nothing to report


def test_unknown_or_hostile_campaign_id_is_a_lookup_error(warehouse: Path) -> None:
    with pytest.raises(LookupError, match="not reported"):
        load_campaign_evidence(warehouse, RUN, "DW-OLD")  # reported on another day only
    with pytest.raises(LookupError):
        load_campaign_evidence(warehouse, RUN, "x' or '1'='1")


def test_loader_never_writes_the_warehouse(warehouse: Path) -> None:
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    load_campaign_evidence(warehouse, RUN, "DW-A")
    list_campaigns(warehouse, RUN)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
