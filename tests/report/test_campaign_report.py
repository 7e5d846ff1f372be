"""Campaign threat reports: PDFs read back with pypdf, the SVG figures, the per-day outputs.

The PDFs come from `make_campaign_evidence()` (everything present, hostile customer text) and
from a bare, low-confidence variant of it; `render_campaign_reports` runs on the tiny warehouse
of `tests/test_evidence.py`. Chart text is drawn as SVG, which pypdf does not extract, so the
figures are checked on their SVG source.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from factories import HOSTILE_ORG, make_campaign_evidence, pdf_text, squash
from pypdf import PdfReader
from test_evidence import HOSTILE_ORG as WAREHOUSE_HOSTILE_ORG
from test_evidence import RUN, build_warehouse

from flows.report import atlas, campaign_report
from flows.report.campaign_report import (
    CampaignReportError,
    campaign_context,
    campaign_file_stem,
    render_campaign_report,
    render_campaign_reports,
)
from flows.report.charts import Marker, timeline_chart
from flows.report.evidence import CapabilityUse, Count, ModelRelease, NetworkUse, PrefixUse, TopAccount
from flows.report.graph_svg import account_link_graph
from flows.report.render import SafeURLFetcher
from flows.report.stix_bundle import stix_id
from flows.settings import TEMPLATES_DIR

CAMPAIGN = "DW-2026-03-04-1a2b3c4d"
FANGED = ("203.0.113.0/24", "2001:db8:1::/48", "harvest-labs.example", "university.example", "0.0.0.0/0")
DEFANGED = ("203.0.113[.]0/24", "2001[:]db8[:]1[:][:]/48", "harvest-labs[.]example")


@pytest.fixture(scope="module")
def full_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SafeURLFetcher]:
    fetcher = SafeURLFetcher()
    out = tmp_path_factory.mktemp("campaign")
    pdf = render_campaign_report(make_campaign_evidence(), out, tlp="amber", url_fetcher=fetcher)
    return pdf, fetcher


# --- the PDF -------------------------------------------------------------------------------------


def test_pdf_carries_the_campaign_and_its_marking_on_every_page(
    full_pdf: tuple[Path, SafeURLFetcher],
) -> None:
    pdf, _ = full_pdf
    assert pdf.name == f"{CAMPAIGN}.pdf"
    reader = PdfReader(pdf)
    assert 4 <= len(reader.pages) <= 7
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert text.count("TLP:AMBER") >= 2, f"page {number}: marking top and bottom"
        assert f"Page {number} of {len(reader.pages)}" in text
        assert CAMPAIGN in text  # running title
    first = reader.pages[0].extract_text()
    assert "Overall confidence: MODERATE" in first
    assert "Report version 1" in first and "Run date 2026-03-10" in first
    assert "2026-03-04 to 2026-03-10 (7 days)" in first
    assert not any(page.images for page in reader.pages)  # charts are vector, not raster


def test_pdf_shows_the_figures_of_the_evidence(full_pdf: tuple[Path, SafeURLFetcher]) -> None:
    text = pdf_text(full_pdf[0])
    flat = squash(text)
    # Bottom line first, with the figures as the at-a-glance table formats them.
    bluf = text[text.index("Bottom line up front") : text.index("1. Campaign at a glance")]
    assert squash("12 accounts in 6 organizations sent 100,000 exchanges to 2 models") in squash(bluf)
    assert squash("concentrated on agentic_coding (70.0% of its exchanges") in squash(bluf)
    assert squash("We assess with moderate confidence that these accounts act together") in squash(bluf)
    assert squash("7 of 7 detection signals fired") in squash(bluf)
    assert "Accounts 12" in text and "Organizations 6" in text
    # Detection's window figures (fct_campaigns) first, the whole period's beside them.
    assert "Exchanges (requests) 91,234 in the window" in text
    assert squash("15,321 on 2026-03-10; 100,000 since first seen") in flat
    assert squash("11 active on 2026-03-10") in flat
    assert "Tokens 98,765,432 in the window" in text
    assert squash("110,000,000 since first seen: input 20.0M · output 60.0M · thinking 30.0M") in flat
    assert squash("agentic_coding 70.0%; reasoning 30.0%") in flat
    assert squash("research 9 (75.0%); standard 3 (25.0%)") in flat
    # Attribution: hedged, with the linking evidence and what we do not know.
    assert squash("We assess with moderate confidence that the 12 accounts are operated by one actor") in flat
    assert "pay-7f3a" in text and "tpl-00042" in text
    assert "What we do not know." in text
    # Capability targeting against the baseline, detection signals against thresholds.
    assert "7.0×" in text and "10.0%" in text and "1.5×" in text
    assert "signature_template_share" in text and "≥ 0.3" in text and "3.5" in text
    assert "7 of 7 signals fired, earning 11 points" in text
    # Appendix: top accounts with their exchanges and share.
    assert "acct-0001" in text and "20,000" in text and "20.0%" in text
    assert "Benign Name GmbH" in text and "(no name)" in text


def test_pdf_lists_the_atlas_techniques_observed_with_their_evidence(
    full_pdf: tuple[Path, SafeURLFetcher],
) -> None:
    flat = squash(pdf_text(full_pdf[0]))
    for observed in atlas.observed_techniques(make_campaign_evidence()):
        assert observed.technique.id in flat
        assert squash(observed.technique.name) in flat
        assert squash(observed.evidence[:80]) in flat


def test_pdf_shows_indicators_defanged_only(full_pdf: tuple[Path, SafeURLFetcher]) -> None:
    text = pdf_text(full_pdf[0])
    flat = squash(text)
    for value in DEFANGED:
        assert value in flat
    for value in FANGED:
        assert value not in flat, value
    assert "AS64500" in text
    assert "Prompt template hash" in text and "no: our own hash" in text
    assert f"{CAMPAIGN}.stix.json" in flat and f"{CAMPAIGN}-accounts.csv" in flat
    # The figure labels are SVG (not in pypdf's text): check their source.
    charts = campaign_context(make_campaign_evidence(), tlp="TLP:AMBER")["charts"]
    for svg in charts.values():
        for value in FANGED:
            assert value not in svg
    assert "203.0.113[.]0/24" in charts["graph"] and "harvest-labs[.]example" in charts["graph"]


def test_pdf_lists_the_recommended_actions_with_their_evidence(full_pdf: tuple[Path, SafeURLFetcher]) -> None:
    flat = squash(pdf_text(full_pdf[0]))
    for title in (
        "1. Ban the 12 listed accounts after an analyst has reviewed the signals",
        "2. Block 2 IP prefixes after an analyst has reviewed the signals",
        "3. Re-verify accounts created through the research sign-up pathway",
        "4. Share 4 indicators with other model providers and cloud partners",
    ):
        assert squash(title) in flat, title
    assert squash("2 hosting or proxy prefixes carried 70,000 of the campaign's requests (70.0%).") in flat
    assert squash("9 of the 12 accounts (75.0%) signed up through the research pathway.") in flat
    assert squash(f"and 9 more (all 12 accounts: {CAMPAIGN}-accounts.csv)") in flat


def test_hostile_names_are_text_and_only_the_stylesheet_is_fetched(
    full_pdf: tuple[Path, SafeURLFetcher],
) -> None:
    pdf, fetcher = full_pdf
    text = pdf_text(pdf)
    assert squash("<script>alert(1)</script> Acme[U+202E]\"' Labs") in squash(text)
    assert "\u202e" not in text
    assert fetcher.calls == [(TEMPLATES_DIR / "report.css").resolve().as_uri()]
    assert fetcher.refused == []


class _Trap(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_trap() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records any request: nothing may ever arrive."""
    _Trap.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], _Trap.hits
    finally:
        server.shutdown()
        server.server_close()


