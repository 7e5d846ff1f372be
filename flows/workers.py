"""Child processes that start warm: forked from one server that has imported their modules once.

The nightly's child processes, the quality gate (`flows.pipeline.check_quality`) and the
campaign report workers (`flows.report.campaign_report`), are forked from a multiprocessing
forkserver that has already imported what they need (`PRELOAD`, `flows.preload`: GX and pandas
for the gate; WeasyPrint, DuckDB, stix2 and the report modules for the reports). `start()` launches it when
a run begins, so those imports (~4-5 s of CPU) run beside pull, validate and dbt instead of
after them: the gate no longer imports GX (~3 s) on the critical path, and the render workers
no longer import WeasyPrint and the rest once each. docs/benchmark.md, "Third pass".

Forked from the server, not from the flow: the flow process holds DuckDB and Prefect threads
that must not be duplicated into a child mid-operation; the server is a fresh interpreter
that only imported modules (no connection, no thread). It lives as long as the flow process
(one per process, reused by every run of a backfill) and exits with it: multiprocessing
closes its pipe when the flow process ends, however it ends. Children exit within a second
of either (`exit_with_parent`).

A child sees the environment and working directory of the flow process when the server
started, not later changes: what it runs takes its inputs as arguments.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from multiprocessing.context import ForkServerContext
from typing import Any, TypeVar

T = TypeVar("T")

# Imported once by the server, before it forks anything. A module that fails to import is
# skipped there (the child then imports it itself, as a spawned one would).
PRELOAD: tuple[str, ...] = (
    "flows.cli",  # the parent's main module, which each child imports again as __mp_main__
    "flows.preload",
)


def context() -> ForkServerContext:
    """The multiprocessing context whose children fork from the warm server."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


def start() -> None:
    """Start the server now if it is not running; returns at once (it imports meanwhile).

    At exit the server is stopped and waited for, so its CPU time (and its children's) counts
    in this process's (`/usr/bin/time`, `getrusage(RUSAGE_CHILDREN)`) and nothing outlives it."""
    context()
    forkserver.ensure_running()
    atexit.unregister(_stop)  # registered once, however many runs of a backfill start it
    atexit.register(_stop)


def _stop() -> None:
    server = getattr(forkserver, "_forkserver", None)
    with contextlib.suppress(Exception):  # private API of multiprocessing; at exit, best effort
        server._stop()  # type: ignore[union-attr]


def run_in_child(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a child forked from the warm server; its result or its exception.
    `function` and its arguments and result must pickle (a module-level function)."""
    start()
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context(), initializer=start_child, initargs=(os.getpid(),)
    ) as child:
        return child.submit(function, *args).result()


def exit_with_parent(flow_pid: int) -> None:
    """In a child: exit within a second once the flow process `flow_pid` or the child's own
    parent (the server) is gone. A flow killed mid-run (`kill -9`, the OOM killer) must not
    leave children holding the warehouse open against the next run's writer."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and _alive(flow_pid):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now has that pid: the flow is gone
        return False
    return True


def start_child(flow_pid: int, nice: int = 0) -> None:
    """Initializer of a child: `nice` below the flow's CPU priority, gone with its parents."""
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    exit_with_parent(flow_pid)
