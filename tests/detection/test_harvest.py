"""Group harvesting evidence without one exact template, end to end on a small hand-made world.

Three days of exports (tests/factories.py), replayed through pull, validate, dbt and outputs:

* a campaign that **paraphrases**: seven one-account organizations on free mail, paid by
  three shared cards, through a pool of proxy prefixes. Its prompts come from five template
  families of 200 variants; each account uses its own narrow window of six variants, and
  neighbouring windows overlap by two, so no exact hash is sent by three accounts (no
  "signature template" breadth) while the accounts chain into one template family. Its CoT
  share starts low (4% on day one, 8% on day two), so only the template evidence can carry
  its harvesting family on day two;
* a **relay** that looks like it on the coordination side (seven one-account organizations,
  three shared cards, its own proxy prefixes) but sends ordinary, diverse, fresh prompts:
  concealment without harvesting, the reseller's shape;
* ordinary accounts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from factories import make_accounts, make_detection_requests
from worlds import replay_world

from flows.detection.replay import ReplayResult

START = date(2026, 3, 2)
DAYS = 3
PARAPHRASER = [f"para-{i}" for i in range(7)]
RELAY = [f"relay-{i}" for i in range(7)]
BENIGN = [f"acct-{i:02d}" for i in range(24)]
FAMILIES, VARIANTS, WINDOW, STEP = 5, 200, 6, 4
COT_BY_DAY = (0.04, 0.08, 0.3)


def _org(account: str) -> str:
    kind, number = account.split("-")
    return f"org-{number}" if kind == "acct" else f"{kind}-org-{number}"


def _requests(day: date, offset: int, accounts: list[str], n: int, seed: int, kind: str) -> pa.Table:
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(accounts), n)
    who = [accounts[i] for i in index]
    if kind == "paraphraser":
        family = rng.integers(0, FAMILIES, n)
        variant = index * STEP + rng.integers(0, WINDOW, n)
        templates = [f"tpl-f{f}-v{v}" for f, v in zip(family, variant, strict=True)]
        capability = ["reasoning" if x < 0.85 else "data_analysis" for x in rng.random(n)]
        prefixes = [f"45.9.{p}.0/24" for p in rng.integers(0, 12, n)]
        asn_type = ["proxy"] * n
        cot = (rng.random(n) < COT_BY_DAY[offset]).tolist()
        input_tokens, output_tokens = rng.integers(200, 600, n), rng.integers(1500, 3000, n)
    else:
        # ordinary prompts: mostly fresh, a few personal templates; diverse capabilities
        templates = [
            f"tpl-{a}-{t}" if x < 0.1 else f"tpl-u-{seed}-{i}"
            for i, (a, t, x) in enumerate(zip(who, rng.integers(0, 3, n), rng.random(n), strict=True))
        ]
        capability = [
            ("coding", "general_chat", "summarization", "creative_writing", "translation", "reasoning")[c]
            for c in rng.integers(0, 6, n)
        ]
        if kind == "relay":
            prefixes, asn_type = [f"46.1.{p}.0/24" for p in rng.integers(0, 12, n)], ["proxy"] * n
        else:
            prefixes, asn_type = [f"81.2.{int(a.split('-')[1])}.0/24" for a in who], ["isp"] * n
        cot = (rng.random(n) < 0.03).tolist()
        input_tokens, output_tokens = rng.integers(100, 3000, n), rng.integers(50, 1500, n)
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
    everyone = BENIGN + PARAPHRASER + RELAY
    shared = lambda a: not a.startswith("acct-")  # noqa: E731
    return make_accounts(
        len(everyone),
        overrides={
            "account_id": everyone,
            "organization_id": [_org(a) for a in everyone],
            "organization_name": [_org(a) for a in everyone],
            "created_at": [datetime(2025, 6, 1, tzinfo=UTC)] * len(everyone),
            "verification": ["email" if shared(a) else "phone" for a in everyone],
            "payment_fingerprint": [
                f"card-{a.split('-')[0]}-{int(a.split('-')[1]) % 3}" if shared(a) else f"pay-{_org(a)}"
                for a in everyone
            ],
            "email_domain": ["gmail.com" if shared(a) else f"{_org(a)}.example" for a in everyone],
        },
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplayResult]:

    def requests_of_day(day: date, offset: int) -> list[pa.Table]:
        return [
            _requests(day, offset, BENIGN, 1200, 10 + offset, "benign"),
            _requests(day, offset, PARAPHRASER, 700, 20 + offset, "paraphraser"),
            _requests(day, offset, RELAY, 700, 30 + offset, "relay"),
        ]

    yield replay_world(tmp_path_factory.mktemp("harvest-world"), START, DAYS, _accounts(), requests_of_day)


def _listed(result: ReplayResult, day: date) -> set[str]:
    with open(result.reports_dir / day.isoformat() / "campaign_accounts.csv", newline="") as f:
        return {row["account_id"] for row in csv.DictReader(f)}


def _signals(result: ReplayResult, day: date) -> dict[str, tuple[float | None, float]]:
    """The day's fct_campaign_signals of its one campaign: signal -> (value, points)."""
    with duckdb.connect(str(result.warehouse), read_only=True) as con:
        rows = con.execute(
            "select campaign_id, signal, value, points from fct_campaign_signals where activity_date = ?",
            [day],
        ).fetchall()
    assert len({r[0] for r in rows}) == 1, rows
    return {signal: (value, points) for _, signal, value, points in rows}


