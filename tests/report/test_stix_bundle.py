"""STIX bundle, ATLAS mapping, indicators and recommended actions, from hand-built evidence.

`make_evidence` (`tests.factories.make_campaign_evidence`) is one campaign with everything
present (proxy and hosting networks, shared templates and payment, a creation burst, a
research-pathway majority, fired signals) and hostile customer text: an organization name with
markup, a bidi override and quotes, and an e-mail domain that tries to break out of a STIX
pattern. Tests remove pieces with `dataclasses.replace` to show each output appears only with
its evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import stix2
from factories import (
    HOSTILE_DOMAIN,
    HOSTILE_ORG,
    campaign_signal,
    make_campaign_evidence,
)

from flows.report import atlas
from flows.report.evidence import (
    CampaignEvidence,
    CapabilityUse,
    Count,
    LinkingIdentifier,
    NetworkUse,
    PrefixUse,
    Verdict,
)
from flows.report.indicators import (
    campaign_indicators,
    canonical_domain,
    canonical_prefix,
    defang,
    recommended_actions,
)
from flows.report.stix_bundle import (
    build_stix_bundle,
    normalize_tlp,
    stix_id,
    write_stix_bundle,
)

TLP_1_IDS = {m.id for m in (stix2.TLP_WHITE, stix2.TLP_GREEN, stix2.TLP_AMBER, stix2.TLP_RED)}
# The evidence factory is shared with the campaign-report tests.
make_evidence = make_campaign_evidence
_signal = campaign_signal


def bare_evidence(**overrides: Any) -> CampaignEvidence:
    """The same campaign with no supporting evidence beyond its accounts and traffic."""
    return make_evidence(
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


def roundtrip(bundle: stix2.Bundle) -> tuple[str, stix2.Bundle]:
    text = bundle.serialize(pretty=True)
    return text, stix2.parse(text, allow_custom=True)


def referenced_ids(obj: Any) -> Iterator[str]:
    """Every id an object (or nested dict/list) refers to through *_ref / *_refs."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key.endswith("_ref") and isinstance(value, str):
                yield value
            elif key.endswith("_refs") and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from referenced_ids(value)
    elif isinstance(obj, list):
        for item in obj:
            yield from referenced_ids(item)


def objects_of(bundle_json: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in json.loads(bundle_json)["objects"] if o["type"] == kind]


# --- the bundle ---------------------------------------------------------------------------------


def test_bundle_round_trips_and_every_reference_resolves() -> None:
    text, parsed = roundtrip(build_stix_bundle(make_evidence(), tlp="TLP:AMBER"))
    assert isinstance(parsed, stix2.Bundle)
    raw = json.loads(text)
    ids = {o["id"] for o in raw["objects"]}
    assert len(ids) == len(raw["objects"]), "duplicate ids in the bundle"
    refs = set(referenced_ids(raw["objects"]))
    assert refs, "a bundle without references checks nothing"
    assert refs <= ids | TLP_1_IDS, f"dangling references: {sorted(refs - ids - TLP_1_IDS)}"
    # The report names every object but the markings and itself.
    (report,) = objects_of(text, "report")
    expected = {o["id"] for o in raw["objects"] if o["type"] not in ("marking-definition", "report")}
    assert set(report["object_refs"]) == expected
    kinds = ("identity", "campaign", "attack-pattern", "infrastructure", "indicator", "relationship", "note")
    for kind in kinds:
        assert objects_of(text, kind), f"no {kind} in the bundle"


def test_campaign_objects_carry_the_marking_and_dates_from_the_evidence() -> None:
    text, _ = roundtrip(build_stix_bundle(make_evidence(), tlp="TLP:AMBER"))
    (campaign,) = objects_of(text, "campaign")
    assert campaign["name"] == "DW-2026-03-04-1a2b3c4d"
    assert campaign["first_seen"] == "2026-03-04T00:00:00Z"
    assert campaign["last_seen"] == "2026-03-10T00:00:00Z"
    assert campaign["created"] == "2026-03-04T00:00:00.000Z"
    assert campaign["modified"] == "2026-03-10T00:00:00.000Z"
    assert campaign["confidence"] == 50
    assert campaign["x_distillwatch_status"] == "growing"
    assert "agentic_coding" in campaign["objective"]
    for obj in json.loads(text)["objects"]:
        if obj["type"] in ("marking-definition", "identity", "attack-pattern"):
            assert "object_marking_refs" not in obj  # shared objects say nothing about the campaign
        else:
            assert obj["object_marking_refs"] == [stix2.TLP_AMBER.id], obj["type"]


