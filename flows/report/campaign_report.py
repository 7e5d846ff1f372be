"""One threat report per campaign: PDF (+ STIX bundle + full account list CSV).

The report follows the form of published threat reports on AI misuse: bottom line first, then
the campaign at a glance, actor and attribution, behaviour mapped to MITRE ATLAS, infrastructure,
timeline, targeting, detection, recommended actions, indicators, methodology, appendix. Its
readers decide from it whether to ban accounts, block networks, tighten a sign-up pathway or
share indicators, so every sentence is either a measured observation from `CampaignEvidence` or
an assessment opened with the campaign's confidence ("We assess with moderate confidence …").

This module only arranges: figures come from `evidence`, wording of techniques from `atlas`,
indicators and actions from `indicators`, the bundle from `stix_bundle`, drawing from `charts`
and `graph_svg`, and the rendering rules (autoescape, no fetching, determinism) from `render`.

Network and domain values are shown *defanged* everywhere in the PDF (tables, figure labels,
action targets), so no copy of an indicator in a document can be clicked or auto-linked; the
STIX bundle carries the canonical values for machines.

`render_campaign_reports` renders a day's campaigns in child processes (forked from the warm
server of `flows.workers`, which has imported this module, WeasyPrint and DuckDB once; one per
CPU by default, `Settings.render_workers`): WeasyPrint holds on to memory after a large document, so
a short-lived worker keeps the flow's own process small, and every core renders a report. The
workers run at a lower CPU priority than the flow, so the digest the flow renders meanwhile is
not slowed by them (`flows.pipeline`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from markupsafe import Markup

from flows import workers as workers_module
from flows.atomic import write_atomic
from flows.csv_output import csv_text
from flows.reader import Catalog, connect_bounded
from flows.report import charts, fmt
from flows.report.atlas import ObservedTechnique, assessment, counted, observed_techniques
from flows.report.evidence import (
    CREATION_BURST_MIN_ACCOUNTS,
    DEDICATED_SHARE,
    LINKS_PER_KIND,
    TOP_ACCOUNTS,
    TOP_NETWORKS,
    CampaignEvidence,
    LinkingIdentifier,
    list_campaigns,
    load_campaign_evidence,
)
from flows.report.fmt import safe_filename
from flows.report.graph_svg import GraphGroup, GraphNode, account_link_graph
from flows.report.indicators import (
    Action,
    CampaignIndicator,
    campaign_indicators,
    canonical_domain,
    canonical_prefix,
    defang,
    recommended_actions,
)
from flows.report.render import SafeURLFetcher, render_pdf
from flows.report.stix_bundle import write_stix_bundle
from flows.tlp import normalize_tlp, tlp_context

log = logging.getLogger("distillwatch.report")

CAMPAIGN_TEMPLATE = "campaign_report.html.j2"
# Long lists belong in the CSV and the STIX bundle: WeasyPrint spends ~0.25 s per page of table.
INDICATORS_PER_KIND = 6
LINKS_SHOWN_PER_KIND = 4
TARGETS_SHOWN = 12
PREFIXES_SHOWN = 10
NETWORKS_SHOWN = 8
CAPABILITIES_SHOWN = 8
GRAPH_PER_KIND = 3
# How much lower than the flow's the render workers' CPU priority is (nice increment).
WORKER_NICE = 5

# Kind of linking identifier → (figure group title, singular, plural).
LINK_LABELS: dict[str, tuple[str, str, str]] = {
    "payment_fingerprint": ("Payment instruments", "payment instrument", "payment instruments"),
    "prompt_template": ("Prompt templates", "prompt template", "prompt templates"),
    "system_prompt": ("System prompts", "system prompt", "system prompts"),
    "ip_prefix": (
        "Hosting / proxy IP prefixes",
        "hosting or proxy IP prefix",
        "hosting or proxy IP prefixes",
    ),
    "email_domain": ("Sign-up e-mail domains", "e-mail domain", "e-mail domains"),
}
INDICATOR_LABELS = {
    "ip_prefix": "IP prefix",
    "asn": "Proxy ASN",
    "email_domain": "E-mail domain",
    "prompt_template": "Prompt template hash",
    "system_prompt": "System-prompt hash",
    "payment_fingerprint": "Payment fingerprint",
}
# Confidence language, in the spirit of the analytic-confidence scales used in published threat
# reports: what the level means, so a reader does not take "moderate" for "probably not".
CONFIDENCE_WORDING = {
    "high": "High confidence: the judgement rests on several independent lines of evidence "
    "(harvesting behaviour and coordination between the accounts are both strong). It is not "
    "a certainty.",
    "moderate": "Moderate confidence: the evidence is credible and consistent, but only part of "
    "it is strong or it has gaps; other explanations remain possible. An analyst should review "
    "the signals before enforcement.",
    "low": "Low confidence: the evidence is limited or ambiguous. The grouping is plausible; "
    "no enforcement or sharing before an analyst has confirmed it.",
}
UNRATED_WORDING = "Not rated: detection recorded no confidence level for this campaign."
STATUS_WORDING = {
    "new": "first detected on the run date",
    "growing": "active and growing",
    "active": "active",
    "dormant": "dormant (no activity on the run date)",
}
ACCOUNT_CSV_COLUMNS = (
    "rank",
    "campaign_id",
    "account_id",
    "organization_id",
    "organization_name",
    "requests",
    "total_tokens",
    "score",
    "listed_on_run_date",
    "signup_pathway",
    "verification",
    "created_date",
)


@dataclass(frozen=True)
class CampaignReportFiles:
    """What one campaign's report consists of on disk."""

    campaign_id: str
    pdf: Path
    stix: Path
    accounts_csv: Path
    accounts: int  # rows in the CSV
    worker_pid: int = 0  # the process that rendered it

    @property
    def files(self) -> tuple[Path, Path, Path]:
        return (self.pdf, self.stix, self.accounts_csv)


