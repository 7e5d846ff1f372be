"""Campaign CSV outputs from the marts and their evaluation against labels."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.detection.evaluate import evaluate, format_report
from flows.detection.outputs import (
    ACCOUNT_COLUMNS,
    CAMPAIGN_COLUMNS,
    CANDIDATE_COLUMNS,
    CANDIDATES_FILE,
    write_campaign_outputs,
)

DAY = date(2026, 3, 10)


def _warehouse(path: Path) -> Path:
    """A warehouse holding only the two detection marts: one day of two campaigns and one
    candidate (DW-C: flagged, under the publication bar), and a day before."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table fct_campaigns as select * from (values "
            "(date '2026-03-10', 'DW-B', 'active', null, 'high', 15, 8, 7, date '2026-03-04', 3, 3, 300,"
            " 9000, 'reasoning 80% (9.0x platform)', "
            " 'm (100%)', date '2026-03-01', date '2026-03-10', date '2026-03-02', 't1',"
            " 'High confidence: …', 3, 'over the bar', 'campaign'),"
            "(date '2026-03-10', 'DW-A', 'new', 'confirmed', 'low', 8, 4, 4, date '2026-03-04', 2, 1,"
            " 20, 100, null, 'm (100%)',"
            " date '2026-03-09', date '2026-03-10', date '2026-03-10', null, 'Low confidence: …', 1,"
            " 'confirmed by the analyst verdict of 2026-03-10', 'campaign'),"
            "(date '2026-03-10', 'DW-C', 'new', null, 'high', 20, 10, 10, date '2026-03-04', 2, 1, 50,"
            " 500, null, 'm (100%)',"
            " date '2026-03-09', date '2026-03-10', date '2026-03-10', 't9', 'High confidence: …', 1,"
            " 'too small for a coordinated operation', 'candidate'),"
            "(date '2026-03-10', 'DW-E', 'dormant', null, 'low', 9, 5, 4, date '2026-03-04', 3, 3, 30,"
            " 300, null, null,"
            " date '2026-03-01', date '2026-03-08', date '2026-03-02', null, 'Low confidence: …', 3,"
            " 'not flagged on the run date', 'candidate'),"
            "(date '2026-03-09', 'DW-B', 'new', null, 'high', 15, 8, 7, date '2026-03-03', 2, 2, 200,"
            " 6000, null, null,"
            " date '2026-03-01', date '2026-03-09', date '2026-03-09', 't1', '…', 2, 'over the bar',"
            " 'campaign')"
            f") as t(activity_date, {', '.join(CAMPAIGN_COLUMNS)}, tier)"
        )
        con.execute(
            "create table fct_campaign_accounts as select * from (values "
            "(date '2026-03-10', 'DW-B', 'b2', 'o2', 5, 'signature', 0.9, 100, 3000, date '2026-03-01',"
            " date '2026-03-10', null, 'campaign'),"
            "(date '2026-03-10', 'DW-B', 'b1', 'o1', 6, 'payment', 0.1, 100, 3000, date '2026-03-01',"
            " date '2026-03-10', null, 'campaign'),"
            "(date '2026-03-10', 'DW-A', 'a1', 'o9', 4, 'signature', 1.0, 20, 100, date '2026-03-09',"
            " date '2026-03-10', 'confirmed', 'campaign'),"
            "(date '2026-03-10', 'DW-C', 'c2', 'o7', 4, 'signature', 1.0, 25, 250, date '2026-03-09',"
            " date '2026-03-10', null, 'candidate'),"
            "(date '2026-03-10', 'DW-C', 'c1', 'o7', 4, 'signature', 0.8, 25, 250, date '2026-03-09',"
            " date '2026-03-10', null, 'candidate')"
            f") as t(activity_date, {', '.join(ACCOUNT_COLUMNS)}, tier)"
        )
    return path


