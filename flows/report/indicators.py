"""A campaign's indicators (what a firewall, a sign-up check or another provider can match) and
the actions we recommend, each tied to the evidence behind it.

Every indicator value is *parsed and re-serialized* before it is used: an IP prefix goes through
`ipaddress`, an e-mail domain through a strict host-name grammar, a hash through a short
character allow-list. Values that do not parse are left out (and logged), so nothing a customer
typed can reach a STIX pattern, a block list or a link in a report. `defang` is for the
human-readable copies only (PDF, e-mail): ``203.0.113[.]0/24`` cannot be clicked or
auto-linked; machine-readable outputs (STIX) carry the canonical value.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from datetime import date

from flows.report import fmt
from flows.report.atlas import counted
from flows.report.evidence import CampaignEvidence

log = logging.getLogger("distillwatch.report")

# The order indicators are listed in: network first (what most partners can act on).
INDICATOR_KINDS = (
    "ip_prefix",
    "asn",
    "email_domain",
    "prompt_template",
    "system_prompt",
    "payment_fingerprint",
)
# Kinds another provider or a cloud partner can match on its own data. Template, system-prompt
# and payment hashes are computed by our pipeline and mean nothing outside it.
SHAREABLE_KINDS = frozenset({"ip_prefix", "asn", "email_domain"})
# Sign-up pathways that are part of normal business; the others (education, research, startup,
# reseller programmes) are where farmed accounts are cheapest to make.
ORDINARY_PATHWAYS = frozenset({"standard", "enterprise", "unknown"})
WEAK_VERIFICATION = frozenset({"none", "email"})
PATHWAY_MAJORITY = 0.5

_HASH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# At least two labels, a letter-only or punycode TLD (so an IP address is never a "domain").
_DOMAIN = re.compile(rf"(?=.{{4,253}}$)(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")


@dataclass(frozen=True)
class CampaignIndicator:
    kind: str  # one of INDICATOR_KINDS
    value: str  # canonical, validated form (safe inside a STIX pattern)
    defanged: str  # for people: cannot be clicked or auto-linked
    accounts: int  # campaign accounts behind it
    asn: int | None = None  # the network an IP prefix belongs to
    asn_type: str | None = None

    @property
    def shareable(self) -> bool:
        return self.kind in SHAREABLE_KINDS


@dataclass(frozen=True)
class Action:
    kind: str  # ban_accounts / review_accounts / block_prefixes / reverify_pathway / share_indicators
    title: str
    evidence: tuple[str, ...]  # the observations that justify it, one sentence each
    targets: tuple[str, ...]  # what it applies to (account ids, defanged prefixes, a pathway)


# --- canonical values and defanging -------------------------------------------------------------


def canonical_prefix(text: str) -> str | None:
    """``203.0.113.7/24`` → ``203.0.113.0/24``; anything that is not an IP network → None."""
    candidate = text.strip()
    if len(candidate) > 64:
        return None
    try:
        return str(ipaddress.ip_network(candidate, strict=False))
    except ValueError:
        return None


def canonical_domain(text: str) -> str | None:
    """Lower-case host name without a trailing dot, or None when it is not one."""
    candidate = text.strip().lower().rstrip(".")
    return candidate if _DOMAIN.fullmatch(candidate) else None


def canonical_hash(text: str) -> str | None:
    candidate = text.strip()
    return candidate if _HASH.fullmatch(candidate) else None


def refang(text: str) -> str:
    return text.replace("[.]", ".").replace("[:]", ":").replace("[@]", "@")


def defang(value: str) -> str:
    """A copy of an IP, prefix, domain or e-mail address that no reader software links.

    IPv4: the last dot is bracketed (``203.0.113[.]0/24``), the usual threat-report form;
    IPv6: every colon (``2001[:]db8[:][:]/48``); domains: every dot (``mail[.]example[.]com``),
    so no leading part (``example.com`` of ``example.com.evil.test``) stays linkable either;
    e-mail addresses: the ``@`` as well. Idempotent: defanged input is returned unchanged.
    """
    text = refang(value.strip())
    address, slash, length = text.partition("/")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.version == 4:
        head, _, last = address.rpartition(".")
        return f"{head}[.]{last}{slash}{length}"
    if parsed is not None:
        return text.replace(":", "[:]")
    return text.replace(".", "[.]").replace("@", "[@]")


# --- indicators ---------------------------------------------------------------------------------


def campaign_indicators(evidence: CampaignEvidence) -> list[CampaignIndicator]:
    """The campaign's indicators, network first, then by accounts behind them.

    Only what is *dedicated* to the campaign (its accounts are most of the accounts using it):
    a hosting prefix behind a shared cloud NAT, a university's e-mail domain or a popular public
    template also belong to unrelated customers, and acting on them would hit those too.
    ASNs: commercial proxy networks only; blocking a hosting ASN would block a cloud.
    """
    found: dict[tuple[str, str], CampaignIndicator] = {}

    def add(indicator: CampaignIndicator) -> None:
        key = (indicator.kind, indicator.value)
        known = found.get(key)
        if known is None or indicator.accounts > known.accounts:
            found[key] = indicator

    for prefix in evidence.dedicated_prefixes:
        if not (prefix.is_concealing and prefix.is_dedicated):
            continue
        value = canonical_prefix(prefix.ip_prefix)
        if value is None:
            log.warning("campaign %s: skipped an IP prefix that does not parse", evidence.campaign_id)
            continue
        add(
            CampaignIndicator("ip_prefix", value, defang(value), prefix.accounts, prefix.asn, prefix.asn_type)
        )
    for network in evidence.networks:
        if network.asn_type == "proxy" and 0 < network.asn < 2**32:
            value = str(network.asn)
            add(
                CampaignIndicator("asn", value, f"AS{value}", network.accounts, network.asn, network.asn_type)
            )
    for link in evidence.linking:
        if not link.is_dedicated:
            continue
        if link.kind == "email_domain":
            value = canonical_domain(link.value)
            shown = None if value is None else defang(value)
        elif link.kind in ("prompt_template", "system_prompt", "payment_fingerprint"):
            value = canonical_hash(link.value)
            shown = value
        else:
            continue  # shared IP prefixes are covered (with their dedication check) above
        if value is None or shown is None:
            log.warning("campaign %s: skipped a %s that does not parse", evidence.campaign_id, link.kind)
            continue
        add(CampaignIndicator(link.kind, value, shown, link.accounts))
    order = {kind: i for i, kind in enumerate(INDICATOR_KINDS)}
    return sorted(found.values(), key=lambda i: (order[i.kind], -i.accounts, i.value))


# --- recommended actions ------------------------------------------------------------------------


def recommended_actions(evidence: CampaignEvidence) -> list[Action]:
    """What we recommend, only where the evidence for it exists; none for a false positive."""
    if evidence.verdict is not None and evidence.verdict.verdict == "false_positive":
        return []
    indicators = campaign_indicators(evidence)
    actions = [
        _account_action(evidence),
        _block_prefixes(evidence),
        _reverify_pathway(evidence),
        _share_indicators(evidence, indicators),
    ]
    return [a for a in actions if a is not None]


def _is_confirmed(e: CampaignEvidence) -> bool:
    return e.verdict is not None and e.verdict.verdict == "confirmed"


def _condition(e: CampaignEvidence) -> str:
    """When an enforcement or sharing step may happen, by confidence (detection's wording:
    moderate = review the signals first, low = analyst review required before any action)."""
    if _is_confirmed(e) or e.confidence == "high":
        return ""
    if e.confidence == "moderate":
        return " after an analyst has reviewed the signals"
    return " only once an analyst has confirmed the campaign"


def _account_action(e: CampaignEvidence) -> Action | None:
    if e.accounts <= 0:
        return None
    facts = [
        f"{counted(e.accounts, 'account')} in {counted(e.organizations, 'organization')} "
        f"{'is' if e.accounts == 1 else 'are'} listed in the campaign (score {_score(e.score)}, "
        f"{e.confidence or 'unknown'} confidence)."
    ]
    if _is_confirmed(e) and e.verdict is not None:
        facts.append(f"An analyst confirmed the campaign on {_day(e.verdict.verdict_date)}.")
    shared = [link for link in e.linking if link.kind != "ip_prefix" and link.is_dedicated]
    if shared:
        facts.append(
            f"They share {counted(len(shared), 'identifier')} (payment instruments, prompt "
            "templates, system prompts or e-mail domains) that few other accounts use."
        )
    targets = tuple(a.account_id for a in e.top_accounts)
    listed = f"the {counted(e.accounts, 'listed account')}"
    if _is_confirmed(e) or e.confidence in ("high", "moderate"):
        return Action("ban_accounts", f"Ban {listed}{_condition(e)}", tuple(facts), targets)
    return Action("review_accounts", f"Review {listed} before any enforcement", tuple(facts), targets)


def _block_prefixes(e: CampaignEvidence) -> Action | None:
    blockable = [
        p
        for p in e.dedicated_prefixes
        if p.is_concealing and p.is_dedicated and canonical_prefix(p.ip_prefix) is not None
    ]
    if not blockable:
        return None
    requests = sum(p.requests for p in blockable)
    share = requests / e.requests if e.requests else None
    facts = (
        f"{counted(len(blockable), 'hosting or proxy prefix', 'hosting or proxy prefixes')} "
        f"carried {fmt.num(requests)} of the campaign's requests ({fmt.pct(share)}).",
        "The campaign's accounts are at least half of all accounts seen on each of them, so a "
        "block mostly affects the campaign.",
    )
    targets = tuple(defang(canonical_prefix(p.ip_prefix) or "") for p in blockable)
    title = f"Block {counted(len(blockable), 'IP prefix', 'IP prefixes')}{_condition(e)}"
    return Action("block_prefixes", title, facts, targets)


def _reverify_pathway(e: CampaignEvidence) -> Action | None:
    if e.accounts <= 0:
        return None
    candidates = [c for c in e.signup_pathways if c.value not in ORDINARY_PATHWAYS and c.count > 0]
    if not candidates:
        return None
    top = max(candidates, key=lambda c: (c.count, c.value))
    share = top.count / e.accounts
    if not (share >= PATHWAY_MAJORITY or e.fired("farming_pathways")):
        return None
    pathway = fmt.display_text(top.value, 40)
    facts = [
        f"{fmt.num(top.count)} of the {counted(e.accounts, 'account')} ({fmt.pct(share)}) signed "
        f"up through the {pathway} pathway."
    ]
    weak = sum(c.count for c in e.verification_levels if c.value in WEAK_VERIFICATION)
    if weak:
        facts.append(
            f"{counted(weak, 'account')} {'is' if weak == 1 else 'are'} verified by e-mail only "
            "or not at all."
        )
    if (burst := e.largest_creation_burst) is not None:
        facts.append(f"{counted(burst.accounts, 'account')} were created on {burst.day.isoformat()}.")
    return Action(
        "reverify_pathway",
        f"Re-verify accounts created through the {pathway} sign-up pathway",
        tuple(facts),
        (top.value,),
    )


def _share_indicators(e: CampaignEvidence, indicators: list[CampaignIndicator]) -> Action | None:
    shareable = [i for i in indicators if i.shareable]
    if not shareable:
        return None
    by_kind = {
        kind: sum(1 for i in shareable if i.kind == kind) for kind in ("ip_prefix", "asn", "email_domain")
    }
    labels = {
        "ip_prefix": ("IP prefix", "IP prefixes"),
        "asn": ("proxy ASN", "proxy ASNs"),
        "email_domain": ("e-mail domain", "e-mail domains"),
    }
    listed = ", ".join(f"{fmt.num(n)} {labels[k][n != 1]}" for k, n in by_kind.items() if n)
    facts = [f"Matchable outside our platform: {listed}."]
    cloud = next((c for c in e.access_channels if c.value == "cloud_partner" and c.count > 0), None)
    if cloud is not None:
        facts.append(f"{counted(cloud.count, 'request')} arrived through a cloud partner.")
    # Sharing names customers' infrastructure to third parties: same bar as enforcement.
    audience = "other model providers and cloud partners"
    return Action(
        "share_indicators",
        f"Share {counted(len(shareable), 'indicator')} with {audience} within the report's TLP"
        f"{_condition(e)}",
        tuple(facts),
        tuple(i.defanged for i in shareable),
    )


def _score(score: float | None) -> str:
    return fmt.MISSING if score is None else f"{score:g}"


def _day(value: date | None) -> str:
    return fmt.MISSING if value is None else value.isoformat()
