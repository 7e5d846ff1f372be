"""The synthetic generator: exact export contract, determinism, scenarios and the behaviour
that makes campaigns campaigns (and the hard benign cases not).

Runs are tiny (a few thousand requests a day) so the module takes seconds; aggregate
assertions use thresholds well away from what the generator's ranges produce, and were
checked against several dozen seeds.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.contract import (
    ACCESS_CHANNELS,
    ACCOUNTS_COLUMNS,
    ACCOUNTS_SCHEMA,
    CAPABILITIES,
    REQUESTS_COLUMNS,
    REQUESTS_SCHEMA,
    parse_manifest,
)
from flows.synth import CASES, MAX_PART_ROWS, PRESETS, SCENARIOS, SynthSummary, generate
from flows.synth.worlds import KINDS as WORLD_KINDS
from flows.synth.worlds import RANDOM_WORLD, SMALL_TEAM_KIND, plan_world

START = date(2026, 3, 5)  # a Thursday: the 4-day run has two weekdays and a weekend
DAYS = 4
RELEASE = datetime.combine(START + timedelta(days=DAYS // 2), time(18), tzinfo=UTC)
DAY_AFTER = RELEASE + timedelta(hours=24)
NEW_MODEL = "claude-opus-4-5"
CAMPAIGN_KINDS = {"campaign_reasoning", "campaign_agentic", "campaign_coding", "campaign_proxy_network"}
SCRIPTED_KINDS = CAMPAIGN_KINDS - {"campaign_proxy_network"}


def _run(root: Path, **kwargs: Any) -> SynthSummary:
    options = {"start": START, "days": DAYS, "scale": 0.03, "seed": 11, "scenario": "all"} | kwargs
    return generate(str(root / "exports"), root / "labels", **options)


@dataclass
class Run:
    """One generated run, queryable in DuckDB: views r (requests), a (account snapshots),
    l (account labels), c (campaign labels), rl (requests with their account's label), al (one
    snapshot row per labelled account, with its label)."""

    root: Path
    summary: SynthSummary
    con: duckdb.DuckDBPyConnection

    @classmethod
    def load(cls, root: Path, summary: SynthSummary) -> Run:
        con = duckdb.connect()
        usage = root / "exports" / "usage"
        views = {
            "r": f"read_parquet('{usage}/*/requests-*.parquet', hive_partitioning = 1)",
            "a": f"read_parquet('{usage}/*/accounts.parquet', hive_partitioning = 1)",
            "l": f"read_csv('{root}/labels/accounts.csv', all_varchar = 1)",
            "c": f"read_csv('{root}/labels/campaigns.csv', all_varchar = 1)",
            "rl": "(select r.*, l.kind, l.campaign_id from r join l using (account_id))",
            "al": "(select distinct a.* exclude (date), kind, campaign_id from a join l using (account_id))",
        }
        for view, source in views.items():
            con.execute(f"create view {view} as select * from {source}")
        return cls(root, summary, con)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def one(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def by_kind(self, expr: str, where: str = "true", table: str = "rl") -> dict[str, Any]:
        return dict(self.rows(f"select kind, {expr} from {table} where {where} group by kind"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Scenario `all` at a tiny scale over four days (Thu-Sun), release on Saturday 18:00Z."""
    root = tmp_path_factory.mktemp("synth-all")
    loaded = Run.load(root, _run(root))
    yield loaded
    loaded.con.close()


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- contract ----------------------------------------------------------------------------------


def test_every_drop_follows_the_contract(run: Run) -> None:
    assert_drops_follow_the_contract(run)


