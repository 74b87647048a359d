"""Shared fixtures: simulators on real loopback HTTP, adapters wired to them, a quiet state dir."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from jobdeck.adapters.config import ServiceConfig
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simbase import SimServer

os.environ["TZ"] = "UTC"
time.tzset()
FIXED_EPOCH = 1_795_600_000.0  # 2026-11-25T09:46:40Z: the dates simulators report in tests


class FrozenClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _state_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JOBDECK_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("JOBDECK_CONFIG", raising=False)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sim(clock: FrozenClock) -> RenderbusSim:
    return RenderbusSim(clock=clock, epoch=FIXED_EPOCH)


@pytest.fixture
def server(sim: RenderbusSim) -> Iterator[SimServer]:
    with SimServer(sim) as running:
        yield running


def service_config(sim: RenderbusSim, base_url: str, name: str = "farm", **options) -> ServiceConfig:
    entry = sim.service_entry(name, base_url)
    return ServiceConfig(
        name=name, kind="renderbus", base_url=base_url,
        options={"access_id": entry["access_id"], "platform": 2, **options},
        secrets={"access_key": entry["access_key"]},
    )


@pytest.fixture
def adapter(sim: RenderbusSim, server: SimServer) -> Iterator[RenderbusAdapter]:
    yield RenderbusAdapter(service_config(sim, server.base_url, page_size=4))


def demo_app(*sims_by_name: tuple[str, RenderbusSim], refresh: float = 30.0, read_only=False,
             clock=None, state=None, wall=None):
    """The console on in-process simulators, with a frozen clock for ages when given one."""
    from jobdeck.adapters.files import StateStore
    from jobdeck.tui.app import JobdeckApp
    from jobdeck.tui.demo import build_demo

    world = build_demo(dict(sims_by_name), refresh=refresh)
    kwargs = {"clock": clock} if clock is not None else {}
    if wall is not None:
        kwargs["wall"] = wall
    return JobdeckApp(world.config, world.adapters(state or StateStore()), read_only=read_only,
                      state=state, **kwargs)
