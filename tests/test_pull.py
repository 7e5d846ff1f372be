"""Pulling a drop: the same landing from a folder, a file:// URL and a real S3 server; every
incomplete or inconsistent drop refused with a one-line message naming date and file; a
re-pull replaces the date's landing whole and a failed pull leaves it as it was."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import boto3
import fsspec
import pyarrow as pa
import pytest
from factories import make_accounts, make_requests
from moto.server import ThreadedMotoServer

from flows.contract import MANIFEST_NAME, Manifest, drop_dir
from flows.drop_writer import parquet_bytes, write_drop
from flows.pull import (
    ContractError,
    DropError,
    DropIncompleteError,
    DropIntegrityError,
    LandedDrop,
    pull_drop,
)

DAY = date(2026, 11, 26)
RELEASES = (
    "model,released_at\nclaude-opus-4-5,2025-11-24T18:00:00Z\nclaude-sonnet-4-5,2025-09-29T17:00:00+00:00\n"
)


def publish(
    root: str,
    parts: list[pa.Table] | None = None,
    accounts: pa.Table | None = None,
    *,
    releases: str = RELEASES,
    storage_options: dict | None = None,
) -> Manifest:
    """Write a drop for DAY (two small parts by default) and the reference file below `root`."""
    if parts is None:
        parts = [make_requests(40, DAY), make_requests(25, DAY, seed=1, id_prefix="p1")]
    opts = storage_options or {}
    manifest = write_drop(root, DAY, parts, accounts or make_accounts(), opts)
    fs, base = fsspec.core.url_to_fs(root, **opts)
    fs.makedirs(f"{base}/reference", exist_ok=True)
    fs.pipe_file(f"{base}/reference/model_releases.csv", releases.encode())
    return manifest


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (relative path -> bytes), hidden leftovers included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pull_error(root: str, landing: Path, **kwargs: str) -> DropError:
    with pytest.raises(DropError) as caught:
        pull_drop(root, DAY, landing, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(DAY))
    assert not isinstance(caught.value, OSError)  # the flow retries OSError only
    return caught.value


# --- a real S3-compatible server on loopback -------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_root(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """A fresh bucket per test; credentials only through the standard AWS variables."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    bucket = request.node.name.replace("_", "-").lower()[:50]
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/exports"


# --- landing ----------------------------------------------------------------------------------


def test_folder_file_url_and_s3_land_identically(tmp_path: Path, s3_root: str, s3_endpoint: str) -> None:
    local_root = tmp_path / "export"
    published = publish(str(local_root))
    assert publish(s3_root, storage_options={"endpoint_url": s3_endpoint}) == published

    sources = {
        "folder": (str(local_root), {}),
        "file_url": (local_root.as_uri(), {}),
        "s3": (s3_root, {"s3_endpoint_url": s3_endpoint}),
    }
    landed: dict[str, LandedDrop] = {}
    trees: dict[str, dict[str, bytes]] = {}
    for name, (root, kwargs) in sources.items():
        landing = tmp_path / f"landing-{name}"
        landed[name] = pull_drop(root, DAY, landing, **kwargs)
        trees[name] = tree(landing)
        assert landed[name].raw_dir == landing / "date=2026-11-26" / "raw"
        assert landed[name].source_url == drop_dir(root, DAY)
        assert landed[name].manifest == published
        assert landed[name].reference_csv.read_text() == RELEASES

    assert trees["folder"] == trees["file_url"] == trees["s3"]
    assert sorted(trees["s3"]) == [
        "date=2026-11-26/raw/_manifest.json",
        "date=2026-11-26/raw/accounts.parquet",
        "date=2026-11-26/raw/requests-00000.parquet",
        "date=2026-11-26/raw/requests-00001.parquet",
        "reference/model_releases.csv",
    ]
    # Files land exactly as published.
    assert (
        trees["s3"]["date=2026-11-26/raw/requests-00001.parquet"]
        == (local_root / "usage/date=2026-11-26/requests-00001.parquet").read_bytes()
    )


