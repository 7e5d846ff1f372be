"""The MITRE ATLAS techniques a distillation report maps behaviour to, and the evidence sentence
for each that we observed.

The mapping follows ATLAS case study AML.CS0056 (model distillation campaigns against a
frontier model): proxy access, account farming, crafted prompt sets, inference-API harvesting,
capability extraction, and the proxy-model training and IP-theft outcomes they serve.

Each technique has a function returning one evidence sentence for a campaign, or None when the
evidence does not show it; a report lists only the techniques with a sentence. Wording follows
published threat-intel style: observations are stated as measured; purposes are hedged
("consistent with"), and outcomes we cannot observe (training a model, economic harm) are
stated as assessments with the campaign's confidence level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flows.detection.signals import known_signal, signals_supporting
from flows.report import fmt
from flows.report.evidence import CampaignEvidence

ATLAS_URL = "https://atlas.mitre.org/techniques/{id}"
# Below these, a share is not worth a technique on its own (the detection signals, when present,
# decide instead; these are the fallbacks for evidence without signals).
CONCEALING_SHARE_MIN = 0.5
TARGET_SHARE_MIN = 0.5
TARGET_LIFT_MIN = 2.0

# The signals that are evidence of each technique: the `atlas` ids of the detection signal spec
# (dbt_project.yml, var detection_signals), so every name here is a signal dbt emits.
PROXY_SIGNALS = signals_supporting("AML.T0008.005")
FARMING_SIGNALS = signals_supporting("AML.T0021")
PROMPT_SIGNALS = signals_supporting("AML.T0065")
EXTRACTION_SIGNALS = signals_supporting("AML.T0024.002")
# Signals read on their own: targeting of capabilities far above the typical account's share,
# and IP rotation (its value goes into the proxy sentence).
CAPABILITY_TARGETING = known_signal("capability_targeting")
IP_CHURN = known_signal("ip_churn")


@dataclass(frozen=True)
class AtlasTechnique:
    id: str
    name: str
    tactic_id: str
    tactic: str
    summary: str  # what the technique is, in our words (the ATLAS page has the full text)
    observe: Callable[[CampaignEvidence], str | None]

    @property
    def url(self) -> str:
        return ATLAS_URL.format(id=self.id)

    @property
    def phase_name(self) -> str:
        """Kill-chain phase name as ATLAS' STIX data spells tactics: lower case, hyphens."""
        return self.tactic.lower().replace(" ", "-")


@dataclass(frozen=True)
class ObservedTechnique:
    technique: AtlasTechnique
    evidence: str


