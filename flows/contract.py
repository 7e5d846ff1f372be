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
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeGuard

import pyarrow as pa

SCHEMA_VERSION = 1
MANIFEST_NAME = "_manifest.json"
ACCOUNTS_FILE = "accounts.parquet"
REQUESTS_PART_TEMPLATE = "requests-{part:05d}.parquet"
REQUESTS_PART_PREFIX = "requests-"
MODEL_RELEASES_PATH = "reference/model_releases.csv"
MODEL_RELEASES_HEADER = ("model", "released_at")

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
        return tuple(f for f in self.files if REQUESTS_PART_PATTERN.fullmatch(f.path))

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


# --- file names ------------------------------------------------------------------------------------

# The only names a manifest may list: exact patterns, so no path, glob or look-alike gets through.
REQUESTS_PART_PATTERN = re.compile(r"requests-[0-9]{5}\.parquet")


def is_contract_file_name(name: str) -> bool:
    return name == ACCOUNTS_FILE or REQUESTS_PART_PATTERN.fullmatch(name) is not None


# --- data errors -----------------------------------------------------------------------------------

# Rules a drop can break as a whole (they fail the drop; row rules live in flows.validate).
RULE_MANIFEST_PRESENT = "manifest_present"  # no _manifest.json (yet)
RULE_MANIFEST_SIZE = "max_manifest_bytes"
RULE_MANIFEST_JSON = "manifest_json"  # not UTF-8 JSON, or not the manifest's shape
RULE_SCHEMA_VERSION = "schema_version"
RULE_MANIFEST_DATE = "manifest_date"
RULE_FILE_NAME = "file_name"
RULE_LISTED_ONCE = "listed_once"
RULE_PART_COUNT = "max_parts"
RULE_LISTS_ACCOUNTS = "lists_accounts"
RULE_LISTS_PARTS = "lists_parts"
RULE_FILE_PRESENT = "file_present"  # listed in the manifest, absent from the drop
RULE_PART_BYTES = "max_part_bytes"
RULE_SHA256 = "sha256"
RULE_ROW_COUNT = "row_count"
RULE_PARQUET = "parquet_readable"
RULE_REFERENCE_PRESENT = "reference_present"
# Schema rules (per file, from Parquet metadata).
RULE_PRESENT = "present"
RULE_TYPE = "type"


def problem_line(day: date | None, file: str, rule: str, detail: str, column: str | None = None) -> str:
    """The one line every data error is reported in: date, file, column (if any) and rule."""
    where = f"{day} {file}" if day is not None else file
    if column is not None:
        where += f" column {column}"
    return f"{where}: rule {rule}: {' '.join(detail.split())}"