class CampaignReportError(RuntimeError):
    """Some campaigns of a date failed to render; the others were written."""

    def __init__(self, failures: dict[str, str]) -> None:
        self.failures = failures
        listed = "; ".join(f"{cid}: {msg}" for cid, msg in sorted(failures.items()))
        super().__init__(f"{len(failures)} campaign report(s) failed: {listed[:1000]}")


# --- file names ----------------------------------------------------------------------------------


def campaign_file_stem(campaign_id: str) -> str:
    """The file-name stem of a campaign's outputs.

    Detection's ids are already safe (``DW-2026-03-04-1a2b3c4d``) and are used as they are. An id
    that `safe_filename` had to change gets a short hash of the original appended, so two
    different ids can never be written to the same file.
    """
    safe = safe_filename(campaign_id, max_length=80, default="campaign")
    if safe == campaign_id:
        return safe
    digest = hashlib.sha256(campaign_id.encode("utf-8")).hexdigest()[:8]
    return f"{safe}-{digest}"


def report_file_names(campaign_id: str) -> dict[str, str]:
    stem = campaign_file_stem(campaign_id)
    return {"pdf": f"{stem}.pdf", "stix": f"{stem}.stix.json", "csv": f"{stem}-accounts.csv"}


# --- display helpers -----------------------------------------------------------------------------


