"""Small hand-made export tables for tests: valid by default, every column overridable.

`make_requests` / `make_accounts` build contract-typed Arrow tables with a handful of accounts
and organizations, deterministic for a given seed. Tests that need a specific shape pass
`overrides` (column name → list of values) to replace whole columns.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyarrow as pa

from flows.contract import ACCOUNTS_SCHEMA, CAPABILITIES, REQUESTS_SCHEMA


def make_requests(
    n: int,
    day: date,
    *,
    accounts: int = 6,
    seed: int = 0,
    id_prefix: str | None = None,
    overrides: dict[str, list[Any]] | None = None,
) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    acct = rng.integers(0, accounts, n)
    prefix = id_prefix or f"r{day:%Y%m%d}"
    columns: dict[str, list[Any]] = {
        "request_id": [f"{prefix}-{i:07d}" for i in range(n)],
        "ts": [start + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 86_400, n))],
        "account_id": [f"acct-{a:04d}" for a in acct],
        "organization_id": [f"org-{a // 2:04d}" for a in acct],
        "api_key_id": [f"key-{a:04d}" for a in acct],
        "model": ["claude-opus-4-5" if x < 0.7 else "claude-sonnet-4-5" for x in rng.random(n)],
        "access_channel": ["api"] * n,
        "capability": [CAPABILITIES[i] for i in rng.integers(0, 8, n)],
        "input_tokens": rng.integers(50, 4_000, n).tolist(),
        "output_tokens": rng.integers(10, 2_000, n).tolist(),
        "thinking_tokens": rng.integers(0, 1_000, n).tolist(),
        "tool_count": rng.integers(0, 3, n).astype("int32").tolist(),
        "image_count": [0] * n,
        "cot_elicitation": (rng.random(n) < 0.05).tolist(),
        "grader_prompt": (rng.random(n) < 0.01).tolist(),
        "prompt_template_hash": [f"tpl-{t:05d}" for t in rng.integers(0, max(n, 1), n)],
        "system_prompt_hash": [None if x < 0.5 else "sys-0001" for x in rng.random(n)],
        "ip_prefix": [f"198.51.{a}.0/24" for a in acct],
        "asn": [64_500 + int(a) for a in acct],
        "asn_type": ["isp"] * n,
        "ip_country": ["US"] * n,
        "sdk": ["anthropic-python/0.42.0"] * n,
        "status": ["ok"] * n,
    }
    columns.update(overrides or {})
    return pa.Table.from_pydict(columns, schema=REQUESTS_SCHEMA)


def make_accounts(
    accounts: int = 6,
    *,
    created: date | None = None,
    overrides: dict[str, list[Any]] | None = None,
) -> pa.Table:
    created_at = datetime(*(created or date(2026, 1, 1)).timetuple()[:3], tzinfo=timezone.utc)
    columns: dict[str, list[Any]] = {
        "account_id": [f"acct-{a:04d}" for a in range(accounts)],
        "organization_id": [f"org-{a // 2:04d}" for a in range(accounts)],
        "organization_name": [f"Organization {a // 2}" for a in range(accounts)],
        "created_at": [created_at] * accounts,
        "signup_pathway": ["standard"] * accounts,
        "verification": ["email"] * accounts,
        "billing_country": ["US"] * accounts,
        "payment_fingerprint": [f"pay-{a // 2:04d}" for a in range(accounts)],
        "email_domain": [f"org{a // 2}.example" for a in range(accounts)],
    }
    columns.update(overrides or {})
    return pa.Table.from_pydict(columns, schema=ACCOUNTS_SCHEMA)
