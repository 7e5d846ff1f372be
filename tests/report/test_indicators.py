"""Defanged indicators and recommended actions: each appears only with its evidence
(`tests.factories.make_campaign_evidence` with everything present, `bare_campaign_evidence`
with nothing beyond accounts and traffic)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from factories import HOSTILE_DOMAIN, bare_campaign_evidence, campaign_signal, make_campaign_evidence

from flows.report.evidence import Count, LinkingIdentifier, Verdict
from flows.report.indicators import (
    campaign_indicators,
    canonical_domain,
    canonical_prefix,
    defang,
    recommended_actions,
)

make_evidence = make_campaign_evidence
bare_evidence = bare_campaign_evidence
_signal = campaign_signal


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
