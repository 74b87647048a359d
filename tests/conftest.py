"""Fixtures every layer uses: a quiet state dir, a frozen clock, a Renderbus simulator on real
loopback HTTP. Plain helpers live in tests/support/."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FIXED_EPOCH, FrozenClock

os.environ["TZ"] = "UTC"
time.tzset()


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
