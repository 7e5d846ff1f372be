"""Account linking and clustering (the dbt Python model's functions, called directly)."""

from __future__ import annotations

import importlib.util
import random
import sys
from types import ModuleType

import pytest

from flows.settings import DBT_PROJECT_DIR

MODEL = DBT_PROJECT_DIR / "models/intermediate/detection/int_detection_accounts_clustered.py"


@pytest.fixture(scope="module")
def clustering() -> ModuleType:
    spec = importlib.util.spec_from_file_location("int_detection_accounts_clustered", MODEL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


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


def test_a_popular_public_template_does_not_glue_its_users_to_a_campaign(clustering: ModuleType) -> None:
    edges = _campaign()
    # 200 unrelated users of a public template; 10 campaign accounts use it too
    edges += [(f"b{b:03d}", "template:public") for b in range(200)]
    edges += [(f"c{a:03d}", "template:public") for a in range(10)]
    frame = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(frame, "c")) == 1
    assert _clusters_of(frame, "c").isdisjoint(_clusters_of(frame, "b"))


def test_a_cloud_nat_prefix_does_not_glue_its_users_to_a_campaign(clustering: ModuleType) -> None:
    edges = _campaign()
    edges += [(f"n{b:03d}", "ip_prefix:cloud-nat") for b in range(150)]
    edges += [(f"c{a:03d}", "ip_prefix:cloud-nat") for a in range(20, 30)]
    frame = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(frame, "c")) == 1
    assert _clusters_of(frame, "c").isdisjoint(_clusters_of(frame, "n"))


def test_communities_cut_along_cards_are_joined_by_their_shared_template(clustering: ModuleType) -> None:
    # Without re-joining, modularity cuts this campaign along its payment cards.
    edges = _campaign(n=120, cards=12, proxies=40)
    split = clustering.cluster_accounts([], edges, merge_share=1.01)
    assert len(_clusters_of(split, "c")) > 1
    joined = clustering.cluster_accounts([], edges)
    assert len(_clusters_of(joined, "c")) == 1
    assert joined["cluster_accounts"].max() == 120


def test_small_components_stay_whole_and_unlinked_accounts_are_alone(clustering: ModuleType) -> None:
    edges = [("a1", "payment:p"), ("a2", "payment:p"), ("a3", "organization:o"), ("a2", "organization:o")]
    frame = clustering.cluster_accounts(["a1", "a2", "a3", "z9"], edges).set_index("account_id")
    assert frame.loc[["a1", "a2", "a3"], "cluster_id"].tolist() == ["a1", "a1", "a1"]
    assert frame.loc["z9", "cluster_id"] == "z9"
    assert frame.loc["z9", "cluster_accounts"] == 1
    assert frame.loc["a3", "component_accounts"] == 3


def test_clusters_do_not_depend_on_edge_order(clustering: ModuleType) -> None:
    edges = _campaign() + [(f"b{b:03d}", "template:public") for b in range(100)]
    shuffled = edges[:]
    random.Random(7).shuffle(shuffled)
    first = clustering.cluster_accounts([], edges).sort_values("account_id").reset_index(drop=True)
    second = clustering.cluster_accounts([], shuffled).sort_values("account_id").reset_index(drop=True)
    assert first.equals(second)
