"""Turn cohorts into one day of requests, vectorized, and the day's requests into Arrow parts.

`draw_cohort_day` works in numeric codes only (indices into the contract enums, 64-bit
hashes, prefix codes); strings are made once per output part in `to_table`, where the
ids are hex-formatted straight into Arrow buffers. One day is drawn whole, sorted by time
(so row order says nothing about who sent a row), then cut into parts of at most
`max_rows` rows and materialised part by part to bound memory.

Per request, in order: day volume per account (Poisson with day-to-day noise, or an even
split of a fixed volume for load-balanced campaigns), timestamp (local-time rhythm or
shared windows), capability, model (existing preference, then the new model after the
account's adoption delay), channel and SDK, API key, prompt template and system prompt,
CoT / grader classifier flags, token counts, tools, images, status, client network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa

from flows.contract import ACCESS_CHANNELS, ASN_TYPES, CAPABILITIES, REQUESTS_SCHEMA, STATUSES
from flows.synth.catalog import (
    CAP,
    COT_BASE,
    COUNTRY_CODES,
    DIURNAL,
    DIURNAL_NAMES,
    GRADER_BASE,
    IMAGE_P,
    INPUT_MEDIAN,
    OUTPUT_MEDIAN,
    SDKS,
    TOOLS_MEAN,
)
from flows.synth.cohort import (
    AfterRelease,
    Cohort,
    Diurnal,
    FrozenBook,
    RotatingPool,
    SlotNetworks,
    Synchronized,
    TemplateFamilies,
    cdf_rows,
)
from flows.synth.ids import hex_strings, key64, mix64, rng_for, unit_hash
from flows.synth.networks import NetworkArrays, format_prefixes
from flows.synth.releases import ModelLineup

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
CHANNEL = {name: i for i, name in enumerate(ACCESS_CHANNELS)}
STATUS = {name: i for i, name in enumerate(STATUSES)}
# Capabilities where agents are offered many tools (campaign `tools_add` applies to these).
AGENTIC_CAPS = np.isin(
    np.arange(len(CAPABILITIES)),
    [CAP["agentic_coding"], CAP["tool_use"], CAP["agentic_reasoning"], CAP["computer_use"]],
)
_DIURNAL_CDF = np.stack([np.cumsum(DIURNAL[n] / DIURNAL[n].sum()) for n in DIURNAL_NAMES])
_DIURNAL_CDF[:, -1] = 1.0
# Models without extended thinking never report thinking tokens.
NO_THINKING_MODELS = ("claude-3-5-haiku",)


@dataclass(frozen=True)
class World:
    """What every cohort's draw needs besides its own behaviour."""

    seed: int
    start: date
    days: int
    lineup: ModelLineup
    nets: NetworkArrays
    book: FrozenBook

    def day_start_us(self, day_index: int) -> int:
        day = self.start.toordinal() + day_index
        return int(datetime.fromordinal(day).replace(tzinfo=UTC).timestamp() * 1_000_000)

    def is_weekend(self, day_index: int) -> bool:
        return date.fromordinal(self.start.toordinal() + day_index).weekday() >= 5


@dataclass
class RequestCodes:
    """One batch of requests in numeric form (all arrays the same length)."""

    ts: np.ndarray  # int64 µs
    acct: np.ndarray  # int64 global account index
    key_slot: np.ndarray  # int8
    model: np.ndarray  # int8 index into lineup.names
    channel: np.ndarray  # int8
    cap: np.ndarray  # int8
    input_tokens: np.ndarray  # int64
    output_tokens: np.ndarray
    thinking_tokens: np.ndarray
    tools: np.ndarray  # int32
    images: np.ndarray  # int32
    cot: np.ndarray  # bool
    grader: np.ndarray  # bool
    tpl: np.ndarray  # uint64
    sys: np.ndarray  # uint64
    sys_valid: np.ndarray  # bool
    prefix: np.ndarray  # int64 prefix code
    entry: np.ndarray  # int32 network entry
    sdk: np.ndarray  # int16 index into SDKS
    status: np.ndarray  # int8

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def take(self, index: np.ndarray | slice) -> RequestCodes:
        return RequestCodes(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def reorder(self, order: np.ndarray) -> None:
        """Permute all columns in place, one at a time (peak memory: one extra column)."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name)[order])

    @staticmethod
    def concat(parts: list[RequestCodes]) -> RequestCodes:
        return RequestCodes(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(RequestCodes)}
        )


def categorical(cdf: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category per request from per-row cumulative probabilities.

    Column by column (K-1 gathers of one column each) rather than gathering whole rows,
    which would need an n x K temporary.
    """
    out = np.zeros(rows.shape[0], dtype=np.int8)
    columns = np.ascontiguousarray(cdf.T)
    for k in range(cdf.shape[1] - 1):
        out += u > columns[k][rows]
    return out


def _lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(median.shape[0]))


