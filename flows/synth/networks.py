"""Client networks: autonomous systems, their address blocks, and prefixes drawn from them.

Model: every network entry is one ASN in one country of one kind (`isp`, `mobile`, `hosting`,
`proxy`, `education`, `business`) that owns a contiguous block of IPv4 /24s and, for
consumer and hosting networks, an IPv6 /32 from which /48s are cut. A prefix therefore
always maps to the same ASN, kind and country, as it would in a real geolocation feed.

* Ordinary users sit on their country's ISPs and mobile carriers; companies add an office
  line (a shared `business` network, or their own AS when large); a few run their apps on
  `hosting` providers.
* Hosting providers and residential-proxy services are global: one ASN number announced
  from many countries.
* Campus networks (`education`) and large enterprises' own ASes are created on demand by
  the hard cases.

ASN numbers come from the private-use range 4200000000-4294967294 and address blocks are
drawn at random from public-looking IPv4 space (reserved, private and documentation /8s are
skipped); they are synthetic and do not describe real networks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flows.contract import ASN_TYPES
from flows.synth.catalog import COUNTRIES, COUNTRY_INDEX

KIND = {name: i for i, name in enumerate(ASN_TYPES)}
V6_FLAG = np.int64(1 << 62)
_PRIVATE_ASN_BASE = 4_200_000_000
# First octets never used: 0, 10 (private), 100 (shared CGNAT), 127, 169, 172, 192, 198, 203
# (private / link-local / documentation ranges live there) and multicast / reserved 224+.
_SKIPPED_FIRST_OCTETS = {0, 10, 100, 127, 169, 172, 192, 198, 203}
_USABLE_FIRST_OCTETS = tuple(o for o in range(1, 224) if o not in _SKIPPED_FIRST_OCTETS)

BLOCK_SIZES = {  # /24s per network entry
    "isp": 4096,
    "mobile": 2048,
    "business": 1024,
    "hosting": 1024,
    "proxy": 2048,
    "education": 64,
}
HOSTING_PROVIDERS = 8
HOSTING_REGIONS = ("US", "DE", "GB", "NL", "IE", "FR", "SG", "JP", "IN", "BR", "AU", "CA")
PROXY_PROVIDERS = 6


@dataclass
class NetworkTable:
    """All network entries of one generated world (append-only while the world is built)."""

    rng: np.random.Generator
    asn: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    country: list[int] = field(default_factory=list)
    v4_base: list[int] = field(default_factory=list)
    v4_size: list[int] = field(default_factory=list)
    v6_base: list[int] = field(default_factory=list)  # 0: no IPv6
    _octets: list[int] = field(default_factory=list)
    _cursor: int = 0
    _used_asns: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._octets = [int(o) for o in self.rng.permutation(_USABLE_FIRST_OCTETS)]

    def new_asn_number(self) -> int:
        while True:
            number = _PRIVATE_ASN_BASE + int(self.rng.integers(0, 94_967_294))
            if number not in self._used_asns:
                self._used_asns.add(number)
                return number

    def add(self, kind: str, country: str, *, asn: int | None = None, size: int | None = None) -> int:
        """Register one network entry and return its index."""
        size = size or BLOCK_SIZES[kind]
        slash8 = self._cursor >> 16
        if (self._cursor & 0xFFFF) + size > 0x10000:  # keep a block inside one usable /8
            slash8 += 1
            self._cursor = slash8 << 16
        base = (self._octets[slash8] << 16) | (self._cursor & 0xFFFF)
        self._cursor += size
        has_v6 = kind in ("isp", "mobile", "hosting")
        v6 = (
            (int(self.rng.integers(0x2400, 0x2C00)) << 16 | int(self.rng.integers(0, 0x10000)))
            if has_v6
            else 0
        )
        self.asn.append(asn if asn is not None else self.new_asn_number())
        self.kind.append(KIND[kind])
        self.country.append(COUNTRY_INDEX[country])
        self.v4_base.append(base)
        self.v4_size.append(size)
        self.v6_base.append(v6)
        return len(self.asn) - 1

    def arrays(self) -> NetworkArrays:
        return NetworkArrays(
            asn=np.array(self.asn, dtype=np.int64),
            kind=np.array(self.kind, dtype=np.int8),
            country=np.array(self.country, dtype=np.int16),
            v4_base=np.array(self.v4_base, dtype=np.int64),
            v4_size=np.array(self.v4_size, dtype=np.int64),
            v6_base=np.array(self.v6_base, dtype=np.int64),
        )


@dataclass(frozen=True)
class NetworkArrays:
    """Read-only numpy view of a finished `NetworkTable` (indexed by entry)."""

    asn: np.ndarray
    kind: np.ndarray
    country: np.ndarray
    v4_base: np.ndarray
    v4_size: np.ndarray
    v6_base: np.ndarray


@dataclass(frozen=True)
class StandardNetworks:
    """Entry indices of the networks every world has, by kind and country index."""

    isp: dict[int, np.ndarray]
    mobile: dict[int, np.ndarray]
    business: dict[int, np.ndarray]
    hosting: np.ndarray  # all regions of all providers
    hosting_country: np.ndarray  # country index of each hosting entry
    proxy: np.ndarray
    proxy_country: np.ndarray


def build_standard_networks(table: NetworkTable) -> StandardNetworks:
    """ISPs, carriers and business lines per country; global hosting and proxy providers."""
    rng = table.rng
    isp: dict[int, np.ndarray] = {}
    mobile: dict[int, np.ndarray] = {}
    business: dict[int, np.ndarray] = {}
    for country in COUNTRIES:
        ci = COUNTRY_INDEX[country.code]
        isp[ci] = np.array([table.add("isp", country.code) for _ in range(int(rng.integers(3, 6)))])
        mobile[ci] = np.array([table.add("mobile", country.code) for _ in range(int(rng.integers(2, 4)))])
        business[ci] = np.array([table.add("business", country.code) for _ in range(2)])
    hosting: list[int] = []
    for _ in range(HOSTING_PROVIDERS):
        number = table.new_asn_number()
        regions = rng.choice(
            HOSTING_REGIONS, size=int(rng.integers(4, len(HOSTING_REGIONS) + 1)), replace=False
        )
        hosting += [table.add("hosting", str(code), asn=number) for code in sorted(regions)]
    proxy: list[int] = []
    for _ in range(PROXY_PROVIDERS):
        number = table.new_asn_number()
        proxy += [table.add("proxy", c.code, asn=number) for c in COUNTRIES]
    hosting_arr = np.array(hosting)
    proxy_arr = np.array(proxy)
    country_of = np.array(table.country)
    return StandardNetworks(
        isp=isp,
        mobile=mobile,
        business=business,
        hosting=hosting_arr,
        hosting_country=country_of[hosting_arr],
        proxy=proxy_arr,
        proxy_country=country_of[proxy_arr],
    )


def draw_prefixes(
    rng: np.random.Generator, nets: NetworkArrays, entries: np.ndarray, v6_share: float = 0.0
) -> np.ndarray:
    """One prefix code per entry index: a random /24 of its block, or a /48 of its /32."""
    entries = np.asarray(entries, dtype=np.int64)
    v4 = nets.v4_base[entries] + rng.integers(0, nets.v4_size[entries])
    use_v6 = (nets.v6_base[entries] != 0) & (rng.random(entries.shape[0]) < v6_share)
    # the third group of a /48 is never 0, so the text form is canonical without "::" folding
    v6 = V6_FLAG | (nets.v6_base[entries] << 16) | rng.integers(1, 0x10000, entries.shape[0])
    return np.where(use_v6, v6, v4)


def pick_in_country(
    rng: np.random.Generator, by_country: dict[int, np.ndarray], countries: np.ndarray
) -> np.ndarray:
    """For each country index, a random network entry of that country (vectorized per country)."""
    out = np.empty(countries.shape[0], dtype=np.int64)
    for ci in np.unique(countries):
        mask = countries == ci
        options = by_country[int(ci)]
        out[mask] = options[rng.integers(0, options.shape[0], int(mask.sum()))]
    return out


def pick_near(
    rng: np.random.Generator,
    entries: np.ndarray,
    entry_country: np.ndarray,
    countries: np.ndarray,
    local_p: float,
) -> np.ndarray:
    """For each country, an entry in that country when there is one (with probability
    `local_p`), else any entry: hosting regions and proxy exits are chosen near the user."""
    out = entries[rng.integers(0, entries.shape[0], countries.shape[0])]
    want_local = rng.random(countries.shape[0]) < local_p
    for ci in np.unique(countries[want_local]):
        options = entries[entry_country == ci]
        if options.shape[0]:
            mask = want_local & (countries == ci)
            out[mask] = options[rng.integers(0, options.shape[0], int(mask.sum()))]
    return out


def format_prefixes(codes: np.ndarray) -> list[str]:
    """Text form of prefix codes: `a.b.c.0/24` or `gggg:gggg:gggg::/48`."""
    out: list[str] = []
    for code in codes.tolist():
        if code & int(V6_FLAG):
            g = code & ((1 << 48) - 1)
            out.append(f"{g >> 32:x}:{(g >> 16) & 0xFFFF:x}:{g & 0xFFFF:x}::/48")
        else:
            out.append(f"{code >> 16}.{(code >> 8) & 0xFF}.{code & 0xFF}.0/24")
    return out
