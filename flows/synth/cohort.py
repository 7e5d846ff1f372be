"""The two things every scenario builds: account rows and behaviour cohorts.

* `AccountRows` is one case's block of accounts as the accounts snapshot shows them (org,
  name, creation time, sign-up pathway, verification, billing country, payment fingerprint,
  e-mail domain) plus its ground-truth label. `AccountBook` collects all blocks, gives every
  account and organisation its global index and id, and builds the snapshot table.
* `Behaviour` is a table of per-account parameters (one array entry per account) that the
  engine (`flows.synth.engine`) turns into requests, day by day, fully vectorized. A
  `Cohort` ties a behaviour to global account indices. Several cohorts may share accounts
  (a proxy network's harvesting and relayed traffic; an eval company's steady load and its
  release-day burst): activity is decided per account and day by a hash, so accounts that
  are active in one cohort are active in all of them that day.

Keeping behaviour as arrays (not objects per account) is what lets one core generate
millions of requests a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from flows.contract import ACCOUNTS_SCHEMA, SIGNUP_PATHWAYS, VERIFICATIONS
from flows.synth.catalog import COUNTRY_CODES
from flows.synth.ids import hex_strings, key64, mix64

PATHWAY = {name: i for i, name in enumerate(SIGNUP_PATHWAYS)}
VERIFICATION = {name: i for i, name in enumerate(VERIFICATIONS)}


@dataclass
class AccountRows:
    """One case's accounts; `org` indexes `org_names` (local to the block)."""

    org: np.ndarray  # int64, local organisation index per account
    org_names: list[str]  # per local organisation
    created_us: np.ndarray  # int64 µs since epoch, UTC
    pathway: np.ndarray  # int8 index into SIGNUP_PATHWAYS
    verification: np.ndarray  # int8 index into VERIFICATIONS
    billing_country: np.ndarray  # int16 index into COUNTRIES
    payment: list[str | None]
    email_domain: list[str]
    kind: str  # ground-truth label kind
    case: str  # scenario case that made these accounts ("baseline" for ordinary traffic)
    campaign_id: str = ""

    def __len__(self) -> int:
        return int(self.org.shape[0])


@dataclass
class AccountBook:
    """All accounts of a generated world, in the order the cases were built."""

    seed: int
    blocks: list[AccountRows] = field(default_factory=list)
    _n_accounts: int = 0
    _n_orgs: int = 0
    _org_offsets: list[int] = field(default_factory=list)

    def add(self, rows: AccountRows) -> np.ndarray:
        """Register a block; returns the global account indices of its accounts."""
        first = self._n_accounts
        self.blocks.append(rows)
        self._org_offsets.append(self._n_orgs)
        self._n_accounts += len(rows)
        self._n_orgs += len(rows.org_names)
        return np.arange(first, self._n_accounts, dtype=np.int64)

    def __len__(self) -> int:
        return self._n_accounts

    def freeze(self) -> FrozenBook:
        acct_org = np.concatenate(
            [b.org + off for b, off in zip(self.blocks, self._org_offsets, strict=True)]
        )
        account_ids = hex_strings(
            "acct_", mix64(np.arange(self._n_accounts, dtype=np.uint64) ^ key64(self.seed, "acct"))
        )
        org_ids = hex_strings(
            "org_", mix64(np.arange(self._n_orgs, dtype=np.uint64) ^ key64(self.seed, "org"))
        )
        org_names = pa.array([name for b in self.blocks for name in b.org_names], pa.string())
        created = np.concatenate([b.created_us for b in self.blocks])
        table = pa.Table.from_arrays(
            [
                account_ids,
                org_ids.take(pa.array(acct_org)),
                org_names.take(pa.array(acct_org)),
                pa.array(created, pa.timestamp("us", tz="UTC")),
                pa.array(SIGNUP_PATHWAYS, pa.string()).take(
                    pa.array(np.concatenate([b.pathway for b in self.blocks]))
                ),
                pa.array(VERIFICATIONS, pa.string()).take(
                    pa.array(np.concatenate([b.verification for b in self.blocks]))
                ),
                pa.array(COUNTRY_CODES, pa.string()).take(
                    pa.array(np.concatenate([b.billing_country for b in self.blocks]))
                ),
                pa.array([p for b in self.blocks for p in b.payment], pa.string()),
                pa.array([d for b in self.blocks for d in b.email_domain], pa.string()),
            ],
            schema=ACCOUNTS_SCHEMA,
        )
        return FrozenBook(
            accounts=table,
            account_ids=account_ids,
            org_ids=org_ids,
            acct_org=acct_org,
            created_us=created,
            blocks=tuple(self.blocks),
        )


@dataclass(frozen=True)
class FrozenBook:
    """The finished account registry the engine and the writer read."""

    accounts: pa.Table  # ACCOUNTS_SCHEMA, one row per global account index
    account_ids: pa.StringArray
    org_ids: pa.StringArray
    acct_org: np.ndarray  # global org index per account
    created_us: np.ndarray
    blocks: tuple[AccountRows, ...]


# --- behaviour -------------------------------------------------------------------------


@dataclass(frozen=True)
class Diurnal:
    """Requests follow a local-time daily rhythm (`catalog.DIURNAL`) in the account's zone."""

    profile: np.ndarray  # int8 index into DIURNAL_NAMES, per account
    utc_offset_h: np.ndarray  # float per account