def test_attack_patterns_carry_the_atlas_ids_of_observed_techniques() -> None:
    text, _ = roundtrip(build_stix_bundle(make_evidence(), tlp="TLP:AMBER"))
    patterns = objects_of(text, "attack-pattern")
    refs = {p["external_references"][0]["external_id"]: p for p in patterns}
    assert set(refs) == {
        "AML.T0008.005",
        "AML.T0021",
        "AML.T0065",
        "AML.T0040",
        "AML.T0024.002",
        "AML.T0005.001",
        "AML.T0048.004",
    }
    for technique_id, pattern in refs.items():
        (ref,) = pattern["external_references"]
        assert ref == {
            "source_name": "mitre-atlas",
            "external_id": technique_id,
            "url": f"https://atlas.mitre.org/techniques/{technique_id}",
        }
        assert pattern["kill_chain_phases"][0]["kill_chain_name"] == "mitre-atlas"
    uses = [
        r
        for r in objects_of(text, "relationship")
        if r["relationship_type"] == "uses" and r["target_ref"].startswith("attack-pattern--")
    ]
    assert {r["target_ref"] for r in uses} == {p["id"] for p in patterns}
    by_target = {r["target_ref"]: r for r in uses}
    proxies = by_target[refs["AML.T0008.005"]["id"]]
    assert "85.0% of the campaign's 100,000 requests" in proxies["description"]


def test_indicator_patterns_use_standard_observables_only() -> None:
    text, parsed = roundtrip(build_stix_bundle(make_evidence(), tlp="TLP:AMBER"))
    patterns = sorted(o["pattern"] for o in objects_of(text, "indicator"))
    assert patterns == sorted(
        [
            "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
            "[ipv6-addr:value ISSUBSET '2001:db8:1::/48']",
            "[autonomous-system:number = 64500]",
            "[email-addr:value LIKE '%@harvest-labs.example']",
        ]
    )
    # stix2 validated each pattern on creation; validate them again from the parsed JSON.
    for obj in parsed.objects:
        if obj.type == "indicator":
            stix2.Indicator(pattern=obj.pattern, pattern_type="stix", valid_from=obj.valid_from)
    # The hostile domain never became a pattern, and the shared/ISP prefixes are not indicators,
    # nor is anything mostly used by unrelated accounts (public template, university domain).
    assert "0.0.0.0/0" not in text
    assert "tpl-public" not in text and "university.example" not in text
    assert "198.51.100.0/24" not in text and "192.0.2.0/24" not in text


def test_indicators_indicate_the_campaign_and_their_network() -> None:
    text, _ = roundtrip(build_stix_bundle(make_evidence(), tlp="TLP:AMBER"))
    (campaign,) = objects_of(text, "campaign")
    infra = {o["name"].split()[0]: o for o in objects_of(text, "infrastructure")}
    assert set(infra) == {"AS64500", "AS64501", "AS64502"}  # proxy/hosting only, not the ISP
    assert infra["AS64500"]["infrastructure_types"] == ["anonymization"]
    indicators = {o["pattern"]: o["id"] for o in objects_of(text, "indicator")}
    edges = {
        (r["source_ref"], r["relationship_type"], r["target_ref"]) for r in objects_of(text, "relationship")
    }
    for indicator_id in indicators.values():
        assert (indicator_id, "indicates", campaign["id"]) in edges
    v4 = indicators["[ipv4-addr:value ISSUBSET '203.0.113.0/24']"]
    assert (v4, "indicates", infra["AS64500"]["id"]) in edges
    for network in infra.values():
        assert (campaign["id"], "uses", network["id"]) in edges


def test_hostile_text_stays_a_plain_string_value() -> None:
    text, parsed = roundtrip(build_stix_bundle(make_evidence(), tlp="TLP:AMBER"))
    (note,) = [o for o in parsed.objects if o.type == "note"]
    names = [a.get("organization_name") for a in note.x_distillwatch_accounts]
    assert names == [HOSTILE_ORG, "Benign Name GmbH", None]  # exact values, as data
    assert "null" not in text  # STIX forbids null values: unknown names are left out
    assert "\u202e" not in text  # serialized ASCII-only: the override is an escape, not a char
    assert "\\u202e" in text
    hashes = {(i["kind"], i["value"]) for i in note.x_distillwatch_identifiers}
    assert ("payment_fingerprint", "pay-7f3a") in hashes
    assert ("prompt_template", "tpl-00042") in hashes


