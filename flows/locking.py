"""One writer at a time on the DuckDB warehouse.

DuckDB allows a single writing process per file; a second writer fails on the file lock. A
nightly run and an operator's backfill can overlap, so every run takes an advisory lock on a
file beside the warehouse before it writes, and waits its turn instead of crashing.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class WarehouseBusyError(TimeoutError):
    """Another run kept the warehouse longer than we were willing to wait."""


def lock_path_for(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writer.lock")


@contextmanager
def warehouse_writer(
    warehouse: Path,
    *,
    timeout_s: float,
    poll_s: float = 1.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse's writer lock for the body of the `with` block.

    The lock is an `flock` on `<warehouse>.writer.lock`: the kernel releases it if the process
    dies, so a crashed run never leaves the warehouse locked.
    """
    lock_file = lock_path_for(warehouse)
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
                    raise WarehouseBusyError(
                        f"{warehouse}: another run has held the writer lock for over {timeout_s:.0f} s"
                    ) from None
                if not announced and on_wait is not None:
                    on_wait(f"{warehouse}: another run is writing; waiting for the writer lock")
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