def assert_drops_follow_the_contract(run: Run) -> None:
    request_ids: list[str] = []
    assert [d.day for d in run.summary.days] == [START + timedelta(days=i) for i in range(DAYS)]
    for i, summary in enumerate(run.summary.days):
        day = START + timedelta(days=i)
        drop = run.root / "exports" / "usage" / f"date={day.isoformat()}"
        manifest = parse_manifest((drop / "_manifest.json").read_text(), day)
        assert manifest.date == day
        assert {p.name for p in drop.iterdir()} == {f.path for f in manifest.files} | {"_manifest.json"}
        for f in manifest.files:
            assert hashlib.sha256((drop / f.path).read_bytes()).hexdigest() == f.sha256, f.path
            assert pq.ParquetFile(drop / f.path).metadata.num_rows == f.rows, f.path
            # written last
            assert (drop / "_manifest.json").stat().st_mtime_ns >= (drop / f.path).stat().st_mtime_ns
        requests = pa.concat_tables([pq.read_table(drop / f.path) for f in manifest.request_parts])
        accounts = pq.read_table(drop / "accounts.parquet")
        assert requests.schema.equals(REQUESTS_SCHEMA), requests.schema
        assert accounts.schema.equals(ACCOUNTS_SCHEMA), accounts.schema
        assert requests.num_rows == summary.requests > 0
        for table, columns in ((requests, REQUESTS_COLUMNS), (accounts, ACCOUNTS_COLUMNS)):
            for column in columns:
                values = table.column(column.name)
                if not column.nullable:
                    assert values.null_count == 0, column.name
                if column.non_negative:
                    assert min(values.to_pylist()) >= 0, column.name
                if column.enum:
                    assert set(values.to_pylist()) <= set(column.enum), column.name
        ts = requests.column("ts").to_pylist()
        assert min(ts).date() == day == max(ts).date()
        request_ids += requests.column("request_id").to_pylist()

        # the snapshot: every account that sent a request that day or was created that day
        account = requests.column("account_id").to_pylist()
        snapshot = accounts.column("account_id").to_pylist()
        created = dict(zip(snapshot, accounts.column("created_at").to_pylist(), strict=True))
        org = dict(zip(snapshot, accounts.column("organization_id").to_pylist(), strict=True))
        assert len(snapshot) == len(created)
        assert set(snapshot) == set(account) | {a for a, c in created.items() if c.date() == day}
        assert all(
            org[a] == o for a, o in zip(account, requests.column("organization_id").to_pylist(), strict=True)
        )
        assert all(t >= created[a] for a, t in zip(account, ts, strict=True))  # no request before sign-up
    assert len(request_ids) == len(set(request_ids)) == run.summary.total_requests


def test_values_have_the_contract_formats(run: Run) -> None:
    assert_contract_formats(run)


def assert_contract_formats(run: Run) -> None:
    v4, v6 = r"(\d{1,3}\.){3}0/24", "([0-9a-f]{1,4}:){3}:/48"
    assert run.one(f"select count(*) from r where not regexp_full_match(ip_prefix, '{v4}|{v6}')") == 0
    assert run.one("select count(*) from r where ip_prefix like '%::/48'") > 0  # some IPv6
    assert run.one("select count(*) from r where not regexp_full_match(ip_country, '[A-Z]{2}')") == 0
    assert run.one("select count(*) from r where asn < 4200000000") == 0  # private-use ASNs: synthetic
    # a prefix always maps to the same AS, kind and country, as in a geolocation feed
    per_prefix = "select count(distinct (asn, asn_type, ip_country)) n from r group by ip_prefix"
    assert run.one(f"select max(n) from ({per_prefix})") == 1
    failed = "status in ('error', 'rate_limited')"
    assert run.one(f"select count(*) from r where {failed} and output_tokens > 0") == 0
    assert run.one("select count(*) from r where access_channel = 'console' and sdk is not null") == 0


def test_model_releases_reference(run: Run) -> None:
    assert_model_releases(run)


def assert_model_releases(run: Run) -> None:
    lines = (run.root / "exports" / "reference" / "model_releases.csv").read_text().splitlines()
    assert lines[0] == "model,released_at"
    releases = dict(line.split(",") for line in lines[1:])
    assert releases[NEW_MODEL] == RELEASE.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (run.summary.new_model, run.summary.new_model_released_at) == (NEW_MODEL, RELEASE)
    others = [datetime.fromisoformat(v.replace("Z", "+00:00")) for k, v in releases.items() if k != NEW_MODEL]
    assert len(others) >= 3 and max(others) < datetime.combine(START, time(), tzinfo=UTC)
    assert set(run.one("select list(distinct model) from r")) == set(releases)
    assert run.one(f"select count(*) from r where model = '{NEW_MODEL}' and ts < '{RELEASE}'") == 0


