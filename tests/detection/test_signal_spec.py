"""The detection signal spec (dbt_project.yml, var detection_signals; flows.detection.signals):
one set of names for the dbt scoring and for the reports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from factories import make_campaign_evidence

from flows.detection import signals
from flows.report import atlas
from flows.settings import DBT_PROJECT_DIR, REPO_ROOT

REPORT_MODULES = sorted((REPO_ROOT / "flows" / "report").glob("*.py"))
# CampaignEvidence methods and spec helpers whose string arguments are signal names
SIGNAL_NAME_CALLS = {"fired", "signal", "known_signal"}


def signal_names_used_in(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in SIGNAL_NAME_CALLS:
                strings = [a.value for a in node.args if isinstance(a, ast.Constant)]
                names |= {s for s in strings if isinstance(s, str)}
    return names


def test_the_spec_loads_with_known_families_and_vars() -> None:
    specs = signals.signal_specs()
    assert len(specs) == len(signals.signal_names()) > 20
    assert {s.family for s in specs} == {"extraction", "targeting", "concealment", "farming"}
    # every bar and points var is a detection var with a default
    defaults = (DBT_PROJECT_DIR / "macros" / "detection" / "detection_vars.sql").read_text(encoding="utf-8")
    declared = set(re.findall(r"d\.update\(\{'([a-z0-9_]+)'", defaults))
    for spec in specs:
        assert {spec.bar_var, spec.points_var} <= declared, spec.name
        assert set(re.findall(r"[{]([a-z0-9_]+)[}]", spec.description)) <= declared, spec.name


def test_every_signal_the_reports_name_is_in_the_spec() -> None:
    used = set().union(*(signal_names_used_in(p) for p in REPORT_MODULES))
    used |= {*atlas.PROXY_SIGNALS, *atlas.FARMING_SIGNALS, *atlas.PROMPT_SIGNALS, *atlas.EXTRACTION_SIGNALS}
    used |= {s.name for s in make_campaign_evidence().signals}  # the reports' test evidence
    assert "farming_pathways" in used and "capability_targeting" in used  # the scan sees them
    assert used - signals.signal_names() == set()


def test_every_atlas_group_and_technique_of_the_spec_exists() -> None:
    for group in (atlas.PROXY_SIGNALS, atlas.FARMING_SIGNALS, atlas.PROMPT_SIGNALS, atlas.EXTRACTION_SIGNALS):
        assert group
    technique_ids = {t.id for t in atlas.TECHNIQUES}
    assert {i for s in signals.signal_specs() for i in s.atlas} <= technique_ids


def test_a_name_outside_the_spec_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a detection signal"):
        signals.known_signal("capability_concentration")
    project = yaml.safe_load(signals.DBT_PROJECT_FILE.read_text(encoding="utf-8"))
    project["vars"]["detection_signals"].append(project["vars"]["detection_signals"][0])
    twice = tmp_path / "dbt_project.yml"
    twice.write_text(yaml.safe_dump(project), encoding="utf-8")
    with pytest.raises(ValueError, match="twice"):
        signals.load_signal_specs(twice)


def test_the_scoring_macro_emits_exactly_the_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Render the long points table (detection_signal_points) through dbt: its signals, in
    order, are the spec's. (The macro also refuses to compile when they differ.)"""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("DISTILLWATCH_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DISTILLWATCH_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("DISTILLWATCH_RUN_DATE", "2026-11-26")
    result = dbtRunner().invoke(
        [
            "compile",
            "--inline",
            "{{ detection_signal_points('group_signals', ['group_id']) }}",
            "--vars",
            "{run_date: '2026-11-26'}",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    sql = result.result.results[0].node.compiled_code
    emitted = re.findall(r"'([a-z_]+)' as signal,\s*'([a-z]+)' as family", sql)
    assert emitted == [(s.name, s.family) for s in signals.signal_specs()]
