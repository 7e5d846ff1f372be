"""Everything the daily digest shows, as plain values read from the marts.

All aggregation happens in DuckDB SQL over the marts (the warehouse is opened read-only, after
dbt has finished): this module never pulls request rows into Python, only the few dozen rows a
person will read. Missing optional inputs are explicit states, not errors: no `fct_campaigns`
table means "detection has not run"; no validation or gate summary means "not available".

The validation and gate summaries arrive as dicts (`ValidationResult.to_dict()`,
`GateResult.to_dict()`); `summarize_validation` / `summarize_gate` read the keys those write
(new keys are ignored, a missing one is a KeyError: the two are written by this package).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from flows.detection.outputs import TIER_CAMPAIGN, TIER_CANDIDATE
from flows.reader import (
    Catalog,
    as_date,
    campaign_order_sql,
    connect_read_only,
    float_or_none,
    int_or_none,
    str_or_none,
)

RowT = TypeVar("RowT")

TOP_N = 10
SERIES_DAYS = 14


@dataclass(frozen=True)
class DayTotals:
    requests: int
    input_tokens: int
    output_tokens: int
    thinking_tokens: int
    total_tokens: int
    accounts: int
    organizations: int


@dataclass(frozen=True)
class DayPoint:
    activity_date: date
    requests: int | None  # None: no rows for that date in the warehouse (not zero traffic)
    total_tokens: int | None


@dataclass(frozen=True)
class OrganizationRow:
    organization_id: str
    organization_name: str | None
    accounts_active: int
    requests: int
    total_tokens: int
    share_of_requests: float
    previous_requests: int | None


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    organization_id: str
    organization_name: str | None
    requests: int
    total_tokens: int
    distinct_templates: int | None
    top_capability: str | None
    top_capability_share: float | None
    cot_elicitation_requests: int | None
    grader_prompt_requests: int | None


@dataclass(frozen=True)
class CapabilityRow:
    capability: str
    requests: int
    share: float | None
    previous_share: float | None
    is_known: bool
    # Change in share vs the previous day; None when that day has no capability data at all
    # (not loaded), so a first day does not read as every capability jumping from zero.
    share_change: float | None


@dataclass(frozen=True)
class QuarantineRow:
    source_file: str
    rule: str
    column_name: str | None
    rows: int


@dataclass(frozen=True)
class UnknownValue:
    column: str
    value: str
    rows: int | None


@dataclass(frozen=True)
class FileCounts:
    kind: str  # "requests" / "accounts"
    read: int | None
    kept: int | None
    quarantined: int | None


@dataclass(frozen=True)
class ValidationSummary:
    available: bool
    files: tuple[FileCounts, ...] = ()
    unknown_values: tuple[UnknownValue, ...] = ()
    quarantine: tuple[QuarantineRow, ...] = ()  # as the validator counted it (mart fallback)


@dataclass(frozen=True)
class GateSummary:
    status: str  # "passed" | "failed" | "not run"
    evaluated: int | None = None
    failed: tuple[str, ...] = ()  # critical expectations that failed (the gate's verdict)
    warnings: tuple[str, ...] = ()  # non-critical expectations that failed


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: str
    status: str
    score: float | None
    confidence: str | None
    accounts: int | None
    organizations: int | None
    requests: int | None
    total_tokens: int | None
    target_capabilities: str
    first_seen: date | None
    last_seen: date | None


@dataclass(frozen=True)
class CandidateRow:
    """A candidate (tier `candidate`): flagged but under the publication bar, for review."""

    campaign_id: str
    status: str
    confidence: str | None
    harvesting_points: int | None
    coordination_points: int | None
    accounts: int | None
    organizations: int | None
    independent_organizations: int | None
    tier_reason: str
    first_seen: date | None
    last_seen: date | None


@dataclass(frozen=True)
class DigestData:
    run_date: date
    previous_date: date
    today: DayTotals | None  # None: nothing loaded for the run date
    previous: DayTotals | None
    series: tuple[DayPoint, ...]
    top_organizations: tuple[OrganizationRow, ...]
    top_accounts: tuple[AccountRow, ...]
    capabilities: tuple[CapabilityRow, ...]
    quarantine: tuple[QuarantineRow, ...]
    validation: ValidationSummary
    gate: GateSummary
    campaigns_available: bool  # False: fct_campaigns does not exist yet (detection not run)
    campaigns: tuple[CampaignRow, ...]  # published (tier campaign)
    candidates: tuple[CandidateRow, ...] = ()  # for review (tier candidate)

    @property
    def quarantined_rows(self) -> int:
        return sum(q.rows for q in self.quarantine)


def load_digest_data(
    warehouse: Path,
    run_date: date,
    *,
    validation: dict[str, Any] | None,
    gate: dict[str, Any] | None,
) -> DigestData:
    """Read the digest's figures for `run_date` from the warehouse (read-only)."""
    previous_date = run_date - timedelta(days=1)
    validation_summary = summarize_validation(validation)
    with connect_read_only(warehouse) as con:
        tables = Catalog(con)
        totals = _day_totals(con, tables, run_date, previous_date)
        campaigns_table = tables.get("fct_campaigns")
        quarantine_table = tables.get("fct_quarantine_daily")
        return DigestData(
            run_date=run_date,
            previous_date=previous_date,
            today=totals.get(run_date),
            previous=totals.get(previous_date),
            series=_series(con, tables, run_date),
            top_organizations=_top_organizations(con, tables, run_date, previous_date),
            top_accounts=_top_accounts(con, tables, run_date),
            capabilities=_capabilities(con, tables, run_date, previous_date),
            # The mart is the record; the validator's own counts stand in before dbt built it.
            quarantine=(
                _quarantine(con, tables, run_date) if quarantine_table else validation_summary.quarantine
            ),
            validation=validation_summary,
            gate=summarize_gate(gate),
            campaigns_available=campaigns_table is not None,
            campaigns=_campaigns(con, tables, run_date) if campaigns_table else (),
            candidates=_candidates(con, tables, run_date) if campaigns_table else (),
        )


