"""Detection end to end on a small hand-made world: pull, validate, dbt, outputs, evaluation.

Three days of exports built with tests/factories.py: ordinary accounts, one distillation
campaign (nine one-account organizations sharing three cards, a pool of harvest templates,
CoT prompts, rotating proxy prefixes, education sign-ups) and a look-alike (a verified
enterprise running its own templated coding product from its own hosting prefixes, round the
clock). One ordinary account also sends some traffic through a proxy prefix the campaign uses.
A small team (four accounts of two organizations on one card, shared templates, CoT prompts,
its own rotating proxy prefixes) harvests like a campaign but is too small to be a coordinated
operation: it is flagged and must stay a *candidate* (publication tiers).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from factories import make_accounts, make_detection_requests, pdf_text, squash
from worlds import replay_world

from flows import transform
from flows.detection.evaluate import evaluate
from flows.detection.outputs import write_campaign_outputs
from flows.detection.replay import ReplayResult
from flows.pipeline import digest_mail
from flows.report import fmt
from flows.report.campaign_report import render_campaign_reports
from flows.report.digest import render_digest
from flows.report.digest_data import load_digest_data
from flows.settings import DBT_PROJECT_DIR, Settings
from flows.transform import run_dbt

START = date(2026, 3, 2)
DAYS = 3
CAMPAIGN = [f"camp-{i}" for i in range(9)]
ENTERPRISE = [f"ent-{i}" for i in range(8)]
BENIGN = [f"acct-{i:02d}" for i in range(24)]
TEAM = [f"team-{i}" for i in range(4)]


def _org(account: str) -> str:
    if account.startswith("camp-"):
        return "corg-" + account.split("-")[1]
    if account.startswith("ent-"):
        return "org-enterprise"
    if account.startswith("team-"):
        return f"torg-{int(account.split('-')[1]) // 2}"
    return f"org-{int(account.split('-')[1]) // 2:02d}"


def _cohort_requests(day: date, accounts: list[str], n: int, seed: int, kind: str) -> pa.Table:
    rng = np.random.default_rng(seed)
    who = [accounts[i] for i in rng.integers(0, len(accounts), n)]
    if kind == "campaign":
        templates = [f"tpl-harvest-{t}" for t in rng.integers(0, 6, n)]
        capability = ["reasoning" if x < 0.85 else "data_analysis" for x in rng.random(n)]
        prefixes = [f"45.9.{p}.0/24" for p in rng.integers(0, 15, n)]
        asn_type, cot = ["proxy"] * n, (rng.random(n) < 0.7).tolist()
        input_tokens, output_tokens = rng.integers(200, 600, n), rng.integers(1500, 3000, n)
    elif kind == "team":
        templates = [f"tpl-team-{t}" for t in rng.integers(0, 3, n)]
        capability = ["coding" if x < 0.8 else "tool_use" for x in rng.random(n)]
        prefixes = [f"77.1.{p}.0/24" for p in rng.integers(0, 12, n)]
        asn_type, cot = ["proxy"] * n, (rng.random(n) < 0.7).tolist()
        input_tokens, output_tokens = rng.integers(200, 600, n), rng.integers(1500, 3000, n)
    elif kind == "enterprise":
        templates = [f"tpl-ent-{t}" for t in rng.integers(0, 2, n)]
        capability = ["coding" if x < 0.9 else "tool_use" for x in rng.random(n)]
        prefixes = [f"52.1.{p}.0/24" for p in rng.integers(0, 2, n)]
        asn_type, cot = ["hosting"] * n, (rng.random(n) < 0.01).tolist()
        input_tokens, output_tokens = rng.integers(2000, 6000, n), rng.integers(100, 600, n)
    else:
        templates = [
            f"tpl-{a}-{t}" if x < 0.5 else f"tpl-u-{seed}-{i}"
            for i, (a, t, x) in enumerate(zip(who, rng.integers(0, 3, n), rng.random(n), strict=True))
        ]
        capability = [
            ("coding", "general_chat", "summarization", "creative_writing", "translation")[c]
            for c in rng.integers(0, 5, n)
        ]
        prefixes = [f"81.2.{int(a.split('-')[1])}.0/24" for a in who]
        asn_type, cot = ["isp"] * n, (rng.random(n) < 0.03).tolist()
        input_tokens, output_tokens = rng.integers(100, 3000, n), rng.integers(50, 1500, n)
        # one ordinary account sometimes exits through a prefix the campaign uses
        for i, a in enumerate(who):
            if a == "acct-00" and i % 3 == 0:
                prefixes[i], asn_type[i] = "45.9.0.0/24", "proxy"
    return make_detection_requests(
        day,
        who,
        organization=_org,
        seed=seed,
        id_prefix=f"{kind}-{day:%Y%m%d}",
        templates=templates,
        capability=capability,
        prefixes=prefixes,
        asn_type=asn_type,
        cot=cot,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )


def _accounts() -> pa.Table:
    everyone = BENIGN + CAMPAIGN + ENTERPRISE + TEAM
    n = len(everyone)
    created = []
    for a in everyone:
        if a.startswith(("camp-", "team-")):
            created.append(datetime(2026, 3, 1, int(a.split("-")[1]), tzinfo=UTC))
        else:
            created.append(datetime(2025, 6, 1, tzinfo=UTC))
    return make_accounts(
        n,
        overrides={
            "account_id": everyone,
            "organization_id": [_org(a) for a in everyone],
            "organization_name": [_org(a) for a in everyone],
            "created_at": created,
            "signup_pathway": [
                "education"
                if a.startswith(("camp-", "team-"))
                else "enterprise"
                if a.startswith("ent-")
                else "standard"
                for a in everyone
            ],
            "verification": [
                "email" if a.startswith(("camp-", "team-")) else "id" if a.startswith("ent-") else "phone"
                for a in everyone
            ],
            "payment_fingerprint": [
                f"card-{int(a.split('-')[1]) % 3}"
                if a.startswith("camp-")
                else "card-team"
                if a.startswith("team-")
                else f"pay-{_org(a)}"
                for a in everyone
            ],
            "email_domain": [
                "gmail.com" if a.startswith(("camp-", "team-")) else f"{_org(a)}.example" for a in everyone
            ],
        },
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReplayResult, Path]]:
    root = tmp_path_factory.mktemp("detection-world")
    labels = root / "labels"
    labels.mkdir()
    with open(labels / "accounts.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["account_id", "organization_id", "kind", "campaign_id", "scenario"])
        for a in BENIGN:
            writer.writerow([a, _org(a), "benign", "", "baseline"])
        for a in ENTERPRISE:
            writer.writerow([a, _org(a), "benign_enterprise", "", "enterprise"])
        for a in CAMPAIGN:
            writer.writerow([a, _org(a), "campaign_reasoning", "cmp-test", "reasoning"])
        for a in TEAM:
            writer.writerow([a, _org(a), "benign_small_team", "", "small_teams"])
    (labels / "campaigns.csv").write_text(
        "campaign_id,kind,target_capabilities,first_date,last_date,accounts\n"
        f"cmp-test,campaign_reasoning,reasoning,{START},{START + timedelta(days=DAYS - 1)},9\n"
    )

    def requests_of_day(day: date, offset: int) -> list[pa.Table]:
        return [
            _cohort_requests(day, BENIGN, 1200, 10 + offset, "benign"),
            _cohort_requests(day, CAMPAIGN, 600, 20 + offset, "campaign"),
            _cohort_requests(day, ENTERPRISE, 800, 30 + offset, "enterprise"),
            _cohort_requests(day, TEAM, 240, 40 + offset, "team"),
        ]

    yield replay_world(root, START, DAYS, _accounts(), requests_of_day), labels


def _listed(result: ReplayResult, day: date) -> dict[str, str]:
    path = result.reports_dir / day.isoformat() / "campaign_accounts.csv"
    with open(path, newline="") as f:
        return {row["account_id"]: row["campaign_id"] for row in csv.DictReader(f)}


def test_the_campaign_is_listed_by_the_second_day_and_nothing_else_is(
    world: tuple[ReplayResult, Path],
) -> None:
    result, _ = world
    for offset in range(1, DAYS):
        listed = _listed(result, START + timedelta(days=offset))
        assert set(listed) == set(CAMPAIGN)


def test_the_campaign_keeps_its_id_from_day_to_day(world: tuple[ReplayResult, Path]) -> None:
    result, _ = world
    ids = {
        campaign
        for offset in range(DAYS)
        for campaign in _listed(result, START + timedelta(days=offset)).values()
    }
    assert len(ids) == 1
    (campaign_id,) = ids
    assert campaign_id.startswith("DW-2026-03-0")
    with duckdb.connect(str(result.warehouse), read_only=True) as con:
        statuses = con.execute(
            "select activity_date, status, confidence, accounts from fct_campaigns "
            "where campaign_id = ? order by activity_date",
            [campaign_id],
        ).fetchall()
        signals = con.execute(
            "select count(*), count(distinct signal) from fct_campaign_signals "
            "where activity_date = ? and campaign_id = ?",
            [START + timedelta(days=DAYS - 1), campaign_id],
        ).fetchone()
    assert next(s[1] for s in statuses) == "new"
    assert {s[1] for s in statuses[1:]} <= {"active", "growing"}
    assert statuses[-1][3] == len(CAMPAIGN)
    assert signals[0] == signals[1] > 15


def test_evaluation_of_the_replay(world: tuple[ReplayResult, Path]) -> None:
    result, labels = world
    report = evaluate(labels, result.reports_dir, warehouse=result.warehouse)
    assert report.precision == 1.0 and report.recall == 1.0
    (campaign,) = report.campaigns
    assert campaign.best_match_purity == 1.0
    assert campaign.delay_days is not None and campaign.delay_days <= 1


def test_campaign_reports_show_the_figures_of_the_marts(
    world: tuple[ReplayResult, Path], tmp_path: Path
) -> None:
    """The analyst's PDF states what fct_campaigns and fct_campaign_accounts hold for the day."""
    result, _ = world
    day = START + timedelta(days=DAYS - 1)
    files = render_campaign_reports(result.warehouse, day, tmp_path / "campaigns", tlp="TLP:AMBER", workers=0)
    with duckdb.connect(str(result.warehouse), read_only=True) as con:
        campaigns = con.execute(
            """
            select campaign_id, status, confidence, score, window_start, accounts, organizations,
                   accounts_active_on_run_date, requests, requests_on_run_date, total_tokens,
                   first_seen, last_seen
            from fct_campaigns where activity_date = ? and tier = 'campaign' order by campaign_id
            """,
            [day],
        ).fetchall()
        members = con.execute(
            "select campaign_id, account_id, organization_id, score from fct_campaign_accounts "
            "where activity_date = ? order by campaign_id, account_id",
            [day],
        ).fetchall()
    assert campaigns and sorted(f.campaign_id for f in files) == [c[0] for c in campaigns]
    for f, c in zip(sorted(files, key=lambda f: f.campaign_id), campaigns, strict=True):
        (
            campaign_id,
            status,
            confidence,
            score,
            window_start,
            accounts,
            organizations,
            active,
            requests,
            requests_today,
            tokens,
            first_seen,
            last_seen,
        ) = c
        assert f.pdf.exists() and json.loads(f.stix.read_text())["type"] == "bundle"
        text = pdf_text(f.pdf)
        flat = squash(text)

        def shows(phrase: str, flat: str = flat) -> bool:
            return squash(phrase) in flat

        assert shows(f"Distillation campaign {campaign_id}")
        assert shows(f"campaign score {score:g}") and shows(f"{confidence} confidence")
        assert shows(f"First seen {first_seen.isoformat()}") and shows(f"Last seen {last_seen.isoformat()}")
        assert shows(f"Detection window {window_start.isoformat()} to {day.isoformat()}")
        assert shows(f"Accounts {fmt.num(accounts)} {fmt.num(active)} active on {day.isoformat()}")
        assert shows(f"Organizations {fmt.num(organizations)}")
        assert shows(f"Exchanges (requests) {fmt.num(requests)} in the window")
        assert shows(f"{fmt.num(requests_today)} on {day.isoformat()};")
        assert shows(f"Tokens {fmt.num(tokens)} in the window")
        assert status in {"new", "active", "growing", "dormant"}
        # The appendix lists the listed accounts with detection's organization and score.
        listed = [(a, o, s) for cid, a, o, s in members if cid == campaign_id]
        assert len(listed) == accounts
        rows = text[text.index("Appendix:") :].splitlines()
        for account_id, organization_id, account_score in listed[:25]:
            (row,) = [r for r in rows if re.match(rf"\d+ {re.escape(account_id)} ", r)]
            assert f" {organization_id} " in row and row.endswith(f" {account_score:g}"), row


