"""Everything a threat report on one campaign needs, as plain values read from the warehouse.

`load_campaign_evidence` reads one campaign of one run date; the PDF template, the ATLAS
mapping (`atlas`), the indicator list (`indicators`) and the STIX bundle (`stix_bundle`) all
work from the `CampaignEvidence` it returns and never touch the warehouse themselves.

Where the figures come from (all aggregation in DuckDB SQL, warehouse opened read-only):

- the campaign row: `fct_campaigns` (status, score, confidence, first/last seen, verdict, and
  the detection-window figures: `WindowFigures`) and its signals `fct_campaign_signals`, both
  for the run date;
- the campaign's accounts: `fct_campaign_members` for the run date (the accounts listed in
  `fct_campaign_accounts`, or a dormant campaign's last known ones);
- everything per period (requests, tokens, models, capability mix, access channels, networks,
  linking identifiers, the daily series) over **first_seen .. run_date**, from the campaign
  period marts (`fct_campaign_models`, `_capabilities`, `_access_channels`, `_prefixes`,
  `_networks`, `_linking_identifiers`, aggregated by dbt) and `fct_account_daily`. These are
  the campaign's whole life, so they can be larger than the detection-window figures of
  `fct_campaigns` that the digest shows;
- account attributes (organization, pathway, verification, creation time) from `dim_accounts`,
  names from `dim_organizations`, model releases from `dim_model_releases`.

Python reads marts only (each with an enforced dbt contract), so every column named here exists.

Values from the data are never formatted into SQL: table names come from the catalog (quoted),
every value is a bound parameter, and the account list is registered as an Arrow table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from flows.detection.outputs import TIER_CAMPAIGN
from flows.reader import (
    Catalog,
    as_date,
    campaign_order_sql,
    connect_bounded,
    fetch_one,
    float_or_none,
    int_or_none,
    str_or_none,
)
from flows.sql import quote_identifier

log = logging.getLogger("distillwatch.report")

TOP_ACCOUNTS = 25
TOP_NETWORKS = 25
MAX_DEDICATED_PREFIXES = 500
LINKS_PER_KIND = 10
CREATION_BURST_MIN_ACCOUNTS = 2
# A hosting/proxy prefix is "dedicated" to the campaign when the campaign holds at least this
# share of every account seen on it in the period (mirrors detection_dedicated_share). Only
# dedicated prefixes are worth blocking: a shared cloud NAT also carries unrelated customers.
DEDICATED_SHARE = 0.5
# Network kinds that may link accounts or be blocked; ISP, mobile, campus and office networks
# are shared by unrelated people by design.
CONCEALING_ASN_TYPES = ("hosting", "proxy")


def is_dedicated(accounts: int, platform_accounts: int) -> bool:
    """Whether the campaign's `accounts` are at least DEDICATED_SHARE of the `platform_accounts`
    seen on an identifier or prefix in the period (campaign ones included)."""
    return platform_accounts > 0 and accounts >= DEDICATED_SHARE * platform_accounts


# Detection's identifier kinds → the names the report uses.
LINK_KINDS = ("payment_fingerprint", "prompt_template", "system_prompt", "ip_prefix", "email_domain")


@dataclass(frozen=True)
class Tokens:
    """The campaign's tokens over the period, by kind (`total` as exported, not a sum)."""

    input: int
    output: int
    thinking: int
    total: int


@dataclass(frozen=True)
class ModelUse:
    model: str
    requests: int
    output_tokens: int


@dataclass(frozen=True)
class CapabilityUse:
    capability: str
    requests: int
    share: float  # of the campaign's requests
    platform_share: float | None  # of all platform requests over the same period
    lift: float | None  # share / platform_share


@dataclass(frozen=True)
class Count:
    """One value of a categorical attribute (pathway, channel, verification) and how many."""

    value: str
    count: int


@dataclass(frozen=True)
class DayRequests:
    """The campaign's requests on one day of the period (0 on a day it was quiet)."""

    day: date
    requests: int


@dataclass(frozen=True)
class ModelRelease:
    """A model's release time, for the chart of the campaign's traffic around releases."""

    model: str
    released_at: datetime


