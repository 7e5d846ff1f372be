"""The detection signal spec, as Python reads it: var `detection_signals` of dbt_project.yml.

That var is the one definition of every signal the scoring emits (name, family, direction, bar
and points vars, the MITRE ATLAS techniques it is evidence of, description); the dbt macro
`detection_signal_specs()` adds each signal's SQL and fails compilation when its names differ.
The reports take their signal groups from here, so a name they test for is a name dbt emits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import yaml

from flows.settings import DBT_PROJECT_DIR

Family = Literal["extraction", "targeting", "concealment", "farming"]
Direction = Literal[">=", "<="]

DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"


@dataclass(frozen=True)
class SignalSpec:
    name: str
    family: Family
    direction: Direction  # the signal holds when value <direction> threshold
    bar_var: str  # detection var of its bar (macros/detection/detection_vars.sql)
    points_var: str  # detection var of the points it earns
    atlas: tuple[str, ...]  # MITRE ATLAS technique ids it is evidence of
    description: str  # with {detection var} placeholders, as dbt_project.yml has it


def _spec(entry: dict[str, Any]) -> SignalSpec:
    family, direction = entry["family"], entry["direction"]
    if family not in get_args(Family) or direction not in get_args(Direction):
        raise ValueError(f"detection signal {entry.get('signal')!r}: unknown family or direction: {entry}")
    return SignalSpec(
        name=entry["signal"],
        family=cast(Family, family),
        direction=cast(Direction, direction),
        bar_var=entry["bar"],
        points_var=entry["points"],
        atlas=tuple(entry.get("atlas") or ()),
        description=entry["description"],
    )


def load_signal_specs(project_file: Path = DBT_PROJECT_FILE) -> tuple[SignalSpec, ...]:
    """The signals of a dbt_project.yml, in its order (the report order)."""
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    specs = tuple(_spec(entry) for entry in project["vars"]["detection_signals"])
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"{project_file}: detection_signals names a signal twice: {names}")
    return specs


@cache
def signal_specs() -> tuple[SignalSpec, ...]:
    """The project's signals (read once)."""
    return load_signal_specs()


def signal_names() -> frozenset[str]:
    return frozenset(s.name for s in signal_specs())


def known_signal(name: str) -> str:
    """`name`, checked against the spec: a report that names a signal dbt does not emit fails
    at import, not silently by never seeing it fire."""
    if name not in signal_names():
        raise ValueError(f"{name!r} is not a detection signal (dbt_project.yml, var detection_signals)")
    return name


def signals_supporting(technique_id: str) -> tuple[str, ...]:
    """The signals that are evidence of an ATLAS technique, in spec order."""
    return tuple(s.name for s in signal_specs() if technique_id in s.atlas)
