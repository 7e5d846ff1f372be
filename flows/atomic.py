"""Writing a file so that a reader (the mailer, an analyst's browser, the next task) sees either
the previous file or the whole new one, never part of it: the bytes go to a sibling
`<name>.partial` that is renamed over the target (same folder, so the rename is atomic), and
is removed if writing fails. Every single-file output of the pipeline is written this way;
whole folders (a landing drop, a validation's outputs) are swapped by their own modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A path to write into; it replaces `path` when the block ends without an error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8) to `path` atomically; returns `path`."""
    with atomic_path(path) as partial:
        partial.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
