"""Model line-up of the generated period and `reference/model_releases.csv`.

A few models already exist when the period starts (an older, cheaper one keeps a residual
share); one new frontier model is released in the middle of the period at 18:00 UTC, so the
data holds both the days before it and at least a day after it. How fast each cohort moves
to it is a per-account property (see `flows.synth.cohort.Behaviour.adopt_delay_h`):
ordinary users drift over days to weeks, early adopters within hours, and distillation
campaigns pivot most of their volume within a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import fsspec

from flows.contract import MODEL_RELEASES_HEADER, MODEL_RELEASES_PATH
from flows.csv_output import csv_text

RELEASE_HOUR_UTC = 18


@dataclass(frozen=True)
class ModelRelease:
    model: str
    released_at: datetime  # UTC


@dataclass(frozen=True)
class ModelLineup:
    existing: tuple[ModelRelease, ...]  # released before the period, in release order
    new: ModelRelease  # released during the period
    release_day: int  # index of the release date within the period

    @property
    def names(self) -> tuple[str, ...]:
        """Model names by code: existing ones first, the new model last."""
        return (*(m.model for m in self.existing), self.new.model)

    @property
    def new_code(self) -> int:
        return len(self.existing)

    @property
    def release_us(self) -> int:
        return int(self.new.released_at.timestamp() * 1_000_000)


# Existing models: (name, days released before the period, share among ordinary traffic).
EXISTING_MODELS: tuple[tuple[str, int, float], ...] = (
    ("claude-3-5-haiku", 420, 0.06),
    ("claude-opus-4-1", 110, 0.14),
    ("claude-sonnet-4-5", 60, 0.55),
    ("claude-haiku-4-5", 40, 0.25),
)
NEW_MODEL = "claude-opus-4-5"


def release_day_index(days: int) -> int:
    """The middle day: day 8 of 14 (index 7), day 15 of 28, the only day of a 1-day period."""
    return days // 2


def lineup(start: date, days: int) -> ModelLineup:
    def at(day: date) -> datetime:
        return datetime.combine(day, time(RELEASE_HOUR_UTC), tzinfo=UTC)

    existing = tuple(ModelRelease(name, at(start - timedelta(days=ago))) for name, ago, _ in EXISTING_MODELS)
    index = release_day_index(days)
    return ModelLineup(existing, ModelRelease(NEW_MODEL, at(start + timedelta(days=index))), index)


def write_model_releases(export_root: str, models: ModelLineup, storage_options: dict | None = None) -> None:
    """Write `reference/model_releases.csv` (oldest first, ISO 8601 with a Z suffix)."""
    rows = sorted((*models.existing, models.new), key=lambda m: (m.released_at, m.model))
    text = csv_text(
        MODEL_RELEASES_HEADER, [(m.model, m.released_at.strftime("%Y-%m-%dT%H:%M:%SZ")) for m in rows]
    )
    fs, path = fsspec.core.url_to_fs(
        f"{export_root.rstrip('/')}/{MODEL_RELEASES_PATH}", **(storage_options or {})
    )
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(path, "wb") as out:
        out.write(text.encode("utf-8"))
