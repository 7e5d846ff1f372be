"""Pull one date's drop from an export root into the local landing zone, checking its manifest.

The export root is a local folder, a ``file://`` URL or ``s3://bucket/prefix`` (read through
fsspec; S3 credentials come from the standard AWS environment variables, the endpoint from the
argument). The result is ``<landing>/date=YYYY-MM-DD/raw/`` holding exactly the files the
manifest lists, each verified by sha256 (while streaming) and by Parquet row count, plus the
manifest itself; and ``<landing>/reference/model_releases.csv``.

The whole ``date=YYYY-MM-DD`` folder is built beside its final place and swapped in at the end,
so a re-published drop replaces the old one entirely (stale clean/quarantine output of the old
drop goes with it) and a failed pull leaves the previous landing untouched.

Files are fetched by their exact listed names (no glob expansion: the manifest may list only
`requests-NNNNN.parquet` and `accounts.parquet`), within the caps of `Settings.drop_limits`.

Errors (all in `flows.contract`): ``DropIncompleteError`` (manifest or a listed file missing:
may resolve itself when the upstream writer finishes), ``DropIntegrityError`` (manifest
malformed, checksum, row count, date wrong, a file not Parquet, a cap exceeded: someone upstream
must fix it), ``ContractError`` (data breaks the contract; raised by `flows.validate` and for a
malformed reference file). All are ``DropError(ValueError)`` with a one-line message naming the
date, file, column (if any) and rule. Plain I/O failures stay ``OSError``, so the caller can
retry those and only those.
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
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec import AbstractFileSystem as FileSystem

from flows.contract import (
    ACCOUNTS_FILE,
    MANIFEST_NAME,
    MODEL_RELEASES_HEADER,
    MODEL_RELEASES_PATH,
    RULE_FILE_PRESENT,
    RULE_MANIFEST_PRESENT,
    RULE_MANIFEST_SIZE,
    RULE_PARQUET,
    RULE_PART_BYTES,
    RULE_REFERENCE_PRESENT,
    RULE_ROW_COUNT,
    RULE_SHA256,
    ContractError,
    DropError,
    DropIncompleteError,
    DropIntegrityError,
    DropLimits,
    Manifest,
    ManifestError,
    ManifestFile,
    drop_dir,
    parse_manifest,
)

__all__ = [
    "ContractError",
    "DropError",
    "DropIncompleteError",
    "DropIntegrityError",
    "LandedDrop",
    "ManifestError",
    "open_landed",
    "pull_drop",
]

CHUNK_BYTES = 8 << 20  # streaming unit for downloads (and the S3 read-ahead block)


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
        """Request parts in part order (`flows.validate` keeps the first of duplicates by it)."""
        return [self.raw_dir / f.path for f in sorted_parts(self.manifest)]

    @property
    def accounts_path(self) -> Path:
        return self.raw_dir / ACCOUNTS_FILE


def day_dir(landing_dir: Path, day: date) -> Path:
    """`<landing>/date=YYYY-MM-DD`: everything landed, validated or derived for one date."""
    return Path(landing_dir) / f"date={day.isoformat()}"


def sorted_parts(manifest: Manifest) -> list[ManifestFile]:
    """Request parts in numeric part order, whatever order the manifest lists them in.

    Names are `requests-NNNNN.parquet` (checked by `parse_manifest`); the natural sort keeps
    numeric order should the contract ever allow more digits.
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
    limits: DropLimits | None = None,
) -> LandedDrop:
    """Fetch `day`'s drop and the model-release reference into the landing zone, verified.

    On success `<landing>/date=YYYY-MM-DD/` contains only `raw/` with the new drop (anything from
    an earlier pull of that date, including validation output, is gone). On any error the
    landing zone is as it was before the call. `limits` default to `Settings().drop_limits`.
    """
    if limits is None:
        from flows.settings import Settings

        limits = Settings().drop_limits
    landing_dir = Path(landing_dir)
    fs, root_path = _filesystem(export_root, s3_endpoint_url)
    drop_url = drop_dir(export_root, day)
    drop_path = drop_dir(root_path, day)

    manifest_bytes = _read_manifest(fs, drop_path, drop_url, day, limits.max_manifest_bytes)
    manifest = parse_manifest(manifest_bytes, day, limits=limits)

    landing_dir.mkdir(parents=True, exist_ok=True)
    target = day_dir(landing_dir, day)
    reference_dir = landing_dir / "reference"
    reference_dir.mkdir(exist_ok=True)
    # Both staged beside their final place, so the final renames stay on one filesystem (and so
    # are atomic). Not mkdtemp: its 0700 mode would become the landing folder's after the swap.
    staging = landing_dir / f".{target.name}.pulling-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    reference_tmp = reference_dir / f".model_releases.csv.{staging.name}"
    try:
        raw = staging / "raw"
        raw.mkdir()
        for listed in manifest.files:
            local = raw / listed.path
            digest = _download(
                fs,
                f"{drop_path}/{listed.path}",
                local,
                day,
                listed.path,
                drop_url,
                limits.max_part_bytes,
            )
            if digest != listed.sha256.lower():
                raise DropIntegrityError(
                    day,
                    listed.path,
                    RULE_SHA256,
                    f"mismatch (manifest {listed.sha256[:12]}…, found {digest[:12]}…)",
                )
            rows = _parquet_rows(local, day, listed.path)
            if rows != listed.rows:
                raise DropIntegrityError(
                    day,
                    listed.path,
                    RULE_ROW_COUNT,
                    f"mismatch (manifest {listed.rows}, found {rows})",
                )
        (raw / MANIFEST_NAME).write_bytes(manifest_bytes)
        _fetch_reference(fs, root_path, export_root, reference_tmp, day)

        swap_folders(staging, target)
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


