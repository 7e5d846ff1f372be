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
The graph work runs in igraph (C): at incident scale (~1.2M account-identifier edges, 3,000+
components to split) networkx's pure-Python Louvain took ~33 s of a night. Node order is the
sorted order of account and identifier names and igraph's random generator is seeded per
component, so the same edges give the same clusters in any order. The functions below are
plain Python so tests call them directly.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import igraph
import numpy as np
import pandas as pd

COLUMNS = ["account_id", "cluster_id", "component_id", "cluster_accounts", "component_accounts"]


def _louvain(graph: igraph.Graph, vertices: np.ndarray, seed: int) -> np.ndarray:
    """Louvain community of each vertex of one component (vertex ids of `graph`, sorted)."""
    sub = graph.induced_subgraph(vertices.tolist(), implementation="create_from_scratch")
    rng = random.Random(seed)  # igraph draws its vertex order from this generator
    igraph.set_random_number_generator(rng)
    try:
        return np.asarray(sub.community_multilevel().membership)
    finally:
        igraph.set_random_number_generator(random)


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """Indices of each distinct label, labels in ascending order."""
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, bounds)


def _rejoin(
    edge_account: np.ndarray,
    edge_identifier: np.ndarray,
    community: np.ndarray,
    merge_share: float,
) -> np.ndarray:
    """Community labels after joining communities that hold one identifier each (step 3).

    `community[a]` is account a's community; the result maps each account to the smallest
    community id of its joined group.
    """
    pairs = pd.DataFrame({"identifier": edge_identifier, "community": community[edge_account]})
    held = pairs.groupby(["identifier", "community"], sort=True).size().rename("holders").reset_index()
    sizes = np.bincount(community)
    held = held[held["holders"] >= merge_share * sizes[held["community"].to_numpy()]]
    first = held.groupby("identifier")["community"].transform("min")
    links = held[held["community"] != first]
    joined = igraph.Graph(n=len(sizes), edges=list(zip(first[links.index], links["community"], strict=True)))
    component = np.asarray(joined.connected_components().membership)
    # smallest community id of each joined group
    smallest = pd.Series(np.arange(len(sizes))).groupby(component).transform("min").to_numpy()
    return smallest[community]


def cluster_accounts(
    account_ids: Iterable[str],
    edges: pd.DataFrame | Iterable[tuple[str, str]],
    *,
    community_min_accounts: int = 8,
    seed: int = 0,
    merge_share: float = 0.5,
) -> pd.DataFrame:
    """One row per account: account_id, cluster_id, component_id, cluster_accounts, component_accounts.

    `edges` are (account_id, identifier) pairs, or a frame with those two columns.
    cluster_id / component_id are the smallest account id of the group (stable, readable).
    """
    if isinstance(edges, pd.DataFrame):
        pairs = edges[["account_id", "identifier"]].astype(str)
    else:
        pairs = pd.DataFrame(list(edges), columns=["account_id", "identifier"], dtype=str)
    pairs = pairs.drop_duplicates()
    # codes in sorted order of the names: the graph does not depend on the order of the edges
    edge_account, accounts = pd.factorize(pairs["account_id"], sort=True)
    edge_identifier, identifiers = pd.factorize(pairs["identifier"], sort=True)
    n_accounts = len(accounts)
    order = np.lexsort((edge_identifier, edge_account))
    edge_account, edge_identifier = edge_account[order], edge_identifier[order]
    # vertices: accounts 0..n_accounts-1, then identifiers
    graph = igraph.Graph(
        n=n_accounts + len(identifiers),
        edges=np.column_stack([edge_account, n_accounts + edge_identifier]).tolist(),
    )
    vertex_component = np.asarray(graph.connected_components().membership, dtype=np.int64)
    component = vertex_component[:n_accounts]

    # step 2: Louvain inside each large component; the rest keep the component as community
    community = np.full(n_accounts, -1, dtype=np.int64)
    next_id = 0
    for members in _groups(vertex_component):
        account_members = members[members < n_accounts]
        if len(account_members) == 0:
            continue
        if len(account_members) >= community_min_accounts:
            local = _louvain(graph, members, seed)[members < n_accounts]
            _, local = np.unique(local, return_inverse=True)
            community[account_members] = next_id + local
            next_id += int(local.max()) + 1
        else:
            community[account_members] = next_id
            next_id += 1

    # step 3: join communities of one component that share an identifier held by most of each
    cluster = _rejoin(edge_account, edge_identifier, community, merge_share) if n_accounts else community

    linked = pd.DataFrame(
        {"account_id": np.asarray(accounts, dtype=object), "cluster": cluster, "component": component}
    )
    linked["cluster_id"] = linked.groupby("cluster")["account_id"].transform("min")
    linked["component_id"] = linked.groupby("component")["account_id"].transform("min")
    linked["cluster_accounts"] = linked.groupby("cluster")["account_id"].transform("size")
    linked["component_accounts"] = linked.groupby("component")["account_id"].transform("size")

    alone = sorted(set(account_ids) - set(accounts))
    single = pd.DataFrame(
        {
            "account_id": alone,
            "cluster_id": alone,
            "component_id": alone,
            "cluster_accounts": 1,
            "component_accounts": 1,
        }
    )
    frame = pd.concat([linked[COLUMNS], single[COLUMNS]], ignore_index=True)
    frame = frame.sort_values(["component_id", "cluster_id", "account_id"], kind="stable", ignore_index=True)
    return frame.astype(
        {
            "account_id": object,
            "cluster_id": object,
            "component_id": object,
            "cluster_accounts": "int64",
            "component_accounts": "int64",
        }
    )


def _pandas(relation, *columns: str):
    """The relation as a pandas frame; only `columns` when given (the rest is never converted)."""
    if hasattr(relation, "df"):  # DuckDB
        return (relation.project(", ".join(columns)) if columns else relation).df()
    return (relation.select(*columns) if columns else relation).toPandas()


def model(dbt, session):
    dbt.config(materialized="table")
    params = _pandas(dbt.ref("int_detection_parameters")).iloc[0]
    edges = _pandas(dbt.ref("int_detection_account_identifiers"), "account_id", "identifier")
    accounts = _pandas(dbt.ref("int_detection_accounts_windowed"), "account_id")
    result = cluster_accounts(
        accounts["account_id"].astype(str),
        edges,
        community_min_accounts=int(params["community_min_accounts"]),
        seed=int(params["community_seed"]),
        merge_share=float(params["community_merge_share"]),
    )
    result.insert(0, "run_date", params["run_date"])
    if hasattr(session, "createDataFrame"):  # Spark
        return session.createDataFrame(result)
    return result
