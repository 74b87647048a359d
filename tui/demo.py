"""`jobdeck demo`: every kind's simulator in-process, wired to real adapters. No network."""

from __future__ import annotations

from dataclasses import dataclass

from jobdeck.adapters.base import Adapter
from jobdeck.adapters.config import Config, parse_config
from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.files import StateStore
from jobdeck.adapters.finalrip.sim import FinalRipSim
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.registry import adapter_class
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simbase import Simulator


@dataclass
class DemoWorld:
    config: Config
    sims: dict[str, Simulator]

    def adapters(self, state: StateStore | None = None) -> dict[str, Adapter]:
        return {
            service.name: adapter_class(service.kind)(
                service, transport=self.sims[service.name].transport(), state=state)
            for service in self.config.services
        }


def demo_sims() -> dict[str, Simulator]:
    """The demo's services: a busy farm, a second one that drops out now and then, an encoder,
    a template renderer, an image queue and a live-stream server."""
    flaky = RenderbusSim(seed=11, user="la-render", scenario="empty")
    flaky.add_task(7712, "promo_spot_v3.ma", 5, frames=120, done=40, fails=2, age_s=9000)
    flaky.add_task(7713, "promo_spot_v3_alt.ma", 0, frames=120, start_after=30, age_s=800)
    flaky.add_task(7690, "logo_sting.aep", 25, frames=75, done=75, age_s=70000)
    flaky.outage = (75.0, 20.0)
    return {"sh-farm": RenderbusSim(seed=7), "la-farm": flaky, "encoder": FinalRipSim(),
            "promo-videos": EvaSim(), "photo-fix": EnhanceSim(), "live": NtvSim()}


def build_demo(sims: dict[str, Simulator] | None = None, refresh: float = 2.0) -> DemoWorld:
    sims = sims if sims is not None else demo_sims()
    services = [sim.service_entry(name, f"http://{name}.sim") for name, sim in sims.items()]
    config = parse_config({"refresh": refresh, "services": services}, None)
    return DemoWorld(config=config, sims=sims)