def open_landed(landing_dir: Path, day: date, source_url: str = "") -> LandedDrop:
    """The drop an earlier `pull_drop` landed for `day`, to validate it again without pulling."""
    raw = day_dir(landing_dir, day) / "raw"
    try:
        text = (raw / MANIFEST_NAME).read_text("utf-8")
    except FileNotFoundError as exc:
        raise DropIncompleteError(
            day, MANIFEST_NAME, RULE_MANIFEST_PRESENT, f"nothing landed at {raw}"
        ) from exc
    return LandedDrop(
        day=day,
        raw_dir=raw,
        manifest=parse_manifest(text, day),
        source_url=source_url,
        reference_csv=Path(landing_dir) / MODEL_RELEASES_PATH,
    )


def _filesystem(export_root: str, s3_endpoint_url: str | None) -> tuple[FileSystem, str]:
    """The fsspec filesystem for an export root and the root's path within it."""
    protocol = fsspec.utils.get_protocol(export_root)
    options: dict[str, Any] = {}
    if protocol in ("s3", "s3a"):
        # A nightly run and a re-pull minutes later must both see the store as it is now, not
        # a listing cached by an earlier call in the same process.
        options = {"skip_instance_cache": True, "use_listings_cache": False}
        if s3_endpoint_url:
            options["endpoint_url"] = s3_endpoint_url
    fs, path = fsspec.core.url_to_fs(export_root, **options)
    return fs, path.rstrip("/")


def _read_manifest(fs: FileSystem, drop_path: str, drop_url: str, day: date, max_bytes: int) -> bytes:
    """The manifest's bytes; reads at most one byte past the cap, so a huge one is refused
    without being read whole."""
    try:
        with fs.open(f"{drop_path}/{MANIFEST_NAME}", "rb") as stream:
            data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        pass
    else:
        if len(data) > max_bytes:
            raise ManifestError(
                day,
                MANIFEST_NAME,
                RULE_MANIFEST_SIZE,
                f"larger than the cap of {max_bytes} bytes (setting max_manifest_bytes)",
            )
        return data
    try:
        present = len(fs.ls(drop_path, detail=False))
    except FileNotFoundError:
        present = 0
    detail = "no drop for this date" if present == 0 else f"{present} files present, no manifest"
    raise DropIncompleteError(
        day, MANIFEST_NAME, RULE_MANIFEST_PRESENT, f"drop incomplete at {drop_url} ({detail})"
    )


