"""Stable campaign identity across days: flows.detection.identity (int_detection_campaign_identity)."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from flows.detection import identity

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


def _members(rows: list[tuple[str, str, str | None]], first: date = D1) -> pd.DataFrame:
    return pd.DataFrame(
        [(c, a, p, first) for c, a, p in rows],
        columns=["cluster_id", "account_id", "payment_fingerprint", "first_active_date"],
    )


def _templates(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["cluster_id", "prompt_template_hash"])


def _run(day: date, members, templates, state=None, **kwargs) -> pd.DataFrame:
    known = identity.known_from_state(state if state is not None else pd.DataFrame(columns=identity.COLUMNS))
    return identity.assign_identities(day, identity.group_clusters(members, templates), known, **kwargs)


def _ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["campaign_id"])


def _accounts(frame: pd.DataFrame, campaign_id: str) -> set[str]:
    rows = frame[(frame["campaign_id"] == campaign_id) & (frame["identifier_kind"] == "account")]
    return set(rows["identifier_value"])


def test_a_new_campaign_gets_a_deterministic_id_from_its_founding_accounts() -> None:
    members = _members([("c1", "a1", "p1"), ("c1", "a2", None)])
    first = _run(D1, members, _templates([("c1", "t1")]))
    again = _run(D1, members.iloc[::-1], _templates([("c1", "t1")]))
    (campaign_id,) = _ids(first)
    assert campaign_id == identity.campaign_id_for(D1, {"a1", "a2"})
    assert campaign_id.startswith("DW-2026-03-01-") and len(campaign_id) == len("DW-2026-03-01-") + 8
    assert _ids(again) == {campaign_id}
    assert set(first["matched_by"]) == {"new"}
    assert set(first["identifier_kind"]) == {"cluster", "account", "template", "payment"}


def test_the_id_survives_growth_shrinkage_and_rotation() -> None:
    day1 = _run(D1, _members([("c1", f"a{i}", None) for i in range(10)]), _templates([("c1", "t1")]))
    (campaign_id,) = _ids(day1)
    # grows: 10 old accounts + 20 new ones, new cluster id
    day2 = _run(
        D2,
        _members([("k9", f"a{i}", None) for i in range(30)]),
        _templates([("k9", "t1")]),
        day1,
    )
    assert _ids(day2) == {campaign_id}
    assert set(day2["matched_by"]) == {"accounts"}
    assert _accounts(day2, campaign_id) == {f"a{i}" for i in range(30)}
    # rotates: entirely new accounts, same signature template
    day3 = _run(D3, _members([("k1", f"z{i}", None) for i in range(5)]), _templates([("k1", "t1")]), day2)
    assert _ids(day3) == {campaign_id}
    assert set(day3["matched_by"]) == {"templates"}
    assert set(day3["founded_date"]) == {D1}


def test_a_shared_payment_instrument_carries_the_id_too() -> None:
    day1 = _run(D1, _members([("c1", "a1", "card"), ("c1", "a2", "card")]), _templates([]))
    day2 = _run(D2, _members([("c7", "b1", "card"), ("c7", "b2", None)]), _templates([]), day1)
    assert _ids(day2) == _ids(day1)
    assert set(day2["matched_by"]) == {"payment"}


def test_clusters_sharing_a_signature_template_are_one_campaign() -> None:
    members = _members([("c1", "a1", None), ("c1", "a2", None), ("c2", "a3", None), ("c3", "x1", None)])
    frame = _run(D1, members, _templates([("c1", "t1"), ("c2", "t1"), ("c3", "t9")]))
    assert len(_ids(frame)) == 2
    clusters = (
        frame[frame["identifier_kind"] == "cluster"].groupby("campaign_id")["identifier_value"].apply(set)
    )
    assert sorted(clusters.tolist(), key=len) == [{"c3"}, {"c1", "c2"}]


def test_when_two_known_campaigns_merge_the_earliest_founded_keeps_its_id() -> None:
    day1 = _run(D1, _members([("c1", "a1", None), ("c1", "a2", None)]), _templates([("c1", "t1")]))
    day2 = _run(
        D2,
        _members([("c1", "a1", None), ("c1", "a2", None), ("c2", "b1", None), ("c2", "b2", None)]),
        _templates([("c1", "t1"), ("c2", "t2")]),
        day1,
    )
    (older,) = _ids(day1)
    assert len(_ids(day2)) == 2
    newer = (_ids(day2) - {older}).pop()
    day3 = _run(
        D3,
        _members([("k", a, None) for a in ("a1", "a2", "b1", "b2")]),
        _templates([("k", "t1"), ("k", "t2")]),
        day2,
    )
    assert _ids(day3) == {older}
    assert newer not in _ids(day3)


def test_an_unmatched_campaign_is_carried_until_its_retention_ends() -> None:
    day1 = _run(D1, _members([("c1", "a1", None), ("c1", "a2", None)]), _templates([("c1", "t1")]))
    (campaign_id,) = _ids(day1)
    day2 = _run(D2, _members([]), _templates([]), day1, retention_days=1)
    assert _ids(day2) == {campaign_id}
    assert set(day2["is_flagged"]) == {False}
    assert set(day2["matched_by"]) == {"carried"}
    assert "cluster" not in set(day2["identifier_kind"])
    day3 = _run(D3, _members([]), _templates([]), day2, retention_days=1)
    assert day3.empty
    # back within retention: recognised by its accounts
    back = _run(D3, _members([("c5", "a1", None), ("c5", "a9", None)]), _templates([]), day2)
    assert _ids(back) == {campaign_id}


def _state_table(connection: duckdb.DuckDBPyConnection, *days: date) -> None:
    """The model's table with one campaign known on each of `days`."""
    frames = [
        _run(day, _members([("c1", "a1", None), ("c1", "a2", None)]), _templates([("c1", "t1")]))
        for day in days
    ]
    connection.register("state_rows", pd.concat(frames, ignore_index=True))
    connection.execute("create table identity_state as select * from state_rows")


