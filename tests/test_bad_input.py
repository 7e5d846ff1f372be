"""One rule for bad input, case by case: every malformed drop, file, column or value gives one
line naming date, file, column (if any) and rule, is never an `OSError` (the flow retries those),
and loses nothing valid: bad rows are quarantined and counted, a bad file fails the drop by name
and leaves the landing zone as it was.

Each case publishes a small real drop (two request parts of 10 rows, 6 accounts, written by
pyarrow), breaks one thing, and goes through the real `pull_drop` and `validate_drop`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from factories import make_accounts, make_requests

from flows.contract import MANIFEST_NAME, DropError, DropLimits, drop_dir, sha256_file
from flows.drop_writer import parquet_bytes, write_drop
from flows.pull import pull_drop
from flows.settings import Settings
from flows.validate import validate_drop

DAY = date(2026, 11, 26)
MIDNIGHT = datetime(2026, 11, 26, tzinfo=UTC)
P0, P1, ACC = "requests-00000.parquet", "requests-00001.parquet", "accounts.parquet"
RELEASES = "model,released_at\nclaude-opus-4-5,2025-11-24T18:00:00Z\n"
DEFAULT_LIMITS = Settings().drop_limits


@dataclass
class Drop:
    """What a case may change: the tables before writing, the written files after, the caps."""

    parts: list[pa.Table]
    accounts: pa.Table
    limits: DropLimits = DEFAULT_LIMITS
    after: list[Callable[[Path], None]] = field(default_factory=list)  # gets the drop folder
    releases: str = RELEASES
    landing: str = "landing"
    decoy_landing: str | None = None  # a landing of other rows that a glob of `landing` matches


@dataclass(frozen=True)
class Expect:
    """A failed drop (`line`; a trailing `*` matches any rest) or what was kept and set aside."""

    line: str | None = None
    kept: tuple[int, int] = (20, 6)  # (requests, accounts)
    quarantined: dict[tuple[str, str, str], int] = field(default_factory=dict)
    unknown: dict[tuple[str, str], int] = field(default_factory=dict)


# --- ways to break a drop ------------------------------------------------------------------------


def set_cell(table: pa.Table, column: str, row: int, value: Any) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    i = table.schema.get_field_index(column)
    f = table.schema.field(i).with_nullable(True)  # other writers do not promise non-null
    return table.set_column(i, f, pa.array(values, f.type))


def set_raw_bytes(table: pa.Table, column: str, row: int, raw: bytes) -> pa.Table:
    """A string column with one cell holding bytes that are not UTF-8 (as a buggy writer does)."""
    values = [v.encode() if v is not None else None for v in table.column(column).to_pylist()]
    values[row] = raw
    binary = pa.array(values, pa.binary())
    strings = pa.Array.from_buffers(pa.string(), len(binary), binary.buffers(), binary.null_count)
    i = table.schema.get_field_index(column)
    return table.set_column(i, pa.field(column, pa.string()), strings)


def manifest_edit(edit: Callable[[dict], Any]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / MANIFEST_NAME
        raw = json.loads(path.read_text())
        path.write_text(json.dumps(edit(raw)))

    return apply


def manifest_text(text: str | bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (folder / MANIFEST_NAME).write_bytes(data)

    return apply


def rename_part(new: str) -> Callable[[Path], None]:
    """Rename part 1 in the folder and the manifest (a writer using another naming scheme)."""

    def apply(folder: Path) -> None:
        (folder / P1).rename(folder / new)
        manifest_edit(
            lambda m: {**m, "files": [{**f, "path": new} if f["path"] == P1 else f for f in m["files"]]}
        )(folder)

    return apply


def replace_file(
    name: str, data: Callable[[bytes], bytes], rows: int | None = None
) -> Callable[[Path], None]:
    """New bytes for a listed file, the manifest re-vouching for them (sha256, rows)."""

    def apply(folder: Path) -> None:
        path = folder / name
        path.write_bytes(data(path.read_bytes()))
        sha = sha256_file(path)
        manifest_edit(
            lambda m: {
                **m,
                "files": [
                    {**f, "sha256": sha, **({"rows": rows} if rows is not None else {})}
                    if f["path"] == name
                    else f
                    for f in m["files"]
                ],
            }
        )(folder)

    return apply


def corrupt_footer(raw: bytes) -> bytes:
    # Keep the trailing footer length and magic; zero the footer metadata before them.
    return raw[:-200] + b"\0" * 192 + raw[-8:]


def nested(depth: int) -> str:
    return '{"schema_version": 1, "date": "2026-11-26", "files": ' + "[" * depth + "]" * depth + "}"


def edit_parts(fn: Callable[[Drop], None]) -> Callable[[Drop], None]:
    return fn


DROP = drop_dir("{root}", DAY)

CASES: list[tuple[str, Callable[[Drop], None], Expect]] = [
    # --- manifest -------------------------------------------------------------------------------
    (
        "manifest-missing",
        lambda d: d.after.append(lambda f: (f / MANIFEST_NAME).unlink()),
        Expect(
            f"2026-11-26 _manifest.json: rule manifest_present: drop incomplete at {DROP} "
            "(3 files present, no manifest)"
        ),
    ),
    (
        "manifest-not-json",
        lambda d: d.after.append(manifest_text('{"schema_version": 1,')),
        Expect("2026-11-26 _manifest.json: rule manifest_json: not JSON (*"),
    ),
    (
        "manifest-nested-deeply",
        lambda d: d.after.append(manifest_text(nested(100_000))),
        Expect("2026-11-26 _manifest.json: rule manifest_json: nested too deeply to be a manifest"),
    ),
    (
        "manifest-not-utf8",
        lambda d: d.after.append(manifest_text(b'{"date": "\xff"}')),
        Expect("2026-11-26 _manifest.json: rule manifest_json: not UTF-8 text (byte 10)"),
    ),
    (
        "manifest-not-an-object",
        lambda d: d.after.append(manifest_text("[1, 2]")),
        Expect("2026-11-26 _manifest.json: rule manifest_json: expected an object, found a list"),
    ),
    (
        "manifest-too-large",
        lambda d: (
            setattr(d, "limits", DropLimits(2048, 10, 1 << 30, 4096)),
            d.after.append(manifest_edit(lambda m: {**m, "padding": "x" * 4000})),
        ),
        Expect(
            "2026-11-26 _manifest.json: rule max_manifest_bytes: larger than the cap of 2048 "
            "bytes (setting max_manifest_bytes)"
        ),
    ),
    (
        "schema-version-unknown",
        lambda d: d.after.append(manifest_edit(lambda m: {**m, "schema_version": 2})),
        Expect(
            "2026-11-26 _manifest.json: rule schema_version: schema_version 2 is not the supported version 1"
        ),
    ),
    (
        "schema-version-a-string",
        lambda d: d.after.append(manifest_edit(lambda m: {**m, "schema_version": "1"})),
        Expect("2026-11-26 _manifest.json: rule schema_version: expected an integer, found a string"),
    ),
    (
        "manifest-date-mismatch",
        lambda d: d.after.append(manifest_edit(lambda m: {**m, "date": "2026-11-25"})),
        Expect(
            "2026-11-26 _manifest.json: rule manifest_date: manifest date 2026-11-25 is not the "
            "requested date 2026-11-26"
        ),
    ),
    (
        "name-with-glob-star",
        lambda d: d.after.append(rename_part("requests-*.parquet")),
        Expect(
            "2026-11-26 _manifest.json: rule file_name: files[1] path 'requests-*.parquet' is not "
            "a file of the contract layout (requests-NNNNN.parquet or accounts.parquet)"
        ),
    ),
    (
        "name-with-glob-class",
        lambda d: d.after.append(rename_part("requests-0000[0].parquet")),
        Expect(
            "2026-11-26 _manifest.json: rule file_name: files[1] path 'requests-0000[0].parquet' "
            "is not a file of the contract layout (requests-NNNNN.parquet or accounts.parquet)"
        ),
    ),
    (
        "name-with-question-mark",
        lambda d: d.after.append(rename_part("requests-0000?.parquet")),
        Expect(
            "2026-11-26 _manifest.json: rule file_name: files[1] path 'requests-0000?.parquet' "
            "is not a file of the contract layout (requests-NNNNN.parquet or accounts.parquet)"
        ),
    ),
    (
        "name-leaves-the-drop",
        lambda d: d.after.append(
            manifest_edit(lambda m: {**m, "files": [{**f, "path": "../" + f["path"]} for f in m["files"]]})
        ),
        Expect(
            "2026-11-26 _manifest.json: rule file_name: files[0] path '../requests-00000.parquet' "
            "is not a file of the contract layout (requests-NNNNN.parquet or accounts.parquet)"
        ),
    ),
    (
        "rows-a-string",
        lambda d: d.after.append(
            manifest_edit(lambda m: {**m, "files": [{**f, "rows": str(f["rows"])} for f in m["files"]]})
        ),
        Expect(
            "2026-11-26 _manifest.json: rule row_count: requests-00000.parquet rows '10' is not a "
            "non-negative integer"
        ),
    ),
    (
        "listed-twice",
        lambda d: d.after.append(manifest_edit(lambda m: {**m, "files": m["files"] + m["files"][:1]})),
        Expect("2026-11-26 _manifest.json: rule listed_once: requests-00000.parquet listed twice"),
    ),
    (
        "no-accounts-listed",
        lambda d: d.after.append(manifest_edit(lambda m: {**m, "files": m["files"][:2]})),
        Expect("2026-11-26 _manifest.json: rule lists_accounts: lists no accounts.parquet"),
    ),
    (
        "too-many-parts",
        lambda d: setattr(d, "limits", DropLimits(1 << 20, 1, 1 << 30, 4096)),
        Expect(
            "2026-11-26 _manifest.json: rule max_parts: 3 files listed, above the cap of 1 parts "
            "and the accounts file (setting max_parts)"
        ),
    ),
    # --- files ------------------------------------------------------------------------------------
    (
        "row-count-mismatch",
        lambda d: d.after.append(
            manifest_edit(
                lambda m: {**m, "files": [{**f, "rows": 11} if f["path"] == P1 else f for f in m["files"]]}
            )
        ),
        Expect("2026-11-26 requests-00001.parquet: rule row_count: mismatch (manifest 11, found 10)"),
    ),
    (
        "sha256-mismatch",
        lambda d: d.after.append(
            lambda f: (f / P1).write_bytes(parquet_bytes(make_requests(10, DAY, seed=9, id_prefix="x")))
        ),
        Expect("2026-11-26 requests-00001.parquet: rule sha256: mismatch (manifest *"),
    ),
    (
        "listed-file-missing",
        lambda d: d.after.append(lambda f: (f / P1).unlink()),
        Expect(
            f"2026-11-26 requests-00001.parquet: rule file_present: listed in _manifest.json but "
            f"missing at {DROP}/requests-00001.parquet"
        ),
    ),
    (
        "part-above-the-byte-cap",
        lambda d: setattr(d, "limits", DropLimits(1 << 20, 10, 2048, 4096)),
        Expect(
            "2026-11-26 requests-00000.parquet: rule max_part_bytes: larger than the cap of 2048 "
            "bytes (setting max_part_bytes)"
        ),
    ),
    (
        "corrupt-footer-with-matching-sha",
        lambda d: d.after.append(replace_file(P1, corrupt_footer)),
        Expect("2026-11-26 requests-00001.parquet: rule parquet_readable: not a readable Parquet file (*"),
    ),
    (
        "empty-file",
        lambda d: d.after.append(replace_file(P1, lambda _: b"", rows=0)),
        Expect("2026-11-26 requests-00001.parquet: rule parquet_readable: not a readable Parquet file (*"),
    ),
    (
        "unlisted-file-ignored",
        lambda d: d.after.append(
            lambda f: (f / "requests-00002.parquet").write_bytes(
                parquet_bytes(make_requests(5, DAY, id_prefix="u"))
            )
        ),
        Expect(kept=(20, 6)),
    ),
    (
        "reference-malformed",
        lambda d: setattr(d, "releases", "model,released_at\nm,yesterday\n"),
        Expect(
            "2026-11-26 reference/model_releases.csv line 2 column released_at: rule iso8601_utc: "
            "'yesterday' is not an ISO 8601 UTC time"
        ),
    ),
    (
        "glob-characters-in-the-landing-path",
        lambda d: (setattr(d, "landing", "land[1]"), setattr(d, "decoy_landing", "land1")),
        Expect(kept=(20, 6)),
    ),
    # --- schema -------------------------------------------------------------------------------------
    (
        "missing-column",
        lambda d: d.parts.__setitem__(1, d.parts[1].drop_columns(["input_tokens"])),
        Expect("2026-11-26 requests-00001.parquet column input_tokens: rule present: column missing"),
    ),
    (
        "wrong-type",
        lambda d: d.parts.__setitem__(
            0,
            d.parts[0].set_column(
                d.parts[0].schema.get_field_index("output_tokens"), "output_tokens", pa.array(["1"] * 10)
            ),
        ),
        Expect(
            "2026-11-26 requests-00000.parquet column output_tokens: rule type: expected int64, found string"
        ),
    ),
    (
        "accounts-missing-column",
        lambda d: setattr(d, "accounts", d.accounts.drop_columns(["email_domain"])),
        Expect("2026-11-26 accounts.parquet column email_domain: rule present: column missing"),
    ),
    (
        "extra-columns-named-like-the-reader's",
        lambda d: d.parts.__setitem__(
            0,
            d.parts[0]
            .append_column("_source_file", pa.array(["x"] * 10))
            .append_column("_rule", pa.array(["x"] * 10))
            .append_column("_pos", pa.array([1] * 10))
            .append_column("_invalid_utf8", pa.array(["x"] * 10)),
        ),
        Expect(kept=(20, 6)),
    ),
    (
        "extra-column-file_row_number",
        lambda d: d.parts.__setitem__(1, d.parts[1].append_column("file_row_number", pa.array(range(10)))),
        Expect(kept=(20, 6)),
    ),
    (
        "extra-column-differing-only-in-case",
        lambda d: setattr(d, "accounts", d.accounts.append_column("Account_ID", pa.array(["other"] * 6))),
        Expect(kept=(20, 6)),
    ),
    # --- values -------------------------------------------------------------------------------------
    (
        "invalid-utf8-in-a-request",
        lambda d: d.parts.__setitem__(1, set_raw_bytes(d.parts[1], "sdk", 3, b"sdk\xff\xfe")),
        Expect(kept=(19, 6), quarantined={(P1, "sdk", "invalid_utf8"): 1}),
    ),
    (
        "invalid-utf8-in-an-organization-name",
        lambda d: setattr(
            d, "accounts", set_raw_bytes(d.accounts, "organization_name", 2, b"Acme \xc3\x28 Labs")
        ),
        Expect(kept=(20, 5), quarantined={(ACC, "organization_name", "invalid_utf8"): 1}),
    ),
    (
        "null-in-a-non-null-column",
        lambda d: d.parts.__setitem__(0, set_cell(d.parts[0], "model", 4, None)),
        Expect(kept=(19, 6), quarantined={(P0, "model", "not_null"): 1}),
    ),
    (
        "null-key",
        lambda d: d.parts.__setitem__(0, set_cell(d.parts[0], "request_id", 0, None)),
        Expect(kept=(19, 6), quarantined={(P0, "request_id", "not_null"): 1}),
    ),
    (
        "negative-tokens",
        lambda d: d.parts.__setitem__(1, set_cell(d.parts[1], "thinking_tokens", 9, -1)),
        Expect(kept=(19, 6), quarantined={(P1, "thinking_tokens", "non_negative"): 1}),
    ),
    (
        "unknown-enum-kept",
        lambda d: d.parts.__setitem__(0, set_cell(d.parts[0], "status", 1, "throttled")),
        Expect(kept=(20, 6), unknown={("status", "throttled"): 1}),
    ),
    (
        "ts-outside-the-date",
        lambda d: d.parts.__setitem__(0, set_cell(d.parts[0], "ts", 2, MIDNIGHT + timedelta(days=1))),
        Expect(kept=(19, 6), quarantined={(P0, "ts", "ts_outside_date"): 1}),
    ),
    (
        "duplicate-request-id-across-parts",
        lambda d: d.parts.__setitem__(
            1, set_cell(d.parts[1], "request_id", 5, d.parts[0]["request_id"][5].as_py())
        ),
        Expect(kept=(19, 6), quarantined={(P1, "request_id", "duplicate_key"): 1}),
    ),
    (
        "huge-string",
        lambda d: d.parts.__setitem__(0, set_cell(d.parts[0], "sdk", 7, "x" * 5000)),
        Expect(kept=(19, 6), quarantined={(P0, "sdk", "max_string_bytes"): 1}),
    ),
    ("empty-part", lambda d: d.parts.append(make_requests(0, DAY, id_prefix="e")), Expect(kept=(20, 6))),
    (
        "zero-row-drop",
        lambda d: (setattr(d, "parts", [make_requests(0, DAY)]), setattr(d, "accounts", make_accounts(0))),
        Expect(kept=(0, 0)),
    ),
]


@pytest.mark.parametrize(("build", "expect"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(tmp_path: Path, build: Callable[[Drop], None], expect: Expect) -> None:
    drop = Drop(
        [make_requests(10, DAY, id_prefix="a"), make_requests(10, DAY, seed=1, id_prefix="b")],
        make_accounts(),
    )
    build(drop)
    root = tmp_path / "export"
    write_drop(str(root), DAY, drop.parts, drop.accounts)
    (root / "reference").mkdir()
    (root / "reference/model_releases.csv").write_text(drop.releases)
    for edit in drop.after:
        edit(Path(drop_dir(str(root), DAY)))
    landing = tmp_path / drop.landing
    if drop.decoy_landing:
        decoy = tmp_path / "decoy-export"
        write_drop(str(decoy), DAY, [make_requests(7, DAY, id_prefix="z")], make_accounts())
        (decoy / "reference").mkdir()
        (decoy / "reference/model_releases.csv").write_text(drop.releases)
        pull_drop(str(decoy), DAY, tmp_path / drop.decoy_landing)

    try:
        landed = pull_drop(str(root), DAY, landing, limits=drop.limits)
        result = validate_drop(landed, landing, limits=drop.limits)
    except DropError as error:
        assert expect.line is not None, f"unexpected: {error}"
        line = str(error)
        assert not isinstance(error, OSError)  # the pull task retries OSError only
        assert "\n" not in line and error.day == DAY and error.rule in line and error.file in line
        wanted = expect.line.replace("{root}", str(root))
        if wanted.endswith("*"):
            assert line.startswith(wanted[:-1]), line
        else:
            assert line == wanted
        # Nothing half-done: no validation output for the date (a failed pull lands nothing).
        assert not (landing / "date=2026-11-26" / "validation.json").exists()
        assert not (landing / "date=2026-11-26" / "clean").exists()
        return
    assert expect.line is None, f"expected {expect.line!r}, the drop was accepted"

    assert (result.requests_kept, result.rows_kept["accounts"]) == expect.kept
    assert result.quarantined == expect.quarantined
    assert result.unknown_enums == expect.unknown
    for kind in ("requests", "accounts"):  # every row read is kept or quarantined
        assert result.rows_read[kind] == result.rows_kept[kind] + sum(
            n for (f, _, _), n in result.quarantined.items() if (f == ACC) == (kind == "accounts")
        )
    day_dir = landing / "date=2026-11-26"
    clean = pq.read_table(day_dir / "clean/requests.parquet")
    assert clean.num_rows == expect.kept[0]
    assert len(set(clean["request_id"].to_pylist())) == clean.num_rows
    assert all(r.startswith(("a-", "b-")) for r in clean["request_id"].to_pylist())  # no decoy rows
    quarantine = pq.read_table(day_dir / "quarantine/requests.parquet")
    accounts_q = pq.read_table(day_dir / "quarantine/accounts.parquet")
    assert quarantine.num_rows + accounts_q.num_rows == sum(expect.quarantined.values())
    on_disk = json.loads((day_dir / "validation.json").read_text())
    assert sum(q["rows"] for q in on_disk["quarantine"]) == sum(expect.quarantined.values())
    assert sorted(p.name for p in (day_dir / "raw").iterdir()) == sorted(
        [MANIFEST_NAME, ACC] + [f"requests-{i:05d}.parquet" for i in range(len(drop.parts))]
    )  # exactly the listed files: an unlisted one is not landed


def test_quarantined_invalid_utf8_keeps_the_rest_of_the_row_readable(tmp_path: Path) -> None:
    """The bad cell is kept with U+FFFD for the bad bytes, tagged with its rule and column."""
    root, landing = tmp_path / "export", tmp_path / "landing"
    accounts = set_raw_bytes(make_accounts(), "organization_name", 2, b"Acme \xc3\x28 Labs")
    write_drop(str(root), DAY, [make_requests(10, DAY)], accounts)
    (root / "reference").mkdir()
    (root / "reference/model_releases.csv").write_text(RELEASES)
    validate_drop(pull_drop(str(root), DAY, landing), landing)
    quarantine = pq.read_table(landing / "date=2026-11-26/quarantine/accounts.parquet").to_pylist()
    assert [
        (q["account_id"], q["organization_name"], q["_rule"], q["_column"], q["_source_file"])
        for q in quarantine
    ] == [("acct-0002", "Acme \ufffd( Labs", "invalid_utf8", "organization_name", ACC)]


def test_a_corrupt_file_is_not_retried_as_io() -> None:
    """The pull task's retry condition: a data error is final, an OSError is retried."""
    from flows.pipeline import retry_on_io

    class Failed:
        def __init__(self, error: BaseException) -> None:
            self.error = error

        def result(self) -> None:
            raise self.error

    corrupt = DropError(DAY, P1, "parquet_readable", "not a readable Parquet file")
    assert retry_on_io(None, None, Failed(corrupt)) is False
    assert retry_on_io(None, None, Failed(ConnectionResetError("reset"))) is True


