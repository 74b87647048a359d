"""Prometheus metrics for `jobdeck watch --metrics HOST:PORT` (the optional extra
jobdeck[metrics], prometheus-client): how a team that outgrows one person's console plugs
jobdeck into the Prometheus and Alertmanager it already runs.

Per service (labels service, kind): up, last poll age, poll duration, tasks by status, streams
live, viewers per stream, balance, attention items, transitions by event. Ages are computed at
scrape time, so a watch that stopped polling shows its age growing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.model import STATUSES, ServiceSnapshot
from jobdeck.adapters.core.oncall import ServiceWatch

from .common import UsageError


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
        now = time.monotonic()
        with self.lock:
            for name, seen in self.seen.items():
                key = [name, seen.kind]
                snapshot = seen.snapshot
                up.add_metric(key, 1.0 if snapshot is not None and snapshot.ok else 0.0)
                attention.add_metric(key, float(seen.attention))
                for event, number in sorted(seen.transitions.items()):
                    transitions.add_metric([*key, event], float(number))
                if snapshot is None or seen.last_poll is None:
                    continue
                age.add_metric(key, now - seen.last_poll)
                if snapshot.latency_ms is not None:
                    duration.add_metric(key, snapshot.latency_ms / 1000)
                for status in STATUSES:
                    tasks.add_metric([*key, status],
                                     float(sum(1 for t in snapshot.tasks if t.status == status)))
                if seen.streams:
                    live.add_metric(key, float(sum(1 for s in snapshot.streams
                                                   if s.state == "live")))
                for stream in snapshot.streams:
                    if stream.viewers is not None:
                        viewers.add_metric([*key, stream.id], float(stream.viewers))
                account = snapshot.account
                if account is not None and account.balance is not None:
                    balance.add_metric(key, account.balance)
        yield from (up, age, duration, tasks, live, viewers, balance, attention, transitions)


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise UsageError(f"--metrics takes HOST:PORT, like 127.0.0.1:9464, not {text!r}")
    return host.strip("[]"), int(port)


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
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise UsageError(f"cannot serve metrics on {host}:{port}: {exc.strerror}") from None
    return collector