def test_missing_manifest_on_s3_is_an_incomplete_drop(tmp_path: Path, s3_root: str, s3_endpoint: str) -> None:
    publish(s3_root, storage_options={"endpoint_url": s3_endpoint})
    fs, base = fsspec.core.url_to_fs(s3_root, endpoint_url=s3_endpoint, skip_instance_cache=True)
    fs.rm(f"{base}/usage/date=2026-11-26/{MANIFEST_NAME}")

    error = pull_error(s3_root, tmp_path / "landing", s3_endpoint_url=s3_endpoint)
    assert isinstance(error, DropIncompleteError)
    assert str(error) == (
        f"2026-11-26 _manifest.json: rule manifest_present: drop incomplete at "
        f"{s3_root}/usage/date=2026-11-26 (3 files present, no manifest)"
    )
    assert not (tmp_path / "landing" / "date=2026-11-26").exists()


def test_no_drop_for_the_date(tmp_path: Path) -> None:
    publish(str(tmp_path / "export"))
    with pytest.raises(
        DropIncompleteError,
        match=r"^2026-11-27 _manifest.json: rule "
        r"manifest_present: drop incomplete at .*date=2026-11-27 "
        r"\(no drop for this date\)$",
    ):
        pull_drop(str(tmp_path / "export"), date(2026, 11, 27), tmp_path / "landing")


def test_missing_listed_file(tmp_path: Path) -> None:
    root = tmp_path / "export"
    publish(str(root))
    (root / "usage/date=2026-11-26/requests-00001.parquet").unlink()

    error = pull_error(str(root), tmp_path / "landing")
    assert isinstance(error, DropIncompleteError)
    assert str(error) == (
        "2026-11-26 requests-00001.parquet: rule file_present: listed in _manifest.json "
        "but missing at "
        f"{root}/usage/date=2026-11-26/requests-00001.parquet"
    )


def test_bad_checksum(tmp_path: Path) -> None:
    root = tmp_path / "export"
    manifest = publish(str(root))
    # A valid Parquet file with the listed row count, but not the bytes the manifest vouches for.
    replacement = parquet_bytes(make_requests(25, DAY, seed=99, id_prefix="other"))
    (root / "usage/date=2026-11-26/requests-00001.parquet").write_bytes(replacement)

    error = pull_error(str(root), tmp_path / "landing")
    assert isinstance(error, DropIntegrityError)
    listed = manifest.files[1].sha256
    assert str(error).startswith(
        f"2026-11-26 requests-00001.parquet: rule sha256: mismatch (manifest {listed[:12]}…, found "
    )


def test_wrong_row_count(tmp_path: Path) -> None:
    root = tmp_path / "export"
    publish(str(root))
    manifest_path = root / "usage/date=2026-11-26" / MANIFEST_NAME
    raw = json.loads(manifest_path.read_text())
    raw["files"][0]["rows"] = 41  # the part holds 40
    manifest_path.write_text(json.dumps(raw))

    error = pull_error(str(root), tmp_path / "landing")
    assert isinstance(error, DropIntegrityError)
    assert str(error) == (
        "2026-11-26 requests-00000.parquet: rule row_count: mismatch (manifest 41, found 40)"
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda m: {**m, "date": "2026-11-25"},
            "2026-11-26 _manifest.json: rule manifest_date: manifest date 2026-11-25 "
            "is not the requested date 2026-11-26",
        ),
        (
            lambda m: {**m, "files": [f for f in m["files"] if f["path"] != "accounts.parquet"]},
            "2026-11-26 _manifest.json: rule lists_accounts: lists no accounts.parquet",
        ),
        (
            lambda m: {**m, "files": [f for f in m["files"] if f["path"] == "accounts.parquet"]},
            "2026-11-26 _manifest.json: rule lists_parts: lists no requests part",
        ),
        (
            lambda m: {**m, "files": m["files"] + [m["files"][0]]},
            "2026-11-26 _manifest.json: rule listed_once: requests-00000.parquet listed twice",
        ),
        (lambda m: {**m, "schema_version": 2}, "schema_version 2 is not the supported version 1"),
    ],
    ids=["date", "no-accounts", "no-parts", "listed-twice", "schema-version"],
)
def test_manifest_inconsistent_with_the_drop(tmp_path: Path, edit, expected: str) -> None:
    root = tmp_path / "export"
    publish(str(root))
    manifest_path = root / "usage/date=2026-11-26" / MANIFEST_NAME
    manifest_path.write_text(json.dumps(edit(json.loads(manifest_path.read_text()))))

    error = pull_error(str(root), tmp_path / "landing")
    assert expected.format(drop=drop_dir(str(root), DAY)) in str(error)