@dataclass(frozen=True)
class LinkingIdentifier:
    """An identifier two or more of the campaign's accounts share."""

    kind: str  # one of LINK_KINDS
    value: str  # untrusted text (hashes, prefixes, domains as exported)
    accounts: int  # campaign accounts using it
    organizations: int
    platform_accounts: int  # all accounts using it over the period (campaign ones included)

    @property
    def is_dedicated(self) -> bool:
        """Mostly the campaign's: a popular public template or a university's e-mail domain is
        shared by the campaign *and* many unrelated customers, and proves nothing."""
        return is_dedicated(self.accounts, self.platform_accounts)


@dataclass(frozen=True)
class PrefixUse:
    ip_prefix: str
    asn: int | None
    asn_type: str | None
    requests: int
    accounts: int  # campaign accounts seen on the prefix in the period
    platform_accounts: int  # all accounts seen on it in the period (campaign ones included)

    @property
    def is_concealing(self) -> bool:
        return self.asn_type in CONCEALING_ASN_TYPES

    @property
    def is_dedicated(self) -> bool:
        return is_dedicated(self.accounts, self.platform_accounts)


@dataclass(frozen=True)
class NetworkUse:
    asn: int
    asn_type: str | None
    prefixes: int
    requests: int
    accounts: int


@dataclass(frozen=True)
class CreationBurst:
    """A day on which CREATION_BURST_MIN_ACCOUNTS or more of the campaign's accounts were created."""

    day: date
    accounts: int


@dataclass(frozen=True)
class Signal:
    name: str
    family: str | None  # harvesting / concealment / farming
    value: float | None  # None: not measurable for this campaign
    threshold: float | None
    direction: str | None  # ">=" or "<=": which side of the threshold fires
    points: float
    max_points: float | None
    description: str | None

    @property
    def fired(self) -> bool:
        return self.points > 0


@dataclass(frozen=True)
class TopAccount:
    account_id: str
    organization_id: str
    organization_name: str | None  # typed by the customer: untrusted text
    requests: int  # over the campaign period
    score: float | None  # the account's own points (None: carried, not scored today)


@dataclass(frozen=True)
class WindowFigures:
    """The campaign as `fct_campaigns` states it for the run date: its detection window
    (window_start .. run_date), on which the score and signals were measured."""

    window_start: date
    accounts: int
    organizations: int
    requests: int
    total_tokens: int
    requests_on_run_date: int
    accounts_active_on_run_date: int


@dataclass(frozen=True)
class Verdict:
    verdict: str  # confirmed / false_positive
    analyst: str | None
    verdict_date: date | None


@dataclass(frozen=True)
class CampaignEvidence:
    """One campaign on one run date. Every collection is a tuple in a fixed order, so the same
    warehouse gives the same evidence (and the same STIX bundle, byte for byte)."""

    campaign_id: str
    run_date: date
    status: str  # new / active / growing / dormant
    score: float | None
    confidence: str | None  # low / moderate / high
    confidence_statement: str | None
    first_seen: date
    last_seen: date
    window: WindowFigures  # fct_campaigns' figures: what detection measured
    # From here on, over the campaign's whole period first_seen .. run_date:
    accounts: int
    organizations: int
    requests: int  # one request is one prompt/response exchange
    tokens: Tokens
    cot_elicitation_requests: int
    grader_prompt_requests: int
    proxy_requests: int
    hosting_requests: int
    ip_prefixes: int  # distinct client prefixes over the period (the lists below are cut)
    models: tuple[ModelUse, ...]
    capabilities: tuple[CapabilityUse, ...]
    signup_pathways: tuple[Count, ...]
    access_channels: tuple[Count, ...]
    verification_levels: tuple[Count, ...]
    daily: tuple[DayRequests, ...]
    model_releases: tuple[ModelRelease, ...]
    linking: tuple[LinkingIdentifier, ...]
    infrastructure: tuple[PrefixUse, ...]  # top prefixes by requests, every network kind
    # Every hosting/proxy prefix dedicated to the campaign (up to MAX_DEDICATED_PREFIXES): the
    # block list. A campaign rotating hundreds of prefixes has most of them outside the top.
    dedicated_prefixes: tuple[PrefixUse, ...]
    networks: tuple[NetworkUse, ...]
    creation_bursts: tuple[CreationBurst, ...]
    signals: tuple[Signal, ...]
    top_accounts: tuple[TopAccount, ...]
    verdict: Verdict | None

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    def fired(self, *names: str) -> bool:
        """Whether any of the named signals earned points."""
        return any(s.fired for s in self.signals if s.name in names)

    @property
    def creation_bursts_by_size(self) -> tuple[CreationBurst, ...]:
        """Largest burst first, the earlier day first on a tie: the order every report shows."""
        return tuple(sorted(self.creation_bursts, key=lambda b: (-b.accounts, b.day)))

    @property
    def largest_creation_burst(self) -> CreationBurst | None:
        return next(iter(self.creation_bursts_by_size), None)

    def linking_of(self, kind: str) -> tuple[LinkingIdentifier, ...]:
        return tuple(link for link in self.linking if link.kind == kind)

    @property
    def concealing_share(self) -> float | None:
        """Share of requests from proxy or hosting networks."""
        if self.requests <= 0:
            return None
        return (self.proxy_requests + self.hosting_requests) / self.requests

    @property
    def period_days(self) -> int:
        return (self.run_date - self.first_seen).days + 1