def test_bare_low_confidence_campaign(tmp_path: Path, http_trap: tuple[int, list[str]]) -> None:
    """Only what the evidence shows: one technique, review instead of ban, nothing to share;
    markup in names and model strings stays text and fetches nothing."""
    port, hits = http_trap
    names = (
        f'<img src="http://127.0.0.1:{port}/org.png">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '=HYPERLINK("http://evil.example")',
    )
    evidence = make_campaign_evidence(
        confidence="low",
        cot_elicitation_requests=0,
        grader_prompt_requests=0,
        proxy_requests=0,
        hosting_requests=0,
        models=(
            replace(make_campaign_evidence().models[0], model=f'<img src="http://127.0.0.1:{port}/m.png">'),
        ),
        capabilities=(CapabilityUse("general_chat", 100_000, 1.0, 1.0, 1.0),),
        signup_pathways=(Count("standard", 12),),
        verification_levels=(Count("id", 12),),
        linking=(),
        infrastructure=(PrefixUse("192.0.2.0/24", 64503, "isp", 100_000, 12, 12),),
        dedicated_prefixes=(),
        networks=(NetworkUse(64503, "isp", 1, 100_000, 12),),
        creation_bursts=(),
        signals=(),
        organizations=1,
        model_releases=(),
        top_accounts=tuple(TopAccount(f"acct-{i}", f"org-{i}", n, 10 - i, None) for i, n in enumerate(names)),
    )
    fetcher = SafeURLFetcher()
    pdf = render_campaign_report(evidence, tmp_path, tlp="TLP:GREEN", url_fetcher=fetcher)
    text = pdf_text(pdf)
    flat = squash(text)
    ids = re.findall(r"AML\.T\d{4}(?:\.\d{3})?", text)
    assert set(ids) == {"AML.T0040"}  # the other mapped techniques are not even named
    assert squash("1. Review the 12 listed accounts before any enforcement") in flat
    assert "Block" not in text and "Share 4" not in text
    assert squash("No indicator is dedicated to this campaign") in flat
    assert squash("We found no identifier used mainly by the campaign's accounts") in flat
    assert "No detection signals are on record" in text
    assert "Overall confidence: LOW" in text
    for page in PdfReader(pdf).pages:
        assert page.extract_text().count("TLP:GREEN") >= 2
    for name in names:
        assert squash(name) in flat
    assert fetcher.calls == [(TEMPLATES_DIR / "report.css").resolve().as_uri()]
    time.sleep(0.2)
    assert hits == []


