"""Pull one date's drop from an export root into the local landing zone, checking its manifest.

The export root is a local folder, a ``file://`` URL or ``s3://bucket/prefix`` (read through
fsspec; S3 credentials come from the standard AWS environment variables, the endpoint from the
argument). The result is ``<landing>/date=YYYY-MM-DD/raw/`` holding exactly the files the
manifest lists, each verified by sha256 (while streaming) and by Parquet row count, plus the
manifest itself; and ``<landing>/reference/model_releases.csv``.

The whole ``date=YYYY-MM-DD`` folder is built beside its final place and swapped in at the end,
so a re-published drop replaces the old one entirely (stale clean/quarantine output of the old
drop goes with it) and a failed pull leaves the previous landing untouched.

Errors: ``DropIncompleteError`` (manifest or a listed file missing: may resolve itself when the
upstream writer finishes), ``DropIntegrityError`` (checksum, row count, date or manifest content
wrong: someone upstream must fix it), ``ContractError`` (data breaks the contract; raised by
`flows.validate` and for a malformed reference file). All are ``DropError(ValueError)`` with a
one-line message naming the date and the file. Plain I/O failures stay ``OSError``, so the
caller can retry those and only those.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import hashlib
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from flows.contract import (
    ACCOUNTS_FILE,
    MANIFEST_NAME,
    MODEL_RELEASES_PATH,
    REQUESTS_PART_PREFIX,
    Manifest,
    ManifestError,
    drop_dir,
    parse_manifest,
)

CHUNK_BYTES = 8 << 20
MODEL_RELEASES_HEADER = ("model", "released_at")


class DropError(ValueError):
    """A drop (or the reference data beside it) cannot be used: a data problem, not an I/O one."""


class DropIncompleteError(DropError):
    """The drop is missing or not completely written (no manifest, a listed file absent)."""


class DropIntegrityError(DropError):
    """The drop is there but does not agree with its manifest (sha256, row count, date, listing)."""


class ContractError(DropError):
    """A file breaks the export contract (missing column, wrong type, malformed reference)."""


@dataclass(frozen=True)
class LandedDrop:
    """One date's drop as landed locally; `raw_dir` holds the listed files and the manifest."""

    day: date
    raw_dir: Path
    manifest: Manifest
    source_url: str
    reference_csv: Path

    @property
    def request_paths(self) -> list[Path]:
        """Request parts in part order (the order `flows.validate` uses to keep first duplicates)."""
        return [self.raw_dir / f.path for f in sorted_parts(self.manifest)]

    @property
    def accounts_path(self) -> Path:
        return self.raw_dir / ACCOUNTS_FILE


def day_dir(landing_dir: Path, day: date) -> Path:
    """`<landing>/date=YYYY-MM-DD`: everything landed, validated or derived for one date."""
    return Path(landing_dir) / f"date={day.isoformat()}"


def sorted_parts(manifest: Manifest) -> list[Any]:
    """Request parts in numeric part order, whatever order the manifest lists them in.

    Natural sort, so a writer that does not zero-pad (`requests-9`, `requests-10`) still gets
    its parts read in the order it numbered them.
    """

    def key(name: str) -> list[Any]:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]

    return sorted(manifest.request_parts, key=lambda f: key(f.path))


def pull_drop(
    export_root: str,
    day: date,
    landing_dir: Path,
    *,
    s3_endpoint_url: str | None = None,
) -> LandedDrop:
    """Fetch `day`'s drop and the model-release reference into the landing zone, verified.

    On success `<landing>/date=YYYY-MM-DD/` contains only `raw/` with the new drop (anything from
    an earlier pull of that date, including validation output, is gone). On any error the
    landing zone is as it was before the call.
    """
    landing_dir = Path(landing_dir)
    fs, root_path = _filesystem(export_root, s3_endpoint_url)
    drop_url = drop_dir(export_root, day)
    drop_path = drop_dir(root_path, day)

    manifest_bytes = _read_manifest(fs, drop_path, drop_url, day)
    manifest = _check_manifest(manifest_bytes, drop_url, day)

    landing_dir.mkdir(parents=True, exist_ok=True)
    target = day_dir(landing_dir, day)
    reference_dir = landing_dir / "reference"
    reference_dir.mkdir(exist_ok=True)
    # Both staged beside their final place, so the final renames stay on one filesystem
    # (and so are atomic).
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.pulling-", dir=landing_dir))
    reference_tmp = reference_dir / f".model_releases.csv.{staging.name}"
    try:
        raw = staging / "raw"
        raw.mkdir()
        for listed in manifest.files:
            local = raw / listed.path
            digest = _download(fs, f"{drop_path}/{listed.path}", local, day, listed.path, drop_url)
            if digest != listed.sha256.lower():
                raise DropIntegrityError(
                    f"{day} {listed.path}: sha256 mismatch "
                    f"(manifest {listed.sha256[:12]}…, found {digest[:12]}…)"
                )
            rows = _parquet_rows(local, day, listed.path)
            if rows != listed.rows:
                raise DropIntegrityError(
                    f"{day} {listed.path}: row count mismatch "
                    f"(manifest {listed.rows}, found {rows})"
                )
        (raw / MANIFEST_NAME).write_bytes(manifest_bytes)
        _fetch_reference(fs, root_path, export_root, reference_tmp, day)

        _swap_in(staging, target)
        os.replace(reference_tmp, landing_dir / MODEL_RELEASES_PATH)
    finally:
        # After a successful swap `staging` holds the previous landing of the date.
        shutil.rmtree(staging, ignore_errors=True)
        reference_tmp.unlink(missing_ok=True)

    return LandedDrop(
        day=day,
        raw_dir=target / "raw",
        manifest=manifest,
        source_url=drop_url,
        reference_csv=landing_dir / MODEL_RELEASES_PATH,
    )