def test_parts_are_capped_and_fsspec_urls_work(tmp_path: Path) -> None:
    assert MAX_PART_ROWS <= 1_048_576
    summary = generate(
        "memory://synth-test/exports",
        tmp_path / "labels",
        START,
        1,
        scale=0.01,
        seed=3,
        scenario="coding",
        max_part_rows=500,
    )
    fs = fsspec.filesystem("memory")
    try:
        manifest = json.loads(fs.cat(f"/synth-test/exports/usage/date={START.isoformat()}/_manifest.json"))
        parts = [f for f in manifest["files"] if f["path"].startswith("requests-")]
        assert len(parts) == summary.days[0].parts >= 2
        assert all(f["rows"] <= 500 for f in parts)
        assert sum(f["rows"] for f in parts) == summary.days[0].requests
        assert fs.exists("/synth-test/exports/reference/model_releases.csv")
    finally:
        fs.rm("/synth-test", recursive=True)


# --- determinism -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("scenario", "scale"), [("proxy_network", 0.01), ("random", 0.02)])
def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path, scenario: str, scale: float) -> None:
    options = {"days": 2, "scale": scale, "scenario": scenario}
    _run(tmp_path / "a", seed=5, **options)
    _run(tmp_path / "b", seed=5, **options)
    _run(tmp_path / "c", seed=6, **options)
    first, second, other = (_tree_bytes(tmp_path / x) for x in "abc")
    assert first == second
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first if k.endswith(".parquet") or k.startswith("labels/"))


# --- scenarios and labels ----------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "all"])
def test_each_scenario_labels_its_case_on_top_of_ordinary_traffic(tmp_path: Path, scenario: str) -> None:
    summary = _run(tmp_path, scenario=scenario, days=3, scale=0.01)
    kind = CASES[scenario].kind
    with open(tmp_path / "labels" / "accounts.csv", newline="") as f:
        labels = list(csv.DictReader(f))
    with open(tmp_path / "labels" / "campaigns.csv", newline="") as f:
        campaigns = list(csv.DictReader(f))
    assert {row["kind"] for row in labels} == {"benign", kind}
    assert {row["scenario"] for row in labels} == {"baseline", scenario}
    assert all((row["campaign_id"] != "") == row["kind"].startswith("campaign_") for row in labels)
    labelled = sum(row["kind"] == kind for row in labels)
    assert summary.accounts_by_kind[kind] == labelled
    if kind.startswith("campaign_"):
        assert [c["kind"] for c in campaigns] == [kind]
        # (an account whose active days all fall outside a short period never appears)
        assert int(campaigns[0]["accounts"]) == labelled >= 0.8 * CASES[scenario].min_accounts
        assert set(campaigns[0]["target_capabilities"].split(";")) <= set(CAPABILITIES)
    else:
        assert campaigns == []  # hard benign cases are not campaigns
    # every labelled account appears in some drop, and the case sent traffic
    usage = tmp_path / "exports" / "usage"
    senders = set(
        duckdb.sql(f"select distinct account_id from '{usage}/*/requests-*.parquet'").fetchnumpy()[
            "account_id"
        ]
    )
    snapshot = set(
        duckdb.sql(f"select distinct account_id from '{usage}/*/accounts.parquet'").fetchnumpy()["account_id"]
    )
    assert {row["account_id"] for row in labels} == snapshot
    assert any(row["kind"] == kind and row["account_id"] in senders for row in labels)


