"""Adapters made from the config, polled together, and the wait after failures: what the
console, `watch` and the one-shot commands share about talking to the services."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.model import ServiceSnapshot
from jobdeck.adapters.contract.registry import adapter_class

from .config import Config
from .state import StateStore

BACKOFF_FIRST_S, BACKOFF_CAP_S = 2.0, 30.0


def make_adapters(config: Config, names: Sequence[str] | None = None,
                  state: StateStore | None = None) -> dict[str, Adapter]:
    wanted = [config.service(n) for n in names] if names else config.services
    state = state or StateStore()
    adapters = {}
    for service in wanted:
        adapter = adapter_class(service.kind)(service, state=state)
        adapter.poll_deadline = service.poll_deadline or config.poll_deadline
        adapter.http.max_reply_bytes = int((service.max_reply_mb or config.max_reply_mb)
                                           * 1024 * 1024)
        adapters[service.name] = adapter
    return adapters


async def poll_all(adapters: dict[str, Adapter]) -> list[ServiceSnapshot]:
    """Every service at once: the slowest bounds the wait (its own poll deadline), and a slow
    one never holds another back."""
    try:
        return list(await asyncio.gather(*(a.poll() for a in adapters.values())))
    finally:
        await asyncio.gather(*(a.close() for a in adapters.values()), return_exceptions=True)


def backoff(failures: int, interval: float, jitter: Callable[[], float] = random.random,
            first: float = BACKOFF_FIRST_S, cap: float = BACKOFF_CAP_S) -> float:
    """Seconds until the next try after `failures` failed polls in a row (0: the interval)."""
    if failures <= 0:
        return interval
    delay = min(cap, first * 2 ** (failures - 1))
    return max(interval, delay * (0.8 + 0.4 * jitter()))
