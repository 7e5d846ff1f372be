"""STIX bundles, from hand-built evidence (ATLAS mapping: test_atlas.py; indicators and
recommended actions: test_indicators.py).

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
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import stix2
from factories import (
    HOSTILE_ORG,
    bare_campaign_evidence,
    campaign_signal,
    make_campaign_evidence,
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
bare_evidence = bare_campaign_evidence


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
