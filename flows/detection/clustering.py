"""Account -> cluster: linked groups of accounts over the detection window.

The graph is bipartite: account nodes and identifier nodes (organization, payment instrument,
non-free e-mail domain, repeatedly used template / system prompt, repeatedly used hosting or
proxy prefix; see int_detection_account_identifiers). Clusters are built in five steps:

1. connected components;
2. components with at least `community_min_accounts` accounts are split into communities
   (Louvain, fixed seed). A popular public template or a cloud NAT prefix is a hub whose
   neighbours have nothing else in common; modularity puts such a hub's users apart from a
   group whose accounts are tied by many identifiers;
3. communities of one component are joined again when one identifier is held by at least
   `community_merge_share` of the accounts of each (Louvain also cuts a coordinated group
   along its payment instruments or proxy pools; the template every part shares is what
   makes it one group);
4. clusters are joined when at least `join_share` of the smaller one's accounts have a strong
   link into the other (`link_pairs`: rarity-weighted pairs over the graph and the link
   evidence; a pair whose behaviour differs is not strong), at least two links in all;
5. clusters are joined by their similarity over the window (`_join_by_window`): Louvain on the
   weighted account links (every pair, however weak) finds groups of accounts tied by many
   weak links; a cluster of such a group joins the group's largest cluster when its accounts
   share more with the rest of the group than with each other (at least `strong_link_min`,
   each identifier counted once) and its behaviour matches. A low-volume operation (a couple
   of requests per account a day: no identifier used repeatedly, every pair weak) is one group
   of weak links, cut by the graph along whatever few edges it has (e-mail domains).

Every window account gets a row; an account without shared identifiers is its own cluster.
The graph work runs in igraph (C): at incident scale (~1.2M account-identifier edges, 3,000+
components to split) networkx's pure-Python Louvain took ~33 s of a night. Node order is the
sorted order of account and identifier names and igraph's random generator is seeded per
component, so the same edges give the same clusters in any order.

The dbt model `int_detection_accounts_clustered` reads its inputs and calls `cluster_accounts`;
the tests call the functions directly (tests/detection/test_clustering.py). igraph is imported
here only: the modules that import `flows.detection` at start-up (outputs, replay) never load it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import igraph
import numpy as np
import pandas as pd

_COSINE_SLICE = 1_000_000  # account pairs compared at once (two float32 rows of features each)

COLUMNS = [
    "account_id",
    "cluster_id",
    "component_id",
    "cluster_accounts",
    "component_accounts",
    "link_strength",
    "linked_identifiers",
    "strong_links",
]


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


def link_pairs(
    pairs: pd.DataFrame,
    *,
    max_reach: int = 100,
) -> pd.DataFrame:
    """Rarity-weighted account pairs: account_a < account_b, strength, shared.

    `pairs` are (account, identifier) codes (columns `account`, `identifier`, `reach`). Each
    identifier held by 2..`max_reach` accounts links every pair of its holders with weight
    1 / ln(reach) (Adamic-Adar): an identifier two accounts share alone weighs 1.44, one shared
    by ten 0.43, a popular one next to nothing. A pair's strength is the sum over the
    identifiers it shares. Identifiers reaching more than `max_reach` accounts make no pairs,
    so the cost is at most `max_reach` / 2 pairs per edge (near-linear in accounts); such
    identifiers link a group through the graph and the share rule (`_rejoin`), not pair by
    pair. Pairs are built per identifier size with numpy (k(k-1)/2 rows for an identifier of
    k holders, two int64 and a float each), never as a k x k join.
    """
    small = pairs[(pairs["reach"] >= 2) & (pairs["reach"] <= max_reach)]
    empty = pd.DataFrame(
        {"account_a": np.zeros(0, np.int64), "account_b": np.zeros(0, np.int64), "strength": [], "shared": []}
    )
    if small.empty:
        return empty
    order = np.lexsort((small["account"].to_numpy(), small["identifier"].to_numpy()))
    account = small["account"].to_numpy(dtype=np.int64)[order]
    reach = small["reach"].to_numpy(dtype=np.int64)[order]
    starts = np.flatnonzero(np.r_[True, np.diff(small["identifier"].to_numpy()[order]) != 0])
    sizes = reach[starts]
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    weight: list[np.ndarray] = []
    for k in np.unique(sizes):
        rows = starts[sizes == k][:, None] + np.arange(k)[None, :]  # holders, one row per identifier
        upper_a, upper_b = np.triu_indices(int(k), 1)
        first.append(account[rows[:, upper_a]].ravel())
        second.append(account[rows[:, upper_b]].ravel())
        weight.append(np.full(first[-1].shape[0], 1.0 / np.log(float(k))))
    a, b, w = np.concatenate(first), np.concatenate(second), np.concatenate(weight)
    span = int(account.max()) + 1
    key, inverse = np.unique(a * span + b, return_inverse=True)
    return pd.DataFrame(
        {
            "account_a": key // span,
            "account_b": key % span,
            "strength": np.bincount(inverse, weights=w),
            "shared": np.bincount(inverse).astype(np.int64),
        }
    )


def _join_by_links(
    cluster: np.ndarray,
    strong: pd.DataFrame,
    join_share: float,
) -> np.ndarray:
    """Cluster labels after joining clusters tied by many strong account links.

    Two clusters are joined when at least `join_share` of the accounts of the smaller one have
    a strong link into the other, and there are at least two such links: community detection
    cuts a loosely knit campaign (paraphrased prompts, private exit slices) into parts that
    are each densely tied to the next; an account alone is joined when it is strongly tied to
    two accounts of the group; one strong pair ties nothing.
    """
    if strong.empty:
        return cluster
    a, b = strong["account_a"].to_numpy(), strong["account_b"].to_numpy()
    ca, cb = cluster[a], cluster[b]
    cross = ca != cb
    a, b, ca, cb = a[cross], b[cross], ca[cross], cb[cross]
    if len(a) == 0:
        return cluster
    # accounts of each cluster with a strong link into each other cluster (both directions)
    touches = pd.DataFrame(
        {
            "account": np.concatenate([a, b]),
            "own": np.concatenate([ca, cb]),
            "other": np.concatenate([cb, ca]),
        }
    )
    linked = (
        touches.groupby(["own", "other"])
        .agg(links=("account", "size"), linked=("account", "nunique"))
        .reset_index()
    )
    sizes = np.bincount(cluster)
    own_size, other_size = sizes[linked["own"].to_numpy()], sizes[linked["other"].to_numpy()]
    # judged from the smaller side (ties: the smaller label)
    smaller = (own_size < other_size) | ((own_size == other_size) & (linked["own"] < linked["other"]))
    enough = (linked["linked"].to_numpy() >= join_share * own_size) & (linked["links"].to_numpy() >= 2)
    joins = linked[smaller.to_numpy() & enough]
    return _merge_clusters(cluster, joins["own"].to_numpy(), joins["other"].to_numpy())


def _merge_clusters(cluster: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Cluster labels (0..k-1) after joining each cluster first[i] with second[i]."""
    if len(first) == 0:
        return cluster
    sizes = np.bincount(cluster)
    graph = igraph.Graph(n=len(sizes), edges=list(zip(first, second, strict=True)))
    component = np.asarray(graph.connected_components().membership)
    smallest = pd.Series(np.arange(len(sizes))).groupby(component).transform("min").to_numpy()
    _, relabelled = np.unique(smallest[cluster], return_inverse=True)
    return relabelled