# --- loading ------------------------------------------------------------------------------------


def list_campaigns(warehouse: Path, run_date: date) -> list[str]:
    """Ids of the campaigns published on `run_date` (tier `campaign`; new, growing, active,
    dormant; then by score): the ones that get a PDF and a STIX bundle. Candidates (tier
    `candidate`) are for review only and never listed here.

    Empty when detection has not run (no `fct_campaigns`): nothing to report is a state,
    not an error. False positives never appear (detection drops them from the mart).
    """
    with connect_bounded(warehouse) as con:
        table = Catalog(con).get("fct_campaigns")
        if table is None:
            return []
        rows = con.execute(
            f"""
            select campaign_id from {table}
            where activity_date = ? and tier = ?
            order by {campaign_order_sql()}
            """,
            [run_date, TIER_CAMPAIGN],
        ).fetchall()
    return [str(r[0]) for r in rows]


def load_campaign_evidence(warehouse: Path, run_date: date, campaign_id: str) -> CampaignEvidence:
    """Read one campaign's evidence for `run_date`; LookupError if it is not reported that day."""
    with connect_bounded(warehouse) as con:
        t = Catalog(con)
        head = _campaign_row(con, t, run_date, campaign_id)
        first_seen = as_date(head["first_seen"]) or run_date
        last_seen = as_date(head["last_seen"]) or first_seen
        members = _members(con, t, run_date, campaign_id)
        con.register("campaign_members", pa.table({"account_id": pa.array(members, pa.string())}))
        period = [first_seen, run_date]
        key = [run_date, campaign_id]
        totals = _totals(con, t, period)
        return CampaignEvidence(
            campaign_id=campaign_id,
            run_date=run_date,
            status=str(head["status"]),
            score=float_or_none(head["score"]),
            confidence=str_or_none(head["confidence"]),
            confidence_statement=str_or_none(head["confidence_statement"]),
            first_seen=first_seen,
            last_seen=max(last_seen, first_seen),
            window=_window_figures(head, run_date),
            accounts=len(members),
            organizations=_organizations(con, t),
            requests=totals["requests"],
            tokens=Tokens(
                input=totals["input_tokens"],
                output=totals["output_tokens"],
                thinking=totals["thinking_tokens"],
                total=totals["total_tokens"],
            ),
            cot_elicitation_requests=totals["cot_elicitation_requests"],
            grader_prompt_requests=totals["grader_prompt_requests"],
            proxy_requests=totals["proxy_requests"],
            hosting_requests=totals["hosting_requests"],
            ip_prefixes=_distinct_prefixes(con, t, key),
            models=_models(con, t, key),
            capabilities=_capabilities(con, t, key),
            signup_pathways=_account_counts(con, t, "signup_pathway"),
            access_channels=_access_channels(con, t, key),
            verification_levels=_account_counts(con, t, "verification"),
            daily=_daily(con, t, period),
            model_releases=_model_releases(con, t, period),
            linking=_linking(con, t, key),
            infrastructure=_prefixes(con, t, key, dedicated_only=False),
            dedicated_prefixes=_prefixes(con, t, key, dedicated_only=True),
            networks=_networks(con, t, key),
            creation_bursts=_creation_bursts(con, t),
            signals=_signals(con, t, key),
            top_accounts=_top_accounts(con, t, period, run_date, campaign_id),
            verdict=_verdict(head),
        )


