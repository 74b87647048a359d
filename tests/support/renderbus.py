"""A Renderbus simulator and the service entry that reaches it."""

from __future__ import annotations

from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.renderbus.sim import RenderbusSim

from .clock import FIXED_EPOCH, FrozenClock


def farm(clock: FrozenClock | None = None) -> RenderbusSim:
    return RenderbusSim(clock=clock or FrozenClock(), epoch=FIXED_EPOCH)


def service_config(sim: RenderbusSim, base_url: str, name: str = "farm", **options) -> ServiceConfig:
    entry = sim.service_entry(name, base_url)
    return ServiceConfig(
        name=name, kind="renderbus", base_url=base_url,
        options={"access_id": entry["access_id"], "platform": 2, "api_version": "auto",
                 **options},
        secrets={"access_key": entry["access_key"]},
    )