def test_a_run_reads_the_latest_earlier_state_within_retention_only() -> None:
    connection = duckdb.connect()
    _state_table(connection, D1, D2, D3)
    # the latest date before the run date; a re-run of D2 never reads D2 or D3
    rerun = identity.latest_earlier_state(connection, "identity_state", D2, retention_days=30)
    assert set(pd.to_datetime(rerun["activity_date"]).dt.date) == {D1}
    # the latest earlier state is too old: nothing is known
    later = date(2026, 4, 10)
    assert identity.latest_earlier_state(connection, "identity_state", later, retention_days=30).empty
    kept = identity.latest_earlier_state(connection, "identity_state", later, retention_days=38)
    assert set(pd.to_datetime(kept["activity_date"]).dt.date) == {D3}


def test_only_listed_accounts_and_templates_of_their_clusters_make_campaigns() -> None:
    members = _members([("c1", "a1", "p1"), ("c1", "a2", None), ("c2", "b1", "p1")])
    members["is_listed"] = [True, True, False]
    templates = _templates([("c1", "t1"), ("c2", "t2")])
    frame = identity.campaign_identities(
        D1, members, templates, None, account_overlap_min=0.3, template_overlap_min=0.5, retention_days=30
    )
    rows = frame.groupby("identifier_kind")["identifier_value"].apply(set).to_dict()
    assert rows == {"cluster": {"c1"}, "account": {"a1", "a2"}, "template": {"t1"}, "payment": {"p1"}}


def test_the_model_relation_has_its_column_types_even_without_rows() -> None:
    connection = duckdb.connect()
    relation = identity.typed_relation(connection, pd.DataFrame(columns=identity.COLUMNS))
    types = {name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)}
    assert types == {name: kind.upper() for name, kind in identity.COLUMN_TYPES.items()}