def test_no_exact_template_reaches_three_accounts_of_the_paraphraser() -> None:
    """The world is what it claims: the signature-template breadth cannot fire for it."""
    senders: dict[str, set[int]] = {}
    for i in range(len(PARAPHRASER)):
        for v in range(i * STEP, i * STEP + WINDOW):
            for f in range(FAMILIES):
                senders.setdefault(f"tpl-f{f}-v{v}", set()).add(i)
    assert max(len(s) for s in senders.values()) == 2


def test_the_paraphrasing_campaign_is_listed_by_its_second_day_and_the_relay_never(
    world: ReplayResult,
) -> None:
    for offset in range(DAYS):
        listed = _listed(world, START + timedelta(days=offset))
        assert not listed & set(RELAY + BENIGN)
        if offset >= 1:
            assert listed == set(PARAPHRASER)


def test_its_decision_reads_signal_by_signal_on_the_second_day(world: ReplayResult) -> None:
    """On day two CoT is still low: the template family and the private skeletons carry the
    harvesting family, each with its value, bar and points in fct_campaign_signals."""
    signals = _signals(world, START + timedelta(days=1))
    breadth, breadth_points = signals["template_breadth"]
    assert breadth is None and breadth_points == 0  # no exact hash sent by 3+ accounts
    family, family_points = signals["template_family_breadth"]
    assert family == pytest.approx(1.0) and family_points == 2
    private, private_points = signals["private_template_share"]
    assert private > 0.9 and private_points == 1
    cot, cot_points = signals["cot_elicitation_rate"]
    assert cot < 0.1 and cot_points == 0 and signals["cot_elicitation_elevated"][1] == 0
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        harvesting, coordination = con.execute(
            "select harvesting_points, coordination_points from fct_campaigns where activity_date = ?",
            [START + timedelta(days=1)],
        ).fetchone()
    assert harvesting >= 4 and coordination >= 4


def test_the_relay_has_the_coordination_but_not_the_harvesting(world: ReplayResult) -> None:
    """Concealment alone is not a campaign: the relay's ordinary, fresh prompts form no
    template family and almost no private traffic."""
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        (cluster_id,) = {
            row[0]
            for row in con.execute(
                "select cluster_id from int_detection_accounts_clustered where account_id like 'relay-%'"
            ).fetchall()
        }
        points = dict(
            con.execute(
                "select signal, points from int_detection_cluster_signal_points where cluster_id = ?",
                [cluster_id],
            ).fetchall()
        )
        harvesting, coordination, flagged = con.execute(
            "select harvesting_points, coordination_points, is_flagged from int_detection_clusters_scored"
            " where cluster_id = ?",
            [cluster_id],
        ).fetchone()
    assert coordination >= 4
    assert points["template_family_breadth"] == 0 and points["private_template_share"] == 0
    assert harvesting < 4 and not flagged
