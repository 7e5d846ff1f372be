"""One STIX 2.1 bundle per campaign, built with the `stix2` library.

What is in it, and why:

- `Identity` of the reporting team (`created_by_ref` of everything we author);
- the `Campaign` (first/last seen, objective, confidence) with a few `x_distillwatch_*`
  figures (status, score, accounts, requests);
- `Infrastructure` per proxy/hosting network (ASN) the campaign used;
- `Indicator`s with STIX patterns, for what is matchable with standard cyber observables only:
  dedicated hosting/proxy prefixes (``[ipv4-addr:value ISSUBSET '203.0.113.0/24']``), proxy
  ASNs (``[autonomous-system:number = 64500]``) and e-mail domains
  (``[email-addr:value LIKE '%@example.com']``);
- a `Note` with what has no standard observable (prompt-template, system-prompt and payment
  hashes) as plain text and as ``x_distillwatch_identifiers``, and, under TLP:AMBER or stricter
  only, the top accounts with their organizations;
- `AttackPattern`s for the observed ATLAS techniques (`external_references` to mitre-atlas);
- `Relationship`s: indicator *indicates* campaign / infrastructure, campaign *uses*
  attack-pattern / infrastructure;
- a `Report` referencing all of it, and the TLP `MarkingDefinition` every authored object
  carries in `object_marking_refs`.

Determinism: the same evidence gives byte-identical JSON. Every id is a UUIDv5 of stable
content (campaign id, object kind, value); no timestamp comes from the clock:

- campaign-scoped objects keep their id from day to day (so consumers see new *versions*),
  hence ``created`` = first seen (00:00Z, constant for the campaign) and ``modified`` = run date;
- the report, its note and the bundle are per run date (their ids include it);
- the team identity and the ATLAS attack patterns are shared by every bundle: ids from the team
  name / technique id alone and a fixed ``created``, so consumers merge them across reports.
  They carry no marking, since they hold nothing about the campaign; the relationships that
  tie them to the campaign do.

Untrusted text (organization names, e-mail domains, capability labels) only ever lands in
plain string property values; patterns are built from values that `indicators` has parsed and
re-serialized, and string literals are escaped regardless.
"""

from __future__ import annotations

import ipaddress
import uuid
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import stix2

from flows.atomic import write_atomic
from flows.report import fmt
from flows.report.atlas import ObservedTechnique, counted, observed_techniques
from flows.report.evidence import CampaignEvidence, TopAccount
from flows.report.indicators import CampaignIndicator, campaign_indicators
from flows.tlp import ACCOUNT_DETAIL_TLPS, TLP_LABELS, normalize_tlp

# Fixed namespace of every distillwatch STIX id (uuid5 of NAMESPACE_URL and a name we own).
STIX_NAMESPACE = uuid.UUID("5be51920-e99b-5033-8d6f-5fa7f4fcd71e")
REPORTING_TEAM = "distillwatch Trust & Safety"
# created/modified of the objects shared by every bundle (identity, attack patterns): a change
# of their content must come with a new date here, so consumers take it as a new version.
SHARED_OBJECTS_DATE = datetime(2026, 1, 1, tzinfo=UTC)
# STIX 2.1 confidence scale "None/Low/Med/High" (spec appendix A).
CONFIDENCE = {"low": 15, "moderate": 50, "high": 85}
MAX_TEXT = 200  # bound for customer-typed strings in the bundle

# TLP 2.0 has no STIX 2.1 predefined object; OASIS publishes these (cti-stix-common-objects,
# extension-definition--60a3c5c5-…). AMBER+STRICT has no TLP 1.0 equivalent: AMBER would widen
# the audience, RED narrow it, so it is marked with the published TLP 2.0 object.
_TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_AMBER_STRICT = stix2.MarkingDefinition(
    id="marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    created="2022-10-01T00:00:00.000Z",
    name="TLP:AMBER+STRICT",
    extensions={_TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}},
)
_TLP_MARKINGS: dict[str, stix2.MarkingDefinition] = {
    "TLP:CLEAR": stix2.TLP_WHITE,  # TLP 2.0 renamed WHITE to CLEAR; same disclosure rule
    "TLP:WHITE": stix2.TLP_WHITE,
    "TLP:GREEN": stix2.TLP_GREEN,
    "TLP:AMBER": stix2.TLP_AMBER,
    "TLP:AMBER+STRICT": TLP_AMBER_STRICT,
    "TLP:RED": stix2.TLP_RED,
}
assert set(_TLP_MARKINGS) == set(TLP_LABELS), "a STIX marking for every TLP label of flows.tlp"


