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
"""

# No `from __future__ import annotations`: dbt loads this file outside sys.modules, where
# dataclasses cannot resolve string annotations.
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

COLUMNS = [
    "activity_date",
    "campaign_id",
    "founded_date",
    "first_seen_date",
    "last_flagged_date",
    "is_flagged",
    "matched_by",
    "identifier_kind",
    "identifier_value",
]


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
    for row in templates.itertuples(index=False):
        if row.cluster_id in uf.parent:
            by_key["t:" + row.prompt_template_hash].add(row.cluster_id)
    for row in members.itertuples(index=False):
        if isinstance(row.payment_fingerprint, str) and row.payment_fingerprint:
            by_key["p:" + row.payment_fingerprint].add(row.cluster_id)
    for key in sorted(by_key):
        holders = sorted(by_key[key])
        for other in holders[1:]:
            uf.union(holders[0], other)
    groups: dict[str, Group] = {}
    for cluster in clusters:
        root = uf.find(cluster)
        groups.setdefault(root, Group(set(), set(), set(), set(), date.max)).clusters.add(cluster)
    for row in members.itertuples(index=False):
        group = groups[uf.find(row.cluster_id)]
        group.accounts.add(row.account_id)
        if isinstance(row.payment_fingerprint, str) and row.payment_fingerprint:
            group.payments.add(row.payment_fingerprint)
        group.first_seen = min(group.first_seen, pd.Timestamp(row.first_active_date).date())
    for row in templates.itertuples(index=False):
        if row.cluster_id in uf.parent:
            groups[uf.find(row.cluster_id)].templates.add(row.prompt_template_hash)
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
    for row in state.sort_values(["campaign_id", "identifier_kind", "identifier_value"]).itertuples(
        index=False
    ):
        item = known.get(row.campaign_id)
        if item is None:
            item = known[row.campaign_id] = Known(
                campaign_id=row.campaign_id,
                founded=pd.Timestamp(row.founded_date).date(),
                first_seen=pd.Timestamp(row.first_seen_date).date(),
                last_flagged=pd.Timestamp(row.last_flagged_date).date(),
            )
        if row.identifier_kind == "account":
            item.accounts.add(row.identifier_value)
        elif row.identifier_kind == "template":
            item.templates.add(row.identifier_value)
        elif row.identifier_kind == "payment":
            item.payments.add(row.identifier_value)
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

    rows: list[tuple] = []
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


SPARK_SCHEMA = (
    "activity_date date, campaign_id string, founded_date date, first_seen_date date, "
    "last_flagged_date date, is_flagged boolean, matched_by string, identifier_kind string, "
    "identifier_value string"
)


def _pandas(relation):
    return relation.df() if hasattr(relation, "df") else relation.toPandas()


def model(dbt, session):
    dbt.config(materialized="incremental")
    params = _pandas(dbt.ref("int_detection_parameters")).iloc[0]
    run_date = pd.Timestamp(params["run_date"]).date()
    retention_days = int(params["identity_retention_days"])
    members = _pandas(dbt.ref("int_detection_cluster_members"))
    members = members[members["is_listed"].astype(bool)][
        ["cluster_id", "account_id", "payment_fingerprint", "first_active_date"]
    ]
    flagged = set(members["cluster_id"])
    templates = _pandas(dbt.ref("int_detection_cluster_signature_templates"))
    templates = templates[templates["cluster_id"].isin(flagged)][["cluster_id", "prompt_template_hash"]]

    state = pd.DataFrame(columns=COLUMNS)
    if dbt.is_incremental:
        # the latest earlier state (a re-run of a past date never reads its own or later rows)
        latest = _pandas(
            session.sql(
                f"select max(activity_date) as latest from {dbt.this} "
                f"where activity_date < date '{run_date.isoformat()}'"
            )
        )["latest"].iloc[0]
        if pd.notna(latest) and pd.Timestamp(latest).date() >= run_date - timedelta(days=retention_days):
            state = _pandas(
                session.sql(
                    f"select * from {dbt.this} "
                    f"where activity_date = date '{pd.Timestamp(latest).date().isoformat()}'"
                )
            )

    result = assign_identities(
        run_date,
        group_clusters(members, templates),
        known_from_state(state),
        account_overlap_min=float(params["identity_account_overlap_min"]),
        template_overlap_min=float(params["identity_template_overlap_min"]),
        retention_days=retention_days,
    )
    if hasattr(session, "createDataFrame"):  # Spark
        return session.createDataFrame(result, schema=SPARK_SCHEMA)
    session.register("identity_rows", result)
    return session.sql(
        """
        select
            cast(activity_date as date) as activity_date,
            cast(campaign_id as varchar) as campaign_id,
            cast(founded_date as date) as founded_date,
            cast(first_seen_date as date) as first_seen_date,
            cast(last_flagged_date as date) as last_flagged_date,
            cast(is_flagged as boolean) as is_flagged,
            cast(matched_by as varchar) as matched_by,
            cast(identifier_kind as varchar) as identifier_kind,
            cast(identifier_value as varchar) as identifier_value
        from identity_rows
        """
    )