def behaviour_similarity(
    links: pd.DataFrame, accounts: pd.Index, behaviour: pd.DataFrame | None
) -> np.ndarray:
    """Cosine of the two accounts' behaviour shares (capability and model mix) for each link.

    `behaviour` has account_id, feature, request_share; an account without a row compares as 1 (no
    evidence against the link).
    """
    if behaviour is None or links.empty:
        return np.ones(len(links))
    involved = np.unique(np.concatenate([links["account_a"].to_numpy(), links["account_b"].to_numpy()]))
    rows = behaviour[behaviour["account_id"].isin(accounts[involved])]
    feature_code, _ = pd.factorize(rows["feature"], sort=True)
    position = np.searchsorted(involved, accounts.get_indexer(pd.Index(rows["account_id"])))
    matrix = np.zeros((len(involved), int(feature_code.max()) + 1 if len(rows) else 1), dtype=np.float32)
    matrix[position, feature_code] = rows["request_share"].to_numpy(dtype=np.float32)
    norm = np.linalg.norm(matrix, axis=1)
    known = norm > 0
    matrix[known] /= norm[known, None]
    a = np.searchsorted(involved, links["account_a"].to_numpy())
    b = np.searchsorted(involved, links["account_b"].to_numpy())
    cosine = np.empty(len(a))
    # in slices: every pair is compared (step 5 reads weak links too), never all rows at once
    for start in range(0, len(a), _COSINE_SLICE):
        part = slice(start, start + _COSINE_SLICE)
        cosine[part] = np.einsum("ij,ij->i", matrix[a[part]], matrix[b[part]])
    return np.where(known[a] & known[b], cosine, 1.0)


