"""Adapters against their simulators over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.renderbus import service_config


@pytest.fixture
def adapter(sim: RenderbusSim, server: SimServer) -> Iterator[RenderbusAdapter]:
    yield RenderbusAdapter(service_config(sim, server.base_url, page_size=4))
