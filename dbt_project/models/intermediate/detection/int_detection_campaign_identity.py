"""Campaign identity, incremental by date: flows/detection/identity.py does the work."""

import duckdb
import pandas as pd

from flows.detection.identity import campaign_identities, latest_earlier_state, typed_relation
from flows.detection.relations import relation_frame


def model(dbt, session: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    dbt.config(materialized="incremental")
    params = relation_frame(dbt.ref("int_detection_parameters")).iloc[0]
    run_date = pd.Timestamp(params["run_date"]).date()
    retention_days = int(params["identity_retention_days"])
    state = (
        latest_earlier_state(session, str(dbt.this), run_date, retention_days) if dbt.is_incremental else None
    )
    rows = campaign_identities(
        run_date,
        relation_frame(dbt.ref("int_detection_cluster_members")),
        relation_frame(dbt.ref("int_detection_cluster_signature_templates")),
        state,
        account_overlap_min=float(params["identity_account_overlap_min"]),
        template_overlap_min=float(params["identity_template_overlap_min"]),
        retention_days=retention_days,
    )
    return typed_relation(session, rows)