def _counts(
    cohort: Cohort, world: World, d: int, rng: np.random.Generator, activity_key: np.uint64
) -> np.ndarray:
    b = cohort.behaviour
    n = len(cohort.accounts)
    alive = (b.first_day <= d) & (d <= b.last_day)
    u = unit_hash(
        (cohort.accounts.astype(np.uint64) << np.uint64(20)) ^ np.uint64(d + (1 << 19)) ^ activity_key
    )
    active = alive & (u < b.p_active)
    if b.balanced_volume is not None:
        n_active = int(active.sum())
        if n_active == 0:
            return np.zeros(n, dtype=np.int64)
        share = b.balanced_volume[d] / n_active * (1.0 + b.balance_jitter * rng.standard_normal(n))
        share = np.maximum(share, 0.0)
        whole = np.floor(share)
        counts = whole + (rng.random(n) < share - whole)
        return np.where(active, counts, 0).astype(np.int64)
    weekday = b.weekend_factor if world.is_weekend(d) else 1.0
    sigma = b.daily_noise_sigma
    noise = np.exp(sigma * rng.standard_normal(n) - sigma * sigma / 2)
    lam = b.rate * weekday * b.day_weight[d] * noise
    return np.where(active, rng.poisson(lam), 0).astype(np.int64)