def test_detection_intermediate_data_tests_run_in_the_suite_not_nightly(
    world: tuple[ReplayResult, Path],
) -> None:
    """The generic data tests of detection's intermediate models (keys, not-nulls, accepted
    values) are tagged suite_only (dbt_project.yml): the nightly build leaves them out and they
    pass here, on the world's last day, without rebuilding a model. (Before the other tests
    that run dbt on the world: it reads the run results of the world's last night.)"""
    result, _ = world
    run_dir = result.warehouse.parent
    settings = Settings(
        landing_dir=run_dir / "landing", warehouse=result.warehouse, reports_dir=result.reports_dir
    )
    target = transform.dbt_target_path(settings)
    # the world's last night (flows.detection.replay calls run_dbt as the nightly does)
    last_night = json.loads((target / "run_results.json").read_text())
    # builds write no manifest.json (flows.transform): `dbt parse` does
    manifest = json.loads(transform.parse_dbt(settings).read_text())
    tagged = {uid for uid, node in manifest["nodes"].items() if transform.SUITE_ONLY_TAG in node["tags"]}
    on_detection_intermediates = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and node["fqn"][1:3] == ["intermediate", "detection"]
    }
    assert len(tagged) >= 60 and tagged == on_detection_intermediates
    assert last_night["args"]["which"] == "build" and not last_night["args"].get("select"), last_night["args"]
    ran = {r["unique_id"] for r in last_night["results"]}
    assert not ran & tagged
    assert {"test.distillwatch.assert_daily_marts_agree_on_totals"} <= ran  # the marts' tests run nightly
    summary = run_dbt(settings, LAST, select=f"tag:{transform.SUITE_ONLY_TAG}")
    assert summary.data_tests_passed == len(tagged)
    assert summary.models_passed == summary.seeds_passed == 0