def test_same_evidence_gives_byte_identical_json(tmp_path: Path) -> None:
    first = write_stix_bundle(make_evidence(), tmp_path / "a" / "bundle.json", "TLP:AMBER")
    second = write_stix_bundle(make_evidence(), tmp_path / "b" / "bundle.json", "TLP:AMBER")
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["id"] == stix_id("bundle", "DW-2026-03-04-1a2b3c4d", "2026-03-10")


def test_different_campaigns_get_different_ids_and_share_only_common_objects() -> None:
    a = json.loads(build_stix_bundle(make_evidence(), tlp="TLP:AMBER").serialize())
    other = make_evidence(campaign_id="DW-2026-03-04-99999999")
    b = json.loads(build_stix_bundle(other, tlp="TLP:AMBER").serialize())
    shared = {o["id"] for o in a["objects"]} & {o["id"] for o in b["objects"]}
    kinds = {i.split("--")[0] for i in shared}
    assert kinds == {"marking-definition", "identity", "attack-pattern"}
    assert a["id"] != b["id"]


def test_next_day_keeps_campaign_ids_but_versions_them() -> None:
    today = json.loads(build_stix_bundle(make_evidence(), tlp="TLP:AMBER").serialize())
    tomorrow = json.loads(
        build_stix_bundle(make_evidence(run_date=date(2026, 3, 11)), tlp="TLP:AMBER").serialize()
    )
    (c1,) = [o for o in today["objects"] if o["type"] == "campaign"]
    (c2,) = [o for o in tomorrow["objects"] if o["type"] == "campaign"]
    assert c1["id"] == c2["id"] and c1["created"] == c2["created"]
    assert c2["modified"] > c1["modified"]
    r1 = next(o for o in today["objects"] if o["type"] == "report")
    r2 = next(o for o in tomorrow["objects"] if o["type"] == "report")
    assert r1["id"] != r2["id"]