def digest_without_figures(
    run_date: date, *, validation: dict[str, Any] | None, gate: dict[str, Any] | None
) -> DigestData:
    """The digest of a day whose marts are not all there (a failed dbt data test skipped the
    models after it): no figures, only what the validator and the gate said. What the
    data-quality alert is rendered from when `load_digest_data` cannot read the marts."""
    validation_summary = summarize_validation(validation)
    return DigestData(
        run_date=run_date,
        previous_date=run_date - timedelta(days=1),
        today=None,
        previous=None,
        series=(),
        top_organizations=(),
        top_accounts=(),
        capabilities=(),
        quarantine=validation_summary.quarantine,
        validation=validation_summary,
        gate=summarize_gate(gate),
        campaigns_available=False,
        campaigns=(),
    )


def _day_totals(
    con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date, previous_date: date
) -> dict[date, DayTotals]:
    rows = con.execute(
        f"""
        select activity_date,
               sum(requests), sum(input_tokens), sum(output_tokens), sum(thinking_tokens),
               sum(total_tokens), count(distinct account_id), count(distinct organization_id)
        from {t["fct_account_daily"]}
        where activity_date in (?, ?)
        group by activity_date
        """,
        [run_date, previous_date],
    ).fetchall()
    return {row[0]: DayTotals(*(int(v or 0) for v in row[1:])) for row in rows}


def _series(con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date) -> tuple[DayPoint, ...]:
    start = run_date - timedelta(days=SERIES_DAYS - 1)
    rows = con.execute(
        f"""
        with days as (
            select cast(d as date) as activity_date
            from generate_series(cast(? as date), cast(? as date), interval 1 day) as g(d)
        ),
        totals as (
            select activity_date, sum(requests) as requests, sum(total_tokens) as total_tokens
            from {t["fct_account_daily"]}
            where activity_date between ? and ?
            group by activity_date
        )
        select days.activity_date, totals.requests, totals.total_tokens
        from days left join totals using (activity_date)
        order by days.activity_date
        """,
        [start, run_date, start, run_date],
    ).fetchall()
    return tuple(DayPoint(d, int_or_none(r), int_or_none(tok)) for d, r, tok in rows)