def assert_campaign_labels_agree(run: Run) -> list[tuple]:
    """Every campaign kind is labelled; each campaign's accounts carry its kind, its account
    count and first/last dates match the labels and request days. Returns the campaign rows."""
    campaigns = run.rows("select kind, campaign_id, first_date, last_date, accounts from c")
    assert {kind for kind, *_ in campaigns} == CAMPAIGN_KINDS
    for kind, campaign_id, first, last, accounts in campaigns:
        assert run.rows(f"select distinct kind from l where campaign_id = '{campaign_id}'") == [(kind,)]
        assert int(accounts) == run.one(f"select count(*) from l where campaign_id = '{campaign_id}'")
        seen = run.rows(f"select min(date), max(date) from rl where campaign_id = '{campaign_id}'")[0]
        assert (date.fromisoformat(first), date.fromisoformat(last)) == seen
    return campaigns


def test_scenario_all_labels_every_kind_and_campaign(run: Run) -> None:
    assert {k for (k,) in run.rows("select distinct kind from l")} == {"benign"} | {
        c.kind for c in CASES.values()
    }
    campaigns = assert_campaign_labels_agree(run)
    # at least one campaign starts inside the period (so "flagged by its second day" is testable)
    assert max(date.fromisoformat(first) for _, _, first, _, _ in campaigns) > START
    assert run.one("select count(*) from l where kind not like 'campaign_%' and campaign_id is not null") == 0
    assert run.summary.accounts == run.one("select count(*) from l")


def test_requests_per_day_sets_the_daily_volume(tmp_path: Path) -> None:
    summary = _run(tmp_path, days=2, requests_per_day=6_000, scenario="reasoning")
    assert all(4_000 < d.requests < 8_500 for d in summary.days), summary.days


def test_presets_and_bad_arguments(tmp_path: Path) -> None:
    incident = PRESETS["incident"]
    assert incident.days == 28
    main = ("reasoning", "agentic", "coding")
    assert [incident.sizes[c].requests_total for c in main] == [150_000, 3_400_000, 13_000_000]
    assert 22_000 <= sum(incident.sizes[c].accounts for c in (*main, "proxy_network")) <= 26_000
    with pytest.raises(ValueError, match="unknown scenario"):
        _run(tmp_path, scenario="nope")
    with pytest.raises(ValueError, match="unknown preset"):
        _run(tmp_path, preset="nope")
    with pytest.raises(ValueError, match="days"):
        _run(tmp_path, days=0)


# --- ordinary traffic -----------------------------------------------------------------------------


def test_ordinary_traffic_is_diverse(run: Run) -> None:
    benign = "from rl where kind = 'benign'"
    mix = run.rows(
        f"select capability, count(*) / sum(count(*)) over () s {benign} group by 1 order by s desc"
    )
    assert {"coding", "general_chat"} <= {c for c, _ in mix[:3]}
    assert sum(s for c, s in mix if c in ("coding", "general_chat")) > 0.3
    assert len(mix) >= 12
    assert set(run.one(f"select list(distinct access_channel) {benign}")) == set(ACCESS_CHANNELS)
    networks = dict(run.rows(f"select asn_type, count(*) / sum(count(*)) over () {benign} group by 1"))
    assert networks.get("isp", 0) + networks.get("mobile", 0) + networks.get("business", 0) > 0.5
    assert networks.get("hosting", 0) > 0 and "proxy" not in networks
    hosting_users = run.one(
        f"select avg(h::int) from (select bool_or(asn_type = 'hosting') h {benign} group by account_id)"
    )
    assert 0 < hosting_users < 0.25  # a few hosting users (their apps are busy, though)
    assert 0.05 < run.one(f"select avg((system_prompt_hash is not null)::int) {benign}") < 0.7
    assert run.one(f"select avg(cot_elicitation::int) {benign}") < 0.1
    assert len(run.one(f"select list(distinct sdk) {benign}")) >= 8
    # people rarely repeat a prompt skeleton
    per_account = f"""select count(distinct prompt_template_hash) d, count(*) n {benign}
                      group by account_id having count(*) >= 10"""
    assert run.one(f"select median(d / n) from ({per_account})") > 0.6


