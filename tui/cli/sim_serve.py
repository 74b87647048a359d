"""`jobdeck sim serve`: every kind's demo simulators as real HTTP servers on loopback.

`--scale` serves a big account instead of the demo's small one (a studio's Renderbus farm with
years of finished work, a busy live server), and counts each service's requests, so what a
console asks of a real account can be watched: a line a minute, and the totals at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import tomli_w

from jobdeck.adapters.contract.model import JobdeckError
from jobdeck.adapters.contract.registry import demo_simulators
from jobdeck.adapters.simulation.server import Fault, SimServer, Simulator

from .common import UsageError

SCALE_FINISHED, SCALE_RUNNING, SCALE_STREAMS = 20_000, 500, 300
COUNT_EVERY_S = 60.0


def scaled_simulators() -> dict[str, Simulator]:
    """The demo's services with a big account in place of the small ones: sh-farm holds
    20,000 finished and 500 running tasks, live has 300 live streams."""
    from jobdeck.adapters.renderbus.sim import scale

    sims = demo_simulators()
    sims["sh-farm"] = scale(SCALE_FINISHED, SCALE_RUNNING)
    live = sims.get("live")
    add_stream = getattr(live, "add_stream", None)
    if live is not None and add_stream is not None:
        with live.lock:
            for n in range(len(getattr(live, "streams", {})), SCALE_STREAMS):
                add_stream("live", f"cam{n:03d}", age=60.0 * (n + 1), viewers=n % 7)
    return sims


def request_counts(sims: dict[str, Simulator]) -> dict[str, int]:
    counts = {}
    for name, sim in sims.items():
        with sim.lock:
            counts[name] = len(sim.requests)
    return counts


def count_line(sims: dict[str, Simulator], before: dict[str, int], seconds: float) -> str:
    now = request_counts(sims)
    parts = [f"{name} {(now[name] - before.get(name, 0)) / seconds:.1f}/s"
             for name in sims]
    return f"# requests in the last {seconds:.0f} s: " + ", ".join(parts)


def parse_faults(specs: list[str], names: list[str]) -> dict[str, Fault]:
    faults: dict[str, Fault] = {}
    for spec in specs:
        service, sep, text = spec.partition(":")
        if not sep or service not in names:
            raise UsageError(f"--fault takes SERVICE:FAULT[=N] with SERVICE one of "
                             f"{', '.join(names)}, not {spec!r}")
        try:
            faults[service] = Fault.parse(text)
        except ValueError as exc:
            raise UsageError(f"--fault {spec!r}: {exc}") from None
    return faults


def sim_serve(args: argparse.Namespace) -> int:
    sims = scaled_simulators() if getattr(args, "scale", False) else demo_simulators()
    if args.kind:
        unknown = set(args.kind) - {s.kind for s in sims.values()}
        if unknown:
            raise UsageError(f"no simulator of kind {sorted(unknown)[0]!r}")
        sims = {n: s for n, s in sims.items() if s.kind in args.kind}
    for name, fault in parse_faults(args.fault, list(sims)).items():
        sims[name].inject(fault)
    servers: list[SimServer] = []
    try:
        for offset, sim in enumerate(sims.values()):
            port = args.port + offset if args.port else 0
            try:
                servers.append(SimServer(sim, args.host, port).start())
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            except OSError as exc:
                raise UsageError(f"cannot listen on {args.host}:{port}: {exc.strerror}") from None
        entries = [sim.service_entry(name, server.base_url)
                   for (name, sim), server in zip(sims.items(), servers, strict=True)]
        print("# jobdeck simulators: save as a config and run `jobdeck --config FILE`")
        print(simulator_config(entries))
        print("# serving until Ctrl-C", flush=True)
        if getattr(args, "scale", False):
            serve_counting(sims)
        else:
            serve_forever()
    except JobdeckError:
        raise
    finally:
        for server in servers:
            server.stop()
    return 0


def serve_forever() -> None:
    while True:
        time.sleep(3600)


def serve_counting(sims: dict[str, Simulator], every: float = COUNT_EVERY_S) -> None:
    """Serve, printing each service's requests a second every minute, and the totals when
    interrupted."""
    started = time.monotonic()
    before = request_counts(sims)
    try:
        while True:
            time.sleep(every)
            print(count_line(sims, before, every), file=sys.stderr, flush=True)
            before = request_counts(sims)
    finally:
        elapsed = max(1e-9, time.monotonic() - started)
        totals = request_counts(sims)
        print("# requests served: " + ", ".join(
            f"{name} {count} ({count / elapsed:.1f}/s)" for name, count in totals.items()),
            file=sys.stderr, flush=True)


def simulator_config(entries: list[dict[str, Any]]) -> str:
    return tomli_w.dumps({"refresh": 2.0, "services": entries})