def _timestamps(
    cohort: Cohort, world: World, d: int, idx: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    n = len(idx)
    timing = cohort.behaviour.timing
    if isinstance(timing, Diurnal):
        profile = timing.profile[idx]
        hour = np.zeros(n, dtype=np.int64)
        u = rng.random(n)
        for p in np.unique(profile):
            mask = profile == p
            hour[mask] = np.searchsorted(_DIURNAL_CDF[p], u[mask], side="right")
        local_s = hour * 3600.0 + rng.random(n) * 3600.0
        sec = np.mod(local_s - timing.utc_offset_h[idx] * 3600.0, 86_400.0)
    elif isinstance(timing, Synchronized):
        k = int(rng.integers(timing.windows_per_day[0], timing.windows_per_day[1] + 1))
        first = (timing.first_hour_utc + rng.normal(0.0, 0.5)) * 3600.0
        starts = first + np.sort(rng.random(k)) * timing.span_hours * 3600.0
        sec = np.mod(starts[rng.integers(0, k, n)] + rng.random(n) * timing.window_minutes * 60.0, 86_400.0)
    elif isinstance(timing, AfterRelease):
        day_start = world.day_start_us(d)
        lo = (world.lineup.release_us - day_start) / 1e6 if d == world.lineup.release_day else 0.0
        lo = min(max(lo, 0.0), 86_399.0)
        sec = lo + rng.random(n) * (86_400.0 - lo)
    else:  # pragma: no cover - the Timing union is closed
        raise TypeError(timing)
    ts = world.day_start_us(d) + np.minimum((sec * 1e6).astype(np.int64), DAY_US - 1)
    # An account created today cannot have sent anything before it existed: squeeze those
    # requests into the rest of the day after its creation.
    created = world.book.created_us[cohort.accounts[idx]]
    day_start = world.day_start_us(d)
    early = ts < created
    if early.any():
        c = created[early]
        frac = (ts[early] - day_start) / DAY_US
        ts[early] = c + (frac * (day_start + DAY_US - c)).astype(np.int64)
    return ts


def _networks(
    cohort: Cohort, d: int, idx: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    nets = cohort.behaviour.networks
    n = len(idx)
    if isinstance(nets, SlotNetworks):
        slot = categorical(nets.cdf, idx, rng.random(n))
        return nets.codes[idx, slot], nets.entries[idx, slot]
    if isinstance(nets, RotatingPool):
        size = len(nets.codes)
        offset = d * nets.daily_shift + rng.integers(0, nets.width, n)
        if nets.per_account:
            # each account owns a pseudo-random slice of the pool, moving every day
            offset = offset + (mix64(cohort.accounts[idx].astype(np.uint64)) % np.uint64(size)).astype(
                np.int64
            )
        pick = np.mod(offset, size)
        return nets.codes[pick], nets.entries[pick]
    raise TypeError(nets)  # pragma: no cover


def _paraphrased(
    fam: TemplateFamilies, salt: np.ndarray, rank: np.ndarray, idx: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Template hash per request: the family from the account's family window, a variant from
    its variant window (see `TemplateFamilies`)."""
    family = (fam.family_offset[idx] + rank) % np.uint64(fam.families)
    variant = (
        fam.variant_offset[idx] + (fam.variant_width[idx] * rng.random(idx.shape[0])).astype(np.uint64)
    ) % np.uint64(fam.variants)
    return mix64(salt + (family << np.uint64(24)) + variant)


def draw_cohort_day(cohort: Cohort, world: World, d: int) -> RequestCodes | None:
    """All requests of one cohort on period day `d` (None when it sends nothing)."""
    b = cohort.behaviour
    rng = rng_for(world.seed, "cohort", cohort.name, d)
    counts = _counts(cohort, world, d, rng, key64(world.seed, "activity"))
    n = int(counts.sum())
    if n == 0:
        return None
    idx = np.repeat(np.arange(counts.shape[0]), counts)
    ts = _timestamps(cohort, world, d, idx, rng)
    adopted = ts >= world.lineup.release_us + b.adopt_delay_h[idx] * HOUR_US
    if b.pause_until_adopted:
        keep = adopted | (ts < world.lineup.release_us)
        idx, ts, adopted = idx[keep], ts[keep], adopted[keep]
        n = int(idx.shape[0])
        if n == 0:
            return None

    cap = categorical(b.capability_cdf, idx, rng.random(n))
    cap_i = cap.astype(np.int64)

    model = categorical(b.model_cdf, idx, rng.random(n))
    model = np.where(adopted & (rng.random(n) < b.new_share[idx]), np.int8(world.lineup.new_code), model)

    channel = categorical(b.channel_cdf, idx, rng.random(n))
    sdk = np.where(channel == CHANNEL["cloud_partner"], b.sdk_cloud[idx], b.sdk_api[idx]).astype(np.int16)
    sdk[channel == CHANNEL["console"]] = 0  # the console is a web app: no client library string
    key_slot = (b.n_keys[idx] * rng.random(n) ** 2).astype(np.int8)

    fresh = rng.random(n) < b.tpl_fresh_p[idx]
    rank = (b.tpl_pool[idx] * rng.random(n) ** b.tpl_skew).astype(np.uint64)
    if b.tpl_families is None:
        pooled = mix64(b.tpl_salt[idx] + rank)
    else:
        pooled = _paraphrased(b.tpl_families, b.tpl_salt[idx], rank, idx, rng)
    tpl = np.where(fresh, rng.bit_generator.random_raw(n), pooled)
    sys_valid = rng.random(n) < b.sys_p[idx]
    sys = mix64(b.sys_salt[idx] + (b.sys_pool[idx] * rng.random(n) ** 2).astype(np.uint64))

    cot_p = COT_BASE[cap_i] * b.cot_mult[idx] + b.cot_add[idx]
    grader_p = GRADER_BASE[cap_i] * b.grader_mult[idx] + b.grader_add[idx]
    if b.cot_day_add is not None:
        cot_p = cot_p + b.cot_day_add[d]
    if b.grader_day_add is not None:
        grader_p = grader_p + b.grader_day_add[d]
    cot = rng.random(n) < cot_p
    grader = rng.random(n) < grader_p

    input_tokens = np.rint(_lognormal(rng, INPUT_MEDIAN[cap_i] * b.in_mult[idx], 0.9)) + 8
    out_median = OUTPUT_MEDIAN[cap_i] * b.out_mult[idx] * np.where(cot, 1.6, 1.0)
    output_tokens = np.clip(np.rint(_lognormal(rng, out_median, 0.75)), 1, 32_000)
    thinks = rng.random(n) < b.thinking_p[idx]
    for name in NO_THINKING_MODELS:
        if name in world.lineup.names:
            thinks &= model != world.lineup.names.index(name)
    thinking = np.where(
        thinks, np.clip(np.rint(_lognormal(rng, 1_200.0 * b.thinking_mult[idx], 0.8)), 1, 64_000), 0
    )
    tools_mean = TOOLS_MEAN[cap_i] * b.tools_mult[idx] + np.where(AGENTIC_CAPS[cap_i], b.tools_add[idx], 0.0)
    tools = rng.poisson(tools_mean).astype(np.int32)
    images = np.where(rng.random(n) < IMAGE_P[cap_i], 1 + rng.poisson(0.5, n), 0).astype(np.int32)

    status = categorical(cdf_rows(b.status_p[None, :]), np.zeros(n, dtype=np.int64), rng.random(n))
    # refusals are short; errors and rate-limited requests produce no completion at all
    refused = status == STATUS["refused"]
    output_tokens = np.where(refused, rng.integers(8, 90, n), output_tokens)
    no_output = (status == STATUS["error"]) | (status == STATUS["rate_limited"])
    output_tokens = np.where(no_output, 0, output_tokens)
    thinking = np.where(no_output | refused, 0, thinking)

    prefix, entry = _networks(cohort, d, idx, rng)
    return RequestCodes(
        ts=ts,
        acct=cohort.accounts[idx],
        key_slot=key_slot,
        model=model.astype(np.int8),
        channel=channel,
        cap=cap,
        input_tokens=np.minimum(input_tokens, 190_000).astype(np.int64),
        output_tokens=output_tokens.astype(np.int64),
        thinking_tokens=thinking.astype(np.int64),
        tools=tools,
        images=images,
        cot=cot,
        grader=grader,
        tpl=tpl,
        sys=sys,
        sys_valid=sys_valid,
        prefix=prefix.astype(np.int64),
        entry=entry.astype(np.int32),
        sdk=sdk,
        status=status,
    )


def draw_day(cohorts: list[Cohort], world: World, d: int) -> RequestCodes | None:
    """All cohorts' requests of day `d`, sorted by time (ties keep cohort order: stable)."""
    parts = [codes for c in cohorts if (codes := draw_cohort_day(c, world, d)) is not None]
    if not parts:
        return None
    day = RequestCodes.concat(parts)
    parts.clear()
    day.reorder(np.argsort(day.ts, kind="stable"))
    return day


_STRINGS = {
    "model": None,  # per world: lineup names
    "channel": pa.array(ACCESS_CHANNELS, pa.string()),
    "cap": pa.array(CAPABILITIES, pa.string()),
    "status": pa.array(STATUSES, pa.string()),
    "asn_type": pa.array(ASN_TYPES, pa.string()),
    "country": pa.array(COUNTRY_CODES, pa.string()),
    "sdk": pa.array(SDKS, pa.string()),
}


def to_table(codes: RequestCodes, world: World, d: int, first_seq: int) -> pa.Table:
    """Materialise requests as a contract table; `first_seq` numbers them within the day."""
    n = len(codes)
    book = world.book
    seq = np.arange(first_seq, first_seq + n, dtype=np.uint64)
    ordinal = np.uint64(world.start.toordinal() + d)
    # (date ordinal, sequence) -> a bijective mix: unique across all dates, no visible order
    request_ids = hex_strings(
        "req_", mix64(((ordinal << np.uint64(40)) | seq) ^ key64(world.seed, "request"))
    )
    key_ids = hex_strings(
        "key_",
        mix64(
            ((codes.acct.astype(np.uint64) << np.uint64(3)) | codes.key_slot.astype(np.uint64))
            ^ key64(world.seed, "api-key")
        ),
    )
    unique_prefixes, prefix_index = np.unique(codes.prefix, return_inverse=True)
    acct = pa.array(codes.acct)
    columns = [
        request_ids,
        pa.array(codes.ts, pa.timestamp("us", tz="UTC")),
        book.account_ids.take(acct),
        book.org_ids.take(pa.array(book.acct_org[codes.acct])),
        key_ids,
        pa.array(world.lineup.names, pa.string()).take(pa.array(codes.model)),
        _STRINGS["channel"].take(pa.array(codes.channel)),
        _STRINGS["cap"].take(pa.array(codes.cap)),
        pa.array(codes.input_tokens, pa.int64()),
        pa.array(codes.output_tokens, pa.int64()),
        pa.array(codes.thinking_tokens, pa.int64()),
        pa.array(codes.tools, pa.int32()),
        pa.array(codes.images, pa.int32()),
        pa.array(codes.cot, pa.bool_()),
        pa.array(codes.grader, pa.bool_()),
        hex_strings("", codes.tpl),
        hex_strings("", codes.sys, codes.sys_valid),
        pa.array(format_prefixes(unique_prefixes), pa.string()).take(pa.array(prefix_index)),
        pa.array(world.nets.asn[codes.entry], pa.int64()),
        _STRINGS["asn_type"].take(pa.array(world.nets.kind[codes.entry])),
        _STRINGS["country"].take(pa.array(world.nets.country[codes.entry])),
        _STRINGS["sdk"].take(pa.array(codes.sdk)),
        _STRINGS["status"].take(pa.array(codes.status)),
    ]
    return pa.Table.from_arrays(columns, schema=REQUESTS_SCHEMA)


def day_parts(codes: RequestCodes | None, world: World, d: int, max_rows: int) -> Iterator[pa.Table]:
    """The day's request parts, materialised lazily (at least one part, maybe empty)."""
    if codes is None or len(codes) == 0:
        yield REQUESTS_SCHEMA.empty_table()
        return
    for first in range(0, len(codes), max_rows):
        yield to_table(codes.take(slice(first, first + max_rows)), world, d, first)