def test_ordinary_organisations_are_heavy_tailed_with_company_cards(run: Run) -> None:
    sizes = [n for (n,) in run.rows("select count(*) from al where kind = 'benign' group by organization_id")]
    assert np.median(sizes) <= 2 and max(sizes) >= 10
    # a card never crosses organisations; companies share theirs
    cards = "from al where kind = 'benign' and payment_fingerprint is not null group by payment_fingerprint"
    assert run.one(f"select max(n) from (select count(distinct organization_id) n {cards})") == 1
    assert run.one(f"select max(n) from (select count(*) n {cards})") >= 5
    domains = set(run.one("select list(distinct email_domain) from al where kind = 'benign'"))
    assert "gmail.com" in domains and len(domains) > 20
    names = run.one("select list(distinct organization_name) from a")
    assert any(not n.isascii() for n in names) and any('"' in n or "&" in n or "<" in n for n in names)


def test_weekday_effect_and_gradual_adoption(run: Run) -> None:
    # the run is Thu, Fri, Sat, Sun: company staff hardly work at weekends
    weekend = run.by_kind("avg((dayofweek(date) in (0, 6))::int)")
    assert weekend["benign_enterprise"] < min(0.25, weekend["benign"])
    # ordinary users drift to the new model over days; early adopters within hours
    adopted = run.by_kind(
        "avg(used::int)",
        table=f"""(select kind, account_id, bool_or(model = '{NEW_MODEL}') used from rl
                   where ts >= '{RELEASE}' and ts < '{DAY_AFTER}' group by all)""",
    )
    assert adopted["benign"] < 0.2
    assert adopted["benign_early_adopter"] > max(0.6, 3 * adopted["benign"])


# --- campaigns -----------------------------------------------------------------------------------------


def test_campaigns_move_to_the_new_model_within_a_day(run: Run) -> None:
    window = f"kind like 'campaign_%' and ts >= '{RELEASE}' and ts < '{DAY_AFTER}'"
    share = run.by_kind(f"avg((model = '{NEW_MODEL}')::int)", window)
    count = run.by_kind("count(*)", window)
    assert set(share) == CAMPAIGN_KINDS
    for kind in CAMPAIGN_KINDS:
        assert count[kind] >= 30 and share[kind] >= 0.5, (kind, share[kind], count[kind])


def test_campaigns_repeat_templates_across_accounts_and_orgs(run: Run) -> None:
    # one skeleton is sent by most of a campaign's accounts (a third of the proxy network's)
    top = dict(
        run.rows("""
        with per_template as (
                 select kind, prompt_template_hash, count(distinct account_id) n from rl group by 1, 2),
             per_kind as (select kind, count(distinct account_id) total from rl group by 1)
        select kind, max(n) / any_value(total) from per_template join per_kind using (kind) group by 1""")
    )
    for kind in CAMPAIGN_KINDS:
        assert top[kind] >= (0.33 if kind == "campaign_proxy_network" else 0.5), (kind, top[kind])
    # share of requests whose skeleton is also sent from at least two other organisations
    shared = dict(
        run.rows("""
        with spread as (select prompt_template_hash, count(distinct organization_id) orgs from rl group by 1)
        select kind, avg((orgs >= 3)::int) from rl join spread using (prompt_template_hash) group by 1""")
    )
    for kind in SCRIPTED_KINDS:
        assert shared[kind] > 0.8, (kind, shared)
    assert 0.2 < shared["campaign_proxy_network"] < 0.8  # harvesting mixed with relayed traffic
    assert shared["benign"] < 0.02


