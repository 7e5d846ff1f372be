"""Property tests of the contract readers: whatever bytes arrive as a manifest or a reference
file, the reader returns a checked value or raises the one data-error type with one line naming
the date, file and rule; never another exception (no RecursionError, KeyError, TypeError...).
And the row rules on random values: every row is kept or quarantined, and what is kept obeys
the contract. Bounded (few examples, no deadline) so the file takes seconds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from factories import make_accounts, make_requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.contract import (
    MANIFEST_NAME,
    SCHEMA_VERSION,
    DropError,
    Manifest,
    ManifestFile,
    is_contract_file_name,
    parse_manifest,
)
from flows.drop_writer import write_drop
from flows.pull import check_model_releases, pull_drop
from flows.settings import Settings
from flows.validate import validate_drop

DAY = date(2026, 11, 26)
LIMITS = Settings().drop_limits
FAST = settings(max_examples=60, deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
file_names = st.sampled_from(
    [
        "requests-00000.parquet",
        "requests-00001.parquet",
        "accounts.parquet",
        "requests-*.parquet",
        "requests-0000[1].parquet",
        "../accounts.parquet",
        "requests-1.parquet",
        "",
        "ACCOUNTS.parquet",
    ]
) | st.text(max_size=30)
entries = st.fixed_dictionaries(
    {
        "path": file_names,
        "rows": st.integers(-2, 10**12) | st.sampled_from(["5", 1.5, True, None]),
        "sha256": st.sampled_from(["a" * 64, "F" * 64, "a" * 63, "", None]) | st.text(max_size=70),
    }
)
manifests = (
    st.fixed_dictionaries(
        {
            "schema_version": st.sampled_from([SCHEMA_VERSION, 2, "1", True, None]),
            "date": st.sampled_from([DAY.isoformat(), "2026-11-25", "20261126", "", None]),
            "files": st.lists(entries, max_size=5) | json_values,
        }
    )
    | json_values
)


def assert_one_line(error: DropError, file: str) -> None:
    line = str(error)
    assert "\n" not in line and error.file == file and f"rule {error.rule}:" in line
    assert line.startswith(f"{DAY} {file}")
    assert not isinstance(error, OSError)


@FAST
@given(manifests)
def test_any_json_is_a_manifest_or_one_line(raw: object) -> None:
    text = json.dumps(raw)
    try:
        manifest = parse_manifest(text, DAY, limits=LIMITS)
    except DropError as error:
        assert_one_line(error, MANIFEST_NAME)
        return
    assert manifest.date == DAY and manifest.schema_version == SCHEMA_VERSION
    names = [f.path for f in manifest.files]
    assert len(set(names)) == len(names) and all(is_contract_file_name(n) for n in names)
    assert manifest.accounts_file is not None and manifest.request_parts
    assert all(isinstance(f.rows, int) and f.rows >= 0 for f in manifest.files)


@FAST
@given(
    st.binary(max_size=300)
    | st.text(alphabet='[]{}":,0123456789 ', max_size=300).map(str.encode)
    | st.integers(1, 50_000).map(lambda n: ("[" * n).encode())
)
def test_any_bytes_are_a_manifest_or_one_line(data: bytes) -> None:
    try:
        parse_manifest(data, DAY, limits=LIMITS)
    except DropError as error:
        assert_one_line(error, MANIFEST_NAME)


@FAST
@given(
    st.lists(st.integers(0, 99_999), min_size=1, max_size=6, unique=True),
    st.lists(st.integers(0, 10**9), min_size=7, max_size=7),
)
def test_a_written_manifest_reads_back_the_same(parts: list[int], rows: list[int]) -> None:
    files = tuple(
        ManifestFile(f"requests-{p:05d}.parquet", rows[i], f"{i:064x}") for i, p in enumerate(parts)
    )
    manifest = Manifest(SCHEMA_VERSION, DAY, (*files, ManifestFile("accounts.parquet", rows[-1], "b" * 64)))
    assert parse_manifest(manifest.to_json(), DAY, limits=LIMITS) == manifest


@FAST
@given(
    st.binary(max_size=200)
    | st.lists(
        st.tuples(
            st.sampled_from(["m", "", "claude-x", "=cmd", "a,b"]),
            st.sampled_from(["2025-01-01T00:00:00Z", "2025-01-01", "x", "", "2025-01-01T02:00:00+02:00"]),
        ),
        max_size=4,
    ).map(lambda rows: ("model,released_at\n" + "".join(f"{m},{t}\n" for m, t in rows)).encode())
)
def test_any_reference_file_is_parsed_or_one_line(data: bytes) -> None:
    try:
        releases = check_model_releases(data, DAY)
    except DropError as error:
        assert "\n" not in str(error) and str(error).startswith(f"{DAY} reference/model_releases.csv")
        assert not isinstance(error, OSError)
        return
    assert all(when.utcoffset() == timedelta(0) for when in releases.values())


MIDNIGHT = datetime(2026, 11, 26, tzinfo=UTC)
cells = st.fixed_dictionaries(
    {
        "request_id": st.sampled_from(["r-1", "r-2", "r-3", None]),
        "input_tokens": st.integers(-3, 5) | st.none(),
        "ts": st.sampled_from(
            [
                MIDNIGHT,
                MIDNIGHT - timedelta(microseconds=1),
                MIDNIGHT + timedelta(hours=23),
                MIDNIGHT + timedelta(days=1),
                None,
            ]
        ),
        "sdk": st.sampled_from(["py/1", None, "x" * 5000, "=HYPERLINK(1)"]),
        "capability": st.sampled_from(["coding", "harvesting", None]),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cells, min_size=0, max_size=6))
def test_every_row_is_kept_or_quarantined_and_kept_rows_obey_the_contract(
    tmp_path_factory, rows: list[dict]
) -> None:
    tmp = tmp_path_factory.mktemp("drop")
    table = make_requests(len(rows), DAY)
    for column in ("request_id", "input_tokens", "ts", "sdk", "capability"):
        i = table.schema.get_field_index(column)
        f = table.schema.field(i).with_nullable(True)
        table = table.set_column(i, f, pa.array([r[column] for r in rows], f.type))
    write_drop(str(tmp / "export"), DAY, [table], make_accounts())
    (tmp / "export/reference").mkdir()
    (tmp / "export/reference/model_releases.csv").write_text("model,released_at\n")
    landing = tmp / "landing"
    result = validate_drop(pull_drop(str(tmp / "export"), DAY, landing), landing)

    assert result.requests_read == len(rows)
    assert result.requests_kept + sum(
        n for (f, _, _), n in result.quarantined.items() if f != "accounts.parquet"
    ) == len(rows)
    clean = pq.read_table(landing / "date=2026-11-26/clean/requests.parquet").to_pylist()
    ids = [r["request_id"] for r in clean]
    assert None not in ids and len(set(ids)) == len(ids)
    for r in clean:
        assert r["input_tokens"] is not None and r["input_tokens"] >= 0
        assert r["ts"] is not None and MIDNIGHT <= r["ts"] < MIDNIGHT + timedelta(days=1)
        assert r["capability"] is not None
        assert r["sdk"] is None or len(r["sdk"].encode()) <= LIMITS.max_string_bytes
    # Each valid request id survives once (the first valid copy).
    valid = {
        r["request_id"]
        for r in rows
        if r["request_id"]
        and r["input_tokens"] is not None
        and r["input_tokens"] >= 0
        and r["ts"] is not None
        and MIDNIGHT <= r["ts"] < MIDNIGHT + timedelta(days=1)
        and r["capability"] is not None
        and (r["sdk"] is None or len(r["sdk"]) <= 4096)
    }
    assert set(ids) == valid
    assert Path(landing / "date=2026-11-26/validation.json").exists()