def _top_organizations(
    con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date, previous_date: date
) -> tuple[OrganizationRow, ...]:
    rows = con.execute(
        f"""
        with day_total as (
            select sum(requests) as requests from {t["fct_organization_daily"]}
            where activity_date = ?
        )
        select o.organization_id, n.organization_name, o.accounts_active, o.requests, o.total_tokens,
               o.requests / nullif((select requests from day_total), 0),
               p.requests
        from {t["fct_organization_daily"]} o
        left join {t["dim_organizations"]} n on n.organization_id = o.organization_id
        left join {t["fct_organization_daily"]} p
               on p.organization_id = o.organization_id and p.activity_date = ?
        where o.activity_date = ?
        order by o.requests desc, o.total_tokens desc, o.organization_id
        limit {TOP_N}
        """,
        [run_date, previous_date, run_date],
    ).fetchall()
    return tuple(
        OrganizationRow(
            organization_id=str(oid),
            organization_name=name,
            accounts_active=int(accounts or 0),
            requests=int(req or 0),
            total_tokens=int(tok or 0),
            share_of_requests=float(share or 0.0),
            previous_requests=int_or_none(prev),
        )
        for oid, name, accounts, req, tok, share, prev in rows
    )


def _top_accounts(con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date) -> tuple[AccountRow, ...]:
    rows = con.execute(
        f"""
        select a.account_id, a.organization_id, n.organization_name, a.requests, a.total_tokens,
               a.distinct_prompt_templates, a.top_capability, a.top_capability_share,
               a.cot_elicitation_requests, a.grader_prompt_requests
        from {t["fct_account_daily"]} a
        left join {t["dim_organizations"]} n on n.organization_id = a.organization_id
        where a.activity_date = ?
        order by a.requests desc, a.total_tokens desc, a.account_id
        limit {TOP_N}
        """,
        [run_date],
    ).fetchall()
    return tuple(
        AccountRow(
            account_id=str(r[0]),
            organization_id=str(r[1]),
            organization_name=r[2],
            requests=int(r[3] or 0),
            total_tokens=int(r[4] or 0),
            distinct_templates=int_or_none(r[5]),
            top_capability=r[6],
            top_capability_share=float_or_none(r[7]),
            cot_elicitation_requests=int_or_none(r[8]),
            grader_prompt_requests=int_or_none(r[9]),
        )
        for r in rows
    )


def _capabilities(
    con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date, previous_date: date
) -> tuple[CapabilityRow, ...]:
    rows = con.execute(
        f"""
        with today as (
            select capability, requests, request_share as share_of_requests, is_known_capability
            from {t["fct_capability_daily"]} where activity_date = ?
        ),
        prev as (
            select capability, request_share as share_of_requests, is_known_capability
            from {t["fct_capability_daily"]} where activity_date = ?
        )
        select coalesce(today.capability, prev.capability) as capability,
               coalesce(today.requests, 0) as requests,
               today.share_of_requests,
               prev.share_of_requests,
               coalesce(today.is_known_capability, prev.is_known_capability, true)
        from today full outer join prev using (capability)
        order by requests desc, capability
        """,
        [run_date, previous_date],
    ).fetchall()
    previous_loaded = any(prev is not None for *_, prev, _known in rows)
    return tuple(
        CapabilityRow(
            capability=str(cap),
            requests=int(req),
            share=float_or_none(share),
            previous_share=float_or_none(prev),
            is_known=bool(known),
            share_change=(float(share or 0.0) - float(prev or 0.0)) if previous_loaded else None,
        )
        for cap, req, share, prev, known in rows
    )


def _quarantine(con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date) -> tuple[QuarantineRow, ...]:
    rows = con.execute(
        f"""
        select source_file, rule, column_name, sum(quarantined_rows) as quarantined
        from {t["fct_quarantine_daily"]}
        where activity_date = ?
        group by source_file, rule, column_name
        having sum(quarantined_rows) > 0
        order by quarantined desc, source_file, rule, column_name
        """,
        [run_date],
    ).fetchall()
    return tuple(QuarantineRow(str(f), str(r), c, int(n)) for f, r, c, n in rows)


def _tier_rows(
    con: duckdb.DuckDBPyConnection,
    t: Catalog,
    run_date: date,
    tier: str,
    row_type: Callable[..., RowT],
    fields: Mapping[str, Callable[[Any], Any]],
) -> tuple[RowT, ...]:
    """The date's fct_campaigns rows of `tier` as `row_type`, in status order, then by score.

    `fields` maps each field of `row_type` (a column of fct_campaigns of the same name) to what
    turns the column's value into the field's. Nothing when the table predates publication
    tiers: on the data-quality alert path of the first run after an upgrade, dbt may have
    skipped the build that adds the tier columns."""
    assert tier in (TIER_CAMPAIGN, TIER_CANDIDATE)  # constants, not data
    if not t.has("fct_campaigns", "tier"):
        return ()
    rows = con.execute(
        f"""
        select {", ".join(fields)}
        from {t["fct_campaigns"]}
        where activity_date = ? and tier = ?
        order by {campaign_order_sql()}
        """,
        [run_date, tier],
    ).fetchall()
    return tuple(
        row_type(**{name: convert(value) for (name, convert), value in zip(fields.items(), row, strict=True)})
        for row in rows
    )