@dataclass(frozen=True)
class Synchronized:
    """All accounts of the cohort fire in the same short windows (scripted harvesting).

    Each day the operator's scheduler opens `windows_per_day` windows of `window_minutes`,
    spread over `span_hours` from `first_hour_utc`; every request falls into one of them.
    """

    windows_per_day: tuple[int, int]
    window_minutes: float
    first_hour_utc: float
    span_hours: float


@dataclass(frozen=True)
class AfterRelease:
    """Uniform over the day, but only after the new model's release on the release day."""


Timing = Diurnal | Synchronized | AfterRelease


@dataclass(frozen=True)
class SlotNetworks:
    """Each account has a few fixed networks (home, mobile, office, server) it picks from."""

    codes: np.ndarray  # (A, S) prefix codes
    entries: np.ndarray  # (A, S) network entry indices
    cdf: np.ndarray  # (A, S) cumulative pick probability


@dataclass(frozen=True)
class RotatingPool:
    """Requests exit through a pool of proxy / hosting prefixes whose live part moves daily.

    Campaign-wide (`per_account=False`): any request may use any of the `width` live
    prefixes. Per account: each account uses `width` prefixes of its own slice each day.
    """

    codes: np.ndarray  # (P,)
    entries: np.ndarray  # (P,)
    width: int
    daily_shift: int
    per_account: bool


Networks = SlotNetworks | RotatingPool


@dataclass(frozen=True)
class TemplateFamilies:
    """Paraphrased prompts: a template pool of `families` families with `variants` each.

    An account draws a family from its own window of `tpl_pool` families starting at
    `family_offset` (wrapping around), then a variant from its own window of `variant_width`
    variants starting at `variant_offset`. With many variants and narrow, scattered variant
    windows no exact template hash is sent by many accounts, although all of them send the
    same families. (Without this, `tpl_pool` indexes one flat pool of exact templates.)
    """

    families: int
    variants: int
    family_offset: np.ndarray  # uint64 per account
    variant_offset: np.ndarray  # uint64 per account
    variant_width: np.ndarray  # uint64 per account, 1..variants


@dataclass(frozen=True)
class Behaviour:
    """Per-account parameters (arrays of length A) plus a few cohort-wide ones."""

    # how many requests, which days
    rate: np.ndarray  # expected requests on an active weekday (ignored when balanced)
    p_active: np.ndarray  # chance the account is active on a given day
    first_day: np.ndarray  # first period day index it may be active (can be < 0)
    last_day: np.ndarray  # last period day index it may be active
    weekend_factor: np.ndarray
    day_weight: np.ndarray  # (days,) cohort multiplier per period day
    daily_noise_sigma: float  # log-normal day-to-day volume noise (ordinary users are bursty)
    balanced_volume: np.ndarray | None  # (days,) total per day split evenly ("load balancing")
    balance_jitter: float
    # when
    timing: Timing
    # what
    capability_cdf: np.ndarray  # (A, 14)
    cot_mult: np.ndarray
    cot_add: np.ndarray
    grader_mult: np.ndarray
    grader_add: np.ndarray
    tpl_fresh_p: np.ndarray  # chance a prompt has a never-seen skeleton
    tpl_salt: np.ndarray  # uint64: accounts with the same salt share template pools
    tpl_pool: np.ndarray  # size of the template pool
    tpl_skew: float  # >1 concentrates use on the first templates of a pool
    sys_p: np.ndarray
    sys_salt: np.ndarray
    sys_pool: np.ndarray
    in_mult: np.ndarray
    out_mult: np.ndarray
    thinking_p: np.ndarray
    thinking_mult: np.ndarray
    tools_mult: np.ndarray
    tools_add: np.ndarray  # extra tools offered on agentic / tool-use requests
    # how
    channel_cdf: np.ndarray  # (A, 4) over ACCESS_CHANNELS
    sdk_api: np.ndarray  # index into SDKS for api / batch requests
    sdk_cloud: np.ndarray  # index into SDKS for cloud_partner requests
    n_keys: np.ndarray
    networks: Networks
    # which model
    model_cdf: np.ndarray  # (A, existing models)
    adopt_delay_h: np.ndarray  # hours after the release before it uses the new model (inf: never)
    new_share: np.ndarray  # share of its requests on the new model once adopted
    status_p: np.ndarray  # (4,) over STATUSES
    # A campaign pauses between the release and its switch-over (it re-points its pipeline),
    # so its traffic after the release is on the new model from the first request.
    pause_until_adopted: bool = False
    # Randomized worlds only (None: as in the named scenarios, which keep their bytes).
    tpl_families: TemplateFamilies | None = None
    cot_day_add: np.ndarray | None = None  # (days,) added to the CoT chance on each day: drift
    grader_day_add: np.ndarray | None = None  # (days,) likewise for rubric grading


@dataclass(frozen=True)
class Cohort:
    name: str  # stable name: seeds its random stream
    accounts: np.ndarray  # global account indices, aligned with the behaviour arrays
    behaviour: Behaviour


def cdf_rows(weights: np.ndarray) -> np.ndarray:
    """Row-normalised cumulative weights, with the last column exactly 1."""
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum(axis=1, keepdims=True)
    cdf = np.cumsum(weights / np.where(total > 0, total, 1.0), axis=1)
    cdf[:, -1] = 1.0
    return cdf