def test_detection_unit_tests_pass(world: tuple[ReplayResult, Path]) -> None:
    """Every signal's definition is pinned by a dbt unit test on hand-made rows (the models'
    YAML); they run here, against the world's warehouse (dbt reads the inputs' column types)."""
    result, _ = world
    run_dir = result.warehouse.parent
    settings = Settings(
        landing_dir=run_dir / "landing", warehouse=result.warehouse, reports_dir=result.reports_dir
    )
    summary = run_dbt(settings, START + timedelta(days=DAYS - 1), select="fqn:*.detection.* test_type:unit")
    assert summary.unit_tests_passed >= 12


# --- publication tiers: the small team is a candidate, never published -------------------------

LAST = START + timedelta(days=DAYS - 1)


def _rows(reports_dir: Path, day: date, name: str) -> list[dict[str, str]]:
    with open(reports_dir / day.isoformat() / name, newline="") as f:
        return list(csv.DictReader(f))


def _candidate_id(reports_dir: Path, day: date) -> str:
    """The one candidate of the day, which lists exactly the small team."""
    rows = _rows(reports_dir, day, "candidates.csv")
    assert {r["account_id"] for r in rows} == set(TEAM)
    (candidate_id,) = {r["campaign_id"] for r in rows}
    return candidate_id


