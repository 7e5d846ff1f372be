"""The marts are the interface between dbt and Python.

Python (flows/) reads marts only, never an intermediate (`int_`) or staging (`stg_`) model, and
every mart it reads (in SQL it writes, or as a quality-gate suite's table in expectations/)
has an enforced dbt contract with a type on every column: a mart that changes shape fails
`dbt build`, not a report at night.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from flows.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

FLOWS = Path(__file__).resolve().parent.parent / "flows"
MODELS = DBT_PROJECT_DIR / "models"
# Contracts that the lead adds with the columns other work is adding now (issue 13, item 1).
# Once one has its contract, take it out of here (test_pending_contracts_are_still_pending).
CONTRACT_PENDING = frozenset({"fct_campaigns", "fct_campaign_accounts", "fct_campaign_signals"})


def python_sources() -> dict[str, str]:
    return {str(p.relative_to(FLOWS.parent)): p.read_text() for p in sorted(FLOWS.rglob("*.py"))}


def model_entries() -> dict[str, tuple[Path, dict]]:
    """Every model's YAML entry, by name, with the file it is in."""
    entries: dict[str, tuple[Path, dict]] = {}
    for path in sorted(MODELS.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            entries[model["name"]] = (path, model)
    return entries


def model_names() -> set[str]:
    return {p.stem for p in MODELS.rglob("*.sql")} | {p.stem for p in MODELS.rglob("*.py")}


def marts_python_reads() -> set[str]:
    names = model_names()
    words = set()
    for text in python_sources().values():
        words |= set(re.findall(r"\b[a-z][a-z0-9_]*\b", text))
    suite_tables = {json.loads(p.read_text())["meta"]["table"] for p in EXPECTATIONS_DIR.glob("*.json")}
    return (words & names) | suite_tables


def test_no_python_module_reads_an_intermediate_or_staging_model() -> None:
    layered = {n for n in model_names() if n.startswith(("int_", "stg_"))}
    found = {
        (path, name)
        for path, text in python_sources().items()
        for name in re.findall(r"\b(?:int|stg)_[a-z0-9_]+\b", text)
        if name in layered
    }
    assert found == set(), "Python must read marts only (make the aggregate a mart)"


def test_the_scan_sees_what_python_reads() -> None:
    # the scan finds the marts the digest and the reports read; if it found nothing, the
    # contract test below would pass on an empty set
    assert {
        "fct_account_daily",
        "dim_accounts",
        "fct_campaign_members",
        "fct_campaigns",
    } <= marts_python_reads()


def test_every_mart_python_reads_has_an_enforced_contract() -> None:
    entries = model_entries()
    missing = []
    for name in sorted(marts_python_reads() - CONTRACT_PENDING):
        path, model = entries[name]
        assert path.is_relative_to(MODELS / "marts"), f"{name}: Python reads it, so it is a mart"
        contract = ((model.get("config") or {}).get("contract") or {}).get("enforced")
        untyped = [c["name"] for c in model.get("columns") or [] if not c.get("data_type")]
        if contract is not True or untyped or not model.get("columns"):
            missing.append((name, contract, untyped))
    assert missing == []


def test_pending_contracts_are_still_pending() -> None:
    entries = model_entries()
    done = {
        name
        for name in CONTRACT_PENDING
        if ((entries[name][1].get("config") or {}).get("contract") or {}).get("enforced")
    }
    assert done == set(), "these have their contract now: remove them from CONTRACT_PENDING"


@pytest.mark.parametrize("name", sorted(CONTRACT_PENDING))
def test_pending_ones_are_read_by_python(name: str) -> None:
    assert name in marts_python_reads()
