"""Validate a landed drop against the export contract; write clean and quarantine Parquet.

Two levels, as the contract asks:

* Schema (per file, from Parquet metadata only): every contract column present with a type
  `contract.type_matches` accepts; extra columns ignored. Any miss fails the whole drop with
  `ContractError`, because a drop with a mangled file cannot be half-used.
* Rows (in an in-memory DuckDB over the raw Parquet files, streamed, never loaded whole): a row
  that breaks a rule goes to quarantine once, tagged with its first failing rule and column;
  every other row is kept. Unknown enum values are kept and counted, never dropped.

Rule order (first failing rule wins): `invalid_utf8` (a string cell that is not UTF-8; its
quarantined copy has the bad bytes replaced by U+FFFD), `not_null` on key columns, `not_null` on
the other non-nullable columns (contract order), `max_string_bytes` (a string cell longer than
`Settings.max_string_bytes`), `non_negative` on counts, `out_of_range` (an int32
contract column written as a wider integer holding a value int32 cannot hold), `ts_outside_date`
(requests), and last `duplicate_key`. Duplicates are judged among rows that pass every other
rule, so the kept copy is the first *valid* occurrence (part order, then row order) and a valid
row is never lost because an earlier broken copy of it existed.

Outputs, under `<landing>/date=YYYY-MM-DD/`:
`clean/{requests,accounts}.parquet` (exactly the contract columns, cast to the contract types),
`quarantine/{requests,accounts}.parquet` (contract columns with the values as written, integers
as int64 so out-of-range values survive, plus `_source_file`, `_rule`, `_column`), and
`validation.json` (a `ValidationResult`). `validation.json` is removed first and written last,
so its presence means the clean/quarantine files beside it are complete and belong to it.

Files are read by exact path (glob characters escaped for DuckDB) and only their contract
columns are read, so extra columns are ignored whatever their names. A file DuckDB cannot read
as it is (invalid UTF-8 in a string cell, or an extra column named like one of DuckDB's
virtual columns) is first copied through pyarrow with just the contract columns, bad cells
marked, so its bad rows are quarantined and the rest kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from flows.atomic import write_atomic
from flows.contract import (
    ACCOUNTS_COLUMNS,
    ACCOUNTS_FILE,
    ACCOUNTS_KEYS,
    REQUESTS_COLUMNS,
    REQUESTS_KEYS,
    RULE_PARQUET,
    RULE_PRESENT,
    RULE_TYPE,
    Column,
    ContractError,
    DropError,
    DropLimits,
    type_matches,
)
from flows.pull import LandedDrop, day_dir, quote_untrusted, sorted_parts
from flows.sql import quote_identifier, string_literal

__all__ = [
    "RULE_DUPLICATE_KEY",
    "RULE_INVALID_UTF8",
    "RULE_MAX_STRING_BYTES",
    "RULE_NON_NEGATIVE",
    "RULE_NOT_NULL",
    "RULE_OUT_OF_RANGE",
    "RULE_TS_OUTSIDE_DATE",
    "ContractError",
    "DropError",
    "ValidationResult",
    "check_schema",
    "validate_drop",
]

RULE_INVALID_UTF8 = "invalid_utf8"
RULE_NOT_NULL = "not_null"
RULE_MAX_STRING_BYTES = "max_string_bytes"
RULE_NON_NEGATIVE = "non_negative"
RULE_OUT_OF_RANGE = "out_of_range"
RULE_TS_OUTSIDE_DATE = "ts_outside_date"
RULE_DUPLICATE_KEY = "duplicate_key"
# Schema-level rules (`present`, `type`, `parquet_readable`, from flows.contract) fail the drop;
# they never appear in quarantine.
# Column names a file may not use for DuckDB's `read_parquet(file_row_number = true)` to work;
# a file with one is read through a pyarrow copy (DuckDB compares names case-insensitively).
DUCKDB_RESERVED_COLUMNS = frozenset({"file_row_number"})

QUARANTINE_EXTRA_COLUMNS: tuple[str, ...] = ("_source_file", "_rule", "_column")
VALIDATION_FILE = "validation.json"
VALIDATION_SCHEMA_VERSION = 1

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class FileKind:
    """What differs between the two file kinds of a drop."""

    name: str  # "requests" / "accounts": also the clean/quarantine file stem
    columns: tuple[Column, ...]
    keys: tuple[str, ...]  # null here makes the row unusable: checked first
    unique_key: str
    day_column: str | None  # must fall on the drop's date


REQUESTS = FileKind("requests", REQUESTS_COLUMNS, REQUESTS_KEYS, "request_id", "ts")
ACCOUNTS = FileKind("accounts", ACCOUNTS_COLUMNS, ACCOUNTS_KEYS, "account_id", None)
FILE_KINDS: tuple[FileKind, ...] = (REQUESTS, ACCOUNTS)


@dataclass(frozen=True)
class ValidationResult:
    """Counts of one validation run; what `validation.json` holds and the digest reports."""

    day: date
    rows_read: dict[str, int]  # file kind ("requests"/"accounts") -> rows in the raw files
    rows_kept: dict[str, int]  # file kind -> rows written to clean/
    quarantined: dict[tuple[str, str, str], int] = field(default_factory=dict)
    """(file, column, rule) -> rows quarantined, e.g. ("requests-00001.parquet", "input_tokens",
    "non_negative")."""
    unknown_enums: dict[tuple[str, str], int] = field(default_factory=dict)
    """(column, value) -> kept rows carrying a value outside the contract's enum."""

    def rows_quarantined(self, kind: str) -> int:
        return self.rows_read[kind] - self.rows_kept[kind]

    @property
    def requests_read(self) -> int:
        return self.rows_read[REQUESTS.name]

    @property
    def requests_kept(self) -> int:
        return self.rows_kept[REQUESTS.name]

    @property
    def requests_quarantined(self) -> int:
        return self.rows_quarantined(REQUESTS.name)

    @property
    def quarantined_total(self) -> int:
        """Rows quarantined across all files, requests and accounts."""
        return sum(self.quarantined.values())

    def messages(self) -> list[str]:
        """One line per non-zero quarantine group and per unknown enum value."""
        lines = [
            f"{self.day} {file} column {column} rule {rule}: {_rows(n)} quarantined"
            for (file, column, rule), n in sorted(self.quarantined.items())
            if n
        ]
        lines += [
            f"{self.day} column {column}: unknown value {quote_untrusted(value)} kept in {_rows(n)}"
            for (column, value), n in sorted(
                self.unknown_enums.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])
            )
            if n
        ]
        return lines

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        """The validation.json document as plain data (what the digest reads)."""
        return {
            "schema_version": VALIDATION_SCHEMA_VERSION,
            "date": self.day.isoformat(),
            "rows": {
                kind: {
                    "read": self.rows_read[kind],
                    "kept": self.rows_kept[kind],
                    "quarantined": self.rows_quarantined(kind),
                }
                for kind in self.rows_read
            },
            "quarantine": [
                {"file": f, "column": c, "rule": r, "rows": n}
                for (f, c, r), n in sorted(self.quarantined.items())
            ],
            "unknown_enum_values": [
                {"column": c, "value": v, "rows": n} for (c, v), n in sorted(self.unknown_enums.items())
            ],
        }

    @classmethod
    def from_json(cls, text: str) -> ValidationResult:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ValidationResult:
        if raw.get("schema_version") != VALIDATION_SCHEMA_VERSION:
            raise ValueError(f"validation.json schema_version {raw.get('schema_version')!r}")
        return cls(
            day=date.fromisoformat(raw["date"]),
            rows_read={k: int(v["read"]) for k, v in raw["rows"].items()},
            rows_kept={k: int(v["kept"]) for k, v in raw["rows"].items()},
            quarantined={(q["file"], q["column"], q["rule"]): int(q["rows"]) for q in raw["quarantine"]},
            unknown_enums={(u["column"], u["value"]): int(u["rows"]) for u in raw["unknown_enum_values"]},
        )

    @classmethod
    def load(cls, landing_dir: Path, day: date) -> ValidationResult:
        """Read the result a previous `validate_drop` wrote for `day`."""
        return cls.from_json((day_dir(landing_dir, day) / VALIDATION_FILE).read_text("utf-8"))


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def check_schema(path: Path, columns: tuple[Column, ...], day: date) -> list[ContractError]:
    """Contract problems of one file's schema, one error per column (empty list: fine)."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        return [ContractError(day, path.name, RULE_PARQUET, f"not a readable Parquet file ({exc})")]
    problems = []
    for col in columns:
        matches = [f for f in schema if f.name == col.name]
        if not matches:
            problems.append(ContractError(day, path.name, RULE_PRESENT, "column missing", column=col.name))
        elif len(matches) > 1:
            problems.append(
                ContractError(
                    day, path.name, RULE_PRESENT, f"column appears {len(matches)} times", column=col.name
                )
            )
        elif not type_matches(col.arrow_type, matches[0].type):
            problems.append(
                ContractError(
                    day,
                    path.name,
                    RULE_TYPE,
                    f"expected {col.arrow_type}, found {matches[0].type}",
                    column=col.name,
                )
            )
    return problems


def _duckdb_reads_as_is(path: Path) -> bool:
    """Whether DuckDB can read the file's contract columns directly: no extra column named
    like a DuckDB virtual column, no two names equal but for case."""
    names = [name.lower() for name in pq.read_schema(path).names]
    return not DUCKDB_RESERVED_COLUMNS.intersection(names) and len(set(names)) == len(names)


def validate_drop(
    landed: LandedDrop,
    landing_dir: Path,
    *,
    memory_limit: str = "1GB",
    threads: int | None = None,
    limits: DropLimits | None = None,
) -> ValidationResult:
    """Check a landed drop and write clean, quarantine and validation.json for its date.

    Raises `ContractError` (nothing written) if any file breaks the schema. `memory_limit`
    bounds DuckDB's memory; beyond it DuckDB spills to a temp folder inside the date folder.
    `limits` default to `Settings().drop_limits`.
    """
    if limits is None:
        from flows.settings import Settings

        limits = Settings().drop_limits
    day = landed.day
    files = {
        REQUESTS.name: [(f.path, landed.raw_dir / f.path) for f in sorted_parts(landed.manifest)],
        ACCOUNTS.name: [(ACCOUNTS_FILE, landed.raw_dir / ACCOUNTS_FILE)],
    }
    problems = [
        problem
        for kind in FILE_KINDS
        for _, path in files[kind.name]
        for problem in check_schema(path, kind.columns, day)
    ]
    if problems:
        first = problems[0]
        raise ContractError(
            first.day,
            first.file,
            first.rule,
            first.detail,
            column=first.column,
            problems=tuple(str(p) for p in problems),
        )

    out_dir = day_dir(landing_dir, day)
    work = Path(tempfile.mkdtemp(prefix=".validating-", dir=out_dir))
    try:
        con = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": memory_limit,
                "temp_directory": str(work / "spill"),
                # Output order is not part of the contract; not keeping it saves memory.
                "preserve_insertion_order": False,
                **({"threads": threads} if threads else {}),
            },
        )
        try:
            # Timestamps are compared and cast in UTC whatever the machine's zone. Set after
            # connecting (the setting needs ICU loaded); a build without ICU is UTC-only anyway.
            with contextlib.suppress(duckdb.Error):
                con.execute("SET TimeZone = 'UTC'")
            rows_read: dict[str, int] = {}
            rows_kept: dict[str, int] = {}
            quarantined: dict[tuple[str, str, str], int] = {}
            unknown: dict[tuple[str, str], int] = {}
            for kind in FILE_KINDS:
                read, kept, q, u = _validate_kind_safely(
                    con, kind, files[kind.name], day, work, limits.max_string_bytes
                )
                rows_read[kind.name], rows_kept[kind.name] = read, kept
                quarantined.update(q)
                unknown.update(u)
        finally:
            con.close()

        result = ValidationResult(day, rows_read, rows_kept, quarantined, unknown)
        _publish(work, out_dir, result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


KindCounts = tuple[int, int, dict[tuple[str, str, str], int], dict[tuple[str, str], int]]


def _validate_kind_safely(
    con: duckdb.DuckDBPyConnection,
    kind: FileKind,
    files: list[tuple[str, Path]],
    day: date,
    work: Path,
    max_string_bytes: int,
) -> KindCounts:
    """`_validate_kind`, reading through pyarrow copies the files DuckDB cannot read as they are.

    Files with a reserved column name are copied up front. Invalid UTF-8 shows only when DuckDB
    decodes the cell, so that is tried first and, on DuckDB's encoding error, every file of the
    kind is checked and the ones with bad cells copied (no cost on the usual, clean, drop).
    """
    sources = [
        _Source(name, path)
        if _duckdb_reads_as_is(path)
        else _readable_copy(name, path, kind, work / f"read_{kind.name}_{i:05d}.parquet")
        for i, (name, path) in enumerate(files)
    ]
    try:
        return _validate_kind(con, kind, sources, day, work, max_string_bytes)
    except duckdb.InvalidInputException as exc:
        if "string encoding" not in str(exc).lower() and "utf" not in str(exc).lower():
            raise _read_error(day, kind, files, exc) from exc
    sources = [
        s
        if s.marks_invalid_utf8 or not _has_invalid_utf8(s.path, kind)
        else _readable_copy(s.name, s.path, kind, work / f"read_{kind.name}_{i:05d}.parquet")
        for i, s in enumerate(sources)
    ]
    try:
        return _validate_kind(con, kind, sources, day, work, max_string_bytes)
    except duckdb.InvalidInputException as exc:
        raise _read_error(day, kind, files, exc) from exc


def _read_error(day: date, kind: FileKind, files: list[tuple[str, Path]], exc: Exception) -> ContractError:
    """DuckDB could not read a file's data (its footer was fine): the file, if DuckDB names it."""
    text = str(exc)
    named = [name for name, path in files if str(path) in text or name in text]
    file = named[0] if named else f"{kind.name} files"
    return ContractError(day, file, RULE_PARQUET, f"data not readable ({text})")


