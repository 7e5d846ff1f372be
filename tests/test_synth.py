"""The synthetic generator: exact export contract, determinism, scenarios and the behaviour
that makes campaigns campaigns (and hard benign cases not).

Runs are tiny (a few thousand requests a day) so the whole module takes seconds; aggregate
assertions use thresholds far from what the generator's ranges can produce by chance.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

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

START = date(2026, 3, 5)  # a Thursday: the 4-day run has two weekdays and a weekend
DAYS = 4
RELEASE = datetime.combine(START + timedelta(days=DAYS // 2), time(18), tzinfo=timezone.utc)
NEW_MODEL = "claude-opus-4-5"
CAMPAIGN_KINDS = {"campaign_reasoning", "campaign_agentic", "campaign_coding", "campaign_proxy_network"}


def _run(root: Path, **kwargs: object) -> SynthSummary:
    options = {"start": START, "days": DAYS, "scale": 0.03, "seed": 11, "scenario": "all"} | kwargs
    return generate(str(root / "exports"), root / "labels", **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]]:
    """Scenario `all` at a tiny scale, loaded into DuckDB with its labels."""
    root = tmp_path_factory.mktemp("synth-all")
    summary = _run(root)
    con = duckdb.connect()
    exports = root / "exports" / "usage"
    con.execute(f"create view r as select * from read_parquet('{exports}/*/requests-*.parquet', hive_partitioning = true)")
    con.execute(f"create view a as select * from read_parquet('{exports}/*/accounts.parquet', hive_partitioning = true)")
    con.execute(f"create view l as select * from read_csv('{root}/labels/accounts.csv', all_varchar = true)")
    con.execute(f"create view c as select * from read_csv('{root}/labels/campaigns.csv', all_varchar = true)")
    # one row per request with its label
    con.execute("create view rl as select r.*, l.kind, l.campaign_id, l.scenario from r join l using (account_id)")
    yield root, summary, con
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- contract ----------------------------------------------------------------------------


def test_every_drop_follows_the_contract(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    root, summary, _ = world
    request_ids: list[str] = []
    enums_requests = {c.name: set(c.enum) for c in REQUESTS_COLUMNS if c.enum}
    enums_accounts = {c.name: set(c.enum) for c in ACCOUNTS_COLUMNS if c.enum}
    assert [d.day for d in summary.days] == [START + timedelta(days=i) for i in range(DAYS)]
    for i in range(DAYS):
        day = START + timedelta(days=i)
        drop = root / "exports" / "usage" / f"date={day.isoformat()}"
        manifest = parse_manifest((drop / "_manifest.json").read_text(), str(drop))
        assert manifest.date == day
        assert {p.name for p in drop.iterdir()} == {f.path for f in manifest.files} | {"_manifest.json"}
        for f in manifest.files:
            payload = (drop / f.path).read_bytes()
            assert hashlib.sha256(payload).hexdigest() == f.sha256, f.path
            assert pq.ParquetFile(drop / f.path).metadata.num_rows == f.rows, f.path
            # the manifest is written last
            assert (drop / "_manifest.json").stat().st_mtime_ns >= (drop / f.path).stat().st_mtime_ns
        requests = pa.concat_tables([pq.read_table(drop / f.path) for f in manifest.request_parts])
        accounts = pq.read_table(drop / "accounts.parquet")
        assert requests.schema.equals(REQUESTS_SCHEMA), requests.schema
        assert accounts.schema.equals(ACCOUNTS_SCHEMA), accounts.schema
        assert requests.num_rows == summary.days[i].requests > 0
        for table, columns in ((requests, REQUESTS_COLUMNS), (accounts, ACCOUNTS_COLUMNS)):
            for column in columns:
                values = table.column(column.name)
                if not column.nullable:
                    assert values.null_count == 0, column.name
                if column.non_negative:
                    assert min(values.to_pylist()) >= 0, column.name
        for name, allowed in enums_requests.items():
            assert set(requests.column(name).to_pylist()) <= allowed, name
        for name, allowed in enums_accounts.items():
            assert set(accounts.column(name).to_pylist()) <= allowed, name
        ts = requests.column("ts").to_pylist()
        assert min(ts).date() == day and max(ts).date() == day
        request_ids += requests.column("request_id").to_pylist()

        # the snapshot: every account that sent a request that day or was created that day
        snapshot = accounts.column("account_id").to_pylist()
        assert len(snapshot) == len(set(snapshot))
        senders = set(requests.column("account_id").to_pylist())
        created_today = {a for a, c in zip(snapshot, accounts.column("created_at").to_pylist()) if c.date() == day}
        assert set(snapshot) == senders | created_today
        org_of = dict(zip(snapshot, accounts.column("organization_id").to_pylist()))
        assert all(org_of[a] == o for a, o in zip(requests.column("account_id").to_pylist(),
                                                    requests.column("organization_id").to_pylist()))
        created_at = dict(zip(snapshot, accounts.column("created_at").to_pylist()))
        assert all(t >= created_at[a] for a, t in zip(requests.column("account_id").to_pylist(), ts))
    assert len(request_ids) == len(set(request_ids)) == summary.total_requests


def test_contract_values_look_like_the_contract_examples(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world
    bad_prefixes = _one(con, r"""
        select count(*) from r where not (
            regexp_full_match(ip_prefix, '(\d{1,3}\.){3}0/24') or regexp_full_match(ip_prefix, '([0-9a-f]{1,4}:){3}:/48'))""")
    assert bad_prefixes == 0
    assert _one(con, "select count(*) from r where not regexp_full_match(ip_country, '[A-Z]{2}')") == 0
    assert _one(con, "select count(*) from r where asn < 4200000000") == 0  # private-use ASNs: synthetic
    # a prefix always belongs to the same AS, kind and country, as in a geolocation feed
    assert _one(con, "select max(n) from (select count(distinct (asn, asn_type, ip_country)) n from r group by ip_prefix)") == 1
    assert _one(con, "select count(*) from r where status in ('error', 'rate_limited') and output_tokens > 0") == 0


def test_model_releases_reference(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    root, summary, con = world
    lines = (root / "exports" / "reference" / "model_releases.csv").read_text().splitlines()
    assert lines[0] == "model,released_at"
    releases = dict(line.split(",") for line in lines[1:])
    assert releases[NEW_MODEL] == RELEASE.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert summary.new_model == NEW_MODEL and summary.new_model_released_at == RELEASE
    others = [datetime.fromisoformat(v.replace("Z", "+00:00")) for k, v in releases.items() if k != NEW_MODEL]
    assert len(others) >= 3 and max(others) < datetime.combine(START, time(), tzinfo=timezone.utc)
    assert set(_one(con, "select list(distinct model) from r")) <= set(releases)
    assert _one(con, f"select count(*) from r where model = '{NEW_MODEL}' and ts < '{RELEASE.isoformat()}'") == 0


def test_parts_are_capped_and_fsspec_urls_work(tmp_path: Path) -> None:
    assert MAX_PART_ROWS <= 1_048_576
    url = "memory://synth-test/exports"
    summary = generate(url, tmp_path / "labels", START, 1, scale=0.01, seed=3, scenario="coding", max_part_rows=500)
    fs = fsspec.filesystem("memory")
    drop = f"/synth-test/exports/usage/date={START.isoformat()}"
    manifest = json.loads(fs.cat(f"{drop}/_manifest.json"))
    parts = [f for f in manifest["files"] if f["path"].startswith("requests-")]
    assert len(parts) == summary.days[0].parts >= 2
    assert all(f["rows"] <= 500 for f in parts)
    assert sum(f["rows"] for f in parts) == summary.days[0].requests
    assert fs.exists("/synth-test/exports/reference/model_releases.csv")
    fs.rm("/synth-test", recursive=True)


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    options = {"days": 2, "scale": 0.01, "scenario": "proxy_network"}
    _run(tmp_path / "a", seed=5, **options)
    _run(tmp_path / "b", seed=5, **options)
    _run(tmp_path / "c", seed=6, **options)
    first, second, other = (_tree_bytes(tmp_path / x) for x in "abc")
    assert first == second
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first if k.endswith(".parquet") or k.startswith("labels/"))


# --- scenarios and labels -----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "all"])
def test_each_scenario_labels_its_case_on_top_of_ordinary_traffic(tmp_path: Path, scenario: str) -> None:
    summary = _run(tmp_path, scenario=scenario, days=3, scale=0.01)
    kind = CASES[scenario].kind
    with open(tmp_path / "labels" / "accounts.csv", newline="") as f:
        labels = list(csv.DictReader(f))
    assert {row["kind"] for row in labels} == {"benign", kind}
    assert {row["scenario"] for row in labels} == {"baseline", scenario}
    assert all((row["campaign_id"] != "") == row["kind"].startswith("campaign_") for row in labels)
    with open(tmp_path / "labels" / "campaigns.csv", newline="") as f:
        campaigns = list(csv.DictReader(f))
    if kind.startswith("campaign_"):
        assert [c["kind"] for c in campaigns] == [kind]
        assert int(campaigns[0]["accounts"]) == sum(row["kind"] == kind for row in labels) >= CASES[scenario].min_accounts
        assert set(campaigns[0]["target_capabilities"].split(";")) <= set(CAPABILITIES)
    else:
        assert campaigns == []  # hard benign cases are not campaigns
    # every labelled account appears in some drop, and the case sent traffic
    exports = tmp_path / "exports" / "usage"
    senders = duckdb.sql(f"select list(distinct account_id) from read_parquet('{exports}/*/requests-*.parquet')").fetchone()[0]
    snapshot = duckdb.sql(f"select list(distinct account_id) from read_parquet('{exports}/*/accounts.parquet')").fetchone()[0]
    assert {row["account_id"] for row in labels} == set(snapshot)
    assert any(row["kind"] == kind and row["account_id"] in set(senders) for row in labels)
    assert summary.accounts_by_kind[kind] == sum(row["kind"] == kind for row in labels)


def test_scenario_all_labels_every_kind_and_campaign(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    root, summary, con = world
    kinds = {k for (k,) in _rows(con, "select distinct kind from l")}
    assert kinds == {"benign"} | {case.kind for case in CASES.values()}
    campaigns = {row[0]: row for row in _rows(con, "select kind, campaign_id, first_date, last_date, accounts from c")}
    assert set(campaigns) == CAMPAIGN_KINDS
    for kind, campaign_id, first, last, accounts in campaigns.values():
        counted = _one(con, f"select count(*) from l where campaign_id = '{campaign_id}'")
        assert int(accounts) == counted and _one(con, f"select count(distinct kind) from l where campaign_id = '{campaign_id}'") == 1
        observed = _rows(con, f"select min(date), max(date) from rl where campaign_id = '{campaign_id}'")[0]
        assert (date.fromisoformat(first), date.fromisoformat(last)) == observed
    # at least one campaign starts inside the period (so "flagged by its second day" is testable)
    assert max(date.fromisoformat(row[2]) for row in campaigns.values()) > START
    assert _one(con, "select count(*) from l where kind not like 'campaign_%' and campaign_id is not null") == 0
    assert summary.accounts == _one(con, "select count(*) from l")


def test_requests_per_day_sets_the_daily_volume(tmp_path: Path) -> None:
    summary = _run(tmp_path, days=2, requests_per_day=6_000, scenario="reasoning")
    assert all(4_000 < d.requests < 8_500 for d in summary.days), summary.days


def test_presets_and_bad_arguments(tmp_path: Path) -> None:
    incident = PRESETS["incident"]
    assert incident.days == 28
    campaign_accounts = sum(incident.sizes[c].accounts for c in ("reasoning", "agentic", "coding", "proxy_network"))
    assert 22_000 <= campaign_accounts <= 26_000
    assert [incident.sizes[c].requests_total for c in ("reasoning", "agentic", "coding")] == [150_000, 3_400_000, 13_000_000]
    with pytest.raises(ValueError, match="unknown scenario"):
        _run(tmp_path, scenario="nope")
    with pytest.raises(ValueError, match="unknown preset"):
        _run(tmp_path, preset="nope")
    with pytest.raises(ValueError, match="days"):
        _run(tmp_path, days=0)


# --- ordinary traffic ------------------------------------------------------------------------------


def test_ordinary_traffic_is_diverse_and_heavy_tailed(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world
    benign = "from rl where kind = 'benign'"
    mix = _rows(con, f"select capability, count(*) / sum(count(*)) over () s {benign} group by 1 order by s desc")
    top = {c for c, _ in mix[:3]}
    assert {"coding", "general_chat"} <= top and sum(s for c, s in mix if c in ("coding", "general_chat")) > 0.3
    assert _one(con, f"select count(distinct capability) {benign}") >= 12
    assert set(_one(con, f"select list(distinct access_channel) {benign}")) == set(ACCESS_CHANNELS)
    networks = dict(_rows(con, f"select asn_type, count(*) / sum(count(*)) over () {benign} group by 1"))
    assert networks.get("isp", 0) + networks.get("mobile", 0) + networks.get("business", 0) > 0.5
    assert networks.get("hosting", 0) > 0 and networks.get("proxy", 0) == 0
    hosting_users = _one(con, f"select avg(h::int) from (select bool_or(asn_type = 'hosting') h {benign} group by account_id)")
    assert 0 < hosting_users < 0.25  # a few hosting users (their apps are busy, though)
    assert 0.05 < _one(con, f"select avg((system_prompt_hash is not null)::int) {benign}") < 0.7
    assert _one(con, f"select avg(cot_elicitation::int) {benign}") < 0.1
    assert len(_one(con, f"select list(distinct sdk) {benign}")) >= 8
    # most people rarely repeat a prompt skeleton
    assert _one(con, f"""select median(d / n) from (select count(distinct prompt_template_hash) d, count(*) n {benign}
                         group by account_id having count(*) >= 10)""") > 0.6
    # organisations: many small, a few large; companies share one card, individuals often free mail
    sizes = [n for (n,) in _rows(con, """select count(distinct account_id) from a join l using (account_id)
                                          where kind = 'benign' group by a.organization_id""")]
    assert np.median(sizes) <= 2 and max(sizes) >= 10
    assert _one(con, """select max(n) from (select count(distinct a.organization_id) n from a join l using (account_id)
                        where kind = 'benign' and payment_fingerprint is not null group by payment_fingerprint)""") == 1
    domains = set(_one(con, "select list(distinct email_domain) from a join l using (account_id) where kind = 'benign'"))
    assert "gmail.com" in domains and len(domains) > 20
    names = _one(con, "select list(distinct organization_name) from a")
    assert any(not n.isascii() for n in names) and any('"' in n or "&" in n for n in names)
    # weekday effect: company staff and the enterprise hardly work at weekends (Sat / Sun of the run)
    weekday, weekend = _rows(con, """select sum(case when dayofweek(date) in (0, 6) then 0 else 1 end),
                                            sum(case when dayofweek(date) in (0, 6) then 1 else 0 end)
                                     from rl where kind = 'benign_enterprise'""")[0]
    assert weekend < 0.4 * weekday


def test_new_model_adoption_is_gradual_for_ordinary_users(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world
    share = dict(_rows(con, f"""select kind, avg((model = '{NEW_MODEL}')::int) from rl
                               where ts >= '{RELEASE.isoformat()}' and ts < '{(RELEASE + timedelta(hours=24)).isoformat()}'
                               group by 1"""))
    assert share["benign"] < 0.15
    assert share["benign_early_adopter"] > max(0.4, 4 * share["benign"])


# --- campaigns and hard cases --------------------------------------------------------------------


def test_campaigns_move_to_the_new_model_within_a_day(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world
    shares = _rows(con, f"""select kind, avg((model = '{NEW_MODEL}')::int), count(*) from rl
                            where kind like 'campaign_%' and ts >= '{RELEASE.isoformat()}'
                              and ts < '{(RELEASE + timedelta(hours=24)).isoformat()}' group by 1""")
    assert {k for k, _, _ in shares} == CAMPAIGN_KINDS
    for kind, share, n in shares:
        assert n >= 30 and share >= 0.5, (kind, share, n)


def test_campaigns_repeat_templates_across_accounts_and_orgs(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world
    spread = dict(_rows(con, """with per_template as (
                                    select kind, prompt_template_hash, count(distinct account_id) n from rl group by 1, 2),
                                  per_kind as (select kind, count(distinct account_id) total from rl group by 1)
                                select kind, max(n) / any_value(total) from per_template join per_kind using (kind)
                                group by kind"""))
    for kind in CAMPAIGN_KINDS:  # one template sent by most of the campaign (a third of the proxy network's)
        assert spread[kind] >= (0.33 if kind == "campaign_proxy_network" else 0.5), (kind, spread[kind])
    # ordinary customers never share a skeleton across organisations
    assert _one(con, """select max(n) from (select count(distinct organization_id) n from rl where kind = 'benign'
                        group by prompt_template_hash)""") <= 2
    # share of requests whose skeleton is also sent by at least two other organisations
    shared = dict(_rows(con, """with spread as (select prompt_template_hash, count(distinct organization_id) orgs
                                                from rl group by 1)
                                 select kind, avg((orgs >= 3)::int) from rl join spread using (prompt_template_hash)
                                 group by 1"""))
    for kind in CAMPAIGN_KINDS - {"campaign_proxy_network"}:
        assert shared[kind] > 0.8, (kind, shared)
    assert 0.2 < shared["campaign_proxy_network"] < 0.8  # harvesting mixed with relayed traffic
    assert shared["benign"] < 0.02


def test_campaign_content_signals(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world
    stats = {row[0]: row[1:] for row in _rows(con, """
        select kind, avg(cot_elicitation::int), avg(grader_prompt::int), avg(tool_count),
               avg((asn_type in ('proxy', 'hosting'))::int)
        from rl where status = 'ok' group by 1""")}
    cot, grader, tools, proxy = (dict(zip(stats, col)) for col in zip(*stats.values()))
    assert cot["campaign_reasoning"] > 0.5 > 0.1 > cot["benign"]
    assert grader["campaign_reasoning"] > max(0.1, 2 * grader["benign"])
    for kind in CAMPAIGN_KINDS:
        assert proxy[kind] == 1.0
    # short prompts, long answers: output / input tokens on the campaign's main capability,
    # against ordinary traffic of the same capability
    for kind in CAMPAIGN_KINDS - {"campaign_proxy_network"}:
        main = _one(con, f"select mode(capability) from rl where kind = '{kind}'")
        ratios = dict(_rows(con, f"""select kind, sum(output_tokens) / sum(input_tokens) from rl
                                     where capability = '{main}' and status = 'ok' group by 1"""))
        assert ratios[kind] > 2 * ratios["benign"], (kind, main, ratios)
    assert tools["campaign_agentic"] > 3 * tools["benign"]
    # volume concentrated on the targeted capabilities
    for campaign_id, targets in _rows(con, "select campaign_id, target_capabilities from c where kind != 'campaign_proxy_network'"):
        on_target = _one(con, f"""select avg((capability in (select unnest(string_split('{targets}', ';'))))::int)
                                  from rl where campaign_id = '{campaign_id}'""")
        assert on_target > 0.65, (campaign_id, on_target)


def test_campaign_accounts_share_cards_across_orgs_and_are_created_in_bursts(
    world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection],
) -> None:
    _, _, con = world
    accounts = "select distinct a.*, l.kind, l.campaign_id from a join l using (account_id)"
    shared = dict(_rows(con, f"""select kind, max(n) from (select kind, payment_fingerprint, count(distinct organization_id) n
                                  from ({accounts}) where payment_fingerprint is not null group by 1, 2) group by 1"""))
    for kind in CAMPAIGN_KINDS:
        assert shared[kind] >= 2, kind
    pathways = dict(_rows(con, f"""select kind like 'campaign_%', avg((signup_pathway in ('education', 'research', 'startup'))::int)
                                    from ({accounts}) where kind in ('benign', 'campaign_reasoning', 'campaign_agentic',
                                    'campaign_coding') group by 1"""))
    assert pathways[True] > 0.6 and pathways[False] < 0.4
    # accounts created during the period come in bursts: same day, within two hours
    bursts = _rows(con, f"""select campaign_id, created_at::date, count(*), max(created_at) - min(created_at)
                            from ({accounts}) where kind like 'campaign_%' and created_at >= '{START.isoformat()}'
                            group by 1, 2 having count(*) >= 3""")
    assert bursts
    assert all(span <= timedelta(hours=2) for *_, span in bursts), bursts
    # the campaign starting mid-period creates its accounts on its first day
    first = _rows(con, "select campaign_id, first_date from c")
    late = [(cid, date.fromisoformat(d)) for cid, d in first if date.fromisoformat(d) > START]
    for campaign_id, day in late:
        assert _one(con, f"select min(created_at)::date from ({accounts}) where campaign_id = '{campaign_id}'") == day


def test_campaign_load_is_balanced_and_synchronized(tmp_path: Path) -> None:
    _run(tmp_path, scenario="coding", days=2, scale=0.2)
    con = duckdb.connect()
    con.execute(f"create view r as select * from read_parquet('{tmp_path}/exports/usage/*/requests-*.parquet', hive_partitioning = true)")
    con.execute(f"create view l as select * from read_csv('{tmp_path}/labels/accounts.csv', all_varchar = true)")
    per_account = dict(_rows(con, """select kind, avg(cv) from (
                                       select kind, date, stddev_pop(n) / avg(n) cv from (
                                         select kind, date, account_id, count(*) n from r join l using (account_id) group by all)
                                       group by all) group by 1"""))
    assert per_account["campaign_coding"] < 0.3 < per_account["benign"]
    # same number of requests, far fewer distinct minutes of the day: everyone fires in the same windows
    last_day = (START + timedelta(days=1)).isoformat()  # campaigns are always running on the last day
    minutes = {}
    for kind in ("campaign_coding", "benign"):
        minutes[kind] = _one(con, f"""select count(distinct hour(ts) * 60 + minute(ts)) from (
                                        select ts from r join l using (account_id)
                                        where kind = '{kind}' and date = '{last_day}' order by request_id limit 2000)""")
    assert minutes["campaign_coding"] < 0.75 * minutes["benign"], minutes


def test_proxy_network_is_many_small_single_account_orgs_on_rotating_proxies(
    world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection],
) -> None:
    _, _, con = world
    where = "from rl where kind = 'campaign_proxy_network'"
    accounts, orgs = _rows(con, f"select count(distinct account_id), count(distinct organization_id) {where}")[0]
    assert accounts == orgs >= 30
    assert _one(con, f"select max(n) from (select count(*) n {where} group by account_id, date)") <= 40
    assert set(_one(con, f"select list(distinct asn_type) {where}")) <= {"proxy", "hosting"}
    # the exits of an account change from day to day
    changed = _one(con, f"""select avg((p1 != p2)::int) from (
                             select account_id, date, list_sort(list(distinct ip_prefix)) p1,
                                    lead(list_sort(list(distinct ip_prefix))) over (partition by account_id order by date) p2
                             {where} group by account_id, date) where p2 is not null""")
    assert changed > 0.9
    # relayed ordinary-looking traffic is mixed in: many one-off skeletons and a non-target mix
    assert 0.3 < _one(con, f"select count(distinct prompt_template_hash) / count(*) {where}") < 0.9


def test_hard_benign_cases_have_their_look_alike_traits(world: tuple[Path, SynthSummary, duckdb.DuckDBPyConnection]) -> None:
    _, _, con = world

    def stat(kind: str, expr: str) -> object:
        return _one(con, f"select {expr} from rl where kind = '{kind}'")

    accounts = "select distinct a.*, l.kind from a join l using (account_id)"
    # enterprise: one verified org, shared office prefixes on a business AS, one system prompt
    assert stat("benign_enterprise", "count(distinct organization_id)") == 1
    assert stat("benign_enterprise", "count(distinct account_id)") >= 10
    assert stat("benign_enterprise", "list(distinct asn_type)") == ["business"]
    assert stat("benign_enterprise", "count(distinct ip_prefix)") <= 6
    assert stat("benign_enterprise", "count(distinct system_prompt_hash)") == 1
    assert _one(con, f"select list(distinct signup_pathway) from ({accounts}) where kind = 'benign_enterprise'") == ["enterprise"]
    # university: many education orgs, one campus AS, shared homework templates
    assert stat("benign_university", "count(distinct organization_id)") == stat("benign_university", "count(distinct account_id)") >= 8
    assert stat("benign_university", "count(distinct asn) filter (where asn_type = 'education')") == 1
    assert stat("benign_university", "avg((asn_type = 'education')::int)") > 0.5
    # eval company: grading and CoT prompts, and a burst on release day
    assert stat("benign_eval_company", "avg(grader_prompt::int)") > 0.2
    per_day = dict(_rows(con, "select date, count(*) from rl where kind = 'benign_eval_company' group by 1"))
    assert per_day[RELEASE.date()] > 2 * per_day[START]
    # reseller: one card across many end-customer orgs, on hosting, ordinary diverse prompts
    assert _one(con, f"select count(distinct payment_fingerprint) from ({accounts}) where kind = 'benign_reseller'") == 1
    assert _one(con, f"select count(distinct organization_id) from ({accounts}) where kind = 'benign_reseller'") >= 5
    assert stat("benign_reseller", "list(distinct asn_type)") == ["hosting"]
    assert stat("benign_reseller", "count(distinct capability)") >= 8
