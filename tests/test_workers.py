"""The warm server (flows.workers): children forked from it have the gate's and the reports'
modules loaded already, and none outlives a flow process killed with `kill -9`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flows import workers
from flows.settings import DBT_PROJECT_DIR

REPO = DBT_PROJECT_DIR.parent


def loaded_modules(names: tuple[str, ...]) -> dict[str, bool]:
    return {name: name in sys.modules for name in names}


def test_a_child_starts_with_gx_and_weasyprint_loaded_and_without_pyspark() -> None:
    names = ("great_expectations", "weasyprint", "flows.report.campaign_report", "pyspark")
    loaded = workers.run_in_child(loaded_modules, names)
    assert loaded == {
        "great_expectations": True,
        "weasyprint": True,
        "flows.report.campaign_report": True,
        "pyspark": False,  # hidden while GX loads (flows.quality.import_gx)
    }
    assert workers.run_in_child(os.getpid) != os.getpid()


FLOW = """
import os, sys, time
from flows import workers

def wait_forever(path):
    open(path, "w").write(str(os.getpid()))
    time.sleep(600)

if __name__ == "__main__":
    workers.run_in_child(wait_forever, sys.argv[1])
"""


def test_a_child_exits_soon_after_its_flow_process_is_killed(tmp_path: Path) -> None:
    script, pid_file = tmp_path / "flow.py", tmp_path / "child.pid"
    script.write_text(FLOW)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    flow = subprocess.Popen([sys.executable, str(script), str(pid_file)], env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 240  # the server's imports take a while on a busy machine
        while not (pid_file.is_file() and pid_file.read_text()):
            assert flow.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        child = int(pid_file.read_text())
        os.kill(flow.pid, signal.SIGKILL)
        flow.wait()
        deadline = time.monotonic() + 10
        while _running(child):
            assert time.monotonic() < deadline, f"child {child} still runs after its flow was killed"
            time.sleep(0.2)
    finally:
        if flow.poll() is None:
            flow.kill()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False