@dataclass(frozen=True)
class _Source:
    """A file to read: its name in the drop and the path DuckDB reads (the landed file, or a
    copy of its contract columns plus `_invalid_utf8` naming each row's first non-UTF-8 cell)."""

    name: str
    path: Path
    marks_invalid_utf8: bool = False


def _string_columns(kind: FileKind) -> list[str]:
    return [c.name for c in kind.columns if pa.types.is_string(c.arrow_type)]


def _has_invalid_utf8(path: Path, kind: FileKind) -> bool:
    """Whether any string cell of the file's contract columns is not valid UTF-8 (pyarrow
    reads strings without checking them; `validate(full=True)` does)."""
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(columns=_string_columns(kind), use_threads=False):
        for column in batch.columns:
            try:
                column.validate(full=True)
            except pa.ArrowInvalid:
                return True
    return False


def _readable_copy(name: str, path: Path, kind: FileKind, copy: Path) -> _Source:
    """Copy the file's contract columns, batch by batch, with string columns made valid UTF-8
    (bad bytes replaced by U+FFFD) and `_invalid_utf8` naming each row's first bad column."""
    parquet = pq.ParquetFile(path)
    wanted = [c.name for c in kind.columns]
    strings = set(_string_columns(kind))
    source_schema = parquet.schema_arrow
    fields = [pa.field(n, pa.large_string()) if n in strings else source_schema.field(n) for n in wanted]
    schema = pa.schema([*fields, pa.field("_invalid_utf8", pa.string())])
    with pq.ParquetWriter(copy, schema, compression="zstd") as writer:
        for batch in parquet.iter_batches(columns=wanted, use_threads=False):
            bad: list[str | None] = [None] * batch.num_rows
            arrays = []
            for column_name, array in zip(batch.schema.names, batch.columns, strict=True):
                if column_name in strings:
                    array = _valid_utf8(array, column_name, bad)
                arrays.append(array)
            arrays.append(pa.array(bad, pa.string()))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return _Source(name, copy, marks_invalid_utf8=True)