def test_campaign_content_signals(run: Run) -> None:
    ok = "status = 'ok'"
    cot = run.by_kind("avg(cot_elicitation::int)", ok)
    grader = run.by_kind("avg(grader_prompt::int)", ok)
    tools = run.by_kind("avg(tool_count)", ok)
    proxy = run.by_kind("avg((asn_type in ('proxy', 'hosting'))::int)")
    assert cot["campaign_reasoning"] > 0.5 > 0.1 > cot["benign"]
    assert grader["campaign_reasoning"] > max(0.1, 2 * grader["benign"])
    assert tools["campaign_agentic"] > 3 * tools["benign"]
    assert all(proxy[kind] == 1.0 for kind in CAMPAIGN_KINDS)
    for kind in SCRIPTED_KINDS:
        # short prompts, long answers: compared with ordinary traffic of the same capability
        main = run.one(f"select mode(capability) from rl where kind = '{kind}'")
        ratio = run.by_kind("sum(output_tokens) / sum(input_tokens)", f"capability = '{main}' and {ok}")
        assert ratio[kind] > 2 * ratio["benign"], (kind, main, ratio)
    # volume concentrated on the targeted capabilities
    for campaign_id, targets in run.rows("select campaign_id, target_capabilities from c"):
        listed = ", ".join(f"'{t}'" for t in targets.split(";"))
        on_target = run.one(
            f"select avg((capability in ({listed}))::int) from rl where campaign_id = '{campaign_id}'"
        )
        assert on_target > (0.2 if "proxy" in campaign_id else 0.65), (campaign_id, on_target)


def test_campaign_accounts_share_cards_across_orgs_and_come_in_bursts(run: Run) -> None:
    card_orgs = run.by_kind(
        "max(n)",
        table="""(select kind, count(distinct organization_id) n from al
                                                 where payment_fingerprint is not null
                                                 group by kind, payment_fingerprint)""",
    )
    assert all(card_orgs[kind] >= 2 for kind in CAMPAIGN_KINDS), card_orgs
    assert card_orgs["benign"] == 1
    pathway = run.by_kind("avg((signup_pathway in ('education', 'research', 'startup'))::int)", table="al")
    assert np.mean([pathway[k] for k in SCRIPTED_KINDS]) > 0.5 > 0.4 > pathway["benign"]
    # accounts created during the period come in bursts: same day, within two hours
    bursts = run.rows(f"""select campaign_id, created_at::date, max(created_at) - min(created_at) from al
                          where kind like 'campaign_%' and created_at >= '{START}'
                          group by 1, 2 having count(*) >= 3""")
    assert bursts and all(span <= timedelta(hours=2) for *_, span in bursts), bursts
    # a campaign starting mid-period creates its accounts on its first day
    for campaign_id, first in run.rows(
        f"select campaign_id, first_date::date from c where first_date > '{START}'"
    ):
        assert run.one(f"select min(created_at)::date from al where campaign_id = '{campaign_id}'") == first


def test_campaign_load_is_balanced_and_synchronized(tmp_path: Path) -> None:
    coding = Run.load(tmp_path, _run(tmp_path, scenario="coding", days=2, scale=0.2))
    spread = coding.by_kind(
        "avg(cv)",
        table="""(
        select kind, date, stddev_pop(n) / avg(n) cv
        from (select kind, date, account_id, count(*) n from rl group by all) group by all)""",
    )
    assert spread["campaign_coding"] < 0.3 < spread["benign"]
    # the same number of requests falls on far fewer minutes of the day: shared firing windows
    last_day = START + timedelta(days=1)  # campaigns are always running on the last day
    minutes = {
        kind: coding.one(f"""select count(distinct hour(ts) * 60 + minute(ts)) from (select ts from rl
                             where kind = '{kind}' and date = '{last_day}' order by request_id limit 2000)""")
        for kind in ("campaign_coding", "benign")
    }
    assert minutes["campaign_coding"] < 0.75 * minutes["benign"], minutes


def test_proxy_network_is_many_single_account_orgs_on_rotating_exits(run: Run) -> None:
    where = "from rl where kind = 'campaign_proxy_network'"
    accounts, orgs = run.rows(f"select count(distinct account_id), count(distinct organization_id) {where}")[
        0
    ]
    assert accounts == orgs >= 30
    assert run.one(f"select max(n) from (select count(*) n {where} group by account_id, date)") <= 40
    assert set(run.one(f"select list(distinct asn_type) {where}")) <= {"proxy", "hosting"}
    # an account's exits change from one day to the next
    changed = run.one(f"""select avg((p1 != p2)::int) from (
                            select list_sort(list(distinct ip_prefix)) p1,
                                   lead(p1) over (partition by account_id order by date) p2
                            {where} group by account_id, date) where p2 is not null""")
    assert changed > 0.9
    # relayed ordinary-looking traffic is mixed in: many one-off skeletons
    assert 0.3 < run.one(f"select count(distinct prompt_template_hash) / count(*) {where}") < 0.9


