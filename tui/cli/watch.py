"""`jobdeck watch`: poll like the console, print each transition as it happens.

For cron, systemd and log shippers: a line of text per transition, or one JSON line with
--json (DESIGN.md's transition shape). `--on done,failed` picks the events printed; `done` (a
task finishing) is printed only when named. It says where it starts: after each service's first
poll, a line for a service that is down or has items needing attention (`from` null), so a
watch started during an outage is not silent. Each service is polled on its own (a slow one
holds no other back, and one whose poll or output fails holds no other's line back), with the
console's deadlines and backoff. SIGINT or SIGTERM ends it with exit 0.

Transitions that pass the [alerts] rules (`on`, per kind, per service) also run the [alerts]
command, as the console does (adapters/core/hooks.py: a few at a time, timed, its failures on
stderr under `burst`): alerts without a console, for systemd. --no-hook skips the command.
With --metrics HOST:PORT it also serves Prometheus metrics (metrics.py).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.model import ServiceSnapshot
from jobdeck.adapters.core.alerts import DEFAULT_ON, parse_events
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.history import Recorder
from jobdeck.adapters.core.hooks import HookRunner
from jobdeck.adapters.core.oncall import ServiceWatch, Transition
from jobdeck.adapters.core.services import backoff, make_adapters
from jobdeck.adapters.core.state import StateStore
from jobdeck.tui.safe_text import clean

from .common import EXIT_OK, UsageError, say
from .metrics import JobdeckCollector


def watch(config: Config, args: argparse.Namespace) -> int:
    try:
        events = parse_events(args.on) if args.on else DEFAULT_ON
    except ValueError as exc:
        raise UsageError(f"--on: {exc}") from None
    if not events:
        raise UsageError("--on: name at least one event")
    adapters = make_adapters(config, args.service)
    if not adapters:
        raise UsageError(f"{config.path}: no [[services]] to watch")
    metrics = None
    if args.metrics:
        from .metrics import serve_metrics

        metrics = serve_metrics(args.metrics, adapters)

    def emit(transition: Transition) -> None:
        if args.json:
            print(jsonsafe.dumps(transition.to_json()), flush=True)
        else:
            print(clean(transition.line()), flush=True)

    hooks = None
    if config.alerts.command and not getattr(args, "no_hook", False):
        hooks = HookRunner(config.alerts, report=lambda failed: say(f"jobdeck: {failed}",
                                                                      err=True))
    recorder = Recorder(StateStore().directory, config.history_days,
                        warn=lambda text, severity: say(f"jobdeck: {text}", err=True))
    recorder.declare((name, adapter.kind) for name, adapter in adapters.items())
    try:
        asyncio.run(Watcher(adapters, config, emit, metrics, hooks=hooks, events=events,
                            recorder=recorder).run())
    finally:
        recorder.close()
    return EXIT_OK


class Watcher:
    def __init__(self, adapters: dict[str, Adapter], config: Config,
                 emit: Callable[[Transition], None], metrics: JobdeckCollector | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 hooks: HookRunner | None = None,
                 events: tuple[str, ...] = DEFAULT_ON,
                 recorder: Recorder | None = None) -> None:
        self.adapters, self.config, self.emit, self.metrics = adapters, config, emit, metrics
        self.clock, self.hooks, self.events = clock, hooks, set(events)
        self.recorder = recorder   # the history store's writer: every poll and transition
        self.watches = {name: ServiceWatch(name, a.kind, config.stall_after * 60,
                                           config.alerts.balance_below)
                        for name, a in adapters.items()}
        self.stop = asyncio.Event()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        try:
            await asyncio.gather(*(self.follow(name) for name in self.adapters))
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            if self.hooks is not None:   # hooks still running end here, with their groups
                await self.hooks.close()
            await asyncio.gather(*(a.close() for a in self.adapters.values()),
                                 return_exceptions=True)

    async def follow(self, name: str) -> None:
        failures = 0
        first = True
        while not self.stop.is_set():
            snapshot = await self.poll(name)
            if self.stop.is_set():
                return
            failures = 0 if snapshot.ok else failures + 1
            try:
                self.take(name, snapshot)
                if first:   # where watching starts: down, or what needs attention now
                    first = False
                    for transition in self.watches[name].at_start(datetime.now(UTC)):
                        self.emit(transition)
            except Exception as exc:  # one service's bad poll never ends the others' watch
                say(f"jobdeck: {name}: internal error: {type(exc).__name__}: {exc}", err=True)
            try:
                await asyncio.wait_for(self.stop.wait(), backoff(failures, self.config.refresh))
            except TimeoutError:
                pass

    def take(self, name: str, snapshot: ServiceSnapshot) -> None:
        """One poll's transitions: printed, counted, and handed to the hook when they alert."""
        wall = datetime.now(UTC)
        transitions = self.watches[name].observe(snapshot, self.clock(), wall)
        if self.recorder is not None:
            self.recorder.poll(snapshot, transitions, wall)
        for transition in transitions:
            if transition.event in self.events:
                self.emit(transition)
            if self.metrics is not None:
                self.metrics.count(name, transition.event)
        if self.hooks is not None:
            self.hooks.submit(self.config.alerts.wanted(transitions))
        if self.metrics is not None:
            self.metrics.record(snapshot, self.watches[name])

    async def poll(self, name: str) -> ServiceSnapshot:
        """One poll that a stop signal interrupts at once."""
        poll = asyncio.ensure_future(self.adapters[name].poll())
        stopping = asyncio.ensure_future(self.stop.wait())
        done, _ = await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if poll not in done:
            poll.cancel()
            return ServiceSnapshot(name=name, kind=self.adapters[name].kind, ok=False,
                                   error="stopped")
        stopping.cancel()
        return poll.result()

