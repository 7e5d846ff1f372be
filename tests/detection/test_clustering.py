"""Account linking and clustering: flows.detection.clustering (int_detection_accounts_clustered)."""

from __future__ import annotations

import random

import pandas as pd

from flows.detection import clustering


def _campaign(n: int = 60, cards: int = 6, proxies: int = 12, seed: int = 1) -> list[tuple[str, str]]:
    """n accounts, one organization each, one harvest template, a few cards and proxy pools."""
    rng = random.Random(seed)
    edges = []
    for a in range(n):
        account = f"c{a:03d}"
        edges += [
            (account, f"organization:oc{a}"),
            (account, "template:harvest"),
            (account, f"payment:card{a % cards}"),
        ]
        edges += [(account, f"ip_prefix:proxy{p}") for p in rng.sample(range(proxies), 3)]
    return edges


def _clusters_of(frame, prefix: str) -> set[str]:
    return set(frame.loc[frame["account_id"].str.startswith(prefix), "cluster_id"])


def test_a_popular_public_template_does_not_glue_its_users_to_a_campaign() -> None:
    edges = _campaign()
    # 200 unrelated users of a public template; 10 campaign accounts use it too
    edges += [(f"b{b:03d}", "template:public") for b in range(200)]
    edges += [(f"c{a:03d}", "template:public") for a in range(10)]
    frame = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(frame, "c")) == 1
    assert _clusters_of(frame, "c").isdisjoint(_clusters_of(frame, "b"))


def test_a_cloud_nat_prefix_does_not_glue_its_users_to_a_campaign() -> None:
    edges = _campaign()
    edges += [(f"n{b:03d}", "ip_prefix:cloud-nat") for b in range(150)]
    edges += [(f"c{a:03d}", "ip_prefix:cloud-nat") for a in range(20, 30)]
    frame = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(frame, "c")) == 1
    assert _clusters_of(frame, "c").isdisjoint(_clusters_of(frame, "n"))


def test_communities_cut_along_cards_are_joined_by_their_shared_template() -> None:
    # Without re-joining, modularity cuts this campaign along its payment cards.
    edges = _campaign(n=120, cards=12, proxies=40)
    split = clustering.cluster_accounts([], edges, merge_share=1.01)
    assert len(_clusters_of(split, "c")) > 1
    joined = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(joined, "c")) == 1
    assert joined["cluster_accounts"].max() == 120


def test_small_components_stay_whole_and_unlinked_accounts_are_alone() -> None:
    edges = [("a1", "payment:p"), ("a2", "payment:p"), ("a3", "organization:o"), ("a2", "organization:o")]
    frame = clustering.cluster_accounts(["a1", "a2", "a3", "z9"], edges).set_index("account_id")
    assert frame.loc[["a1", "a2", "a3"], "cluster_id"].tolist() == ["a1", "a1", "a1"]
    assert frame.loc["z9", "cluster_id"] == "z9"
    assert frame.loc["z9", "cluster_accounts"] == 1
    assert frame.loc["a3", "component_accounts"] == 3


def test_clusters_do_not_depend_on_edge_order() -> None:
    edges = _campaign() + [(f"b{b:03d}", "template:public") for b in range(100)]
    shuffled = edges[:]
    random.Random(7).shuffle(shuffled)
    first = clustering.cluster_accounts([], edges).sort_values("account_id").reset_index(drop=True)
    second = clustering.cluster_accounts([], shuffled).sort_values("account_id").reset_index(drop=True)
    assert first.equals(second)


def _paraphrasing_campaign(n: int = 40, seed: int = 3) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """n accounts of one operator that paraphrase: each sends its own narrow window of the
    variants of one template family (no variant sent often enough to be a graph edge) and
    rotates through a shared pool of proxy prefixes; one organization and one card each.

    Returns (graph edges, link evidence). Accounts p00 and p20 send disjoint variants.
    """
    rng = random.Random(seed)
    edges, evidence = [], []
    for a in range(n):
        account = f"p{a:02d}"
        edges += [(account, f"ip_prefix:pool{p}") for p in rng.sample(range(60), 4)]
        start = (a * 3) % 120  # a window of 6 of the family's 120 variants
        evidence += [(account, f"template:family1-v{(start + v) % 120}") for v in range(6)]
    return edges, evidence


def test_accounts_with_disjoint_variants_of_one_family_and_a_shared_prefix_pool_are_linked() -> None:
    edges, evidence = _paraphrasing_campaign()
    variants = {a: {i for acc, i in evidence if acc == a} for a in ("p00", "p20")}
    assert variants["p00"].isdisjoint(variants["p20"])  # no exact template in common
    # the prefix pool alone: modularity cuts the loosely knit group into parts
    split = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(split, "p")) > 1
    frame = clustering.cluster_accounts([], edges, evidence=evidence).set_index("account_id")
    assert frame.loc["p00", "cluster_id"] == frame.loc["p20", "cluster_id"]
    assert frame.loc["p00", "cluster_accounts"] == 40
    # and each of them is tied to the group strongly enough to be listed (membership defaults)
    for account in ("p00", "p20"):
        assert frame.loc[account, "strong_links"] >= 2
        assert frame.loc[account, "linked_identifiers"] >= 2
        assert frame.loc[account, "link_strength"] >= 1.5


