"""Usage export contract, version 1: the one statement of the export format in this repo.

The daily exports are written upstream (or by our synthetic generator, `flows.synth`) and read
by `flows.pull` / `flows.validate`. Both sides take columns, types, nullability and enum values
from here, so the generator cannot drift from what the reader accepts. `docs/export-contract.md`
says the same in prose.

Layout of an export root (a local folder, a ``file://`` URL or ``s3://bucket/prefix``)::

    <root>/reference/model_releases.csv          model,released_at (ISO 8601, UTC)
    <root>/usage/date=YYYY-MM-DD/requests-00000.parquet   one or more parts
    <root>/usage/date=YYYY-MM-DD/accounts.parquet
    <root>/usage/date=YYYY-MM-DD/_manifest.json  written last; a drop without it is incomplete

A drop is complete only when its manifest exists and every listed file is present with the
listed row count and sha256. A re-published drop for a date replaces the old one entirely.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

SCHEMA_VERSION = 1
MANIFEST_NAME = "_manifest.json"
ACCOUNTS_FILE = "accounts.parquet"
REQUESTS_PART_TEMPLATE = "requests-{part:05d}.parquet"
REQUESTS_PART_PREFIX = "requests-"
MODEL_RELEASES_PATH = "reference/model_releases.csv"

CAPABILITIES: tuple[str, ...] = (
    "coding",
    "agentic_coding",
    "tool_use",
    "agentic_reasoning",
    "reasoning",
    "data_analysis",
    "computer_vision",
    "computer_use",
    "alignment_safety",
    "creative_writing",
    "general_chat",
    "translation",
    "summarization",
    "other",
)
ACCESS_CHANNELS: tuple[str, ...] = ("api", "batch", "cloud_partner", "console")
ASN_TYPES: tuple[str, ...] = ("isp", "mobile", "hosting", "proxy", "education", "business")
STATUSES: tuple[str, ...] = ("ok", "refused", "error", "rate_limited")
SIGNUP_PATHWAYS: tuple[str, ...] = (
    "standard",
    "education",
    "research",
    "startup",
    "enterprise",
    "reseller",
)
VERIFICATIONS: tuple[str, ...] = ("none", "email", "phone", "id")


@dataclass(frozen=True)
class Column:
    """One column of an export file."""

    name: str
    arrow_type: pa.DataType
    nullable: bool
    meaning: str
    enum: tuple[str, ...] | None = None
    non_negative: bool = False


REQUESTS_COLUMNS: tuple[Column, ...] = (
    Column("request_id", pa.string(), False, "unique across all dates"),
    Column("ts", pa.timestamp("us", tz="UTC"), False, "request start; falls on the drop's date"),
    Column("account_id", pa.string(), False, "the API account that sent it"),
    Column("organization_id", pa.string(), False, "billing organization of the account"),
    Column("api_key_id", pa.string(), False, "API key used"),
    Column("model", pa.string(), False, "model name, e.g. claude-opus-4-5"),
    Column("access_channel", pa.string(), False, "how the request arrived", ACCESS_CHANNELS),
    Column("capability", pa.string(), False, "upstream classifier label", CAPABILITIES),
    Column("input_tokens", pa.int64(), False, "prompt tokens", non_negative=True),
    Column("output_tokens", pa.int64(), False, "completion tokens", non_negative=True),
    Column("thinking_tokens", pa.int64(), False, "extended-thinking tokens", non_negative=True),
    Column("tool_count", pa.int32(), False, "tools offered in the request", non_negative=True),
    Column("image_count", pa.int32(), False, "images in the request", non_negative=True),
    Column("cot_elicitation", pa.bool_(), False, "prompt asks for step-by-step reasoning"),
    Column("grader_prompt", pa.bool_(), False, "rubric-grading / reward-model style prompt"),
    Column("prompt_template_hash", pa.string(), False, "hash of the prompt's normalized skeleton"),
    Column("system_prompt_hash", pa.string(), True, "hash of the system prompt"),
    Column("ip_prefix", pa.string(), False, "client address truncated to /24 (v4) or /48 (v6)"),
    Column("asn", pa.int64(), False, "autonomous system number of the client address"),
    Column("asn_type", pa.string(), False, "network kind", ASN_TYPES),
    Column("ip_country", pa.string(), False, "ISO 3166-1 alpha-2"),
    Column("sdk", pa.string(), True, "client library and version; untrusted text"),
    Column("status", pa.string(), False, "outcome", STATUSES),
)

ACCOUNTS_COLUMNS: tuple[Column, ...] = (
    Column("account_id", pa.string(), False, "API account"),
    Column("organization_id", pa.string(), False, "billing organization"),
    Column("organization_name", pa.string(), False, "typed by the customer: untrusted text"),
    Column("created_at", pa.timestamp("us", tz="UTC"), False, "account creation time"),
    Column("signup_pathway", pa.string(), False, "sign-up route", SIGNUP_PATHWAYS),
    Column("verification", pa.string(), False, "strongest verification passed", VERIFICATIONS),
    Column("billing_country", pa.string(), False, "ISO 3166-1 alpha-2"),
    Column("payment_fingerprint", pa.string(), True, "hash of the payment instrument"),
    Column("email_domain", pa.string(), False, "domain of the account e-mail; untrusted text"),
)

# Keys whose null makes a row unusable (the row is quarantined as "null key").
REQUESTS_KEYS: tuple[str, ...] = ("request_id", "account_id", "organization_id")
ACCOUNTS_KEYS: tuple[str, ...] = ("account_id", "organization_id")


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    """The exact Arrow schema the contract prescribes (what our generator writes)."""
    return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in columns])


REQUESTS_SCHEMA = arrow_schema(REQUESTS_COLUMNS)
ACCOUNTS_SCHEMA = arrow_schema(ACCOUNTS_COLUMNS)


def type_matches(expected: pa.DataType, actual: pa.DataType) -> bool:
    """Whether a Parquet column's Arrow type is an acceptable reading of the contract type.

    Writers differ in physical details that do not change meaning, so we accept: large or
    dictionary-encoded strings for string; any timestamp unit for timestamp, as long as it is
    UTC; any signed integer width for an integer column (values are range-checked per row).
    Anything else (a string where a number belongs, a naive or non-UTC timestamp, a float
    for a count) is a wrong type and fails the drop.
    """
    if pa.types.is_dictionary(actual):
        actual = actual.value_type
    if pa.types.is_string(expected):
        return pa.types.is_string(actual) or pa.types.is_large_string(actual)
    if pa.types.is_timestamp(expected):
        return pa.types.is_timestamp(actual) and actual.tz in ("UTC", "Etc/UTC", "+00:00", "Z")
    if pa.types.is_integer(expected):
        return pa.types.is_signed_integer(actual) or (
            pa.types.is_unsigned_integer(actual) and actual.bit_width < expected.bit_width
        )
    if pa.types.is_boolean(expected):
        return pa.types.is_boolean(actual)
    return actual == expected


def drop_dir(root: str, day: date) -> str:
    """Path (or URL) of one date's drop below an export root."""
    return f"{root.rstrip('/')}/usage/date={day.isoformat()}"