def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    return _TLP_MARKINGS[normalize_tlp(tlp)]


def stix_id(object_type: str, *key: str) -> str:
    """``<type>--<uuid5>`` of the key parts; the same parts always give the same id."""
    return f"{object_type}--{uuid.uuid5(STIX_NAMESPACE, chr(31).join((object_type, *key)))}"


def build_stix_bundle(
    evidence: CampaignEvidence, *, tlp: str = "TLP:AMBER", team: str = REPORTING_TEAM
) -> stix2.Bundle:
    label = normalize_tlp(tlp)
    marking = _TLP_MARKINGS[label]
    cid = evidence.campaign_id
    first = _midnight(min(evidence.first_seen, evidence.run_date))
    run = _midnight(evidence.run_date)
    confidence = CONFIDENCE.get(evidence.confidence or "")

    identity = stix2.Identity(
        id=stix_id("identity", team),
        created=SHARED_OBJECTS_DATE,
        modified=SHARED_OBJECTS_DATE,
        name=team,
        identity_class="organization",
        sectors=["technology"],
    )
    # Campaign-scoped objects: stable id, created at first sighting, modified on the run date.
    scoped: dict[str, Any] = {
        "created_by_ref": identity.id,
        "created": first,
        "modified": run,
        "object_marking_refs": [marking.id],
    }
    if confidence is not None:
        scoped["confidence"] = confidence

    campaign = _campaign(evidence, scoped)
    techniques = observed_techniques(evidence)
    patterns = [_attack_pattern(o, identity.id) for o in techniques]
    indicators = campaign_indicators(evidence)
    infrastructure = _infrastructure(evidence, indicators, scoped)
    stix_indicators = [_indicator(evidence, i, scoped) for i in indicators if _pattern(i)]

    relationships: list[stix2.Relationship] = []
    for observed, pattern in zip(techniques, patterns, strict=True):
        relationships.append(_relationship(cid, campaign.id, "uses", pattern.id, scoped, observed.evidence))
    for infra in infrastructure.values():
        relationships.append(_relationship(cid, campaign.id, "uses", infra.id, scoped, None))
    for indicator, stix_indicator in zip(
        [i for i in indicators if _pattern(i)], stix_indicators, strict=True
    ):
        relationships.append(_relationship(cid, stix_indicator.id, "indicates", campaign.id, scoped, None))
        infra = infrastructure.get(indicator.asn) if indicator.asn is not None else None
        if infra is not None:
            relationships.append(_relationship(cid, stix_indicator.id, "indicates", infra.id, scoped, None))

    per_run = {**scoped, "created": run, "modified": run}
    note = _note(evidence, indicators, label, campaign.id, per_run)
    authored: list[Any] = [
        campaign,
        *patterns,
        *infrastructure.values(),
        *stix_indicators,
        *relationships,
    ]
    if note is not None:
        authored.append(note)
    report = stix2.Report(
        id=stix_id("report", cid, evidence.run_date.isoformat()),
        name=f"Distillation campaign {cid}: threat report {evidence.run_date.isoformat()}",
        description=_summary(evidence),
        report_types=["campaign", "threat-report"],
        published=run,
        object_refs=[identity.id, *(o.id for o in authored)],
        **per_run,
    )
    return stix2.Bundle(
        id=stix_id("bundle", cid, evidence.run_date.isoformat()),
        objects=[marking, identity, *authored, report],
        allow_custom=True,
    )


def write_stix_bundle(evidence: CampaignEvidence, out_path: Path, tlp: str = "TLP:AMBER") -> Path:
    """Serialize the bundle to `out_path` (pretty, spec key order, ASCII-only JSON)."""
    bundle = build_stix_bundle(evidence, tlp=tlp)
    return write_atomic(out_path, bundle.serialize(indent=2, sort_keys=True) + "\n")