def _valid_utf8(array: pa.Array, column_name: str, bad: list[str | None]) -> pa.Array:
    """`array` as large_string; cells that are not UTF-8 decoded with replacement and their rows
    marked in `bad` (first bad column wins)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    array = array.cast(pa.large_string())
    try:
        array.validate(full=True)
        return array
    except pa.ArrowInvalid:
        pass
    values: list[str | None] = []
    for row, raw in enumerate(array.cast(pa.large_binary()).to_pylist()):
        if raw is None:
            values.append(None)
            continue
        try:
            values.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            values.append(raw.decode("utf-8", errors="replace"))
            if bad[row] is None:
                bad[row] = column_name
    return pa.array(values, pa.large_string())


def parquet_path_literal(path: Path) -> str:
    """A file path as a SQL literal for `read_parquet` that DuckDB will not expand as a glob:
    each glob character (`*`, `?`, `[`) is wrapped in a one-character class."""
    escaped = "".join(f"[{ch}]" if ch in "*?[" else ch for ch in str(path))
    return string_literal(escaped)


def _validate_kind(
    con: duckdb.DuckDBPyConnection,
    kind: FileKind,
    sources: list[_Source],
    day: date,
    work: Path,
    max_string_bytes: int,
) -> KindCounts:
    """Row rules for one file kind; writes `work/{clean,quarantine}_<kind>.parquet`."""
    name = kind.name
    checked = _checked_sql(kind, sources, day, max_string_bytes)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name}_checked AS {checked}")
    # Keys seen more than once among rows that pass every other rule, with the position of the
    # first such row: usually a tiny table, so the join below is cheap. Found in two steps so
    # the big aggregate runs over 8-byte hashes rather than the key strings (with it a 10M-row
    # day fits a 256MB limit); the second step settles the rare hash collision exactly.
    key = quote_identifier(kind.unique_key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_dup_hash AS SELECT hash({key}) AS _h "
        f"FROM {name}_checked WHERE _rule IS NULL GROUP BY 1 HAVING count(*) > 1"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_dup AS SELECT {key} AS _key, min(_pos) AS _first "
        f"FROM {name}_checked WHERE _rule IS NULL "
        f"AND hash({key}) IN (SELECT _h FROM {name}_dup_hash) GROUP BY 1 HAVING count(*) > 1"
    )
    is_dup = "d._first IS NOT NULL AND c._pos <> d._first"
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {name}_final AS
        SELECT c.* EXCLUDE (_rule, _column),
          CASE WHEN c._rule IS NOT NULL THEN c._rule
               WHEN {is_dup} THEN '{RULE_DUPLICATE_KEY}' END AS _rule,
          CASE WHEN c._rule IS NOT NULL THEN c._column
               WHEN {is_dup} THEN '{kind.unique_key}' END AS _column
        FROM {name}_checked c LEFT JOIN {name}_dup d
          ON c._rule IS NULL AND c.{key} = d._key"""
    )

    clean_cols = ", ".join(
        f"CAST({quote_identifier(c.name)} AS {_contract_sql_type(c)}) AS {quote_identifier(c.name)}"
        for c in kind.columns
    )
    clean = work / f"clean_{name}.parquet"
    con.execute(
        f"COPY (SELECT {clean_cols} FROM {name}_final WHERE _rule IS NULL) "
        f"TO {string_literal(clean)} (FORMAT parquet, COMPRESSION zstd)"
    )
    quarantine_cols = ", ".join(quote_identifier(c.name) for c in kind.columns)  # wide types, as written
    quarantine = work / f"quarantine_{name}.parquet"
    con.execute(
        f"COPY (SELECT {quarantine_cols}, _source_file, _rule, _column FROM {name}_final "
        f"WHERE _rule IS NOT NULL ORDER BY _pos) "
        f"TO {string_literal(quarantine)} (FORMAT parquet, COMPRESSION zstd)"
    )

    read = sum(pq.read_metadata(s.path).num_rows for s in sources)
    kept = pq.read_metadata(clean).num_rows
    groups = con.execute(
        f"SELECT _source_file, _column, _rule, count(*) "
        f"FROM read_parquet({parquet_path_literal(quarantine)}) GROUP BY ALL"
    ).fetchall()
    quarantined = {(f, c, r): int(n) for f, c, r, n in groups}
    # The promise to users: every row read is either kept or quarantined, never lost.
    if kept + sum(quarantined.values()) != read:
        raise RuntimeError(
            f"{day} {name}: {read} rows read but {kept} kept and {sum(quarantined.values())} quarantined"
        )
    return read, kept, quarantined, _unknown_enums(con, kind, clean)