def test_unrelated_accounts_sharing_one_popular_template_are_not_linked() -> None:
    edges = _campaign()
    # 40 unrelated users of a public template (few enough that it weighs their pairs), 10 of
    # the campaign's accounts use it too, and a public system prompt half of them send now and then
    edges += [(f"b{b:03d}", "template:public") for b in range(40)]
    edges += [(f"c{a:03d}", "template:public") for a in range(10)]
    evidence = [(f"b{b:03d}", "system_prompt:public") for b in range(0, 40, 2)]
    frame = clustering.cluster_accounts([], edges, evidence=evidence).set_index("account_id")
    # b000 and b002 share both: 1 / ln(50) + 1 / ln(20) = 0.59, not a strong link
    for account in ("b000", "b002"):
        assert frame.loc[account, "strong_links"] == 0
        assert frame.loc[account, "link_strength"] < 1.0
    assert frame.loc["b000", "cluster_id"] not in _clusters_of(frame.reset_index(), "c")
    assert len(_clusters_of(frame.reset_index(), "c")) == 1
    # while two accounts that share a card and a rare template are
    pairs = clustering.cluster_accounts(
        [],
        [("x1", "payment:card"), ("x2", "payment:card")],
        evidence=[("x1", "template:rare"), ("x2", "template:rare")],
    )
    assert pairs.set_index("account_id").loc["x1", "strong_links"] == 1


def test_accounts_whose_behaviour_differs_are_not_strongly_linked() -> None:
    # two pairs, each sharing a card and a rare template; one pair asks for the same things,
    # the other pair's accounts have nothing in common in what they ask for
    edges = [("s1", "payment:c1"), ("s2", "payment:c1"), ("d1", "payment:c2"), ("d2", "payment:c2")]
    evidence = [("s1", "template:t1"), ("s2", "template:t1"), ("d1", "template:t2"), ("d2", "template:t2")]
    behaviour = pd.DataFrame(
        [
            ("s1", "capability:reasoning", 0.9), ("s1", "capability:coding", 0.1),
            ("s2", "capability:reasoning", 0.8), ("s2", "capability:coding", 0.2),
            ("d1", "capability:reasoning", 1.0),
            ("d2", "capability:translation", 0.7), ("d2", "capability:general_chat", 0.3),
        ],
        columns=["account_id", "feature", "request_share"],
    )  # fmt: skip
    frame = clustering.cluster_accounts([], edges, evidence=evidence, behaviour=behaviour)
    strong = frame.set_index("account_id")["strong_links"]
    assert strong["s1"] == strong["s2"] == 1
    assert strong["d1"] == strong["d2"] == 0


def _low_volume_operation(n: int = 60, seed: int = 5) -> list[tuple[str, str]]:
    """n accounts of one operator at a couple of requests a day: one organization each, two
    thirds of them on one of four e-mail domains (the only graph edges), the rest on free
    mail; as link evidence, the operation's system prompt sent now and then by two thirds of
    them, three of its 30 templates each, two prefixes each of a pool of 150.

    Returns (graph edges, link evidence)."""
    rng = random.Random(seed)
    edges, evidence = [], []
    for a in range(n):
        account = f"q{a:02d}"
        if a % 3:
            edges.append((account, f"email_domain:d{a % 4}"))
        if a % 3 != 1:
            evidence.append((account, "system_prompt:operation"))
        evidence += [(account, f"template:op{t}") for t in rng.sample(range(30), 3)]
        evidence += [(account, f"ip_prefix:pool{p}") for p in rng.sample(range(150), 2)]
    return edges, evidence


def test_a_low_volume_operation_cut_by_its_email_domains_is_one_cluster() -> None:
    edges, evidence = _low_volume_operation()
    # the rest of the platform: a campaign and 40 teams of three sharing a card and a template
    edges += _campaign()
    for team in range(40):
        edges += [(f"t{team:02d}{a}", f"payment:team{team}") for a in range(3)]
        evidence += [(f"t{team:02d}{a}", f"template:team{team}") for a in range(3)]
    # without the window's weak links: four clusters of one domain each, the rest alone
    split = clustering.cluster_accounts([], edges, evidence=evidence, strong_link_min=100.0)
    assert split.loc[split["account_id"].str.startswith("q"), "cluster_accounts"].max() == 10
    frame = clustering.cluster_accounts([], edges, evidence=evidence)
    assert len(_clusters_of(frame, "q")) == 1
    assert _clusters_of(frame, "q").isdisjoint(_clusters_of(frame, "c") | _clusters_of(frame, "t"))
    assert frame.loc[frame["account_id"].str.startswith("t"), "cluster_accounts"].max() == 3


def test_two_teams_sharing_a_vpn_prefix_and_a_template_stay_two_clusters() -> None:
    # each team: its own card and e-mail domain; one account of each uses the same VPN
    # prefix and template now and then (link evidence)
    edges, evidence = [], []
    for team in ("t", "u"):
        for a in range(5):
            edges += [(f"{team}{a}", f"payment:{team}-card"), (f"{team}{a}", f"email_domain:{team}.example")]
            evidence += [(f"{team}{a}", f"template:{team}-own{a % 2}")]
        evidence += [(f"{team}0", "ip_prefix:vpn"), (f"{team}0", "template:shared-notebook")]
    frame = clustering.cluster_accounts([], edges, evidence=evidence)
    assert len(_clusters_of(frame, "t")) == 1
    assert _clusters_of(frame, "t").isdisjoint(_clusters_of(frame, "u"))