def test_cli_prints_one_line_and_no_traceback_for_a_bad_drop(tmp_path: Path, prefect_server: None) -> None:
    """`distillwatch run` on a drop whose part has a corrupt footer (sha256 vouched for): one
    error line naming date, file and rule, exit 1, no traceback, no retry."""
    import os
    import subprocess
    import sys

    from prefect.settings import PREFECT_API_URL

    root = tmp_path / "export"
    write_drop(
        str(root),
        DAY,
        [make_requests(10, DAY), make_requests(10, DAY, seed=1, id_prefix="b")],
        make_accounts(),
    )
    (root / "reference").mkdir()
    (root / "reference/model_releases.csv").write_text(RELEASES)
    replace_file(P1, corrupt_footer)(Path(drop_dir(str(root), DAY)))

    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli",
            "run",
            "--date",
            "2026-11-26",
            "--export-root",
            str(root),
            "--landing-dir",
            "landing",
            "--warehouse",
            "w.duckdb",
            "--reports-dir",
            "reports",
            "--outbox-dir",
            "outbox",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Retry" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "distillwatch run: error: 2026-11-26 requests-00001.parquet: rule parquet_readable: "
        "not a readable Parquet file ("
    ), result.stderr
    assert not (tmp_path / "landing" / "date=2026-11-26").exists()