def test_same_evidence_gives_the_same_pdf(full_pdf: tuple[Path, SafeURLFetcher], tmp_path: Path) -> None:
    again = render_campaign_report(make_campaign_evidence(), tmp_path, tlp="TLP:AMBER")
    assert pdf_text(again) == pdf_text(full_pdf[0])
    assert again.read_bytes() == full_pdf[0].read_bytes()


def test_unknown_tlp_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown TLP"):
        render_campaign_report(make_campaign_evidence(), tmp_path, tlp="TLP:PURPLE")
    assert not list(tmp_path.iterdir())


# --- figures and helpers -------------------------------------------------------------------------


def test_figures_are_well_formed_escaped_svg() -> None:
    evidence = make_campaign_evidence(
        model_releases=(
            ModelRelease("<b>model</b>", datetime(2026, 3, 5, 18, tzinfo=UTC)),
            ModelRelease("other", datetime(2026, 3, 6, 1, tzinfo=UTC)),
        ),
        top_accounts=(TopAccount("a", "o", HOSTILE_ORG, 1, 1.0),),
    )
    charts = campaign_context(evidence, tlp="TLP:AMBER")["charts"]
    for name, svg in charts.items():
        ET.fromstring(str(svg))  # parses: every label was escaped
        assert "<b>" not in svg, name
    assert "&lt;b&gt;model&lt;/b&gt; released" in charts["timeline"]
    assert "sys-9" in charts["graph"] and "Created the same day" in charts["graph"]
    # Shared identifiers are dashed, dedicated ones solid: told apart without colour.
    assert 'stroke-dasharray="8 3"' in charts["graph"]
    empty = account_link_graph([], accounts=3, organizations=1, chart_id="g", title="t")
    assert "No identifier is shared" in empty
    one_day = timeline_chart([("10 Mar", 5.0)], chart_id="t", title="t", markers=[Marker(0.5, "x")])
    ET.fromstring(str(one_day))


