"""Quitting while an action waits for its answer: the audit line says what happened (it used to
say "connection lost while reading the reply: pop from an empty deque")."""

from __future__ import annotations

import json

from jobdeck.adapters.contract.registry import ADAPTERS
from jobdeck.adapters.core.config import parse_config
from jobdeck.adapters.core.services import make_adapters
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import Fault, SimServer
from jobdeck.tui.console.app import JobdeckApp
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import cursor_to, select_service, settle


async def test_quitting_mid_action_audits_an_unknown_outcome_in_plain_words(tmp_path):
    sim = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    store = StateStore(tmp_path / "state")
    with SimServer(sim) as server:   # over real HTTP: the connection pool is what broke
        config = parse_config({"refresh": 30.0, "services": [
            sim.service_entry("farm", server.base_url)]}, None, ADAPTERS)
        app = JobdeckApp(config, make_adapters(config, state=store), state=store)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await select_service(pilot, "farm")
            await cursor_to(pilot, "19088")
            sim.inject(Fault.parse("hang"))
            await pilot.press("s")
            for _ in range(200):
                if any(path.endswith("stopTask") for _, path, _ in sim.requests):
                    break
                await pilot.pause(0.02)
            await app.action_quit()
            for _ in range(100):
                if (tmp_path / "state" / "audit.log").exists():
                    break
                await pilot.pause(0.02)
        sim.clear_fault()
    line = json.loads((tmp_path / "state" / "audit.log").read_text().splitlines()[-1])
    assert line["action"] == "stop" and line["outcome"] == "unknown"
    assert "deque" not in line["message"]
    assert line["message"] == ("outcome unknown: jobdeck quit while waiting for the answer; "
                               "check the service before trying again")