def _join_by_window(
    cluster: np.ndarray,
    pairs: pd.DataFrame,
    links: pd.DataFrame,
    *,
    seed: int,
    strength_min: float,
) -> np.ndarray:
    """Cluster labels after joining the clusters of one group of weak links (step 5).

    `links` are the rarity-weighted account pairs (`link_pairs`) whose behaviour matches,
    `pairs` the (account, identifier, reach) codes they come from (identifiers of at most the
    pair reach). Groups are Louvain communities of the clusters (one vertex each, weighted by
    the summed strength of the links between them; Louvain starts from the graph's clusters
    and never cuts one). A cluster C joins its group's largest cluster when, at the median
    over C's accounts, what an account shares with the group's accounts outside C (distinct
    identifiers, 1 / ln(reach) each) is at least `strength_min` and more than what it shares
    only with accounts of C. A team glued to another by a VPN prefix shares far more inside
    than out and stays apart; a fragment of one operation cut off by its e-mail domain shares
    more with the rest.
    """
    if links.empty:
        return cluster
    n = len(cluster)
    sizes = np.bincount(cluster)
    # Louvain from the clusters: one vertex per cluster, its links summed (inside: a loop)
    ends = pd.DataFrame(
        {
            "a": cluster[links["account_a"].to_numpy()],
            "b": cluster[links["account_b"].to_numpy()],
            "strength": links["strength"].to_numpy(float),
        }
    )
    ends[["a", "b"]] = np.sort(ends[["a", "b"]].to_numpy(), axis=1)
    summed = ends.groupby(["a", "b"], sort=True)["strength"].sum().reset_index()
    graph = igraph.Graph(n=len(sizes), edges=summed[["a", "b"]].to_numpy().tolist())
    rng = random.Random(seed)
    igraph.set_random_number_generator(rng)
    try:
        louvain = graph.community_multilevel(weights=summed["strength"].to_numpy())
        group = np.asarray(louvain.membership)[cluster]
    finally:
        igraph.set_random_number_generator(random)
    frame = pd.DataFrame(
        {
            "account": pairs["account"].to_numpy(),
            "identifier": pairs["identifier"].to_numpy(),
            "weight": 1.0 / np.log(np.maximum(pairs["reach"].to_numpy(float), 2.0)),
        }
    )
    frame["cluster"] = cluster[frame["account"].to_numpy()]
    frame["group"] = group[frame["account"].to_numpy()]
    holders = frame.groupby(["identifier", "group", "cluster"])["account"]
    in_group_cluster = holders.transform("size").to_numpy()
    in_group = frame.groupby(["identifier", "group"])["account"].transform("size").to_numpy()
    weight = frame["weight"].to_numpy()
    # shared with the group's accounts outside its cluster / only with its own cluster's
    outside = np.bincount(frame["account"], weights=weight * (in_group > in_group_cluster), minlength=n)
    own = (in_group_cluster >= 2) & (in_group == in_group_cluster)
    inside = np.bincount(frame["account"], weights=weight * own, minlength=n)
    accounts = pd.DataFrame({"cluster": cluster, "group": group, "outside": outside, "inside": inside})
    per = (
        accounts.groupby(["group", "cluster"])
        .agg(members=("outside", "size"), outside=("outside", "median"), inside=("inside", "median"))
        .reset_index()
    )
    # each group's largest cluster (ties: the smaller label) is what the others join
    per = per.sort_values(["group", "members", "cluster"], ascending=[True, False, True])
    per["core"] = per.groupby("group")["cluster"].transform("first")
    joins = per[
        (per["cluster"] != per["core"]) & (per["outside"] >= strength_min) & (per["outside"] > per["inside"])
    ]
    return _merge_clusters(cluster, joins["cluster"].to_numpy(), joins["core"].to_numpy())


