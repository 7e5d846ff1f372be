"""Digest data, SVG charts and safe PDF rendering, checked on real PDFs read back with pypdf.

The warehouse is a small DuckDB file with the mart tables created directly (the columns the
digest reads, named as in dbt_project/models/marts), so these tests do not depend on dbt.
"""

from __future__ import annotations

import http.server
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest
from factories import pdf_text, squash
from pypdf import PdfReader

from flows.report import charts
from flows.report.digest import render_digest, render_quality_alert
from flows.report.digest_data import DigestData, load_digest_data
from flows.report.fmt import display_text, safe_filename
from flows.report.render import SafeURLFetcher, render_pdf
from flows.settings import TEMPLATES_DIR

RUN_DATE = date(2025, 3, 14)
PREV_DATE = RUN_DATE - timedelta(days=1)
GAP_DATE = RUN_DATE - timedelta(days=5)  # no data loaded: must show as n/a, not zero

HOSTILE_NAMES = {
    "org-h01": "<script>alert(1)</script>",
    "org-h02": '<img src="http://127.0.0.1:{port}/x.png">',
    "org-h03": '<a href="file:///etc/passwd">passwd</a>',
    "org-h04": "'; DROP TABLE x; --",
    "org-h05": "Acme \u202eevil\u202c Labs",
    "org-h06": "L" * 10_000,
}


@dataclass(frozen=True)
class Org:
    organization_id: str
    name: str
    accounts: int
    requests_today: int
    requests_prev: int


def default_orgs() -> list[Org]:
    # 12 organizations so the top-10 cut is exercised; volumes distinct so the order is fixed.
    names = [
        "Northwind Research",
        "Globex AI",
        "Initech Labs",
        "Umbrella Analytics",
        "Hooli Cloud",
        "Stark Data",
        "Wayne Systems",
        "Tyrell Models",
        "Cyberdyne Learning",
        "Soylent Compute",
        "Vandelay Imports",
        "Pied Piper",
    ]
    return [
        Org(f"org-{i:02d}", name, 1 + i % 3, 12_000 - i * 900, 10_000 - i * 500)
        for i, name in enumerate(names)
    ]


def hostile_orgs(port: int) -> list[Org]:
    return [
        Org(oid, name.format(port=port), 1, 20_000 - i * 1_000, 500)
        for i, (oid, name) in enumerate(HOSTILE_NAMES.items())
    ]


CAPABILITIES_TODAY = {"coding": 0.45, "reasoning": 0.30, "general_chat": 0.20, "mystery_cap": 0.05}
CAPABILITIES_PREV = {"coding": 0.50, "reasoning": 0.25, "general_chat": 0.25}
QUARANTINE = [
    ("requests-00000.parquet", "non_negative", "input_tokens", 17),
    ("requests-00000.parquet", "null key", "account_id", 4),
    ("accounts.parquet", "duplicate key", "account_id", 2),
]
VALIDATION = {
    "schema_version": 1,
    "date": RUN_DATE.isoformat(),
    "rows": {
        "requests": {"read": 98_765, "kept": 98_744, "quarantined": 21},
        "accounts": {"read": 40, "kept": 38, "quarantined": 2},
    },
    "quarantine": [],
    "unknown_enum_values": [
        {"column": "access_channel", "value": "carrier_pigeon", "rows": 33},
        {"column": "capability", "value": "mystery_cap", "rows": 7},
    ],
}
GATE_PASSED = {"passed": True, "evaluated": 42, "critical_failures": [], "warnings": []}
GATE_FAILED = {
    "passed": False,
    "evaluated": 42,
    "critical_failures": ["fct_account_daily · expect_column_values_to_not_be_null · account_id"],
    "warnings": ["fct_capability_daily · share_of_requests sums to 0.97"],
}