# --- hard benign cases -------------------------------------------------------------------------------------


def test_hard_benign_cases_have_their_look_alike_traits(run: Run) -> None:
    def stat(kind: str, expr: str, table: str = "rl") -> Any:
        return run.one(f"select {expr} from {table} where kind = '{kind}'")

    # enterprise: one verified org, shared office prefixes on a business AS, one system prompt
    enterprise = "benign_enterprise"
    assert stat(enterprise, "count(distinct organization_id)") == 1
    assert stat(enterprise, "count(distinct account_id)") >= 10
    assert stat(enterprise, "list(distinct asn_type)") == ["business"]
    assert stat(enterprise, "count(distinct ip_prefix)") <= 6
    assert stat(enterprise, "count(distinct system_prompt_hash)") == 1
    assert stat(enterprise, "list(distinct signup_pathway || '/' || verification)", "al") == ["enterprise/id"]
    # university: one education org per student, one campus AS, shared homework skeletons
    university = "benign_university"
    assert (
        stat(university, "count(distinct organization_id)")
        == stat(university, "count(distinct account_id)")
        >= 8
    )
    assert stat(university, "count(distinct asn) filter (asn_type = 'education')") == 1
    assert stat(university, "avg((asn_type = 'education')::int)") > 0.5
    assert stat(university, "list(distinct signup_pathway)", "al") == ["education"]
    # eval company: grading and CoT prompts, and a burst on release day
    assert stat("benign_eval_company", "avg(grader_prompt::int)") > 0.2
    assert stat("benign_eval_company", "avg(cot_elicitation::int)") > 0.2
    per_day = dict(run.rows("select date, count(*) from rl where kind = 'benign_eval_company' group by 1"))
    assert per_day[RELEASE.date()] > 2 * per_day[START]
    # reseller: one card across many end-customer orgs, on hosting, ordinary diverse prompts
    reseller = "benign_reseller"
    assert stat(reseller, "count(distinct payment_fingerprint)", "al") == 1
    assert stat(reseller, "count(distinct organization_id)", "al") >= 5
    assert stat(reseller, "list(distinct signup_pathway)", "al") == ["reseller"]
    assert stat(reseller, "list(distinct asn_type)") == ["hosting"]
    assert stat(reseller, "count(distinct capability)") >= 8


# --- randomized worlds -----------------------------------------------------------------------------

RANDOM_SCALE = 0.02


@pytest.fixture(scope="module")
def random_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """A randomized world (seed 11) at a tiny scale over the same four days."""
    root = tmp_path_factory.mktemp("synth-random")
    loaded = Run.load(root, _run(root, scenario=RANDOM_WORLD, scale=RANDOM_SCALE))
    yield loaded
    loaded.con.close()


def test_randomized_world_follows_the_contract(random_run: Run) -> None:
    assert_drops_follow_the_contract(random_run)
    assert_contract_formats(random_run)
    assert_model_releases(random_run)


def test_randomized_worlds_differ_in_what_they_hold() -> None:
    # (same seed, same bytes: test_same_seed_same_bytes_other_seed_differs)
    plans = [plan_world(seed, 1.0) for seed in (21, 22, 23)]
    assert len({tuple((c.name, c.size.accounts) for c in p.cases) for p in plans}) == 3


def test_randomized_world_has_every_kind_with_consistent_labels(random_run: Run) -> None:
    run = random_run
    assert {k for (k,) in run.rows("select distinct kind from l")} == set(WORLD_KINDS)
    assert SMALL_TEAM_KIND in WORLD_KINDS
    # look-alikes come in instances: the scenario column names each one
    instances = dict(run.rows("select kind, count(distinct scenario) from l group by 1"))
    assert instances["benign"] == 1 and instances[SMALL_TEAM_KIND] == 1
    assert all(instances[k] >= 1 for k in WORLD_KINDS)
    assert sum(instances[k] for k in WORLD_KINDS if k.startswith("benign_")) >= 6
    assert_campaign_labels_agree(run)
    assert run.one("select count(*) from l where kind not like 'campaign_%' and campaign_id is not null") == 0
    assert run.summary.accounts == run.one("select count(*) from l")


