"""Prefect's APIs that are both sync and async (`async_dispatch`: `Block.load`,
`Flow.to_deployment`, ...) are typed as returning the value or a coroutine. Called from
synchronous code, as everywhere in this project, they return the value: `resolved` says so to
the type checker and fails loudly if one is ever called inside an event loop."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def resolved(value: T | Coroutine[Any, Any, T]) -> T:
    """`value` itself; a coroutine (the call was made inside an event loop) is an error."""
    if isinstance(value, Coroutine):
        value.close()
        raise TypeError("a Prefect sync/async API returned a coroutine: call its async variant instead")
    return value