def test_the_small_team_is_a_candidate_and_never_published(
    world: tuple[ReplayResult, Path], tmp_path: Path
) -> None:
    """Flagged (it harvests and hides like a campaign) but too small for a coordinated operation:
    candidates.csv lists it; campaign_accounts.csv, campaigns.csv, the PDFs and STIX bundles never
    name it."""
    result, _ = world
    candidate_id = _candidate_id(result.reports_dir, LAST)
    (row, *_) = _rows(result.reports_dir, LAST, "candidates.csv")
    assert row["tier_reason"].startswith("too small for a coordinated operation: 4 listed accounts of 2")
    assert row["accounts"] == "4" and row["organizations"] == "2"
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        assert not set(_listed(result, day)) & set(TEAM)
        assert candidate_id not in {r["campaign_id"] for r in _rows(result.reports_dir, day, "campaigns.csv")}
    files = render_campaign_reports(
        result.warehouse, LAST, tmp_path / "campaigns", tlp="TLP:AMBER", workers=0
    )
    assert files and candidate_id not in {f.campaign_id for f in files}
    written = sorted(p.name for p in (tmp_path / "campaigns").iterdir())
    assert written and not [name for name in written if candidate_id in name]
    bundles = " ".join(f.stix.read_text() for f in files)
    assert not [a for a in TEAM if a in bundles] and candidate_id not in bundles