@pytest.mark.parametrize(
    ("tlp", "marking_id"),
    [
        ("TLP:CLEAR", stix2.TLP_WHITE.id),
        ("tlp:green", stix2.TLP_GREEN.id),
        ("amber", stix2.TLP_AMBER.id),
        ("TLP:AMBER+STRICT", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        ("TLP:RED", stix2.TLP_RED.id),
    ],
)
def test_tlp_maps_to_a_marking_in_the_bundle(tlp: str, marking_id: str) -> None:
    text, _ = roundtrip(build_stix_bundle(make_evidence(), tlp=tlp))
    markings = objects_of(text, "marking-definition")
    assert [m["id"] for m in markings] == [marking_id]
    (campaign,) = objects_of(text, "campaign")
    assert campaign["object_marking_refs"] == [marking_id]


def test_account_detail_only_under_amber_or_stricter() -> None:
    cases = (("TLP:AMBER", True), ("TLP:RED", True), ("TLP:GREEN", False), ("TLP:CLEAR", False))
    for tlp, has_accounts in cases:
        text, _ = roundtrip(build_stix_bundle(make_evidence(), tlp=tlp))
        (note,) = objects_of(text, "note")
        assert ("x_distillwatch_accounts" in note) is has_accounts, tlp
        assert ("acct-0001" in text) is has_accounts, tlp


def test_unknown_tlp_fails_closed() -> None:
    with pytest.raises(ValueError, match="unknown TLP"):
        build_stix_bundle(make_evidence(), tlp="TLP:PURPLE")
    assert normalize_tlp(" tlp:amber+strict ") == "TLP:AMBER+STRICT"


def test_bare_campaign_has_no_infrastructure_indicators_or_note() -> None:
    text, _ = roundtrip(build_stix_bundle(bare_evidence(top_accounts=()), tlp="TLP:AMBER"))
    assert not objects_of(text, "indicator")
    assert not objects_of(text, "infrastructure")
    assert not objects_of(text, "note")
    ids = {p["external_references"][0]["external_id"] for p in objects_of(text, "attack-pattern")}
    assert ids == {"AML.T0040"}  # inference-API access is all the bare evidence shows


# --- ATLAS -------------------------------------------------------------------------------------


def test_atlas_catalogue() -> None:
    ids = [t.id for t in atlas.TECHNIQUES]
    assert ids == [
        "AML.T0008.005",
        "AML.T0021",
        "AML.T0065",
        "AML.T0040",
        "AML.T0024.002",
        "AML.T0005.001",
        "AML.T0048.004",
    ]
    names = {t.id: t.name for t in atlas.TECHNIQUES}
    assert names["AML.T0024.002"] == "Extract AI Model"
    assert names["AML.T0005.001"] == "Train Proxy via Replication"
    assert atlas.TECHNIQUES[0].url == "https://atlas.mitre.org/techniques/AML.T0008.005"


def test_atlas_sentences_are_hedged_and_carry_the_figures() -> None:
    found = {o.technique.id: o.evidence for o in atlas.observed_techniques(make_evidence())}
    assert "consistent with access through proxy services" in found["AML.T0008.005"]
    assert "median of 3.5 IP prefixes per active day" in found["AML.T0008.005"]
    assert "The campaign spans 12 accounts across 6 organizations" in found["AML.T0021"]
    assert "8 of them were created on 2026-03-01" in found["AML.T0021"]
    assert "62.0% of requests asked for step-by-step reasoning" in found["AML.T0065"]
    assert "100,000 requests to 2 models" in found["AML.T0040"]
    assert "70.0% of requests targeted agentic_coding (7.0×" in found["AML.T0024.002"]
    assert found["AML.T0005.001"].startswith("We assess with moderate confidence")
    assert "not an observation" in found["AML.T0005.001"]
    assert found["AML.T0048.004"].startswith("We assess with moderate confidence")


def test_atlas_outcomes_need_their_evidence() -> None:
    low = {o.technique.id for o in atlas.observed_techniques(make_evidence(confidence="low"))}
    assert "AML.T0048.004" not in low and "AML.T0005.001" in low
    confirmed = make_evidence(confidence="low", verdict=Verdict("confirmed", "analyst-1", date(2026, 3, 9)))
    found = {o.technique.id: o.evidence for o in atlas.observed_techniques(confirmed)}
    assert "An analyst confirmed the campaign on 2026-03-09." in found["AML.T0048.004"]
    # Without templates or elicitation, no prompt crafting and so no replication either.
    # A popular public template (mostly other accounts') is not a prepared prompt set.
    public_only = (LinkingIdentifier("prompt_template", "tpl-public", 10, 6, 5000),)
    no_prompts = make_evidence(
        linking=public_only,
        cot_elicitation_requests=0,
        grader_prompt_requests=0,
        signals=tuple(s for s in make_evidence().signals if s.family != "harvesting"),
    )
    ids = {o.technique.id for o in atlas.observed_techniques(no_prompts)}
    assert "AML.T0065" not in ids and "AML.T0005.001" not in ids
    assert "AML.T0024.002" in ids  # targeting alone (70% at 7x lift) still shows extraction


def test_extraction_wording_follows_the_targeting() -> None:
    spread = make_evidence(
        capabilities=(CapabilityUse("coding", 34_000, 0.34, 0.22, 1.5),),
        signals=(_signal("output_input_ratio", "harvesting", 4.5, 2.0, 1),),
    )
    found = {o.technique.id: o.evidence for o in atlas.observed_techniques(spread)}
    assert found["AML.T0024.002"].startswith("The largest share of requests (34.0%) was on coding")
    assert "targeted" not in found["AML.T0024.002"]
    assert "acquire the model's capabilities" in found["AML.T0048.004"]
    nothing = make_evidence(capabilities=(CapabilityUse("coding", 34_000, 0.34, 0.22, 1.5),), signals=())
    assert "AML.T0024.002" not in {o.technique.id for o in atlas.observed_techniques(nothing)}


# --- indicators and defanging ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.0/24", "203.0.113[.]0/24"),
        ("203.0.113.7", "203.0.113[.]7"),
        ("2001:db8::/48", "2001[:]db8[:][:]/48"),
        ("example.com", "example[.]com"),
        ("mail.example.com", "mail[.]example[.]com"),
        ("user@example.com", "user[@]example[.]com"),
        ("203.0.113[.]0/24", "203.0.113[.]0/24"),  # idempotent
        ("example[.]com", "example[.]com"),
    ],
)
def test_defang(value: str, expected: str) -> None:
    assert defang(value) == expected


def test_canonical_values_reject_what_does_not_parse() -> None:
    assert canonical_prefix("203.0.113.7/24") == "203.0.113.0/24"
    assert canonical_prefix("2001:DB8:1::/48") == "2001:db8:1::/48"
    assert canonical_prefix("203.0.113.0/24' OR 1=1") is None
    assert canonical_domain("Harvest-Labs.Example.") == "harvest-labs.example"
    assert canonical_domain(HOSTILE_DOMAIN) is None
    assert canonical_domain("203.0.113.7") is None
    assert canonical_domain("under_score.example") is None  # `_` is a LIKE wildcard