def _campaign_row(
    con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date, campaign_id: str
) -> dict[str, Any]:
    wanted = (
        "status",
        "score",
        "confidence",
        "confidence_statement",
        "first_seen",
        "last_seen",
        "verdict",
        "verdict_analyst",
        "verdict_date",
        "window_start",
        "accounts",
        "organizations",
        "requests",
        "total_tokens",
        "requests_on_run_date",
        "accounts_active_on_run_date",
    )
    select = ", ".join(quote_identifier(c) for c in wanted)
    cursor = con.execute(
        f"select {select} from {t['fct_campaigns']} where activity_date = ? and campaign_id = ?",
        [run_date, campaign_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise LookupError(f"campaign {campaign_id!r} is not reported for {run_date.isoformat()}")
    return dict(zip(wanted, row, strict=True))


def _window_figures(head: dict[str, Any], run_date: date) -> WindowFigures:
    def count(name: str) -> int:
        return int(head[name] or 0)

    return WindowFigures(
        window_start=as_date(head["window_start"]) or run_date,
        accounts=count("accounts"),
        organizations=count("organizations"),
        requests=count("requests"),
        total_tokens=count("total_tokens"),
        requests_on_run_date=count("requests_on_run_date"),
        accounts_active_on_run_date=count("accounts_active_on_run_date"),
    )


def _members(con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date, campaign_id: str) -> list[str]:
    rows = con.execute(
        f"""
        select account_id from {t["fct_campaign_members"]}
        where activity_date = ? and campaign_id = ?
        order by account_id
        """,
        [run_date, campaign_id],
    ).fetchall()
    return [str(r[0]) for r in rows]


# Every query below reads the accounts from the registered `campaign_members` table.


def _totals(con: duckdb.DuckDBPyConnection, t: Catalog, period: list[date]) -> dict[str, int]:
    names = (
        "requests",
        "input_tokens",
        "output_tokens",
        "thinking_tokens",
        "total_tokens",
        "cot_elicitation_requests",
        "grader_prompt_requests",
        "proxy_requests",
        "hosting_requests",
    )
    sums = ", ".join(f"coalesce(sum(d.{n}), 0)" for n in names)
    row = con.execute(
        f"""
        select {sums}
        from {t["fct_account_daily"]} d
        join campaign_members m using (account_id)
        where d.activity_date between ? and ?
        """,
        period,
    ).fetchone()
    assert row is not None  # an aggregate without group by always returns one row
    return {n: int(v) for n, v in zip(names, row, strict=True)}


def _organizations(con: duckdb.DuckDBPyConnection, t: Catalog) -> int:
    row = con.execute(
        f"""
        select count(distinct a.organization_id)
        from campaign_members m join {t["dim_accounts"]} a using (account_id)
        """
    ).fetchone()
    return int(row[0]) if row else 0


def _distinct_prefixes(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> int:
    (n,) = fetch_one(
        con,
        f"select count(*) from {t['fct_campaign_prefixes']} where activity_date = ? and campaign_id = ?",
        key,
    )
    return int(n)


def _models(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> tuple[ModelUse, ...]:
    rows = con.execute(
        f"""
        select model, requests, output_tokens
        from {t["fct_campaign_models"]}
        where activity_date = ? and campaign_id = ?
        order by requests desc, model
        """,
        key,
    ).fetchall()
    return tuple(ModelUse(str(model), int(req), int(out)) for model, req, out in rows)


def _capabilities(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> tuple[CapabilityUse, ...]:
    rows = con.execute(
        f"""
        select capability, requests, request_share, platform_request_share, lift
        from {t["fct_campaign_capabilities"]}
        where activity_date = ? and campaign_id = ?
        order by requests desc, capability
        """,
        key,
    ).fetchall()
    return tuple(
        CapabilityUse(
            capability=str(capability),
            requests=int(requests),
            share=float(share),
            platform_share=float_or_none(platform_share),
            lift=float_or_none(lift),
        )
        for capability, requests, share, platform_share, lift in rows
    )


def _account_counts(con: duckdb.DuckDBPyConnection, t: Catalog, column: str) -> tuple[Count, ...]:
    if column not in ("signup_pathway", "verification"):  # the column name is formatted in
        raise ValueError(f"not an account attribute: {column}")
    rows = con.execute(
        f"""
        select coalesce(a.{column}, 'unknown') as value, count(*) as n
        from campaign_members m join {t["dim_accounts"]} a using (account_id)
        group by value
        order by n desc, value
        """
    ).fetchall()
    return tuple(Count(str(v), int(n)) for v, n in rows)


def _access_channels(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> tuple[Count, ...]:
    rows = con.execute(
        f"""
        select access_channel, requests
        from {t["fct_campaign_access_channels"]}
        where activity_date = ? and campaign_id = ?
        order by requests desc, access_channel
        """,
        key,
    ).fetchall()
    return tuple(Count(str(c), int(n)) for c, n in rows)


def _daily(con: duckdb.DuckDBPyConnection, t: Catalog, period: list[date]) -> tuple[DayRequests, ...]:
    rows = con.execute(
        f"""
        with days as (
            select cast(g.d as date) as activity_date
            from generate_series(cast(? as date), cast(? as date), interval 1 day) as g(d)
        ),
        totals as (
            select d.activity_date, sum(d.requests) as requests
            from {t["fct_account_daily"]} d join campaign_members m using (account_id)
            where d.activity_date between ? and ?
            group by d.activity_date
        )
        select days.activity_date, coalesce(totals.requests, 0)
        from days left join totals using (activity_date)
        order by days.activity_date
        """,
        period + period,
    ).fetchall()
    return tuple(DayRequests(as_date(d) or period[0], int(n)) for d, n in rows)


def _model_releases(
    con: duckdb.DuckDBPyConnection, t: Catalog, period: list[date]
) -> tuple[ModelRelease, ...]:
    rows = con.execute(
        f"""
        select model, released_at from {t["dim_model_releases"]}
        where released_date between ? and ?
        order by released_at, model
        """,
        period,
    ).fetchall()
    return tuple(ModelRelease(str(m), _as_utc(r)) for m, r in rows)


def _linking(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> tuple[LinkingIdentifier, ...]:
    """Identifiers shared by 2+ of the campaign's accounts (up to LINKS_PER_KIND per kind, most
    accounts first), each with how many accounts of the whole platform use it."""
    rows = con.execute(
        f"""
        select identifier_kind, identifier_value, accounts, organizations, platform_accounts
        from {t["fct_campaign_linking_identifiers"]}
        where activity_date = ? and campaign_id = ?
        qualify row_number() over (
            partition by identifier_kind
            order by accounts desc, requests desc, identifier_value
        ) <= ?
        order by list_position(?, identifier_kind), accounts desc, requests desc, identifier_value
        """,
        [*key, LINKS_PER_KIND, list(LINK_KINDS)],
    ).fetchall()
    return tuple(
        LinkingIdentifier(str(kind), str(value), int(accounts), int(organizations), int(platform))
        for kind, value, accounts, organizations, platform in rows
        if kind in LINK_KINDS
    )


def _prefixes(
    con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any], *, dedicated_only: bool
) -> tuple[PrefixUse, ...]:
    """The campaign's client prefixes with how many accounts of the whole platform used each:
    the top TOP_NETWORKS by requests, or every dedicated hosting/proxy one."""
    if dedicated_only:
        keep = "and asn_type in (select unnest(?::varchar[])) and accounts >= ? * platform_accounts"
        limit, keep_params = MAX_DEDICATED_PREFIXES, [list(CONCEALING_ASN_TYPES), DEDICATED_SHARE]
    else:
        keep, limit, keep_params = "", TOP_NETWORKS, []
    rows = con.execute(
        f"""
        select ip_prefix, asn, asn_type, requests, accounts, platform_accounts
        from {t["fct_campaign_prefixes"]}
        where activity_date = ? and campaign_id = ? {keep}
        order by requests desc, ip_prefix
        limit {limit}
        """,
        [*key, *keep_params],
    ).fetchall()
    return tuple(
        PrefixUse(
            ip_prefix=str(prefix),
            asn=int_or_none(asn),
            asn_type=str_or_none(asn_type),
            requests=int(req),
            accounts=int(accounts),
            platform_accounts=int(platform),
        )
        for prefix, asn, asn_type, req, accounts, platform in rows
    )


def _networks(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> tuple[NetworkUse, ...]:
    rows = con.execute(
        f"""
        select asn, asn_type, prefixes, requests, accounts
        from {t["fct_campaign_networks"]}
        where activity_date = ? and campaign_id = ?
        order by requests desc, asn
        limit {TOP_NETWORKS}
        """,
        key,
    ).fetchall()
    return tuple(
        NetworkUse(int(asn), str_or_none(kind), int(p), int(r), int(a)) for asn, kind, p, r, a in rows
    )


def _creation_bursts(con: duckdb.DuckDBPyConnection, t: Catalog) -> tuple[CreationBurst, ...]:
    rows = con.execute(
        f"""
        select cast(a.created_at as date) as created_day, count(*) as n
        from campaign_members m join {t["dim_accounts"]} a using (account_id)
        where a.created_at is not null
        group by created_day
        having count(*) >= ?
        order by created_day
        """,
        [CREATION_BURST_MIN_ACCOUNTS],
    ).fetchall()
    return tuple(CreationBurst(as_date(d) or date.min, int(n)) for d, n in rows)


def _signals(con: duckdb.DuckDBPyConnection, t: Catalog, key: list[Any]) -> tuple[Signal, ...]:
    rows = con.execute(
        f"""
        select signal, family, value, threshold, direction, points, max_points, description
        from {t["fct_campaign_signals"]}
        where activity_date = ? and campaign_id = ?
        order by signal_order, signal
        """,
        key,
    ).fetchall()
    return tuple(
        Signal(
            name=str(name),
            family=str_or_none(family),
            value=float_or_none(value),
            threshold=float_or_none(threshold),
            direction=str_or_none(direction),
            points=float(points or 0),
            max_points=float_or_none(max_points),
            description=str_or_none(description),
        )
        for name, family, value, threshold, direction, points, max_points, description in rows
    )


def _top_accounts(
    con: duckdb.DuckDBPyConnection,
    t: Catalog,
    period: list[date],
    run_date: date,
    campaign_id: str,
) -> tuple[TopAccount, ...]:
    rows = con.execute(
        f"""
        with volume as (
            select d.account_id, sum(d.requests) as requests
            from {t["fct_account_daily"]} d join campaign_members m using (account_id)
            where d.activity_date between ? and ?
            group by d.account_id
        ),
        scores as (
            select account_id, max(organization_id) as organization_id, max(score) as score
            from {t["fct_campaign_accounts"]}
            where activity_date = ? and campaign_id = ?
            group by account_id
        )
        -- the organization as detection listed it (fct_campaign_accounts); carried accounts
        -- are not listed today, so theirs comes from dim_accounts
        select m.account_id, coalesce(scores.organization_id, a.organization_id) as organization_id,
               o.organization_name, coalesce(volume.requests, 0) as requests, scores.score
        from campaign_members m
        left join {t["dim_accounts"]} a using (account_id)
        left join scores using (account_id)
        left join {t["dim_organizations"]} o
               on o.organization_id = coalesce(scores.organization_id, a.organization_id)
        left join volume using (account_id)
        order by requests desc, m.account_id
        limit {TOP_ACCOUNTS}
        """,
        [*period, run_date, campaign_id],
    ).fetchall()
    return tuple(
        TopAccount(
            account_id=str(account),
            organization_id="" if org is None else str(org),
            organization_name=str_or_none(name),
            requests=int(requests),
            score=float_or_none(score),
        )
        for account, org, name, requests, score in rows
    )


def _verdict(head: dict[str, Any]) -> Verdict | None:
    if head.get("verdict") is None:
        return None
    analyst = head.get("verdict_analyst")
    return Verdict(
        verdict=str(head["verdict"]),
        analyst=str_or_none(analyst),
        verdict_date=as_date(head.get("verdict_date")),
    )


def _as_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return _as_utc(datetime.fromisoformat(str(value)))