# --- objects ------------------------------------------------------------------------------------


def _campaign(e: CampaignEvidence, scoped: dict[str, Any]) -> stix2.Campaign:
    targets = [fmt.display_text(c.capability, 40) for c in e.capabilities[:3]]
    objective = (
        "Collect the model's responses at scale"
        + (f", mainly on {', '.join(targets)}" if targets else "")
        + "; the pattern is consistent with gathering training data for a rival model (distillation)."
    )
    custom = {
        "x_distillwatch_status": e.status,
        "x_distillwatch_accounts": e.accounts,
        "x_distillwatch_organizations": e.organizations,
        "x_distillwatch_requests": e.requests,
        "x_distillwatch_output_tokens": e.tokens.output,
    }
    if e.score is not None:
        custom["x_distillwatch_score"] = e.score
    if e.verdict is not None:
        custom["x_distillwatch_verdict"] = e.verdict.verdict
    return stix2.Campaign(
        id=stix_id("campaign", e.campaign_id),
        name=e.campaign_id,
        description=_summary(e),
        first_seen=_midnight(e.first_seen),
        last_seen=_midnight(max(e.last_seen, e.first_seen)),
        objective=objective,
        allow_custom=True,
        **custom,
        **scoped,
    )


def _attack_pattern(observed: ObservedTechnique, identity_id: str) -> stix2.AttackPattern:
    t = observed.technique
    return stix2.AttackPattern(
        id=stix_id("attack-pattern", "mitre-atlas", t.id),
        created=SHARED_OBJECTS_DATE,
        modified=SHARED_OBJECTS_DATE,
        created_by_ref=identity_id,
        name=t.name,
        description=t.summary,
        external_references=[{"source_name": "mitre-atlas", "external_id": t.id, "url": t.url}],
        kill_chain_phases=[{"kill_chain_name": "mitre-atlas", "phase_name": t.phase_name}],
    )


def _infrastructure(
    e: CampaignEvidence, indicators: list[CampaignIndicator], scoped: dict[str, Any]
) -> dict[int, stix2.Infrastructure]:
    """One object per proxy/hosting network: those the campaign used, and those of indicators."""
    networks: dict[int, tuple[str | None, int, int]] = {}  # asn → (type, prefixes, accounts)
    for n in e.networks:
        if n.asn_type in ("hosting", "proxy"):
            networks[n.asn] = (n.asn_type, n.prefixes, n.accounts)
    for i in indicators:
        if i.asn is not None and i.asn not in networks and i.asn_type in ("hosting", "proxy"):
            networks[i.asn] = (i.asn_type, 1, i.accounts)
    out: dict[int, stix2.Infrastructure] = {}
    for asn in sorted(networks):
        kind, prefixes, accounts = networks[asn]
        # Proxies hide where requests come from; hosting is where the harvest runs and the
        # answers land (STIX has no closer infrastructure type for it).
        types = ["anonymization"] if kind == "proxy" else ["exfiltration"]
        out[asn] = stix2.Infrastructure(
            id=stix_id("infrastructure", e.campaign_id, "asn", str(asn)),
            name=f"AS{asn} {kind} network used by {e.campaign_id}",
            description=(
                f"{kind.capitalize() if kind else 'Unknown'} network AS{asn}: "
                f"{counted(prefixes, 'client prefix', 'client prefixes')}, "
                f"{counted(accounts, 'campaign account')}."
            ),
            infrastructure_types=types,
            **scoped,
        )
    return out


def _pattern(i: CampaignIndicator) -> str | None:
    """The STIX pattern of an indicator with a standard observable; None for the others."""
    if i.kind == "ip_prefix":
        version = ipaddress.ip_network(i.value, strict=False).version
        return f"[ipv{version}-addr:value ISSUBSET {_literal(i.value)}]"
    if i.kind == "asn":
        return f"[autonomous-system:number = {int(i.value)}]"
    if i.kind == "email_domain":
        return f"[email-addr:value LIKE {_literal('%@' + i.value)}]"
    return None