def _checked_sql(kind: FileKind, sources: list[_Source], day: date, max_string_bytes: int) -> str:
    """All parts of a kind as one relation: contract columns at their wide type, each row's
    position (`_pos`, part then row) and first failing rule (`_rule`, `_column`; NULL if none)."""
    wide_cols = ", ".join(
        f"CAST({quote_identifier(c.name)} AS {_wide_sql_type(c)}) AS {quote_identifier(c.name)}"
        for c in kind.columns
    )
    parts = " UNION ALL ".join(
        f"SELECT ({i}::BIGINT << 40) + file_row_number AS _pos, "
        f"{string_literal(s.name)} AS _source_file, {wide_cols}, "
        f"{'_invalid_utf8' if s.marks_invalid_utf8 else 'NULL::VARCHAR'} AS _invalid_utf8 "
        f"FROM read_parquet({parquet_path_literal(s.path)}, file_row_number = true)"
        for i, s in enumerate(sources)
    )

    # (SQL condition, rule, column as SQL), first match wins
    checks: list[tuple[str, str, str]] = []
    if any(s.marks_invalid_utf8 for s in sources):
        checks.append(("_invalid_utf8 IS NOT NULL", RULE_INVALID_UTF8, "_invalid_utf8"))
    by_name = {c.name: c for c in kind.columns}
    for name in kind.keys:
        checks.append((f"{quote_identifier(name)} IS NULL", RULE_NOT_NULL, string_literal(name)))
    for c in kind.columns:
        if not c.nullable and c.name not in kind.keys:
            checks.append((f"{quote_identifier(c.name)} IS NULL", RULE_NOT_NULL, string_literal(c.name)))
    for c in kind.columns:
        if pa.types.is_string(c.arrow_type):
            cond = f"strlen({quote_identifier(c.name)}) > {int(max_string_bytes)}"
            checks.append((cond, RULE_MAX_STRING_BYTES, string_literal(c.name)))
    for c in kind.columns:
        if c.non_negative:
            checks.append((f"{quote_identifier(c.name)} < 0", RULE_NON_NEGATIVE, string_literal(c.name)))
    for c in kind.columns:
        if c.arrow_type == pa.int32():
            cond = f"{quote_identifier(c.name)} NOT BETWEEN {INT32_MIN} AND {INT32_MAX}"
            checks.append((cond, RULE_OUT_OF_RANGE, string_literal(c.name)))
    if kind.day_column:
        assert pa.types.is_timestamp(by_name[kind.day_column].arrow_type)
        start, end = day.isoformat(), (day + timedelta(days=1)).isoformat()
        col = quote_identifier(kind.day_column)
        cond = f"{col} < TIMESTAMPTZ '{start} 00:00:00+00' OR {col} >= TIMESTAMPTZ '{end} 00:00:00+00'"
        checks.append((cond, RULE_TS_OUTSIDE_DATE, string_literal(kind.day_column)))

    rule = " ".join(f"WHEN {cond} THEN '{r}'" for cond, r, _ in checks)
    column = " ".join(f"WHEN {cond} THEN {c}" for cond, _, c in checks)
    return f"SELECT *, CASE {rule} END AS _rule, CASE {column} END AS _column FROM ({parts})"