def test_campaign_indicators() -> None:
    found = [(i.kind, i.value, i.defanged, i.accounts) for i in campaign_indicators(make_evidence())]
    assert found == [
        ("ip_prefix", "203.0.113.0/24", "203.0.113[.]0/24", 9),
        ("ip_prefix", "2001:db8:1::/48", "2001[:]db8[:]1[:][:]/48", 4),
        ("asn", "64500", "AS64500", 9),
        ("email_domain", "harvest-labs.example", "harvest-labs[.]example", 5),
        ("prompt_template", "tpl-00042", "tpl-00042", 11),
        ("prompt_template", "tpl-00043", "tpl-00043", 7),
        ("system_prompt", "sys-9", "sys-9", 6),
        ("payment_fingerprint", "pay-7f3a", "pay-7f3a", 8),
    ]


# --- recommended actions ------------------------------------------------------------------------


def test_recommended_actions_with_full_evidence() -> None:
    actions = {a.kind: a for a in recommended_actions(make_evidence())}
    assert list(actions) == ["ban_accounts", "block_prefixes", "reverify_pathway", "share_indicators"]
    assert "after an analyst has reviewed" in actions["ban_accounts"].title  # moderate confidence
    assert actions["ban_accounts"].targets == ("acct-0001", "acct-0002", "acct-0003")
    assert actions["block_prefixes"].targets == ("203.0.113[.]0/24", "2001[:]db8[:]1[:][:]/48")
    assert "70,000 of the campaign's requests (70.0%)" in actions["block_prefixes"].evidence[0]
    assert actions["reverify_pathway"].targets == ("research",)
    reverify = actions["reverify_pathway"].evidence
    assert "9 of the 12 accounts (75.0%) signed up through the research pathway." in reverify
    assert "8 accounts were created on 2026-03-01." in actions["reverify_pathway"].evidence
    share = actions["share_indicators"]
    assert share.targets == (
        "203.0.113[.]0/24",
        "2001[:]db8[:]1[:][:]/48",
        "AS64500",
        "harvest-labs[.]example",
    )
    assert "10,000 requests arrived through a cloud partner." in share.evidence
    assert share.evidence[0] == "Matchable outside our platform: 2 IP prefixes, 1 proxy ASN, 1 e-mail domain."


def test_recommended_actions_only_with_their_evidence() -> None:
    bare = recommended_actions(bare_evidence())
    assert [a.kind for a in bare] == ["ban_accounts"]
    low = recommended_actions(bare_evidence(confidence="low"))
    assert [a.kind for a in low] == ["review_accounts"]
    high = recommended_actions(bare_evidence(confidence="high"))
    assert high[0].title == "Ban the 12 listed accounts"
    # A research minority without the farming signal is not a reason to re-verify a pathway.
    minority = bare_evidence(signup_pathways=(Count("standard", 8), Count("research", 4)))
    assert "reverify_pathway" not in {a.kind for a in recommended_actions(minority)}
    fired = replace(minority, signals=(_signal("farming_pathways", "farming", 0.34, 0.3, 1),))
    assert "reverify_pathway" in {a.kind for a in recommended_actions(fired)}
    # Hashes alone are not shareable with other providers.
    hashes_only = bare_evidence(linking=(LinkingIdentifier("prompt_template", "tpl-1", 4, 2, 4),))
    assert "share_indicators" not in {a.kind for a in recommended_actions(hashes_only)}
    # Blocking and sharing wait for an analyst exactly as enforcement does.
    low_full = {a.kind: a.title for a in recommended_actions(make_evidence(confidence="low"))}
    assert low_full["review_accounts"] == "Review the 12 listed accounts before any enforcement"
    assert low_full["block_prefixes"] == "Block 2 IP prefixes only once an analyst has confirmed the campaign"
    assert low_full["share_indicators"].endswith("only once an analyst has confirmed the campaign")
    confirmed = make_evidence(confidence="low", verdict=Verdict("confirmed", "analyst-1", date(2026, 3, 9)))
    titles = {a.kind: a.title for a in recommended_actions(confirmed)}
    assert titles["ban_accounts"] == "Ban the 12 listed accounts"
    assert titles["block_prefixes"] == "Block 2 IP prefixes"
    single = recommended_actions(bare_evidence(accounts=1, top_accounts=make_evidence().top_accounts[:1]))
    assert single[0].title == "Ban the 1 listed account after an analyst has reviewed the signals"
    assert single[0].evidence[0] == (
        "1 account in 1 organization is listed in the campaign (score 14, moderate confidence)."
    )
    # A false positive gets no action at all.
    dismissed = make_evidence(verdict=Verdict("false_positive", "analyst-2", date(2026, 3, 9)))
    assert recommended_actions(dismissed) == []
