"""Validating a landed drop: schema breaks fail the drop naming file, column and rule; bad rows
go to quarantine once with their first failing rule while every valid row is kept; unknown enum
values are kept and counted; clean output has the contract schema whatever the writer used."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from factories import make_accounts, make_requests

from flows.contract import ACCOUNTS_SCHEMA, REQUESTS_SCHEMA
from flows.drop_writer import write_drop
from flows.pull import LandedDrop, open_landed, pull_drop
from flows.validate import ContractError, ValidationResult, validate_drop

DAY = date(2026, 11, 26)
MIDNIGHT = datetime(2026, 11, 26, tzinfo=UTC)
EXTRAS = ["_source_file", "_rule", "_column"]


def land(tmp_path: Path, parts: list[pa.Table], accounts: pa.Table | None = None) -> LandedDrop:
    """Publish a drop for DAY in a local export root and pull it into tmp_path/landing."""
    root = tmp_path / "export"
    write_drop(str(root), DAY, parts, accounts if accounts is not None else make_accounts())
    (root / "reference").mkdir(exist_ok=True)
    (root / "reference/model_releases.csv").write_text(
        "model,released_at\nclaude-opus-4-5,2025-11-24T18:00:00Z\n"
    )
    return pull_drop(str(root), DAY, tmp_path / "landing")


def output(tmp_path: Path, name: str) -> pa.Table:
    return pq.read_table(tmp_path / "landing" / "date=2026-11-26" / name)


def with_values(table: pa.Table, column: str, values: dict[int, Any]) -> pa.Table:
    """`table` with some rows of one column replaced (same type; None for null, which other
    writers can produce whatever the contract says, so the field is declared nullable)."""
    current = table.column(column).to_pylist()
    for row, value in values.items():
        current[row] = value
    i = table.schema.get_field_index(column)
    field = table.schema.field(i).with_nullable(True)
    return table.set_column(i, field, pa.array(current, field.type))


def rows(table: pa.Table, *columns: str) -> list[tuple]:
    return sorted(zip(*(table.column(c).to_pylist() for c in columns), strict=True), key=repr)


# --- good drops -------------------------------------------------------------------------------


def test_good_drop_is_kept_whole_with_the_contract_schema(tmp_path: Path) -> None:
    parts = [make_requests(40, DAY), make_requests(25, DAY, seed=1, id_prefix="p1")]
    landed = land(tmp_path, parts)
    result = validate_drop(landed, tmp_path / "landing")

    assert result.rows_read == {"requests": 65, "accounts": 6}
    assert result.rows_kept == {"requests": 65, "accounts": 6}
    assert result.quarantined == {} and result.unknown_enums == {} and result.messages() == []

    clean = output(tmp_path, "clean/requests.parquet")
    assert clean.schema.names == REQUESTS_SCHEMA.names
    assert clean.schema.types == REQUESTS_SCHEMA.types
    expected = pa.concat_tables(parts)
    assert rows(clean, *REQUESTS_SCHEMA.names) == rows(expected, *REQUESTS_SCHEMA.names)
    accounts = output(tmp_path, "clean/accounts.parquet")
    assert accounts.schema.types == ACCOUNTS_SCHEMA.types
    assert accounts.schema.names == ACCOUNTS_SCHEMA.names

    # Nothing quarantined: the files still exist, empty, with the quarantine schema.
    for kind, schema in (("requests", REQUESTS_SCHEMA), ("accounts", ACCOUNTS_SCHEMA)):
        quarantine = output(tmp_path, f"quarantine/{kind}.parquet")
        assert quarantine.num_rows == 0
        assert quarantine.schema.names == schema.names + EXTRAS

    assert ValidationResult.load(tmp_path / "landing", DAY) == result
    on_disk = json.loads((tmp_path / "landing/date=2026-11-26/validation.json").read_text())
    assert on_disk["rows"]["requests"] == {"read": 65, "kept": 65, "quarantined": 0}


def test_validating_twice_gives_the_same_result(tmp_path: Path) -> None:
    landed = land(tmp_path, [make_requests(30, DAY)])
    first = validate_drop(landed, tmp_path / "landing")
    clean_before = output(tmp_path, "clean/requests.parquet")
    # E.g. a backfill re-validating what an earlier run landed, without pulling again.
    assert validate_drop(open_landed(tmp_path / "landing", DAY), tmp_path / "landing") == first
    assert output(tmp_path, "clean/requests.parquet").equals(clean_before)
    leftovers = [p.name for p in (tmp_path / "landing/date=2026-11-26").iterdir()]
    assert sorted(leftovers) == ["clean", "quarantine", "raw", "validation.json"]


def test_extra_columns_are_ignored(tmp_path: Path) -> None:
    part = make_requests(20, DAY)
    part = part.append_column("debug_note", pa.array(["internal"] * 20))
    accounts = make_accounts().append_column("crm_id", pa.array(range(6), pa.int64()))
    result = validate_drop(land(tmp_path, [part], accounts), tmp_path / "landing")

    assert result.rows_kept == {"requests": 20, "accounts": 6}
    assert output(tmp_path, "clean/requests.parquet").schema.names == REQUESTS_SCHEMA.names
    assert output(tmp_path, "clean/accounts.parquet").schema.names == ACCOUNTS_SCHEMA.names


def test_other_physical_types_are_accepted_and_cleaned_to_contract_types(tmp_path: Path) -> None:
    contract_part = make_requests(30, DAY, id_prefix="c")
    other_part = make_requests(30, DAY, seed=7, id_prefix="o")
    # Another writer's choices, all readings `type_matches` accepts.
    other_schema = pa.schema(
        [
            ("request_id", pa.large_string()),
            ("ts", pa.timestamp("ns", tz="UTC")),
            ("account_id", pa.dictionary(pa.int32(), pa.string())),
            ("capability", pa.dictionary(pa.int8(), pa.large_string())),
            ("input_tokens", pa.int32()),  # int64 in the contract
            ("tool_count", pa.int64()),  # int32 in the contract
            ("image_count", pa.int8()),
            ("asn", pa.uint32()),
            ("sdk", pa.large_string()),
        ]
    )
    for f in other_schema:
        i = other_part.schema.get_field_index(f.name)
        other_part = other_part.set_column(i, f, other_part.column(i).cast(f.type))
    accounts = make_accounts()
    accounts = accounts.set_column(
        3,
        pa.field("created_at", pa.timestamp("ms", tz="+00:00")),
        accounts.column(3).cast(pa.timestamp("ms", tz="+00:00")),
    )

    landed = land(tmp_path, [contract_part, other_part], accounts)
    result = validate_drop(landed, tmp_path / "landing")

    assert result.rows_kept == {"requests": 60, "accounts": 6} and result.quarantined == {}
    clean = output(tmp_path, "clean/requests.parquet")
    assert clean.schema.types == REQUESTS_SCHEMA.types
    expected = pa.concat_tables([contract_part, make_requests(30, DAY, seed=7, id_prefix="o")])
    assert rows(clean, *REQUESTS_SCHEMA.names) == rows(expected, *REQUESTS_SCHEMA.names)
    clean_accounts = output(tmp_path, "clean/accounts.parquet")
    assert clean_accounts.schema.types == ACCOUNTS_SCHEMA.types
    assert clean_accounts.column("created_at") == make_accounts().column("created_at")


# --- schema breaks fail the drop ----------------------------------------------------------------


def test_missing_column_fails_the_drop(tmp_path: Path) -> None:
    broken = make_requests(10, DAY, id_prefix="b").drop_columns(["input_tokens"])
    landed = land(tmp_path, [make_requests(10, DAY), broken])
    with pytest.raises(ContractError) as caught:
        validate_drop(landed, tmp_path / "landing")
    assert str(caught.value) == (
        "2026-11-26 requests-00001.parquet column input_tokens: rule present: column missing"
    )
    # Nothing half-written: no clean, quarantine or validation.json for the date.
    assert sorted(p.name for p in (tmp_path / "landing/date=2026-11-26").iterdir()) == ["raw"]


@pytest.mark.parametrize(
    ("kind", "column", "values", "message"),
    [
        (
            "requests",
            "input_tokens",
            pa.array(["12"] * 10),
            "2026-11-26 requests-00000.parquet column input_tokens: rule type: expected int64, found string",
        ),
        (
            "requests",
            "ts",
            pa.array([datetime(2026, 11, 26, 1)] * 10, pa.timestamp("us")),
            "2026-11-26 requests-00000.parquet column ts: rule type: "
            "expected timestamp[us, tz=UTC], found timestamp[us]",
        ),
        (
            "requests",
            "tool_count",
            pa.array([1.0] * 10),
            "2026-11-26 requests-00000.parquet column tool_count: rule type: expected int32, found double",
        ),
        (
            "accounts",
            "created_at",
            pa.array(["2026-01-01T00:00:00Z"] * 6),
            "2026-11-26 accounts.parquet column created_at: rule type: "
            "expected timestamp[us, tz=UTC], found string",
        ),
    ],
    ids=["string-for-int", "naive-timestamp", "float-for-count", "accounts-string-timestamp"],
)
def test_wrong_type_fails_the_drop(
    tmp_path: Path, kind: str, column: str, values: pa.Array, message: str
) -> None:
    part, accounts = make_requests(10, DAY), make_accounts()
    if kind == "requests":
        part = part.set_column(part.schema.get_field_index(column), column, values)
    else:
        accounts = accounts.set_column(accounts.schema.get_field_index(column), column, values)
    landed = land(tmp_path, [part], accounts)
    with pytest.raises(ContractError) as caught:
        validate_drop(landed, tmp_path / "landing")
    assert str(caught.value) == message


def test_every_schema_problem_is_counted_in_the_one_line(tmp_path: Path) -> None:
    broken = make_requests(10, DAY).drop_columns(["input_tokens", "status"])
    with pytest.raises(ContractError) as caught:
        validate_drop(land(tmp_path, [broken]), tmp_path / "landing")
    assert str(caught.value) == (
        "2026-11-26 requests-00000.parquet column input_tokens: rule present: column missing (and 1 more)"
    )
    assert caught.value.problems == (
        "2026-11-26 requests-00000.parquet column input_tokens: rule present: column missing",
        "2026-11-26 requests-00000.parquet column status: rule present: column missing",
    )


# --- row rules --------------------------------------------------------------------------------


def test_bad_rows_are_quarantined_and_every_valid_row_kept(tmp_path: Path) -> None:
    part0 = make_requests(20, DAY, id_prefix="a")
    part0 = with_values(part0, "request_id", {1: None, 9: "a-0000003", 10: "a-0000000"})
    part0 = with_values(part0, "account_id", {2: None})
    part0 = with_values(part0, "input_tokens", {2: -5, 3: -3})  # row 2 fails on its null key first
    part0 = with_values(part0, "output_tokens", {4: -1})
    part0 = with_values(part0, "ts", {5: MIDNIGHT - timedelta(seconds=1), 6: MIDNIGHT + timedelta(days=1)})
    part0 = with_values(part0, "model", {7: None})
    part0 = with_values(part0, "sdk", {8: None})  # nullable: fine
    part1 = make_requests(10, DAY, seed=1, id_prefix="b")
    part1 = with_values(part1, "request_id", {0: "a-0000011", 1: "b-0000002"})
    part1 = with_values(part1, "ts", {3: MIDNIGHT + timedelta(days=1, microseconds=-1)})

    result = validate_drop(land(tmp_path, [part0, part1]), tmp_path / "landing")

    p0, p1 = "requests-00000.parquet", "requests-00001.parquet"
    assert result.quarantined == {
        (p0, "request_id", "not_null"): 1,
        (p0, "account_id", "not_null"): 1,
        (p0, "model", "not_null"): 1,
        (p0, "input_tokens", "non_negative"): 1,
        (p0, "output_tokens", "non_negative"): 1,
        (p0, "ts", "ts_outside_date"): 2,
        (p0, "request_id", "duplicate_key"): 1,  # row 10 repeats row 0
        (p1, "request_id", "duplicate_key"): 2,  # repeats part 0 row 11; row 2 repeats row 1
    }
    assert (result.requests_read, result.requests_kept, result.requests_quarantined) == (30, 20, 10)
    assert result.quarantined_total == 10

    # Kept: exactly the valid rows, values as published; the first valid copy of a duplicate.
    bad0, bad1 = {1, 2, 3, 4, 5, 6, 7, 10}, {0, 2}
    expected = pa.concat_tables(
        [
            part0.take([i for i in range(20) if i not in bad0]),
            part1.take([i for i in range(10) if i not in bad1]),
        ],
        promote_options="permissive",
    )
    clean = output(tmp_path, "clean/requests.parquet")
    assert rows(clean, *REQUESTS_SCHEMA.names) == rows(expected, *REQUESTS_SCHEMA.names)
    # a-0000003 is broken at row 3 (negative tokens) but valid at row 9: the valid copy stays.
    assert clean.column("request_id").to_pylist().count("a-0000003") == 1

    quarantine = output(tmp_path, "quarantine/requests.parquet")
    assert quarantine.schema.names == REQUESTS_SCHEMA.names + EXTRAS
    # In source order, values as written, each with its first failing rule.
    tokens0, tokens1 = part0["input_tokens"].to_pylist(), part1["input_tokens"].to_pylist()
    assert list(
        zip(*(quarantine[c].to_pylist() for c in [*EXTRAS, "request_id", "input_tokens"]), strict=True)
    ) == [
        (p0, "not_null", "request_id", None, tokens0[1]),
        (p0, "not_null", "account_id", "a-0000002", -5),
        (p0, "non_negative", "input_tokens", "a-0000003", -3),
        (p0, "non_negative", "output_tokens", "a-0000004", tokens0[4]),
        (p0, "ts_outside_date", "ts", "a-0000005", tokens0[5]),
        (p0, "ts_outside_date", "ts", "a-0000006", tokens0[6]),
        (p0, "not_null", "model", "a-0000007", tokens0[7]),
        (p0, "duplicate_key", "request_id", "a-0000000", tokens0[10]),
        (p1, "duplicate_key", "request_id", "a-0000011", tokens1[0]),
        (p1, "duplicate_key", "request_id", "b-0000002", tokens1[2]),
    ]

    messages = result.messages()
    assert (
        "2026-11-26 requests-00000.parquet column input_tokens rule non_negative: 1 row quarantined"
    ) in messages
    assert (
        "2026-11-26 requests-00001.parquet column request_id rule duplicate_key: 2 rows quarantined"
    ) in messages
    assert len(messages) == 8
    on_disk = json.loads((tmp_path / "landing/date=2026-11-26/validation.json").read_text())
    assert on_disk["rows"]["requests"] == {"read": 30, "kept": 20, "quarantined": 10}
    assert ValidationResult.load(tmp_path / "landing", DAY) == result


def test_bad_account_rows_are_quarantined(tmp_path: Path) -> None:
    accounts = make_accounts(8)
    accounts = with_values(accounts, "account_id", {6: None, 7: "acct-0001"})
    accounts = with_values(accounts, "organization_name", {7: "Impostor Ltd"})
    result = validate_drop(land(tmp_path, [make_requests(10, DAY)], accounts), tmp_path / "landing")

    assert result.quarantined == {
        ("accounts.parquet", "account_id", "not_null"): 1,
        ("accounts.parquet", "account_id", "duplicate_key"): 1,
    }
    clean = output(tmp_path, "clean/accounts.parquet")
    assert rows(clean, "account_id", "organization_name") == rows(
        make_accounts(6), "account_id", "organization_name"
    )


def test_int32_column_written_wide_with_an_out_of_range_value(tmp_path: Path) -> None:
    part = make_requests(10, DAY)
    wide = pa.array([1] * 9 + [2**31], pa.int64())
    part = part.set_column(part.schema.get_field_index("tool_count"), "tool_count", wide)
    result = validate_drop(land(tmp_path, [part]), tmp_path / "landing")

    assert result.quarantined == {("requests-00000.parquet", "tool_count", "out_of_range"): 1}
    quarantine = output(tmp_path, "quarantine/requests.parquet")
    assert quarantine.column("tool_count").to_pylist() == [2**31]  # as written
    assert output(tmp_path, "clean/requests.parquet").schema.field("tool_count").type == pa.int32()


def test_unknown_enum_values_are_kept_and_counted(tmp_path: Path) -> None:
    part = make_requests(20, DAY)
    part = with_values(part, "capability", dict.fromkeys([0, 5, 9], "distillation_probe"))
    part = with_values(part, "asn_type", {3: "satellite"})
    accounts = with_values(make_accounts(), "verification", {2: "biometric\nsee attachment"})
    result = validate_drop(land(tmp_path, [part], accounts), tmp_path / "landing")

    assert result.rows_kept == {"requests": 20, "accounts": 6} and result.quarantined == {}
    assert result.unknown_enums == {
        ("capability", "distillation_probe"): 3,
        ("asn_type", "satellite"): 1,
        ("verification", "biometric\nsee attachment"): 1,
    }
    clean = output(tmp_path, "clean/requests.parquet")
    assert clean.column("capability").to_pylist().count("distillation_probe") == 3
    messages = result.messages()
    assert ("2026-11-26 column capability: unknown value 'distillation_probe' kept in 3 rows") in messages
    assert (  # untrusted text: escaped, so the message stays one line
        "2026-11-26 column verification: unknown value 'biometric\\nsee attachment' kept in 1 row"
    ) in messages
    assert all("\n" not in m for m in messages)
    assert ValidationResult.load(tmp_path / "landing", DAY) == result