def _unknown_enums(con: duckdb.DuckDBPyConnection, kind: FileKind, clean: Path) -> dict[tuple[str, str], int]:
    """Count kept rows per enum column and value outside the contract's list (reads only
    the enum columns of the clean file)."""
    selects = [
        f"SELECT '{c.name}' AS col, {quote_identifier(c.name)} AS value, count(*) AS n "
        f"FROM read_parquet({parquet_path_literal(clean)}) "
        f"WHERE {quote_identifier(c.name)} NOT IN ({', '.join(string_literal(v) for v in c.enum)}) "
        "GROUP BY ALL"
        for c in kind.columns
        if c.enum
    ]
    if not selects:
        return {}
    rows = con.execute(" UNION ALL ".join(selects)).fetchall()
    return {(col, value): int(n) for col, value, n in rows}


def _publish(work: Path, out_dir: Path, result: ValidationResult) -> None:
    """Move the outputs into place; validation.json is removed first and written last."""
    (out_dir / VALIDATION_FILE).unlink(missing_ok=True)
    for folder in ("clean", "quarantine"):
        (out_dir / folder).mkdir(exist_ok=True)
        for kind in FILE_KINDS:
            target = out_dir / folder / f"{kind.name}.parquet"
            os.replace(work / f"{folder}_{kind.name}.parquet", target)
    write_atomic(out_dir / VALIDATION_FILE, result.to_json())


def _contract_sql_type(c: Column) -> str:
    """DuckDB type whose Parquet output reads back as the contract's Arrow type."""
    t = c.arrow_type
    if pa.types.is_string(t):
        return "VARCHAR"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"  # microseconds, written as UTC-adjusted Parquet timestamps
    if t == pa.int64():
        return "BIGINT"
    if t == pa.int32():
        return "INTEGER"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    raise TypeError(f"no DuckDB type for contract column {c.name} ({t})")


def _wide_sql_type(c: Column) -> str:
    """Type a column is read at before the row rules: any accepted writer type fits losslessly
    (every integer width `type_matches` accepts fits in BIGINT)."""
    return "BIGINT" if pa.types.is_integer(c.arrow_type) else _contract_sql_type(c)
