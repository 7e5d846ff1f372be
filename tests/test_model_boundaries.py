"""The marts are the interface between dbt and Python.

Python (flows/) reads marts only, never an intermediate (`int_`) or staging (`stg_`) model, and
every mart it reads (in SQL it writes, or as a quality-gate suite's table in expectations/)
has an enforced dbt contract with a type on every column: a mart that changes shape fails
`dbt build`, not a report at night. Contracts are read from the manifest of `dbt parse` on the
DuckDB target (where Python reads the marts; the YAML may render the setting per target).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, Settings
from flows.transform import dbt_target_path, parse_dbt

FLOWS = Path(__file__).resolve().parent.parent / "flows"
MODELS = DBT_PROJECT_DIR / "models"


def python_sources() -> dict[str, str]:
    return {str(p.relative_to(FLOWS.parent)): p.read_text() for p in sorted(FLOWS.rglob("*.py"))}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """Every model of the parsed project (DuckDB target), by name: its manifest node."""
    scratch = tmp_path_factory.mktemp("parse")
    settings = Settings(landing_dir=scratch / "landing", warehouse=scratch / "warehouse.duckdb")
    manifest = json.loads(parse_dbt(settings).read_text())
    shutil.rmtree(dbt_target_path(settings), ignore_errors=True)
    yield {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def contract_gaps(node: dict[str, Any]) -> list[str]:
    """What keeps a model from having an enforced, fully typed contract (empty: nothing)."""
    gaps = [] if node["config"]["contract"]["enforced"] is True else ["contract not enforced"]
    if not node["columns"]:
        gaps.append("no columns declared")
    gaps += [f"{c}: no data_type" for c, column in node["columns"].items() if not column.get("data_type")]
    return gaps


def model_names() -> set[str]:
    return {p.stem for p in MODELS.rglob("*.sql")} | {p.stem for p in MODELS.rglob("*.py")}


def marts_python_reads() -> set[str]:
    names = model_names()
    words = set()
    for text in python_sources().values():
        words |= set(re.findall(r"\b[a-z][a-z0-9_]*\b", code_strings(text)))
    suite_tables = {json.loads(p.read_text())["meta"]["table"] for p in EXPECTATIONS_DIR.glob("*.json")}
    return (words & names) | suite_tables


def code_strings(source: str) -> str:
    """The string literals and names of a module's code, without its docstrings and comments.

    A read of a table names it in code (SQL text, an f-string, an argument); prose that names a
    model (e.g. flows/detection/clustering.py saying which dbt model calls it) reads nothing.
    """
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    parts = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    parts += [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]
    parts += [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)]
    return "\n".join(parts)


def test_no_python_module_reads_an_intermediate_or_staging_model() -> None:
    layered = {n for n in model_names() if n.startswith(("int_", "stg_"))}
    found = {
        (path, name)
        for path, text in python_sources().items()
        for name in re.findall(r"\b(?:int|stg)_[a-z0-9_]+\b", code_strings(text))
        if name in layered
    }
    assert found == set(), "Python must read marts only (make the aggregate a mart)"


def test_the_intermediate_scan_sees_a_read_in_code_and_not_in_prose() -> None:
    read = 'def f(con):\n    """Reads int_a_daily."""\n    return con.sql("from int_x_daily")\n'
    assert re.findall(r"\bint_[a-z0-9_]+", code_strings(read)) == ["int_x_daily"]


def test_the_scan_sees_what_python_reads() -> None:
    # the scan finds the marts the digest and the reports read; if it found nothing, the
    # contract test below would pass on an empty set
    assert {
        "fct_account_daily",
        "dim_accounts",
        "fct_campaign_members",
        "fct_campaigns",
    } <= marts_python_reads()


def test_every_mart_python_reads_has_an_enforced_contract(models: dict[str, dict[str, Any]]) -> None:
    read = marts_python_reads()
    assert read <= models.keys()
    outside_marts = sorted(n for n in read if not models[n]["original_file_path"].startswith("models/marts/"))
    assert outside_marts == [], "Python reads them, so they must be marts"
    gaps = {name: contract_gaps(models[name]) for name in sorted(read)}
    assert {name: g for name, g in gaps.items() if g} == {}