def measure(value: float | None) -> str:
    """A detection measurement whose unit varies by signal (share, ratio, count, bits)."""
    if value is None:
        return "not measurable"
    if not math.isfinite(value):
        return fmt.MISSING
    magnitude = abs(value)
    if magnitude >= 1000:
        return fmt.num(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude < 0.001:
        return "0" if value == 0 else f"{value:.4f}"
    return f"{value:.3g}"


def shown_identifier(kind: str, value: str) -> tuple[str, bool]:
    """(what the PDF shows, whether the value parses as its kind).

    IP prefixes and e-mail domains are defanged whether or not they parse: a value that does not
    parse is still customer-supplied text that must not become a link.
    """
    if kind == "ip_prefix":
        canonical = canonical_prefix(value)
        return defang(canonical or value), canonical is not None
    if kind == "email_domain":
        canonical = canonical_domain(value)
        return defang(canonical or value.strip().lower()), canonical is not None
    return value, True


def _share(part: int | float, whole: int | float) -> float | None:
    return part / whole if whole else None


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _short(n: int) -> str:
    """Exact below 10,000, compact above: figure labels have a fixed width."""
    return fmt.num(n) if abs(n) < 10_000 else fmt.compact(n)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# --- the parts of the report ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeyValue:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class LinkRow:
    """A shared identifier as the report shows it: made safe for display, and whether it parses
    as an indicator (the figures are the identifier's own)."""

    identifier: LinkingIdentifier
    shown: str
    parses: bool


@dataclass(frozen=True)
class LinkGroup:
    """One kind of shared identifier: the rows shown and how many more the evidence holds."""

    title: str
    rows: tuple[LinkRow, ...]
    more: int
    more_dedicated: int


@dataclass(frozen=True)
class IndicatorGroup:
    title: str
    indicators: tuple[tuple[str, CampaignIndicator], ...]  # (label, indicator)
    more: int


@dataclass(frozen=True)
class SignalRow:
    name: str
    family: str
    observed: str
    rule: str
    fired: bool
    points: str
    share: float | None  # of all points earned
    description: str


@dataclass(frozen=True)
class ActionView:
    action: Action
    targets: tuple[str, ...]  # the first TARGETS_SHOWN
    more: int  # targets left out of the PDF
    pointer: str  # where the rest is


def _confidence(e: CampaignEvidence) -> dict[str, str]:
    level = e.confidence if e.confidence in CONFIDENCE_WORDING else None
    return {
        "level": (level or "not rated").upper(),
        "wording": CONFIDENCE_WORDING[level] if level else UNRATED_WORDING,
        "statement": e.confidence_statement or "",
    }


def _link_summary(e: CampaignEvidence) -> str:
    """``1 payment instrument, 2 prompt templates and 1 e-mail domain`` (dedicated ones)."""
    parts = []
    for kind, (_, singular, plural) in LINK_LABELS.items():
        n = sum(1 for link in e.linking_of(kind) if link.is_dedicated)
        if n:
            parts.append(f"{fmt.num(n)} {singular if n == 1 else plural}")
    return _join(parts)


def _targeted(e: CampaignEvidence) -> str:
    """The capability phrase of the bottom line, claiming focus only when the data shows it."""
    if not e.capabilities:
        return ""
    top = e.capabilities[0]
    name = fmt.display_text(top.capability, 40)
    lift = f", {top.lift:.1f}× its share of all platform traffic" if top.lift is not None else ""
    if top.share >= 0.5 and (top.lift or 0) >= 2:
        return f", concentrated on {name} ({fmt.pct(top.share)} of its exchanges{lift})"
    return f"; the largest share of its exchanges ({fmt.pct(top.share)}) was {name}{lift}"


def bottom_line(e: CampaignEvidence, actions: Sequence[Action]) -> list[str]:
    """3–5 bullets: what, how big, how confident (and why), what links it, what we recommend."""
    status = STATUS_WORDING.get(e.status, fmt.display_text(e.status, 20))
    models = counted(len(e.models), "model")
    what = (
        f"A distillation campaign, {status}: {counted(e.window.accounts, 'account')} in "
        f"{counted(e.window.organizations, 'organization')} sent {counted(e.requests, 'exchange')} to "
        f"{models} between {e.first_seen.isoformat()} and {e.last_seen.isoformat()}"
        f"{_targeted(e)}."
    )
    generated = e.tokens.output + e.tokens.thinking
    size = (
        f"The model returned {fmt.compact(generated)} generated tokens (output and reasoning) of "
        f"{fmt.num(e.tokens.total)} tokens in total over {counted(e.period_days, 'day')}"
    )
    if e.concealing_share is not None and e.concealing_share > 0:
        size += f"; {fmt.pct(e.concealing_share)} of the exchanges came through proxy or hosting networks"
    size += "."
    fired = [s for s in e.signals if s.fired]
    families = sorted({s.family for s in fired if s.family})
    how_sure = f"{assessment(e.confidence)} that these accounts act together to harvest the model's outputs"
    if e.signals:
        how_sure += f": {fmt.num(len(fired))} of {counted(len(e.signals), 'detection signal')} fired" + (
            f" ({_join(families)})" if families else ""
        )
    if e.score is not None:
        how_sure += f", campaign score {e.score:g}"
    how_sure += "."
    if e.verdict is not None and e.verdict.verdict == "confirmed":
        day = e.verdict.verdict_date.isoformat() if e.verdict.verdict_date else "an earlier date"
        how_sure += f" An analyst confirmed the campaign on {day}."
    bullets = [what, size, how_sure]
    links = _link_summary(e)
    if links:
        bullets.append(f"The accounts are linked by {links} that few other accounts use.")
    if e.verdict is not None and e.verdict.verdict == "false_positive":
        bullets.append("No action: an analyst marked this campaign a false positive.")
    elif actions:
        bullets.append("We recommend: " + "; ".join(_lower_first(a.title) for a in actions[:4]) + ".")
    return bullets[:5]


def at_a_glance(e: CampaignEvidence, csv_name: str) -> list[KeyValue]:
    def counts(items: Sequence[Any], total: int, limit: int = 4) -> str:
        if not items:
            return fmt.MISSING
        shown = [
            f"{fmt.display_text(c.value, 30)} {fmt.num(c.count)} ({fmt.pct(_share(c.count, total))})"
            for c in items[:limit]
        ]
        if len(items) > limit:
            shown.append(f"{len(items) - limit} more")
        return "; ".join(shown)

    models = (
        "; ".join(
            f"{fmt.display_text(m.model, 40)} {fmt.num(m.requests)} "
            f"({fmt.pct(_share(m.requests, e.requests))})"
            for m in e.models[:4]
        )
        or fmt.MISSING
    )
    if len(e.models) > 4:
        models += f"; {len(e.models) - 4} more"
    capabilities = (
        "; ".join(f"{fmt.display_text(c.capability, 30)} {fmt.pct(c.share)}" for c in e.capabilities[:5])
        or fmt.MISSING
    )
    networks = {n.asn for n in e.networks}
    w = e.window
    window_days = (e.run_date - w.window_start).days + 1
    rows = [
        KeyValue("First seen", e.first_seen.isoformat()),
        KeyValue(
            "Last seen",
            e.last_seen.isoformat(),
            "" if e.last_seen == e.run_date else f"no activity since; run date {e.run_date.isoformat()}",
        ),
        # The detection figures (fct_campaigns) cover the window; charts and lists below cover
        # the campaign's whole period. Both are named, so no figure is ambiguous.
        KeyValue(
            "Detection window",
            f"{w.window_start.isoformat()} to {e.run_date.isoformat()} ({counted(window_days, 'day')})",
            "score, signals and the window figures below",
        ),
        KeyValue(
            "Period of this report",
            f"{e.first_seen.isoformat()} to {e.run_date.isoformat()} ({counted(e.period_days, 'day')})",
            "charts and lists below",
        ),
        KeyValue(
            "Accounts",
            fmt.num(w.accounts),
            f"{fmt.num(w.accounts_active_on_run_date)} active on {e.run_date.isoformat()}; "
            f"all of them in {csv_name}",
        ),
        KeyValue("Organizations", fmt.num(w.organizations)),
        KeyValue(
            "Exchanges (requests)",
            f"{fmt.num(w.requests)} in the window",
            f"{fmt.num(w.requests_on_run_date)} on {e.run_date.isoformat()}; "
            f"{fmt.num(e.requests)} since first seen",
        ),
        KeyValue(
            "Tokens",
            f"{fmt.num(w.total_tokens)} in the window",
            f"{fmt.num(e.tokens.total)} since first seen: input {fmt.compact(e.tokens.input)} · "
            f"output {fmt.compact(e.tokens.output)} · thinking {fmt.compact(e.tokens.thinking)}",
        ),
        KeyValue("Models", models),
        KeyValue("Capability mix", capabilities),
        KeyValue(
            "Reasoning elicitation",
            f"{fmt.pct(_share(e.cot_elicitation_requests, e.requests))} of exchanges asked for "
            f"step-by-step reasoning; {fmt.pct(_share(e.grader_prompt_requests, e.requests))} "
            "were rubric-grading prompts",
        ),
        KeyValue("Sign-up pathways", counts(e.signup_pathways, e.accounts)),
        KeyValue("Verification", counts(e.verification_levels, e.accounts)),
        KeyValue(
            "Access channels",
            counts(e.access_channels, e.requests)
            if e.access_channels
            else "not available (the warehouse has no access-channel aggregate yet)",
        ),
        # The evidence lists the top TOP_NETWORKS networks only: a full list means "at least".
        KeyValue(
            "Networks",
            f"{counted(e.ip_prefixes, 'IP prefix', 'IP prefixes')} in "
            + ("at least " if len(networks) >= TOP_NETWORKS else "")
            + counted(len(networks), "autonomous system"),
            f"{fmt.pct(e.concealing_share)} of exchanges via proxy or hosting networks",
        ),
    ]
    return rows


def link_groups(e: CampaignEvidence) -> list[LinkGroup]:
    """Shared identifiers by kind, the first LINKS_SHOWN_PER_KIND of each (most accounts first)."""
    groups = []
    for kind, (title, _, _) in LINK_LABELS.items():
        rows = []
        for link in e.linking_of(kind):
            shown, parses = shown_identifier(kind, link.value)
            rows.append(LinkRow(link, shown, parses))
        if rows:
            rest = rows[LINKS_SHOWN_PER_KIND:]
            groups.append(
                LinkGroup(
                    title,
                    tuple(rows[:LINKS_SHOWN_PER_KIND]),
                    len(rest),
                    sum(1 for r in rest if r.identifier.is_dedicated),
                )
            )
    return groups


def indicator_groups(indicators: Sequence[CampaignIndicator]) -> list[IndicatorGroup]:
    """Indicators by kind (network first), INDICATORS_PER_KIND of each: a campaign rotating
    hundreds of prefixes would otherwise bury its e-mail domains and hashes."""
    by_kind: dict[str, list[CampaignIndicator]] = {}
    for indicator in indicators:
        by_kind.setdefault(indicator.kind, []).append(indicator)
    return [
        IndicatorGroup(
            INDICATOR_LABELS.get(kind, kind),
            tuple((_indicator_label(i), i) for i in items[:INDICATORS_PER_KIND]),
            max(len(items) - INDICATORS_PER_KIND, 0),
        )
        for kind, items in by_kind.items()
    ]


def attribution(e: CampaignEvidence) -> dict[str, Any]:
    """The hedged statement on who is behind the accounts and what we do not know."""
    links = _link_summary(e)
    if links:
        statement = (
            f"{assessment(e.confidence)} that the {counted(e.accounts, 'account')} are operated by "
            f"one actor or a coordinated group: they share {links} that few other accounts on the "
            "platform use."
        )
    else:
        statement = (
            "We found no identifier used mainly by the campaign's accounts. They are grouped by "
            "detection on their behaviour (shared signature and timing), which links them less "
            f"firmly; {_lower_first(assessment(e.confidence))} that they act together."
        )
    burst = e.largest_creation_burst
    if burst is not None:
        statement += (
            f" {counted(burst.accounts, 'account')} {'was' if burst.accounts == 1 else 'were'} "
            f"created on the same day ({burst.day.isoformat()})"
            + (
                f", and {counted(len(e.creation_bursts) - 1, 'other day')} saw two or more created together."
                if len(e.creation_bursts) > 1
                else "."
            )
        )
    unknown = [
        "who the operator is: organization names and e-mail domains are typed at sign-up and are "
        "not verified identities, so this report names no person, company or country as the actor",
        "what the harvested outputs were used for: we see exchanges and their sizes, not what "
        "happens to the answers afterwards, so training a rival model is an assessment, not an "
        "observation",
        "whether the campaign is larger: accounts that share none of these identifiers and stay "
        "below the detection thresholds are not listed",
        "who runs the proxy and hosting networks: they serve many customers, and their operators "
        "are not assumed to be part of the campaign",
    ]
    if e.organizations > 1:
        unknown.append(
            f"whether the {fmt.num(e.organizations)} organizations are one customer under several "
            "names or separate customers acting together"
        )
    if not e.access_channels:
        unknown.append("which access channels (direct API, cloud partners) carried the traffic")
    return {"statement": statement, "unknown": [item[:1].upper() + item[1:] for item in unknown]}


def signal_rows(e: CampaignEvidence) -> tuple[list[SignalRow], float]:
    total = sum(s.points for s in e.signals)
    rows = []
    for s in e.signals:
        rule = (
            f"{s.direction or '≥'} {measure(s.threshold)}".replace(">=", "≥").replace("<=", "≤")
            if s.threshold is not None
            else fmt.MISSING
        )
        points = f"{s.points:g}" + (f" / {s.max_points:g}" if s.max_points is not None else "")
        rows.append(
            SignalRow(
                name=s.name,
                family=s.family or fmt.MISSING,
                observed=measure(s.value),
                rule=rule,
                fired=s.fired,
                points=points,
                share=_share(s.points, total) if s.fired else None,
                description=s.description or "",
            )
        )
    return rows, total


def action_views(actions: Sequence[Action], e: CampaignEvidence, names: dict[str, str]) -> list[ActionView]:
    views = []
    for action in actions:
        if action.kind in ("ban_accounts", "review_accounts"):
            more = max(e.accounts - min(len(action.targets), TARGETS_SHOWN), 0)
            pointer = f"all {counted(e.accounts, 'account')}: {names['csv']}"
        else:
            more = max(len(action.targets) - TARGETS_SHOWN, 0)
            pointer = f"all of them: {names['stix']}" if action.kind != "reverify_pathway" else ""
        views.append(ActionView(action, action.targets[:TARGETS_SHOWN], more, pointer))
    return views


def _indicator_label(i: CampaignIndicator) -> str:
    label = INDICATOR_LABELS.get(i.kind, i.kind)
    if i.kind == "ip_prefix" and i.asn is not None:
        label += f" ({fmt.display_text(i.asn_type or 'network', 12)}, AS{i.asn})"
    return label


def _charts(e: CampaignEvidence) -> dict[str, Markup]:
    start = e.daily[0].day if e.daily else e.first_seen
    midnight = datetime.combine(start, time(0), UTC)
    # A release at 18:00 UTC sits three quarters of the way to the next day's point.
    markers = [
        charts.Marker((r.released_at - midnight).total_seconds() / 86_400, f"{r.model} released")
        for r in e.model_releases
    ]
    timeline = charts.timeline_chart(
        [(d.day.strftime("%d %b"), d.requests) for d in e.daily],
        chart_id="campaign-timeline",
        title=f"Exchanges per day, {e.first_seen.isoformat()} to {e.run_date.isoformat()}",
        markers=markers,
    )
    capability = charts.hbar_chart(
        [
            charts.Bar(
                # Cut the name, not the lift: the chart shows 24 characters of a label.
                f"{fmt.display_text(c.capability, 16)} · {c.lift:.1f}×"
                if c.lift is not None
                else c.capability,
                c.share,
                c.platform_share,
                highlight=i == 0,
            )
            for i, c in enumerate(e.capabilities[:CAPABILITIES_SHOWN])
        ],
        chart_id="campaign-capabilities",
        title="Share of exchanges by capability, campaign vs platform baseline",
        series=("campaign", "platform baseline (same period)"),
        label_width=150,
    )
    rows, _total = signal_rows(e)
    signals = charts.hbar_chart(
        [charts.Bar(r.name, r.share) for r in rows if r.fired],
        chart_id="campaign-signals",
        title="Share of the campaign's detection points by signal",
        label_width=150,
    )
    groups = []
    for kind, (title, _, _) in LINK_LABELS.items():
        nodes = []
        for link in e.linking_of(kind):
            shown, _ = shown_identifier(kind, link.value)
            detail = (
                f"{_short(link.accounts)} accts · {_short(link.organizations)} orgs · "
                f"{_short(link.platform_accounts)} on platform"
            )
            nodes.append(GraphNode(shown, link.accounts, detail, link.is_dedicated))
        groups.append(GraphGroup(title, tuple(nodes)))
    bursts = e.creation_bursts_by_size
    groups.append(
        GraphGroup(
            "Created the same day",
            tuple(
                GraphNode(b.day.isoformat(), b.accounts, f"{_short(b.accounts)} accts created", True)
                for b in bursts
            ),
        )
    )
    graph = account_link_graph(
        groups,
        accounts=e.accounts,
        organizations=e.organizations,
        chart_id="campaign-links",
        title="How the campaign's accounts link through shared identifiers",
        per_group=GRAPH_PER_KIND,
    )
    return {"timeline": timeline, "capabilities": capability, "signals": signals, "graph": graph}


def campaign_context(evidence: CampaignEvidence, *, tlp: str, report_version: str = "1") -> dict[str, Any]:
    """Everything `campaign_report.html.j2` reads (numbers stay numbers for the filters)."""
    e = evidence
    names = report_file_names(e.campaign_id)
    actions = recommended_actions(e)
    indicators = campaign_indicators(e)
    shown_indicators = indicator_groups(indicators)
    techniques: list[ObservedTechnique] = observed_techniques(e)
    signals, total_points = signal_rows(e)
    return {
        **tlp_context(tlp),  # fails closed on an unknown marking, as the STIX bundle does
        "title": f"Distillation campaign {fmt.display_text(e.campaign_id, 60)}",
        "kind": "distillwatch · trust & safety · campaign threat report",
        "document_date": e.run_date.isoformat(),
        "e": e,
        "report_version": report_version,
        "status_wording": STATUS_WORDING.get(e.status, e.status),
        "confidence": _confidence(e),
        "bluf": bottom_line(e, actions),
        "glance": at_a_glance(e, names["csv"]),
        "link_groups": link_groups(e),
        "attribution": attribution(e),
        "bursts": e.creation_bursts_by_size[:5],
        "techniques": techniques,
        "prefixes": [
            (shown_identifier("ip_prefix", p.ip_prefix)[0], p) for p in e.infrastructure[:PREFIXES_SHOWN]
        ],
        "networks": e.networks[:NETWORKS_SHOWN],
        "capabilities": e.capabilities[:CAPABILITIES_SHOWN],
        "more_capabilities": max(len(e.capabilities) - CAPABILITIES_SHOWN, 0),
        "signals": signals,
        "fired": sum(1 for s in signals if s.fired),
        "total_points": total_points,
        "actions": action_views(actions, e, names),
        "indicator_groups": shown_indicators,
        "indicators_total": len(indicators),
        "indicators_shown": sum(len(g.indicators) for g in shown_indicators),
        "top_accounts": [(a, _share(a.requests, e.requests)) for a in e.top_accounts],
        "carried": any(a.score is None for a in e.top_accounts),
        "files": names,
        "charts": _charts(e),
        "params": {
            "dedicated_share": DEDICATED_SHARE,
            "burst_min": CREATION_BURST_MIN_ACCOUNTS,
            "top_accounts": TOP_ACCOUNTS,
            "links_per_kind": LINKS_PER_KIND,
            "top_networks": TOP_NETWORKS,
            "graph_per_kind": GRAPH_PER_KIND,
        },
    }


# --- rendering -----------------------------------------------------------------------------------


def render_campaign_report(
    evidence: CampaignEvidence,
    out_dir: Path,
    *,
    tlp: str,
    report_version: str = "1",
    url_fetcher: SafeURLFetcher | None = None,
) -> Path:
    """The campaign's threat report as `out_dir/<campaign id>.pdf` (same evidence → same bytes)."""
    context = campaign_context(evidence, tlp=tlp, report_version=report_version)
    out_path = Path(out_dir) / context["files"]["pdf"]
    return render_pdf(
        CAMPAIGN_TEMPLATE,
        context,
        out_path,
        source_date=evidence.run_date,
        url_fetcher=url_fetcher,
    )


def _render_outputs(
    evidence: CampaignEvidence, out_dir: Path, tlp: str, report_version: str
) -> tuple[Path, Path]:
    """PDF + STIX of one campaign."""
    pdf = render_campaign_report(evidence, out_dir, tlp=tlp, report_version=report_version)
    stix = write_stix_bundle(evidence, out_dir / report_file_names(evidence.campaign_id)["stix"], tlp)
    return pdf, stix


def _read_one(
    warehouse: Path, run_date: date, campaign_id: str, out_dir: Path
) -> tuple[CampaignEvidence, int]:
    """Everything one campaign's report reads from the warehouse: its evidence, and its full
    account list written as the CSV (returns the evidence and the CSV's row count). Runs in a
    worker process (module-level so it pickles): reading is as costly as rendering, so both are
    spread over the workers."""
    evidence = load_campaign_evidence(Path(warehouse), run_date, campaign_id)
    rows = write_accounts_csv(Path(warehouse), evidence, out_dir / report_file_names(campaign_id)["csv"])
    return evidence, rows


def _render_one(
    evidence: CampaignEvidence, rows: int, out_dir: Path, tlp: str, report_version: str
) -> CampaignReportFiles:
    """PDF and STIX of one campaign from its evidence alone: no warehouse, so it may run after the
    warehouse is handed to the next date's build. Runs in a worker process."""
    pdf, stix = _render_outputs(evidence, out_dir, tlp, report_version)
    csv_path = out_dir / report_file_names(evidence.campaign_id)["csv"]
    return CampaignReportFiles(evidence.campaign_id, pdf, stix, csv_path, rows, os.getpid())


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def render_campaign_reports(
    warehouse: Path,
    run_date: date,
    campaigns_dir: Path,
    *,
    tlp: str,
    report_version: str = "1",
    workers: int | None = None,
) -> list[CampaignReportFiles]:
    """PDF, STIX bundle and account CSV for every campaign reported on `run_date`
    (`start_campaign_reports`, then its `result`)."""
    job = start_campaign_reports(
        warehouse, run_date, campaigns_dir, tlp=tlp, report_version=report_version, workers=workers
    )
    return job.result()


def start_campaign_reports(
    warehouse: Path,
    run_date: date,
    campaigns_dir: Path,
    *,
    tlp: str,
    report_version: str = "1",
    workers: int | None = None,
) -> CampaignReportJob:
    """Start the campaign reports of `run_date`; returns once every warehouse read is done.

    Each campaign is read (evidence, account CSV), then rendered (PDF, bundle) by one of up to
    `workers` child processes (`flows.workers`) (default: `available_cpus()`; 0: in this
    process, the renders at `result`). When this returns, nothing of the job reads the
    warehouse any more: the caller may hand it to the next writer while the PDFs render.
    """
    if workers is None:
        workers = available_cpus()
    marking = normalize_tlp(tlp)
    campaign_ids = list_campaigns(Path(warehouse), run_date)
    final_dir = Path(campaigns_dir)
    # Written into a staging folder that then replaces the day's folder whole, only when every
    # campaign rendered: a re-run that finds fewer campaigns leaves no stale report of the
    # earlier run beside the new ones, and a failed re-render keeps the earlier set. (The
    # nightly writes the whole day aside and publishes it at once: flows/publish.py.)
    out_dir = final_dir.parent / f".{final_dir.name}.partial"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    job = CampaignReportJob(final_dir, out_dir, marking, report_version)
    try:
        job.read(warehouse, run_date, campaign_ids, workers)
    except BaseException:
        job.close()
        raise
    return job


class CampaignReportJob:
    """A day's campaign reports between their warehouse reads and their renders' end.

    `result` waits for the renders and moves the reports into place; `close` (also done by
    `result`) waits for whatever still runs and removes a set that did not finish."""

    def __init__(self, final_dir: Path, out_dir: Path, marking: str, report_version: str) -> None:
        self.final_dir = final_dir
        self.out_dir = out_dir
        self.marking = marking
        self.report_version = report_version
        self.failures: dict[str, str] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._read: list[tuple[CampaignEvidence, int]] = []  # in process (workers=0): rendered at result
        self._rendering: list[tuple[str, Future[CampaignReportFiles]]] = []
        self._done = False

    def read(self, warehouse: Path, run_date: date, campaign_ids: list[str], workers: int) -> None:
        if not campaign_ids:
            return
        if workers <= 0:
            for campaign_id in campaign_ids:
                try:
                    self._read.append(_read_one(warehouse, run_date, campaign_id, self.out_dir))
                except Exception as exc:
                    self._failed(campaign_id, exc)
            return
        # forked from the warm server (flows.workers), not from this process: it holds DuckDB and
        # Prefect threads that must not be duplicated into a child mid-operation. Each child opens
        # the warehouse read-only on its own, below this process's CPU priority.
        self._pool = ProcessPoolExecutor(
            max_workers=min(workers, len(campaign_ids)),
            mp_context=workers_module.context(),
            initializer=workers_module.start_child,
            initargs=(os.getpid(), WORKER_NICE),
        )
        reading = [
            (campaign_id, self._pool.submit(_read_one, warehouse, run_date, campaign_id, self.out_dir))
            for campaign_id in campaign_ids
        ]
        # each render is queued as soon as its campaign is read, so no worker idles
        for campaign_id, future in reading:
            try:
                evidence, rows = future.result()
            except Exception as exc:
                self._failed(campaign_id, exc)
                continue
            self._rendering.append((campaign_id, self._submit_render(evidence, rows)))

    def _submit_render(self, evidence: CampaignEvidence, rows: int) -> Future[CampaignReportFiles]:
        assert self._pool is not None
        return self._pool.submit(_render_one, evidence, rows, self.out_dir, self.marking, self.report_version)

    def _failed(self, campaign_id: str, exc: BaseException) -> None:
        log.error("campaign %.80s: report failed: %s", campaign_id, exc)
        self.failures[campaign_id] = f"{type(exc).__name__}: {exc}"[:300]

    def result(self) -> list[CampaignReportFiles]:
        """The reports in `list_campaigns` order, in `final_dir`; `CampaignReportError` if any
        campaign failed (the others were rendered, none is moved into place)."""
        results: list[CampaignReportFiles] = []
        try:
            for evidence, rows in self._read:
                try:
                    results.append(
                        _render_one(evidence, rows, self.out_dir, self.marking, self.report_version)
                    )
                except Exception as exc:
                    self._failed(evidence.campaign_id, exc)
            for campaign_id, future in self._rendering:
                try:
                    results.append(future.result())
                except Exception as exc:
                    self._failed(campaign_id, exc)
            if self.failures:
                raise CampaignReportError(self.failures)
            shutil.rmtree(self.final_dir, ignore_errors=True)
            self.out_dir.rename(self.final_dir)
            self._done = True
        finally:
            self.close()
        return [
            replace(
                r,
                pdf=self.final_dir / r.pdf.name,
                stix=self.final_dir / r.stix.name,
                accounts_csv=self.final_dir / r.accounts_csv.name,
            )
            for r in results
        ]

    def close(self) -> None:
        """Wait for the workers and end them; a set not moved into place is removed."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if not self._done:
            shutil.rmtree(self.out_dir, ignore_errors=True)


# --- the full account list -----------------------------------------------------------------------


def account_rows(warehouse: Path, evidence: CampaignEvidence) -> list[tuple[Any, ...]]:
    """Every account of the campaign on the run date, in the appendix's order (requests over the
    campaign period, then id), with organization, requests, tokens and score.

    Membership follows `load_campaign_evidence`: `fct_campaign_members` of the run date (the
    accounts listed in `fct_campaign_accounts` that day, or a dormant campaign's last known ones).
    """
    period = [evidence.first_seen, evidence.run_date]
    key = [evidence.run_date, evidence.campaign_id]
    with connect_bounded(warehouse) as con:
        t = Catalog(con)
        return con.execute(
            f"""
            with members as (
                select account_id, is_listed
                from {t["fct_campaign_members"]}
                where activity_date = ? and campaign_id = ?
            ),
            scores as (
                select account_id, max(score) as score
                from {t["fct_campaign_accounts"]}
                where activity_date = ? and campaign_id = ?
                group by account_id
            ),
            volume as (
                select d.account_id, sum(d.requests) as requests, sum(d.total_tokens) as tokens
                from {t["fct_account_daily"]} d join members m using (account_id)
                where d.activity_date between ? and ?
                group by d.account_id
            )
            select row_number() over (order by coalesce(volume.requests, 0) desc, m.account_id),
                   ? as campaign_id, m.account_id, a.organization_id, o.organization_name,
                   coalesce(volume.requests, 0) as requests, coalesce(volume.tokens, 0),
                   scores.score, m.is_listed, a.signup_pathway, a.verification,
                   cast(a.created_at as date)
            from members m
            left join scores using (account_id)
            left join {t["dim_accounts"]} a using (account_id)
            left join {t["dim_organizations"]} o on o.organization_id = a.organization_id
            left join volume using (account_id)
            order by 1
            """,
            key + key + period + [evidence.campaign_id],
        ).fetchall()


def write_accounts_csv(warehouse: Path, evidence: CampaignEvidence, out_path: Path) -> int:
    """Write the full account list (see `account_rows`) atomically; returns the row count."""
    rows = account_rows(warehouse, evidence)
    write_atomic(out_path, csv_text(ACCOUNT_CSV_COLUMNS, rows))
    return len(rows)


__all__ = [
    "CAMPAIGN_TEMPLATE",
    "CampaignReportError",
    "CampaignReportFiles",
    "CampaignReportJob",
    "account_rows",
    "campaign_context",
    "campaign_file_stem",
    "render_campaign_report",
    "render_campaign_reports",
    "report_file_names",
    "start_campaign_reports",
    "write_accounts_csv",
]
