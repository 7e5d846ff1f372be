"""All configuration in one object, read from DISTILLWATCH_* environment variables and CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.tlp import DEFAULT_TLP, normalize_tlp

if TYPE_CHECKING:
    from flows.contract import DropLimits

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
TEMPLATES_DIR = REPO_ROOT / "templates"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# Days of the detection signals' rolling window, unless `window_days` is set (also the default of
# `flows.detection.replay`).
DEFAULT_WINDOW_DAYS = 7


class Settings(BaseSettings):
    """Where data comes from and goes to, and how the run behaves.

    Every field can be set by environment variable (``DISTILLWATCH_<FIELD>``) or by the CLI flag
    of the same name. Relative paths are taken from the working directory.
    """

    model_config = SettingsConfigDict(env_prefix="DISTILLWATCH_", extra="ignore")

    export_root: str = Field("data/exports", description="Export root: folder, file:// or s3:// URL")
    landing_dir: Path = Field(Path("data/landing"), description="Local landing zone, one folder per date")
    warehouse: Path = Field(Path("data/warehouse.duckdb"), description="DuckDB warehouse file")
    reports_dir: Path = Field(Path("reports"), description="Where PDFs and CSVs are written")
    outbox_dir: Path = Field(Path("outbox"), description="Where .eml files go when no SMTP host is set")
    labels_dir: Path = Field(Path("data/labels"), description="Synthetic generator's ground-truth labels")

    dbt_target: str = Field("duckdb", description="dbt target: duckdb or spark")
    dbt_log_level_file: Literal["debug", "info", "warn", "error", "none"] = Field(
        "info",
        description="Level of dbt's log file (<target>/logs/dbt.log). debug writes every SQL "
        "statement: a quarter of a tiny day's dbt time goes to writing it (docs/benchmark.md); "
        "the SQL of each node stays in <target>/run/ either way",
    )
    duckdb_memory_limit: str = Field(
        "4GB",
        pattern=r"^[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB memory limit of the dbt build (beyond it DuckDB spills to disk; "
        "its default, 80% of RAM, let an incident-size day take 8 GB; 2GB was too little for "
        "a 10M-request day: dim_accounts and the detection window ran out of memory)",
    )
    spark_dir: Path = Field(
        Path("data/spark"),
        description="Spark target (local mode): table files and Derby metastore folder",
    )
    spark_schema: str = Field(
        "distillwatch",
        pattern=r"^[a-z_][a-z0-9_]*$",
        description="Spark targets: the schema (database) dbt builds the tables in",
    )
    window_days: int = Field(
        DEFAULT_WINDOW_DAYS, ge=1, le=90, description="Rolling window of the detection signals"
    )
    tlp: str = Field(DEFAULT_TLP, description="TLP marking on threat reports (flows/tlp.py: TLP_LABELS)")

    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (e.g. MinIO)")

    smtp_host: str | None = Field(None, description="SMTP server; unset means write .eml files")
    smtp_port: int = 587
    smtp_security: str = Field("starttls", pattern="^(ssl|starttls|none)$")
    smtp_username: str | None = None
    # SecretStr: shown as '**********' by repr, logs and model_dump; only deliver.py unwraps it.
    smtp_password: SecretStr | None = Field(None, repr=False)
    smtp_password_block: str | None = Field(None, description="Prefect Secret block holding the password")
    mail_from: str = "distillwatch@trust-safety.example"
    mail_to: list[str] = Field(default_factory=lambda: ["trust-safety@trust-safety.example"])
    mail_allowed: list[str] = Field(
        default_factory=lambda: ["trust-safety.example"],
        description="Allow-listed recipient addresses and domains",
    )
    attachment_limit_bytes: int = 15_000_000

    writer_lock_timeout_s: float = Field(3600, description="How long a run waits for the warehouse")

    # Caps on an export drop: beyond them the drop is refused with one line naming the cap
    # (a string cell beyond max_string_bytes quarantines its row). Generous for real drops
    # (a 10M-request day is ~10 parts of a few hundred MB), small enough that a malformed or
    # hostile drop cannot exhaust memory or disk.
    max_manifest_bytes: int = Field(4 << 20, ge=1024, description="Largest _manifest.json accepted, in bytes")
    max_parts: int = Field(10_000, ge=1, description="Most requests parts a drop may list")
    max_part_bytes: int = Field(8 << 30, ge=1, description="Largest file of a drop accepted (Parquet bytes)")
    max_string_bytes: int = Field(
        4096, ge=64, description="Longest string cell kept (UTF-8 bytes); longer rows quarantined"
    )

    @field_validator("tlp")
    @classmethod
    def _known_tlp(cls, value: str) -> str:
        """A known marking, normalized (`amber` -> `TLP:AMBER`); an unknown one is refused at start-up
        rather than when the first report is rendered."""
        return normalize_tlp(value)

    @property
    def drop_limits(self) -> DropLimits:
        from flows.contract import DropLimits

        return DropLimits(
            max_manifest_bytes=self.max_manifest_bytes,
            max_parts=self.max_parts,
            max_part_bytes=self.max_part_bytes,
            max_string_bytes=self.max_string_bytes,
        )

    # --- operations: alerts, timeouts, delivery ledger (issue 11) ---
    late_data_alert_hour_utc: int = Field(
        9,
        ge=0,
        le=23,
        description="Hour (UTC) of the day after the run date by which the drop must have arrived; "
        "the nightly waits for a missing drop until then, then sends one late-data alert",
    )
    drop_poll_interval_s: float = Field(
        300, gt=0, description="How often the nightly looks for a drop that has not arrived yet"
    )
    task_timeout_s: float = Field(
        4 * 3600,
        gt=0,
        description="Timeout of every Prefect task (generous: an incident-size day's dbt build "
        "takes minutes, not hours)",
    )
    render_workers: int | None = Field(
        None,
        ge=1,
        description="Processes rendering the campaign PDFs of a day at once; default: one per CPU "
        "this process may run on",
    )
    delivery_ledger: Path | None = Field(
        None,
        description="JSON-lines record of every message sent, so a re-run does not send again; "
        "default: <warehouse>.deliveries.jsonl beside the warehouse",
    )
