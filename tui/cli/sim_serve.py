"""`jobdeck sim serve`: every kind's demo simulators as real HTTP servers on loopback."""

from __future__ import annotations

import argparse
import time
from typing import Any

import tomli_w

from jobdeck.adapters.contract.model import JobdeckError
from jobdeck.adapters.contract.registry import demo_simulators
from jobdeck.adapters.simulation.server import Fault, SimServer

from .common import UsageError


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
    sims = demo_simulators()
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


def simulator_config(entries: list[dict[str, Any]]) -> str:
    return tomli_w.dumps({"refresh": 2.0, "services": entries})