def build_warehouse(path: Path, orgs: list[Org], *, campaigns: bool = False) -> Path:
    """The marts the digest reads, with figures the tests can recompute."""
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table dim_organizations (organization_id varchar, organization_name varchar,
                                        first_seen date);
        create table fct_account_daily (
            activity_date date, account_id varchar, organization_id varchar, requests bigint,
            input_tokens bigint, output_tokens bigint, thinking_tokens bigint, total_tokens bigint,
            distinct_prompt_templates bigint, top_capability varchar,
            top_capability_share double,
            cot_elicitation_requests bigint, grader_prompt_requests bigint);
        create table fct_organization_daily (
            activity_date date, organization_id varchar, accounts_active bigint,
            requests bigint, total_tokens bigint);
        create table fct_capability_daily (
            activity_date date, capability varchar, requests bigint, accounts bigint,
            organizations bigint, total_tokens bigint, request_share double,
            is_known_capability boolean);
        create table fct_quarantine_daily (
            activity_date date, landing_file varchar, source_file varchar, rule varchar,
            column_name varchar, quarantined_rows bigint);
        """
    )
    con.executemany(
        "insert into dim_organizations values (?, ?, ?)",
        [(o.organization_id, o.name, PREV_DATE) for o in orgs],
    )
    for offset in range(14):
        day = RUN_DATE - timedelta(days=offset)
        if day == GAP_DATE:
            continue
        for o in orgs:
            total = o.requests_today if day == RUN_DATE else o.requests_prev + 37 * offset
            _insert_org_day(con, day, o, total)
    total_today = sum(o.requests_today for o in orgs)
    total_prev = sum(o.requests_prev for o in orgs)
    for day, mix, total in (
        (RUN_DATE, CAPABILITIES_TODAY, total_today),
        (PREV_DATE, CAPABILITIES_PREV, total_prev),
    ):
        con.executemany(
            "insert into fct_capability_daily values (?, ?, ?, 1, 1, 0, ?, ?)",
            [(day, cap, round(share * total), share, cap != "mystery_cap") for cap, share in mix.items()],
        )
    con.executemany(
        "insert into fct_quarantine_daily values (?, ?, ?, ?, ?, ?)",
        [(RUN_DATE, f.split("-")[0].removesuffix(".parquet"), f, r, c, n) for f, r, c, n in QUARANTINE],
    )
    if campaigns:
        con.execute(
            """
            create table fct_campaigns (
                activity_date date, campaign_id varchar, status varchar, score double,
                confidence varchar, accounts bigint, organizations bigint, requests bigint,
                total_tokens bigint, target_capabilities varchar[], first_seen date,
                last_seen date)
            """
        )
        con.executemany(
            "insert into fct_campaigns values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    RUN_DATE,
                    "camp-dormant-1",
                    "dormant",
                    0.41,
                    "low",
                    2,
                    1,
                    10,
                    1_000,
                    ["coding"],
                    RUN_DATE - timedelta(days=9),
                    RUN_DATE - timedelta(days=4),
                ),
                (
                    RUN_DATE,
                    "camp-new-1",
                    "new",
                    0.93,
                    "high",
                    12,
                    3,
                    45_000,
                    2_300_000_000,
                    ["reasoning", "agentic_coding"],
                    RUN_DATE,
                    RUN_DATE,
                ),
                (
                    RUN_DATE,
                    "camp-grow-1",
                    "growing",
                    0.77,
                    "medium",
                    5,
                    2,
                    9_999,
                    800_000,
                    ["tool_use"],
                    RUN_DATE - timedelta(days=3),
                    RUN_DATE,
                ),
                (
                    RUN_DATE,
                    "camp-review-1",
                    "new",
                    0.99,
                    "high",
                    4,
                    2,
                    500,
                    90_000,
                    ["reasoning"],
                    RUN_DATE - timedelta(days=1),
                    RUN_DATE,
                ),
            ],
        )
        # publication tier: camp-review-1 is a candidate (flagged, under the publication bar)
        con.execute(
            "alter table fct_campaigns add column tier varchar default 'campaign'; "
            "alter table fct_campaigns add column harvesting_points bigint default 5; "
            "alter table fct_campaigns add column coordination_points bigint default 6; "
            "alter table fct_campaigns add column independent_organizations bigint default 2; "
            "alter table fct_campaigns add column tier_reason varchar default 'over the bar'; "
            "update fct_campaigns set tier = 'candidate', harvesting_points = 8, "
            "tier_reason = 'too small for a coordinated operation: 4 listed accounts' "
            "where campaign_id = 'camp-review-1'"
        )
    con.close()
    return path


def _insert_org_day(con: duckdb.DuckDBPyConnection, day: date, org: Org, total: int) -> None:
    """Split an organization's requests over its accounts; tokens are fixed multiples."""
    shares = [total // org.accounts] * org.accounts
    shares[0] += total - sum(shares)
    rows = []
    for i, requests in enumerate(shares):
        rows.append(
            (
                day,
                f"acct-{org.organization_id}-{i}",
                org.organization_id,
                requests,
                requests * 100,
                requests * 40,
                requests * 10,
                requests * 150,
                3 + i,
                "coding",
                0.5,
                requests // 10,
                requests // 100,
            )
        )
    con.executemany("insert into fct_account_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        "insert into fct_organization_daily values (?, ?, ?, ?, ?)",
        [day, org.organization_id, org.accounts, total, total * 150],
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb", default_orgs())


@pytest.fixture(scope="module")
def digest(warehouse: Path) -> DigestData:
    return load_digest_data(warehouse, RUN_DATE, validation=VALIDATION, gate=GATE_PASSED)


@pytest.fixture(scope="module")
def digest_pdf(digest: DigestData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_digest(digest, tmp_path_factory.mktemp("reports") / "2025-03-14", "TLP:AMBER")


# --- data ----------------------------------------------------------------------------------


def test_digest_data_is_aggregated_from_the_marts(digest: DigestData) -> None:
    orgs = default_orgs()
    assert digest.today is not None and digest.previous is not None
    assert digest.today.requests == sum(o.requests_today for o in orgs)
    assert digest.previous.requests == sum(o.requests_prev + 37 for o in orgs)
    assert digest.today.total_tokens == 150 * digest.today.requests
    assert digest.today.organizations == 12
    assert digest.today.accounts == sum(o.accounts for o in orgs)
    assert [o.organization_name for o in digest.top_organizations] == [o.name for o in orgs[:10]]
    assert len(digest.top_accounts) == 10
    assert digest.top_accounts[0].organization_name == "Northwind Research"
    assert [c.capability for c in digest.capabilities] == [
        "coding",
        "reasoning",
        "general_chat",
        "mystery_cap",
    ]
    mystery = digest.capabilities[-1]
    assert not mystery.is_known and mystery.previous_share is None
    # Series: 14 days ending on the run date, the unloaded day is None (not 0).
    assert len(digest.series) == 14 and digest.series[-1].activity_date == RUN_DATE
    gap = next(p for p in digest.series if p.activity_date == GAP_DATE)
    assert gap.requests is None
    assert digest.quarantined_rows == 23
    assert not digest.campaigns_available and digest.campaigns == ()
    assert digest.gate.status == "passed" and digest.gate.evaluated == 42
    assert [u.value for u in digest.validation.unknown_values] == ["carrier_pigeon", "mystery_cap"]


def test_missing_campaign_table_and_summaries_are_states_not_errors(warehouse: Path) -> None:
    data = load_digest_data(warehouse, RUN_DATE, validation=None, gate=None)
    assert data.gate.status == "not run"
    assert not data.validation.available
    assert not data.campaigns_available


def test_no_capability_change_against_a_day_without_data(warehouse: Path) -> None:
    # fct_capability_daily has no rows for the day before PREV_DATE: "–", not "+50.0 pp".
    data = load_digest_data(warehouse, PREV_DATE, validation=None, gate=None)
    assert data.capabilities and all(c.share_change is None for c in data.capabilities)


def test_warehouse_is_opened_read_only(warehouse: Path) -> None:
    # A writer holding the file must not block the report, and the report must not write.
    with duckdb.connect(str(warehouse), read_only=True):
        load_digest_data(warehouse, RUN_DATE, validation=None, gate=None)


# --- the digest PDF --------------------------------------------------------------------------


def test_digest_pdf_shows_the_figures_from_the_tables(digest_pdf: Path, digest: DigestData) -> None:
    assert digest_pdf.name == "daily-digest.pdf" and digest_pdf.parent.name == "2025-03-14"
    reader = PdfReader(digest_pdf)
    assert 2 <= len(reader.pages) <= 3
    text = pdf_text(digest_pdf)
    flat = squash(text)
    assert digest.today is not None and digest.previous is not None
    # Headline: today, previous day, change.
    assert f"{digest.today.requests:,}" in text
    assert f"{digest.previous.requests:,}" in text
    assert f"{digest.today.total_tokens:,}" in text
    assert f"{digest.today.requests - digest.previous.requests:+,}" in text
    # Top organizations (all ten, not the eleventh) with their request counts.
    for org in default_orgs()[:10]:
        assert squash(org.name) in flat
        assert f"{org.requests_today:,}" in text
    assert "Vandelay Imports" not in text and "Pied Piper" not in text
    # Capability shares, previous shares, change in points, the unknown capability flagged.
    for share in ("45.0%", "30.0%", "20.0%", "5.0%", "50.0%", "25.0%"):
        assert share in text
    assert "-5.0 pp" in text and "+5.0 pp" in text
    assert "notinexportcontract" in flat
    # Quarantine counts, validation counts, unknown enum values, gate status.
    for file, rule, _column, rows in QUARANTINE:
        assert squash(f"{file}") in flat and squash(rule) in flat and str(rows) in text
    assert "98,765" in text and "98,744" in text
    assert "carrier_pigeon" in text and "33" in text
    assert "Quality gate: ✓ passed" in text or "Qualitygate:✓passed" in flat
    assert "42 expectations evaluated" in text
    assert "Campaign detection has not run" in text
    # TLP marking on every page (header and footer), page numbers.
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert page_text.count("TLP:AMBER") >= 2
        assert f"Page {number} of {len(reader.pages)}" in page_text
    # Charts are vector text, not images: their labels are in the text layer.
    assert "Requests per day" in text and "n/a" in text
    assert not any(page.images for page in reader.pages)


def test_same_data_gives_the_same_pdf(digest: DigestData, digest_pdf: Path, tmp_path: Path) -> None:
    again = render_digest(digest, tmp_path, "TLP:AMBER")
    assert pdf_text(again) == pdf_text(digest_pdf)
    assert again.read_bytes() == digest_pdf.read_bytes()
    meta = PdfReader(again).metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date.date() == RUN_DATE


def test_campaigns_listed_in_status_order(tmp_path: Path) -> None:
    wh = build_warehouse(tmp_path / "wh.duckdb", default_orgs(), campaigns=True)
    data = load_digest_data(wh, RUN_DATE, validation=VALIDATION, gate=GATE_PASSED)
    assert [c.status for c in data.campaigns] == ["new", "growing", "dormant"]
    assert data.campaigns[0].target_capabilities == "reasoning, agentic_coding"
    text = pdf_text(render_digest(data, tmp_path, "TLP:AMBER"))
    flat = squash(text)
    assert squash("Campaigns: 3 (1 new, 1 growing, 1 dormant)") in flat
    assert "camp-new-1" in flat and "reasoning,agentic_coding" in flat
    assert "2.30B" in text and "45,000" in text and "0.93" in text
    assert flat.index("camp-new-1") < flat.index("camp-grow-1") < flat.index("camp-dormant-1")


def test_candidates_are_listed_for_review_and_not_as_campaigns(tmp_path: Path) -> None:
    wh = build_warehouse(tmp_path / "wh.duckdb", default_orgs(), campaigns=True)
    data = load_digest_data(wh, RUN_DATE, validation=VALIDATION, gate=GATE_PASSED)
    assert "camp-review-1" not in [c.campaign_id for c in data.campaigns]
    (candidate,) = data.candidates
    assert (candidate.campaign_id, candidate.harvesting_points, candidate.accounts) == ("camp-review-1", 8, 4)
    flat = squash(pdf_text(render_digest(data, tmp_path, "TLP:AMBER")))
    assert squash("Campaigns: 3 (1 new, 1 growing, 1 dormant) · For review: 1") in flat
    # the Campaigns table comes before the For review section, which names the candidate
    published, review = flat.split(squash("For review Candidates: linked groups"), 1)
    assert "camp-new-1" in published and "camp-review-1" not in published
    review = review[: review.index(squash("Requests per day"))]
    assert "camp-review-1" in review and "camp-new-1" not in review and squash("8 / 6") in review
    assert squash("too small for a coordinated operation: 4 listed accounts") in review


def test_quality_alert_variant_names_the_failures(warehouse: Path, tmp_path: Path) -> None:
    data = load_digest_data(warehouse, RUN_DATE, validation=VALIDATION, gate=GATE_FAILED)
    path = render_quality_alert(data, tmp_path, "TLP:RED")
    assert path.name == "quality-alert.pdf"
    text = pdf_text(path)
    flat = squash(text)
    assert "DATA-QUALITY ALERT" in text
    assert squash("expect_column_values_to_not_be_null") in flat
    assert "share_of_requests sums to 0.97" in text
    assert "✗ failed" in text
    assert text.count("TLP:RED") >= 4


# --- hostile text ----------------------------------------------------------------------------


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_trap() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records any request: nothing may ever arrive."""
    _RecordingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _RecordingHandler.hits
    finally:
        server.shutdown()
        server.server_close()


def test_hostile_organization_names_are_text_and_nothing_is_fetched(
    tmp_path: Path, http_trap: tuple[int, list[str]]
) -> None:
    port, hits = http_trap
    orgs = hostile_orgs(port) + default_orgs()[:2]
    wh = build_warehouse(tmp_path / "wh.duckdb", orgs)
    data = load_digest_data(wh, RUN_DATE, validation=VALIDATION, gate=GATE_PASSED)
    fetcher = SafeURLFetcher()
    pdf = render_digest(data, tmp_path / "out", "TLP:AMBER", url_fetcher=fetcher)

    flat = squash(pdf_text(pdf))
    assert squash("<script>alert(1)</script>") in flat
    assert squash(f'<img src="http://127.0.0.1:{port}/x.png">') in flat
    assert squash('<a href="file:///etc/passwd">passwd</a>') in flat
    assert squash("'; DROP TABLE x; --") in flat
    # The RTL override is shown, not obeyed; the 10,000-character name is cut, not dropped.
    assert "Acme[U+202E]evil[U+202C]Labs" in flat
    assert "\u202e" not in flat
    assert "L" * 60 in flat and "L" * 80 not in flat
    assert len(PdfReader(pdf).pages) <= 3
    # Only the stylesheet inside templates/ was requested; the trap saw nothing.
    assert fetcher.calls == [(TEMPLATES_DIR / "report.css").resolve().as_uri()]
    assert fetcher.refused == []
    time.sleep(0.2)
    assert hits == []


def test_fetcher_refuses_everything_outside_templates(
    tmp_path: Path, http_trap: tuple[int, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    """Markup that reaches the renderer anyway (a template bug) still cannot fetch."""
    port, hits = http_trap
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ok.css").write_text("p { margin: 0 }")
    (templates / "link.css").symlink_to(outside)
    (templates / "probe.html.j2").write_text(
        '<link rel="stylesheet" href="ok.css">'
        '<link rel="stylesheet" href="link.css">'
        f'<link rel="stylesheet" href="{outside.as_uri()}">'
        f'<img src="http://127.0.0.1:{port}/a.png">'
        f'<img src="https://127.0.0.1:{port}/b.png">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<img src="../secret.css">'
        "<p>{{ value }}</p>"
    )
    fetcher = SafeURLFetcher(templates)
    with caplog.at_level("WARNING", logger="distillwatch.report"):
        pdf = render_pdf(
            "probe.html.j2",
            {"value": "<b>x</b>"},
            tmp_path / "p.pdf",
            templates_dir=templates,
            url_fetcher=fetcher,
        )
    assert "<b>x</b>" in pdf_text(pdf)  # autoescaped: the tag is text
    assert fetcher.calls[0] == (templates / "ok.css").resolve().as_uri()
    assert len(fetcher.refused) == 6 and len(fetcher.calls) == 7
    ours = [r for r in caplog.records if r.name == "distillwatch.report"]
    assert len(ours) == 6 and all("refused to fetch" in r.getMessage() for r in ours)
    time.sleep(0.2)
    assert hits == []


def test_strict_undefined_fails_loudly(tmp_path: Path) -> None:
    import jinja2

    with pytest.raises(jinja2.UndefinedError):
        render_pdf("daily_digest.html.j2", {"title": "x"}, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_display_text_and_safe_filename() -> None:
    assert display_text("a\u202eb\u0000c") == "a[U+202E]b[U+0000]c"
    assert display_text("x" * 100, 10) == "x" * 9 + "…"
    assert display_text(None) == "–"
    assert safe_filename("../../etc/passwd") == "etc-passwd"
    assert safe_filename("Ünïcödé campaign: 2025/03/14") == "Unicode-campaign-2025-03-14"
    assert safe_filename(".hidden") == "hidden"
    assert safe_filename("<script>") == "script"
    assert safe_filename("") == "unnamed"
    assert len(safe_filename("a" * 500)) == 100


# --- charts ----------------------------------------------------------------------------------


def test_charts_are_well_formed_escaped_svg() -> None:
    hostile = '<script>alert("x")</script> & "quotes"'
    svgs = [
        charts.bar_chart([charts.Bar(hostile, 1234.0), charts.Bar("b", None)], chart_id="t-1", title=hostile),
        charts.hbar_chart(
            [charts.Bar(hostile, 0.5, 0.25), charts.Bar("b", 0.1, None)], chart_id="t-2", title="h"
        ),
        charts.line_chart([("d1", 10.0), ("d2", None), ("d3", 30.0)], chart_id="t-3", title="l"),
        charts.line_chart([], chart_id="t-4", title="empty"),
    ]
    for svg in svgs:
        root = ET.fromstring(str(svg))  # parses: every label escaped
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script>" not in str(svg)
        assert "<image" not in str(svg)
    texts = [t.text for t in ET.fromstring(str(svgs[0])).iter("{http://www.w3.org/2000/svg}text")]
    assert hostile in texts and "1.23k" in texts and "n/a" in texts
    hbar_texts = [t.text for t in ET.fromstring(str(svgs[1])).iter("{http://www.w3.org/2000/svg}text")]
    assert "50.0%" in hbar_texts and "25.0%" in hbar_texts and "none" in hbar_texts
    # Second series is hatched (a pattern), not only a different colour.
    assert 'fill="url(#t-2-hatch)"' in str(svgs[1])
    # A gap breaks the line: two points on either side of None are not joined.
    assert "<polyline" not in str(svgs[2])


def test_digest_renders_with_an_empty_day(tmp_path: Path) -> None:
    wh = build_warehouse(tmp_path / "wh.duckdb", default_orgs())
    data = load_digest_data(wh, RUN_DATE + timedelta(days=1), validation=None, gate=None)
    assert data.today is None
    assert next(c.share_change for c in data.capabilities) == pytest.approx(-0.45)
    data = replace(data, quarantine=())
    text = pdf_text(render_digest(data, tmp_path, "TLP:CLEAR"))
    assert "No usage rows are loaded" in text
    assert "No organizations active" in text
    assert "quality gate has not run" in text
