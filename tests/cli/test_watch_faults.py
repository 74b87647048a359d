"""Bad days, kinds x faults, without a console: `watch` with its alert hook and its metrics while
one service misbehaves in every way a simulator can. Asserted for each pair: the service's
going down is printed and handed to the hook as valid JSON (a fault that only slows or skews it
is not a failure), the metrics page answers throughout, and its coming back is seen too."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.registry import PACKAGES, simulators_of
from jobdeck.adapters.core.demo import build_demo
from jobdeck.adapters.core.hooks import HookRunner
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import FAULTS, Fault
from jobdeck.tui.cli.metrics import JobdeckCollector
from jobdeck.tui.cli.watch import Watcher
from jobdeck.tui.safe_text import clean

DEADLINE = 0.6
NOT_A_FAILURE = {"latency", "skew"}   # a slow reply within the deadline; a clock far off


def faulty_sim(kind: str):
    if kind == "renderbus":
        return RenderbusSim()
    return next(iter(simulators_of(kind).values()))


def scrape(collector: JobdeckCollector) -> str:
    registry = CollectorRegistry()
    registry.register(collector)  # type: ignore[arg-type]
    return generate_latest(registry).decode("utf-8")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", list(PACKAGES))
async def test_watch_its_hook_and_its_metrics_through_a_fault(kind, fault, tmp_path):
    sim = faulty_sim(kind)
    world = build_demo({"faulty": sim}, refresh=0.2)
    out = tmp_path / "hook.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {out}\n")
    hook.chmod(0o755)
    world.config.alerts.command = str(hook)
    adapters = world.adapters()
    for adapter in adapters.values():
        adapter.poll_deadline = DEADLINE
        adapter.http.backoff = (0.05,)
    lines: list[str] = []
    collector = JobdeckCollector(adapters)
    hooks = HookRunner(world.config.alerts, report=lines.append)
    watcher = Watcher(adapters, world.config,
                      lambda t: lines.append(clean(t.line())) or jsonsafe.dumps(t.to_json()),
                      collector, hooks=hooks)
    if fault == "latency":
        fault += f"={DEADLINE / 4}"
    try:
        watcher.take("faulty", await watcher.poll("faulty"))      # the baseline
        sim.inject(Fault.parse(fault))
        watcher.take("faulty", await watcher.poll("faulty"))
        assert "jobdeck_up" in scrape(collector)
        sim.clear_fault()
        watcher.take("faulty", await watcher.poll("faulty"))
        deadline = time.monotonic() + 10
        while hooks.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        page = scrape(collector)
    finally:
        await hooks.close()
        for adapter in adapters.values():
            await adapter.close()
    labels = f'kind="{kind}",service="faulty"'
    assert f"jobdeck_up{{{labels}}} 1.0" in page
    if fault.partition("=")[0] in NOT_A_FAILURE:
        assert not any("-> down" in line for line in lines), lines
        assert not out.exists()
        return
    assert [line.split(": ", 1)[1].split(" (")[0] for line in lines] == ["ok -> down",
                                                                         "down -> ok"], lines
    sent = [json.loads(raw) for raw in out.read_text(encoding="utf-8").splitlines()]
    assert sorted((s["service"], s["to"]) for s in sent) == [("faulty", "down"),
                                                             ("faulty", "ok")]   # hooks race
    down = next(s for s in sent if s["to"] == "down")
    assert down["detail"] and "\x1b" not in down["detail"]
    assert f'jobdeck_transitions_total{{event="service_down",{labels}}} 1.0' in page
