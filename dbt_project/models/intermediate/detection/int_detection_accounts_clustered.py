"""Account -> cluster over the detection window: flows/detection/clustering.py does the work."""

import duckdb
import pandas as pd

from flows.detection.clustering import cluster_accounts
from flows.detection.relations import relation_frame


def model(dbt, session: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    dbt.config(materialized="table")
    params = relation_frame(dbt.ref("int_detection_parameters")).iloc[0]
    edges = relation_frame(dbt.ref("int_detection_account_identifiers"), "account_id", "identifier")
    evidence = relation_frame(dbt.ref("int_detection_account_link_evidence"), "account_id", "identifier")
    behaviour = relation_frame(
        dbt.ref("int_detection_account_behaviour"), "account_id", "feature", "request_share"
    )
    accounts = relation_frame(dbt.ref("int_detection_accounts_windowed"), "account_id")
    result = cluster_accounts(
        accounts["account_id"].astype(str),
        edges,
        evidence=evidence,
        behaviour=behaviour.astype({"account_id": str, "feature": str}),
        community_min_accounts=int(params["community_min_accounts"]),
        seed=int(params["community_seed"]),
        merge_share=float(params["community_merge_share"]),
        pair_max_reach=int(params["link_pair_max_reach"]),
        strong_link_min=float(params["link_strong_min"]),
        join_share=float(params["link_join_share"]),
        behaviour_min=float(params["link_behaviour_min"]),
    )
    result.insert(0, "run_date", params["run_date"])
    return result
