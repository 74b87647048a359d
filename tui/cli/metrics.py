"""Prometheus metrics for `jobdeck watch --metrics HOST:PORT` (the optional extra
jobdeck[metrics], prometheus-client): how a team that outgrows one person's console plugs
jobdeck into the Prometheus and Alertmanager it already runs.

Per service (labels service, kind): up, last poll age, poll duration, tasks by status, streams
live, viewers per stream, balance, attention items, transitions by event. Ages are computed at
scrape time, so a watch that stopped polling shows its age growing.

Label values are service text: they pass through safe_text's `clean`, like every other printer
(the README pipes /metrics to a terminal), and one service that cannot be collected is left out
of that scrape rather than failing it.
"""

from __future__ import annotations

import ipaddress
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.model import STATUSES, ServiceSnapshot
from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.tui.safe_text import clean

from .common import UsageError, say

DEFAULT_HOST = "127.0.0.1"


@dataclass
class Seen:
    kind: str
    streams: bool = False   # the kind lists streams: a render farm has no 'streams live' to say
    snapshot: ServiceSnapshot | None = None
    last_poll: float | None = None
    attention: int = 0
    transitions: dict[str, int] = field(default_factory=dict)


class JobdeckCollector:
    """What the watch saw, turned into metric families when Prometheus scrapes."""

    def __init__(self, adapters: dict[str, Adapter]) -> None:
        self.server: Any = None      # the HTTP server, once serve_metrics started it
        self.lock = threading.Lock()
        self.seen = {name: Seen(adapter.kind, adapter.lists_streams)
                     for name, adapter in adapters.items()}

    def record(self, snapshot: ServiceSnapshot, watch: ServiceWatch) -> None:
        now = time.monotonic()
        with self.lock:
            seen = self.seen[snapshot.name]
            seen.snapshot, seen.last_poll = snapshot, now
            seen.attention = len(watch.items(now))

    def count(self, service: str, event: str) -> None:
        with self.lock:
            events = self.seen[service].transitions
            events[event] = events.get(event, 0) + 1

    def collect(self) -> Iterator[object]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["service", "kind"]
        up = GaugeMetricFamily("jobdeck_up", "1 when the last poll of the service worked", labels=labels)
        age = GaugeMetricFamily("jobdeck_last_poll_age_seconds", "seconds since the last poll",
                                labels=labels)
        duration = GaugeMetricFamily("jobdeck_poll_duration_seconds",
                                     "how long the last good poll took", labels=labels)
        tasks = GaugeMetricFamily("jobdeck_tasks", "top-level tasks by status",
                                  labels=[*labels, "status"])
        live = GaugeMetricFamily("jobdeck_streams_live", "streams live now", labels=labels)
        viewers = GaugeMetricFamily("jobdeck_stream_viewers", "viewers of each stream",
                                    labels=[*labels, "stream"])
        balance = GaugeMetricFamily("jobdeck_balance", "the account's balance", labels=labels)
        attention = GaugeMetricFamily("jobdeck_attention_items",
                                      "items that need attention", labels=labels)
        transitions = CounterMetricFamily("jobdeck_transitions", "transitions seen",
                                          labels=[*labels, "event"])
        families = (up, age, duration, tasks, live, viewers, balance, attention, transitions)
        now = time.monotonic()
        with self.lock:
            for name, seen in self.seen.items():
                # One service's samples are made apart and added whole: a value of the wrong
                # shape leaves that service out of this scrape, never the scrape a 500.
                samples: list[tuple[Any, list[str], float]] = []

                def add(family: Any, labels: list[str], value: Any,
                        into: list[tuple[Any, list[str], float]] = samples) -> None:
                    into.append((family, [clean(label) for label in labels], float(value)))

                try:
                    self._samples(name, seen, now, add, families)
                except Exception:   # the other services still answer
                    continue
                for family, labels, value in samples:
                    family.add_metric(labels, value)
        yield from families

    @staticmethod
    def _samples(name: str, seen: Seen, now: float, add: Any, families: tuple[Any, ...]) -> None:
        up, age, duration, tasks, live, viewers, balance, attention, transitions = families
        key = [name, seen.kind]
        snapshot = seen.snapshot
        add(up, key, 1.0 if snapshot is not None and snapshot.ok else 0.0)
        add(attention, key, seen.attention)
        for event, number in sorted(seen.transitions.items()):
            add(transitions, [*key, event], number)
        if snapshot is None or seen.last_poll is None:
            return
        add(age, key, now - seen.last_poll)
        if snapshot.latency_ms is not None:
            add(duration, key, snapshot.latency_ms / 1000)
        for status in STATUSES:
            add(tasks, [*key, status], sum(1 for t in snapshot.tasks if t.status == status))
        if seen.streams:
            add(live, key, sum(1 for s in snapshot.streams if s.state == "live"))
        for stream in snapshot.streams:
            if stream.viewers is not None:
                add(viewers, [*key, stream.id], stream.viewers)
        account = snapshot.account
        if account is not None and account.available is not None:
            add(balance, key, account.available)   # cash, coupon and credit


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPV6]:PORT`, or a port alone (`9464`, `:9464`) on 127.0.0.1."""
    usage = f"--metrics takes [HOST:]PORT, like 127.0.0.1:9464 or 9464, not {text!r}"
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UsageError(usage) from None
    elif ":" in host:   # an IPv6 address needs its brackets, or its port is ambiguous
        raise UsageError(f"{usage} (write an IPv6 address in brackets: [::1]:9464)")
    if not re.fullmatch(r"[0-9]+", port):
        raise UsageError(usage)
    number = int(port)
    if number > 65535:
        raise UsageError(f"--metrics: the port must be between 0 and 65535, not {port}")
    return host or DEFAULT_HOST, number


def serve_metrics(address: str, adapters: dict[str, Adapter]) -> JobdeckCollector:
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError:
        raise UsageError("--metrics needs prometheus-client: pip install 'jobdeck[metrics]'") \
            from None
    host, port = parse_address(address)
    collector = JobdeckCollector(adapters)
    registry = CollectorRegistry()
    registry.register(collector)  # type: ignore[arg-type]
    try:
        started = start_http_server(port, addr=host, registry=registry)
    except (OSError, OverflowError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot serve metrics on {host}:{port}: {why}") from None
    # prometheus-client 0.19 and later return the server and its thread
    collector.server = started[0] if isinstance(started, tuple) else None
    if port == 0 and collector.server is not None:
        port = collector.server.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        say(f"jobdeck: metrics at http://{shown}:{port}/metrics", err=True)
    if host in ("0.0.0.0", "::", ""):
        say(f"jobdeck: warning: metrics are served on every interface ({host}): stream names, "
            "often publish keys, become readable by anyone who can reach port "
            f"{port}", err=True)
    sys.stderr.flush()
    return collector
