"""Campaign identity: which campaign each flagged cluster of the run date belongs to.

Grain: activity_date x campaign_id x identifier (kind `cluster`, `account`, `template`,
`payment`). Incremental by date: a run reads the latest earlier state of this model (the
campaigns known before the run date), matches today's flagged clusters to it and writes the
run date's state. Rules (docs/detection.md, "Identity"):

1. Today's flagged clusters that share a signature template or a payment instrument of their
   listed accounts are one campaign group (one operator; community detection may have cut it).
2. A group continues a known campaign when it holds at least `identity_account_overlap_min`
   of the smaller of the two account sets, or shares at least `identity_template_overlap_min`
   of the smaller signature-template set, or shares a payment instrument (rotated accounts
   keep their templates and cards). Groups and campaigns linked this way form components;
   each takes the id of its earliest-founded campaign (ties: smallest id); other campaigns of
   the component are absorbed.
3. A group matching nothing is a new campaign: `DW-<first seen date>-<8 hex of sha256 of its
   sorted founding account ids>`, deterministic for the same input.
4. A known campaign not matched today is carried with its last state (not flagged today) until
   `identity_retention_days` after it was last flagged, so it can be recognised when it returns.

The dbt model `int_detection_campaign_identity` reads its inputs and calls `latest_earlier_state`,
`campaign_identities` and `typed_relation`; the tests call the functions directly
(tests/detection/test_identity.py).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from flows.detection.relations import relation_frame

if TYPE_CHECKING:
    import duckdb

# The model's columns and their types: a frame gives DuckDB no type for a column it has no
# value in (no campaign today), so the model's relation casts to these.
COLUMN_TYPES = {
    "activity_date": "date",
    "campaign_id": "varchar",
    "founded_date": "date",
    "first_seen_date": "date",
    "last_flagged_date": "date",
    "is_flagged": "boolean",
    "matched_by": "varchar",
    "identifier_kind": "varchar",
    "identifier_value": "varchar",
}
COLUMNS = list(COLUMN_TYPES)


@dataclass
class Group:
    """Today's flagged clusters joined into one campaign candidate."""

    clusters: set[str]
    accounts: set[str]
    templates: set[str]
    payments: set[str]
    first_seen: date


@dataclass
class Known:
    """A campaign as of its latest earlier state."""

    campaign_id: str
    founded: date
    first_seen: date
    last_flagged: date
    accounts: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    payments: set[str] = field(default_factory=set)


def campaign_id_for(first_seen: date, accounts: set[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(accounts)).encode("utf-8")).hexdigest()[:8]
    return f"DW-{first_seen.isoformat()}-{digest}"


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_clusters(members: pd.DataFrame, templates: pd.DataFrame) -> list[Group]:
    """Join flagged clusters sharing a signature template or a payment instrument.

    members: cluster_id, account_id, payment_fingerprint, first_active_date (listed accounts);
    templates: cluster_id, prompt_template_hash (signature templates of flagged clusters).
    """
    uf = _UnionFind()
    clusters = sorted(set(members["cluster_id"]))
    for cluster in clusters:
        uf.find(cluster)
    by_key: dict[str, set[str]] = defaultdict(set)
    signature = list(zip(templates["cluster_id"], templates["prompt_template_hash"], strict=True))
    listed = list(
        zip(
            members["cluster_id"],
            members["account_id"],
            members["payment_fingerprint"],
            members["first_active_date"],
            strict=True,
        )
    )
    for cluster_id, template in signature:
        if cluster_id in uf.parent:
            by_key["t:" + template].add(cluster_id)
    for cluster_id, _account, payment, _first_active in listed:
        if isinstance(payment, str) and payment:
            by_key["p:" + payment].add(cluster_id)
    for key in sorted(by_key):
        holders = sorted(by_key[key])
        for other in holders[1:]:
            uf.union(holders[0], other)
    groups: dict[str, Group] = {}
    for cluster in clusters:
        root = uf.find(cluster)
        groups.setdefault(root, Group(set(), set(), set(), set(), date.max)).clusters.add(cluster)
    for cluster_id, account, payment, first_active in listed:
        group = groups[uf.find(cluster_id)]
        group.accounts.add(account)
        if isinstance(payment, str) and payment:
            group.payments.add(payment)
        group.first_seen = min(group.first_seen, pd.Timestamp(first_active).date())
    for cluster_id, template in signature:
        if cluster_id in uf.parent:
            groups[uf.find(cluster_id)].templates.add(template)
    return [groups[root] for root in sorted(groups)]


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def matches(
    group: Group, known: Known, *, account_overlap_min: float, template_overlap_min: float
) -> str | None:
    """Why `group` continues `known` ('accounts', 'templates', 'payment'), or None."""
    if _overlap(group.accounts, known.accounts) >= account_overlap_min:
        return "accounts"
    if known.templates and _overlap(group.templates, known.templates) >= template_overlap_min:
        return "templates"
    if group.payments & known.payments:
        return "payment"
    return None