class DropError(ValueError):
    """A drop, a file of it, a column or a value cannot be used: a data problem, not an I/O one.

    A `ValueError` and never an `OSError`, so the flow's retry-on-I/O condition does not retry
    it (another attempt reads the same bytes). `str()` is the one line users see: the first
    problem, and how many more were found; `problems` lists every one (by default just this one).
    """

    def __init__(
        self,
        day: date | None,
        file: str,
        rule: str,
        detail: str,
        *,
        column: str | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        self.day, self.file, self.column, self.rule, self.detail = day, file, column, rule, detail
        line = problem_line(day, file, rule, detail, column)
        self.problems = problems or (line,)
        more = len(self.problems) - 1
        super().__init__(line + (f" (and {more} more)" if more else ""))


class DropIncompleteError(DropError):
    """The drop is missing or not completely written (no manifest, a listed file absent): may
    resolve itself when the upstream writer finishes."""


class DropIntegrityError(DropError):
    """The drop is there but does not agree with its manifest, or the manifest is malformed."""


class ManifestError(DropIntegrityError):
    """`_manifest.json` is unreadable, too large, or breaks the manifest rules."""


class ContractError(DropError):
    """A file breaks the export contract (missing column, wrong type, malformed reference).

    The message names the first problem; `problems` lists every one found.
    """


# --- manifest --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DropLimits:
    """Caps on what a drop may contain (from `Settings`; beyond them the drop is refused)."""

    max_manifest_bytes: int
    max_parts: int
    max_part_bytes: int
    max_string_bytes: int


def parse_manifest(
    data: str | bytes, day: date | None = None, *, limits: DropLimits | None = None
) -> Manifest:
    """Parse and check `_manifest.json` strictly; raise `ManifestError` (one line) if it is not
    a manifest of the contract layout (for `day`, if given).

    Strict: JSON integers for counts (not strings, floats or booleans), exact file names,
    a SHA-256 per file, each file listed once, one accounts file and at least one part.
    Unknown extra keys are ignored, as unknown columns are.
    """

    def fail(rule: str, detail: str, cls: type[ManifestError] = ManifestError) -> NoReturn:
        raise cls(day, MANIFEST_NAME, rule, detail)

    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if limits is not None and size > limits.max_manifest_bytes:
        fail(
            RULE_MANIFEST_SIZE,
            f"{size} bytes, above the cap of {limits.max_manifest_bytes} (setting max_manifest_bytes)",
        )
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
        raw: Any = json.loads(text)
    except UnicodeDecodeError as exc:
        fail(RULE_MANIFEST_JSON, f"not UTF-8 text (byte {exc.start})")
    except RecursionError:
        fail(RULE_MANIFEST_JSON, "nested too deeply to be a manifest")
    except ValueError as exc:  # json.JSONDecodeError
        fail(RULE_MANIFEST_JSON, f"not JSON ({exc})")

    if not isinstance(raw, dict):
        fail(RULE_MANIFEST_JSON, f"expected an object, found {_json_kind(raw)}")
    for key in ("schema_version", "date", "files"):
        if key not in raw:
            fail(RULE_MANIFEST_JSON, f"no {key!r} key")
    version = raw["schema_version"]
    if not _is_json_int(version):
        fail(RULE_SCHEMA_VERSION, f"expected an integer, found {_json_kind(version)}")
    if version != SCHEMA_VERSION:
        fail(RULE_SCHEMA_VERSION, f"schema_version {version} is not the supported version {SCHEMA_VERSION}")
    try:
        manifest_date = date.fromisoformat(raw["date"]) if isinstance(raw["date"], str) else None
    except ValueError:
        manifest_date = None
    if manifest_date is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw["date"]):
        fail(RULE_MANIFEST_DATE, f"date {_shown(raw['date'])} is not YYYY-MM-DD")
    if day is not None and manifest_date != day:
        fail(RULE_MANIFEST_DATE, f"manifest date {manifest_date} is not the requested date {day}")
    listed = raw["files"]
    if not isinstance(listed, list):
        fail(RULE_MANIFEST_JSON, f"'files' must be a list, found {_json_kind(listed)}")
    if limits is not None and len(listed) > limits.max_parts + 1:
        fail(
            RULE_PART_COUNT,
            f"{len(listed)} files listed, above the cap of "
            f"{limits.max_parts} parts and the accounts file (setting max_parts)",
        )

    files: list[ManifestFile] = []
    seen: set[str] = set()
    for i, entry in enumerate(listed):
        if not isinstance(entry, dict):
            fail(RULE_MANIFEST_JSON, f"files[{i}] must be an object, found {_json_kind(entry)}")
        path, rows, sha = entry.get("path"), entry.get("rows"), entry.get("sha256")
        if not isinstance(path, str) or not is_contract_file_name(path):
            fail(
                RULE_FILE_NAME,
                f"files[{i}] path {_shown(path)} is not a file of the contract "
                f"layout (requests-NNNNN.parquet or {ACCOUNTS_FILE})",
            )
        if path in seen:
            fail(RULE_LISTED_ONCE, f"{path} listed twice")
        seen.add(path)
        if not _is_json_int(rows) or rows < 0:
            fail(RULE_ROW_COUNT, f"{path} rows {_shown(rows)} is not a non-negative integer")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
            fail(RULE_SHA256, f"{path} sha256 {_shown(sha)} is not a SHA-256")
        files.append(ManifestFile(path=path, rows=rows, sha256=sha.lower()))

    manifest = Manifest(schema_version=version, date=manifest_date, files=tuple(files))
    if manifest.accounts_file is None:
        fail(RULE_LISTS_ACCOUNTS, f"lists no {ACCOUNTS_FILE}", DropIncompleteManifestError)
    if not manifest.request_parts:
        fail(RULE_LISTS_PARTS, "lists no requests part", DropIncompleteManifestError)
    return manifest


class DropIncompleteManifestError(ManifestError, DropIncompleteError):
    """The manifest is well formed but does not list a complete drop (no accounts, no part)."""


def _is_json_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
        float: "a number",
    }.get(type(value), "an integer")


def _shown(value: Any, limit: int = 80) -> str:
    """A manifest value for a one-line message: repr'd (control characters escaped), capped."""
    shown = repr(value)
    return shown[:limit] + ("…" if len(shown) > limit else "")
