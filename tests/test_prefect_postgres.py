"""The multi-machine set-up on one machine: a Prefect server on PostgreSQL (Debian's package, a
cluster of our own on a free port), the deployments of `prefect.yaml` on a process work pool, a
process worker, and one nightly run through them, started like a UI "Custom run".

Skipped only where the PostgreSQL binaries are missing and CI is not set (CI installs them:
scripts/install-system-deps.sh).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from factories import write_world_exports

from flows.settings import REPO_ROOT

DAY = date(2026, 11, 10)
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PREFECT = [sys.executable, "-m", "prefect"]


def _pg_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((str(v / name) for v in versions if (v / name).exists()), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root (CI runs as root).
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing in CI (scripts/install-system-deps.sh installs them)")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed")
    # Not under pytest's tmp folder: it is private to root (mode 700), which the postgres user
    # that initdb runs as cannot enter.
    top = Path(tempfile.mkdtemp(prefix="distillwatch-pg-"))
    data = top / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(top, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres_user([initdb, "-D", str(data), "-A", "trust", "-U", "prefect", "--no-sync"]),
        check=True,
        capture_output=True,
        timeout=300,
    )
    log = data / "server.log"
    subprocess.run(
        _as_postgres_user(
            [
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-o",
                f"-p {port} -h 127.0.0.1 -k {data}",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=300,
    )
    try:
        yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres_user([pg_ctl, "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(top, ignore_errors=True)


def _wait_healthy(api_url: str, server: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with {server.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError("prefect server did not become healthy")


def test_nightly_through_a_process_worker_on_a_postgres_backed_server(postgres: str, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    write_world_exports(exports, DAY, 1)
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_API_DATABASE_CONNECTION_URL": postgres,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DISTILLWATCH_HOME": str(REPO_ROOT),
        "PYTHONPATH": str(REPO_ROOT),
        "DISTILLWATCH_EXPORT_ROOT": str(exports),
        "DISTILLWATCH_LANDING_DIR": str(tmp_path / "landing"),
        "DISTILLWATCH_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "DISTILLWATCH_REPORTS_DIR": str(tmp_path / "reports"),
        "DISTILLWATCH_OUTBOX_DIR": str(tmp_path / "outbox"),
    }

    def prefect(*args: str) -> str:
        result = subprocess.run(
            [*PREFECT, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, (
            f"prefect {' '.join(args)}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
        return result.stdout

    server = subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        _wait_healthy(api_url, server)
        prefect("work-pool", "create", "distillwatch-process", "--type", "process")
        prefect("--no-prompt", "deploy", "--all")
        worker = subprocess.Popen(
            [*PREFECT, "worker", "start", "--pool", "distillwatch-process", "--limit", "1"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        out = prefect("deployment", "run", "nightly/nightly", "--param", f"run_date={DAY.isoformat()}")
        assert "nightly" in out

        import httpx

        deadline = time.monotonic() + 1200
        state = None
        while time.monotonic() < deadline:
            runs = httpx.post(
                f"{api_url}/flow_runs/filter",
                json={"flow_runs": {"name": {"any_": [f"nightly-{DAY.isoformat()}"]}}},
                timeout=10,
            ).json()
            state = runs[0]["state"]["type"] if runs else None
            if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                break
            time.sleep(3)
        assert state == "COMPLETED"
        assert (tmp_path / "reports" / DAY.isoformat() / "daily-digest.pdf").is_file()
        assert (tmp_path / "outbox" / f"{DAY.isoformat()}-daily-digest.eml").is_file()
    finally:
        for process in (worker, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