def known_from_state(state: pd.DataFrame) -> list[Known]:
    """Campaigns from one earlier date's rows of this model."""
    known: dict[str, Known] = {}
    rows = state.sort_values(["campaign_id", "identifier_kind", "identifier_value"])
    for campaign_id, founded, first_seen, last_flagged, kind, value in zip(
        rows["campaign_id"],
        rows["founded_date"],
        rows["first_seen_date"],
        rows["last_flagged_date"],
        rows["identifier_kind"],
        rows["identifier_value"],
        strict=True,
    ):
        item = known.get(campaign_id)
        if item is None:
            item = known[campaign_id] = Known(
                campaign_id=campaign_id,
                founded=pd.Timestamp(founded).date(),
                first_seen=pd.Timestamp(first_seen).date(),
                last_flagged=pd.Timestamp(last_flagged).date(),
            )
        if kind == "account":
            item.accounts.add(value)
        elif kind == "template":
            item.templates.add(value)
        elif kind == "payment":
            item.payments.add(value)
    return [known[k] for k in sorted(known)]


def assign_identities(
    run_date: date,
    groups: list[Group],
    known: list[Known],
    *,
    account_overlap_min: float = 0.3,
    template_overlap_min: float = 0.5,
    retention_days: int = 30,
) -> pd.DataFrame:
    """The run date's identity rows (COLUMNS) for today's groups and the carried campaigns."""
    uf = _UnionFind()
    reasons: dict[str, str] = {}
    for gi, group in enumerate(groups):
        uf.find(f"g{gi:06d}")
        for item in known:
            why = matches(
                group,
                item,
                account_overlap_min=account_overlap_min,
                template_overlap_min=template_overlap_min,
            )
            if why is not None:
                uf.union(f"g{gi:06d}", "k" + item.campaign_id)
                reasons.setdefault(f"g{gi:06d}", why)
    known_by_key = {"k" + item.campaign_id: item for item in known}
    components: dict[str, list[str]] = defaultdict(list)
    for gi in range(len(groups)):
        components[uf.find(f"g{gi:06d}")].append(f"g{gi:06d}")
    for key in known_by_key:
        if key in uf.parent:
            components[uf.find(key)].append(key)

    rows: list[tuple[Any, ...]] = []
    continued: set[str] = set()
    for root in sorted(components):
        keys = components[root]
        group_keys = sorted(k for k in keys if k.startswith("g"))
        if not group_keys:
            continue
        members = [groups[int(k[1:])] for k in group_keys]
        accounts = set().union(*(g.accounts for g in members))
        templates = set().union(*(g.templates for g in members))
        payments = set().union(*(g.payments for g in members))
        clusters = set().union(*(g.clusters for g in members))
        first_seen = min(g.first_seen for g in members)
        previous = sorted(
            (known_by_key[k] for k in keys if k.startswith("k")),
            key=lambda item: (item.founded, item.campaign_id),
        )
        if previous:
            survivor = previous[0]
            continued.update(item.campaign_id for item in previous)
            campaign_id = survivor.campaign_id
            founded = survivor.founded
            first_seen = min([first_seen, *(item.first_seen for item in previous)])
            matched_by = reasons.get(group_keys[0], "accounts")
        else:
            campaign_id = campaign_id_for(first_seen, accounts)
            founded = run_date
            matched_by = "new"
        head = (run_date, campaign_id, founded, first_seen, run_date, True, matched_by)
        for kind, values in (
            ("cluster", clusters),
            ("account", accounts),
            ("template", templates),
            ("payment", payments),
        ):
            rows.extend((*head, kind, value) for value in sorted(values))

    horizon = run_date - timedelta(days=retention_days)
    for item in known:
        if item.campaign_id in continued or item.last_flagged < horizon:
            continue
        head = (
            run_date,
            item.campaign_id,
            item.founded,
            item.first_seen,
            item.last_flagged,
            False,
            "carried",
        )
        for kind, values in (
            ("account", item.accounts),
            ("template", item.templates),
            ("payment", item.payments),
        ):
            rows.extend((*head, kind, value) for value in sorted(values))
    return pd.DataFrame(rows, columns=COLUMNS)


