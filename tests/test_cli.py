"""The command line: every subcommand has --help, and a bad argument gets one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "flows.cli"]


@pytest.mark.parametrize("command", ["synth", "run", "backfill", "demo", "serve", "evaluate"])
def test_every_subcommand_has_help(command: str) -> None:
    result = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: distillwatch" in result.stdout
    assert "--export-root" in result.stdout or command == "evaluate"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--date", "2026-13-01"], "invalid date '2026-13-01', expected YYYY-MM-DD"),
        (["synth", "--days", "0"], "0 must be at least 1"),
        (["backfill", "--start", "2026-11-02"], "the following arguments are required: --end"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_argument_is_one_line(argv: list[str], expected: str) -> None:
    result = subprocess.run([*CLI, *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_backfill_with_end_before_start_is_one_line(tmp_path) -> None:
    result = subprocess.run(
        [*CLI, "backfill", "--start", "2026-11-05", "--end", "2026-11-01"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "distillwatch backfill: error: --end 2026-11-01 is before --start 2026-11-05"
    ]