def requests_part_name(part: int) -> str:
    return REQUESTS_PART_TEMPLATE.format(part=part)


def sha256_of(stream: BinaryIO, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(chunk_size), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    with open(path, "rb") as stream:
        return sha256_of(stream)


@dataclass(frozen=True)
class ManifestFile:
    path: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    date: date
    files: tuple[ManifestFile, ...]

    @property
    def request_parts(self) -> tuple[ManifestFile, ...]:
        return tuple(f for f in self.files if f.path.startswith(REQUESTS_PART_PREFIX))

    @property
    def accounts_file(self) -> ManifestFile | None:
        return next((f for f in self.files if f.path == ACCOUNTS_FILE), None)

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema_version": self.schema_version,
                "date": self.date.isoformat(),
                "files": [{"path": f.path, "rows": f.rows, "sha256": f.sha256} for f in self.files],
            },
            indent=1,
        )


class ManifestError(ValueError):
    """The manifest is missing, unreadable or inconsistent with the drop."""


def parse_manifest(text: str, where: str) -> Manifest:
    """Parse `_manifest.json`; `where` names the drop in error messages."""
    try:
        raw: Any = json.loads(text)
        files = tuple(
            ManifestFile(path=str(f["path"]), rows=int(f["rows"]), sha256=str(f["sha256"]))
            for f in raw["files"]
        )
        manifest = Manifest(
            schema_version=int(raw["schema_version"]),
            date=date.fromisoformat(str(raw["date"])),
            files=files,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{where}/{MANIFEST_NAME}: unreadable manifest ({exc})") from exc
    if manifest.schema_version != SCHEMA_VERSION:
        raise ManifestError(
            f"{where}/{MANIFEST_NAME}: schema_version {manifest.schema_version} "
            f"is not the supported version {SCHEMA_VERSION}"
        )
    for f in files:
        if "/" in f.path or "\\" in f.path or f.path.startswith("."):
            raise ManifestError(f"{where}/{MANIFEST_NAME}: file path {f.path!r} leaves the drop")
    return manifest