def observed_techniques(evidence: CampaignEvidence) -> list[ObservedTechnique]:
    """The techniques the campaign's evidence shows, in kill-chain order."""
    out = []
    for technique in TECHNIQUES:
        sentence = technique.observe(evidence)
        if sentence is not None:
            out.append(ObservedTechnique(technique, sentence))
    return out


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``1 account`` / ``12 accounts``, with the number formatted like every report figure."""
    return f"{fmt.num(n)} {singular if n == 1 else (plural or singular + 's')}"


def assessment(confidence: str | None) -> str:
    """The hedge that opens every assessed (not observed) statement."""
    level = confidence if confidence in ("low", "moderate", "high") else "low"
    return f"We assess with {level} confidence"


# --- one function per technique ------------------------------------------------------------------


def _ai_service_proxies(e: CampaignEvidence) -> str | None:
    share = e.concealing_share
    if not (e.fired(*PROXY_SIGNALS) or (share is not None and share >= CONCEALING_SHARE_MIN)):
        return None
    networks = [n for n in e.networks if n.asn_type in ("hosting", "proxy")]
    sentence = (
        f"{fmt.pct(share)} of the campaign's {counted(e.requests, 'request')} came from proxy or "
        "hosting networks"
    )
    if networks:
        sentence += f" ({counted(len(networks), 'such autonomous system')})"
    churn = e.signal(IP_CHURN)
    if churn is not None and churn.fired and churn.value is not None:
        sentence += (
            f", and its accounts rotated through a median of {churn.value:.1f} IP prefixes per active day"
        )
    return (
        sentence + ". This is consistent with access through proxy services that relay or resell "
        "model API access and conceal the operator's origin."
    )


def _establish_accounts(e: CampaignEvidence) -> str | None:
    if e.accounts < 2:
        return None
    if not (e.creation_bursts or e.fired(*FARMING_SIGNALS) or e.organizations >= 2):
        return None
    parts = [
        f"The campaign spans {counted(e.accounts, 'account')} across "
        f"{counted(e.organizations, 'organization')}"
    ]
    if (burst := e.largest_creation_burst) is not None:
        parts.append(f"{fmt.num(burst.accounts)} of them were created on {burst.day.isoformat()}")
    unusual = [c for c in e.signup_pathways if c.value not in ("standard", "enterprise", "unknown")]
    if unusual:
        top = max(unusual, key=lambda c: (c.count, c.value))
        parts.append(
            f"{fmt.pct(top.count / e.accounts)} signed up through the "
            f"{fmt.display_text(top.value, 40)} pathway"
        )
    weak = sum(c.count for c in e.verification_levels if c.value in ("none", "email"))
    if weak:
        parts.append(f"{fmt.pct(weak / e.accounts)} are verified by e-mail only or not at all")
    return "; ".join(parts) + ". This is consistent with accounts established for the campaign."


def _prompt_crafting(e: CampaignEvidence) -> str | None:
    # A template shared with many unrelated accounts is a popular public one, not a prepared set.
    templates = [t for t in e.linking_of("prompt_template") if t.is_dedicated]
    if not (templates or e.fired(*PROMPT_SIGNALS)):
        return None
    parts = []
    if templates:
        top = templates[0]
        parts.append(
            f"{counted(len(templates), 'prompt template')} {'was' if len(templates) == 1 else 'were'} "
            "used by several of the campaign's "
            f"accounts and few others (the most shared by {counted(top.accounts, 'account')} in "
            f"{counted(top.organizations, 'organization')})"
        )
    if e.requests and e.cot_elicitation_requests:
        parts.append(
            f"{fmt.pct(e.cot_elicitation_requests / e.requests)} of requests asked for step-by-step reasoning"
        )
    if e.requests and e.grader_prompt_requests:
        parts.append(f"{fmt.pct(e.grader_prompt_requests / e.requests)} were rubric-grading prompts")
    if not parts:
        return None
    body = "; ".join(parts)
    return (
        body[0].upper() + body[1:] + ". This is consistent with a prepared prompt set designed to "
        "elicit the model's reasoning and judgement at scale."
    )


def _inference_api_access(e: CampaignEvidence) -> str | None:
    if e.requests <= 0:
        return None
    sentence = (
        f"The campaign's accounts sent {counted(e.requests, 'request')} to {counted(len(e.models), 'model')}"
    )
    if e.models:
        sentence += f" (mostly {fmt.display_text(e.models[0].model, 60)})"
    channels = [c for c in e.access_channels if c.count > 0]
    if channels:
        shown = ", ".join(
            f"{fmt.display_text(c.value, 30)} {fmt.pct(c.count / e.requests)}" for c in channels[:3]
        )
        sentence += f" through the inference API ({shown})"
    return sentence + f" between {e.first_seen.isoformat()} and {e.last_seen.isoformat()}."


def _targeted_capability(e: CampaignEvidence) -> str | None:
    """The capability the campaign concentrates on, when it clearly does."""
    top = e.capabilities[0] if e.capabilities else None
    if top is None:
        return None
    concentrated = top.share >= TARGET_SHARE_MIN and (top.lift or 0.0) >= TARGET_LIFT_MIN
    if concentrated or e.fired(CAPABILITY_TARGETING):
        return fmt.display_text(top.capability, 40)
    return None


def _extract_model(e: CampaignEvidence) -> str | None:
    top = e.capabilities[0] if e.capabilities else None
    targeted = _targeted_capability(e) is not None
    if top is None or not (targeted or e.fired(*EXTRACTION_SIGNALS)):
        return None
    capability = fmt.display_text(top.capability, 40)
    if targeted:
        sentence = f"{fmt.pct(top.share)} of requests targeted {capability}"
    else:
        sentence = f"The largest share of requests ({fmt.pct(top.share)}) was on {capability}"
    if top.lift is not None:
        sentence += f" ({top.lift:.1f}× its share of all platform traffic)"
    sentence += (
        f", and the responses carried {fmt.compact(e.tokens.output)} output and "
        f"{fmt.compact(e.tokens.thinking)} thinking tokens"
    )
    if e.tokens.input:
        ratio = (e.tokens.output + e.tokens.thinking) / e.tokens.input
        sentence += f" ({ratio:.1f} generated tokens per prompt token)"
    if targeted:
        return (
            sentence + ". This volume and focus are consistent with systematic extraction of the "
            "model's capabilities in that area."
        )
    return (
        sentence + ". This output volume is consistent with systematic extraction of the model's responses."
    )


def _train_proxy_via_replication(e: CampaignEvidence) -> str | None:
    # An outcome we cannot see: mapped only when both halves of a harvest are observed.
    if _prompt_crafting(e) is None or _extract_model(e) is None:
        return None
    target = _targeted_capability(e)
    focus = f", concentrated on {target}" if target else ""
    return (
        f"{assessment(e.confidence)} that the harvest pattern (crafted prompts sent at volume "
        f"from {counted(e.accounts, 'account')}{focus}) is consistent with "
        "collecting training data for a separate model. We have no visibility into how the "
        "outputs are used; this is an assessment, not an observation."
    )


def _ip_theft(e: CampaignEvidence) -> str | None:
    confirmed = e.verdict is not None and e.verdict.verdict == "confirmed"
    if _extract_model(e) is None or not (confirmed or e.confidence in ("moderate", "high")):
        return None
    target = _targeted_capability(e)
    what = f"the model's {target} capabilities" if target else "the model's capabilities"
    sentence = (
        f"{assessment(e.confidence)} that the campaign sought to acquire {what} without bearing "
        "their development cost, contrary to the usage policy."
    )
    if confirmed and e.verdict is not None and e.verdict.verdict_date is not None:
        sentence += f" An analyst confirmed the campaign on {e.verdict.verdict_date.isoformat()}."
    return sentence


RESOURCE_DEVELOPMENT = ("AML.TA0003", "Resource Development")
MODEL_ACCESS = ("AML.TA0000", "AI Model Access")
ATTACK_STAGING = ("AML.TA0001", "AI Attack Staging")
EXFILTRATION = ("AML.TA0010", "Exfiltration")
IMPACT = ("AML.TA0011", "Impact")

TECHNIQUES: tuple[AtlasTechnique, ...] = (
    AtlasTechnique(
        "AML.T0008.005",
        "AI Service Proxies",
        *RESOURCE_DEVELOPMENT,
        "Commercial proxy services that resell or relay access to AI services, used to reach a "
        "model at scale and from places its provider does not serve.",
        _ai_service_proxies,
    ),
    AtlasTechnique(
        "AML.T0021",
        "Establish Accounts",
        *RESOURCE_DEVELOPMENT,
        "Creating accounts with AI services, often many and under varied identities, to gain "
        "and spread access.",
        _establish_accounts,
    ),
    AtlasTechnique(
        "AML.T0065",
        "LLM Prompt Crafting",
        *RESOURCE_DEVELOPMENT,
        "Preparing prompts that make a language model produce the output an adversary wants.",
        _prompt_crafting,
    ),
    AtlasTechnique(
        "AML.T0040",
        "AI Model Inference API Access",
        *MODEL_ACCESS,
        "Using a model's inference API, the legitimate way in, as access for the attack.",
        _inference_api_access,
    ),
    AtlasTechnique(
        "AML.T0024.002",
        "Extract AI Model",
        *EXFILTRATION,
        "Querying a model through its inference API to extract its functionality.",
        _extract_model,
    ),
    AtlasTechnique(
        "AML.T0005.001",
        "Train Proxy via Replication",
        *ATTACK_STAGING,
        "Training a separate model on the target model's outputs so that it mimics the target.",
        _train_proxy_via_replication,
    ),
    AtlasTechnique(
        "AML.T0048.004",
        "AI Intellectual Property Theft",
        *IMPACT,
        "Taking AI artifacts or capabilities to steal intellectual property, causing economic "
        "harm to their owner.",
        _ip_theft,
    ),
)