def _download(
    fs: FileSystem, path: str, local: Path, day: date, name: str, drop_url: str, max_bytes: int
) -> str:
    """Stream one listed file to `local`, returning its sha256 (hashed on the way through).

    `fs.open` takes the exact name (fsspec expands globs only in glob/expand_path)."""
    try:
        source = fs.open(path, "rb", block_size=CHUNK_BYTES)
    except FileNotFoundError as exc:
        raise DropIncompleteError(
            day,
            name,
            RULE_FILE_PRESENT,
            f"listed in {MANIFEST_NAME} but missing at {drop_url}/{name}",
        ) from exc
    digest = hashlib.sha256()
    written = 0
    with source, open(local, "wb") as out:
        for chunk in iter(lambda: source.read(CHUNK_BYTES), b""):
            written += len(chunk)
            if written > max_bytes:
                raise DropIntegrityError(
                    day,
                    name,
                    RULE_PART_BYTES,
                    f"larger than the cap of {max_bytes} bytes (setting max_part_bytes)",
                )
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _parquet_rows(local: Path, day: date, name: str) -> int:
    """Row count from the Parquet footer. pyarrow reports a corrupt footer as `OSError`; the
    file was just written locally and hashed, so here that is the content's fault, not I/O's:
    a data error, which the flow does not retry."""
    try:
        return pq.read_metadata(local).num_rows
    except (pa.ArrowException, OSError) as exc:
        raise DropIntegrityError(day, name, RULE_PARQUET, f"not a readable Parquet file ({exc})") from exc


def _fetch_reference(fs: FileSystem, root_path: str, export_root: str, local: Path, day: date) -> None:
    try:
        data = fs.cat_file(f"{root_path}/{MODEL_RELEASES_PATH}")
    except FileNotFoundError as exc:
        raise DropIncompleteError(
            day,
            MODEL_RELEASES_PATH,
            RULE_REFERENCE_PRESENT,
            f"export root incomplete at {export_root.rstrip('/')}: {MODEL_RELEASES_PATH} missing",
        ) from exc
    check_model_releases(data, day)
    local.write_bytes(data)


def check_model_releases(data: bytes, day: date | None) -> dict[str, datetime]:
    """Parse `model_releases.csv` strictly (header `model,released_at`, ISO 8601 UTC times).

    Raises `ContractError` naming `day`, the file (and line), column and rule.
    """
    name = MODEL_RELEASES_PATH

    def fail(rule: str, detail: str, line: int | None = None, column: str | None = None) -> NoReturn:
        where = name if line is None else f"{name} line {line}"
        raise ContractError(day, where, rule, detail, column=column)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail("utf8", f"not UTF-8 text (byte {exc.start})")
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        if header is None or tuple(header) != MODEL_RELEASES_HEADER:
            found = ",".join(header) if header else "an empty file"
            fail("header", f"expected {','.join(MODEL_RELEASES_HEADER)!r}, found {quote_untrusted(found)}")
        releases: dict[str, datetime] = {}
        for row in rows:
            line = rows.line_num
            if not row:
                continue  # blank line (e.g. trailing newline)
            if len(row) != 2:
                fail("fields", f"expected 2, found {len(row)}", line)
            model, released_at = row
            if not model:
                fail("not_null", "empty", line, "model")
            if model in releases:
                fail("duplicate_key", quote_untrusted(model), line, "model")
            when = _parse_utc(released_at)
            if when is None:
                fail(
                    "iso8601_utc",
                    f"{quote_untrusted(released_at)} is not an ISO 8601 UTC time",
                    line,
                    "released_at",
                )
            releases[model] = when
    except csv.Error as exc:
        fail("csv", str(exc), rows.line_num)
    return releases


def _parse_utc(text: str) -> datetime | None:
    """An ISO 8601 time with an explicit UTC designator (`Z` or `+00:00`), else None."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None or when.utcoffset() != timedelta(0):
        return None
    return when


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def swap_folders(staging: Path, target: Path) -> None:
    """Put `staging` at `target`; afterwards `staging` holds the previous target (if any).

    Used for a landed drop (here) and for a day's published reports (`flows.publish`).

    With a previous landing we exchange the two folders in one `renameat2(RENAME_EXCHANGE)`,
    so a reader sees the old drop or the new one, never neither. Where that call is missing
    (not Linux) or unsupported by the filesystem, we fall back to two renames, which leaves
    a moment with no folder at `target` (still never a half-written one).
    """
    if not target.exists():
        os.rename(staging, target)
        return
    if _rename_exchange(staging, target):
        return
    parked = staging.with_name(staging.name + ".old")
    os.rename(target, parked)
    os.rename(staging, target)
    os.rename(parked, staging)


def _rename_exchange(a: Path, b: Path) -> bool:
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def quote_untrusted(value: str, limit: int = 80) -> str:
    """Untrusted text quoted for a one-line message: control characters escaped, length capped."""
    shown = repr(value[:limit])
    return shown + ("…" if len(value) > limit else "")
