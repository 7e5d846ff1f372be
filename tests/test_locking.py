"""The warehouse writer lock: a second writer waits its turn, and a dead holder frees the lock."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import pytest

from flows.locking import WarehouseBusyError, warehouse_writer


def _hold(warehouse: str, seconds: float, started: mp.Event) -> None:
    with warehouse_writer(Path(warehouse), timeout_s=5):
        started.set()
        time.sleep(seconds)


def test_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    started = mp.Event()
    holder = mp.Process(target=_hold, args=(str(warehouse), 1.5, started))
    holder.start()
    assert started.wait(10)
    waits: list[str] = []
    t0 = time.monotonic()
    with warehouse_writer(warehouse, timeout_s=30, poll_s=0.1, on_wait=waits.append):
        waited = time.monotonic() - t0
    holder.join()
    assert waited >= 1.0, "the second writer got the lock while the first still held it"
    assert len(waits) == 1 and "waiting for the writer lock" in waits[0]


def test_gives_up_with_a_clear_error_after_the_timeout(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    started = mp.Event()
    holder = mp.Process(target=_hold, args=(str(warehouse), 3, started))
    holder.start()
    assert started.wait(10)
    with (
        pytest.raises(WarehouseBusyError, match="writer lock"),
        warehouse_writer(warehouse, timeout_s=0.5, poll_s=0.1),
    ):
        pass
    holder.join()


def test_lock_of_a_killed_holder_is_released(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    started = mp.Event()
    holder = mp.Process(target=_hold, args=(str(warehouse), 60, started))
    holder.start()
    assert started.wait(10)
    holder.kill()
    holder.join()
    with warehouse_writer(warehouse, timeout_s=2, poll_s=0.1):
        pass


def test_two_threads_of_one_process_exclude_each_other(tmp_path: Path) -> None:
    """A backfill runs two dates in threads of one process: the lock must hold between them."""
    import threading
    from datetime import date

    from flows.locking import date_run

    warehouse = tmp_path / "warehouse.duckdb"
    inside: list[str] = []
    overlapped = threading.Event()

    def run(name: str) -> None:
        with date_run(warehouse, date(2026, 11, 2), timeout_s=10, poll_s=0.05):
            if inside:
                overlapped.set()
            inside.append(name)
            time.sleep(0.3)
            inside.remove(name)

    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not overlapped.is_set(), "two runs of one date held its lock at once"