def test_unreadable_manifest(tmp_path: Path) -> None:
    root = tmp_path / "export"
    publish(str(root))
    (root / "usage/date=2026-11-26" / MANIFEST_NAME).write_text('{"schema_version": 1, "da')

    error = pull_error(str(root), tmp_path / "landing")
    assert isinstance(error, DropIntegrityError)
    assert str(error).startswith("2026-11-26 _manifest.json: rule manifest_json: not JSON (")


BAD_TIME = "line 2 column released_at: rule iso8601_utc"


@pytest.mark.parametrize(
    ("releases", "expected"),
    [
        ("model;released_at\nm,2025-01-01T00:00:00Z\n", "rule header: expected 'model,"),
        ("model,released_at\nm,2025-01-01 00:00:00\n", BAD_TIME),
        ("model,released_at\nm,2025-01-01T02:00:00+02:00\n", BAD_TIME),
        ("model,released_at\nm,yesterday\n", BAD_TIME),
    ],
    ids=["header", "naive", "not-utc", "not-a-time"],
)
def test_malformed_model_releases(tmp_path: Path, releases: str, expected: str) -> None:
    publish(str(tmp_path / "export"), releases=releases)
    error = pull_error(str(tmp_path / "export"), tmp_path / "landing")
    assert isinstance(error, ContractError)
    assert str(error).startswith("2026-11-26 reference/model_releases.csv")
    assert expected in str(error)
    assert not (tmp_path / "landing" / "reference" / "model_releases.csv").exists()


def test_missing_model_releases(tmp_path: Path) -> None:
    root = tmp_path / "export"
    publish(str(root))
    (root / "reference/model_releases.csv").unlink()
    error = pull_error(str(root), tmp_path / "landing")
    assert isinstance(error, DropIncompleteError)
    assert str(error) == (
        "2026-11-26 reference/model_releases.csv: rule reference_present: "
        f"export root incomplete at {root}: reference/model_releases.csv missing"
    )


# --- re-pulls ---------------------------------------------------------------------------------


def test_repull_replaces_the_date_folder_whole(tmp_path: Path) -> None:
    root, landing = tmp_path / "export", tmp_path / "landing"
    publish(str(root))
    pull_drop(str(root), DAY, landing)
    day_folder = landing / "date=2026-11-26"
    # Output of a validation of the first drop; it must not survive a re-published drop.
    (day_folder / "clean").mkdir()
    (day_folder / "clean" / "requests.parquet").write_bytes(b"old")
    (day_folder / "validation.json").write_text("{}")

    corrected = make_requests(10, DAY, seed=5, id_prefix="corrected")
    manifest = publish(str(root), [corrected])
    landed = pull_drop(str(root), DAY, landing)

    assert landed.manifest == manifest
    assert sorted(tree(landing)) == [
        "date=2026-11-26/raw/_manifest.json",
        "date=2026-11-26/raw/accounts.parquet",
        "date=2026-11-26/raw/requests-00000.parquet",
        "reference/model_releases.csv",
    ]
    assert (landed.raw_dir / "requests-00000.parquet").read_bytes() == parquet_bytes(corrected)


def test_failed_pull_leaves_the_previous_landing_untouched(tmp_path: Path) -> None:
    root, landing = tmp_path / "export", tmp_path / "landing"
    publish(str(root))
    pull_drop(str(root), DAY, landing)
    (landing / "date=2026-11-26" / "validation.json").write_text("{}")
    before = tree(landing)

    # A re-published drop whose second part is corrupted after the manifest was written.
    publish(str(root), [make_requests(12, DAY, seed=3), make_requests(12, DAY, seed=4)])
    part = root / "usage/date=2026-11-26/requests-00001.parquet"
    part.write_bytes(part.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(DropIntegrityError, match=re.escape("requests-00001.parquet: rule sha256: mismatch")):
        pull_drop(str(root), DAY, landing)

    assert tree(landing) == before  # no half state, no staging leftovers
    assert sorted(os.listdir(landing)) == ["date=2026-11-26", "reference"]
