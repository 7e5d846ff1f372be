"""Single-file outputs are replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.atomic import atomic_path, write_atomic


def test_write_replaces_the_whole_file_and_leaves_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.csv"
    write_atomic(target, "first\n")
    assert write_atomic(target, b"second\n") == target
    assert target.read_bytes() == b"second\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    write_atomic(target, "previous")
    with pytest.raises(RuntimeError, match="renderer crashed"), atomic_path(target) as partial:
        partial.write_text("half a")
        raise RuntimeError("renderer crashed")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]