def _literal(value: str) -> str:
    """A STIX pattern string literal (values are validated upstream; escape anyway)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _indicator(e: CampaignEvidence, i: CampaignIndicator, scoped: dict[str, Any]) -> stix2.Indicator:
    pattern = _pattern(i)
    assert pattern is not None  # callers filter on _pattern
    if i.kind == "ip_prefix":
        name = f"{(i.asn_type or 'network').capitalize()} prefix {i.value} used by {e.campaign_id}"
        types = ["anonymization"] if i.asn_type == "proxy" else ["malicious-activity"]
        what = "Client prefix dedicated to the campaign (its accounts are most accounts seen on it)"
    elif i.kind == "asn":
        name = f"Proxy network AS{i.value} used by {e.campaign_id}"
        types = ["anonymization"]
        what = "Commercial proxy network the campaign's traffic came through; shared with other users"
    else:
        name = f"Sign-up e-mail domain {i.value} of {e.campaign_id}"
        types = ["attribution"]
        what = "E-mail domain shared by several of the campaign's accounts"
    return stix2.Indicator(
        id=stix_id("indicator", e.campaign_id, i.kind, i.value),
        name=name,
        description=f"{what}; {counted(i.accounts, 'campaign account')}.",
        indicator_types=types,
        pattern=pattern,
        pattern_type="stix",
        valid_from=_midnight(e.first_seen),
        **scoped,
    )


def _relationship(
    cid: str,
    source: str,
    relationship_type: str,
    target: str,
    scoped: dict[str, Any],
    description: str | None,
) -> stix2.Relationship:
    extra = {} if description is None else {"description": description}
    return stix2.Relationship(
        id=stix_id("relationship", cid, relationship_type, source, target),
        relationship_type=relationship_type,
        source_ref=source,
        target_ref=target,
        **extra,
        **scoped,
    )


def _note(
    e: CampaignEvidence,
    indicators: list[CampaignIndicator],
    tlp: str,
    campaign_id: str,
    per_run: dict[str, Any],
) -> stix2.Note | None:
    hashes = [i for i in indicators if _pattern(i) is None]
    accounts = e.top_accounts if tlp in ACCOUNT_DETAIL_TLPS else ()
    if not hashes and not accounts:
        return None
    lines = [
        "Identifiers shared by several of the campaign's accounts that no standard STIX "
        "observable describes. They are hashes computed by our pipeline: matchable only by "
        "partners applying the same normalization."
    ]
    lines += [f"- {i.kind}: {i.value} ({counted(i.accounts, 'account')})" for i in hashes]
    custom: dict[str, Any] = {
        "x_distillwatch_identifiers": [
            {"kind": i.kind, "value": i.value, "accounts": i.accounts} for i in hashes
        ]
    }
    if accounts:
        lines.append(f"Top {len(accounts)} accounts by requests are in x_distillwatch_accounts.")
        custom["x_distillwatch_accounts"] = [_account_entry(a) for a in accounts]
    return stix2.Note(
        id=stix_id("note", e.campaign_id, "linking-identifiers", e.run_date.isoformat()),
        abstract=f"Linking identifiers of {e.campaign_id}",
        content="\n".join(lines),
        object_refs=[campaign_id],
        allow_custom=True,
        **custom,
        **per_run,
    )


def _account_entry(account: TopAccount) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "account_id": _bounded(account.account_id),
        "organization_id": _bounded(account.organization_id),
        "requests": account.requests,
    }
    # Customer-typed: kept as data (a JSON string), bounded, never interpreted. Absent rather
    # than null when unknown: STIX does not allow null property values.
    if account.organization_name is not None:
        entry["organization_name"] = _bounded(account.organization_name)
    return entry


def _summary(e: CampaignEvidence) -> str:
    text = (
        f"{e.status.capitalize()} distillation campaign: {counted(e.accounts, 'account')} in "
        f"{counted(e.organizations, 'organization')} sent {counted(e.requests, 'request')} "
        f"({fmt.compact(e.tokens.output)} output tokens) between {e.first_seen.isoformat()} and "
        f"{e.last_seen.isoformat()}."
    )
    if e.confidence_statement:
        text += " " + e.confidence_statement
    return text


def _bounded(value: str) -> str:
    return value[:MAX_TEXT]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)