def test_outputs_are_one_row_per_campaign_and_account_and_deterministic(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb")
    out = write_campaign_outputs(warehouse, DAY, tmp_path / "reports")
    assert out.campaigns == 2 and out.accounts == 3
    assert out.campaign_ids == ("DW-B", "DW-A")  # by score
    with open(out.campaigns_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["campaign_id"] for r in rows] == ["DW-B", "DW-A"]
    assert rows[1]["verdict"] == "confirmed" and rows[0]["verdict"] == ""
    assert rows[1]["tier_reason"] == "confirmed by the analyst verdict of 2026-03-10"
    assert rows[0]["target_capabilities"] == "reasoning 80% (9.0x platform)"
    assert rows[0]["window_start"] == "2026-03-04"  # the accounts and requests cover window_start .. DAY
    with open(out.campaign_accounts_csv, newline="", encoding="utf-8") as f:
        accounts = list(csv.DictReader(f))
    assert [(r["campaign_id"], r["account_id"]) for r in accounts] == [
        ("DW-A", "a1"),
        ("DW-B", "b1"),
        ("DW-B", "b2"),
    ]
    assert set(accounts[0]) >= {"campaign_id", "account_id", "organization_id", "score", "verdict"}
    first = [p.read_bytes() for p in out.files]
    write_campaign_outputs(warehouse, DAY, tmp_path / "reports")
    assert [p.read_bytes() for p in out.files] == first


def test_candidates_are_listed_for_review_and_never_in_the_ban_list(tmp_path: Path) -> None:
    """candidates.csv: a row per listed account of each candidate (a carried candidate that lists
    nobody today still has its row); none of them is in campaigns.csv or campaign_accounts.csv."""
    out = write_campaign_outputs(_warehouse(tmp_path / "w.duckdb"), DAY, tmp_path / "reports")
    assert out.candidate_ids == ("DW-C", "DW-E") and out.candidate_accounts == 2
    assert out.candidates_csv == tmp_path / "reports" / DAY.isoformat() / CANDIDATES_FILE
    with open(out.candidates_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(CANDIDATE_COLUMNS)
    assert [(r["campaign_id"], r["account_id"]) for r in rows] == [
        ("DW-C", "c1"),
        ("DW-C", "c2"),
        ("DW-E", ""),
    ]
    assert rows[0]["tier_reason"] == "too small for a coordinated operation" and rows[0]["accounts"] == "2"
    assert rows[0]["organization_id"] == "o7" and rows[0]["signature_template_share"] == "0.8"
    assert rows[2]["tier_reason"] == "not flagged on the run date"
    published = out.campaigns_csv.read_text() + out.campaign_accounts_csv.read_text()
    assert "DW-C" not in published and "DW-E" not in published and "c1" not in published


def test_a_day_without_campaigns_or_marts_writes_header_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    out = write_campaign_outputs(empty, DAY, tmp_path / "reports")
    assert out.campaigns == 0
    assert out.campaigns_csv.read_text().splitlines() == [",".join(CAMPAIGN_COLUMNS)]
    assert out.campaign_accounts_csv.read_text().splitlines() == [",".join(ACCOUNT_COLUMNS)]
    assert out.candidates_csv.read_text().splitlines() == [",".join(CANDIDATE_COLUMNS)]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture()
def labelled(tmp_path: Path) -> tuple[Path, Path]:
    labels, reports = tmp_path / "labels", tmp_path / "reports"
    _write(
        labels / "accounts.csv",
        ["account_id", "organization_id", "kind", "campaign_id", "scenario"],
        [
            *[[f"c{i}", f"oc{i}", "campaign_coding", "cmp-coding", "coding"] for i in range(4)],
            *[[f"r{i}", f"or{i}", "campaign_reasoning", "cmp-reasoning", "reasoning"] for i in range(2)],
            ["u1", "ou", "benign_university", "", "university"],
            ["b1", "ob", "benign", "", "baseline"],
        ],
    )
    _write(
        labels / "campaigns.csv",
        ["campaign_id", "kind", "target_capabilities", "first_date", "last_date", "accounts"],
        [
            ["cmp-coding", "campaign_coding", "coding", "2026-03-01", "2026-03-03", "4"],
            ["cmp-reasoning", "campaign_reasoning", "reasoning", "2026-03-02", "2026-03-03", "2"],
        ],
    )
    header = ["campaign_id", "account_id", "organization_id", "score"]
    _write(reports / "2026-03-01" / "campaign_accounts.csv", header, [])
    _write(
        reports / "2026-03-02" / "campaign_accounts.csv",
        header,
        [["DW-1", "c0", "oc0", "9"], ["DW-1", "c1", "oc1", "9"]],
    )
    _write(
        reports / "2026-03-03" / "campaign_accounts.csv",
        header,
        [
            ["DW-1", "c0", "oc0", "9"],
            ["DW-1", "c2", "oc2", "9"],
            ["DW-1", "u1", "ou", "3"],
            ["DW-2", "c3", "oc3", "5"],
        ],
    )
    (reports / "not-a-date").mkdir()
    return labels, reports


def test_evaluation_counts_accounts_campaigns_and_delays(labelled: tuple[Path, Path]) -> None:
    labels, reports = labelled
    report = evaluate(labels, reports)
    assert report.dates == (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3))
    assert (report.flagged, report.truth, report.true_positives) == (5, 6, 4)
    assert report.precision == pytest.approx(0.8)
    assert report.recall == pytest.approx(4 / 6)
    assert report.false_positives_by_kind == {"benign_university": 1}
    coding, reasoning = report.campaigns
    assert coding.completeness == 1.0
    assert coding.best_match == "DW-1" and coding.best_match_purity == pytest.approx(3 / 4)
    assert coding.detected_campaigns == 2
    assert coding.first_flagged == date(2026, 3, 2) and coding.delay_days == 1
    assert reasoning.flagged == 0 and reasoning.best_match is None and reasoning.delay_days is None
    text = format_report(report)
    assert "precision 0.800" in text and "cmp-reasoning" in text and "benign_university 1" in text


def test_evaluation_can_restrict_dates_and_truth_to_active_accounts(labelled: tuple[Path, Path]) -> None:
    labels, reports = labelled
    report = evaluate(labels, reports, dates=[date(2026, 3, 2)], active_accounts={"c0", "c1", "r0"})
    assert (report.flagged, report.truth, report.true_positives) == (2, 3, 2)
    assert report.recall == pytest.approx(2 / 3)


def test_grid_counts_review_only_candidate_accounts(tmp_path: Path) -> None:
    """evaluate-grid's candidate column: accounts in some date's candidates.csv and in no date's
    campaign_accounts.csv (a promoted candidate counts as published); a carried candidate's row
    without account lists nobody; no candidates.csv at all means the tier is absent (None)."""
    from flows.detection.grid import _candidate_accounts

    reports = tmp_path / "reports"
    days = [date(2026, 3, 1), date(2026, 3, 2)]
    header = list(CANDIDATE_COLUMNS)
    account = header.index("account_id")

    def candidate(campaign_id: str, account_id: str) -> list[str]:
        row = [""] * len(header)
        row[0], row[account] = campaign_id, account_id
        return row

    _write(
        reports / "2026-03-01" / CANDIDATES_FILE, header, [candidate("DW-C", "t1"), candidate("DW-C", "t2")]
    )
    _write(reports / "2026-03-01" / "campaign_accounts.csv", ["campaign_id", "account_id"], [])
    _write(reports / "2026-03-02" / CANDIDATES_FILE, header, [candidate("DW-D", "")])
    _write(reports / "2026-03-02" / "campaign_accounts.csv", ["campaign_id", "account_id"], [["DW-C", "t2"]])
    assert _candidate_accounts(reports, days) == {"t1"}
    assert _candidate_accounts(tmp_path / "elsewhere", days) is None
