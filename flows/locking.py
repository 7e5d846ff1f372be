"""One writer at a time on the DuckDB warehouse, and one run at a time per date.

DuckDB allows a single writing process per file; a second writer fails on the file lock. A
nightly run and an operator's backfill can overlap, so every run takes an advisory lock on a
file beside the warehouse before it writes, and waits its turn instead of crashing.

A run holds the writer lock only while it needs the warehouse (build, gate, the reads of its
reports); its campaign reports then render, publish and go out while the next date builds
(`flows.pipeline.backfill`). So the files and mail of a date have a lock of their own: a second
run of the same date waits for the first to finish (it would otherwise clean up the first's
staging folders and race it on the delivery ledger). A run takes its date's lock first, then
the writer lock: always in that order, so two runs never wait on each other.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path


class WarehouseBusyError(TimeoutError):
    """Another run kept the warehouse (or the date) longer than we were willing to wait."""


def lock_path_for(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writer.lock")


def date_lock_path_for(warehouse: Path, run_date: date) -> Path:
    return warehouse.with_name(warehouse.name + ".dates") / f"{run_date.isoformat()}.lock"


@contextmanager
def warehouse_writer(
    warehouse: Path,
    *,
    timeout_s: float,
    poll_s: float = 1.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse's writer lock for the body of the `with` block."""
    with _exclusive(
        lock_path_for(warehouse),
        timeout_s=timeout_s,
        poll_s=poll_s,
        on_wait=on_wait,
        waiting=f"{warehouse}: another run is writing; waiting for the writer lock",
        busy=f"{warehouse}: another run has held the writer lock for over {timeout_s:.0f} s",
    ):
        yield


@contextmanager
def date_run(
    warehouse: Path,
    run_date: date,
    *,
    timeout_s: float,
    poll_s: float = 1.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold `run_date`'s run lock (its landing, reports, outbox and deliveries) for the block."""
    day = run_date.isoformat()
    with _exclusive(
        date_lock_path_for(warehouse, run_date),
        timeout_s=timeout_s,
        poll_s=poll_s,
        on_wait=on_wait,
        waiting=f"{day}: another run of this date is under way; waiting for it to finish",
        busy=f"{day}: another run of this date has held its lock for over {timeout_s:.0f} s",
    ):
        yield


@contextmanager
def _exclusive(
    lock_file: Path,
    *,
    timeout_s: float,
    poll_s: float,
    on_wait: Callable[[str], None] | None,
    waiting: str,
    busy: str,
) -> Iterator[None]:
    """An `flock` on `lock_file` for the block: the kernel releases it if the process dies, so
    a crashed run never leaves it held. Each call opens the file anew, so two threads of one
    process exclude each other as two processes do."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusyError(busy) from None
                if not announced and on_wait is not None:
                    on_wait(waiting)
                    announced = True
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