def test_the_digest_lists_the_candidate_for_review(world: tuple[ReplayResult, Path], tmp_path: Path) -> None:
    """The digest PDF (read back as text) and the mail name the candidate in For review only."""
    result, _ = world
    candidate_id = _candidate_id(result.reports_dir, LAST)
    (published_id,) = {r["campaign_id"] for r in _rows(result.reports_dir, LAST, "campaigns.csv")}
    data = load_digest_data(result.warehouse, LAST, validation=None, gate=None)
    assert [c.campaign_id for c in data.campaigns] == [published_id]
    assert [c.campaign_id for c in data.candidates] == [candidate_id]
    flat = squash(pdf_text(render_digest(data, tmp_path, "TLP:AMBER")))
    published, review = flat.split(squash("For review Candidates: linked groups"), 1)
    assert squash(published_id) in published and squash(candidate_id) not in published
    review = review[: review.index(squash("Requests per day"))]
    assert squash(candidate_id) in review and squash(published_id) not in review
    assert squash("too small for a coordinated operation") in review
    _, body = digest_mail(LAST, len(data.campaigns), data.candidates)
    head, review_text = body.split("For review:", 1)
    assert published_id not in review_text and candidate_id not in head
    assert f"- {candidate_id} (" in review_text and "not in campaign_accounts.csv" in review_text


def _copy_run(result: ReplayResult, into: Path) -> Settings:
    """The replayed world's landing zone and warehouse, copied (the module's world stays as it is)."""
    import shutil

    shutil.copytree(result.warehouse.parent / "landing", into / "landing")
    shutil.copy(result.warehouse, into / "warehouse.duckdb")
    return Settings(
        landing_dir=into / "landing", warehouse=into / "warehouse.duckdb", reports_dir=into / "reports"
    )


def test_a_confirmed_verdict_promotes_the_candidate_with_its_id(
    world: tuple[ReplayResult, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An analyst confirms the candidate (a row in seeds/detection/campaign_verdicts.csv of a
    project copy); re-running the day publishes it under the same DW-... id."""
    import shutil

    result, _ = world
    candidate_id = _candidate_id(result.reports_dir, LAST)
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    verdicts = project / "seeds" / "detection" / "campaign_verdicts.csv"
    verdicts.write_text(verdicts.read_text() + f"{candidate_id},confirmed,ana,{LAST.isoformat()},reviewed\n")
    monkeypatch.setattr(transform, "DBT_PROJECT_DIR", project)
    settings = _copy_run(result, tmp_path / "run")
    run_dbt(settings, LAST)
    out = write_campaign_outputs(settings.warehouse, LAST, settings.reports_dir)
    assert candidate_id in out.campaign_ids and candidate_id not in out.candidate_ids
    listed = {
        r["account_id"]: r["campaign_id"] for r in _rows(settings.reports_dir, LAST, "campaign_accounts.csv")
    }
    assert {a: listed.get(a) for a in TEAM} == dict.fromkeys(TEAM, candidate_id)
    campaigns = {r["campaign_id"]: r for r in _rows(settings.reports_dir, LAST, "campaigns.csv")}
    assert campaigns[candidate_id]["verdict"] == "confirmed"
    assert campaigns[candidate_id]["tier_reason"] == f"confirmed by the analyst verdict of {LAST.isoformat()}"
    assert not [r for r in _rows(settings.reports_dir, LAST, "candidates.csv") if r["account_id"] in TEAM]


def test_a_warehouse_built_before_publication_tiers_still_builds(
    world: tuple[ReplayResult, Path], tmp_path: Path
) -> None:
    """A warehouse from before the tiers (no tier columns in the detection marts, no tier model):
    the next run adds the columns (on_schema_change append_new_columns), earlier dates keep null
    there, and the run date is tiered as on a new warehouse."""
    result, _ = world
    settings = _copy_run(result, tmp_path / "run")
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("drop table int_detection_campaign_tiers")
        for column in ("tier", "tier_reason", "independent_organizations"):
            con.execute(f"alter table fct_campaigns drop column {column}")
        con.execute("alter table fct_campaign_accounts drop column tier")
    run_dbt(settings, LAST)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        tiers = con.execute(
            "select activity_date, tier, count(*) from fct_campaigns group by all order by all"
        ).fetchall()
    assert [(d, t) for d, t, _ in tiers] == [
        *((START + timedelta(days=i), None) for i in range(DAYS - 1)),
        (LAST, "campaign"),
        (LAST, "candidate"),
    ]
    out = write_campaign_outputs(settings.warehouse, LAST, settings.reports_dir)
    before = write_campaign_outputs(result.warehouse, LAST, tmp_path / "reports-before")
    assert [p.read_bytes() for p in out.files] == [p.read_bytes() for p in before.files]
