"""Items read one request each (EVA renders, enhance tasks, FinalRip's progress): one whose answer
has not changed is asked less often, up to every 8 s; a change, an action or the operator's `r`
bring it back to every poll. Counted at the simulator over HTTP, time from a frozen clock."""

from __future__ import annotations

from itertools import pairwise

from jobdeck.adapters.contract.cadence import LONGEST_S, Cadence
from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.eva.adapter import EvaAdapter
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FrozenClock

RUNNING = "Kq3v_promo_summer_01"   # the demo's long render


def test_an_unchanged_answer_waits_2_then_4_then_8_seconds_and_a_change_resets_it():
    clock = FrozenClock(0.0)
    cadence = Cadence(clock)
    asked_at = []
    for _ in range(40):                    # a poll every 2 s for 80 s, the answer never moves
        if cadence.due("a"):
            asked_at.append(clock.now)
            cadence.answered("a", {"code": 4300})
        clock.advance(2.0)
    assert asked_at[:5] == [0.0, 2.0, 4.0, 8.0, 16.0]
    assert all(b - a <= LONGEST_S for a, b in pairwise(asked_at))
    assert len(asked_at) <= 14             # not 40
    cadence.answered("a", {"code": 200})   # it changed: every poll again
    assert cadence.due("a") and cadence.last("a") == {"code": 200}
    cadence.answered("a", {"code": 200})
    clock.advance(2.0)
    assert cadence.due("a")
    cadence.answered("a", {"code": 200})
    assert not cadence.due("a")
    cadence.forget()                       # an action, or `r`
    assert cadence.due("a")


def adapter_for(sim: EvaSim, server: SimServer, tmp_path, clock: FrozenClock) -> EvaAdapter:
    entry = sim.service_entry("promo", server.base_url)
    adapter = EvaAdapter(ServiceConfig(name="promo", kind="eva", base_url=server.base_url,
                                       options={"api_key": entry["api_key"],
                                                "track": entry["track"]},
                                       secrets={"api_secret": entry["api_secret"]}),
                         state=StateStore(tmp_path / "state"))
    adapter.cadence.clock = clock
    return adapter


async def test_a_render_that_stays_running_is_asked_at_most_every_8_seconds(tmp_path):
    sim_clock, clock = FrozenClock(), FrozenClock(0.0)   # the render itself never moves
    sim = EvaSim(clock=sim_clock)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, tmp_path, clock)
        asked_at = []
        for _ in range(30):
            before = len(sim.received)
            snapshot = await adapter.poll()
            assert next(t for t in snapshot.tasks if t.id == RUNNING).status == "running"
            if any(r.body and r.body.get("task_id") == RUNNING for r in sim.received[before:]):
                asked_at.append(clock.now)
            clock.advance(2.0)
        # asked far less than every poll (a poll still asks about the most overdue render, so
        # the two renders of the demo that stay running share the polls)
        assert len(asked_at) <= 18 and asked_at[-1] >= 50.0
        assert all(b - a <= LONGEST_S for a, b in pairwise(asked_at))
        adapter.want_history()     # the operator's `r`: everything now
        before = len(sim.received)
        await adapter.poll()
        assert any(r.body and r.body.get("task_id") == RUNNING for r in sim.received[before:])
        await adapter.close()


async def test_a_render_that_ends_is_seen_within_8_seconds(tmp_path):
    sim_clock, clock = FrozenClock(), FrozenClock(0.0)
    sim = EvaSim(clock=sim_clock)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, tmp_path, clock)
        for _ in range(12):        # long enough to be asked only every 8 s
            await adapter.poll()
            clock.advance(2.0)
        sim_clock.advance(3600)    # every render ends now
        ended_at = clock.now
        while clock.now - ended_at <= LONGEST_S:
            snapshot = await adapter.poll()
            if next(t for t in snapshot.tasks if t.id == RUNNING).status != "running":
                break
            clock.advance(2.0)
        assert next(t for t in snapshot.tasks if t.id == RUNNING).status == "done"
        await adapter.close()


async def test_a_poll_asks_about_one_item_at_least_so_a_service_going_down_is_seen(tmp_path):
    from jobdeck.adapters.simulation.server import Fault
    sim_clock, clock = FrozenClock(), FrozenClock(0.0)
    sim = EvaSim(clock=sim_clock)
    with SimServer(sim) as server:
        adapter = adapter_for(sim, server, tmp_path, clock)
        for _ in range(6):         # every running render is between asks now
            before = len(sim.received)
            assert (await adapter.poll()).ok
            assert len(sim.received) > before   # never a poll that asks nothing
            clock.advance(2.0)
        sim.inject(Fault.parse("5xx"))
        assert not (await adapter.poll()).ok
        await adapter.close()