def _cluster_strength(pairs: pd.DataFrame, cluster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per account: rarity-weighted strength of the identifiers it shares with the rest of its
    cluster (each identifier once, weight 1 / ln(reach)) and how many distinct ones they are."""
    frame = pairs.assign(cluster=cluster[pairs["account"].to_numpy()])
    holders = frame.groupby(["identifier", "cluster"])["account"].transform("size")
    shared = frame[holders >= 2]
    weight = 1.0 / np.log(shared["reach"].to_numpy(dtype=float))
    n = len(cluster)
    strength = np.bincount(shared["account"].to_numpy(), weights=weight, minlength=n)
    count = np.bincount(shared["account"].to_numpy(), minlength=n)
    return strength, count


def cluster_accounts(
    account_ids: Iterable[str],
    edges: pd.DataFrame | Iterable[tuple[str, str]],
    *,
    evidence: pd.DataFrame | Iterable[tuple[str, str]] | None = None,
    behaviour: pd.DataFrame | None = None,
    community_min_accounts: int = 8,
    seed: int = 0,
    merge_share: float = 0.5,
    pair_max_reach: int = 100,
    strong_link_min: float = 1.0,
    join_share: float = 0.5,
    behaviour_min: float = 0.3,
) -> pd.DataFrame:
    """One row per account: account_id, cluster_id, component_id, cluster_accounts,
    component_accounts, link_strength, linked_identifiers, strong_links.

    `edges` are (account_id, identifier) pairs, or a frame with those two columns: the graph.
    `evidence` are more (account_id, identifier) pairs that only weigh links between accounts
    (templates sent a few times, not enough to be part of what an account is for) and never
    make the graph on their own. `behaviour` (account_id, feature, share: capability and model
    mix) gates strong links: a pair whose mixes have a cosine below `behaviour_min` is not
    strongly linked, however much it shares. cluster_id / component_id are the smallest
    account id of the group (stable, readable).
    """
    pairs = _frame(edges)
    extra = _frame(evidence) if evidence is not None else pairs.iloc[:0]
    # codes in sorted order of the names: the graph does not depend on the order of the edges
    everything = pd.concat([pairs.assign(graph=True), extra.assign(graph=False)], ignore_index=True)
    everything = everything.sort_values(["account_id", "identifier", "graph"], ascending=[True, True, False])
    everything = everything.drop_duplicates(["account_id", "identifier"], ignore_index=True)
    all_account, accounts = pd.factorize(everything["account_id"], sort=True)
    all_identifier, identifiers = pd.factorize(everything["identifier"], sort=True)
    n_accounts = len(accounts)
    is_graph = everything["graph"].to_numpy(dtype=bool)
    edge_account, edge_identifier = all_account[is_graph], all_identifier[is_graph]
    order = np.lexsort((edge_identifier, edge_account))
    edge_account, edge_identifier = edge_account[order], edge_identifier[order]
    # vertices: accounts 0..n_accounts-1, then identifiers (accounts with evidence only are alone)
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
    _, cluster = np.unique(cluster, return_inverse=True)

    # step 4: join clusters tied by many strong rarity-weighted account links (graph + evidence);
    # step 5: join the fragments of one group of weak links (similarity over the window)
    coded = pd.DataFrame({"account": all_account, "identifier": all_identifier})
    coded["reach"] = coded.groupby("identifier")["account"].transform("size")
    links = link_pairs(coded, max_reach=pair_max_reach)
    # a pair whose behaviour differs is no link, strong or weak
    similar = behaviour_similarity(links, accounts, behaviour) >= behaviour_min
    strong = links[similar & (links["strength"] >= strong_link_min).to_numpy()]
    if n_accounts:
        cluster = _join_by_links(cluster, strong, join_share)
        cluster = _join_by_window(
            cluster,
            coded[coded["reach"] <= pair_max_reach],
            links[similar],
            seed=seed,
            strength_min=strong_link_min,
        )
        # a join may tie two components: the component is the union of what it joins
        component = _union_labels(component, cluster)
    strength, count = _cluster_strength(coded, cluster) if n_accounts else (np.zeros(0), np.zeros(0))
    same = cluster[strong["account_a"].to_numpy()] == cluster[strong["account_b"].to_numpy()]
    inside = strong[same]
    strong_links = np.bincount(
        np.concatenate([inside["account_a"].to_numpy(), inside["account_b"].to_numpy()]).astype(np.int64),
        minlength=n_accounts,
    )

    linked = pd.DataFrame(
        {
            "account_id": np.asarray(accounts, dtype=object),
            "cluster": cluster,
            "component": component,
            "link_strength": strength,
            "linked_identifiers": count,
            "strong_links": strong_links,
        }
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
            "link_strength": 0.0,
            "linked_identifiers": 0,
            "strong_links": 0,
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
            "link_strength": "float64",
            "linked_identifiers": "int64",
            "strong_links": "int64",
        }
    )


def _union_labels(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Labels of the connected groups of two labellings of the same items (a tie in either joins)."""
    n_first = int(first.max()) + 1
    tie = igraph.Graph(
        n=n_first + int(second.max()) + 1, edges=list(zip(first, n_first + second, strict=True))
    )
    return np.asarray(tie.connected_components().membership)[first]


def _frame(edges: pd.DataFrame | Iterable[tuple[str, str]]) -> pd.DataFrame:
    if isinstance(edges, pd.DataFrame):
        return edges[["account_id", "identifier"]].astype(str)
    return pd.DataFrame(list(edges), columns=["account_id", "identifier"], dtype=str)