def test_small_teams_are_three_to_six_accounts_of_one_or_two_orgs_sharing_something(random_run: Run) -> None:
    run = random_run
    teams = run.rows(f"""select count(distinct account_id), count(distinct organization_id),
                                count(distinct payment_fingerprint)
                         from al where kind = '{SMALL_TEAM_KIND}' group by organization_id""")
    assert len(teams) >= 10
    assert all(1 <= accounts <= 6 for accounts, _, _ in teams)
    # their traffic: general chat, summarization, translation; some of it from hosting or proxy exits
    mix = run.by_kind("avg((capability in ('general_chat', 'summarization', 'translation'))::int)")
    assert mix[SMALL_TEAM_KIND] > mix["benign"]
    exits = run.by_kind("avg((asn_type in ('hosting', 'proxy'))::int)")
    assert exits[SMALL_TEAM_KIND] > 0.05
    # internal templates: a skeleton sent by several accounts of one team
    shared = run.one(f"""select max(n) from (select count(distinct account_id) n from rl
                         where kind = '{SMALL_TEAM_KIND}' group by prompt_template_hash)""")
    assert shared >= 2


def test_a_paraphrasing_campaign_shares_no_template_widely(tmp_path: Path) -> None:
    """The first campaign of every world spreads over template families x variants: its most
    widely sent exact template reaches few of its accounts (an exact-template campaign's reaches
    most of them)."""
    for seed in (1, 2):
        run = Run.load(
            tmp_path / str(seed),
            _run(tmp_path / str(seed), seed=seed, scenario=RANDOM_WORLD, scale=0.05, days=3),
        )
        paraphrasing = next(c for c in plan_world(seed, 0.05).cases if c.paraphrase)
        campaign_id = f"cmp-{paraphrasing.name}"
        widest = run.one(f"""select max(n) / (select count(distinct account_id) from rl
                                             where campaign_id = '{campaign_id}')
                             from (select count(distinct account_id) n from rl
                                   where campaign_id = '{campaign_id}' group by prompt_template_hash)""")
        assert widest < 0.5, (seed, campaign_id, widest)
        run.con.close()


def test_randomized_world_replayed_end_to_end(tmp_path: Path) -> None:
    """One tiny world through pull, validate, dbt and outputs: evaluate-grid's fields exist."""
    from flows.detection.grid import GridResult, _summary, format_grid, run_world, write_grid

    world = run_world(3, 3, RANDOM_SCALE, tmp_path / "grid")
    assert world.requests > 0 and world.accounts > 0 and world.truth > 0
    assert 0.0 <= world.precision <= 1.0 and 0.0 <= world.recall <= 1.0
    assert {c.kind for c in world.campaigns} == CAMPAIGN_KINDS
    assert all(c.first_active is not None for c in world.campaigns)
    assert all(c.flagged_on_day is None or c.flagged_on_day >= 1 for c in world.campaigns)
    assert set(world.benign_published_by_kind) <= set(WORLD_KINDS) - CAMPAIGN_KINDS
    assert world.candidates is not None  # every replayed date writes candidates.csv (review tier)
    assert (tmp_path / "grid" / "world-3" / "run" / "warehouse.duckdb").is_file()
    grid = GridResult((3,), 3, RANDOM_SCALE, 1, (world,), 1.0, _summary([world]))
    markdown, data = write_grid(grid, tmp_path / "out", "grid")
    payload = json.loads(data.read_text())
    assert set(payload["summary"]) == {"worst", "median"}
    worst = set(payload["summary"]["worst"])
    assert {"precision", "recall", "latest_first_flag_day", "benign_published"} <= worst
    assert payload["worlds"][0]["campaigns"][0]["flagged_on_day"] == world.campaigns[0].flagged_on_day
    assert "**worst**" in markdown.read_text() == format_grid(grid)
