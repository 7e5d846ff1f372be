"""Account -> cluster: linked groups of accounts over the detection window.

The graph is bipartite: account nodes and identifier nodes (organization, payment instrument,
non-free e-mail domain, repeatedly used template / system prompt, repeatedly used hosting or
proxy prefix; see int_detection_account_identifiers). Clusters are built in three steps:

1. connected components;
2. components with at least `community_min_accounts` accounts are split into communities
   (Louvain, fixed seed). A popular public template or a cloud NAT prefix is a hub whose
   neighbours have nothing else in common; modularity puts such a hub's users apart from a
   group whose accounts are tied by many identifiers;
3. communities of one component are joined again when one identifier is held by at least
   `community_merge_share` of the accounts of each (Louvain also cuts a coordinated group
   along its payment instruments or proxy pools; the template every part shares is what
   makes it one group).

Every window account gets a row; an account without shared identifiers is its own cluster.
The functions below are plain Python so tests call them directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import networkx as nx
import pandas as pd
from networkx.algorithms.community import louvain_communities

ACCOUNT_PREFIX = "a|"


def _account_node(account_id: str) -> str:
    return ACCOUNT_PREFIX + account_id


def build_graph(edges: Iterable[tuple[str, str]]) -> nx.Graph:
    """Bipartite graph from (account_id, identifier) pairs, built in sorted order (determinism)."""
    graph = nx.Graph()
    for account_id, identifier in sorted(set(edges)):
        graph.add_edge(_account_node(account_id), "i|" + identifier)
    return graph


class _UnionFind:
    def __init__(self, items: Iterable[int]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def split_component(
    graph: nx.Graph, nodes: set[str], *, seed: int, merge_share: float
) -> list[set[str]]:
    """Communities of one component (account nodes only), re-joined on shared identifiers."""
    sub = graph.subgraph(nodes)
    communities = louvain_communities(sub, seed=seed)
    # Deterministic order: by smallest node name.
    communities = sorted((set(c) for c in communities), key=min)
    account_sets = [{n for n in c if n.startswith(ACCOUNT_PREFIX)} for c in communities]
    keep = [i for i, accounts in enumerate(account_sets) if accounts]
    # identifier -> community -> accounts of that community linked to it
    holders: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for i in keep:
        for account in account_sets[i]:
            for identifier in sub.neighbors(account):
                holders[identifier][i] += 1
    uf = _UnionFind(keep)
    for identifier in sorted(holders):
        signature_of = [
            i for i, n in holders[identifier].items() if n >= merge_share * len(account_sets[i])
        ]
        for i in signature_of[1:]:
            uf.union(signature_of[0], i)
    merged: dict[int, set[str]] = defaultdict(set)
    for i in keep:
        merged[uf.find(i)] |= account_sets[i]
    return [merged[k] for k in sorted(merged)]


def cluster_accounts(
    account_ids: Iterable[str],
    edges: Iterable[tuple[str, str]],
    *,
    community_min_accounts: int = 8,
    seed: int = 0,
    merge_share: float = 0.5,
) -> pd.DataFrame:
    """One row per account: account_id, cluster_id, component_id, cluster_accounts, component_accounts.

    cluster_id / component_id are the smallest account id of the group (stable, readable).
    """
    graph = build_graph(edges)
    rows: list[tuple[str, str, str, int, int]] = []
    seen: set[str] = set()
    for component in sorted(nx.connected_components(graph), key=min):
        accounts = {n for n in component if n.startswith(ACCOUNT_PREFIX)}
        if not accounts:
            continue
        component_id = min(accounts)[len(ACCOUNT_PREFIX) :]
        if len(accounts) >= community_min_accounts:
            groups = split_component(graph, set(component), seed=seed, merge_share=merge_share)
        else:
            groups = [accounts]
        for group in groups:
            cluster_id = min(group)[len(ACCOUNT_PREFIX) :]
            for node in sorted(group):
                account_id = node[len(ACCOUNT_PREFIX) :]
                rows.append((account_id, cluster_id, component_id, len(group), len(accounts)))
                seen.add(account_id)
    for account_id in sorted(set(account_ids) - seen):
        rows.append((account_id, account_id, account_id, 1, 1))
    frame = pd.DataFrame(
        rows,
        columns=["account_id", "cluster_id", "component_id", "cluster_accounts", "component_accounts"],
    )
    return frame.astype({"cluster_accounts": "int64", "component_accounts": "int64"})


def _pandas(relation):  # noqa: ANN001, ANN202 - a DuckDB relation or a Spark DataFrame
    return relation.df() if hasattr(relation, "df") else relation.toPandas()


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model entry point
    dbt.config(materialized="table")
    params = _pandas(dbt.ref("int_detection_parameters")).iloc[0]
    edges = _pandas(dbt.ref("int_detection_account_identifiers"))
    accounts = _pandas(dbt.ref("int_detection_accounts_windowed"))
    result = cluster_accounts(
        accounts["account_id"].astype(str),
        zip(edges["account_id"].astype(str), edges["identifier"].astype(str)),
        community_min_accounts=int(params["community_min_accounts"]),
        seed=int(params["community_seed"]),
        merge_share=float(params["community_merge_share"]),
    )
    result.insert(0, "run_date", params["run_date"])
    if hasattr(session, "createDataFrame"):  # Spark
        return session.createDataFrame(result)
    return result