def latest_earlier_state(
    connection: duckdb.DuckDBPyConnection, table: str, run_date: date, retention_days: int
) -> pd.DataFrame:
    """This model's rows of its latest date before `run_date` (`table` is the model itself).

    Empty when that date is more than `retention_days` before the run date: every campaign in it
    is past its retention. A re-run of a past date never reads its own or later rows.
    """
    latest = relation_frame(
        connection.sql(
            f"select max(activity_date) as latest from {table} "
            f"where activity_date < date '{run_date.isoformat()}'"
        )
    )["latest"].iloc[0]
    if pd.isna(latest) or pd.Timestamp(latest).date() < run_date - timedelta(days=retention_days):
        return pd.DataFrame(columns=COLUMNS)
    return relation_frame(
        connection.sql(
            f"select * from {table} where activity_date = date '{pd.Timestamp(latest).date().isoformat()}'"
        )
    )


def campaign_identities(
    run_date: date,
    members: pd.DataFrame,
    signature_templates: pd.DataFrame,
    state: pd.DataFrame | None,
    *,
    account_overlap_min: float,
    template_overlap_min: float,
    retention_days: int,
) -> pd.DataFrame:
    """The run date's identity rows (COLUMNS) from the run date's clusters and the earlier state.

    members: int_detection_cluster_members (only listed accounts count); signature_templates:
    int_detection_cluster_signature_templates (only those of clusters with a listed account);
    state: `latest_earlier_state`, None before the model's first date (no campaign known).
    """
    listed = members[members["is_listed"].astype(bool)][
        ["cluster_id", "account_id", "payment_fingerprint", "first_active_date"]
    ]
    flagged = set(listed["cluster_id"])
    templates = signature_templates[signature_templates["cluster_id"].isin(flagged)][
        ["cluster_id", "prompt_template_hash"]
    ]
    return assign_identities(
        run_date,
        group_clusters(listed, templates),
        known_from_state(state) if state is not None else [],
        account_overlap_min=account_overlap_min,
        template_overlap_min=template_overlap_min,
        retention_days=retention_days,
    )


def typed_relation(connection: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> duckdb.DuckDBPyRelation:
    """`rows` as a DuckDB relation with the model's column types (COLUMN_TYPES)."""
    connection.register("identity_rows", rows)
    columns = ",\n    ".join(f"cast({name} as {kind}) as {name}" for name, kind in COLUMN_TYPES.items())
    return connection.sql(f"select\n    {columns}\nfrom identity_rows")
