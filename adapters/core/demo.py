"""`jobdeck demo`: every kind's simulators in-process, wired to real adapters. No network."""

from __future__ import annotations

import time
from dataclasses import dataclass

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.registry import ADAPTERS, adapter_class, demo_simulators
from jobdeck.adapters.simulation.server import Simulator

from .config import Config, parse_config
from .state import StateStore


@dataclass
class DemoWorld:
    config: Config
    sims: dict[str, Simulator]

    def adapters(self, state: StateStore | None = None) -> dict[str, Adapter]:
        adapters = {}
        for service in self.config.services:
            adapter = adapter_class(service.kind)(
                service, transport=self.sims[service.name].transport(), state=state)
            adapter.poll_deadline = service.poll_deadline or self.config.poll_deadline
            adapters[service.name] = adapter
        return adapters


# In the demo a render that stops moving is stalled after 30 s, not 30 minutes, so the attention
# view fills within a minute: a failed render, a stalled one, a stream that ended, a farm down.
DEMO_STALL_AFTER_MIN = 0.5


def build_demo(sims: dict[str, Simulator] | None = None, refresh: float = 2.0,
               stall_after: float = DEMO_STALL_AFTER_MIN, speed: float = 1.0) -> DemoWorld:
    """The demo's services, every kind's simulators from the registry unless given. At `speed`
    the simulators' time runs that many times faster (progress, outages, streams ending) and a
    render is stalled that much sooner: the whole story of the demo in a fraction of a minute."""
    sims = sims if sims is not None else demo_simulators()
    if speed != 1.0:
        start = time.monotonic()

        def fast() -> float:
            return start + (time.monotonic() - start) * speed

        for sim in sims.values():   # from now on: what the sims did so far keeps its times
            sim.clock = fast
        stall_after /= speed
    services = [sim.service_entry(name, f"http://{name}.sim") for name, sim in sims.items()]
    config = parse_config({"refresh": refresh, "stall_after": stall_after,
                           "services": services}, None, ADAPTERS)
    return DemoWorld(config=config, sims=sims)