def _campaigns(con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date) -> tuple[CampaignRow, ...]:
    return _tier_rows(con, t, run_date, TIER_CAMPAIGN, CampaignRow, _CAMPAIGN_FIELDS)


def _candidates(con: duckdb.DuckDBPyConnection, t: Catalog, run_date: date) -> tuple[CandidateRow, ...]:
    return _tier_rows(con, t, run_date, TIER_CANDIDATE, CandidateRow, _CANDIDATE_FIELDS)


def _join_values(value: Any) -> str:
    """A list column or an already-joined string, as one comma-separated string."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- validation and gate summaries -------------------------------------------------------------


def summarize_validation(validation: Mapping[str, Any] | None) -> ValidationSummary:
    """Row counts, quarantine groups and unknown enum values from the validation summary.

    Reads what ``ValidationResult.to_dict`` writes (validation.json): ``rows`` as
    ``{kind: {read, kept, quarantined}}``, ``quarantine`` as ``[{file, column, rule, rows}]`` and
    ``unknown_enum_values`` as ``[{column, value, rows}]``.
    """
    if validation is None:
        return ValidationSummary(available=False)
    files = sorted(
        (
            FileCounts(
                kind=str(kind), read=int(c["read"]), kept=int(c["kept"]), quarantined=int(c["quarantined"])
            )
            for kind, c in validation["rows"].items()
        ),
        key=lambda f: (f.kind != "requests", f.kind),
    )
    unknown = sorted(
        (
            UnknownValue(str(u["column"]), str(u["value"]), int(u["rows"]))
            for u in validation["unknown_enum_values"]
        ),
        key=lambda u: (-(u.rows or 0), u.column, u.value),
    )
    quarantine: dict[tuple[str, str, str | None], int] = {}
    for entry in validation["quarantine"]:
        if entry["rows"]:
            where = (str(entry["file"]), str(entry["rule"]), entry["column"])
            quarantine[where] = quarantine.get(where, 0) + int(entry["rows"])
    return ValidationSummary(
        available=True,
        files=tuple(files),
        unknown_values=tuple(unknown),
        quarantine=tuple(
            QuarantineRow(f, r, c, n)
            for (f, r, c), n in sorted(quarantine.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ),
    )


def summarize_gate(gate: Mapping[str, Any] | None) -> GateSummary:
    """Pass/fail, number evaluated and failed expectations from the gate summary: what
    ``GateResult.to_dict`` writes (``passed``, ``evaluated``, ``critical_failures`` and
    ``warnings`` as one line per check)."""
    if gate is None:
        return GateSummary(status="not run")
    return GateSummary(
        status="passed" if gate["passed"] else "failed",
        evaluated=int(gate["evaluated"]),
        failed=tuple(str(f) for f in gate["critical_failures"]),
        warnings=tuple(str(w) for w in gate["warnings"]),
    )


# fct_campaigns column (= field of the row type) -> its conversion
_CAMPAIGN_FIELDS: Mapping[str, Callable[[Any], Any]] = {
    "campaign_id": str,
    "status": str,
    "score": float_or_none,
    "confidence": str_or_none,
    "accounts": int_or_none,
    "organizations": int_or_none,
    "requests": int_or_none,
    "total_tokens": int_or_none,
    "target_capabilities": _join_values,
    "first_seen": as_date,
    "last_seen": as_date,
}
_CANDIDATE_FIELDS: Mapping[str, Callable[[Any], Any]] = {
    "campaign_id": str,
    "status": str,
    "confidence": str_or_none,
    "harvesting_points": int_or_none,
    "coordination_points": int_or_none,
    "accounts": int_or_none,
    "organizations": int_or_none,
    "independent_organizations": int_or_none,
    "tier_reason": lambda value: str(value or ""),
    "first_seen": as_date,
    "last_seen": as_date,
}
