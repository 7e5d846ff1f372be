"""Write one date's drop in the contract layout: request parts, accounts, manifest last.

Used by the synthetic generator and by tests that craft drops (good and bad) by hand.
Writing goes through fsspec, so the target can be a local folder or any fsspec URL.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from flows.contract import (
    ACCOUNTS_FILE,
    MANIFEST_NAME,
    SCHEMA_VERSION,
    Manifest,
    ManifestFile,
    drop_dir,
    requests_part_name,
    sha256_of,
)


def parquet_bytes(table: pa.Table) -> bytes:
    """Serialize a table deterministically (same table, same bytes)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def write_drop(
    export_root: str,
    day: date,
    request_parts: Iterable[pa.Table],
    accounts: pa.Table,
    storage_options: dict | None = None,
) -> Manifest:
    """Write a complete drop for `day` below `export_root` and return its manifest.

    Any older drop for that date is removed first: a re-published drop replaces the old one
    entirely. The manifest is written last, so a reader never sees a half-written drop as
    complete.
    """
    fs, base = fsspec.core.url_to_fs(drop_dir(export_root, day), **(storage_options or {}))
    if fs.exists(base):
        fs.rm(base, recursive=True)
    fs.makedirs(base, exist_ok=True)
    files: list[ManifestFile] = []
    for part, table in enumerate(request_parts):
        files.append(_put(fs, base, requests_part_name(part), table))
    files.append(_put(fs, base, ACCOUNTS_FILE, accounts))
    manifest = Manifest(schema_version=SCHEMA_VERSION, date=day, files=tuple(files))
    with fs.open(f"{base}/{MANIFEST_NAME}", "w") as out:
        out.write(manifest.to_json())
    return manifest


def _put(fs: fsspec.AbstractFileSystem, base: str, name: str, table: pa.Table) -> ManifestFile:
    payload = parquet_bytes(table)
    with fs.open(f"{base}/{name}", "wb") as out:
        out.write(payload)
    return ManifestFile(path=name, rows=table.num_rows, sha256=sha256_of(io.BytesIO(payload)))
