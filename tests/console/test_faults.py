"""Bad days, kinds x faults: one service misbehaves in every way a simulator can (simbase's
faults), and the console stays whole. Asserted for each pair: the other service keeps updating;
the faulty pane is marked stale with a reason within one interval plus the poll deadline; it
recovers by itself once the fault clears; no traceback, no secret; an action sent during the
fault went out at most once."""

from __future__ import annotations

import time

import pytest

from jobdeck.adapters.contract.registry import PACKAGES, simulators_of
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import FAULTS, Fault
from tests.support.console import demo_app, settle, started

INTERVAL, DEADLINE = 0.3, 1.0
# An action of each kind, its target in the kind's demo simulator, and the request it makes.
ACTIONS = {
    "renderbus": ("stop", ["19088"], "/api/render/task/stopTask"),
    "finalrip": ("retry_merge", ["Roshidere-08.mkv"], "/api/v1/task/retry/merge"),
    "enhance": ("delete", None, "/deletetask"),
    "ntv": ("close_stream", ["live/live2"], "close_active_stream"),
    "nginx-rtmp": ("close_stream", ["0:live/cam1"], "/control/drop/publisher"),
}


def faulty_sim(kind: str):
    if kind == "renderbus":
        return RenderbusSim()   # the demo's other farm has a timed outage of its own
    return next(iter(simulators_of(kind).values()))


async def wait_for(pilot, check, seconds: float) -> float:
    started_at = time.monotonic()
    while time.monotonic() - started_at < seconds:
        if check():
            return time.monotonic() - started_at
        await pilot.pause(0.05)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", list(PACKAGES))
async def test_a_faulty_service_goes_stale_alone_and_recovers_alone(kind, fault):
    sim, steady = faulty_sim(kind), RenderbusSim()
    app = demo_app(("faulty", sim), ("steady", steady), refresh=INTERVAL)
    for adapter in app.adapters.values():
        adapter.poll_deadline = adapter.action_deadline = DEADLINE
    app.poller.backoff_first, app.poller.backoff_cap = 0.2, 1.0
    secrets = app.adapters["faulty"].config.secret_values()
    async with started(app) as pilot:
        faulty, other = app.states["faulty"], app.states["steady"]
        # both answered once (under load a first poll can miss the short deadline: retried)
        await wait_for(pilot, lambda: faulty.health == "ok" and other.last_ok is not None, 5)
        before = other.last_ok
        sim.inject(Fault.parse(fault))
        if fault == "skew":   # a clock three hours off: the clients take the service's clock
            await pilot.pause(INTERVAL + DEADLINE + 0.5)
            assert faulty.error is None
        else:
            await wait_for(pilot, lambda: faulty.error is not None, INTERVAL + DEADLINE + 1.0)
            assert faulty.error.strip() and faulty.health == "stale"
        await wait_for(pilot, lambda: other.last_ok is not None and other.last_ok > before, 3)
        assert other.health == "ok"
        if kind in ACTIONS:
            action, targets, marker = ACTIONS[kind]
            targets = targets or [sim.order[0]]
            sent = len([r for r in sim.requests if marker in r[1] or marker == r[2]])
            app.runner.send("faulty", action, targets)
            await pilot.pause(DEADLINE + 0.3)
            resent = [r for r in sim.requests if marker in r[1] or marker == r[2]]
            assert len(resent) - sent <= 1, resent
        sim.clear_fault()
        await wait_for(pilot, lambda: faulty.error is None and faulty.snapshot.ok, 6)
        words = [faulty.error or "", *(m for m, _ in app.toasts)]
        for secret in secrets:
            assert not any(secret in text for text in words)
        assert not any("Traceback" in text for text in words)
        assert app.is_running and app.return_code is None
        await settle(pilot)
