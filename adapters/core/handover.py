"""A shift in figures, per service, from the history store: what `jobdeck report` writes up.

Time down (from the polls' up or down in turn), tasks finished, failed, stalled and still
failing at the end, streams lost, the actions taken (who, what, outcome), the balance at the
start and at the end, and the trends the console draws (running tasks, frames or clips or
tasks finished per minute, live streams, viewers, poll latency) as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobdeck.adapters.contract.registry import ADAPTERS

from .history import Event, HistoryStore, epoch
from .trends import Trend, time_down, trend_names, trends_of


@dataclass(slots=True)
class ServiceShift:
    name: str
    kind: str
    polls: int = 0
    down_s: int = 0
    outages: int = 0
    longest_s: int = 0
    down_now: bool = False
    finished: int = 0
    failed: list[Event] = field(default_factory=list)
    stalled: list[Event] = field(default_factory=list)
    still_failing: list[tuple[str, str, str]] = field(default_factory=list)   # id, name, status
    streams_lost: list[Event] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    balance_start: float | None = None
    balance_end: float | None = None
    trends: list[Trend] = field(default_factory=list)

    @property
    def balance_change(self) -> float | None:
        if self.balance_start is None or self.balance_end is None:
            return None
        return self.balance_end - self.balance_start


def lists_streams(kind: str) -> bool:
    try:
        return bool(ADAPTERS[kind].lists_streams)
    except KeyError:
        return False


def shift(store: HistoryStore, since: datetime, until: datetime) -> list[ServiceShift]:
    """Every service recorded in the window, in the config's order."""
    start, end = epoch(since), epoch(until)
    events = store.events(since, until)
    out = []
    for name, kind in store.service_kinds().items():
        polls = store.polls(name, since, until)
        mine = [e for e in events if e.service == name]
        if not polls and not mine:
            continue
        summary = ServiceShift(name, kind, polls=len(polls))
        summary.down_s, summary.outages, summary.longest_s = time_down(polls, end)
        summary.down_now = bool(polls) and not polls[-1].ok
        summary.finished = sum(p.finished or 0 for p in polls)
        for event in mine:
            transition = event.transition
            if transition is None:
                summary.actions.append(event.action or {})
            elif transition.what == "task" and transition.to in ("failed", "partial"):
                summary.failed.append(event)
            elif transition.what == "task" and transition.to == "stalled":
                summary.stalled.append(event)
            elif transition.what in ("stream", "relay"):
                summary.streams_lost.append(event)
        balances = [p.balance for p in polls if p.balance is not None]
        if balances:
            summary.balance_start, summary.balance_end = balances[0], balances[-1]
        if polls:
            for row in store.items_at(name, polls[-1].at):
                status = row.data.get("status")
                if row.what == "task" and status in ("failed", "partial") \
                        and row.data.get("parent") is None:
                    summary.still_failing.append((row.item, str(row.data.get("name", "")),
                                                  status))
        summary.still_failing.sort()
        summary.trends = trends_of(polls, trend_names(kind, lists_streams(kind)), start, end)
        out.append(summary)
    return out
