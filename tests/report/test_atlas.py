"""The MITRE ATLAS mapping: which techniques a campaign's evidence shows, in hedged sentences
that carry the figures (`tests.factories.make_campaign_evidence`, pieces removed with
`dataclasses.replace`-style overrides to show each technique needs its evidence)."""

from __future__ import annotations

from datetime import date

from factories import campaign_signal, make_campaign_evidence

from flows.report import atlas
from flows.report.evidence import CapabilityUse, LinkingIdentifier, Verdict

make_evidence = make_campaign_evidence
_signal = campaign_signal


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
        signals=tuple(s for s in make_evidence().signals if s.family not in ("extraction", "targeting")),
    )
    ids = {o.technique.id for o in atlas.observed_techniques(no_prompts)}
    assert "AML.T0065" not in ids and "AML.T0005.001" not in ids
    assert "AML.T0024.002" in ids  # targeting alone (70% at 7x lift) still shows extraction


def test_extraction_wording_follows_the_targeting() -> None:
    spread = make_evidence(
        capabilities=(CapabilityUse("coding", 34_000, 0.34, 0.22, 1.5),),
        signals=(_signal("output_input_ratio", "targeting", 4.5, 2.0, 1),),
    )
    found = {o.technique.id: o.evidence for o in atlas.observed_techniques(spread)}
    assert found["AML.T0024.002"].startswith("The largest share of requests (34.0%) was on coding")
    assert "targeted" not in found["AML.T0024.002"]
    assert "acquire the model's capabilities" in found["AML.T0048.004"]
    nothing = make_evidence(capabilities=(CapabilityUse("coding", 34_000, 0.34, 0.22, 1.5),), signals=())
    assert "AML.T0024.002" not in {o.technique.id for o in atlas.observed_techniques(nothing)}


def test_the_capability_targeting_signal_makes_a_target() -> None:
    # Below the fallback bars (34% at 1.5x), the detection signal alone names the target.
    coding = (CapabilityUse("coding", 34_000, 0.34, 0.22, 1.5),)
    targeting = _signal("capability_targeting", "targeting", 0.6, 0.5, 2)
    fired = make_evidence(capabilities=coding, signals=(targeting,))
    found = {o.technique.id: o.evidence for o in atlas.observed_techniques(fired)}
    assert found["AML.T0024.002"].startswith("34.0% of requests targeted coding")
    assert "the model's coding capabilities" in found["AML.T0048.004"]
