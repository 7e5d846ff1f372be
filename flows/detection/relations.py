"""What the dbt Python models of detection are given, as pandas frames.

dbt-duckdb runs the Python models in the dbt process: `dbt.ref(...)` and `session.sql(...)` are
DuckDB relations. The models convert them here, and only the columns they read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import duckdb


def relation_frame(relation: duckdb.DuckDBPyRelation, *columns: str) -> pd.DataFrame:
    """The relation as a pandas frame; only `columns` when given (the rest is never converted)."""
    return (relation.project(", ".join(columns)) if columns else relation).df()