def test_file_stems_are_safe_and_distinct() -> None:
    assert campaign_file_stem(CAMPAIGN) == CAMPAIGN
    odd = campaign_file_stem("../../etc/passwd")
    assert "/" not in odd and not odd.startswith(".")
    assert campaign_file_stem("DW/1") != campaign_file_stem("DW-1")


def test_csv_cells_cannot_become_formulas() -> None:
    from flows.csv_output import csv_cell as cell  # the one CSV writer, flows/csv_output.py

    assert cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell("@SUM(A1)") == "'@SUM(A1)" and cell("-1+1") == "'-1+1"
    assert cell(-5) == "-5" and cell(7.0) == "7" and cell(None) == "" and cell(True) == "true"


# --- one date's campaigns ------------------------------------------------------------------------


def test_render_campaign_reports_writes_pdf_stix_and_csv_per_campaign(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    out = tmp_path / "campaigns"
    out.mkdir()
    (out / "DW-GONE.pdf").write_bytes(b"%PDF stale")  # an earlier run's campaign, not found now
    files = render_campaign_reports(warehouse, RUN, out, tlp="TLP:AMBER", workers=2)
    assert [f.campaign_id for f in files] == ["DW-N", "DW-G", "DW-A", "DW-D"]
    # rendered in parallel, by two worker processes (each takes seconds, so both get work)
    assert len({f.worker_pid for f in files}) == 2 and os.getpid() not in {f.worker_pid for f in files}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        name
        for f in files
        for name in (f"{f.campaign_id}.pdf", f"{f.campaign_id}.stix.json", f"{f.campaign_id}-accounts.csv")
    )
    by_id = {f.campaign_id: f for f in files}
    a = by_id["DW-A"]
    text = pdf_text(a.pdf)
    # detection's window figures (fct_campaigns) and the whole period's, each named
    assert "DW-A" in text and "Exchanges (requests) 340 in the window" in text
    assert "120 on 2026-03-10; 350 since first seen" in text
    assert "Detection window 2026-03-04 to 2026-03-10 (7 days)" in text
    assert squash(WAREHOUSE_HOSTILE_ORG) in squash(text)
    bundle = json.loads(a.stix.read_text())
    assert bundle["id"] == stix_id("bundle", "DW-A", RUN.isoformat())
    # The CSV has every account of the campaign (the PDF only the top ones), in appendix order.
    with a.accounts_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert a.accounts == 2
    assert [(r["account_id"], r["organization_id"], r["requests"], r["score"]) for r in rows] == [
        ("a1", "o1", "300", "7"),
        ("a2", "o2", "50", "5"),
    ]
    assert rows[0]["organization_name"] == WAREHOUSE_HOSTILE_ORG  # data, kept exactly
    assert rows[0]["listed_on_run_date"] == "true" and rows[0]["created_date"] == "2026-03-01"
    # A dormant campaign lists its last known accounts, not scored today.
    with by_id["DW-D"].accounts_csv.open(newline="") as handle:
        (dormant,) = list(csv.DictReader(handle))
    assert (dormant["account_id"], dormant["score"], dormant["listed_on_run_date"]) == ("a2", "", "false")
    # A campaign with no accounts on record still gets a report, and an empty list.
    assert by_id["DW-N"].accounts == 0 and "No accounts are on record" in pdf_text(by_id["DW-N"].pdf)
    assert render_campaign_reports(warehouse, date(2026, 1, 1), tmp_path / "none", tlp="TLP:AMBER") == []


def test_one_failing_campaign_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    rendered: list[str] = []

    def fake_render(evidence, out_dir, tlp, report_version):  # type: ignore[no-untyped-def]
        if evidence.campaign_id == "DW-G":
            raise RuntimeError("boom")
        rendered.append(evidence.campaign_id)
        return out_dir / "x.pdf", out_dir / "x.stix.json"

    monkeypatch.setattr(campaign_report, "_render_outputs", fake_render)
    with pytest.raises(CampaignReportError, match="DW-G: RuntimeError: boom") as caught:
        render_campaign_reports(warehouse, RUN, tmp_path / "out", tlp="TLP:AMBER", workers=0)
    assert set(caught.value.failures) == {"DW-G"}
    assert rendered == ["DW-N", "DW-A", "DW-D"]
