"""Deterministic randomness and identifier strings for the generator.

Two rules keep the output byte-identical for a seed:

* every random draw comes from a generator named by its purpose (`rng_for(seed, "cohort",
  name, day)`), never from one shared stream, so adding a cohort or a day does not shift the
  draws of the others;
* identifiers are a bijective 64-bit mix (splitmix64's finaliser) of a counter, so they look
  random, never collide, and carry no hint of the behaviour behind them (a campaign account's
  id is drawn exactly like an ordinary one).

Identifier strings are built column-wise into Arrow buffers: formatting millions of ids with
Python f-strings would dominate the generation time.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xBF58476D1CE4E5B9)
_C3 = np.uint64(0x94D049BB133111EB)


def _name_code(part: str | int) -> int:
    """A stable 32-bit code for one part of a stream name (crc32 is stable across runs)."""
    if isinstance(part, str):
        return zlib.crc32(part.encode("utf-8"))
    return int(part) & 0xFFFFFFFF


def rng_for(seed: int, *name: str | int) -> np.random.Generator:
    """The random generator for one purpose, e.g. `rng_for(seed, "cohort", "enterprise", 3)`."""
    entropy = [int(seed) & 0xFFFFFFFF, (int(seed) >> 32) & 0xFFFFFFFF, *map(_name_code, name)]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def key64(seed: int, *name: str | int) -> np.uint64:
    """A 64-bit key for one purpose (used to salt ids so two purposes never share a space)."""
    return np.uint64(rng_for(seed, "key", *name).integers(0, 2**63, dtype=np.uint64))


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64 (distinct inputs give distinct outputs)."""
    z = np.asarray(values, dtype=np.uint64) + _C1
    z = (z ^ (z >> np.uint64(30))) * _C2
    z = (z ^ (z >> np.uint64(27))) * _C3
    return z ^ (z >> np.uint64(31))


def unit_hash(values: np.ndarray) -> np.ndarray:
    """A uniform float in [0, 1) per input, a pure function of the input."""
    return (mix64(values) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def hex_strings(prefix: str, values: np.ndarray, valid: np.ndarray | None = None) -> pa.StringArray:
    """`prefix` + 16 lowercase hex digits per value, as an Arrow string array (vectorized).

    `valid` (bool per value) marks the non-null entries; null entries take no bytes.
    """
    values = np.asarray(values, dtype=np.uint64)
    n = len(values)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    width = head.shape[0] + 16
    chars = np.empty((n, width), dtype=np.uint8)
    chars[:, : head.shape[0]] = head
    # big-endian bytes -> two hex digits each (uint8 temporaries only: n x 8 bytes)
    raw = values.astype(">u8").view(np.uint8).reshape(n, 8)
    digits = chars[:, head.shape[0] :]
    digits[:, 0::2] = _HEX[raw >> 4]
    digits[:, 1::2] = _HEX[raw & 0xF]
    if valid is None:
        offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.ravel()))
    valid = np.asarray(valid, dtype=bool)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.where(valid, width, 0), out=offsets[1:])
    bitmap = np.packbits(valid, bitorder="little")
    return pa.StringArray.from_buffers(
        n,
        pa.py_buffer(offsets),
        pa.py_buffer(chars[valid].ravel()),
        pa.py_buffer(bitmap),
        null_count=int(n - valid.sum()),
    )


def hex_digest(rng: np.random.Generator, n: int) -> list[str]:
    """`n` random 32-hex-digit strings (payment fingerprints and the like; small n only)."""
    words = rng.integers(0, 2**63, size=(n, 2), dtype=np.uint64)
    return [f"{int(a):016x}{int(b):016x}" for a, b in words]
