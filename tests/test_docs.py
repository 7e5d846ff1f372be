"""The architecture page is a map a reader can follow: its links resolve and it links every
detection model (issue 13: "docs/ARCHITECTURE.md ... links detection's models")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def relative_links(page: Path) -> list[str]:
    return [target for target in LINK.findall(page.read_text()) if "://" not in target]


def test_every_relative_link_of_the_architecture_page_resolves() -> None:
    links = relative_links(ARCHITECTURE)
    assert links, "the page links nothing: the scan is broken"
    missing = [target for target in links if not (ARCHITECTURE.parent / target).resolve().exists()]
    assert missing == []


def test_the_architecture_page_links_every_detection_model() -> None:
    models = ROOT / "dbt_project" / "models"
    detection = {
        p.relative_to(ROOT)
        for folder in (models / "intermediate" / "detection", models / "marts" / "detection")
        for p in folder.iterdir()
        if p.suffix in (".sql", ".py")
    }
    linked = {
        (ARCHITECTURE.parent / target).resolve().relative_to(ROOT) for target in relative_links(ARCHITECTURE)
    }
    assert len(detection) > 30
    assert sorted(map(str, detection - linked)) == []
